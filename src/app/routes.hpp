// Wiring: storage, services, handlers and the routes of the API, built explicitly from a Config.
#pragma once

#include <atomic>
#include <exception>
#include <memory>
#include <optional>

#include "app/config.hpp"
#include "app/openapi.hpp"
#include "auth/auth_handlers.hpp"
#include "auth/authenticator.hpp"
#include "auth/login_throttle.hpp"
#include "auth/registration_handler.hpp"
#include "auth/token_lifecycle.hpp"
#include "auth/token_service.hpp"
#include "core/clock.hpp"
#include "core/metrics.hpp"
#include "http/router.hpp"
#include "passwords/password_hasher.hpp"
#include "storage/open_storage.hpp"
#include "tasks/task_handlers.hpp"
#include "tasks/task_service.hpp"
#include "users/user_service.hpp"

namespace taskapi::app {

// Everything a running API needs, alive as long as the server runs.
class Application {
public:
    // `metrics`: where the login throttle counts its refusals (null: nowhere).
    Application(const Config& config, std::unique_ptr<storage::Storage> storage,
                core::metrics::Registry* metrics = nullptr);

    [[nodiscard]] const http::Router& router() const { return router_; }
    storage::Storage& storage() { return *storage_; }
    // From now on /api/ready/ answers 503: the server drains before it stops. Any thread.
    void start_draining() { draining_.store(true); }

private:
    core::SystemClock clock_;
    std::unique_ptr<storage::Storage> storage_;
    passwords::Argon2idHasher hasher_;
    auth::TokenService tokens_;
    users::UserService users_;
    tasks::TaskService tasks_;
    auth::Authenticator authenticator_;
    auth::LoginThrottle login_throttle_;
    auth::TokenLifecycle token_lifecycle_;
    auth::AuthHandlers auth_handlers_;
    auth::RegistrationHandler registration_handler_;
    tasks::TaskHandlers task_handlers_;
    std::atomic<bool> draining_{false};
    http::Router router_;
    OpenApiDocument openapi_;  // GET /api/schema/'s answer, built once the routes are all added
};

// DRF's exception handler for what storage throws (http::ServerOptions::error_for_exception):
// storage::UnavailableError is database_unavailable() (503); anything else nullopt (500).
std::optional<core::Error> error_for_storage_exception(const std::exception& e);

// The routes of the API (the DRF design's urls.py and DefaultRouter); POST
// /api/auth/register/ only with a `registration` handler (TASKAPI_ALLOW_REGISTRATION).
// `draining`: /api/ready/ answers 503 once it is set.
void add_routes(http::Router& router, auth::AuthHandlers& auth, tasks::TaskHandlers& tasks,
                storage::Storage& storage, const std::atomic<bool>& draining,
                auth::RegistrationHandler* registration = nullptr);

}  // namespace taskapi::app
