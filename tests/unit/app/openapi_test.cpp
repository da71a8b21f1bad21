#include "app/openapi.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <memory>
#include <string>
#include <vector>

#include "app/routes.hpp"
#include "fakes/in_memory_refresh_token_repository.hpp"
#include "fakes/in_memory_task_repository.hpp"
#include "fakes/in_memory_user_repository.hpp"
#include "storage/memory/memory_throttle_store.hpp"
#include "tasks/task_json.hpp"

namespace taskapi::app {
namespace {

namespace json = boost::json;

// The repositories of the fakes behind the Storage interface: the real Application, no files.
class FakeStorage final : public storage::Storage {
public:
    users::UserRepository& users() override { return users_; }
    tasks::TaskRepository& tasks() override { return tasks_; }
    auth::ThrottleStore& throttles() override { return throttles_; }
    auth::RefreshTokenRepository& refresh_tokens() override { return refresh_tokens_; }
    int migrate() override { return 0; }
    [[nodiscard]] std::string describe() const override { return "fake"; }
    [[nodiscard]] bool blocks_on_network() const override { return false; }
    bool ping() override { return true; }

private:
    fakes::InMemoryTaskRepository tasks_;
    fakes::InMemoryUserRepository users_{&tasks_};
    storage::memory::MemoryThrottleStore throttles_;
    fakes::InMemoryRefreshTokenRepository refresh_tokens_;
};

Config every_feature_on() {
    Config config;
    config.secret_key = "openapi-test-signing-key-0123456789abcdef";
    config.allow_registration = true;
    config.page_size = 20;
    config.rotate_refresh_tokens = true;
    return config;
}

Config by_default() {
    Config config;
    config.secret_key = "openapi-test-signing-key-0123456789abcdef";
    return config;
}

// The document as GET /api/schema/ answers it, through the application's own router.
json::value served_document(const Application& app, const char* query = "") {
    http::Request request{.method = http::Method::kGet,
                          .method_name = "GET",
                          .path = "/api/schema/",
                          .query = query,
                          .host = "127.0.0.1"};
    const http::Response response = app.router().dispatch(request);
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.content_type, "application/vnd.oai.openapi+json");
    return json::parse(response.body);
}

std::string openapi_path(const std::string& pattern) {
    std::string path = pattern;
    if (const auto brace = path.find("{}"); brace != std::string::npos) {
        path.replace(brace, 2, "{id}");
    }
    return path;
}

std::vector<std::string> methods_of(const http::Route& route) {
    std::vector<std::string> methods;
    if (route.get) methods.emplace_back("get");
    if (route.post) methods.emplace_back("post");
    if (route.put) methods.emplace_back("put");
    if (route.patch) methods.emplace_back("patch");
    if (route.del) methods.emplace_back("delete");
    return methods;
}

// Every route of the real router, every method it answers, is in the document; and the
// document has no path the router lacks.
void expect_every_route_documented(const Config& config) {
    const Application app(config, std::make_unique<FakeStorage>());
    const json::value doc = served_document(app);
    const json::object& paths = doc.at("paths").as_object();
    std::size_t documented = 0;
    for (const http::Route& route : app.router().routes()) {
        if (!route.in_schema) continue;
        const std::string path = openapi_path(route.pattern);
        const json::object* item = paths.if_contains(path) != nullptr
                                       ? &paths.at(path).as_object()
                                       : nullptr;
        ASSERT_NE(item, nullptr) << "the document lacks " << path;
        for (const std::string& method : methods_of(route)) {
            EXPECT_TRUE(item->contains(method)) << "the document lacks " << method << ' ' << path;
        }
        EXPECT_EQ(item->size(), methods_of(route).size()) << path;
        ++documented;
    }
    EXPECT_EQ(paths.size(), documented) << "the document has a path no route answers";
    EXPECT_EQ(undescribed_operations(app.router()), std::vector<std::string>{})
        << "a route without its description in app/openapi.cpp's kOperations";
}

TEST(OpenApi, EveryRouteAndMethodOfTheRouterIsDocumented) {
    expect_every_route_documented(by_default());
    expect_every_route_documented(every_feature_on());
}

TEST(OpenApi, TheSwitchesChangeTheDocumentAsTheyChangeTheAnswers) {
    const Application plain(by_default(), std::make_unique<FakeStorage>());
    const Application full(every_feature_on(), std::make_unique<FakeStorage>());
    const json::value off = served_document(plain);
    const json::value on = served_document(full);
    EXPECT_FALSE(off.at("paths").as_object().contains("/api/auth/register/"));
    EXPECT_TRUE(on.at("paths").as_object().contains("/api/auth/register/"));

    const auto list_schema = [](const json::value& doc) {
        return doc.at_pointer("/paths/~1api~1tasks~1/get/responses/200/content/application~1json/schema");
    };
    EXPECT_EQ(list_schema(off).at("type"), "array");
    EXPECT_EQ(list_schema(on).at("$ref"), "#/components/schemas/PaginatedTaskList");

    const auto parameters = [](const json::value& doc) {
        std::vector<std::string> names;
        for (const auto& p : doc.at_pointer("/paths/~1api~1tasks~1/get/parameters").as_array()) {
            names.emplace_back(p.at("name").as_string());
        }
        return names;
    };
    EXPECT_EQ(parameters(off), (std::vector<std::string>{"completed", "search", "ordering",
                                                         "X-Request-ID"}));
    EXPECT_EQ(parameters(on), (std::vector<std::string>{"completed", "search", "ordering", "page",
                                                        "page_size", "X-Request-ID"}));

    const auto refresh_answer = [](const json::value& doc) {
        return doc.at_pointer("/components/schemas/TokenRefresh/required");
    };
    EXPECT_EQ(refresh_answer(off), json::parse(R"(["access"])"));
    EXPECT_EQ(refresh_answer(on), json::parse(R"(["refresh","access"])"));
}

TEST(OpenApi, RequestBodiesAreTheSerializersWritableFields) {
    const Application app(by_default(), std::make_unique<FakeStorage>());
    const json::value doc = served_document(app);
    const json::object& request = doc.at_pointer("/components/schemas/TaskRequest").as_object();
    std::vector<std::string> writable;
    for (const serializers::Field& f : tasks::kTaskFields) {
        if (!f.read_only) writable.emplace_back(f.name);
    }
    std::vector<std::string> properties;
    for (const auto& [name, schema] : request.at("properties").as_object()) {
        properties.emplace_back(name);
    }
    EXPECT_EQ(properties, writable);
    EXPECT_EQ(request.at("required"), json::parse(R"(["title"])"));
    EXPECT_FALSE(doc.at_pointer("/components/schemas/PatchedTaskRequest").as_object().contains(
        "required"));
    const json::object& body = doc.at_pointer("/paths/~1api~1tasks~1/post/requestBody/content").as_object();
    EXPECT_TRUE(body.contains("application/json"));
    EXPECT_TRUE(body.contains("application/x-www-form-urlencoded"));
    EXPECT_TRUE(body.contains("multipart/form-data"));
}

TEST(OpenApi, ARouteWithoutADescriptionIsStillDocumentedAndReported) {
    http::Router router([](std::optional<std::string_view>) {
        return core::Result<std::optional<core::Principal>>(std::optional<core::Principal>{});
    });
    const auto ok = [](const http::Request&) { return http::json_response(200, "{}"); };
    router.add({.pattern = "/api/widgets/{}/", .name = "Widget", .get = ok, .del = ok});
    router.add({.pattern = "/api/docs/", .name = "Docs", .in_schema = false, .get = ok});
    const json::value doc = json::parse(openapi_document(router, OpenApiSettings{}).json);
    const json::object& item = doc.at_pointer("/paths/~1api~1widgets~1{id}~1").as_object();
    EXPECT_TRUE(item.contains("get"));
    EXPECT_TRUE(item.contains("delete"));
    EXPECT_EQ(item.at("get").at("summary"), "Widget");
    EXPECT_FALSE(doc.at("paths").as_object().contains("/api/docs/"));
    EXPECT_EQ(undescribed_operations(router),
              (std::vector<std::string>{"GET /api/widgets/{}/", "DELETE /api/widgets/{}/"}));
}

TEST(OpenApi, YamlIsTheSameDocumentInBlockStyle) {
    EXPECT_EQ(json_to_yaml(R"({"a":1,"b":[true,null,"x: y"],"c":{},"d":[],"e":[{"f":"g","h":[1]}]})"),
              "\"a\": 1\n"
              "\"b\":\n"
              "  - true\n"
              "  - null\n"
              "  - \"x: y\"\n"
              "\"c\": {}\n"
              "\"d\": []\n"
              "\"e\":\n"
              "  - \"f\": \"g\"\n"
              "    \"h\":\n"
              "      - 1\n");
}

}  // namespace
}  // namespace taskapi::app
