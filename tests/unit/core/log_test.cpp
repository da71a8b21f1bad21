#include "core/log.hpp"

#include <gtest/gtest.h>

namespace taskapi::core {
namespace {

TEST(ParseLogLevel, ReadsTheFourLevelNames) {
    LogLevel level = LogLevel::kError;
    ASSERT_TRUE(parse_log_level("debug", level));
    EXPECT_EQ(level, LogLevel::kDebug);
    ASSERT_TRUE(parse_log_level("info", level));
    EXPECT_EQ(level, LogLevel::kInfo);
    ASSERT_TRUE(parse_log_level("warning", level));
    EXPECT_EQ(level, LogLevel::kWarning);
    ASSERT_TRUE(parse_log_level("error", level));
    EXPECT_EQ(level, LogLevel::kError);
}

TEST(ParseLogLevel, RefusesAnythingElseAndLeavesTheLevelAlone) {
    LogLevel level = LogLevel::kWarning;
    for (const char* text : {"", "trace", "warn", "Info", "DEBUG", " info", "info "}) {
        EXPECT_FALSE(parse_log_level(text, level)) << text;
        EXPECT_EQ(level, LogLevel::kWarning) << text;
    }
}

TEST(LogEnabled, FollowsTheConfiguredLevel) {
    set_log_level(LogLevel::kWarning);
    EXPECT_FALSE(log_enabled(LogLevel::kDebug));
    EXPECT_FALSE(log_enabled(LogLevel::kInfo));
    EXPECT_TRUE(log_enabled(LogLevel::kWarning));
    EXPECT_TRUE(log_enabled(LogLevel::kError));
    set_log_level(LogLevel::kDebug);
    EXPECT_TRUE(log_enabled(LogLevel::kDebug));
    set_log_level(LogLevel::kInfo);  // the default, for the tests that follow
    EXPECT_FALSE(log_enabled(LogLevel::kDebug));
    EXPECT_TRUE(log_enabled(LogLevel::kInfo));
}

}  // namespace
}  // namespace taskapi::core
