#include "auth/auth_handlers.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <optional>
#include <string>

#include "auth/token_service.hpp"
#include "fakes/fixed_clock.hpp"
#include "fakes/in_memory_refresh_token_repository.hpp"
#include "fakes/in_memory_user_repository.hpp"
#include "http/request.hpp"
#include "http/response.hpp"
#include "passwords/password_hasher.hpp"
#include "storage/memory/memory_throttle_store.hpp"
#include "users/user_service.hpp"

namespace taskapi::auth {
namespace {

namespace json = boost::json;

std::optional<std::string> header(const http::Response& r, std::string_view name) {
    for (const auto& [key, value] : r.headers) {
        if (key == name) return value;
    }
    return std::nullopt;
}

class AuthHandlersTest : public ::testing::Test {
protected:
    AuthHandlersTest() {
        alice_ =
            users_
                .create_user(users::NewAccount{.username = "alice", .password = "alice-password-1"})
                .value()
                .id;
    }

    // Each request comes from its own address unless one is given, so only the tests of the
    // throttle meet it.
    http::Request post(std::string body, std::string content_type = "application/json",
                       std::string address = {}) {
        if (address.empty()) address = "10.0.0." + std::to_string(++next_address_);
        return http::Request{.method = http::Method::kPost,
                             .method_name = "POST",
                             .content_type = std::move(content_type),
                             .remote_address = std::move(address),
                             .body = std::move(body)};
    }
    int next_address_ = 0;

    // What the server does with the handler's answer: runs deferred work, here inline.
    http::Response obtain_pair(const http::Request& request) {
        http::Response r = handlers_.obtain_pair(request);
        return r.deferred ? r.deferred() : r;
    }

    fakes::FixedClock clock_;
    fakes::InMemoryUserRepository repository_;
    passwords::Argon2idHasher hasher_{passwords::Argon2idParams{.ops_limit = 1, .mem_limit = 8192}};
    users::UserService users_{repository_, hasher_, clock_};
    TokenService tokens_{TokenSettings{"auth-handlers-test-key-0123456789abcdef"}, clock_};
    storage::memory::MemoryThrottleStore throttle_store_;
    // Two attempts per minute per address, two failures per minute per username and address,
    // four per hour per username: small, to see the throttle act.
    LoginThrottle throttle_{
        throttle_store_,
        LoginRates{.per_address = Rate{2, std::chrono::seconds{60}},
                   .failures_per_username_address = Rate{2, std::chrono::seconds{60}},
                   .failures_per_username = Rate{4, std::chrono::seconds{3600}}},
        clock_};
    fakes::InMemoryRefreshTokenRepository refresh_tokens_;
    TokenLifecycle lifecycle_{tokens_, refresh_tokens_, repository_, LifecycleSettings{}, clock_};
    AuthHandlers handlers_{users_, tokens_, lifecycle_, throttle_, 0};
    core::UserId alice_;
};

TEST_F(AuthHandlersTest, ObtainPairAnswersRefreshThenAccess) {
    const http::Response r =
        obtain_pair(post(R"({"username":"alice","password":"alice-password-1"})"));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.body.rfind(R"({"refresh":")", 0), 0u);
    const json::object body = json::parse(r.body).as_object();
    ASSERT_EQ(body.size(), 2u);
    const auto access = tokens_.verify_access(std::string(body.at("access").as_string()));
    ASSERT_TRUE(access.has_value());
    EXPECT_EQ(access->user, alice_);
    const auto refresh = tokens_.verify_refresh(std::string(body.at("refresh").as_string()));
    ASSERT_TRUE(refresh.has_value());
    EXPECT_EQ(refresh->user, alice_);
}

TEST_F(AuthHandlersTest, OnlyTheCredentialCheckIsDeferred) {
    const http::Response deferred =
        handlers_.obtain_pair(post(R"({"username":"alice","password":"alice-password-1"})"));
    EXPECT_TRUE(deferred.deferred);
    EXPECT_FALSE(handlers_.obtain_pair(post(R"({"username":"alice"})")).deferred);
    EXPECT_FALSE(handlers_.obtain_pair(post("{")).deferred);
}

TEST_F(AuthHandlersTest, AThrottledLoginIsAnsweredWithoutDeferredWork) {
    const std::string body = R"({"username":"alice","password":"wrong-password"})";
    for (int i = 0; i < 2; ++i) {
        EXPECT_EQ(obtain_pair(post(body, "application/json", "192.0.2.9")).status, 401);
    }
    const http::Response r = handlers_.obtain_pair(post(body, "application/json", "192.0.2.9"));
    EXPECT_EQ(r.status, 429);
    EXPECT_FALSE(r.deferred);
}

TEST_F(AuthHandlersTest, ObtainPairTrimsUsernameAndPassword) {
    const http::Response r =
        obtain_pair(post(R"({"username":" alice ","password":"alice-password-1 "})"));
    EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(AuthHandlersTest, ObtainPairReadsForms) {
    const http::Response r = obtain_pair(
        post("username=alice&password=alice-password-1", "application/x-www-form-urlencoded"));
    EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(AuthHandlersTest, WrongCredentialsAnswer401WithoutACode) {
    for (const char* body : {R"({"username":"alice","password":"wrong-password"})",
                             R"({"username":"nobody","password":"alice-password-1"})",
                             R"({"username":"Alice","password":"alice-password-1"})",
                             R"({"username":123,"password":"x"})"}) {
        const http::Response r = obtain_pair(post(body));
        EXPECT_EQ(r.status, 401) << body;
        EXPECT_EQ(r.body, R"({"detail":"No active account found with the given credentials"})")
            << body;
        EXPECT_EQ(header(r, "WWW-Authenticate"), R"(Bearer realm="api")") << body;
    }
}

TEST_F(AuthHandlersTest, InactiveUserCannotObtainTokens) {
    ASSERT_TRUE(repository_.set_active(alice_, false));
    const http::Response r =
        obtain_pair(post(R"({"username":"alice","password":"alice-password-1"})"));
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.body, R"({"detail":"No active account found with the given credentials"})");
}

TEST_F(AuthHandlersTest, ObtainPairValidatesBothFieldsInOrder) {
    EXPECT_EQ(obtain_pair(post("{}")).body,
              R"({"username":["This field is required."],"password":["This field is required."]})");
    EXPECT_EQ(
        obtain_pair(post(R"({"username":"","password":""})")).body,
        R"({"username":["This field may not be blank."],"password":["This field may not be blank."]})");
    EXPECT_EQ(
        obtain_pair(post(R"({"username":null,"password":null})")).body,
        R"({"username":["This field may not be null."],"password":["This field may not be null."]})");
    EXPECT_EQ(obtain_pair(post(R"({"username":"alice"})")).status, 400);
}

TEST_F(AuthHandlersTest, ObtainPairRefusesBadBodies) {
    EXPECT_EQ(obtain_pair(post("[]")).status, 400);
    EXPECT_EQ(obtain_pair(post("{")).status, 400);
    EXPECT_EQ(obtain_pair(post("x", "text/plain")).status, 415);
}

TEST_F(AuthHandlersTest, RefreshAnswersANewAccessToken) {
    const TokenPair pair = tokens_.issue_pair(alice_);
    clock_.advance(std::chrono::seconds{60});
    const http::Response r = handlers_.refresh(post(R"({"refresh":")" + pair.refresh + "\"}"));
    ASSERT_EQ(r.status, 200) << r.body;
    const json::object body = json::parse(r.body).as_object();
    ASSERT_EQ(body.size(), 1u);
    const auto access = tokens_.verify_access(std::string(body.at("access").as_string()));
    ASSERT_TRUE(access.has_value());
    EXPECT_EQ(access->user, alice_);
}

TEST_F(AuthHandlersTest, RefreshReadsForms) {
    const TokenPair pair = tokens_.issue_pair(alice_);
    EXPECT_EQ(
        handlers_.refresh(post("refresh=" + pair.refresh, "application/x-www-form-urlencoded"))
            .status,
        200);
}

TEST_F(AuthHandlersTest, RefreshWithAnAccessTokenHasTheWrongType) {
    const TokenPair pair = tokens_.issue_pair(alice_);
    const http::Response r = handlers_.refresh(post(R"({"refresh":")" + pair.access + "\"}"));
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.body, R"({"detail":"Token has wrong type","code":"token_not_valid"})");
    EXPECT_EQ(header(r, "WWW-Authenticate"), R"(Bearer realm="api")");
}

TEST_F(AuthHandlersTest, RefreshWithGarbageIsInvalid) {
    const http::Response r = handlers_.refresh(post(R"({"refresh":"garbage"})"));
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.body, R"({"detail":"Token is invalid or expired","code":"token_not_valid"})");
}

TEST_F(AuthHandlersTest, ExpiredRefreshIsInvalid) {
    const TokenPair pair = tokens_.issue_pair(alice_);
    clock_.advance(std::chrono::hours{25});
    const http::Response r = handlers_.refresh(post(R"({"refresh":")" + pair.refresh + "\"}"));
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.body, R"({"detail":"Token is invalid or expired","code":"token_not_valid"})");
}

TEST_F(AuthHandlersTest, RefreshForARemovedUserIsRefused) {
    const TokenPair pair = tokens_.issue_pair(alice_);
    ASSERT_TRUE(repository_.remove(alice_));
    const http::Response r = handlers_.refresh(post(R"({"refresh":")" + pair.refresh + "\"}"));
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.body, R"({"detail":"Token is invalid or expired","code":"token_not_valid"})");
}

TEST_F(AuthHandlersTest, RefreshForAnInactiveUserIsRefused) {
    const TokenPair pair = tokens_.issue_pair(alice_);
    ASSERT_TRUE(repository_.set_active(alice_, false));
    EXPECT_EQ(handlers_.refresh(post(R"({"refresh":")" + pair.refresh + "\"}")).status, 401);
}

TEST_F(AuthHandlersTest, RefreshWithRotationAnswersAccessThenRefresh) {
    TokenLifecycle rotating{tokens_, refresh_tokens_, repository_,
                            LifecycleSettings{.rotate_refresh_tokens = true}, clock_};
    AuthHandlers handlers{users_, tokens_, rotating, throttle_, 0};
    const TokenPair pair = tokens_.issue_pair(alice_);
    const http::Response r = handlers.refresh(post(R"({"refresh":")" + pair.refresh + "\"}"));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.body.rfind(R"({"access":")", 0), 0u) << r.body;
    const json::object body = json::parse(r.body).as_object();
    ASSERT_EQ(body.size(), 2u);
    EXPECT_TRUE(tokens_.verify_refresh(std::string(body.at("refresh").as_string())).has_value());
}

TEST_F(AuthHandlersTest, VerifyAnswersAnEmptyObject) {
    const TokenPair pair = tokens_.issue_pair(alice_);
    for (const std::string& token : {pair.access, pair.refresh}) {
        const http::Response r = handlers_.verify(post(R"({"token":")" + token + "\"}"));
        EXPECT_EQ(r.status, 200);
        EXPECT_EQ(r.body, "{}");
    }
    const http::Response bad = handlers_.verify(post(R"({"token":"garbage"})"));
    EXPECT_EQ(bad.status, 401);
    EXPECT_EQ(bad.body, R"({"detail":"Token is invalid or expired","code":"token_not_valid"})");
    EXPECT_EQ(handlers_.verify(post("{}")).body, R"({"token":["This field is required."]})");
}

TEST_F(AuthHandlersTest, ALoggedOutRefreshTokenGetsSimpleJwtsAnswers) {
    const TokenPair pair = tokens_.issue_pair(alice_);
    const std::string body = R"({"refresh":")" + pair.refresh + "\"}";
    const http::Response out = handlers_.blacklist(post(body));
    EXPECT_EQ(out.status, 200);
    EXPECT_EQ(out.body, "{}");
    const std::string blacklisted = R"({"detail":"Token is blacklisted","code":"token_not_valid"})";
    EXPECT_EQ(handlers_.blacklist(post(body)).body, blacklisted);
    const http::Response refreshed = handlers_.refresh(post(body));
    EXPECT_EQ(refreshed.status, 401);
    EXPECT_EQ(refreshed.body, blacklisted);
    EXPECT_EQ(header(refreshed, "WWW-Authenticate"), R"(Bearer realm="api")");
    const http::Response verified = handlers_.verify(post(R"({"token":")" + pair.refresh + "\"}"));
    EXPECT_EQ(verified.status, 400);
    EXPECT_EQ(verified.body, R"({"non_field_errors":["Token is blacklisted"]})");
    EXPECT_EQ(handlers_.blacklist(post("{}")).body, R"({"refresh":["This field is required."]})");
}

TEST_F(AuthHandlersTest, VerifyAndBlacklistDescribeTheirFields) {
    EXPECT_EQ(AuthHandlers::verify_actions(),
              R"({"POST":{"token":{"type":"string","required":true,"read_only":false,)"
              R"("label":"Token"}}})");
    EXPECT_EQ(AuthHandlers::blacklist_actions(),
              R"({"POST":{"refresh":{"type":"string","required":true,"read_only":false,)"
              R"("label":"Refresh"}}})");
}

TEST_F(AuthHandlersTest, RefreshFieldIsRequiredAndNotBlank) {
    EXPECT_EQ(handlers_.refresh(post("{}")).body, R"({"refresh":["This field is required."]})");
    EXPECT_EQ(handlers_.refresh(post(R"({"refresh":""})")).body,
              R"({"refresh":["This field may not be blank."]})");
}

// The DRF reference's OPTIONS /api/auth/token/ "actions" (contract.txt, exchange 035).
TEST(AuthHandlersActions, ObtainPairMatchesDrf) {
    EXPECT_EQ(
        AuthHandlers::obtain_pair_actions(),
        R"({"POST":{"username":{"type":"string","required":true,"read_only":false,"label":"Username"},)"
        R"("password":{"type":"string","required":true,"read_only":false,"label":"Password"}}})");
}

// As the reference's TokenRefreshSerializer describes itself (tests/api check it over HTTP).
TEST(AuthHandlersActions, RefreshMatchesDrf) {
    EXPECT_EQ(
        AuthHandlers::refresh_actions(),
        R"({"POST":{"refresh":{"type":"string","required":true,"read_only":false,"label":"Refresh"},)"
        R"("access":{"type":"string","required":false,"read_only":true,"label":"Access"}}})");
}

}  // namespace
}  // namespace taskapi::auth

namespace taskapi::auth {
namespace {

TEST_F(AuthHandlersTest, ThrottlesTheThirdLoginFromOneAddressWithDrfsAnswer) {
    const std::string body = R"({"username":"nobody","password":"whatever"})";
    EXPECT_EQ(obtain_pair(post(body, "application/json", "192.0.2.1")).status, 401);
    EXPECT_EQ(
        obtain_pair(post(R"({"username":"x","password":"y"})", "application/json", "192.0.2.1"))
            .status,
        401);
    const http::Response r = obtain_pair(post(body, "application/json", "192.0.2.1"));
    EXPECT_EQ(r.status, 429);
    EXPECT_EQ(r.body, R"({"detail":"Request was throttled. Expected available in 60 seconds."})");
    EXPECT_EQ(header(r, "Retry-After"), "60");
    // Another address is not affected, and the window passing lifts the limit.
    EXPECT_EQ(
        obtain_pair(post(R"({"username":"z","password":"y"})", "application/json", "192.0.2.2"))
            .status,
        401);
    clock_.advance(std::chrono::seconds{60});
    EXPECT_EQ(obtain_pair(post(body, "application/json", "192.0.2.1")).status, 401);
}

TEST_F(AuthHandlersTest, ThrottlesFailuresOfAUsernameFromOneAddress) {
    // Without the address's own limit, which would otherwise answer first.
    LoginThrottle throttle{
        throttle_store_,
        LoginRates{.failures_per_username_address = Rate{2, std::chrono::seconds{60}}}, clock_};
    AuthHandlers handlers{users_, tokens_, lifecycle_, throttle, 0};
    const auto from = [this, &handlers](const std::string& body, const char* address) {
        http::Response r = handlers.obtain_pair(post(body, "application/json", address));
        return r.deferred ? r.deferred() : r;
    };
    const std::string wrong = R"({"username":"alice","password":"wrong-password"})";
    const std::string right = R"({"username":"alice","password":"alice-password-1"})";
    EXPECT_EQ(from(wrong, "192.0.2.1").status, 401);
    EXPECT_EQ(from(right, "192.0.2.1").status, 200);  // not counted
    EXPECT_EQ(from(wrong, "192.0.2.1").status, 401);
    const http::Response r = from(right, "192.0.2.1");
    EXPECT_EQ(r.status, 429) << r.body;
    EXPECT_EQ(header(r, "Retry-After"), "60");
    // The owner, elsewhere, is not locked out; nor is bob at the same address.
    EXPECT_EQ(from(right, "192.0.2.2").status, 200);
    EXPECT_EQ(from(R"({"username":"bob","password":"x"})", "192.0.2.1").status, 401);
    clock_.advance(std::chrono::seconds{60});
    EXPECT_EQ(from(right, "192.0.2.1").status, 200);
}

TEST_F(AuthHandlersTest, SuccessfulLoginsAreNotCountedAsFailures) {
    const std::string right = R"({"username":"alice","password":"alice-password-1"})";
    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(obtain_pair(post(right)).status, 200) << i;
    }
}

TEST_F(AuthHandlersTest, FailuresFromManyAddressesReachTheUsernameCeiling) {
    const std::string wrong = R"({"username":"alice","password":"wrong-password"})";
    const std::string right = R"({"username":"alice","password":"alice-password-1"})";
    // alice's usual address.
    EXPECT_EQ(obtain_pair(post(right, "application/json", "198.51.100.1")).status, 200);
    for (int i = 0; i < 4; ++i) EXPECT_EQ(obtain_pair(post(wrong)).status, 401) << i;
    const http::Response r = obtain_pair(post(wrong));
    EXPECT_EQ(r.status, 429);
    EXPECT_EQ(header(r, "Retry-After"), "3600");
    EXPECT_EQ(obtain_pair(post(right)).status, 429);  // a new address must wait too
    EXPECT_EQ(obtain_pair(post(right, "application/json", "198.51.100.1")).status, 200);
}

TEST_F(AuthHandlersTest, AnInvalidBodyIsNotCountedAgainstAUsername) {
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(obtain_pair(post(R"({"username":"alice"})")).status, 400);
    }
    EXPECT_EQ(obtain_pair(post(R"({"username":"alice","password":"alice-password-1"})")).status,
              200);
}

}  // namespace
}  // namespace taskapi::auth

namespace taskapi::auth {
namespace {

TEST_F(AuthHandlersTest, AUsernameLongerThan150CharactersFailsAtOnce) {
    const std::string too_long(151, 'a');
    const http::Response r = handlers_.obtain_pair(post(
        R"({"username":")" + too_long + R"(","password":"x"})", "application/json", "192.0.2.5"));
    EXPECT_FALSE(r.deferred);
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.body, R"({"detail":"No active account found with the given credentials"})");
    // Characters, not bytes: 150 two-byte letters may be a name.
    std::string letters;
    for (int i = 0; i < 150; ++i) letters += "\xc3\xa9";
    EXPECT_TRUE(handlers_.obtain_pair(post(R"({"username":")" + letters + R"(","password":"x"})"))
                    .deferred);
}

TEST_F(AuthHandlersTest, AnOverlongUsernameStillCountsTowardTheAddress) {
    const std::string body = R"({"username":")" + std::string(200, 'a') + R"(","password":"x"})";
    EXPECT_EQ(obtain_pair(post(body, "application/json", "192.0.2.6")).status, 401);
    EXPECT_EQ(obtain_pair(post(body, "application/json", "192.0.2.6")).status, 401);
    EXPECT_EQ(obtain_pair(post(body, "application/json", "192.0.2.6")).status, 429);
}

TEST_F(AuthHandlersTest, LongForwardedAddressesShareOneCount) {
    // Two different junk "addresses" with the same first 64 bytes: one count.
    const std::string prefix(kMaxAddressLength, 'x');
    for (const char* name : {"u1", "u2"}) {
        const std::string body = R"({"username":")" + std::string(name) + R"(","password":"x"})";
        EXPECT_EQ(obtain_pair(post(body, "application/json", prefix + name)).status, 401);
    }
    EXPECT_EQ(
        obtain_pair(post(R"({"username":"u3","password":"x"})", "application/json", prefix + "3"))
            .status,
        429);
}

}  // namespace
}  // namespace taskapi::auth

namespace taskapi::auth {
namespace {

TEST_F(AuthHandlersTest, ARefreshTokenIssuedBeforeAPasswordChangeIsInvalid) {
    const TokenPair pair = tokens_.issue_pair(alice_);
    clock_.advance(std::chrono::seconds{30});
    ASSERT_TRUE(users_.change_password("alice", "alice-password-2").has_value());
    clock_.advance(std::chrono::seconds{30});
    const http::Response r = handlers_.refresh(post(R"({"refresh":")" + pair.refresh + "\"}"));
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.body, R"({"detail":"Token is invalid or expired","code":"token_not_valid"})");
}

TEST_F(AuthHandlersTest, ALoginInTheSecondOfAPasswordChangeGetsWorkingTokens) {
    ASSERT_TRUE(users_.change_password("alice", "alice-password-2").has_value());
    const core::Timestamp changed = clock_.now();
    const http::Response r =
        obtain_pair(post(R"({"username":"alice","password":"alice-password-2"})"));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(clock_.sleeps(), 1);  // waited (on the fake clock) for the next second
    const json::object body = json::parse(r.body).as_object();
    const auto access = tokens_.verify_access(std::string(body.at("access").as_string()));
    ASSERT_TRUE(access.has_value());
    EXPECT_GT(access->iat, core::to_unix_seconds(changed));
    const http::Response refreshed = handlers_.refresh(
        post(R"({"refresh":")" + std::string(body.at("refresh").as_string()) + "\"}"));
    EXPECT_EQ(refreshed.status, 200) << refreshed.body;
}

}  // namespace
}  // namespace taskapi::auth
