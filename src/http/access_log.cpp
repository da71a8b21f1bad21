#include "http/access_log.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <random>
#include <span>

#include "core/log.hpp"

namespace taskapi::http {
namespace {

std::string random_prefix() {
    std::random_device device;
    const std::uint64_t value = (static_cast<std::uint64_t>(device()) << 32U) ^ device();
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(value));
    return {buf, 16};
}

const std::string& process_prefix() {
    static const std::string kPrefix = random_prefix();
    return kPrefix;
}

std::atomic<std::uint64_t> g_next_request{0};

constexpr std::size_t kFlushBytes = std::size_t{16} * 1024;

// A thread's access lines not yet written; what is left is written when the thread ends (the
// main thread's at exit). A crash loses them: the lines of the requests this thread answered
// since its last flush (20 ms at most, as the server flushes).
struct ThreadBuffer {
    ThreadBuffer() = default;
    ThreadBuffer(const ThreadBuffer&) = delete;
    ThreadBuffer& operator=(const ThreadBuffer&) = delete;
    ~ThreadBuffer() {
        if (!lines.empty()) core::write_log(lines);
    }
    std::string lines;
};
thread_local ThreadBuffer t_buffer;

}  // namespace

bool is_sane_request_id(std::string_view id) {
    if (id.empty() || id.size() > kMaxRequestIdLength) return false;
    for (const char ch : id) {
        const auto c = static_cast<unsigned char>(ch);
        if (c < 0x21 || c > 0x7E) return false;
    }
    return true;
}

std::string new_request_id() {
    const std::uint64_t n = g_next_request.fetch_add(1, std::memory_order_relaxed) + 1;
    char counter[20];
    const auto length = static_cast<std::size_t>(
        std::to_chars(counter, counter + sizeof counter, n, 16).ptr - counter);
    std::string id;
    id.reserve(16 + 1 + length);
    id += process_prefix();
    id += '-';
    id.append(counter, length);
    return id;
}

std::string choose_request_id(const std::optional<std::string>& sent) {
    if (sent && is_sane_request_id(*sent)) return *sent;
    return new_request_id();
}

bool log_access(const AccessRecord& r) {
    if (!core::log_enabled(core::LogLevel::kInfo)) return false;
    char status[16];
    char duration[32];
    char bytes[24];
    char user[24];
    const auto print = [](char* buf, std::size_t size, auto value) {
        return std::string_view(
            buf, static_cast<std::size_t>(std::to_chars(buf, buf + size, value).ptr - buf));
    };
    const auto us = std::max<std::int64_t>(0, r.duration.count());
    // "0.213": milliseconds with the microseconds as a fraction
    std::string_view ms = print(duration, sizeof duration - 4, us / 1000);
    const auto fraction = static_cast<int>(us % 1000);
    duration[ms.size()] = '.';
    duration[ms.size() + 1] = static_cast<char>('0' + fraction / 100);
    duration[ms.size() + 2] = static_cast<char>('0' + fraction / 10 % 10);
    duration[ms.size() + 3] = static_cast<char>('0' + fraction % 10);
    ms = std::string_view(duration, ms.size() + 4);
    const auto or_dash = [](std::string_view v) { return v.empty() ? std::string_view("-") : v; };
    std::array<core::LogField, 9> fields{{
        {"method", or_dash(r.method)},
        {"path", or_dash(r.path)},
        {"status", print(status, sizeof status, r.status), true},
        {"duration_ms", ms, true},
        {"bytes", print(bytes, sizeof bytes, r.bytes), true},
        {"user_id", r.user_id ? print(user, sizeof user, r.user_id->value) : std::string_view(),
         true},
        {"remote", or_dash(r.remote_address)},
        {"client", or_dash(r.client_address.empty() ? r.remote_address : r.client_address)},
        {"request_id", r.request_id},
    }};
    std::size_t count = fields.size();
    if (!r.user_id) {
        // Anonymous: no user_id key at all (the last three move down over it).
        for (std::size_t i = 5; i + 1 < fields.size(); ++i) fields[i] = fields[i + 1];
        --count;
    }
    std::string& lines = t_buffer.lines;
    const bool was_empty = lines.empty();
    core::append_log_line(lines, core::LogLevel::kInfo, "access",
                          std::span<const core::LogField>(fields.data(), count));
    if (lines.size() >= kFlushBytes) {
        flush_access_log();
        return false;
    }
    return was_empty;
}

void flush_access_log() {
    std::string& lines = t_buffer.lines;
    if (lines.empty()) return;
    core::write_log(lines);
    lines.clear();
}

}  // namespace taskapi::http
