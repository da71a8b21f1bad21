// Shared by the libFuzzer harnesses: invariant checks that stop the run, the fixed signing key
// and instant that fuzz/make_corpus.py also uses to mint seed tokens, and small input helpers.
#pragma once

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "auth/authenticator.hpp"
#include "auth/token_service.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/text.hpp"
#include "fakes/fixed_clock.hpp"
#include "fakes/in_memory_user_repository.hpp"
#include "http/error_response.hpp"
#include "http/response.hpp"

namespace taskapi::fuzz {

// Keep in sync with fuzz/make_corpus.py (SIGNING_KEY, NOW): seed tokens are minted with them.
inline constexpr std::string_view kSigningKey = "fuzz-signing-key-not-a-secret-0123456789";
// tests/fakes/fixed_clock.hpp's default instant, 2026-11-26T17:20:05.123456Z, in whole seconds.
inline constexpr std::int64_t kNow = 1795713605;

// An invariant does not hold: say which on stderr and crash, so libFuzzer saves the input.
[[noreturn]] inline void fail(const char* what, std::string_view detail = {}) {
    std::fprintf(stderr, "\n*** fuzz invariant violated: %s\n", what);
    if (!detail.empty()) {
        std::fprintf(stderr, "*** detail (%zu bytes): ", detail.size());
        for (const char c : detail) {
            const auto u = static_cast<unsigned char>(c);
            if (u >= 0x20 && u < 0x7F && u != '\\') {
                std::fputc(u, stderr);
            } else {
                std::fprintf(stderr, "\\x%02x", u);
            }
        }
        std::fputc('\n', stderr);
    }
    __builtin_trap();
}

// The harnesses' users: alice (1) and bob (2) active, carol (3) inactive.
inline void add_test_users(fakes::InMemoryUserRepository& users, core::Timestamp now) {
    for (const char* name : {"alice", "bob", "carol"}) {
        users::NewUser u;
        u.username = name;
        u.password_hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA";
        u.date_joined = now;
        if (!users.create(u)) throw std::logic_error("fuzz set-up: cannot create a user");
    }
    users.set_active(core::UserId{3}, false);
}

// The authentication side of the server with the test users: the fixed clock, the user store,
// a token service signing with kSigningKey (access 300 s, refresh 1 day) and the authenticator.
struct AuthWorld {
    fakes::FixedClock clock;
    fakes::InMemoryUserRepository users;
    auth::TokenService tokens{
        auth::TokenSettings{std::string(kSigningKey), std::chrono::seconds{300},
                            std::chrono::seconds{86400}},
        clock};
    auth::Authenticator authenticator{tokens, users};

    AuthWorld() { add_test_users(users, clock.now()); }
};

inline void check(bool ok, const char* what, std::string_view detail = {}) {
    if (!ok) fail(what, detail);
}

inline std::string_view as_view(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

// Splits on '\n' into at most `max_parts` pieces (the last one keeps the rest, newlines included).
inline std::vector<std::string_view> split_lines(std::string_view text, std::size_t max_parts) {
    std::vector<std::string_view> parts;
    while (parts.size() + 1 < max_parts) {
        const auto nl = text.find('\n');
        if (nl == std::string_view::npos) break;
        parts.push_back(text.substr(0, nl));
        text.remove_prefix(nl + 1);
    }
    parts.push_back(text);
    return parts;
}

// Parses JSON text the way a client would (strict, UTF-8 checked).
inline std::optional<boost::json::value> parse_json(std::string_view text) {
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(text, ec);
    if (ec) return std::nullopt;
    return v;
}

// Every JSON answer must be valid UTF-8 and parse.
inline void check_json_response(const http::Response& response, const char* what) {
    if (response.content_type != "application/json" || response.body.empty()) return;
    check(core::is_valid_utf8(response.body), what, response.body);
    check(parse_json(response.body).has_value(), what, response.body);
}

// The DRF-shaped answer for an error must be JSON too, whatever text the error carries.
inline void check_error_renders(const core::Error& error) {
    const http::Response response = http::error_response(error);
    check(response.status >= 400 && response.status < 600, "error status is 4xx or 5xx");
    check_json_response(response, "error_response body is valid UTF-8 JSON");
}

}  // namespace taskapi::fuzz
