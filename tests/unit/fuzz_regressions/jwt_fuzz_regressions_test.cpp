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
// sanitizers x86-64 yields INT64_MIN and the token was accepted. The first fix refused such an
// iat. Time claims are now NumericDates kept as they were written (a JSON number with a
// fraction or an exponent is a double), so nothing is converted: the iat reads as -1e300, long
// in the past, which PyJWT accepts too; exp, which is cut to whole seconds, is range-checked
// first.
TEST(FuzzRegressionJwt, IatBelowTheInt64RangeIsReadWithoutConversion) {
    for (const char* iat :
         {"-1e300", "-9.3e18", "-9223372036854777856.0", "-1.7976931348623157e308"}) {
        const std::string payload = std::string(R"({"iat":)") + iat + "}";
        const auto claims = verify_hs256(signed_payload(payload), kKey, kNow);
        ASSERT_TRUE(claims.has_value()) << payload;
        ASSERT_TRUE(claims->iat.has_value()) << payload;
        EXPECT_EQ(claims->iat->seconds(), std::stod(iat)) << payload;
    }
    const std::string full = R"({"token_type":"refresh","exp":1795800000,"iat":-1e300,)"
                             R"("jti":"0123456789abcdef0123456789abcdef","user_id":1})";
    const auto claims = verify_hs256(signed_payload(full), kKey, kNow);
    ASSERT_TRUE(claims.has_value());
    EXPECT_EQ(claims->iat, NumericDate{-1e300});
    for (const char* exp : {"-1e300", "1e300", "-9.3e18", "9.3e18"}) {
        const std::string payload = std::string(R"({"exp":)") + exp + "}";
        EXPECT_FALSE(verify_hs256(signed_payload(payload), kKey, kNow).has_value()) << payload;
    }
}

// The boundary itself still reads: -2^63 is an int64.
TEST(FuzzRegressionJwt, IatAtTheInt64MinimumIsRead) {
    const auto claims = verify_hs256(signed_payload(R"({"iat":-9223372036854775808})"), kKey, kNow);
    ASSERT_TRUE(claims.has_value());
    EXPECT_EQ(claims->iat, NumericDate{std::numeric_limits<std::int64_t>::min()});
}

}  // namespace
}  // namespace taskapi::auth
