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

TEST(ParseLogFormat, ReadsTextAndJson) {
    LogFormat format = LogFormat::kJson;
    ASSERT_TRUE(parse_log_format("text", format));
    EXPECT_EQ(format, LogFormat::kText);
    ASSERT_TRUE(parse_log_format("json", format));
    EXPECT_EQ(format, LogFormat::kJson);
    for (const char* text : {"", "JSON", "logfmt", " text"}) {
        EXPECT_FALSE(parse_log_format(text, format)) << text;
    }
}

std::string line(LogFormat format, std::string_view message, std::span<const LogField> fields) {
    std::string out;
    append_log_line(out, format, LogLevel::kInfo, "2026-11-28T10:00:00.123Z", message, fields);
    return out;
}

TEST(LogLine, TextWritesFieldsBareOrQuotedAndEscapesEverythingElse) {
    const LogField fields[] = {{"path", "/api/tasks/1/"},
                               {"status", "200", true},
                               {"empty", ""},
                               {"odd", "a \"b\"\\\r\n\x01\xe9\x9d\x9e"}};
    EXPECT_EQ(line(LogFormat::kText, "access", fields),
              "2026-11-28T10:00:00.123Z info access path=/api/tasks/1/ status=200 empty=\"\" "
              "odd=\"a \\\"b\\\"\\\\\\x0d\\x0a\\x01\\xe9\\x9d\\x9e\"\n");
    // A message with a line break stays one line.
    EXPECT_EQ(line(LogFormat::kText, "GET /a\nforged", {}),
              "2026-11-28T10:00:00.123Z info GET /a\\x0aforged\n");
}

TEST(LogLine, JsonIsOneObjectWithNumbersBareAndStringsEscaped) {
    const LogField fields[] = {
        {"path", "/\"x\"\n\xe9\x9d\x9e"}, {"status", "404", true}, {"raw", "\xff"}};
    EXPECT_EQ(line(LogFormat::kJson, "access", fields),
              "{\"time\":\"2026-11-28T10:00:00.123Z\",\"level\":\"info\",\"message\":\"access\","
              "\"path\":\"/\\\"x\\\"\\n\xe9\x9d\x9e\",\"status\":404,\"raw\":\"\xef\xbf\xbd\"}\n");
}

}  // namespace
}  // namespace taskapi::core
