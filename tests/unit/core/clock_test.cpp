#include "core/clock.hpp"

#include <gtest/gtest.h>

#include <chrono>

#include "fakes/fixed_clock.hpp"

namespace taskapi::core {
namespace {

using fakes::make_timestamp;

TEST(FormatIso8601, WritesMicrosecondsWhenThereAreAny) {
    EXPECT_EQ(format_iso8601(make_timestamp(2026, 11, 26, 17, 20, 5, 123456)),
              "2026-11-26T17:20:05.123456Z");
}

TEST(FormatIso8601, PadsTheFractionToSixDigits) {
    EXPECT_EQ(format_iso8601(make_timestamp(2026, 1, 2, 3, 4, 5, 7)),
              "2026-01-02T03:04:05.000007Z");
    EXPECT_EQ(format_iso8601(make_timestamp(2026, 1, 2, 3, 4, 5, 100000)),
              "2026-01-02T03:04:05.100000Z");
}

TEST(FormatIso8601, WritesEachPairOfDigitsInItsPlace) {
    EXPECT_EQ(format_iso8601(make_timestamp(2026, 11, 26, 12, 34, 56, 789012)),
              "2026-11-26T12:34:56.789012Z");
    EXPECT_EQ(format_iso8601(make_timestamp(2026, 11, 26, 9, 8, 7, 60504)),
              "2026-11-26T09:08:07.060504Z");
}

TEST(FormatIso8601, LeavesTheFractionOutWhenItIsZero) {
    EXPECT_EQ(format_iso8601(make_timestamp(2026, 11, 26, 17, 20, 5)), "2026-11-26T17:20:05Z");
}

TEST(FormatIso8601, WritesTheEpochAndMidnight) {
    EXPECT_EQ(format_iso8601(Timestamp{}), "1970-01-01T00:00:00Z");
    EXPECT_EQ(format_iso8601(make_timestamp(2000, 2, 29)), "2000-02-29T00:00:00Z");
    EXPECT_EQ(format_iso8601(make_timestamp(1999, 12, 31, 23, 59, 59, 999999)),
              "1999-12-31T23:59:59.999999Z");
}

TEST(ToUnixSeconds, CountsWholeSecondsSinceTheEpoch) {
    EXPECT_EQ(to_unix_seconds(Timestamp{}), 0);
    EXPECT_EQ(to_unix_seconds(make_timestamp(2026, 11, 26, 17, 20, 5)), 1795713605);
}

TEST(ToUnixSeconds, DropsTheFraction) {
    EXPECT_EQ(to_unix_seconds(make_timestamp(2026, 11, 26, 17, 20, 5, 999999)), 1795713605);
}

TEST(ToUnixSeconds, RoundsDownBeforeTheEpoch) {
    EXPECT_EQ(to_unix_seconds(Timestamp{} - std::chrono::microseconds{1}), -1);
}

TEST(SystemClock, IsCloseToTheSystemTime) {
    const auto before = std::chrono::system_clock::now();
    const Timestamp now = SystemClock{}.now();
    const auto after = std::chrono::system_clock::now();
    EXPECT_GE(now, std::chrono::floor<std::chrono::microseconds>(before));
    EXPECT_LE(now, after);
}

TEST(FixedClock, ReturnsTheInstantItWasSetToAndAdvances) {
    fakes::FixedClock clock(make_timestamp(2026, 1, 1));
    EXPECT_EQ(clock.now(), make_timestamp(2026, 1, 1));
    clock.advance(std::chrono::seconds{90});
    EXPECT_EQ(clock.now(), make_timestamp(2026, 1, 1, 0, 1, 30));
    clock.set(make_timestamp(2030, 5, 6));
    EXPECT_EQ(clock.now(), make_timestamp(2030, 5, 6));
}

}  // namespace
}  // namespace taskapi::core
