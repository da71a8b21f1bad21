// Django's ALLOWED_HOSTS: which Host header values the server answers (against Host header
// poisoning of the absolute URLs it builds, and DNS rebinding).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace taskapi::http {

// Immutable after set-up; allows() is thread-safe.
class AllowedHosts {
public:
    // Django's syntax, comma-separated: "*" is any host, ".example.com" is example.com and every
    // subdomain, anything else one host exactly; letters compare without case. kInvalidArgument
    // when no pattern is given.
    static core::Result<AllowedHosts> parse(std::string_view setting);

    // Allows one more pattern.
    void add(std::string_view pattern);

    // True when `host` (a Host header value: a name, an IPv4 address or a bracketed IPv6
    // address, optionally with ":port", which is ignored) is well-formed and matches a pattern.
    // A malformed value is never allowed, not even by "*" (as in Django).
    [[nodiscard]] bool allows(std::string_view host) const;

    bool operator==(const AllowedHosts&) const = default;

private:
    std::vector<std::string> patterns_;  // lower case
};

}  // namespace taskapi::http
