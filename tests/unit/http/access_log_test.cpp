#include "http/access_log.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace taskapi::http {
namespace {

TEST(RequestId, SaneIsOneTo128VisibleAsciiCharacters) {
    EXPECT_TRUE(is_sane_request_id("a"));
    EXPECT_TRUE(is_sane_request_id(std::string(128, 'x')));
    EXPECT_TRUE(is_sane_request_id("0f8fad5b-d9cb-469f-a165-70867728950e"));
    EXPECT_TRUE(is_sane_request_id("!\"#~{}\\"));
    EXPECT_FALSE(is_sane_request_id(""));
    EXPECT_FALSE(is_sane_request_id(std::string(129, 'x')));
    for (const char* insane : {"a b", "a\tb", "a\rb", "a\nb", "a\x7f", "caf\xc3\xa9", "\x01"}) {
        EXPECT_FALSE(is_sane_request_id(insane)) << insane;
    }
}

TEST(RequestId, GeneratedIdsShareTheProcessPrefixAndDiffer) {
    std::set<std::string> ids;
    std::string prefix;
    for (int i = 0; i < 1000; ++i) {
        const std::string id = new_request_id();
        ASSERT_TRUE(is_sane_request_id(id)) << id;
        ASSERT_EQ(id.find_first_not_of("0123456789abcdef-"), std::string::npos) << id;
        ASSERT_EQ(id[16], '-') << id;
        if (prefix.empty()) prefix = id.substr(0, 16);
        EXPECT_EQ(id.substr(0, 16), prefix);
        ids.insert(id);
    }
    EXPECT_EQ(ids.size(), 1000U);
}

TEST(RequestId, TheClientsIsKeptOnlyWhenSane) {
    EXPECT_EQ(choose_request_id(std::string("client-1")), "client-1");
    EXPECT_NE(choose_request_id(std::string("two words")), "two words");
    EXPECT_EQ(choose_request_id(std::string("two words")).size() > 17, true);
    EXPECT_EQ(choose_request_id(std::nullopt)[16], '-');
}

}  // namespace
}  // namespace taskapi::http
