#include "app/root_handlers.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <utility>

#include "http/request.hpp"
#include "http/response.hpp"
#include "storage/open_storage.hpp"

namespace taskapi::app {
namespace {

http::Request get(std::string host, std::string format = {}) {
    return http::Request{
        .method = http::Method::kGet, .host = std::move(host), .format = std::move(format)};
}

TEST(Health, AnswersStatusOk) {
    const http::Response r = health(http::Request{});
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.content_type, "application/json");
    EXPECT_EQ(r.body, R"({"status":"ok"})");
}

// A Storage whose only working part is ping().
class PingStorage final : public storage::Storage {
public:
    explicit PingStorage(bool answers) : answers_(answers) {}
    users::UserRepository& users() override { throw std::logic_error("not in this test"); }
    tasks::TaskRepository& tasks() override { throw std::logic_error("not in this test"); }
    auth::ThrottleStore& throttles() override { throw std::logic_error("not in this test"); }
    auth::RefreshTokenRepository& refresh_tokens() override {
        throw std::logic_error("not in this test");
    }
    int migrate() override { return 0; }
    [[nodiscard]] std::string describe() const override { return "ping"; }
    [[nodiscard]] bool blocks_on_network() const override { return true; }
    bool ping() override { return answers_; }

private:
    bool answers_;
};

TEST(Ready, AnswersStatusOkWhenTheDatabaseAnswers) {
    PingStorage storage(true);
    const std::atomic<bool> draining{false};
    const http::Response r = ready(storage, draining, http::Request{});
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, R"({"status":"ok"})");
}

TEST(Ready, IsUnavailableWhenTheDatabaseDoesNotAnswer) {
    PingStorage storage(false);
    const std::atomic<bool> draining{false};
    const http::Response r = ready(storage, draining, http::Request{});
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(r.body, R"({"detail":"Service temporarily unavailable."})");
    ASSERT_EQ(r.headers.size(), 1u);
    EXPECT_EQ(r.headers[0], (std::pair<std::string, std::string>{"Retry-After", "5"}));
}

TEST(Ready, IsUnavailableWhileDrainingWithoutAskingTheDatabase) {
    PingStorage storage(true);
    const std::atomic<bool> draining{true};
    const http::Response r = ready(storage, draining, http::Request{});
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(r.body, R"({"detail":"Service temporarily unavailable."})");
}

TEST(ApiRoot, LinksTheTaskListOnTheRequestHost) {
    const http::Response r = api_root(get("127.0.0.1:8000"));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, R"({"tasks":"http://127.0.0.1:8000/api/tasks/"})");
    EXPECT_EQ(api_root(get("example.com")).body, R"({"tasks":"http://example.com/api/tasks/"})");
    EXPECT_EQ(api_root(get("[::1]:8080")).body, R"({"tasks":"http://[::1]:8080/api/tasks/"})");
}

TEST(ApiRoot, CarriesAFormatSuffixOverToTheLink) {
    EXPECT_EQ(api_root(get("h:1", "json")).body, R"({"tasks":"http://h:1/api/tasks.json"})");
}

TEST(ApiRoot, DoesNotEchoAnImplausibleHost) {
    for (const char* host : {"", "evil.com/\"><script>", "a b", "h\r\nX-Injected: 1"}) {
        const http::Response r = api_root(get(host));
        EXPECT_EQ(r.body.find("script"), std::string::npos) << host;
        EXPECT_EQ(r.body.find("Injected"), std::string::npos) << host;
        EXPECT_EQ(r.body.find(' '), std::string::npos) << host;
    }
}

}  // namespace
}  // namespace taskapi::app
