// Regressions found by fuzz/jwt_fuzzer (inputs in fuzz/regressions/jwt_fuzzer/).
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "auth/jwt.hpp"
#include "unit/auth/token_crafting.hpp"

namespace taskapi::auth {
namespace {

constexpr std::string_view kKey = "fuzz-regression-signing-key-0123456789";
constexpr double kNow = 1795713605.123456;

std::string signed_payload(std::string_view payload) {
    return crafting::sign_payload(payload, kKey);
}

// fuzz/regressions/jwt_fuzzer/iat-below-int64-range: a correctly signed payload {"iat":-1e300}.
// verify_hs256 converted the iat double to int64 without a range check: undefined behaviour
// (UBSan: "-1e+300 is outside the range of representable values of type 'long'"); without
// sanitizers x86-64 yields INT64_MIN and the token was accepted. An iat that no int64 can hold
// must be refused like any other malformed time claim.
TEST(FuzzRegressionJwt, IatBelowTheInt64RangeIsRefused) {
    for (const char* iat :
         {"-1e300", "-9.3e18", "-9223372036854777856.0", "-1.7976931348623157e308"}) {
        const std::string payload = std::string(R"({"iat":)") + iat + "}";
        EXPECT_FALSE(verify_hs256(signed_payload(payload), kKey, kNow).has_value()) << payload;
    }
    const std::string full = R"({"token_type":"refresh","exp":1795800000,"iat":-1e300,)"
                             R"("jti":"0123456789abcdef0123456789abcdef","user_id":1})";
    EXPECT_FALSE(verify_hs256(signed_payload(full), kKey, kNow).has_value());
}

// The boundary itself still reads: -2^63 is an int64.
TEST(FuzzRegressionJwt, IatAtTheInt64MinimumIsRead) {
    const auto claims = verify_hs256(signed_payload(R"({"iat":-9223372036854775808})"), kKey, kNow);
    ASSERT_TRUE(claims.has_value());
    EXPECT_EQ(claims->iat, std::numeric_limits<std::int64_t>::min());
}

}  // namespace
}  // namespace taskapi::auth
