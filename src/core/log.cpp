#include "core/log.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <ctime>
#include <string>

#include "core/text.hpp"

namespace taskapi::core {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};
std::atomic<int> g_format{static_cast<int>(LogFormat::kText)};

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

constexpr std::string_view kHex = "0123456789abcdef";

void append_hex_escape(std::string& out, unsigned char c) {
    out += "\\x";
    out += kHex[c >> 4U];
    out += kHex[c & 0xFU];
}

// Text: a client's path or header can hold CR, LF, escape sequences or bytes that a terminal or
// a log shipper reads as a line break; every byte outside printable ASCII becomes \xHH, and the
// backslash itself \\, so a line is one line and can be read back exactly.
bool plain(std::string_view text) {
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c > 0x7E || c == '"' || c == '\\') return false;
    }
    return true;
}

void append_text_escaped(std::string& out, std::string_view text, bool quoted) {
    if (plain(text)) {
        out += text;
        return;
    }
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '\\' || (quoted && c == '"')) {
            out += '\\';
            out += ch;
        } else if (c < 0x20 || c > 0x7E) {
            append_hex_escape(out, c);
        } else {
            out += ch;
        }
    }
}

// A value is written bare when that reads back unambiguously (logfmt's rule), else quoted.
bool needs_quotes(std::string_view value) {
    if (value.empty()) return true;
    for (const char ch : value) {
        const auto c = static_cast<unsigned char>(ch);
        if (c <= 0x20 || c > 0x7E || c == '"' || c == '\\') return true;
    }
    return false;
}

// JSON: append_json_string escapes quotes, backslashes and control characters; bytes that are
// not UTF-8 (a raw path may hold any) become U+FFFD, so every line parses.
void append_json_value(std::string& out, std::string_view text) {
    if (plain(text)) {  // the usual case: nothing to escape
        out += '"';
        out += text;
        out += '"';
    } else if (is_valid_utf8(text)) {
        append_json_string(out, text);
    } else {
        append_json_string(out, to_valid_utf8(text));
    }
}

// "2026-11-26T17:20:05.123Z" (24 characters) in `buf`: UTC to the millisecond; the part up to
// the second is formatted once a second per thread.
std::string_view format_now(char (&buf)[32]) {
    const auto now =
        std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
    const auto second = std::chrono::floor<std::chrono::seconds>(now);
    thread_local std::chrono::sys_seconds cached_second{};
    thread_local char cached[32] = {};
    thread_local std::size_t cached_length = 0;
    if (second != cached_second || cached_length == 0) {
        const std::time_t t = std::chrono::system_clock::to_time_t(second);
        std::tm tm{};
        gmtime_r(&t, &tm);
        cached_length = std::strftime(cached, sizeof cached, "%Y-%m-%dT%H:%M:%S.", &tm);
        cached_second = second;
    }
    const auto ms = static_cast<unsigned>((now - second).count());
    std::memcpy(buf, cached, cached_length);
    std::size_t n = cached_length;
    buf[n++] = static_cast<char>('0' + ms / 100);
    buf[n++] = static_cast<char>('0' + ms / 10 % 10);
    buf[n++] = static_cast<char>('0' + ms % 10);
    buf[n++] = 'Z';
    return {buf, n};
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

bool parse_log_format(std::string_view text, LogFormat& out) {
    if (text == "text") {
        out = LogFormat::kText;
        return true;
    }
    if (text == "json") {
        out = LogFormat::kJson;
        return true;
    }
    return false;
}

void set_log_level(LogLevel level) { g_level.store(static_cast<int>(level)); }

bool log_enabled(LogLevel level) {
    return static_cast<int>(level) >= g_level.load(std::memory_order_relaxed);
}

void set_log_format(LogFormat format) { g_format.store(static_cast<int>(format)); }

void append_log_line(std::string& out, LogFormat format, LogLevel level, std::string_view time,
                     std::string_view message, std::span<const LogField> fields) {
    if (format == LogFormat::kJson) {
        out += R"({"time":")";
        out += time;  // ours: digits, '-', ':', '.', 'T', 'Z'
        out += R"(","level":")";
        out += level_name(level);
        out += R"(","message":)";
        append_json_value(out, message);
        for (const auto& field : fields) {
            out += ',';
            append_json_value(out, field.name);
            out += ':';
            if (field.number) {
                out += field.value;
            } else {
                append_json_value(out, field.value);
            }
        }
        out += "}\n";
        return;
    }
    out += time;
    out += ' ';
    out += level_name(level);
    out += ' ';
    append_text_escaped(out, message, false);
    for (const auto& field : fields) {
        out += ' ';
        append_text_escaped(out, field.name, false);
        out += '=';
        if (needs_quotes(field.value)) {
            out += '"';
            append_text_escaped(out, field.value, true);
            out += '"';
        } else {
            out += field.value;
        }
    }
    out += '\n';
}

void append_log_line(std::string& out, LogLevel level, std::string_view message,
                     std::span<const LogField> fields) {
    if (!log_enabled(level)) return;
    char time[32];
    std::string_view now = format_now(time);
    append_log_line(out, static_cast<LogFormat>(g_format.load(std::memory_order_relaxed)), level,
                    now, message, fields);
}

void log(LogLevel level, std::string_view message, std::span<const LogField> fields) {
    if (!log_enabled(level)) return;
    std::string line;
    line.reserve(64 + message.size() + fields.size() * 24);
    append_log_line(line, level, message, fields);
    write_log(line);
}

void write_log(std::string_view lines) {
    const char* p = lines.data();
    std::size_t left = lines.size();
    while (left > 0) {
        const ssize_t n = ::write(STDERR_FILENO, p, left);
        if (n <= 0) break;
        p += n;
        left -= static_cast<std::size_t>(n);
    }
}

}  // namespace taskapi::core
