#include "auth/login_throttle.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "fakes/fixed_clock.hpp"
#include "storage/memory/memory_throttle_store.hpp"

namespace taskapi::auth {
namespace {

using std::chrono::seconds;

class LoginThrottleTest : public ::testing::Test {
protected:
    fakes::FixedClock clock_;
    storage::memory::MemoryThrottleStore store_;
    LoginThrottle throttle_{store_,
                            LoginRates{.per_address = Rate{3, seconds{60}},
                                       .failures_per_username_address = Rate{2, seconds{60}},
                                       .failures_per_username = Rate{3, seconds{3600}},
                                       .trusted_address_period = seconds{86400}},
                            clock_};

    bool reserved(const char* username, const char* address) {
        return throttle_.reserve_failure(username, address).has_value();
    }
    // A login that succeeds.
    void succeed(const char* username, const char* address) {
        auto r = throttle_.reserve_failure(username, address);
        ASSERT_TRUE(r.has_value());
        throttle_.succeeded(*r);
    }
};

TEST_F(LoginThrottleTest, CountsEveryAttemptOfAnAddress) {
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(throttle_.check_address("192.0.2.1")) << i;
    const auto refused = throttle_.check_address("192.0.2.1");
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, core::ErrorCode::kRateLimited);
    EXPECT_EQ(refused.error().message, "Request was throttled. Expected available in 60 seconds.");
    EXPECT_EQ(refused.error().retry_after_seconds, 60);
    EXPECT_TRUE(throttle_.check_address("192.0.2.2"));
}

TEST_F(LoginThrottleTest, CountsFailuresPerUsernameAndAddress) {
    EXPECT_TRUE(reserved("alice", "192.0.2.1"));
    EXPECT_TRUE(reserved("alice", "192.0.2.1"));
    const auto refused = throttle_.reserve_failure("alice", "192.0.2.1");
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().retry_after_seconds, 60);
    EXPECT_TRUE(reserved("alice", "192.0.2.2"));  // the owner elsewhere
    EXPECT_TRUE(reserved("bob", "192.0.2.1"));
}

TEST_F(LoginThrottleTest, ASuccessGivesItsReservationBack) {
    for (int i = 0; i < 10; ++i) succeed("alice", "192.0.2.1");
    EXPECT_TRUE(reserved("alice", "192.0.2.1"));
    EXPECT_TRUE(reserved("alice", "192.0.2.1"));
    EXPECT_FALSE(reserved("alice", "192.0.2.1"));
}

TEST_F(LoginThrottleTest, FailuresFromEveryAddressMeetTheUsernameCeiling) {
    EXPECT_TRUE(reserved("alice", "192.0.2.1"));
    EXPECT_TRUE(reserved("alice", "192.0.2.2"));
    EXPECT_TRUE(reserved("alice", "192.0.2.3"));
    const auto refused = throttle_.reserve_failure("alice", "192.0.2.4");
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().retry_after_seconds, 3600);
    EXPECT_TRUE(reserved("bob", "192.0.2.4"));
}

TEST_F(LoginThrottleTest, AnAddressWithARecentSuccessIsExemptFromTheCeiling) {
    succeed("alice", "198.51.100.7");
    for (const char* a : {"192.0.2.1", "192.0.2.2", "192.0.2.3"}) EXPECT_TRUE(reserved("alice", a));
    EXPECT_FALSE(reserved("alice", "192.0.2.4"));
    // Still limited by its own failures, though.
    EXPECT_TRUE(reserved("alice", "198.51.100.7"));
    EXPECT_TRUE(reserved("alice", "198.51.100.7"));
    EXPECT_FALSE(reserved("alice", "198.51.100.7"));
    // The exemption is the username's only.
    EXPECT_TRUE(reserved("bob", "198.51.100.7"));
}

TEST_F(LoginThrottleTest, TheExemptionEndsAfterTheTrustedPeriod) {
    succeed("alice", "198.51.100.7");
    clock_.advance(seconds{86400});
    for (const char* a : {"192.0.2.1", "192.0.2.2", "192.0.2.3"}) EXPECT_TRUE(reserved("alice", a));
    EXPECT_FALSE(reserved("alice", "198.51.100.7"));
}

TEST_F(LoginThrottleTest, ARefusalByTheCeilingCountsNothing) {
    LoginThrottle throttle{store_,
                           LoginRates{.failures_per_username_address = Rate{1, seconds{60}},
                                      .failures_per_username = Rate{1, seconds{3600}}},
                           clock_};
    auto first = throttle.reserve_failure("alice", "192.0.2.1");
    ASSERT_TRUE(first);
    EXPECT_FALSE(throttle.reserve_failure("alice", "192.0.2.2"));  // the ceiling
    throttle.succeeded(*first);
    // Had the refused attempt counted toward 192.0.2.2's own rate (1), this would be refused.
    EXPECT_TRUE(throttle.reserve_failure("alice", "192.0.2.2"));
}

TEST_F(LoginThrottleTest, ConcurrentReservationsNeverOvershoot) {
    // Reserving before the password is checked: all of them count at once.
    int granted = 0;
    for (int i = 0; i < 10; ++i) granted += reserved("carol", "192.0.2.9") ? 1 : 0;
    EXPECT_EQ(granted, 2);
}

TEST_F(LoginThrottleTest, OffMeansNoLimit) {
    LoginThrottle throttle{store_, LoginRates{}, clock_};
    for (int i = 0; i < 100; ++i) {
        EXPECT_TRUE(throttle.check_address("192.0.2.1"));
        EXPECT_TRUE(throttle.reserve_failure("alice", "192.0.2.1"));
    }
    EXPECT_EQ(store_.size(), 0u);
}

TEST_F(LoginThrottleTest, AddressesAndUsernamesDoNotRunTogether) {
    // ("x", "192.0.2.1") and ("1x", "192.0.2.") are different pairs, run together or not.
    EXPECT_TRUE(reserved("x", "192.0.2.1"));
    EXPECT_TRUE(reserved("x", "192.0.2.1"));
    EXPECT_TRUE(reserved("1x", "192.0.2."));
}

}  // namespace
}  // namespace taskapi::auth

namespace taskapi::auth {
namespace {

using std::chrono::seconds;

// A window of one second passing, on the fake clock (tests/adversarial used to sleep for it).
TEST(LoginThrottleWindow, APerSecondWindowPassesAndSaysOneSecond) {
    fakes::FixedClock clock;
    storage::memory::MemoryThrottleStore store;
    LoginThrottle throttle(store, LoginRates{.per_address = Rate{2, seconds{1}}}, clock);
    EXPECT_TRUE(throttle.check_address("192.0.2.1"));
    EXPECT_TRUE(throttle.check_address("192.0.2.1"));
    const auto refused = throttle.check_address("192.0.2.1");
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().message, "Request was throttled. Expected available in 1 second.");
    EXPECT_EQ(refused.error().retry_after_seconds, 1);
    clock.advance(std::chrono::milliseconds{999});
    EXPECT_FALSE(throttle.check_address("192.0.2.1"));
    clock.advance(std::chrono::milliseconds{2});
    EXPECT_TRUE(throttle.check_address("192.0.2.1"));
}

TEST(LoginThrottleWindow, TheFailureWindowOfAUsernamePassesToo) {
    fakes::FixedClock clock;
    storage::memory::MemoryThrottleStore store;
    LoginThrottle throttle(store, LoginRates{.failures_per_username_address = Rate{1, seconds{1}}},
                           clock);
    EXPECT_TRUE(throttle.reserve_failure("alice", "192.0.2.1"));
    EXPECT_FALSE(throttle.reserve_failure("alice", "192.0.2.1"));
    clock.advance(seconds{1});
    EXPECT_TRUE(throttle.reserve_failure("alice", "192.0.2.1"));
}

TEST(ParseRate, ReadsDrfsSpellings) {
    const std::pair<const char*, Rate> cases[] = {
        {"2/s", {2, seconds{1}}},
        {"2/sec", {2, seconds{1}}},
        {"2/second", {2, seconds{1}}},
        {"3/seconds", {3, seconds{1}}},
        {"20/m", {20, seconds{60}}},
        {"20/min", {20, seconds{60}}},
        {"20/minute", {20, seconds{60}}},
        {"20/MIN", {20, seconds{60}}},
        {"5/h", {5, seconds{3600}}},
        {"5/hour", {5, seconds{3600}}},
        {"7/d", {7, seconds{86400}}},
        {"7/day", {7, seconds{86400}}},
        {"1000000/day", {1000000, seconds{86400}}},
        {" 10 /min", {10, seconds{60}}}};  // Python's int() allows the blanks too
    for (const auto& [text, expected] : cases) {
        const auto rate = parse_rate(text);
        ASSERT_TRUE(rate.has_value()) << text;
        EXPECT_EQ(*rate, expected) << text;
    }
    for (const char* off : {"off", "OFF", "none"}) {
        const auto rate = parse_rate(off);
        ASSERT_TRUE(rate.has_value()) << off;
        EXPECT_EQ(*rate, std::nullopt) << off;
    }
}

TEST(ParseRate, RefusesWhatDrfWouldMisread) {
    for (const char* text : {"", "10", "10/", "/min", "10/week", "1000/month", "-1/min", "0/min",
                             "1.5/min", "10/min/x", "1000001/min", "99999999999999999999/min"}) {
        const auto rate = parse_rate(text);
        ASSERT_FALSE(rate.has_value()) << text;
        EXPECT_EQ(rate.error().code, core::ErrorCode::kInvalidArgument) << text;
    }
}

}  // namespace
}  // namespace taskapi::auth
