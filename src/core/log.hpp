// A small leveled logger writing one line per call to stderr. Never pass secrets to it.
#pragma once

#include <string_view>

namespace taskapi::core {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

// Parses "debug", "info", "warning" or "error"; returns false for anything else.
bool parse_log_level(std::string_view text, LogLevel& out);

void set_log_level(LogLevel level);
[[nodiscard]] bool log_enabled(LogLevel level);

// Thread-safe: each line is written with a single write(2).
void log(LogLevel level, std::string_view message);

inline void log_debug(std::string_view m) {
    if (log_enabled(LogLevel::kDebug)) log(LogLevel::kDebug, m);
}
inline void log_info(std::string_view m) { log(LogLevel::kInfo, m); }
inline void log_warning(std::string_view m) { log(LogLevel::kWarning, m); }
inline void log_error(std::string_view m) { log(LogLevel::kError, m); }

}  // namespace taskapi::core
