#include "http/cors.hpp"

#include <algorithm>
#include <utility>

#include "core/text.hpp"

namespace taskapi::http {
namespace {

// django-cors-headers' defaults (corsheaders/defaults.py), in its order.
constexpr std::string_view kAllowHeaders =
    "accept, accept-encoding, authorization, content-type, dnt, origin, user-agent, x-csrftoken, "
    "x-requested-with";
constexpr std::string_view kAllowMethods = "DELETE, GET, OPTIONS, PATCH, POST, PUT";
constexpr std::string_view kMaxAge = "86400";

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

struct Split {
    std::string scheme;  // lower case
    std::string_view netloc;
    std::string_view rest;  // path, query, fragment
};

// A bracketed host as Python's urlsplit accepts it: an IPv6 address (checked loosely: hex
// digits, ':' and '.', at least two ':') or an IPvFuture ("v" ...).
bool is_bracketed_host(std::string_view host) {
    if (!host.empty() && (host[0] == 'v' || host[0] == 'V')) return host.size() > 1;
    if (std::count(host.begin(), host.end(), ':') < 2) return false;
    return std::all_of(host.begin(), host.end(),
                       [](char c) { return is_hex(c) || c == ':' || c == '.'; });
}

// Python's urllib.parse.urlsplit, as far as the scheme and the authority (netloc) go;
// nullopt where it raises ValueError (unbalanced or invalid brackets), the answers of which
// get no CORS headers but Vary.
std::optional<Split> split_url(std::string_view url) {
    Split s;
    const auto colon = url.find(':');
    if (colon != std::string_view::npos && colon > 0 && is_alpha(url[0]) &&
        std::all_of(url.begin(), url.begin() + static_cast<std::ptrdiff_t>(colon), [](char c) {
            return is_alpha(c) || is_digit(c) || c == '+' || c == '-' || c == '.';
        })) {
        s.scheme = core::ascii_lower(url.substr(0, colon));
        url.remove_prefix(colon + 1);
    }
    if (url.starts_with("//")) {
        const auto end = std::min(url.find_first_of("/?#", 2), url.size());
        s.netloc = url.substr(2, end - 2);
        url.remove_prefix(end);
        const auto open = s.netloc.find('[');
        const auto close = s.netloc.find(']');
        if ((open == std::string_view::npos) != (close == std::string_view::npos)) {
            return std::nullopt;
        }
        if (open != std::string_view::npos) {
            const auto host = s.netloc.substr(open + 1);
            if (!is_bracketed_host(host.substr(0, host.find(']')))) return std::nullopt;
        }
    }
    s.rest = url;
    return s;
}

// An entry of the setting: scheme://host[:port], nothing more.
bool is_valid_origin(const Split& s) {
    if (s.scheme.empty() || s.netloc.empty() || !s.rest.empty()) return false;
    if (s.netloc.find('@') != std::string_view::npos) return false;
    std::string_view port;
    if (s.netloc.front() == '[') {
        const auto close = s.netloc.find(']');
        const auto after = s.netloc.substr(close + 1);
        if (!after.empty() && after.front() != ':') return false;
        if (!after.empty()) port = after.substr(1);
        if (after.size() == 1) return false;
    } else {
        const auto colon = s.netloc.rfind(':');
        if (colon == 0) return false;
        if (colon != std::string_view::npos) {
            port = s.netloc.substr(colon + 1);
            if (port.empty()) return false;
        }
    }
    return port.size() <= 5 && std::all_of(port.begin(), port.end(), is_digit);
}

void add_vary_origin(Response& response) {
    for (auto& [name, value] : response.headers) {
        if (!core::ascii_iequals(name, "Vary")) continue;
        // django.utils.cache.patch_vary_headers: once, in place, compared without case.
        std::string_view rest = value;
        while (!rest.empty()) {
            const auto comma = rest.find(',');
            if (core::ascii_iequals(core::trim_blanks(rest.substr(0, comma)), "Origin")) return;
            if (comma == std::string_view::npos) break;
            rest.remove_prefix(comma + 1);
        }
        value += value.empty() ? "Origin" : ", Origin";
        return;
    }
    response.add_header("Vary", "Origin");
}

}  // namespace

core::Result<Cors> Cors::parse(std::string_view setting) {
    Cors cors;
    std::size_t start = 0;
    while (start <= setting.size()) {
        const std::size_t end = std::min(setting.find(',', start), setting.size());
        const std::string_view entry = core::trim_blanks(setting.substr(start, end - start));
        start = end + 1;
        if (entry.empty()) continue;
        cors.enabled_ = true;
        if (entry == "*") {
            cors.allow_all_ = true;
            continue;
        }
        if (entry == "null") {
            cors.allow_null_ = true;
            continue;
        }
        const auto split = split_url(entry);
        if (!split || !is_valid_origin(*split)) {
            std::string message(1, '\'');
            message += entry;
            message += "' is not an origin (scheme://host[:port], no path), 'null' or '*'";
            return core::make_error(core::ErrorCode::kInvalidArgument, std::move(message));
        }
        cors.origins_.push_back(Origin{split->scheme, std::string(split->netloc)});
    }
    if (cors.allow_all_ && (cors.allow_null_ || !cors.origins_.empty())) {
        return core::make_error(core::ErrorCode::kInvalidArgument,
                                "'*' (any origin) cannot be combined with origins");
    }
    return cors;
}

bool Cors::is_preflight(const Request& request) const {
    return enabled_ && request.method == Method::kOptions &&
           request.access_control_request_method.has_value();
}

Response Cors::preflight_response(const Request& request) const {
    // django-cors-headers answers with a bare HttpResponse: Django's default content type.
    Response response;
    response.content_type = "text/html; charset=utf-8";
    add_headers(response, request);
    return response;
}

bool Cors::allows(std::string_view origin) const {
    if (origin == "null") return allow_null_;
    const auto split = split_url(origin);
    return split && std::any_of(origins_.begin(), origins_.end(), [&split](const Origin& o) {
               return o.scheme == split->scheme && o.netloc == split->netloc;
           });
}

void Cors::add_headers(Response& response, std::optional<std::string_view> origin,
                       bool is_options) const {
    if (!enabled_) return;
    add_vary_origin(response);
    if (!origin || origin->empty() || !split_url(*origin)) return;
    // As django-cors-headers: for any well-formed origin, allowed or not (harmless: without
    // Allow-Origin a browser reads nothing).
    if (allow_credentials_) response.add_header("Access-Control-Allow-Credentials", "true");
    if (!allow_all_ && !allows(*origin)) return;
    // Never "*" with credentials: browsers refuse it; the origin is echoed instead.
    response.add_header("Access-Control-Allow-Origin", allow_all_ && !allow_credentials_
                                                           ? std::string("*")
                                                           : std::string(*origin));
    if (is_options) {
        response.add_header("Access-Control-Allow-Headers", std::string(kAllowHeaders));
        response.add_header("Access-Control-Allow-Methods", std::string(kAllowMethods));
        response.add_header("Access-Control-Max-Age", std::string(kMaxAge));
    }
}

void Cors::add_headers(Response& response, const Request& request) const {
    add_headers(response,
                request.origin ? std::optional<std::string_view>(*request.origin) : std::nullopt,
                request.method == Method::kOptions);
}

}  // namespace taskapi::http
