// Routes requests to handlers the way DRF's APIView does: content negotiation, authentication,
// permission, method, then the handler. Also the API-view headers (Allow, Vary) and OPTIONS.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/principal.hpp"
#include "core/result.hpp"
#include "http/allowed_hosts.hpp"
#include "http/cors.hpp"
#include "http/request.hpp"
#include "http/response.hpp"

namespace taskapi::http {

using Handler = std::function<Response(const Request&)>;
// Returns the JSON object text of OPTIONS "actions", or an empty string for none.
using ActionsProvider = std::function<std::string(const Request&)>;
using Authenticate =
    std::function<core::Result<std::optional<core::Principal>>(std::optional<std::string_view>)>;

// Authentication in its two steps, so that a route's read can look the caller's account up
// itself (Route::read_has_account) and a read costs one round trip to a database server.
struct Authentication {
    // The Authorization header's token alone, no storage: nullopt (anonymous) without Bearer
    // credentials, kUnauthenticated for a bad header or token.
    std::function<core::Result<std::optional<core::Claimant>>(std::optional<std::string_view>)>
        verify;
    // The claimant's account checked: as `lookup` found it, or looked up now when it was not.
    std::function<core::Result<core::Principal>(const core::Claimant&, const core::AccountLookup&)>
        admit;
};

// What answering a request needs, and so where the server runs it (docs/decisions/008).
enum class Work {
    kInline,    // memory only (health, the API root, OPTIONS): the I/O thread answers it
    kDatabase,  // storage calls, which may block on a database server's round trips
    // Storage calls, then slow CPU work deferred to the hashing pool (login: the throttle and
    // body checks, then one Argon2id verification)
    kCpu,
};

enum class Access {
    kAuthenticated,     // IsAuthenticated (the default)
    kPublic,            // AllowAny: anonymous allowed, but a bad token is still refused
    kNoAuthentication,  // authentication_classes = (): the Authorization header is ignored
};

struct Route {
    std::string pattern;      // e.g. "/api/tasks/{}/"; "{}" matches one segment without '/' or '.'
    std::string name;         // OPTIONS "name", e.g. "Task List"
    std::string description;  // OPTIONS "description"
    Access access = Access::kAuthenticated;
    // Answered whatever the Host header says (health: load balancers probe it by IP address).
    bool any_host = false;
    bool format_suffix = false;  // also answer "<path>.json" and "<path>.json/"
    // More renderers than JSON's, as {format, media type}: ?format=<format> selects one, and
    // without ?format= an Accept naming its media type does (after JSON's). The handler renders
    // it itself: Request::format says which was chosen (the OpenAPI document's YAML).
    std::vector<std::pair<std::string, std::string>> formats;
    // Described in the OpenAPI document (GET /api/schema/); false for what is not an API
    // operation.
    bool in_schema = true;
    // Added to every answer of this route (errors, OPTIONS and deferred results included).
    std::vector<std::pair<std::string, std::string>> headers;
    // What the handlers need (authentication aside: a request with credentials also needs the
    // user lookup, see Router::work_for).
    Work work = Work::kDatabase;
    Handler get, post, put, patch, del;
    // GET (and HEAD): the handler passes Request::account to its read, which may look the
    // caller's account up in the same statement; the router then admits the caller after the
    // handler, with what the read found, and answers 401 instead when the account is refused.
    // Only for reads: a refused caller must not have changed anything.
    bool read_has_account = false;
    ActionsProvider actions;
    Work actions_work = Work::kInline;  // what `actions` needs (OPTIONS)
};

// Immutable after set-up; dispatch() is thread-safe.
class Router {
public:
    explicit Router(Authenticate authenticate) : authenticate_(std::move(authenticate)) {}
    // authenticate_ is `authentication`'s two steps in a row.
    explicit Router(Authentication authentication);

    void add(Route route) { routes_.push_back(std::move(route)); }
    // Every route, in the order added (what the OpenAPI document is generated from).
    [[nodiscard]] const std::vector<Route>& routes() const { return routes_; }

    // From now on, a request whose Host is not allowed gets 400 {"detail":"Invalid Host
    // header."} before anything else, unless its route is any_host. Without it, any Host goes.
    void set_allowed_hosts(AllowedHosts hosts) { allowed_hosts_ = std::move(hosts); }

    // The scheme a 401's WWW-Authenticate names (`<scheme> realm="api"`); Bearer unless set.
    void set_authenticate_scheme(std::string scheme) { authenticate_scheme_ = std::move(scheme); }
    // From now on, CORS as django-cors-headers' middleware (first in MIDDLEWARE) does it: a
    // preflight is answered 200 before anything else (the Host check included), and every
    // answer, deferred ones included, gets the CORS headers.
    void set_cors(Cors cors) { cors_ = std::move(cors); }
    [[nodiscard]] const Cors& cors() const { return cors_; }

    // What answering `request` needs, before dispatch() runs: a path match and a look at the
    // method and the Authorization header, nothing else (no authentication, no Host check).
    //  - a CORS preflight: kInline;
    //  - a path no route matches (404, redirect): kInline;
    //  - a route that authenticates, asked with an Authorization header: at least kDatabase
    //    (the user lookup); without one, authentication needs nothing;
    //  - OPTIONS: the route's actions_work; a method the route does not offer (405): kInline;
    //  - otherwise the route's work.
    [[nodiscard]] Work work_for(const Request& request) const;

    // Never throws for bad input; exceptions from handlers propagate (the server answers 500).
    // When a handler defers slow work (Response::deferred), the answer's deferred function
    // also applies the view's finishing steps (indent, Allow, Vary) to what the work returns;
    // it may run on any thread while the router lives.
    [[nodiscard]] Response dispatch(Request& request) const;

    // Every route's pattern, in the order added (the metrics' route labels).
    [[nodiscard]] std::vector<std::string_view> patterns() const;
    // The pattern of the route `path` matches (format suffixes included); empty: none.
    [[nodiscard]] std::string_view pattern_for(std::string_view path) const;
    // True when a request with this Host would pass set_allowed_hosts (or none was set).
    [[nodiscard]] bool allows_host(std::string_view host) const {
        return !allowed_hosts_ || allowed_hosts_->allows(host);
    }

private:
    struct Match {
        const Route* route = nullptr;
        std::vector<std::string> params;
        std::string format;
    };
    [[nodiscard]] std::optional<Match> match(std::string_view path) const;
    [[nodiscard]] Response dispatch_view(Request& request, const Match& match) const;
    [[nodiscard]] Response dispatch_unadorned(Request& request) const;

    Authenticate authenticate_;
    std::optional<Authentication> authentication_;  // set: routes may read_has_account
    std::vector<Route> routes_;
    std::optional<AllowedHosts> allowed_hosts_;
    std::string authenticate_scheme_ = "Bearer";
    Cors cors_;  // off unless set
};

}  // namespace taskapi::http
