#include "users/me_handler.hpp"

#include <gtest/gtest.h>

#include "http/request.hpp"
#include "http/response.hpp"

namespace taskapi::users {
namespace {

TEST(MeHandler, AnswersTheCallersIdAndUsername) {
    const http::Request request{
        .method = http::Method::kGet, .user_id = core::UserId{1}, .username = "alice"};
    const http::Response r = me(request);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.content_type, "application/json");
    EXPECT_EQ(r.body, R"({"id":1,"username":"alice"})");
}

TEST(MeHandler, WritesUnicodeUsernamesRaw) {
    const http::Request request{
        .method = http::Method::kGet, .user_id = core::UserId{42}, .username = "élodie"};
    EXPECT_EQ(me(request).body, R"({"id":42,"username":"élodie"})");
}

}  // namespace
}  // namespace taskapi::users
