#include "http/connection_table.hpp"

#include <gtest/gtest.h>

namespace taskapi::http {
namespace {

using Id = ConnectionTable::Id;

Id admitted(ConnectionTable& table, std::string_view address) {
    const auto a = table.admit(address);
    EXPECT_TRUE(a.admitted);
    EXPECT_FALSE(a.evicted);
    return a.id;
}

TEST(ConnectionTable, AdmitsUpToTheCapsAndCountsPerAddress) {
    ConnectionTable table({.total = 3, .per_address = 2});
    admitted(table, "a");
    admitted(table, "b");
    admitted(table, "a");
    EXPECT_EQ(table.size(), 3u);
    EXPECT_EQ(table.count_of("a"), 2u);
    EXPECT_EQ(table.count_of("b"), 1u);
    EXPECT_EQ(table.count_of("c"), 0u);
}

TEST(ConnectionTable, NewConnectionsStartIdle) {
    ConnectionTable table({.total = 10, .per_address = 0});
    const Id id = admitted(table, "a");
    EXPECT_EQ(table.idle_count(), 1u);
    EXPECT_TRUE(table.set_busy(id));
    EXPECT_EQ(table.idle_count(), 0u);
}

TEST(ConnectionTable, AtTheTotalCapTheLongestIdleMakesRoom) {
    ConnectionTable table({.total = 3, .per_address = 0});
    const Id first = admitted(table, "a");
    const Id second = admitted(table, "b");
    const Id third = admitted(table, "c");
    ASSERT_TRUE(table.set_busy(first));
    ASSERT_TRUE(table.set_busy(second));
    ASSERT_TRUE(table.set_busy(third));
    table.set_idle(second);  // idle longest
    table.set_idle(first);
    const auto a = table.admit("d");
    EXPECT_TRUE(a.admitted);
    EXPECT_EQ(a.evicted, second);
    EXPECT_EQ(table.size(), 3u);
    EXPECT_FALSE(table.set_busy(second)) << "an evicted connection must close";
    EXPECT_EQ(table.count_of("b"), 0u);
}

TEST(ConnectionTable, AtTheTotalCapWithNothingIdleANewConnectionIsRefused) {
    ConnectionTable table({.total = 2, .per_address = 0});
    ASSERT_TRUE(table.set_busy(admitted(table, "a")));
    ASSERT_TRUE(table.set_busy(admitted(table, "b")));
    const auto a = table.admit("c");
    EXPECT_FALSE(a.admitted);
    EXPECT_FALSE(a.address_full);
    EXPECT_FALSE(a.evicted);
    EXPECT_EQ(table.size(), 2u);
}

TEST(ConnectionTable, AtAnAddressCapItsOwnLongestIdleMakesRoom) {
    ConnectionTable table({.total = 100, .per_address = 2});
    const Id other = admitted(table, "b");  // idle longest of all, but another address
    const Id a1 = admitted(table, "a");
    const Id a2 = admitted(table, "a");
    const auto a = table.admit("a");
    EXPECT_TRUE(a.admitted);
    EXPECT_EQ(a.evicted, a1);
    EXPECT_EQ(table.count_of("a"), 2u);
    EXPECT_TRUE(table.set_busy(other));
    EXPECT_TRUE(table.set_busy(a2));
}

TEST(ConnectionTable, AtAnAddressCapWithNothingIdleANewConnectionIsRefused) {
    ConnectionTable table({.total = 100, .per_address = 2});
    ASSERT_TRUE(table.set_busy(admitted(table, "a")));
    ASSERT_TRUE(table.set_busy(admitted(table, "a")));
    admitted(table, "b");  // idle, but it is not the address's to give
    const auto a = table.admit("a");
    EXPECT_FALSE(a.admitted);
    EXPECT_TRUE(a.address_full);
    EXPECT_EQ(table.size(), 3u);
}

TEST(ConnectionTable, ZeroPerAddressMeansNoAddressCap) {
    ConnectionTable table({.total = 1000, .per_address = 0});
    for (int i = 0; i < 1000; ++i) admitted(table, "a");
    EXPECT_EQ(table.count_of("a"), 1000u);
}

TEST(ConnectionTable, RemovingFreesThePlaceAndForgetsEmptyAddresses) {
    ConnectionTable table({.total = 1, .per_address = 1});
    const Id id = admitted(table, "a");
    ASSERT_TRUE(table.set_busy(id));
    table.remove(id);
    table.remove(id);  // twice, or after an eviction: ignored
    EXPECT_EQ(table.size(), 0u);
    EXPECT_EQ(table.count_of("a"), 0u);
    admitted(table, "b");
}

TEST(ConnectionTable, EvictIdleTakesTheLongestIdleFirst) {
    ConnectionTable table({.total = 10, .per_address = 0});
    const Id a = admitted(table, "a");
    const Id b = admitted(table, "b");
    const Id c = admitted(table, "c");
    ASSERT_TRUE(table.set_busy(a));
    table.set_idle(a);  // now the most recently idle
    EXPECT_EQ(table.evict_idle(2), (std::vector<Id>{b, c}));
    EXPECT_EQ(table.evict_idle(5), (std::vector<Id>{a}));
    EXPECT_TRUE(table.evict_idle(5).empty());
    EXPECT_EQ(table.size(), 0u);
}

TEST(ConnectionTable, SetIdleTwiceKeepsTheFirstPlaceInLine) {
    ConnectionTable table({.total = 10, .per_address = 0});
    const Id a = admitted(table, "a");
    const Id b = admitted(table, "b");
    table.set_idle(a);
    EXPECT_EQ(table.evict_idle(1), (std::vector<Id>{a}));
    EXPECT_EQ(table.evict_idle(1), (std::vector<Id>{b}));
}

}  // namespace
}  // namespace taskapi::http
