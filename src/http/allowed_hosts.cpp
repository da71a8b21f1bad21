#include "http/allowed_hosts.hpp"

#include <algorithm>

#include "core/text.hpp"

namespace taskapi::http {
namespace {

bool is_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

bool is_hex_digit(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

// Django's split_domain_port: the lower-case domain without port and trailing dot, or an empty
// string when `host` does not match ^([a-z0-9.-]+|\[[a-f0-9]*:[a-f0-9.:]+\])(:[0-9]+)?$.
std::string domain_of(std::string_view host) {
    const std::string lower = core::ascii_lower(host);
    std::string_view rest = lower;
    std::string domain;
    if (rest.starts_with('[')) {
        const auto close = rest.find(']');
        if (close == std::string_view::npos) return {};
        const std::string_view inside = rest.substr(1, close - 1);
        const auto colon = inside.find(':');
        if (colon == std::string_view::npos || colon + 1 == inside.size()) return {};
        if (!std::all_of(inside.begin(), inside.begin() + static_cast<std::ptrdiff_t>(colon),
                         is_hex_digit) ||
            !std::all_of(inside.begin() + static_cast<std::ptrdiff_t>(colon) + 1, inside.end(),
                         [](char c) { return is_hex_digit(c) || c == '.' || c == ':'; })) {
            return {};
        }
        domain = std::string(rest.substr(0, close + 1));
        rest.remove_prefix(close + 1);
    } else {
        const auto end = std::min(rest.find(':'), rest.size());
        domain = std::string(rest.substr(0, end));
        if (domain.empty() || !std::all_of(domain.begin(), domain.end(), is_name_char)) return {};
        rest.remove_prefix(end);
    }
    if (!rest.empty()) {
        const std::string_view port = rest.substr(1);
        if (rest.front() != ':' || port.empty() ||
            !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            return {};
        }
    }
    if (domain.back() == '.') domain.pop_back();
    return domain;
}

}  // namespace

core::Result<AllowedHosts> AllowedHosts::parse(std::string_view setting) {
    AllowedHosts hosts;
    std::size_t start = 0;
    while (start <= setting.size()) {
        const std::size_t end = std::min(setting.find(',', start), setting.size());
        const std::string_view pattern = core::trim_blanks(setting.substr(start, end - start));
        if (!pattern.empty()) hosts.add(std::string(pattern));
        start = end + 1;
    }
    if (hosts.patterns_.empty()) {
        return core::make_error(core::ErrorCode::kInvalidArgument,
                                "expected host names separated by commas (* allows any host)");
    }
    return hosts;
}

void AllowedHosts::add(std::string_view pattern) {
    patterns_.push_back(core::ascii_lower(pattern));
}

bool AllowedHosts::allows(std::string_view host) const {
    const std::string domain = domain_of(host);
    if (domain.empty()) return false;
    return std::any_of(patterns_.begin(), patterns_.end(), [&domain](const std::string& p) {
        if (p == "*" || p == domain) return true;
        // ".example.com": example.com itself and every name that ends with ".example.com".
        return p.size() > 1 && p.front() == '.' &&
               (domain.ends_with(p) || std::string_view(domain) == std::string_view(p).substr(1));
    });
}

}  // namespace taskapi::http
