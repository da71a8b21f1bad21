#include "auth/registration_handler.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "fakes/fixed_clock.hpp"
#include "fakes/in_memory_user_repository.hpp"
#include "http/request.hpp"
#include "http/response.hpp"
#include "passwords/password_hasher.hpp"
#include "storage/memory/memory_throttle_store.hpp"
#include "users/user_service.hpp"

namespace taskapi::auth {
namespace {

class RegistrationHandlerTest : public ::testing::Test {
protected:
    RegistrationHandlerTest() {
        (void)users_.create_user(
            users::NewAccount{.username = "alice", .password = "alice-password-1"});
    }

    http::Request post(std::string body, std::string address = "10.0.0.1") {
        return http::Request{.method = http::Method::kPost,
                             .method_name = "POST",
                             .content_type = "application/json",
                             .remote_address = std::move(address),
                             .body = std::move(body)};
    }

    // What the server does with the handler's answer: runs deferred work, here inline.
    http::Response register_user(const http::Request& request, bool* deferred = nullptr) {
        http::Response r = handler_.register_user(request);
        if (deferred != nullptr) *deferred = static_cast<bool>(r.deferred);
        return r.deferred ? r.deferred() : r;
    }

    fakes::FixedClock clock_;
    fakes::InMemoryUserRepository repository_;
    passwords::Argon2idHasher hasher_{passwords::Argon2idParams{.ops_limit = 1, .mem_limit = 8192}};
    users::UserService users_{repository_, hasher_, clock_};
    storage::memory::MemoryThrottleStore throttle_store_;
    // Three attempts per minute per address (the login's address rate); the failure rates are
    // not a registration's business.
    LoginThrottle throttle_{throttle_store_,
                            LoginRates{.per_address = Rate{3, std::chrono::seconds{60}}}, clock_};
    RegistrationHandler handler_{users_, throttle_, 0};
};

TEST_F(RegistrationHandlerTest, CreatesTheAccountInDeferredWork) {
    bool deferred = false;
    const http::Response r = register_user(
        post(R"({"username":"carol","password":"correct-horse-battery"})"), &deferred);
    EXPECT_TRUE(deferred);  // the Argon2id hash is not done on the calling (I/O) thread
    EXPECT_EQ(r.status, 201);
    EXPECT_EQ(r.body, R"({"id":2,"username":"carol"})");
    EXPECT_TRUE(users_.login("carol", "correct-horse-battery").has_value());
}

TEST_F(RegistrationHandlerTest, StoresTheNfkcFormAndAnswersIt) {
    // fullwidth ｃａｒｏｌ
    const http::Response r = register_user(
        post("{\"username\":\"\xef\xbd\x83\xef\xbd\x81\xef\xbd\x92\xef\xbd\x8f\xef\xbd\x8c\","
             "\"password\":\"correct-horse-battery\"}"));
    EXPECT_EQ(r.status, 201);
    EXPECT_EQ(r.body, R"({"id":2,"username":"carol"})");
}

TEST_F(RegistrationHandlerTest, FieldErrorsAreAnsweredAtOnce) {
    bool deferred = true;
    const http::Response r = register_user(post("{}"), &deferred);
    EXPECT_FALSE(deferred);
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.body,
              R"({"username":["This field is required."],"password":["This field is required."]})");
}

TEST_F(RegistrationHandlerTest, UsernameValidatorComesBeforeTheLengthAndNul) {
    const http::Response r = register_user(post(R"({"username":"a b\u0000","password":"x"})"));
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.body,
              R"({"username":["Enter a valid username. This value may contain only letters, )"
              R"(numbers, and @/./+/-/_ characters.","Null characters are not allowed."]})");
}

TEST_F(RegistrationHandlerTest, TakenNameComesBeforeThePasswordsErrors) {
    const http::Response r = register_user(post(R"({"username":"alice","password":""})"));
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.body, R"({"username":["A user with that username already exists."],)"
                      R"("password":["This field may not be blank."]})");
}

TEST_F(RegistrationHandlerTest, PasswordValidatorsRunOnceTheFieldsAreValid) {
    const http::Response r = register_user(post(R"({"username":"bob","password":"bob"})"));
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.body, R"({"password":["The password is too similar to the username.",)"
                      R"("This password is too short. It must contain at least 8 characters.",)"
                      R"("This password is too common."]})");
    EXPECT_FALSE(users_.username_taken("bob"));
}

TEST_F(RegistrationHandlerTest, ANameTakenMeanwhileIsTheUniqueError) {
    http::Response first = handler_.register_user(
        post(R"({"username":"dave","password":"zebra-quilt-91"})", "10.0.0.2"));
    http::Response second = handler_.register_user(
        post(R"({"username":"dave","password":"zebra-quilt-92"})", "10.0.0.3"));
    ASSERT_TRUE(first.deferred && second.deferred);  // both passed the uniqueness check
    EXPECT_EQ(first.deferred().status, 201);
    const http::Response r = second.deferred();
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.body, R"({"username":["A user with that username already exists."]})");
}

TEST_F(RegistrationHandlerTest, CountsAsALoginAttemptOfTheAddress) {
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(register_user(post("{}", "10.0.0.9")).status, 400);
    }
    const http::Response r = register_user(post("{}", "10.0.0.9"));
    EXPECT_EQ(r.status, 429);
    EXPECT_EQ(r.body, R"({"detail":"Request was throttled. Expected available in 60 seconds."})");
    // the address's login attempts are the same count
    EXPECT_FALSE(throttle_.check_address("10.0.0.9").has_value());
    EXPECT_EQ(register_user(post("{}", "10.0.0.8")).status, 400);
}

}  // namespace
}  // namespace taskapi::auth
