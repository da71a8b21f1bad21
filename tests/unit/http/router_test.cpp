#include "http/router.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/request.hpp"
#include "http/response.hpp"

namespace taskapi::http {
namespace {

constexpr std::string_view kList = R"([{"id":1}])";
constexpr std::string_view kRenders = R"("renders":["application/json","text/html"])";
constexpr std::string_view kParses =
    R"("parses":["application/json","application/x-www-form-urlencoded","multipart/form-data"])";
constexpr std::string_view kTaskActions = R"({"POST":{"title":{"type":"string"}}})";

// Returns the value of the first header with this name, if any.
std::optional<std::string> header(const Response& r, std::string_view name) {
    for (const auto& [key, value] : r.headers) {
        if (key == name) return value;
    }
    return std::nullopt;
}

int count_headers(const Response& r, std::string_view name) {
    int n = 0;
    for (const auto& entry : r.headers) n += entry.first == name ? 1 : 0;
    return n;
}

std::string_view method_name(Method m) {
    switch (m) {
        case Method::kGet:
            return "GET";
        case Method::kHead:
            return "HEAD";
        case Method::kPost:
            return "POST";
        case Method::kPut:
            return "PUT";
        case Method::kPatch:
            return "PATCH";
        case Method::kDelete:
            return "DELETE";
        case Method::kOptions:
            return "OPTIONS";
        case Method::kOther:
            return "PURGE";
    }
    return "";
}

// A router with the API's shape, stub handlers that record what they saw, and a stub
// authenticator: "Bearer good" is alice (id 1), "Bearer bad" an invalid token, no header anonymous.
class RouterTest : public ::testing::Test {
protected:
    RouterTest() : router_([this](std::optional<std::string_view> h) { return authenticate(h); }) {
        const auto record = [this](std::string name, Response response) {
            return
                [this, name = std::move(name), response = std::move(response)](const Request& r) {
                    calls_.push_back(name);
                    seen_ = r;
                    return response;
                };
        };
        router_.add(
            {.pattern = "/api/",
             .name = "Api Root",
             .description = "The default basic root view for DefaultRouter",
             .format_suffix = true,
             .work = Work::kInline,
             .get = record("root", json_response(200, R"({"tasks":"http://x/api/tasks/"})"))});
        router_.add({.pattern = "/api/health/",
                     .name = "Health Check",
                     .access = Access::kPublic,
                     .any_host = true,
                     .work = Work::kInline,
                     .get = record("health", json_response(200, R"({"status":"ok"})"))});
        router_.add({.pattern = "/api/auth/token/",
                     .name = "Token Obtain Pair",
                     .description = "Takes a set of user credentials.",
                     .access = Access::kNoAuthentication,
                     .headers = {{"Cache-Control", "no-store"}},
                     .work = Work::kCpu,
                     .post =
                         [this](const Request&) {
                             calls_.emplace_back("token");
                             return defer([this] {
                                 calls_.emplace_back("token, deferred");
                                 return json_response(200, R"({"access":"a"})");
                             });
                         },
                     .actions = [](const Request&) { return std::string(R"({"POST":{}})"); }});
        router_.add({.pattern = "/api/tasks/",
                     .name = "Task List",
                     .format_suffix = true,
                     .get = record("list", json_response(200, std::string(kList))),
                     .post = record("create", json_response(201, R"({"id":2})")),
                     .actions = [](const Request&) { return std::string(kTaskActions); }});
        router_.add({.pattern = "/api/tasks/{}/",
                     .name = "Task Instance",
                     .format_suffix = true,
                     .get = record("retrieve", json_response(200, R"({"id":1})")),
                     .put = record("update", json_response(200, R"({"id":1})")),
                     .patch = record("partial_update", json_response(200, R"({"id":1})")),
                     .del = record("destroy", no_content()),
                     .actions = [](const Request&) { return std::string(); },
                     .actions_work = Work::kDatabase});
    }

    core::Result<std::optional<core::Principal>> authenticate(std::optional<std::string_view> h) {
        ++authentications_;
        if (!h) return std::optional<core::Principal>{};
        if (*h == "Bearer good") {
            return std::optional<core::Principal>{core::Principal{core::UserId{1}, "alice"}};
        }
        if (*h == "Bearer bad") {
            // As auth::Authenticator reports an expired token.
            core::Error e =
                core::make_error(core::ErrorCode::kUnauthenticated,
                                 "Given token not valid for any token type", "token_not_valid");
            e.messages.push_back({{"token_class", "AccessToken"},
                                  {"token_type", "access"},
                                  {"message", "Token is invalid or expired"}});
            return e;
        }
        return std::optional<core::Principal>{};
    }

    Response dispatch(Method method, std::string path, std::optional<std::string> authorization,
                      std::string query = {}, std::optional<std::string> accept = std::nullopt) {
        Request request{.method = method,
                        .method_name = std::string(method_name(method)),
                        .path = std::move(path),
                        .query = std::move(query),
                        .authorization = std::move(authorization),
                        .accept = std::move(accept)};
        return router_.dispatch(request);
    }

    Response get(std::string path, std::optional<std::string> authorization = "Bearer good",
                 std::string query = {}, std::optional<std::string> accept = std::nullopt) {
        return dispatch(Method::kGet, std::move(path), std::move(authorization), std::move(query),
                        std::move(accept));
    }

    [[nodiscard]] Work work(Method method, std::string path,
                            std::optional<std::string> authorization) const {
        const Request request{.method = method,
                              .method_name = std::string(method_name(method)),
                              .path = std::move(path),
                              .authorization = std::move(authorization)};
        return router_.work_for(request);
    }

    Response accept(std::string accept_header) {
        return get("/api/health/", std::nullopt, {}, std::move(accept_header));
    }

    Router router_;
    std::vector<std::string> calls_;
    Request seen_;
    int authentications_ = 0;
};

// --- the route an answer came from (the metrics' route label) ---------------------------------

TEST_F(RouterTest, AnAnswerNamesTheRoutePatternNotThePath) {
    EXPECT_EQ(get("/api/tasks/7/").route, "/api/tasks/{}/");
    EXPECT_EQ(get("/api/tasks/7.json").route, "/api/tasks/{}/");
    EXPECT_EQ(get("/api/tasks/", std::nullopt).route, "/api/tasks/");  // 401 too
    EXPECT_EQ(dispatch(Method::kOther, "/api/health/", std::nullopt).route, "/api/health/");
    EXPECT_EQ(get("/nowhere/").route, "");
    EXPECT_EQ(get("/api/tasks").route, "");  // the redirect to the slash: no route answered
}

TEST_F(RouterTest, PatternsAreListedAndLookedUp) {
    const auto patterns = router_.patterns();
    EXPECT_EQ(patterns.front(), "/api/");
    EXPECT_EQ(patterns.back(), "/api/tasks/{}/");
    EXPECT_EQ(router_.pattern_for("/api/tasks/12/"), "/api/tasks/{}/");
    EXPECT_EQ(router_.pattern_for("/api/nothing/"), "");
}

// --- what a request needs, before dispatch ---------------------------------------------------

TEST_F(RouterTest, WorkIsTheRoutesForItsHandlers) {
    EXPECT_EQ(work(Method::kGet, "/api/tasks/", "Bearer good"), Work::kDatabase);
    EXPECT_EQ(work(Method::kPost, "/api/tasks.json", "Bearer good"), Work::kDatabase);
    EXPECT_EQ(work(Method::kDelete, "/api/tasks/7/", "Bearer good"), Work::kDatabase);
    EXPECT_EQ(work(Method::kPost, "/api/auth/token/", std::nullopt), Work::kCpu);
    // Authentication is no part of it: the token endpoints ignore the header.
    EXPECT_EQ(work(Method::kPost, "/api/auth/token/", "Bearer good"), Work::kCpu);
    EXPECT_EQ(work(Method::kGet, "/api/health/", std::nullopt), Work::kInline);
    EXPECT_EQ(authentications_, 0);
}

TEST_F(RouterTest, CredentialsNeedTheUserLookup) {
    // An inline view that authenticates looks the user up when a header is sent.
    EXPECT_EQ(work(Method::kGet, "/api/", "Bearer good"), Work::kDatabase);
    EXPECT_EQ(work(Method::kGet, "/api/health/", "Bearer bad"), Work::kDatabase);
    EXPECT_EQ(work(Method::kOptions, "/api/tasks/", "Bearer good"), Work::kDatabase);
    EXPECT_EQ(work(Method::kPut, "/api/", "Bearer good"), Work::kDatabase);  // 405 after it
    EXPECT_EQ(authentications_, 0);
}

TEST_F(RouterTest, WithoutCredentialsAnAuthenticatedRouteIsAnsweredInline) {
    // 401 before any handler: no request without a header reaches the database.
    EXPECT_EQ(work(Method::kGet, "/api/tasks/", std::nullopt), Work::kInline);
    EXPECT_EQ(work(Method::kPatch, "/api/tasks/1/", std::nullopt), Work::kInline);
    EXPECT_EQ(work(Method::kGet, "/api/", std::nullopt), Work::kInline);
}

TEST_F(RouterTest, OptionsNeedsWhatItsActionsNeed) {
    EXPECT_EQ(work(Method::kOptions, "/api/auth/token/", std::nullopt), Work::kInline);
    EXPECT_EQ(work(Method::kOptions, "/api/health/", std::nullopt), Work::kInline);
    EXPECT_EQ(work(Method::kOptions, "/api/tasks/3/", "Bearer good"), Work::kDatabase);
}

TEST_F(RouterTest, UnknownPathsAndMethodsAreInline) {
    EXPECT_EQ(work(Method::kGet, "/nope/", "Bearer good"), Work::kInline);
    EXPECT_EQ(work(Method::kGet, "/api/tasks", "Bearer good"), Work::kInline);       // redirect
    EXPECT_EQ(work(Method::kGet, "/api/auth/token/", std::nullopt), Work::kInline);  // 405
    EXPECT_EQ(work(Method::kOther, "/api/auth/token/", std::nullopt), Work::kInline);
}

// --- routing ---------------------------------------------------------------------------------

TEST_F(RouterTest, UnknownPathIsAJsonNotFound) {
    for (const char* path :
         {"/", "/nope/", "/api/nope/", "/api/tasks/1/2/", "/admin/", "/api/health.json"}) {
        const Response r = get(path);
        EXPECT_EQ(r.status, 404) << path;
        EXPECT_EQ(r.content_type, "application/json") << path;
        EXPECT_EQ(r.body, R"({"detail":"Not found."})") << path;
        EXPECT_EQ(header(r, "Allow"), std::nullopt) << path;
    }
    EXPECT_TRUE(calls_.empty());
}

TEST_F(RouterTest, DispatchesToTheRouteHandlerWithPathParameters) {
    const Response r = get("/api/tasks/17/");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, R"({"id":1})");
    ASSERT_EQ(calls_, std::vector<std::string>{"retrieve"});
    EXPECT_EQ(seen_.path_params, std::vector<std::string>{"17"});
    EXPECT_EQ(seen_.format, "");
}

TEST_F(RouterTest, TellsTheHandlerWhoIsCalling) {
    get("/api/tasks/");
    ASSERT_TRUE(seen_.user_id.has_value());
    EXPECT_EQ(*seen_.user_id, core::UserId{1});
    EXPECT_EQ(seen_.username, "alice");
}

TEST_F(RouterTest, DispatchesEveryMethodToItsHandler) {
    EXPECT_EQ(dispatch(Method::kPost, "/api/tasks/", "Bearer good").status, 201);
    EXPECT_EQ(dispatch(Method::kPut, "/api/tasks/1/", "Bearer good").status, 200);
    EXPECT_EQ(dispatch(Method::kPatch, "/api/tasks/1/", "Bearer good").status, 200);
    EXPECT_EQ(dispatch(Method::kDelete, "/api/tasks/1/", "Bearer good").status, 204);
    EXPECT_EQ(calls_, (std::vector<std::string>{"create", "update", "partial_update", "destroy"}));
}

TEST_F(RouterTest, HeadUsesTheGetHandler) {
    const Response r = dispatch(Method::kHead, "/api/tasks/", "Bearer good");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(calls_, std::vector<std::string>{"list"});
    EXPECT_EQ(r.body, kList);  // the server drops the body of a HEAD answer
}

TEST_F(RouterTest, AParameterIsOneSegmentWithoutADot) {
    EXPECT_EQ(get("/api/tasks//").status, 404);
    EXPECT_TRUE(calls_.empty());
}

// --- trailing slash --------------------------------------------------------------------------

TEST_F(RouterTest, GetWithoutTheTrailingSlashIsMovedPermanently) {
    const Response r = get("/api/tasks", std::nullopt, "a=1&b=%20");
    EXPECT_EQ(r.status, 301);
    EXPECT_EQ(header(r, "Location"), "/api/tasks/?a=1&b=%20");
    EXPECT_TRUE(calls_.empty());
}

TEST_F(RouterTest, HeadWithoutTheTrailingSlashIsMovedPermanently) {
    const Response r = dispatch(Method::kHead, "/api/tasks/5", std::nullopt);
    EXPECT_EQ(r.status, 301);
    EXPECT_EQ(header(r, "Location"), "/api/tasks/5/");
}

TEST_F(RouterTest, OtherMethodsWithoutTheTrailingSlashArePermanentRedirects) {
    for (const Method m :
         {Method::kPost, Method::kPut, Method::kPatch, Method::kDelete, Method::kOptions}) {
        const Response r = dispatch(m, "/api/tasks/5", "Bearer good", "x=y");
        EXPECT_EQ(r.status, 308) << method_name(m);
        EXPECT_EQ(header(r, "Location"), "/api/tasks/5/?x=y") << method_name(m);
    }
    EXPECT_EQ(dispatch(Method::kPost, "/api/auth/token", std::nullopt).status, 308);
    EXPECT_TRUE(calls_.empty());
}

TEST_F(RouterTest, RedirectKeepsThePathAsSent) {
    Request request{.method = Method::kGet,
                    .method_name = "GET",
                    .path = "/api/tasks/\xC3\xA9",
                    .raw_path = "/api/tasks/%C3%A9"};
    const Response r = router_.dispatch(request);
    EXPECT_EQ(r.status, 301);
    EXPECT_EQ(header(r, "Location"), "/api/tasks/%C3%A9/");
}

TEST_F(RouterTest, RedirectsOnlyWhenTheSlashedPathExists) {
    EXPECT_EQ(get("/api/nope").status, 404);
    EXPECT_EQ(get("/api").status, 301);
    EXPECT_EQ(header(get("/api"), "Location"), "/api/");
}

// --- format suffixes and ?format= ------------------------------------------------------------

TEST_F(RouterTest, JsonFormatSuffixIsAccepted) {
    EXPECT_EQ(get("/api/tasks.json").status, 200);
    EXPECT_EQ(seen_.format, "json");
    EXPECT_EQ(get("/api/tasks.json/").status, 200);
    EXPECT_EQ(get("/api/tasks/7.json").status, 200);
    EXPECT_EQ(seen_.path_params, std::vector<std::string>{"7"});
    EXPECT_EQ(seen_.format, "json");
    EXPECT_EQ(calls_, (std::vector<std::string>{"list", "list", "retrieve"}));
}

TEST_F(RouterTest, RootAnswersAFormatSuffix) {
    EXPECT_EQ(get("/api/.json").status, 200);
    EXPECT_EQ(seen_.format, "json");
    EXPECT_EQ(get("/api/.json/").status, 200);
    EXPECT_EQ(calls_, (std::vector<std::string>{"root", "root"}));
}

TEST_F(RouterTest, SuffixGoesRightAfterTheNameNotAfterTheSlash) {
    EXPECT_EQ(get("/api/tasks/.json").status, 404);
    EXPECT_EQ(get("/api/tasks/.json").body, R"({"detail":"Not found."})");
}

TEST_F(RouterTest, UnknownFormatSuffixIsNotFoundWithAllow) {
    const Response r = get("/api/tasks.xml");
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.body, R"({"detail":"Not found."})");
    EXPECT_EQ(header(r, "Allow"), "GET, POST, HEAD, OPTIONS");
    EXPECT_EQ(header(r, "Vary"), "Accept");
    EXPECT_TRUE(calls_.empty());
}

TEST_F(RouterTest, UnknownFormatIsNotFoundBeforeAuthentication) {
    EXPECT_EQ(get("/api/tasks.xml", std::nullopt).status, 404);
    EXPECT_EQ(get("/api/tasks/", std::nullopt, "format=xml").status, 404);
}

TEST_F(RouterTest, FormatQueryParameterChoosesTheRenderer) {
    EXPECT_EQ(get("/api/tasks/", "Bearer good", "format=json").status, 200);
    EXPECT_EQ(get("/api/tasks/", "Bearer good", "format=api").status, 200);
    const Response r = get("/api/tasks/", "Bearer good", "format=yaml");
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(header(r, "Allow"), "GET, POST, HEAD, OPTIONS");
    EXPECT_EQ(calls_, (std::vector<std::string>{"list", "list"}));
}

TEST_F(RouterTest, ARoutesOwnRendererIsChosenByFormatOrAccept) {
    router_.add({.pattern = "/api/doc/",
                 .name = "Doc",
                 .access = Access::kPublic,
                 .formats = {{"yaml", "application/x-yaml"}},
                 .work = Work::kInline,
                 .get = [this](const Request& r) {
                     seen_ = r;
                     return json_response(200, "{}");
                 }});
    EXPECT_EQ(get("/api/doc/", std::nullopt, "format=yaml").status, 200);
    EXPECT_EQ(seen_.format, "yaml");
    EXPECT_EQ(get("/api/doc/", std::nullopt, {}, "application/x-yaml").status, 200);
    EXPECT_EQ(seen_.format, "yaml");
    // JSON first, as DRF tries its renderers in order: */* and no Accept are JSON.
    EXPECT_EQ(get("/api/doc/", std::nullopt, {}, "*/*").status, 200);
    EXPECT_EQ(seen_.format, "");
    EXPECT_EQ(get("/api/doc/", std::nullopt, "format=json", "application/x-yaml").status, 406);
    EXPECT_EQ(get("/api/doc/", std::nullopt, "format=yaml", "application/json").status, 406);
    EXPECT_EQ(get("/api/doc/", std::nullopt, "format=xml").status, 404);
}

// --- content negotiation ---------------------------------------------------------------------

TEST_F(RouterTest, UnsatisfiableAcceptIsNotAcceptable) {
    const Response r = accept("application/xml");
    EXPECT_EQ(r.status, 406);
    EXPECT_EQ(r.body, R"({"detail":"Could not satisfy the request Accept header."})");
    EXPECT_EQ(header(r, "Allow"), "GET, HEAD, OPTIONS");
    EXPECT_TRUE(calls_.empty());
}

TEST_F(RouterTest, NegotiationComesBeforeAuthentication) {
    const Response r = get("/api/tasks/", std::nullopt, {}, "application/xml");
    EXPECT_EQ(r.status, 406);
    EXPECT_EQ(authentications_, 0);
    EXPECT_EQ(get("/api/tasks/", "Bearer bad", {}, "image/png").status, 406);
}

TEST_F(RouterTest, JsonFormatWithAnHtmlOnlyAcceptIsNotAcceptable) {
    EXPECT_EQ(get("/api/tasks.json", "Bearer good", {}, "text/html").status, 406);
}

TEST_F(RouterTest, AcceptableMediaTypesAnswerJson) {
    for (const char* a : {"application/json", "*/*", "application/*", "text/html",
                          "application/xml, application/json;q=0.5", "APPLICATION/JSON",
                          "application/json; charset=utf-8"}) {
        const Response r = accept(a);
        EXPECT_EQ(r.status, 200) << a;
        EXPECT_EQ(r.body, R"({"status":"ok"})") << a;
    }
}

TEST_F(RouterTest, NoAcceptHeaderMeansAnything) {
    EXPECT_EQ(get("/api/health/", std::nullopt).status, 200);
}

TEST_F(RouterTest, AcceptIndentReRendersTheJson) {
    EXPECT_EQ(accept("application/json; indent=2").body, "{\n  \"status\": \"ok\"\n}");
    EXPECT_EQ(accept("application/json;indent=4").body, "{\n    \"status\": \"ok\"\n}");
}

TEST_F(RouterTest, AcceptIndentIsAtMostEight) {
    EXPECT_EQ(accept("application/json; indent=99").body, "{\n        \"status\": \"ok\"\n}");
}

TEST_F(RouterTest, AcceptIndentThatIsNotANumberIsIgnored) {
    EXPECT_EQ(accept("application/json; indent=x").body, R"({"status":"ok"})");
}

// DRF's JSONRenderer.get_indent: zero_as_none(max(min(int(indent), 8), 0)), so 0 and negative
// indents render compactly, as without the parameter.
TEST_F(RouterTest, AcceptIndentZeroStaysCompact) {
    EXPECT_EQ(accept("application/json; indent=0").body, R"({"status":"ok"})");
}

TEST_F(RouterTest, AcceptNegativeIndentStaysCompact) {
    EXPECT_EQ(accept("application/json; indent=-3").body, R"({"status":"ok"})");
}

// DRF's select_renderer gives a wildcard's parameters to the renderer it picks
// ("*/*; indent=4" is accepted as "application/json;indent=4").
TEST_F(RouterTest, AcceptIndentOnAWildcardAlsoIndents) {
    EXPECT_EQ(accept("*/*; indent=4").body, "{\n    \"status\": \"ok\"\n}");
    EXPECT_EQ(accept("application/*; indent=2").body, "{\n  \"status\": \"ok\"\n}");
}

// DRF negotiates before authenticating, so its own answers (401, 405, OPTIONS) are rendered by
// the negotiated renderer too, with the indent.
TEST_F(RouterTest, AcceptIndentAlsoAppliesToTheRoutersOwnAnswers) {
    const std::string indent2 = "application/json; indent=2";
    EXPECT_EQ(get("/api/tasks/", std::nullopt, {}, indent2).body,
              "{\n  \"detail\": \"Authentication credentials were not provided.\"\n}");
    EXPECT_EQ(dispatch(Method::kPost, "/api/health/", std::nullopt, {}, indent2).body,
              "{\n  \"detail\": \"Method \\\"POST\\\" not allowed.\"\n}");
    EXPECT_EQ(
        dispatch(Method::kOptions, "/api/health/", std::nullopt, {}, indent2)
            .body.rfind(
                "{\n  \"name\": \"Health Check\",\n  \"description\": \"\",\n  \"renders\": [\n",
                0),
        0u);
}

TEST_F(RouterTest, NotFoundForAnUnknownFormatIsNeverIndented) {
    EXPECT_EQ(get("/api/tasks.xml", "Bearer good", {}, "application/json; indent=2").body,
              R"({"detail":"Not found."})");
}

TEST_F(RouterTest, IndentLeavesBodilessAnswersAlone) {
    const Response r =
        dispatch(Method::kDelete, "/api/tasks/1/", "Bearer good", {}, "application/json; indent=2");
    EXPECT_EQ(r.status, 204);
    EXPECT_EQ(r.body, "");
    EXPECT_EQ(r.content_type, "");
}

// --- authentication and permission -----------------------------------------------------------

TEST_F(RouterTest, AnonymousOnAnAuthenticatedRouteIsUnauthorized) {
    const Response r = get("/api/tasks/", std::nullopt);
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.body, R"({"detail":"Authentication credentials were not provided."})");
    EXPECT_EQ(header(r, "WWW-Authenticate"), R"(Bearer realm="api")");
    EXPECT_EQ(header(r, "Allow"), "GET, POST, HEAD, OPTIONS");
    EXPECT_EQ(header(r, "Vary"), "Accept");
    EXPECT_TRUE(calls_.empty());
}

TEST_F(RouterTest, InvalidTokenIsUnauthorizedWithTheTokenError) {
    const Response r = get("/api/tasks/", "Bearer bad");
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.body,
              R"({"detail":"Given token not valid for any token type","code":"token_not_valid",)"
              R"("messages":[{"token_class":"AccessToken","token_type":"access",)"
              R"("message":"Token is invalid or expired"}]})");
    EXPECT_EQ(header(r, "WWW-Authenticate"), R"(Bearer realm="api")");
}

TEST_F(RouterTest, PublicRouteAllowsAnonymous) {
    const Response r = get("/api/health/", std::nullopt);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(calls_, std::vector<std::string>{"health"});
    EXPECT_FALSE(seen_.user_id.has_value());
}

TEST_F(RouterTest, PublicRouteStillRefusesABadToken) {
    const Response r = get("/api/health/", "Bearer bad");
    EXPECT_EQ(r.status, 401);
    EXPECT_TRUE(calls_.empty());
}

TEST_F(RouterTest, RouteWithoutAuthenticationIgnoresTheHeader) {
    const Response r = dispatch(Method::kPost, "/api/auth/token/", "Bearer bad");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(calls_, std::vector<std::string>{"token"});
    EXPECT_EQ(authentications_, 0);
    EXPECT_FALSE(seen_.user_id.has_value());
}

// --- methods ---------------------------------------------------------------------------------

TEST_F(RouterTest, WrongMethodIsNotAllowed) {
    const Response r = dispatch(Method::kPatch, "/api/tasks/", "Bearer good");
    EXPECT_EQ(r.status, 405);
    EXPECT_EQ(r.body, R"({"detail":"Method \"PATCH\" not allowed."})");
    EXPECT_EQ(header(r, "Allow"), "GET, POST, HEAD, OPTIONS");
    EXPECT_TRUE(calls_.empty());
}

TEST_F(RouterTest, UnknownMethodIsNotAllowedByItsName) {
    Request request{.method = Method::kOther, .method_name = "purge", .path = "/api/health/"};
    const Response r = router_.dispatch(request);
    EXPECT_EQ(r.status, 405);
    EXPECT_EQ(r.body, R"({"detail":"Method \"PURGE\" not allowed."})");
}

TEST_F(RouterTest, GetOnAPostOnlyRouteIsNotAllowed) {
    const Response r = get("/api/auth/token/", std::nullopt);
    EXPECT_EQ(r.status, 405);
    EXPECT_EQ(r.body, R"({"detail":"Method \"GET\" not allowed."})");
    EXPECT_EQ(header(r, "Allow"), "POST, OPTIONS");
}

TEST_F(RouterTest, AnonymousWrongMethodIsUnauthorizedFirst) {
    const Response r = dispatch(Method::kPatch, "/api/tasks/", std::nullopt);
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.body, R"({"detail":"Authentication credentials were not provided."})");
}

TEST_F(RouterTest, AllowListsTheRouteMethodsInDrfOrder) {
    EXPECT_EQ(header(get("/api/health/"), "Allow"), "GET, HEAD, OPTIONS");
    EXPECT_EQ(header(get("/api/"), "Allow"), "GET, HEAD, OPTIONS");
    EXPECT_EQ(header(dispatch(Method::kPost, "/api/auth/token/", std::nullopt).deferred(), "Allow"),
              "POST, OPTIONS");
    EXPECT_EQ(header(get("/api/tasks/"), "Allow"), "GET, POST, HEAD, OPTIONS");
    EXPECT_EQ(header(get("/api/tasks/1/"), "Allow"), "GET, PUT, PATCH, DELETE, HEAD, OPTIONS");
}

TEST_F(RouterTest, ApiViewAnswersCarryAllowAndVaryOnce) {
    const Response r = get("/api/tasks/1/");
    EXPECT_EQ(count_headers(r, "Allow"), 1);
    EXPECT_EQ(count_headers(r, "Vary"), 1);
    EXPECT_EQ(header(r, "Vary"), "Accept");
}

// --- OPTIONS ---------------------------------------------------------------------------------

TEST_F(RouterTest, OptionsDescribesTheViewWithActions) {
    const Response r = dispatch(Method::kOptions, "/api/tasks/", "Bearer good");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.content_type, "application/json");
    EXPECT_EQ(r.body, std::string(R"({"name":"Task List","description":"",)") +
                          std::string(kRenders) + "," + std::string(kParses) + R"(,"actions":)" +
                          std::string(kTaskActions) + "}");
    EXPECT_EQ(header(r, "Allow"), "GET, POST, HEAD, OPTIONS");
    EXPECT_TRUE(calls_.empty());
}

TEST_F(RouterTest, OptionsLeavesOutEmptyActions) {
    const Response r = dispatch(Method::kOptions, "/api/tasks/1/", "Bearer good");
    EXPECT_EQ(r.body, std::string(R"({"name":"Task Instance","description":"",)") +
                          std::string(kRenders) + "," + std::string(kParses) + "}");
}

TEST_F(RouterTest, OptionsWithoutAnActionsProvider) {
    const Response r = dispatch(Method::kOptions, "/api/health/", std::nullopt);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, std::string(R"({"name":"Health Check","description":"",)") +
                          std::string(kRenders) + "," + std::string(kParses) + "}");
}

TEST_F(RouterTest, OptionsEscapesTheDescription) {
    const Response r = dispatch(Method::kOptions, "/api/", "Bearer good");
    EXPECT_EQ(
        r.body.rfind(
            R"({"name":"Api Root","description":"The default basic root view for DefaultRouter",)",
            0),
        0u)
        << r.body;
}

TEST_F(RouterTest, OptionsNeedsAuthenticationWhereTheRouteDoes) {
    EXPECT_EQ(dispatch(Method::kOptions, "/api/tasks/", std::nullopt).status, 401);
    EXPECT_EQ(dispatch(Method::kOptions, "/api/auth/token/", std::nullopt).status, 200);
}

// --- deferred work ---------------------------------------------------------------------------

TEST_F(RouterTest, DeferredWorkIsLeftToTheCaller) {
    Request login{.method = Method::kPost, .method_name = "POST", .path = "/api/auth/token/"};
    Response r = router_.dispatch(login);
    ASSERT_TRUE(r.deferred);
    EXPECT_EQ(calls_, std::vector<std::string>{"token"});
}

TEST_F(RouterTest, DeferredWorkFinishesLikeTheView) {
    Request login{.method = Method::kPost,
                  .method_name = "POST",
                  .path = "/api/auth/token/",
                  .accept = "application/json; indent=2"};
    const Response envelope = router_.dispatch(login);
    ASSERT_TRUE(envelope.deferred);
    const Response r = envelope.deferred();
    EXPECT_EQ(calls_, (std::vector<std::string>{"token", "token, deferred"}));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "{\n  \"access\": \"a\"\n}");
    EXPECT_FALSE(r.deferred);
    EXPECT_EQ(header(r, "Allow"), "POST, OPTIONS");
    EXPECT_EQ(header(r, "Vary"), "Accept");
    EXPECT_EQ(count_headers(r, "Allow"), 1);
}

TEST_F(RouterTest, OnlyTheHandlerDecidesToDefer) {
    for (const Method m : {Method::kOptions, Method::kGet}) {
        Request r{
            .method = m, .method_name = std::string(method_name(m)), .path = "/api/auth/token/"};
        EXPECT_FALSE(router_.dispatch(r).deferred) << method_name(m);
    }
    Request create{.method = Method::kPost,
                   .method_name = "POST",
                   .path = "/api/tasks/",
                   .authorization = "Bearer good"};
    EXPECT_FALSE(router_.dispatch(create).deferred);
}

}  // namespace
}  // namespace taskapi::http

namespace taskapi::http {
namespace {

TEST_F(RouterTest, EveryAnswerOfARouteCarriesItsHeaders) {
    Request login{.method = Method::kPost, .method_name = "POST", .path = "/api/auth/token/"};
    EXPECT_EQ(header(router_.dispatch(login).deferred(), "Cache-Control"), "no-store");
    for (const Method m : {Method::kGet, Method::kOptions, Method::kPut}) {
        const Response r = dispatch(m, "/api/auth/token/", std::nullopt);
        EXPECT_EQ(header(r, "Cache-Control"), "no-store") << method_name(m) << " " << r.status;
        EXPECT_EQ(count_headers(r, "Cache-Control"), 1);
    }
    const Response not_acceptable =
        dispatch(Method::kPost, "/api/auth/token/", std::nullopt, {}, "text/plain");
    EXPECT_EQ(not_acceptable.status, 406);
    EXPECT_EQ(header(not_acceptable, "Cache-Control"), "no-store");
}

TEST_F(RouterTest, OtherRoutesDoNotGetThem) {
    EXPECT_FALSE(header(get("/api/health/"), "Cache-Control"));
    EXPECT_FALSE(header(get("/api/tasks/"), "Cache-Control"));
    EXPECT_FALSE(header(get("/api/nowhere/"), "Cache-Control"));
}

}  // namespace
}  // namespace taskapi::http

namespace taskapi::http {
namespace {

class RouterHostTest : public RouterTest {
protected:
    RouterHostTest() {
        router_.set_allowed_hosts(AllowedHosts::parse("localhost,.example.com").value());
    }

    Response from(std::string host, Method method, std::string path,
                  std::optional<std::string> authorization = "Bearer good") {
        Request request{.method = method,
                        .method_name = std::string(method_name(method)),
                        .path = std::move(path),
                        .authorization = std::move(authorization),
                        .host = std::move(host)};
        return router_.dispatch(request);
    }
};

TEST_F(RouterHostTest, AnAllowedHostIsServed) {
    EXPECT_EQ(from("localhost:8000", Method::kGet, "/api/tasks/").status, 200);
    EXPECT_EQ(from("api.example.com", Method::kGet, "/api/").status, 200);
}

TEST_F(RouterHostTest, AnyOtherHostIsABadRequestBeforeAnythingElse) {
    for (const char* path : {"/api/", "/api/tasks/", "/api/tasks/1/", "/api/auth/token/",
                             "/api/nowhere/", "/api/tasks", "/api/tasks.json"}) {
        for (const Method m : {Method::kGet, Method::kPost, Method::kOptions}) {
            const Response r = from("evil.test", m, path, std::nullopt);
            EXPECT_EQ(r.status, 400) << path;
            EXPECT_EQ(r.body, R"({"detail":"Invalid Host header."})") << path;
            EXPECT_FALSE(r.deferred);
        }
    }
    EXPECT_EQ(authentications_, 0);
    EXPECT_TRUE(calls_.empty());
}

TEST_F(RouterHostTest, HealthAnswersWhateverTheHost) {
    EXPECT_EQ(from("10.0.0.7:8000", Method::kGet, "/api/health/", std::nullopt).status, 200);
    EXPECT_EQ(from("", Method::kOptions, "/api/health/", std::nullopt).status, 200);
    // Its authentication still applies.
    EXPECT_EQ(from("10.0.0.7", Method::kGet, "/api/health/", "Bearer bad").status, 401);
}

// --- authentication in two steps (Route::read_has_account) ------------------------------------
// "Bearer good" names user 1, "Bearer bad" is an invalid token. The read of GET /r/{}/ reports
// the account `found_` when `fills_` (as a database server's read does); admit() looks the
// account up itself (`stored_`) when the read did not.
class TwoStepAuthenticationTest : public ::testing::Test {
protected:
    TwoStepAuthenticationTest()
        : router_(Authentication{
              .verify = [](std::optional<std::string_view> h)
                  -> core::Result<std::optional<core::Claimant>> {
                  if (h && *h == "Bearer good") {
                      return std::optional<core::Claimant>{core::Claimant{core::UserId{1}, 100}};
                  }
                  if (h && *h == "Bearer bad") {
                      return core::make_error(core::ErrorCode::kUnauthenticated, "bad token",
                                              "token_not_valid");
                  }
                  return std::optional<core::Claimant>{};
              },
              .admit = [this](const core::Claimant& claimant,
                              const core::AccountLookup& lookup) -> core::Result<core::Principal> {
                  calls_.push_back(lookup.looked_up ? "admit with the read's account"
                                                    : "admit after a lookup");
                  const std::optional<core::Account> account =
                      lookup.looked_up ? lookup.account : stored_;
                  if (!account) {
                      return core::make_error(core::ErrorCode::kUnauthenticated, "User not found",
                                              "user_not_found");
                  }
                  if (!account->is_active) {
                      return core::make_error(core::ErrorCode::kUnauthenticated, "User is inactive",
                                              "user_inactive");
                  }
                  return core::Principal{claimant.id, account->username};
              }}) {
        const auto read = [this](const Request& r) {
            calls_.push_back(r.account != nullptr ? "read with the account" : "read");
            if (r.account != nullptr && fills_) {
                r.account->looked_up = true;
                r.account->account = found_;
            }
            return json_response(200, R"({"read":true})");
        };
        router_.add({.pattern = "/r/{}/",
                     .name = "R",
                     .get = read,
                     .post =
                         [this](const Request& r) {
                             calls_.push_back("write as " + r.username);
                             return json_response(201, "{}");
                         },
                     .read_has_account = true});
    }

    Response send(Method method, std::optional<std::string> authorization) {
        request_ = Request{.method = method,
                           .method_name = std::string(method_name(method)),
                           .path = "/r/1/",
                           .authorization = std::move(authorization)};
        return router_.dispatch(request_);
    }

    Router router_;
    Request request_;
    std::vector<std::string> calls_;
    bool fills_ = true;
    std::optional<core::Account> found_ = core::Account{.id = core::UserId{1}, .username = "alice"};
    std::optional<core::Account> stored_ =
        core::Account{.id = core::UserId{1}, .username = "alice"};
};

TEST_F(TwoStepAuthenticationTest, AReadBringsTheAccountAndNoLookupFollows) {
    const Response r = send(Method::kGet, "Bearer good");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, R"({"read":true})");
    EXPECT_EQ(calls_,
              (std::vector<std::string>{"read with the account", "admit with the read's account"}));
    EXPECT_EQ(request_.username, "alice");
    EXPECT_EQ(request_.account, nullptr);  // it pointed into dispatch's frame
}

TEST_F(TwoStepAuthenticationTest, ARefusedAccountReplacesTheReadsAnswer) {
    found_->is_active = false;
    Response r = send(Method::kGet, "Bearer good");
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.body, R"({"detail":"User is inactive","code":"user_inactive"})");
    found_.reset();  // the user is gone
    r = send(Method::kHead, "Bearer good");
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(calls_.size(), 4U);
}

TEST_F(TwoStepAuthenticationTest, AReadThatDidNotLookTheAccountUpLeavesItToAdmit) {
    fills_ = false;  // an embedded database, or a handler that answered before reading
    stored_.reset();
    const Response r = send(Method::kGet, "Bearer good");
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.body, R"({"detail":"User not found","code":"user_not_found"})");
    EXPECT_EQ(calls_, (std::vector<std::string>{"read with the account", "admit after a lookup"}));
}

TEST_F(TwoStepAuthenticationTest, WritesAreAdmittedBeforeTheHandlerRuns) {
    Response r = send(Method::kPost, "Bearer good");
    EXPECT_EQ(r.status, 201);
    EXPECT_EQ(calls_, (std::vector<std::string>{"admit after a lookup", "write as alice"}));
    calls_.clear();
    stored_->is_active = false;
    r = send(Method::kPost, "Bearer good");
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(calls_, std::vector<std::string>{"admit after a lookup"});
}

TEST_F(TwoStepAuthenticationTest, ABadTokenOrNoneNeverReachesTheRead) {
    EXPECT_EQ(send(Method::kGet, "Bearer bad").status, 401);
    const Response r = send(Method::kGet, std::nullopt);
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.body, R"({"detail":"Authentication credentials were not provided."})");
    EXPECT_TRUE(calls_.empty());
}

}  // namespace
}  // namespace taskapi::http

namespace taskapi::http {
namespace {

class RouterCorsTest : public RouterTest {
protected:
    RouterCorsTest() {
        router_.set_allowed_hosts(AllowedHosts::parse("localhost").value());
        router_.set_cors(Cors::parse("http://app.test").value());
    }

    static Request cross_origin(Method method, std::string path,
                                std::optional<std::string> request_method = std::nullopt) {
        return Request{.method = method,
                       .method_name = std::string(method_name(method)),
                       .path = std::move(path),
                       .origin = "http://app.test",
                       .access_control_request_method = std::move(request_method),
                       .host = "localhost"};
    }
};

TEST_F(RouterCorsTest, APreflightIsAnsweredBeforeHostAuthenticationAndRouting) {
    for (const char* path : {"/api/tasks/1/", "/api/nope/"}) {
        Request request = cross_origin(Method::kOptions, path, "DELETE");
        request.host = "evil.test";
        EXPECT_EQ(router_.work_for(request), Work::kInline) << path;
        const Response r = router_.dispatch(request);
        EXPECT_EQ(r.status, 200) << path;
        EXPECT_TRUE(r.body.empty());
        EXPECT_EQ(header(r, "Access-Control-Allow-Origin"), "http://app.test");
        EXPECT_EQ(header(r, "Access-Control-Max-Age"), "86400");
        EXPECT_EQ(header(r, "Allow"), std::nullopt);
    }
    EXPECT_EQ(authentications_, 0);
    EXPECT_TRUE(calls_.empty());
}

TEST_F(RouterCorsTest, WithoutRequestMethodOptionsIsTheViews) {
    Request request = cross_origin(Method::kOptions, "/api/tasks/1/");
    request.authorization = "Bearer good";
    EXPECT_EQ(router_.work_for(request), Work::kDatabase);
    const Response r = router_.dispatch(request);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(header(r, "Vary"), "Accept, Origin");
    EXPECT_EQ(header(r, "Access-Control-Allow-Methods"), "DELETE, GET, OPTIONS, PATCH, POST, PUT");
}

TEST_F(RouterCorsTest, EveryAnswerCarriesTheHeadersDeferredOnesIncluded) {
    for (const auto& [path, status] : std::vector<std::pair<std::string, int>>{
             {"/api/tasks/", 401}, {"/api/nope/", 404}, {"/api/tasks", 301}}) {
        Request request = cross_origin(Method::kGet, path);
        const Response r = router_.dispatch(request);
        EXPECT_EQ(r.status, status) << path;
        EXPECT_EQ(header(r, "Access-Control-Allow-Origin"), "http://app.test") << path;
        EXPECT_EQ(count_headers(r, "Vary"), 1) << path;
    }
    Request request = cross_origin(Method::kGet, "/api/tasks/");
    request.host = "evil.test";
    const Response refused = router_.dispatch(request);
    EXPECT_EQ(refused.status, 400);
    EXPECT_EQ(header(refused, "Access-Control-Allow-Origin"), "http://app.test");

    Request login = cross_origin(Method::kPost, "/api/auth/token/");
    Response pending = router_.dispatch(login);
    ASSERT_TRUE(static_cast<bool>(pending.deferred));
    const Response done = pending.deferred();
    EXPECT_EQ(header(done, "Access-Control-Allow-Origin"), "http://app.test");
    EXPECT_EQ(header(done, "Vary"), "Accept, Origin");
    EXPECT_EQ(header(done, "Cache-Control"), "no-store");
}

}  // namespace
}  // namespace taskapi::http
