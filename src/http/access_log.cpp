#include "http/access_log.hpp"

#include <array>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <random>

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
    const int length =
        std::snprintf(counter, sizeof counter, "%llx", static_cast<unsigned long long>(n));
    std::string id;
    id.reserve(16 + 1 + static_cast<std::size_t>(length));
    id += process_prefix();
    id += '-';
    id.append(counter, static_cast<std::size_t>(length));
    return id;
}

std::string choose_request_id(const std::optional<std::string>& sent) {
    if (sent && is_sane_request_id(*sent)) return *sent;
    return new_request_id();
}

void log_access(const AccessRecord& r) {
    if (!core::log_enabled(core::LogLevel::kInfo)) return;
    const std::string status = std::to_string(r.status);
    char duration[32];
    const auto us = r.duration.count() < 0 ? 0 : r.duration.count();
    const int duration_length = std::snprintf(duration, sizeof duration, "%lld.%03lld",
                                              static_cast<long long>(us / 1000),
                                              static_cast<long long>(us % 1000));
    const std::string bytes = std::to_string(r.bytes);
    const std::string user = r.user_id ? std::to_string(r.user_id->value) : std::string();
    const auto or_dash = [](std::string_view v) { return v.empty() ? std::string_view("-") : v; };
    std::array<core::LogField, 9> fields{{
        {"method", or_dash(r.method)},
        {"path", or_dash(r.path)},
        {"status", status, true},
        {"duration_ms", std::string_view(duration, static_cast<std::size_t>(duration_length)),
         true},
        {"bytes", bytes, true},
        {"user_id", user, true},
        {"remote", or_dash(r.remote_address)},
        {"client", or_dash(r.client_address.empty() ? r.remote_address : r.client_address)},
        {"request_id", r.request_id},
    }};
    std::size_t count = fields.size();
    if (!r.user_id) {
        // Anonymous: no user_id key at all (shift the last three down over it).
        for (std::size_t i = 5; i + 1 < fields.size(); ++i) fields[i] = fields[i + 1];
        --count;
    }
    core::log(core::LogLevel::kInfo, "access", std::span<const core::LogField>(fields.data(), count));
}

}  // namespace taskapi::http
