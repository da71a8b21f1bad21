#include "http/router.hpp"

#include <algorithm>

#include "core/text.hpp"
#include "http/error_response.hpp"
#include "http/json_body.hpp"

namespace taskapi::http {
namespace {

constexpr std::string_view kApiPrefix = "/api/";
constexpr std::string_view kJsonType = "application/json";
constexpr std::string_view kHtmlType = "text/html";

// Matches `path` against `pattern` ("{}" is one segment of [^/.]+), collecting parameters.
bool match_pattern(std::string_view pattern, std::string_view path,
                   std::vector<std::string>& params) {
    while (!pattern.empty()) {
        const auto brace = pattern.find("{}");
        const auto literal = pattern.substr(0, brace);
        if (path.substr(0, literal.size()) != literal) return false;
        path.remove_prefix(literal.size());
        if (brace == std::string_view::npos) return path.empty();
        pattern.remove_prefix(brace + 2);
        std::size_t n = 0;
        while (n < path.size() && path[n] != '/' && path[n] != '.') ++n;
        if (n == 0) return false;
        params.emplace_back(path.substr(0, n));
        path.remove_prefix(n);
    }
    return path.empty();
}

// DRF's format_suffix_patterns: "tasks/" also answers "tasks.<fmt>" and "tasks.<fmt>/",
// and the root "" answers ".<fmt>" and ".<fmt>/", where <fmt> is [a-z0-9]+.
bool match_suffix(std::string_view pattern, std::string_view path, std::vector<std::string>& params,
                  std::string& format) {
    if (pattern.size() > kApiPrefix.size() && pattern.ends_with('/')) pattern.remove_suffix(1);
    if (path.ends_with('/')) path.remove_suffix(1);
    const auto dot = path.rfind('.');
    if (dot == std::string_view::npos) return false;
    const auto fmt = path.substr(dot + 1);
    if (fmt.empty()) return false;
    for (const char c : fmt) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
    }
    if (!match_pattern(pattern, path.substr(0, dot), params)) return false;
    format = std::string(fmt);
    return true;
}

std::string allow_header(const Route& r) {
    std::string allow;
    const auto add = [&](bool present, std::string_view name) {
        if (!present) return;
        if (!allow.empty()) allow += ", ";
        allow += name;
    };
    add(static_cast<bool>(r.get), "GET");
    add(static_cast<bool>(r.post), "POST");
    add(static_cast<bool>(r.put), "PUT");
    add(static_cast<bool>(r.patch), "PATCH");
    add(static_cast<bool>(r.del), "DELETE");
    add(static_cast<bool>(r.get), "HEAD");
    add(true, "OPTIONS");
    return allow;
}

// The last value of a query parameter (Django's QueryDict.get), if present.
std::optional<std::string> query_param(std::string_view query, std::string_view name) {
    std::optional<std::string> found;
    std::size_t start = 0;
    while (start <= query.size()) {
        const std::size_t end = std::min(query.find('&', start), query.size());
        const std::string_view pair = query.substr(start, end - start);
        const auto eq = pair.find('=');
        if (core::percent_decode(pair.substr(0, eq), true) == name) {
            found = eq == std::string_view::npos ? std::string()
                                                 : core::percent_decode(pair.substr(eq + 1), true);
        }
        start = end + 1;
    }
    return found;
}

struct MediaRange {
    std::string main;
    std::string sub;
    std::vector<std::pair<std::string, std::string>> params;  // without q

    [[nodiscard]] int precedence() const {
        if (main == "*") return 0;
        if (sub == "*") return 1;
        return params.empty() ? 2 : 3;
    }
    [[nodiscard]] bool matches(std::string_view renderer_type) const {
        const auto slash = renderer_type.find('/');
        return (main == "*" || main == renderer_type.substr(0, slash)) &&
               (sub == "*" || sub == renderer_type.substr(slash + 1));
    }
};

std::vector<MediaRange> parse_accept(std::string_view header) {
    std::vector<MediaRange> out;
    std::size_t start = 0;
    while (start <= header.size()) {
        const std::size_t end = std::min(header.find(',', start), header.size());
        std::string_view item = core::trim_blanks(header.substr(start, end - start));
        start = end + 1;
        if (item.empty()) continue;
        MediaRange range;
        const auto semi = item.find(';');
        const std::string type = core::ascii_lower(core::trim_blanks(item.substr(0, semi)));
        const auto slash = type.find('/');
        range.main = type.substr(0, slash);
        range.sub = slash == std::string::npos ? std::string() : type.substr(slash + 1);
        std::string_view rest =
            semi == std::string_view::npos ? std::string_view() : item.substr(semi + 1);
        while (!rest.empty()) {
            const auto next = rest.find(';');
            const std::string_view param = core::trim_blanks(rest.substr(0, next));
            const auto eq = param.find('=');
            if (eq != std::string_view::npos) {
                std::string key = core::ascii_lower(core::trim_blanks(param.substr(0, eq)));
                if (key != "q")
                    range.params.emplace_back(std::move(key),
                                              std::string(core::trim_blanks(param.substr(eq + 1))));
            }
            rest = next == std::string_view::npos ? std::string_view() : rest.substr(next + 1);
        }
        out.push_back(std::move(range));
    }
    return out;
}

struct Negotiated {
    std::optional<int> indent;
    std::string format;  // one of the route's own formats (Route::formats), or empty for JSON
};

struct Renderer {
    std::string_view media_type;
    std::string_view format;  // the route's own format it renders, empty for JSON and HTML
};

// DRF's DefaultContentNegotiation over the JSON renderer, the browsable API (answered with
// JSON here, API.md difference 5) and the route's own renderers, in that order. nullopt:
// nothing acceptable (406).
std::optional<Negotiated> negotiate(const Request& request, const Route& route,
                                    std::string_view format) {
    std::vector<Renderer> renderers;
    if (format.empty() || format == "json") renderers.push_back({kJsonType, {}});
    if (format.empty() || format == "api") renderers.push_back({kHtmlType, {}});
    for (const auto& [own_format, media_type] : route.formats) {
        if (format.empty() || format == own_format) renderers.push_back({media_type, own_format});
    }
    const std::string_view header = request.accept && !core::trim_blanks(*request.accept).empty()
                                        ? std::string_view(*request.accept)
                                        : "*/*";
    // No Accept (most API clients) or only "*/*": the first renderer, with no parameters.
    if (header == "*/*") {
        if (renderers.empty()) return std::nullopt;
        Negotiated n;
        n.format = renderers.front().format;
        return n;
    }
    const auto ranges = parse_accept(header);
    for (int precedence = 3; precedence >= 0; --precedence) {
        for (const auto& renderer : renderers) {
            for (const auto& range : ranges) {
                if (range.precedence() != precedence || !range.matches(renderer.media_type)) {
                    continue;
                }
                Negotiated n;
                n.format = renderer.format;
                // DRF hands the Accept entry's parameters to the JSON renderer, also from a
                // wildcard; indent is clamped to 0..8, and 0 means compact (zero_as_none).
                if (renderer.media_type == kJsonType) {
                    for (const auto& [key, value] : range.params) {
                        if (key != "indent") continue;
                        if (auto i = core::parse_int64(value)) {
                            const auto clamped = std::clamp<std::int64_t>(*i, 0, 8);
                            if (clamped > 0) n.indent = static_cast<int>(clamped);
                        }
                    }
                }
                return n;
            }
        }
    }
    return std::nullopt;
}

std::string uppercase(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    }
    return out;
}

Response options_response(const Route& route, const Request& request) {
    std::string body = "{\"name\":";
    core::append_json_string(body, route.name);
    body += ",\"description\":";
    core::append_json_string(body, route.description);
    body +=
        R"(,"renders":["application/json","text/html"],)"
        R"("parses":["application/json","application/x-www-form-urlencoded","multipart/form-data"])";
    if (route.actions) {
        const std::string actions = route.actions(request);
        if (!actions.empty()) {
            body += ",\"actions\":";
            body += actions;
        }
    }
    body += '}';
    return json_response(200, std::move(body));
}

Response redirect(const Request& request, std::string_view raw_path) {
    Response r;
    // 301 as Django for GET and HEAD; 308 keeps the method and body of the others (API.md, 3).
    r.status = request.method == Method::kGet || request.method == Method::kHead ? 301 : 308;
    r.content_type = "text/html; charset=utf-8";
    std::string location(raw_path);
    location += '/';
    if (!request.query.empty()) {
        location += '?';
        location += request.query;
    }
    r.add_header("Location", std::move(location));
    return r;
}

// The API view's finishing steps, for every answer of a matched route.
// `scheme`: the 401's WWW-Authenticate names it (the first accepted Authorization scheme).
Response finish_view(Response response, const Route& route, std::optional<int> indent,
                     const std::string& scheme) {
    if (response.status == 401 && scheme != "Bearer") {
        for (auto& [name, value] : response.headers) {
            if (name == "WWW-Authenticate") value = scheme + " realm=\"api\"";
        }
    }
    // Every answer rendered after a successful negotiation honours its indent, errors included.
    if (indent && response.content_type == kJsonType && !response.body.empty()) {
        indent_body(response, *indent);
    }
    response.headers.reserve(response.headers.size() + 2 + route.headers.size());
    response.add_header("Allow", allow_header(route));
    response.add_header("Vary", "Accept");
    response.route = route.pattern;
    for (const auto& [name, value] : route.headers) response.add_header(name, value);
    return response;
}

}  // namespace

std::optional<Router::Match> Router::match(std::string_view path) const {
    for (const Route& route : routes_) {
        Match m;
        m.route = &route;
        if (match_pattern(route.pattern, path, m.params)) return m;
        m.params.clear();
        if (route.format_suffix && match_suffix(route.pattern, path, m.params, m.format)) return m;
    }
    return std::nullopt;
}

namespace {

// The route's handler for a method (GET's for HEAD: GET without the body); nullptr for OPTIONS,
// which the router answers itself, and for methods no route offers.
const Handler* handler_for(const Route& route, Method method) {
    switch (method) {
        case Method::kGet:
        case Method::kHead:
            return &route.get;
        case Method::kPost:
            return &route.post;
        case Method::kPut:
            return &route.put;
        case Method::kPatch:
            return &route.patch;
        case Method::kDelete:
            return &route.del;
        case Method::kOptions:
        case Method::kOther:
            return nullptr;
    }
    return nullptr;
}

}  // namespace

std::vector<std::string_view> Router::patterns() const {
    std::vector<std::string_view> out;
    out.reserve(routes_.size());
    for (const Route& route : routes_) out.emplace_back(route.pattern);
    return out;
}

std::string_view Router::pattern_for(std::string_view path) const {
    const auto m = match(path);
    return m ? std::string_view(m->route->pattern) : std::string_view();
}

Work Router::work_for(const Request& request) const {
    if (cors_.is_preflight(request)) return Work::kInline;
    const auto m = match(request.path);
    if (!m) return Work::kInline;
    const Route& route = *m->route;
    Work work = route.work;
    if (request.method == Method::kOptions) {
        work = route.actions_work;
    } else if (const Handler* handler = handler_for(route, request.method);
               handler == nullptr || !*handler) {
        work = Work::kInline;  // 405
    }
    const bool authenticates = route.access != Access::kNoAuthentication && request.authorization;
    if (authenticates && work == Work::kInline) return Work::kDatabase;
    // Without credentials an authenticated route answers 401 before its handler runs.
    if (route.access == Access::kAuthenticated && !request.authorization) return Work::kInline;
    return work;
}

Router::Router(Authentication authentication)
    : authenticate_([verify = authentication.verify,
                     admit = authentication.admit](std::optional<std::string_view> authorization)
                        -> core::Result<std::optional<core::Principal>> {
          auto claimant = verify(authorization);
          if (!claimant) return std::move(claimant).error();
          if (!*claimant) return std::optional<core::Principal>{};
          auto principal = admit(**claimant, core::AccountLookup{});
          if (!principal) return std::move(principal).error();
          return std::optional<core::Principal>{std::move(principal).value()};
      }),
      authentication_(std::move(authentication)) {}

Response Router::dispatch(Request& request) const {
    if (cors_.is_preflight(request)) {
        Response preflight = cors_.preflight_response(request);
        preflight.route = pattern_for(request.path);  // counted by route, as what it precedes
        return preflight;
    }
    Response response = dispatch_unadorned(request);
    if (!cors_.is_enabled()) return response;
    if (response.deferred) {
        // Runs on another thread, maybe after `request` is gone: it owns what it uses.
        response.deferred = [work = std::move(response.deferred), this, origin = request.origin,
                             is_options = request.method == Method::kOptions] {
            Response finished = work();
            cors_.add_headers(finished,
                              origin ? std::optional<std::string_view>(*origin) : std::nullopt,
                              is_options);
            return finished;
        };
        return response;
    }
    cors_.add_headers(response, request);
    return response;
}

Response Router::dispatch_unadorned(Request& request) const {
    auto m = match(request.path);
    // Django checks the Host in its middleware, before URL resolution: unknown URLs and
    // redirects are refused too. The host is not echoed (it is the attacker's text).
    if (allowed_hosts_ && !(m && m->route->any_host) && !allowed_hosts_->allows(request.host)) {
        return error_response(
            core::make_error(core::ErrorCode::kInvalidArgument, "Invalid Host header."));
    }
    if (m) return dispatch_view(request, *m);
    // Django's APPEND_SLASH: redirect when the path with a trailing slash exists.
    if (!request.path.ends_with('/') && match(request.path + '/')) {
        const auto raw_path = request.raw_path.empty() ? std::string_view(request.path)
                                                       : std::string_view(request.raw_path);
        return redirect(request, raw_path);
    }
    return not_found();
}

Response Router::dispatch_view(Request& request, const Match& m) const {
    const Route& route = *m.route;
    request.route = route.pattern;
    request.path_params = m.params;
    request.format = m.format;

    // 1. Content negotiation: an unknown format is 404, an unsatisfiable Accept 406.
    std::string format = m.format;
    if (format.empty()) format = query_param(request.query, "format").value_or("");
    const bool known_format =
        format.empty() || format == "json" || format == "api" ||
        std::ranges::any_of(route.formats, [&](const auto& f) { return f.first == format; });
    const auto negotiated = known_format ? negotiate(request, route, format) : std::nullopt;
    if (negotiated && !negotiated->format.empty()) request.format = negotiated->format;

    // Set when the handler's read looks the account up (Route::read_has_account).
    std::optional<core::Claimant> claimant;
    core::AccountLookup account;

    Response response = [&]() -> Response {
        if (!known_format) return not_found();
        if (!negotiated) {
            return error_response(core::make_error(core::ErrorCode::kNotAcceptable,
                                                   "Could not satisfy the request Accept header."));
        }

        // 2. Authentication, then the permission check. A read that looks the account up
        // itself needs only the token checked now; the account is checked after it.
        const auto authorization = request.authorization
                                       ? std::optional<std::string_view>(*request.authorization)
                                       : std::nullopt;
        if (authentication_ && route.read_has_account &&
            route.access != Access::kNoAuthentication &&
            (request.method == Method::kGet || request.method == Method::kHead) && route.get) {
            auto verified = authentication_->verify(authorization);
            if (!verified) return error_response(verified.error());
            if (*verified) {
                claimant = **verified;
                request.user_id = claimant->id;
                request.account = &account;
            }
        } else if (route.access != Access::kNoAuthentication) {
            auto principal = authenticate_(authorization);
            if (!principal) return error_response(principal.error());
            if (*principal) {
                request.user_id = (*principal)->id;
                request.username = std::move((*principal)->username);
            }
        }
        if (route.access == Access::kAuthenticated && !request.user_id) {
            return error_response(
                core::make_error(core::ErrorCode::kUnauthenticated,
                                 "Authentication credentials were not provided."));
        }

        // 3. The method.
        if (request.method == Method::kOptions) return options_response(route, request);
        const Handler* handler = handler_for(route, request.method);
        if (handler == nullptr || !*handler) {
            return error_response(
                core::make_error(core::ErrorCode::kMethodNotAllowed,
                                 "Method \"" + uppercase(request.method_name) + "\" not allowed."));
        }
        Response answer = (*handler)(request);
        if (claimant) {
            // The rest of authentication: the handler's answer goes out only if the account
            // (as its read found it, or looked up now) admits the caller.
            request.account = nullptr;
            auto principal = authentication_->admit(*claimant, account);
            if (!principal) return error_response(principal.error());
            request.username = std::move(principal->username);
        }
        return answer;
    }();

    const std::optional<int> indent = negotiated ? negotiated->indent : std::nullopt;
    if (response.deferred) {
        // The slow part finishes like any other answer of this view, on whatever thread runs it.
        response.deferred = [work = std::move(response.deferred), &route, indent,
                             &scheme = authenticate_scheme_] {
            return finish_view(work(), route, indent, scheme);
        };
        return response;
    }
    return finish_view(std::move(response), route, indent, authenticate_scheme_);
}

}  // namespace taskapi::http
