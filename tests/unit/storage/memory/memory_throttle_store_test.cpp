#include "storage/memory/memory_throttle_store.hpp"

#include <gtest/gtest.h>

#include <chrono>

#include "fakes/fixed_clock.hpp"

namespace taskapi::storage::memory {
namespace {

using std::chrono::seconds;

constexpr auth::Rate kTwoPerMinute{2, seconds{60}};
constexpr auth::Rate kOnePerSecond{1, seconds{1}};

TEST(MemoryThrottleStore, AllowsTheRateThenAnswersDrfsWait) {
    fakes::FixedClock clock;
    MemoryThrottleStore store;
    EXPECT_FALSE(store.hit("k", kTwoPerMinute, clock.now()));
    clock.advance(seconds{15});
    EXPECT_FALSE(store.hit("k", kTwoPerMinute, clock.now()));
    clock.advance(seconds{15});
    // The oldest hit leaves the window in 30 s; one slot would then be free.
    const auto wait = store.hit("k", kTwoPerMinute, clock.now());
    ASSERT_TRUE(wait);
    EXPECT_DOUBLE_EQ(*wait, 30.0);
    clock.advance(seconds{30});
    EXPECT_FALSE(store.hit("k", kTwoPerMinute, clock.now()));
}

TEST(MemoryThrottleStore, KeysAreCountedApart) {
    fakes::FixedClock clock;
    MemoryThrottleStore store;
    EXPECT_FALSE(store.hit("a", kOnePerSecond, clock.now()));
    EXPECT_TRUE(store.hit("a", kOnePerSecond, clock.now()));
    EXPECT_FALSE(store.hit("b", kOnePerSecond, clock.now()));
}

TEST(MemoryThrottleStore, ExpiredKeysAreSweptByTime) {
    fakes::FixedClock clock;
    MemoryThrottleStore store({.max_entries = 100, .sweep_interval = seconds{10}});
    for (const char* key : {"a", "b", "c"})
        EXPECT_FALSE(store.hit(key, kOnePerSecond, clock.now()));
    EXPECT_EQ(store.size(), 3u);
    // Expired, but the sweep interval has not passed yet.
    clock.advance(seconds{5});
    EXPECT_FALSE(store.hit("d", kOnePerSecond, clock.now()));
    EXPECT_EQ(store.size(), 4u);
    clock.advance(seconds{6});
    EXPECT_FALSE(store.hit("e", kOnePerSecond, clock.now()));
    EXPECT_EQ(store.size(), 1u);
}

TEST(MemoryThrottleStore, LiveKeysSurviveASweep) {
    fakes::FixedClock clock;
    MemoryThrottleStore store({.max_entries = 100, .sweep_interval = seconds{1}});
    EXPECT_FALSE(store.hit("minute", kTwoPerMinute, clock.now()));
    EXPECT_FALSE(store.hit("minute", kTwoPerMinute, clock.now()));
    EXPECT_FALSE(store.hit("second", kOnePerSecond, clock.now()));
    clock.advance(seconds{2});
    EXPECT_FALSE(store.hit("other", kOnePerSecond, clock.now()));
    EXPECT_EQ(store.size(), 2u);
    EXPECT_TRUE(store.hit("minute", kTwoPerMinute, clock.now()));
}

TEST(MemoryThrottleStore, AFullStoreForgetsTheLeastRecentlyUsedKey) {
    fakes::FixedClock clock;
    MemoryThrottleStore store({.max_entries = 3, .sweep_interval = seconds{3600}});
    for (const char* key : {"a", "b", "c"})
        EXPECT_FALSE(store.hit(key, kTwoPerMinute, clock.now()));
    EXPECT_FALSE(store.hit("a", kTwoPerMinute, clock.now()));  // a is now the most recent
    EXPECT_FALSE(store.hit("d", kTwoPerMinute, clock.now()));  // b goes
    EXPECT_EQ(store.size(), 3u);
    EXPECT_TRUE(store.hit("a", kTwoPerMinute, clock.now()));   // a kept both hits
    EXPECT_FALSE(store.hit("b", kTwoPerMinute, clock.now()));  // b starts again (c goes)
    EXPECT_FALSE(store.hit("b", kTwoPerMinute, clock.now()));
    EXPECT_TRUE(store.hit("b", kTwoPerMinute, clock.now()));
    EXPECT_EQ(store.size(), 3u);
}

TEST(MemoryThrottleStore, AFullStoreSweepsBeforeItEvicts) {
    fakes::FixedClock clock;
    MemoryThrottleStore store({.max_entries = 2, .sweep_interval = seconds{3600}});
    EXPECT_FALSE(store.hit("long", kTwoPerMinute, clock.now()));
    EXPECT_FALSE(store.hit("long", kTwoPerMinute, clock.now()));
    EXPECT_FALSE(store.hit("short", kOnePerSecond, clock.now()));
    clock.advance(seconds{2});
    // "long" is the least recently used, but the expired "short" makes room.
    EXPECT_FALSE(store.hit("new", kOnePerSecond, clock.now()));
    EXPECT_EQ(store.size(), 2u);
    EXPECT_TRUE(store.hit("long", kTwoPerMinute, clock.now()));
}

TEST(MemoryThrottleStore, TheWindowHoldsWhenTheClockStepsBack) {
    fakes::FixedClock clock;
    MemoryThrottleStore store;
    EXPECT_FALSE(store.hit("k", kTwoPerMinute, clock.now()));
    clock.advance(seconds{-10});
    EXPECT_FALSE(store.hit("k", kTwoPerMinute, clock.now()));
    EXPECT_TRUE(store.hit("k", kTwoPerMinute, clock.now()));
    clock.advance(seconds{61});  // the earlier of the two hits (10 s before the first) is gone
    EXPECT_FALSE(store.hit("k", kTwoPerMinute, clock.now()));
}

}  // namespace
}  // namespace taskapi::storage::memory

namespace taskapi::storage::memory {
namespace {

TEST(MemoryThrottleStore, ARefundedHitFreesItsSlot) {
    fakes::FixedClock clock;
    MemoryThrottleStore store;
    const auto first = clock.now();
    EXPECT_FALSE(store.hit("k", kTwoPerMinute, first));
    clock.advance(seconds{1});
    EXPECT_FALSE(store.hit("k", kTwoPerMinute, clock.now()));
    EXPECT_TRUE(store.hit("k", kTwoPerMinute, clock.now()));
    store.refund("k", first);
    EXPECT_FALSE(store.hit("k", kTwoPerMinute, clock.now()));
    EXPECT_TRUE(store.hit("k", kTwoPerMinute, clock.now()));
}

TEST(MemoryThrottleStore, RefundingWhatIsGoneChangesNothing) {
    fakes::FixedClock clock;
    MemoryThrottleStore store;
    store.refund("missing", clock.now());
    EXPECT_EQ(store.size(), 0u);
    EXPECT_FALSE(store.hit("k", kOnePerSecond, clock.now()));
    store.refund("k", clock.now() - seconds{5});  // never recorded
    EXPECT_TRUE(store.hit("k", kOnePerSecond, clock.now()));
}

TEST(MemoryThrottleStore, RemembersUntilTheGivenTime) {
    fakes::FixedClock clock;
    MemoryThrottleStore store({.max_entries = 10, .sweep_interval = seconds{1}});
    EXPECT_FALSE(store.remembers("k", clock.now()));
    EXPECT_EQ(store.size(), 0u);  // asking creates nothing
    store.remember("k", clock.now() + seconds{10}, clock.now());
    clock.advance(seconds{9});
    EXPECT_TRUE(store.remembers("k", clock.now()));
    clock.advance(seconds{1});
    EXPECT_FALSE(store.remembers("k", clock.now()));
    EXPECT_FALSE(store.hit("other", kOnePerSecond, clock.now()));  // the sweep drops "k"
    EXPECT_EQ(store.size(), 1u);
}

}  // namespace
}  // namespace taskapi::storage::memory
