// Our HTTP request: what handlers see. Beast stays in http/server.cpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.hpp"
#include "core/principal.hpp"

namespace taskapi::http {

enum class Method { kGet, kHead, kPost, kPut, kPatch, kDelete, kOptions, kOther };

struct Request {
    Method method = Method::kGet;
    std::string method_name;  // as sent, e.g. "PURGE" for kOther
    std::string path;         // percent-decoded path
    std::string raw_path;     // the path as sent (for redirects); no query, no fragment
    std::string query;        // raw query string, without '?'
    // Fields sent as several lines arrive as one value, the lines joined with "," (as Django
    // sees them). Content-Type and Host are sent once (the request reader refuses more).
    std::optional<std::string> authorization;  // the Authorization header, if sent
    std::optional<std::string> content_type;   // the Content-Type header, if sent
    std::optional<std::string> accept;         // the Accept header, if sent
    std::optional<std::string> origin;         // the Origin header, if sent (CORS)
    std::optional<std::string> accept_encoding;  // the Accept-Encoding header, if sent
    std::optional<std::string> if_none_match;    // the If-None-Match header, if sent
    // The Access-Control-Request-Method header, if sent: with OPTIONS, a CORS preflight.
    std::optional<std::string> access_control_request_method;
    // The authority of an absolute-form target (http://host:port/path), else the Host header,
    // else (HTTP/1.0 without one) the bound address.
    std::string host;
    std::string remote_address;                // the peer's IP address
    std::optional<std::string> forwarded_for;  // the X-Forwarded-For header, if sent
    bool forwarded = false;                    // a Forwarded header (RFC 7239) was sent
    std::string body;

    // Filled in by the router.
    std::vector<std::string> path_params;
    std::optional<core::UserId> user_id;  // the authenticated user, if any
    std::string username;                 // the authenticated user's name
    // Set on a route whose read looks the caller's account up itself (Route::read_has_account):
    // the token is valid, user_id is the user it names, and the handler passes this to its read;
    // the router finishes authentication with what the read found. Null otherwise.
    core::AccountLookup* account = nullptr;
    std::string format;  // "json" when a format suffix or ?format= chose it
    // The pattern of the route that matched (Route::pattern); empty: none.
    std::string_view route;
};

// The client's address as DRF's throttles see it: the peer's address, or with `num_proxies`
// trusted proxies in front, the X-Forwarded-For entry that the outermost of them added.
std::string client_address(const Request& request, int num_proxies);

}  // namespace taskapi::http
