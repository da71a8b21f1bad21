#include "users/password_validation.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "users/common_passwords.hpp"

namespace taskapi::users {
namespace {

using Messages = std::vector<std::string>;

const std::string kSimilar = "The password is too similar to the username.";
const std::string kShort = "This password is too short. It must contain at least 8 characters.";
const std::string kCommon = "This password is too common.";
const std::string kNumeric = "This password is entirely numeric.";

// Each expected value is what Python 3.11's difflib.SequenceMatcher(a=a, b=b).quick_ratio()
// printed, repr() digits and all.
TEST(QuickRatio, EqualsPythonsDifflib) {
    struct Case {
        std::u32string a, b;
        double ratio;
    };
    const Case cases[] = {
        {U"", U"", 1.0},
        {U"abc", U"", 0.0},
        {U"", U"abc", 0.0},
        {U"abcd", U"bcde", 0.75},
        {U"password", U"passw0rd", 0.875},
        {U"johnsmith1", U"johnsmith", 0.9473684210526315},
        {U"aaaa", U"a", 0.4},
        {U"a", U"aaaa", 0.4},
        {U"smithjohn", U"john", 0.6153846153846154},
        {U"h\u00e9llo w\u00f6rld", U"w\u00f6rld", 0.625},
        {U"\u03c3\u03c3\u03c2", U"\u03c3\u03c2", 0.8},
        {U"abcdefghij", U"jihgfedcba", 1.0},  // order does not matter to quick_ratio
        {U"testclient", U"client", 0.75},
        {U"1234567", U"12345678", 0.9333333333333333},
    };
    for (const Case& c : cases) {
        EXPECT_EQ(quick_ratio(c.a, c.b), c.ratio);  // bit-identical, not just close
    }
}

TEST(CommonPasswords, IsDjangosWholeListSortedForBinarySearch) {
    const auto list = common_passwords();
    // Django 3.2's common-passwords.txt.gz as Debian 12 ships it: 19,727 distinct entries.
    EXPECT_EQ(list.size(), 19727U);
    EXPECT_TRUE(std::is_sorted(list.begin(), list.end()));
    EXPECT_EQ(std::adjacent_find(list.begin(), list.end()), list.end());
    for (const char* p : {"password", "123456", "qwertyuiop[]", "asdfjkl;", "pa$$word"}) {
        EXPECT_TRUE(std::binary_search(list.begin(), list.end(), std::string_view(p))) << p;
    }
}

TEST(IsCommonPassword, LowerCasesAndStripsAsDjango) {
    EXPECT_TRUE(is_common_password("password"));
    EXPECT_TRUE(is_common_password("PASSWORD"));
    EXPECT_TRUE(is_common_password(" Password\t"));
    // KELVIN SIGN lower-cases to k: "katie123" is on the list
    EXPECT_TRUE(is_common_password("\u212Aatie123"));
    EXPECT_FALSE(is_common_password("correct-horse-battery"));
    // FULLWIDTH LATIN CAPITAL LETTER P lower-cases to a fullwidth p, not to p
    EXPECT_FALSE(is_common_password("\uFF30assword"));
}

// Django 3.2's validate_password(password, User(username=username)) with the four default
// validators, as Python printed the messages; the first three cases are Django's own examples
// (its test suite and documentation).
TEST(PasswordValidationErrors, EqualsDjangosValidatePassword) {
    struct Case {
        std::string password, username;
        Messages messages;
    };
    const Case cases[] = {
        {"password", "bob", {kCommon}},
        {"testclient", "testclient", {kSimilar}},
        {"1234567", "bob", {kShort, kCommon, kNumeric}},
        {"client", "testclient", {kSimilar, kShort}},
        {"bob", "bob", {kSimilar, kShort, kCommon}},
        {"12345678", "bob", {kCommon, kNumeric}},
        {"1", "b", {kShort, kCommon, kNumeric}},
        {"johnsmith1", "johnsmith", {kSimilar}},
        {"smithjohn", "john.smith@example.com", {kSimilar}},  // a part split on \W+
        {"jsmith99x", "j.smith@mail", {kSimilar}},
        {"mail.smithx", "j.smith@mail", {kSimilar}},
        {"K1234567x", "k1234567", {kSimilar}},  // compared lower-cased
        {"a-b-c-d-e-f-g", "a.b", {}},
        {"zzzzzzzzzzzzzzzzzzzzzz", "z", {}},  // exceeds_maximum_length_ratio: not compared
        {"zzzzzzzzzzzzzzzzzzzzza", "a@z", {}},
        {"ab", "a", {kShort}},
        {"PASSWORD", "bob", {kCommon}},
        {"\xce\xa3\xce\x91\xce\xa3", "sas", {kShort}},  // ΣΑΣ
        {"\uFF30assword", "x", {}},                     // a fullwidth P: not the common "password"
        // ١٢٣٤٥٦٧٨ and ¹²³⁴⁵⁶⁷⁸: str.isdigit() is true for both
        {"\xd9\xa1\xd9\xa2\xd9\xa3\xd9\xa4\xd9\xa5\xd9\xa6\xd9\xa7\xd9\xa8", "carol", {kNumeric}},
        {"\xc2\xb9\xc2\xb2\xc2\xb3\xe2\x81\xb4\xe2\x81\xb5\xe2\x81\xb6\xe2\x81\xb7\xe2\x81\xb8",
         "carol",
         {kNumeric}},
        {"correct-horse-battery", "alice", {}},
        {"bob12345", "bob", {}},
    };
    for (const Case& c : cases) {
        EXPECT_EQ(password_validation_errors(c.password, c.username), c.messages)
            << c.password << " / " << c.username;
    }
}

}  // namespace
}  // namespace taskapi::users
