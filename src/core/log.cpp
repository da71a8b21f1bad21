#include "core/log.hpp"

#include <unistd.h>

#include <atomic>
#include <string>

#include "core/clock.hpp"

namespace taskapi::core {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};

std::string_view level_name(LogLevel level) {
    switch (level) {
        case LogLevel::kDebug:
            return "debug";
        case LogLevel::kInfo:
            return "info";
        case LogLevel::kWarning:
            return "warning";
        case LogLevel::kError:
            return "error";
    }
    return "info";
}

}  // namespace

bool parse_log_level(std::string_view text, LogLevel& out) {
    for (auto level : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarning, LogLevel::kError}) {
        if (text == level_name(level)) {
            out = level;
            return true;
        }
    }
    return false;
}

void set_log_level(LogLevel level) { g_level.store(static_cast<int>(level)); }

bool log_enabled(LogLevel level) {
    return static_cast<int>(level) >= g_level.load(std::memory_order_relaxed);
}

void log(LogLevel level, std::string_view message) {
    if (!log_enabled(level)) return;
    std::string line = format_iso8601(SystemClock{}.now());
    line += ' ';
    line += level_name(level);
    line += ' ';
    line += message;
    line += '\n';
    const char* p = line.data();
    std::size_t left = line.size();
    while (left > 0) {
        const ssize_t n = ::write(STDERR_FILENO, p, left);
        if (n <= 0) break;
        p += n;
        left -= static_cast<std::size_t>(n);
    }
}

}  // namespace taskapi::core
