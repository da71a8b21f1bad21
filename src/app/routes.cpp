#include "app/routes.hpp"

#include "app/api_docs.hpp"
#include "app/root_handlers.hpp"
#include "storage/storage_error.hpp"
#include "users/me_handler.hpp"

namespace taskapi::app {

Application::Application(const Config& config, std::unique_ptr<storage::Storage> storage,
                         core::metrics::Registry* metrics)
    : storage_(std::move(storage)),
      tokens_(auth::TokenSettings{config.secret_key, config.access_token_lifetime,
                                  config.refresh_token_lifetime},
              clock_),
      users_(storage_->users(), hasher_, clock_),
      tasks_(storage_->tasks(), clock_),
      authenticator_(tokens_, storage_->users(), config.auth_header_types),
      login_throttle_(storage_->throttles(), config.login_rates, clock_, metrics),
      token_lifecycle_(
          tokens_, storage_->refresh_tokens(), storage_->users(),
          auth::LifecycleSettings{config.rotate_refresh_tokens, config.blacklist_after_rotation},
          clock_),
      auth_handlers_(users_, tokens_, token_lifecycle_, login_throttle_, config.num_proxies),
      registration_handler_(users_, login_throttle_, config.num_proxies),
      task_handlers_(tasks_, tasks::TaskListSettings{.page_size = config.page_size,
                                                     .max_page_size = config.max_page_size}),
      router_(http::Authentication{
          .verify =
              [this](std::optional<std::string_view> header) {
                  return authenticator_.verify(header);
              },
          .admit =
              [this](const core::Claimant& claimant, const core::AccountLookup& lookup) {
                  return authenticator_.admit(claimant, lookup);
              }}) {
    add_routes(router_, auth_handlers_, task_handlers_, *storage_, draining_,
               config.allow_registration ? &registration_handler_ : nullptr);
    add_docs_routes(router_);
    http::AllowedHosts hosts = config.allowed_hosts;
    // A request without Host (HTTP/1.0) is given the listen address, which must pass.
    hosts.add(config.host.find(':') == std::string::npos ? config.host : "[" + config.host + "]");
    router_.set_allowed_hosts(std::move(hosts));
    router_.set_authenticate_scheme(config.auth_header_types.front());
    http::Cors cors = config.cors;
    cors.set_allow_credentials(config.cors_allow_credentials);
    router_.set_cors(std::move(cors));
    // Last, so that the document describes every route, its own included.
    router_.add(schema_route(openapi_));
    openapi_ = openapi_document(router_, OpenApiSettings{
                                             .page_size = config.page_size,
                                             .max_page_size = config.max_page_size,
                                             .rotate_refresh_tokens = config.rotate_refresh_tokens,
                                             .auth_scheme = config.auth_header_types.front(),
                                         });
}

std::optional<core::Error> error_for_storage_exception(const std::exception& e) {
    if (dynamic_cast<const storage::UnavailableError*>(&e) != nullptr) {
        return database_unavailable();
    }
    return std::nullopt;
}

void add_routes(http::Router& router, auth::AuthHandlers& auth, tasks::TaskHandlers& tasks,
                storage::Storage& storage, const std::atomic<bool>& draining,
                auth::RegistrationHandler* registration) {
    using http::Access;
    using http::Request;
    using http::Work;
    // RFC 6749 5.1: answers that carry tokens must not be stored by any cache. Every answer of
    // the token endpoints says so, errors and OPTIONS included: one rule per URL, and a cache
    // never has to tell which of them held a token (docs/decisions/001, difference 12).
    const std::vector<std::pair<std::string, std::string>> no_store{{"Cache-Control", "no-store"}};

    router.add({.pattern = "/api/",
                .name = "Api Root",
                .description = "The default basic root view for DefaultRouter",
                .format_suffix = true,
                .work = Work::kInline,
                .get = api_root});

    // Liveness: answered from memory, whatever the database does.
    router.add({.pattern = "/api/health/",
                .name = "Health Check",
                .access = Access::kPublic,
                .any_host = true,
                .work = Work::kInline,
                .get = health});

    // Readiness: the database answers and the process is not draining before a stop
    // (docs/decisions/001, difference 22). No authentication, so that a probe never needs a
    // token, and the Authorization header never reaches storage.
    router.add({.pattern = "/api/ready/",
                .name = "Readiness Check",
                .access = Access::kNoAuthentication,
                .any_host = true,
                .work = Work::kDatabase,
                .get = [&storage, &draining](const Request& r) {
                    return ready(storage, draining, r);
                }});

    router.add({.pattern = "/api/me/", .name = "Me", .work = Work::kInline, .get = users::me});

    router.add(
        {.pattern = "/api/auth/token/",
         .name = "Token Obtain Pair",
         .description = "Takes a set of user credentials and returns an access and refresh "
                        "JSON web\ntoken pair to prove the authentication of those credentials.",
         .access = Access::kNoAuthentication,
         .headers = no_store,
         .work = Work::kCpu,
         .post = [&auth](const Request& r) { return auth.obtain_pair(r); },
         .actions = [](const Request&) { return auth::AuthHandlers::obtain_pair_actions(); }});

    router.add({.pattern = "/api/auth/token/refresh/",
                .name = "Token Refresh",
                .description = "Takes a refresh type JSON web token and returns an access type "
                               "JSON web\ntoken if the refresh token is valid.",
                .access = Access::kNoAuthentication,
                .headers = no_store,
                .post = [&auth](const Request& r) { return auth.refresh(r); },
                .actions = [](const Request&) { return auth::AuthHandlers::refresh_actions(); }});

    // SimpleJWT's optional views. Each reads the refresh-token store (and blacklist writes it),
    // so they run on the database executor, as refresh does.
    router.add({.pattern = "/api/auth/token/verify/",
                .name = "Token Verify",
                .description = "Takes a token and indicates if it is valid.  This view provides no"
                               "\ninformation about a token's fitness for a particular use.",
                .access = Access::kNoAuthentication,
                .headers = no_store,
                .work = Work::kDatabase,
                .post = [&auth](const Request& r) { return auth.verify(r); },
                .actions = [](const Request&) { return auth::AuthHandlers::verify_actions(); }});

    router.add({.pattern = "/api/auth/token/blacklist/",
                .name = "Token Blacklist",
                .description = "Takes a token and blacklists it. Must be used with the\n"
                               "`rest_framework_simplejwt.token_blacklist` app installed.",
                .access = Access::kNoAuthentication,
                .headers = no_store,
                .work = Work::kDatabase,
                .post = [&auth](const Request& r) { return auth.blacklist(r); },
                .actions = [](const Request&) { return auth::AuthHandlers::blacklist_actions(); }});

    // Off by default: without it the path is unknown (404), as a URL that urls.py lacks. A view
    // with DRF's default authentication and AllowAny: anonymous, but a bad token is refused.
    if (registration != nullptr) {
        router.add(
            {.pattern = "/api/auth/register/",
             .name = "Register",
             .description = "Creates a user account: a username and a password that "
                            "Django's password validators accept.",
             .access = Access::kPublic,
             .work = Work::kCpu,
             .post = [registration](const Request& r) { return registration->register_user(r); },
             .actions = [](const Request&) { return auth::RegistrationHandler::actions(); }});
    }

    router.add({.pattern = "/api/tasks/",
                .name = "Task List",
                .format_suffix = true,
                .get = [&tasks](const Request& r) { return tasks.list(r); },
                .post = [&tasks](const Request& r) { return tasks.create(r); },
                .read_has_account = true,
                .actions = [&tasks](const Request& r) { return tasks.list_actions(r); }});

    router.add({.pattern = "/api/tasks/{}/",
                .name = "Task Instance",
                .format_suffix = true,
                .get = [&tasks](const Request& r) { return tasks.retrieve(r); },
                .put = [&tasks](const Request& r) { return tasks.update(r, false); },
                .patch = [&tasks](const Request& r) { return tasks.update(r, true); },
                .del = [&tasks](const Request& r) { return tasks.destroy(r); },
                .read_has_account = true,
                .actions = [&tasks](const Request& r) { return tasks.detail_actions(r); },
                .actions_work = Work::kDatabase});
}

}  // namespace taskapi::app
