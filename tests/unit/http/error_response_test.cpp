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

TEST(ErrorResponse, WritesTheDetailWithJsonDumpsEscapes) {
    const Response r = error_response(
        core::make_error(core::ErrorCode::kMethodNotAllowed, "Method \"PATCH\" not allowed."));
    EXPECT_EQ(r.status, 405);
    EXPECT_EQ(r.body, R"({"detail":"Method \"PATCH\" not allowed."})");
    // Raw UTF-8, short escapes where JSON has them, \u00XX for the other control characters.
    const Response other = error_response(
        core::make_error(core::ErrorCode::kUnsupportedFormat, "é \\ \b\f\n\r\t\x01\x1f\x7f /"));
    EXPECT_EQ(other.body, "{\"detail\":\"é \\\\ \\b\\f\\n\\r\\t\\u0001\\u001f\x7f /\"}");
}

TEST(ErrorResponse, MapsRequestLevelCodesToStatuses) {
    EXPECT_EQ(error_status(core::ErrorCode::kMalformedRequest).status, 400);
    EXPECT_EQ(error_status(core::ErrorCode::kMethodNotAllowed).status, 405);
    EXPECT_EQ(error_status(core::ErrorCode::kNotAcceptable).status, 406);
    EXPECT_EQ(error_status(core::ErrorCode::kPayloadTooLarge).status, 413);
    EXPECT_EQ(error_status(core::ErrorCode::kHeadersTooLarge).status, 431);
    EXPECT_EQ(error_status(core::ErrorCode::kRateLimited).status, 429);
}

TEST(ErrorResponse, UnreadableRequestsAndCapacityLimitsCloseTheConnection) {
    for (const auto code : {core::ErrorCode::kMalformedRequest, core::ErrorCode::kHeadersTooLarge,
                            core::ErrorCode::kPayloadTooLarge, core::ErrorCode::kUnavailable}) {
        EXPECT_TRUE(error_response(core::make_error(code, "x")).close);
    }
    for (const auto code : {core::ErrorCode::kInvalidArgument, core::ErrorCode::kUnauthenticated,
                            core::ErrorCode::kNotFound, core::ErrorCode::kMethodNotAllowed,
                            core::ErrorCode::kNotAcceptable, core::ErrorCode::kUnsupportedFormat,
                            core::ErrorCode::kRateLimited, core::ErrorCode::kInternal}) {
        EXPECT_FALSE(error_response(core::make_error(code, "x")).close);
    }
}

TEST(ErrorResponse, RetryAfterWhenTheErrorSaysWhen) {
    core::Error busy =
        core::make_error(core::ErrorCode::kUnavailable, "Server busy, try again later.");
    busy.retry_after_seconds = 1;
    const Response r = error_response(busy);
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(r.body, R"({"detail":"Server busy, try again later."})");
    EXPECT_EQ(header(r, "Retry-After"), "1");
    core::Error throttled = core::make_error(core::ErrorCode::kRateLimited, "x");
    throttled.retry_after_seconds = 42;
    EXPECT_EQ(header(error_response(throttled), "Retry-After"), "42");
    EXPECT_EQ(
        header(error_response(core::make_error(core::ErrorCode::kRateLimited, "x")), "Retry-After"),
        std::nullopt);
}

TEST(ErrorResponse, FieldErrorsWinOverTheDetailOnlyForInvalidArgument) {
    core::Error e = core::make_error(core::ErrorCode::kNotFound, "Not found.");
    e.field_errors = {{"title", {"x"}}};
    EXPECT_EQ(error_response(e).body, R"({"detail":"Not found."})");
}

TEST(NotFound, IsDrfsBody) {
    const Response r = not_found();
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.content_type, "application/json");
    EXPECT_EQ(r.body, R"({"detail":"Not found."})");
}

}  // namespace
}  // namespace taskapi::http
