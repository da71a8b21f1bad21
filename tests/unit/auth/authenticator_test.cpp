#include "auth/authenticator.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/token_service.hpp"
#include "fakes/fixed_clock.hpp"
#include "fakes/in_memory_user_repository.hpp"
#include "unit/auth/token_crafting.hpp"

namespace taskapi::auth {
namespace {

class AuthenticatorTest : public ::testing::Test {
protected:
    AuthenticatorTest() {
        alice_ =
            users_.create(users::NewUser{.username = "alice", .password_hash = "x"}).value().id;
        carol_ = users_
                     .create(users::NewUser{
                         .username = "carol", .password_hash = "x", .is_active = false})
                     .value()
                     .id;
    }

    [[nodiscard]] std::string access_for(core::UserId user) const {
        return tokens_.issue_pair(user).access;
    }

    void expect_failure(std::optional<std::string_view> header, std::string_view message,
                        std::string_view reason) const {
        const auto result = authenticator_.authenticate(header);
        ASSERT_FALSE(result.has_value()) << message;
        EXPECT_EQ(result.error().code, core::ErrorCode::kUnauthenticated);
        EXPECT_EQ(result.error().message, message);
        EXPECT_EQ(result.error().reason, reason);
    }

    // SimpleJWT's answer for a token that is no valid access token, with the token's fault.
    void expect_invalid_token(std::optional<std::string_view> header,
                              std::string_view message) const {
        const auto result = authenticator_.authenticate(header);
        ASSERT_FALSE(result.has_value()) << message;
        const core::Error& e = result.error();
        EXPECT_EQ(e.code, core::ErrorCode::kUnauthenticated);
        EXPECT_EQ(e.message, "Given token not valid for any token type");
        EXPECT_EQ(e.reason, kTokenNotValid);
        const std::vector<core::ErrorEntry> expected{{{"token_class", "AccessToken"},
                                                      {"token_type", "access"},
                                                      {"message", std::string(message)}}};
        EXPECT_EQ(e.messages, expected);
    }

    void expect_anonymous(std::optional<std::string_view> header) const {
        const auto result = authenticator_.authenticate(header);
        ASSERT_TRUE(result.has_value()) << header.value_or("<none>");
        EXPECT_FALSE(result->has_value()) << header.value_or("<none>");
    }

    fakes::FixedClock clock_;
    static constexpr std::string_view kSigningKey = "authenticator-test-key-0123456789abcdef";
    TokenService tokens_{TokenSettings{std::string(kSigningKey)}, clock_};
    fakes::InMemoryUserRepository users_;
    Authenticator authenticator_{tokens_, users_};
    core::UserId alice_;
    core::UserId carol_;
};

TEST_F(AuthenticatorTest, NoHeaderIsAnonymous) { expect_anonymous(std::nullopt); }

TEST_F(AuthenticatorTest, EmptyHeaderIsAnonymous) {
    expect_anonymous("");
    expect_anonymous("   ");
}

TEST_F(AuthenticatorTest, OtherSchemesAreAnonymous) {
    expect_anonymous("Basic YWxpY2U6cHc=");
    expect_anonymous("Token " + access_for(alice_));
    expect_anonymous("JWT " + access_for(alice_));
}

TEST_F(AuthenticatorTest, TheConfiguredSchemesAreAcceptedAndOnlyThey) {
    const Authenticator jwt_too{tokens_, users_, {"Bearer", "JWT"}};
    for (const char* scheme : {"Bearer ", "JWT "}) {
        const auto result = jwt_too.authenticate(scheme + access_for(alice_));
        ASSERT_TRUE(result.has_value()) << scheme;
        ASSERT_TRUE(result->has_value()) << scheme;
        EXPECT_EQ((*result)->id, alice_);
    }
    const Authenticator jwt_only{tokens_, users_, {"JWT"}};
    const auto bearer = jwt_only.authenticate("Bearer " + access_for(alice_));
    ASSERT_TRUE(bearer.has_value());
    EXPECT_FALSE(bearer->has_value());                       // anonymous
    EXPECT_FALSE(jwt_only.authenticate("JWT").has_value());  // a bad header, as "Bearer" alone
}

TEST_F(AuthenticatorTest, LowercaseBearerIsAnonymous) {
    expect_anonymous("bearer " + access_for(alice_));
    expect_anonymous("BEARER " + access_for(alice_));
}

TEST_F(AuthenticatorTest, BearerAloneIsABadHeader) {
    expect_failure("Bearer", "Authorization header must contain two space-delimited values",
                   "bad_authorization_header");
    expect_failure("Bearer   ", "Authorization header must contain two space-delimited values",
                   "bad_authorization_header");
}

TEST_F(AuthenticatorTest, BearerWithTwoValuesIsABadHeader) {
    expect_failure("Bearer a b", "Authorization header must contain two space-delimited values",
                   "bad_authorization_header");
    expect_failure("Bearer " + access_for(alice_) + " extra",
                   "Authorization header must contain two space-delimited values",
                   "bad_authorization_header");
}

// The token is scanned eight bytes at a time: whitespace anywhere in it, at any offset, still
// splits it, and the bytes below ' ' that are no whitespace still do not.
TEST_F(AuthenticatorTest, WhitespaceAnywhereInTheTokenSplitsIt) {
    const std::string token = access_for(alice_);
    for (const char space : {' ', '\t', '\n', '\r', '\v', '\f'}) {
        for (std::size_t at = 1; at < 20; ++at) {
            std::string split = token;
            split[at] = space;
            expect_failure("Bearer " + split,
                           "Authorization header must contain two space-delimited values",
                           "bad_authorization_header");
        }
    }
    for (const char other : {'\x01', '\x1F', '\0'}) {
        std::string spoiled = token;
        spoiled[9] = other;
        expect_invalid_token("Bearer " + spoiled, "Token is invalid or expired");
    }
}

TEST_F(AuthenticatorTest, ValidTokenNamesTheUser) {
    const auto result = authenticator_.authenticate("Bearer " + access_for(alice_));
    ASSERT_TRUE(result.has_value());
    ASSERT_TRUE(result->has_value());
    EXPECT_EQ((*result)->id, alice_);
    EXPECT_EQ((*result)->username, "alice");
}

TEST_F(AuthenticatorTest, RunsOfWhitespaceSeparateTheValues) {
    for (const char* separator : {"  ", "\t", " \t "}) {
        const std::string header = "Bearer" + std::string(separator) + access_for(alice_);
        const auto result = authenticator_.authenticate(header);
        ASSERT_TRUE(result.has_value()) << separator;
        ASSERT_TRUE(result->has_value()) << separator;
        EXPECT_EQ((*result)->id, alice_);
    }
    const auto padded = authenticator_.authenticate("  Bearer " + access_for(alice_) + "  ");
    ASSERT_TRUE(padded.has_value());
    EXPECT_TRUE(padded->has_value());
}

// Two Authorization lines arrive joined with "," (as Django sees them): never a user, whichever
// line holds a valid token.
TEST_F(AuthenticatorTest, TwoAuthorizationLinesNeverAuthenticate) {
    const std::string token = access_for(alice_);
    expect_failure("Bearer " + token + ",Bearer " + token,
                   "Authorization header must contain two space-delimited values",
                   "bad_authorization_header");
    expect_invalid_token("Bearer " + token + ",", "Token is invalid or expired");
    expect_anonymous(",Bearer " + token);
    expect_anonymous("Basic YWxpY2U6cHc=,Bearer " + token);
}

TEST_F(AuthenticatorTest, InvalidTokenIsNotValid) {
    expect_invalid_token("Bearer abc", "Token is invalid or expired");
}

TEST_F(AuthenticatorTest, RefreshTokenIsTheWrongType) {
    expect_invalid_token("Bearer " + tokens_.issue_pair(alice_).refresh, "Token has wrong type");
}

TEST_F(AuthenticatorTest, ExpiredTokenIsNotValid) {
    const std::string header = "Bearer " + access_for(alice_);
    clock_.advance(std::chrono::seconds{301});
    expect_invalid_token(header, "Token is invalid or expired");
}

TEST_F(AuthenticatorTest, UnknownUserIsNotFound) {
    expect_failure("Bearer " + access_for(core::UserId{999}), "User not found", "user_not_found");
}

TEST_F(AuthenticatorTest, RemovedUserIsNotFound) {
    const std::string header = "Bearer " + access_for(alice_);
    ASSERT_TRUE(users_.remove(alice_));
    expect_failure(header, "User not found", "user_not_found");
}

TEST_F(AuthenticatorTest, InactiveUserIsRefused) {
    expect_failure("Bearer " + access_for(carol_), "User is inactive", "user_inactive");
}

TEST_F(AuthenticatorTest, DeactivatedUserIsRefused) {
    const std::string header = "Bearer " + access_for(alice_);
    ASSERT_TRUE(users_.set_active(alice_, false));
    expect_failure(header, "User is inactive", "user_inactive");
}

}  // namespace
}  // namespace taskapi::auth

namespace taskapi::auth {
namespace {

TEST_F(AuthenticatorTest, APasswordChangeRevokesTokensIssuedUpToItsSecond) {
    const std::string before = access_for(alice_);
    clock_.advance(std::chrono::milliseconds{300});  // the same second
    ASSERT_TRUE(users_.change_password(alice_, "y", clock_.now()));
    expect_invalid_token("Bearer " + before, "Token is invalid or expired");
    // Issued in the same second as the change, but not waiting for the next: refused too.
    expect_invalid_token("Bearer " + access_for(alice_), "Token is invalid or expired");
    const std::string after = tokens_.issue_pair(alice_, clock_.now()).access;
    const auto result = authenticator_.authenticate("Bearer " + after);
    ASSERT_TRUE(result.has_value());
    ASSERT_TRUE(result->has_value());
    EXPECT_EQ((*result)->id, alice_);
}

// An iat with a fraction (another issuer's) within the second of a password change is before
// its end: revoked.
TEST_F(AuthenticatorTest, AFractionalIatInTheSecondOfAPasswordChangeIsRevoked) {
    const std::int64_t second = core::to_unix_seconds(clock_.now());
    ASSERT_TRUE(users_.change_password(alice_, "y", clock_.now()));
    clock_.advance(std::chrono::seconds{2});
    const auto token = [this](std::string_view iat) {
        return "Bearer " +
               crafting::sign_payload(R"({"token_type":"access","exp":1895713605,)"
                                      R"("iat":)" +
                                          std::string(iat) + R"(,"jti":"a","user_id":1})",
                                      kSigningKey);
    };
    expect_invalid_token(token(std::to_string(second) + ".9"), "Token is invalid or expired");
    const auto later = authenticator_.authenticate(token(std::to_string(second + 1) + ".0"));
    ASSERT_TRUE(later.has_value());
    EXPECT_TRUE(later->has_value());
}

TEST_F(AuthenticatorTest, ARevokedTokenOfAnInactiveUserIsStillJustInvalid) {
    const std::string before = access_for(carol_);
    ASSERT_TRUE(users_.change_password(carol_, "y", clock_.now()));
    expect_invalid_token("Bearer " + before, "Token is invalid or expired");
}

TEST_F(AuthenticatorTest, AHashUpgradeRevokesNothing) {
    const std::string token = access_for(alice_);
    ASSERT_TRUE(
        users_.replace_password_hash(alice_, users_.find_by_id(alice_)->password_hash, "upgraded"));
    EXPECT_TRUE(authenticator_.authenticate("Bearer " + token).has_value());
}

TEST_F(AuthenticatorTest, ATokenOfADeletedUserStaysRefused) {
    const std::string token = access_for(alice_);
    ASSERT_TRUE(users_.remove(alice_));
    // Ids are never reused: a new "alice" is another user.
    const auto again = users_.create(users::NewUser{.username = "alice", .password_hash = "x"});
    ASSERT_TRUE(again.has_value());
    EXPECT_NE(again->id, alice_);
    expect_failure("Bearer " + token, "User not found", "user_not_found");
}

// --- the two steps: verify (the token alone) and admit (the account) ------------------------

TEST_F(AuthenticatorTest, VerifyNamesTheClaimantWithoutLookingTheUserUp) {
    // carol is inactive and user 99 does not exist: the token alone says nothing of that.
    for (const core::UserId user : {alice_, carol_, core::UserId{99}}) {
        const auto claimant = authenticator_.verify("Bearer " + access_for(user));
        ASSERT_TRUE(claimant.has_value());
        ASSERT_TRUE(claimant->has_value());
        EXPECT_EQ((*claimant)->id, user);
        EXPECT_GT((*claimant)->token_issued_at, 0);
    }
    EXPECT_FALSE(authenticator_.verify("Bearer x.y.z").has_value());
    EXPECT_FALSE(authenticator_.verify(std::nullopt)->has_value());
}

TEST_F(AuthenticatorTest, AdmitChecksTheAccountAReadFoundInsteadOfLookingItUp) {
    const auto claimant = *authenticator_.verify("Bearer " + access_for(alice_)).value();
    core::AccountLookup lookup{.looked_up = true,
                               .account = core::Account{.id = alice_, .username = "alice"}};
    auto principal = authenticator_.admit(claimant, lookup);
    ASSERT_TRUE(principal.has_value());
    EXPECT_EQ(principal->username, "alice");
    // What the read found decides, even where the repository says otherwise.
    lookup.account->is_active = false;
    EXPECT_EQ(authenticator_.admit(claimant, lookup).error().reason, "user_inactive");
    lookup.account->is_active = true;
    lookup.account->password_changed_at = core::Timestamp{std::chrono::seconds{
        static_cast<std::int64_t>(claimant.token_issued_at)}};  // the second it was issued
    EXPECT_EQ(authenticator_.admit(claimant, lookup).error().reason, kTokenNotValid);
    lookup.account.reset();
    EXPECT_EQ(authenticator_.admit(claimant, lookup).error().reason, "user_not_found");
    // Not looked up: admit does it.
    const auto looked_up = authenticator_.admit(claimant, core::AccountLookup{});
    ASSERT_TRUE(looked_up.has_value());
    EXPECT_EQ(looked_up->id, alice_);
}

}  // namespace
}  // namespace taskapi::auth
