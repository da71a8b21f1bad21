// Cross-origin resource sharing as django-cors-headers (3.14) does it: which browser origins may
// read the answers, the preflight answer, and the Access-Control-* headers on every answer.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "http/request.hpp"
#include "http/response.hpp"

namespace taskapi::http {

// Immutable after set-up; every const member is thread-safe.
class Cors {
public:
    // Off: no CORS headers at all, no preflight answer (the default).
    Cors() = default;

    // The origins setting, comma-separated: empty is off; "*" alone is any origin
    // (CORS_ALLOW_ALL_ORIGINS); otherwise each one is scheme://host[:port] without path, query
    // or fragment (CORS_ALLOWED_ORIGINS), or "null". kInvalidArgument names the bad entry.
    static core::Result<Cors> parse(std::string_view setting);

    // CORS_ALLOW_CREDENTIALS: Access-Control-Allow-Credentials: true, and the origin echoed
    // instead of "*".
    void set_allow_credentials(bool allow) { allow_credentials_ = allow; }

    [[nodiscard]] bool is_enabled() const { return enabled_; }

    // An OPTIONS request with Access-Control-Request-Method (whatever its Origin, on any path),
    // while CORS is on: answered by preflight_response() before anything else.
    [[nodiscard]] bool is_preflight(const Request& request) const;

    // 200 with an empty body, its CORS headers added.
    [[nodiscard]] Response preflight_response(const Request& request) const;

    // While CORS is on: "Origin" added to Vary; with a well-formed Origin, Allow-Credentials
    // (when set), then for an allowed origin Allow-Origin and, for OPTIONS, Allow-Headers,
    // Allow-Methods and Max-Age. Nothing while it is off.
    void add_headers(Response& response, std::optional<std::string_view> origin,
                     bool is_options) const;
    void add_headers(Response& response, const Request& request) const;

    bool operator==(const Cors&) const = default;

private:
    struct Origin {
        std::string scheme;  // lower case
        std::string netloc;  // as written
        bool operator==(const Origin&) const = default;
    };
    [[nodiscard]] bool allows(std::string_view origin) const;

    bool enabled_ = false;
    bool allow_all_ = false;
    bool allow_null_ = false;
    bool allow_credentials_ = false;
    std::vector<Origin> origins_;
};

}  // namespace taskapi::http
