#include "http/error_response.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>

namespace taskapi::http {
namespace {

std::optional<std::string> header(const Response& r, std::string_view name) {
    for (const auto& [key, value] : r.headers) {
        if (key == name) return value;
    }
    return std::nullopt;
}

TEST(ErrorResponse, FieldErrorsBecomeListsPerFieldInOrder) {
    core::Error e;
    e.code = core::ErrorCode::kInvalidArgument;
    e.field_errors = {{"title", {"This field may not be blank."}},
                      {"completed", {"Must be a valid boolean."}}};
    const Response r = error_response(e);
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.content_type, "application/json");
    EXPECT_EQ(
        r.body,
        R"({"title":["This field may not be blank."],"completed":["Must be a valid boolean."]})");
}

TEST(ErrorResponse, InvalidArgumentWithoutFieldsIsADetail) {
    const Response r = error_response(
        core::make_error(core::ErrorCode::kInvalidArgument, "JSON parse error - unexpected end"));
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.body, R"({"detail":"JSON parse error - unexpected end"})");
}

TEST(ErrorResponse, MapsCodesToStatuses) {
    EXPECT_EQ(error_response(core::make_error(core::ErrorCode::kPermissionDenied, "x")).status,
              403);
    EXPECT_EQ(error_response(core::make_error(core::ErrorCode::kNotFound, "Not found.")).status,
              404);
    EXPECT_EQ(error_response(core::make_error(core::ErrorCode::kConflict, "x")).status, 409);
    EXPECT_EQ(error_response(core::make_error(core::ErrorCode::kUnsupportedFormat, "x")).status,
              415);
    EXPECT_EQ(error_response(core::make_error(core::ErrorCode::kUnavailable, "x")).status, 503);
    EXPECT_EQ(error_response(core::make_error(core::ErrorCode::kInternal, "x")).status, 500);
}

TEST(ErrorResponse, UnauthenticatedCarriesWwwAuthenticate) {
    const Response r = error_response(core::make_error(
        core::ErrorCode::kUnauthenticated, "Authentication credentials were not provided."));
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.body, R"({"detail":"Authentication credentials were not provided."})");
    EXPECT_EQ(header(r, "WWW-Authenticate"), R"(Bearer realm="api")");
}

TEST(ErrorResponse, OtherStatusesHaveNoWwwAuthenticate) {
    EXPECT_EQ(header(error_response(core::make_error(core::ErrorCode::kNotFound, "Not found.")),
                     "WWW-Authenticate"),
              std::nullopt);
}

TEST(ErrorResponse, ReasonBecomesTheCode) {
    const Response r = error_response(
        core::make_error(core::ErrorCode::kUnauthenticated, "User is inactive", "user_inactive"));
    EXPECT_EQ(r.body, R"({"detail":"User is inactive","code":"user_inactive"})");
}

TEST(ErrorResponse, FurtherMessagesFollowTheDetailAndCode) {
    core::Error e = core::make_error(core::ErrorCode::kUnauthenticated,
                                     "Given token not valid for any token type", "token_not_valid");
    e.messages.push_back({{"token_class", "AccessToken"},
                          {"token_type", "access"},
                          {"message", "Token has wrong type"}});
    const Response r = error_response(e);
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(
        r.body,
        R"({"detail":"Given token not valid for any token type","code":"token_not_valid",)"
        R"("messages":[{"token_class":"AccessToken","token_type":"access","message":"Token has wrong type"}]})");
}

TEST(DetailResponse, WritesTheDetailWithEscapes) {
    const Response r = detail_response(405, "Method \"PATCH\" not allowed.");
    EXPECT_EQ(r.status, 405);
    EXPECT_EQ(r.body, R"({"detail":"Method \"PATCH\" not allowed."})");
}

TEST(NotFound, IsDrfsBody) {
    const Response r = not_found();
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.content_type, "application/json");
    EXPECT_EQ(r.body, R"({"detail":"Not found."})");
}

}  // namespace
}  // namespace taskapi::http
