// One typed suite over every auth::ThrottleStore: this process's memory (SQLite deployments)
// and the PostgreSQL table every process shares. Both must throttle alike.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "fakes/fixed_clock.hpp"
#include "postgres_test_database.hpp"
#include "storage/memory/memory_throttle_store.hpp"
#include "storage/open_storage.hpp"

namespace taskapi::storage {
namespace {

using std::chrono::seconds;

constexpr auth::Rate kTwoPerMinute{2, seconds{60}};
constexpr auth::Rate kOnePerSecond{1, seconds{1}};

class MemoryStore {
public:
    static constexpr const char* kName = "Memory";
    static bool available() { return true; }
    auth::ThrottleStore& store() { return store_; }

private:
    memory::MemoryThrottleStore store_;
};

class PostgresStore {
public:
    static constexpr const char* kName = "Postgres";
    static bool available() { return testing::postgres_test_url().has_value(); }
    PostgresStore() {
        if (!available()) return;
        schema_ = std::make_unique<testing::PostgresTestSchema>();
        storage_ = schema_->open();
        storage_->migrate();
    }
    auth::ThrottleStore& store() { return storage_->throttles(); }

private:
    std::unique_ptr<testing::PostgresTestSchema> schema_;
    std::unique_ptr<Storage> storage_;
};

struct StoreNames {
    template <typename T>
    static std::string GetName(int) {
        return T::kName;
    }
};

template <typename Backend>
class ThrottleStoreConformance : public ::testing::Test {
protected:
    void SetUp() override {
        if (!Backend::available()) {
            GTEST_SKIP() << "TASKAPI_TEST_POSTGRES_URL is not set (ctest runs these as "
                            "storage.postgres, on a throwaway server)";
        }
    }
    auth::ThrottleStore& store() { return backend_.store(); }

    Backend backend_;
    fakes::FixedClock clock_;
};

using Stores = ::testing::Types<MemoryStore, PostgresStore>;
TYPED_TEST_SUITE(ThrottleStoreConformance, Stores, StoreNames);

TYPED_TEST(ThrottleStoreConformance, AllowsTheRateThenAnswersDrfsWait) {
    auto& clock = this->clock_;
    EXPECT_FALSE(this->store().hit("k", kTwoPerMinute, clock.now()));
    clock.advance(seconds{15});
    EXPECT_FALSE(this->store().hit("k", kTwoPerMinute, clock.now()));
    clock.advance(seconds{15});
    // The oldest hit leaves the window in 30 s; one slot would then be free.
    const auto wait = this->store().hit("k", kTwoPerMinute, clock.now());
    ASSERT_TRUE(wait);
    EXPECT_DOUBLE_EQ(*wait, 30.0);
    clock.advance(std::chrono::microseconds{29999999});
    const auto almost = this->store().hit("k", kTwoPerMinute, clock.now());
    ASSERT_TRUE(almost);
    EXPECT_DOUBLE_EQ(*almost, 0.000001);
    clock.advance(std::chrono::microseconds{1});
    EXPECT_FALSE(this->store().hit("k", kTwoPerMinute, clock.now()));
}

TYPED_TEST(ThrottleStoreConformance, TheWaitIsSpreadOverTheFreeSlots) {
    const auth::Rate three_per_minute{3, seconds{60}};
    auto& clock = this->clock_;
    for (int i = 0; i < 3; ++i) EXPECT_FALSE(this->store().hit("k", three_per_minute, clock.now()));
    clock.advance(seconds{20});
    const auto wait = this->store().hit("k", three_per_minute, clock.now());
    ASSERT_TRUE(wait);
    EXPECT_DOUBLE_EQ(*wait, 40.0);
}

TYPED_TEST(ThrottleStoreConformance, KeysAreCountedApart) {
    const auto now = this->clock_.now();
    EXPECT_FALSE(this->store().hit("a", kOnePerSecond, now));
    EXPECT_TRUE(this->store().hit("a", kOnePerSecond, now));
    EXPECT_FALSE(this->store().hit("b", kOnePerSecond, now));
    EXPECT_FALSE(this->store().hit("A", kOnePerSecond, now));
}

TYPED_TEST(ThrottleStoreConformance, KeysAreAnyBytes) {
    const auto now = this->clock_.now();
    const std::string with_nul("login:failures:1.2.3.4\nbo\0b", 28);
    const std::string not_utf8 = "login:failures:1.2.3.4\n\xff\xfe";
    EXPECT_FALSE(this->store().hit(with_nul, kOnePerSecond, now));
    EXPECT_FALSE(this->store().hit(not_utf8, kOnePerSecond, now));
    EXPECT_FALSE(this->store().hit("login:failures:1.2.3.4\nbo", kOnePerSecond, now));
    EXPECT_TRUE(this->store().hit(with_nul, kOnePerSecond, now));
    EXPECT_TRUE(this->store().hit(not_utf8, kOnePerSecond, now));
}

TYPED_TEST(ThrottleStoreConformance, TheWindowHoldsWhenTheClockStepsBack) {
    auto& clock = this->clock_;
    EXPECT_FALSE(this->store().hit("k", kTwoPerMinute, clock.now()));
    clock.advance(seconds{-10});
    EXPECT_FALSE(this->store().hit("k", kTwoPerMinute, clock.now()));
    EXPECT_TRUE(this->store().hit("k", kTwoPerMinute, clock.now()));
    clock.advance(seconds{61});  // the earlier of the two hits (10 s before the first) is gone
    EXPECT_FALSE(this->store().hit("k", kTwoPerMinute, clock.now()));
}

TYPED_TEST(ThrottleStoreConformance, ARefundedHitFreesItsSlot) {
    auto& clock = this->clock_;
    const auto first = clock.now();
    EXPECT_FALSE(this->store().hit("k", kTwoPerMinute, first));
    clock.advance(seconds{1});
    EXPECT_FALSE(this->store().hit("k", kTwoPerMinute, clock.now()));
    EXPECT_TRUE(this->store().hit("k", kTwoPerMinute, clock.now()));
    this->store().refund("k", first);
    EXPECT_FALSE(this->store().hit("k", kTwoPerMinute, clock.now()));
    EXPECT_TRUE(this->store().hit("k", kTwoPerMinute, clock.now()));
}

TYPED_TEST(ThrottleStoreConformance, ARefundTakesBackOneOfEqualHits) {
    const auth::Rate three_per_minute{3, seconds{60}};
    const auto now = this->clock_.now();
    for (int i = 0; i < 3; ++i) EXPECT_FALSE(this->store().hit("k", three_per_minute, now));
    this->store().refund("k", now);
    EXPECT_FALSE(this->store().hit("k", three_per_minute, now));
    EXPECT_TRUE(this->store().hit("k", three_per_minute, now));
}

TYPED_TEST(ThrottleStoreConformance, RefundingWhatIsGoneChangesNothing) {
    const auto now = this->clock_.now();
    this->store().refund("missing", now);
    EXPECT_FALSE(this->store().remembers("missing", now));
    EXPECT_FALSE(this->store().hit("k", kOnePerSecond, now));
    this->store().refund("k", now - seconds{5});  // never recorded
    EXPECT_TRUE(this->store().hit("k", kOnePerSecond, now));
}

TYPED_TEST(ThrottleStoreConformance, RemembersUntilTheGivenTime) {
    auto& clock = this->clock_;
    EXPECT_FALSE(this->store().remembers("k", clock.now()));
    this->store().remember("k", clock.now() + seconds{10}, clock.now());
    clock.advance(seconds{9});
    EXPECT_TRUE(this->store().remembers("k", clock.now()));
    // A later call may extend it, never shorten it.
    this->store().remember("k", clock.now() + seconds{5}, clock.now());
    this->store().remember("k", clock.now() + seconds{1}, clock.now());
    clock.advance(seconds{4});
    EXPECT_TRUE(this->store().remembers("k", clock.now()));
    clock.advance(seconds{1});
    EXPECT_FALSE(this->store().remembers("k", clock.now()));
    EXPECT_FALSE(this->store().remembers("other", clock.now()));
}

}  // namespace
}  // namespace taskapi::storage
