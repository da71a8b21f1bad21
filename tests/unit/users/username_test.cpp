#include "users/username.hpp"

#include <gtest/gtest.h>

namespace taskapi::users {
namespace {

TEST(NormalizeUsername, IsNfkcAsDjangoStoresIt) {
    EXPECT_EQ(normalize_username("\xef\xbd\x81\xef\xbd\x8c\xef\xbd\x89\xef\xbd\x83\xef\xbd\x85"),
              "alice");                                         // fullwidth ａｌｉｃｅ
    EXPECT_EQ(normalize_username("\xef\xac\x81le"), "file");    // the ligature ﬁ
    EXPECT_EQ(normalize_username("e\xcc\x81"), "\xc3\xa9");     // e + combining acute: é
    EXPECT_EQ(normalize_username("\xe2\x84\xab"), "\xc3\x85");  // ANGSTROM SIGN: Å
}

TEST(NormalizeUsername, LeavesNormalNamesAlone) {
    for (const char* name : {"alice", "Bob_2", "a.b+c-d@e", "\xc3\xa9lodie", ""}) {
        EXPECT_EQ(normalize_username(name), name);
    }
}

TEST(NormalizeUsername, LeavesInvalidUtf8Unchanged) {
    EXPECT_EQ(normalize_username("bad\xff"), "bad\xff");
    EXPECT_EQ(normalize_username(std::string("a\0b", 3)), std::string("a\0b", 3));
}

}  // namespace
}  // namespace taskapi::users
