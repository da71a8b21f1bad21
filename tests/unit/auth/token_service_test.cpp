#include "auth/token_service.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <string>

#include "fakes/fixed_clock.hpp"
#include "unit/auth/token_crafting.hpp"

namespace taskapi::auth {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr std::string_view kKey = "token-service-test-key-0123456789abcdef";
// fakes::FixedClock starts at 2026-11-26T17:20:05.123456Z.
constexpr std::int64_t kStart = 1795713605;

json::object claims_of(std::string_view token) {
    return json::parse(crafting::decoded_segment(token, 1)).as_object();
}

class TokenServiceTest : public ::testing::Test {
protected:
    fakes::FixedClock clock_;
    TokenService tokens_{TokenSettings{std::string(kKey)}, clock_};

    // A token signed with the service's key whose claims are exactly `payload`.
    static std::string crafted(std::string_view payload) {
        return crafting::sign_payload(payload, kKey);
    }

    void expect_access_error(std::string_view token, std::string_view message,
                             std::string_view reason = kAccessTokenNotValid) {
        const auto result = tokens_.verify_access(token);
        ASSERT_FALSE(result.has_value()) << message;
        EXPECT_EQ(result.error().code, core::ErrorCode::kUnauthenticated);
        EXPECT_EQ(result.error().message, message);
        EXPECT_EQ(result.error().reason, reason);
    }
};

TEST_F(TokenServiceTest, IssuesAPairWithDefaultLifetimes) {
    const TokenPair pair = tokens_.issue_pair(core::UserId{7});
    const auto access = claims_of(pair.access);
    const auto refresh = claims_of(pair.refresh);
    EXPECT_EQ(access.at("token_type").as_string(), "access");
    EXPECT_EQ(access.at("iat").as_int64(), kStart);
    EXPECT_EQ(access.at("exp").as_int64(), kStart + 300);
    EXPECT_EQ(access.at("user_id").as_int64(), 7);
    EXPECT_EQ(refresh.at("token_type").as_string(), "refresh");
    EXPECT_EQ(refresh.at("iat").as_int64(), kStart);
    EXPECT_EQ(refresh.at("exp").as_int64(), kStart + 86400);
    EXPECT_EQ(refresh.at("user_id").as_int64(), 7);
    EXPECT_NE(access.at("jti").as_string(), refresh.at("jti").as_string());
    EXPECT_EQ(access.at("jti").as_string().size(), 32u);
}

TEST_F(TokenServiceTest, TakesLifetimesFromSettings) {
    const TokenService custom(TokenSettings{std::string(kKey), 60s, 3600s}, clock_);
    const TokenPair pair = custom.issue_pair(core::UserId{1});
    EXPECT_EQ(claims_of(pair.access).at("exp").as_int64(), kStart + 60);
    EXPECT_EQ(claims_of(pair.refresh).at("exp").as_int64(), kStart + 3600);
}

TEST_F(TokenServiceTest, DefaultSettingsAreSimpleJwtsLifetimes) {
    const TokenSettings settings;
    EXPECT_EQ(settings.access_lifetime, 300s);
    EXPECT_EQ(settings.refresh_lifetime, 86400s);
}

TEST_F(TokenServiceTest, SignsWithTheConfiguredKey) {
    const TokenPair pair = tokens_.issue_pair(core::UserId{1});
    const TokenService other(TokenSettings{"another-key-that-is-long-enough-0123456789"}, clock_);
    EXPECT_TRUE(tokens_.verify_access(pair.access).has_value());
    const auto result = other.verify_access(pair.access);
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().message, "Token is invalid or expired");
}

TEST_F(TokenServiceTest, VerifiesAFreshAccessToken) {
    const auto user = tokens_.verify_access(tokens_.issue_pair(core::UserId{42}).access);
    ASSERT_TRUE(user.has_value());
    EXPECT_EQ(user->user, core::UserId{42});
}

TEST_F(TokenServiceTest, AccessTokenIsValidUntilJustBeforeExp) {
    const std::string access = tokens_.issue_pair(core::UserId{1}).access;
    // exp is kStart + 300 whole seconds; the clock started 0.123456 s into kStart.
    clock_.advance(300s - 123457us);
    EXPECT_TRUE(tokens_.verify_access(access).has_value());
    clock_.advance(1us);  // now == exp exactly
    expect_access_error(access, "Token is invalid or expired");
}

TEST_F(TokenServiceTest, RejectsAnExpiredAccessToken) {
    const std::string access = tokens_.issue_pair(core::UserId{1}).access;
    clock_.advance(1h);
    expect_access_error(access, "Token is invalid or expired");
}

TEST_F(TokenServiceTest, RejectsGarbage) {
    expect_access_error("not-a-token", "Token is invalid or expired");
    expect_access_error("", "Token is invalid or expired");
}

TEST_F(TokenServiceTest, RefreshTokenUsedAsAccessHasWrongType) {
    expect_access_error(tokens_.issue_pair(core::UserId{1}).refresh, "Token has wrong type");
}

TEST_F(TokenServiceTest, AccessTokenUsedAsRefreshHasWrongType) {
    const auto result = tokens_.verify_refresh(tokens_.issue_pair(core::UserId{1}).access);
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, core::ErrorCode::kUnauthenticated);
    EXPECT_EQ(result.error().message, "Token has wrong type");
    EXPECT_EQ(result.error().reason, kTokenNotValid);
}

TEST_F(TokenServiceTest, TokenWithoutTypeHasNoType) {
    expect_access_error(crafted(R"({"exp":1795713905,"iat":1795713605,"jti":"a","user_id":1})"),
                        "Token has no type");
}

TEST_F(TokenServiceTest, TokenWithAnUnknownTypeHasWrongType) {
    expect_access_error(
        crafted(R"({"token_type":"sliding","exp":1795713905,"jti":"a","user_id":1})"),
        "Token has wrong type");
    expect_access_error(crafted(R"({"token_type":7,"exp":1795713905,"jti":"a","user_id":1})"),
                        "Token has wrong type");
}

TEST_F(TokenServiceTest, TokenWithoutJtiHasNoId) {
    expect_access_error(crafted(R"({"token_type":"access","exp":1795713905,"user_id":1})"),
                        "Token has no id");
}

TEST_F(TokenServiceTest, TokenWithoutExpHasNoExpClaim) {
    expect_access_error(crafted(R"({"token_type":"access","jti":"a","user_id":1})"),
                        "Token has no 'exp' claim");
}

TEST_F(TokenServiceTest, ChecksClaimsInSimpleJwtsOrder) {
    expect_access_error(crafted(R"({"user_id":1})"), "Token has no 'exp' claim");
    expect_access_error(crafted(R"({"exp":1795713905})"), "Token has no id");
    expect_access_error(crafted(R"({"exp":1795713905,"jti":"a"})"), "Token has no type");
    expect_access_error(crafted(R"({"token_type":"refresh","exp":1795713905,"jti":"a"})"),
                        "Token has wrong type");
}

TEST_F(TokenServiceTest, TokenWithoutUserIdHasNoRecognizableUser) {
    expect_access_error(crafted(R"({"token_type":"access","exp":1795713905,"jti":"a"})"),
                        "Token contained no recognizable user identification", kTokenNotValid);
}

TEST_F(TokenServiceTest, TokenWithANonNumericUserIdHasNoRecognizableUser) {
    expect_access_error(
        crafted(R"({"token_type":"access","exp":1795713905,"jti":"a","user_id":"alice"})"),
        "Token contained no recognizable user identification", kTokenNotValid);
}

TEST_F(TokenServiceTest, AcceptsANumericStringUserId) {
    const auto user = tokens_.verify_access(
        crafted(R"({"token_type":"access","exp":1795713905,"jti":"a","user_id":"12"})"));
    ASSERT_TRUE(user.has_value());
    EXPECT_EQ(user->user, core::UserId{12});
}

TEST_F(TokenServiceTest, VerifiesARefreshToken) {
    const auto refresh = tokens_.verify_refresh(tokens_.issue_pair(core::UserId{9}).refresh);
    ASSERT_TRUE(refresh.has_value());
    EXPECT_EQ(refresh->user, core::UserId{9});
    EXPECT_EQ(refresh->iat, NumericDate{kStart});
}

TEST_F(TokenServiceTest, RefreshTokenExpiresAfterItsLifetime) {
    const std::string refresh = tokens_.issue_pair(core::UserId{9}).refresh;
    clock_.advance(86400s - 123457us);
    EXPECT_TRUE(tokens_.verify_refresh(refresh).has_value());
    clock_.advance(1us);
    const auto result = tokens_.verify_refresh(refresh);
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().message, "Token is invalid or expired");
    EXPECT_EQ(result.error().reason, kTokenNotValid);
}

TEST_F(TokenServiceTest, AccessFromRefreshKeepsTheRefreshIat) {
    const std::string refresh_token = tokens_.issue_pair(core::UserId{5}).refresh;
    clock_.advance(1000s);
    const auto refresh = tokens_.verify_refresh(refresh_token);
    ASSERT_TRUE(refresh.has_value());
    const std::string access = tokens_.access_from_refresh(*refresh);

    const auto claims = claims_of(access);
    EXPECT_EQ(claims.at("token_type").as_string(), "access");
    EXPECT_EQ(claims.at("iat").as_int64(), kStart);
    EXPECT_EQ(claims.at("exp").as_int64(), kStart + 1000 + 300);
    EXPECT_EQ(claims.at("user_id").as_int64(), 5);
    EXPECT_NE(claims.at("jti").as_string(), claims_of(refresh_token).at("jti").as_string());

    const auto user = tokens_.verify_access(access);
    ASSERT_TRUE(user.has_value());
    EXPECT_EQ(user->user, core::UserId{5});
}

// SimpleJWT 5.2's RefreshToken.access_token: a new exp and jti; every other claim of the refresh
// token copied as it is (iat in its place, the others after jti, in the refresh token's order).
TEST_F(TokenServiceTest, AccessFromRefreshCopiesTheOtherClaimsAsSimpleJwt) {
    const auto refresh = tokens_.verify_refresh(
        crafted(R"({"token_type":"refresh","exp":1795800000,"nbf":1795713000,)"
                R"("iat":1795713600.5,"jti":"a","user_id":"5","scope":["r\u00e9ad",2.0]})"));
    ASSERT_TRUE(refresh.has_value());
    const std::string access = tokens_.access_from_refresh(*refresh);
    const std::string jti = claims_of(access).at("jti").as_string().c_str();
    EXPECT_EQ(crafting::decoded_segment(access, 1),
              R"({"token_type":"access","exp":1795713905,"iat":1795713600.5,"jti":")" + jti +
                  R"(","nbf":1795713000,"user_id":"5","scope":["r\u00e9ad",2.0]})");
    const auto verified = tokens_.verify_access(access);
    ASSERT_TRUE(verified.has_value());
    EXPECT_EQ(verified->user, core::UserId{5});
    EXPECT_EQ(verified->iat, 1795713600.5);
}

// SimpleJWT's new access token has an iat of now, which it keeps when the refresh token has none.
TEST_F(TokenServiceTest, AccessFromARefreshTokenWithoutIatIsIssuedNow) {
    const auto refresh = tokens_.verify_refresh(
        crafted(R"({"token_type":"refresh","exp":1795800000,"jti":"a","user_id":5})"));
    ASSERT_TRUE(refresh.has_value());
    const auto claims = claims_of(tokens_.access_from_refresh(*refresh));
    EXPECT_EQ(claims.at("iat").as_int64(), kStart);
    EXPECT_EQ(claims.at("user_id").as_int64(), 5);
}

TEST_F(TokenServiceTest, AccessFromRefreshHasClaimsInSimpleJwtOrder) {
    const auto refresh = tokens_.verify_refresh(tokens_.issue_pair(core::UserId{5}).refresh);
    ASSERT_TRUE(refresh.has_value());
    const std::string payload = crafting::decoded_segment(tokens_.access_from_refresh(*refresh), 1);
    const auto type = payload.find("\"token_type\"");
    const auto exp = payload.find("\"exp\"");
    const auto iat = payload.find("\"iat\"");
    const auto jti = payload.find("\"jti\"");
    const auto user_id = payload.find("\"user_id\"");
    EXPECT_EQ(type, 1u);
    EXPECT_LT(type, exp);
    EXPECT_LT(exp, iat);
    EXPECT_LT(iat, jti);
    EXPECT_LT(jti, user_id);
}

}  // namespace
}  // namespace taskapi::auth

namespace taskapi::auth {
namespace {

// verify_access remembers tokens it verified (per thread); the memory must never let a token
// through that a full check would refuse.
TEST_F(TokenServiceTest, ARememberedTokenStillExpires) {
    const std::string access = tokens_.issue_pair(core::UserId{3}).access;
    ASSERT_TRUE(tokens_.verify_access(access).has_value());
    ASSERT_TRUE(tokens_.verify_access(access).has_value());  // now from memory
    clock_.advance(300s);
    expect_access_error(access, "Token is invalid or expired");
}

TEST_F(TokenServiceTest, ARememberedTokenIsNotTrustedByAServiceWithAnotherKey) {
    const std::string access = tokens_.issue_pair(core::UserId{3}).access;
    ASSERT_TRUE(tokens_.verify_access(access).has_value());
    const TokenService other{TokenSettings{"another-signing-key-0123456789abcdefgh"}, clock_};
    const auto result = other.verify_access(access);
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().message, "Token is invalid or expired");
    // ...and the first service still accepts it.
    EXPECT_TRUE(tokens_.verify_access(access).has_value());
}

TEST_F(TokenServiceTest, ManyTokensDoNotBreakTheMemory) {
    for (int i = 0; i < 5000; ++i) {
        const auto user = core::UserId{i + 1};
        const auto verified = tokens_.verify_access(tokens_.issue_pair(user).access);
        ASSERT_TRUE(verified.has_value());
        ASSERT_EQ(verified->user, user);
    }
}

}  // namespace
}  // namespace taskapi::auth

namespace taskapi::auth {
namespace {

class TokenIssueTest : public ::testing::Test {
protected:
    // 17:20:05.123456
    fakes::FixedClock clock_;
    TokenService tokens_{TokenSettings{"token-issue-test-key-0123456789abcdef"}, clock_};

    std::int64_t iat_of(const std::string& access) const {
        const auto claims = tokens_.verify_access(access);
        EXPECT_TRUE(claims.has_value());
        return claims ? static_cast<std::int64_t>(claims->iat) : -1;
    }
};

TEST_F(TokenIssueTest, VerifyAccessTellsWhenTheTokenWasIssued) {
    const std::int64_t now = core::to_unix_seconds(clock_.now());
    const std::string access = tokens_.issue_pair(core::UserId{3}).access;
    EXPECT_EQ(iat_of(access), now);
    clock_.advance(std::chrono::seconds{10});
    EXPECT_EQ(iat_of(access), now);  // from the per-thread memory, the same
}

TEST_F(TokenIssueTest, InTheSecondOfAPasswordChangeItWaitsForTheNextOne) {
    const core::Timestamp changed = clock_.now();
    const TokenPair pair = tokens_.issue_pair(core::UserId{3}, changed);
    EXPECT_EQ(clock_.sleeps(), 1);
    EXPECT_EQ(iat_of(pair.access), core::to_unix_seconds(changed) + 1);
    EXPECT_EQ(clock_.now(),
              std::chrono::floor<std::chrono::seconds>(changed) + std::chrono::seconds{1});
    const auto refresh = tokens_.verify_refresh(pair.refresh);
    ASSERT_TRUE(refresh.has_value());
    EXPECT_EQ(refresh->iat, NumericDate{core::to_unix_seconds(changed) + 1});
}

TEST_F(TokenIssueTest, AfterThatSecondItDoesNotWait) {
    const core::Timestamp changed = clock_.now() - std::chrono::seconds{1};
    const std::int64_t now = core::to_unix_seconds(clock_.now());
    EXPECT_EQ(iat_of(tokens_.issue_pair(core::UserId{3}, changed).access), now);
    EXPECT_EQ(iat_of(tokens_.issue_pair(core::UserId{3}).access), now);
    EXPECT_EQ(clock_.sleeps(), 0);
}

TEST_F(TokenIssueTest, AClockFarBehindTheChangeIsNotWaitedFor) {
    const core::Timestamp changed = clock_.now() + std::chrono::hours{1};
    const std::int64_t now = core::to_unix_seconds(clock_.now());
    EXPECT_EQ(iat_of(tokens_.issue_pair(core::UserId{3}, changed).access), now);
    EXPECT_EQ(clock_.sleeps(), 0);
}

}  // namespace
}  // namespace taskapi::auth
