#include "auth/token_lifecycle.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "auth/jwt.hpp"
#include "fakes/fixed_clock.hpp"
#include "fakes/in_memory_refresh_token_repository.hpp"
#include "fakes/in_memory_user_repository.hpp"

namespace taskapi::auth {
namespace {

using std::chrono::seconds;

constexpr std::string_view kKey = "token-lifecycle-test-key-0123456789abcdef";

class TokenLifecycleTest : public ::testing::Test {
protected:
    TokenLifecycleTest() {
        alice_ = users_.create(users::NewUser{.username = "alice", .password_hash = "x"})->id;
    }

    // A lifecycle with these settings over the test's store, users and clock.
    TokenLifecycle lifecycle(bool rotate, bool blacklist_after_rotation) {
        return TokenLifecycle(tokens_, store_, users_,
                              LifecycleSettings{rotate, blacklist_after_rotation}, clock_);
    }
    std::string login() { return tokens_.issue_pair(alice_).refresh; }
    std::string jti_of(const std::string& token) { return tokens_.verify_refresh(token)->jti; }

    fakes::FixedClock clock_;
    TokenService tokens_{TokenSettings{std::string(kKey), seconds{300}, seconds{86400}}, clock_};
    fakes::InMemoryRefreshTokenRepository store_;
    fakes::InMemoryUserRepository users_;
    core::UserId alice_;
};

void expect_blacklisted(const core::Error& e) {
    EXPECT_EQ(e.code, core::ErrorCode::kUnauthenticated);
    EXPECT_EQ(e.message, "Token is blacklisted");
    EXPECT_EQ(e.reason, kTokenNotValid);
}

TEST_F(TokenLifecycleTest, ALoginWritesNothingAndARefreshWithoutRotationNeither) {
    auto l = lifecycle(false, false);
    const std::string refresh = login();
    const auto r = l.refresh(refresh);
    ASSERT_TRUE(r.has_value());
    EXPECT_FALSE(r->refresh.has_value());
    EXPECT_TRUE(tokens_.verify_access(r->access).has_value());
    EXPECT_EQ(store_.find(alice_, jti_of(refresh)), std::nullopt);
    EXPECT_TRUE(l.refresh(refresh).has_value());  // still valid
}

TEST_F(TokenLifecycleTest, BlacklistedTokensCannotRefreshVerifyOrBeBlacklistedAgain) {
    auto l = lifecycle(false, false);
    const std::string refresh = login();
    ASSERT_TRUE(l.blacklist(refresh).has_value());
    EXPECT_EQ(store_.find(alice_, jti_of(refresh))->state, RefreshTokenState::kBlacklisted);
    expect_blacklisted(l.refresh(refresh).error());
    expect_blacklisted(l.blacklist(refresh).error());
    const auto verified = l.verify(refresh);
    ASSERT_FALSE(verified.has_value());
    EXPECT_EQ(verified.error().code, core::ErrorCode::kInvalidArgument);
    ASSERT_EQ(verified.error().field_errors.size(), 1u);
    EXPECT_EQ(verified.error().field_errors[0].field, "non_field_errors");
    EXPECT_EQ(verified.error().field_errors[0].messages,
              std::vector<std::string>{"Token is blacklisted"});
}

TEST_F(TokenLifecycleTest, VerifyTakesAnyTypeOfTokenAndChecksNoUser) {
    auto l = lifecycle(false, false);
    const TokenPair pair = tokens_.issue_pair(core::UserId{999});  // no such user
    EXPECT_TRUE(l.verify(pair.access).has_value());
    EXPECT_TRUE(l.verify(pair.refresh).has_value());
    const auto garbage = l.verify("abc");
    ASSERT_FALSE(garbage.has_value());
    EXPECT_EQ(garbage.error().message, "Token is invalid or expired");
    // An access token cannot be blacklisted.
    EXPECT_EQ(l.blacklist(pair.access).error().message, "Token has wrong type");
}

TEST_F(TokenLifecycleTest, RotationMintsARefreshTokenAsSimpleJwtDoes) {
    auto l = lifecycle(true, false);
    const std::string refresh = login();
    const auto presented = tokens_.verify_refresh(refresh).value();
    clock_.advance(seconds{10});
    const auto r = l.refresh(refresh);
    ASSERT_TRUE(r.has_value());
    ASSERT_TRUE(r->refresh.has_value());
    const auto rotated = tokens_.verify_refresh(*r->refresh).value();
    const std::int64_t now = core::to_unix_seconds(clock_.now());
    EXPECT_EQ(rotated.user, alice_);
    EXPECT_NE(rotated.jti, presented.jti);
    EXPECT_EQ(rotated.exp, now + 86400);
    EXPECT_EQ(rotated.iat, NumericDate{now});
    EXPECT_EQ(rotated.copied_claims, presented.copied_claims);
    // The access token keeps the presented token's iat, as SimpleJWT's does.
    EXPECT_EQ(tokens_.verify_access(r->access)->iat, presented.iat->seconds());
    // Without blacklisting, the replaced token stays valid and nothing is stored.
    EXPECT_TRUE(l.refresh(refresh).has_value());
    EXPECT_EQ(store_.find(alice_, presented.jti), std::nullopt);
}

TEST_F(TokenLifecycleTest, BlacklistAfterRotationRefusesTheReplacedToken) {
    auto l = lifecycle(true, true);
    const std::string refresh = login();
    const auto r = l.refresh(refresh);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(store_.find(alice_, jti_of(refresh))->state, RefreshTokenState::kRotated);
    EXPECT_EQ(store_.find(alice_, jti_of(*r->refresh))->state, RefreshTokenState::kIssued);
    EXPECT_TRUE(l.verify(*r->refresh).has_value());
    EXPECT_FALSE(l.verify(refresh).has_value());
    ASSERT_TRUE(l.refresh(*r->refresh).has_value());
}

TEST_F(TokenLifecycleTest, ReusingARotatedTokenRevokesItsWholeFamily) {
    auto l = lifecycle(true, true);
    const std::string login_token = login();
    const std::string first = *l.refresh(login_token)->refresh;
    const std::string second = *l.refresh(first)->refresh;
    const std::string other_login = login();  // another family of the same user
    // The login token, rotated away, comes back: an attacker or a confused client.
    expect_blacklisted(l.refresh(login_token).error());
    expect_blacklisted(l.refresh(second).error());
    expect_blacklisted(l.blacklist(second).error());
    EXPECT_EQ(store_.find(alice_, jti_of(second))->state, RefreshTokenState::kRevoked);
    EXPECT_TRUE(l.refresh(other_login).has_value());
}

TEST_F(TokenLifecycleTest, LoggingOutWithARotatedTokenAlsoRevokesItsFamily) {
    auto l = lifecycle(true, true);
    const std::string login_token = login();
    const std::string first = *l.refresh(login_token)->refresh;
    expect_blacklisted(l.blacklist(login_token).error());
    expect_blacklisted(l.refresh(first).error());
}

TEST_F(TokenLifecycleTest, VerifyingARotatedTokenRevokesNothing) {
    auto l = lifecycle(true, true);
    const std::string login_token = login();
    const std::string first = *l.refresh(login_token)->refresh;
    EXPECT_FALSE(l.verify(login_token).has_value());
    EXPECT_TRUE(l.refresh(first).has_value());
}

TEST_F(TokenLifecycleTest, RevokingAUserRefusesTheUsersStoredTokens) {
    auto l = lifecycle(true, true);
    const std::string first = *l.refresh(login())->refresh;
    EXPECT_EQ(revoke_refresh_tokens(store_, alice_, clock_.now()), 1);
    expect_blacklisted(l.refresh(first).error());
}

TEST_F(TokenLifecycleTest, AGoneOrInactiveUserOrAnOlderPasswordCannotRefresh) {
    auto l = lifecycle(true, true);
    const std::string refresh = login();
    clock_.advance(seconds{5});
    ASSERT_TRUE(users_.change_password(alice_, "y", clock_.now()));
    const auto after_change = l.refresh(refresh);
    ASSERT_FALSE(after_change.has_value());
    EXPECT_EQ(after_change.error().message, "Token is invalid or expired");
    // Refused before anything was stored.
    EXPECT_EQ(store_.find(alice_, jti_of(refresh)), std::nullopt);
    clock_.advance(seconds{5});
    const std::string later = login();
    ASSERT_TRUE(users_.set_active(alice_, false));
    EXPECT_EQ(l.refresh(later).error().message, "Token is invalid or expired");
    ASSERT_TRUE(users_.remove(alice_));
    EXPECT_EQ(l.refresh(later).error().message, "Token is invalid or expired");
    // Logging out needs no user, as in SimpleJWT.
    EXPECT_TRUE(l.blacklist(later).has_value());
}

TEST_F(TokenLifecycleTest, EveryWritePurgesTheRowsOfExpiredTokens) {
    auto l = lifecycle(false, false);
    const std::string early = login();
    const std::string early_jti = jti_of(early);
    ASSERT_TRUE(l.blacklist(early).has_value());
    ASSERT_TRUE(store_.find(alice_, early_jti).has_value());
    clock_.advance(seconds{86400});  // early's exp: expired now
    const std::string late = login();
    ASSERT_TRUE(l.blacklist(late).has_value());
    EXPECT_EQ(store_.find(alice_, early_jti), std::nullopt);
    EXPECT_EQ(store_.find(alice_, jti_of(late))->state, RefreshTokenState::kBlacklisted);
}

}  // namespace
}  // namespace taskapi::auth
