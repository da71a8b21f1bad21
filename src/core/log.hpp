// A small leveled logger writing one line per call to stderr, as text or as JSON
// (TASKAPI_LOG_FORMAT). Never pass secrets to it.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace taskapi::core {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

// kText: "2026-11-26T17:20:05.123Z info message key=value ..."; kJson: one object per line,
// {"time":...,"level":...,"message":...,"key":value,...}.
enum class LogFormat { kText = 0, kJson = 1 };

// Parses "debug", "info", "warning" or "error"; returns false for anything else.
bool parse_log_level(std::string_view text, LogLevel& out);
// Parses "text" or "json"; returns false for anything else.
bool parse_log_format(std::string_view text, LogFormat& out);

void set_log_level(LogLevel level);
[[nodiscard]] bool log_enabled(LogLevel level);
void set_log_format(LogFormat format);

// A named value of a structured line: its own key in JSON, ` name=value` in text. A number is
// written bare in JSON; its text must be a JSON number.
struct LogField {
    std::string_view name;
    std::string_view value;
    bool number = false;
};

// Thread-safe: each line is written with a single write(2). Whatever the message and the values
// hold (a path or a header a client sent), the line stays one line: text escapes every byte
// outside printable ASCII, JSON escapes as JSON does.
void log(LogLevel level, std::string_view message, std::span<const LogField> fields = {});

// Appends the line log() writes, with its newline, to `out` (`time` as given; unit tests).
void append_log_line(std::string& out, LogFormat format, LogLevel level, std::string_view time,
                     std::string_view message, std::span<const LogField> fields);
// Appends the line log() would write now to `out` instead of writing it (nothing when `level` is
// off): for callers that gather lines and write them together with write_log().
void append_log_line(std::string& out, LogLevel level, std::string_view message,
                     std::span<const LogField> fields);
// Writes complete lines to stderr: with one write(2) when it takes them all.
void write_log(std::string_view lines);

inline void log_debug(std::string_view m) {
    if (log_enabled(LogLevel::kDebug)) log(LogLevel::kDebug, m);
}
inline void log_info(std::string_view m) { log(LogLevel::kInfo, m); }
inline void log_warning(std::string_view m) { log(LogLevel::kWarning, m); }
inline void log_error(std::string_view m) { log(LogLevel::kError, m); }

}  // namespace taskapi::core
