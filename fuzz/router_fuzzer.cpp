// The router (DRF's APIView.dispatch: path matching, format suffixes, APPEND_SLASH redirects,
// content negotiation, authentication, permissions, methods, OPTIONS) in front of the real task
// handlers, plus the text helpers that parse paths and queries (core/text.*) and the JSON
// re-indenting of responses.
//
// Input: lines split on '\n':
//   0 method, 1 request target (path?query), 2 Accept, 3 Authorization, 4 Host,
//   5 X-Forwarded-For, 6 Content-Type, 7... the body (newlines included).
// An empty header line means the header is absent. The routes are those of src/app/routes.cpp:
// /api/, /api/health/, /api/me/ and the task routes use the real handlers (tasks in an in-memory
// repository, fresh for each input: 1 and 3 are alice's, 2 is bob's); the two token routes are
// stubs (a login hashes with Argon2id, far too slow to fuzz). Users: 1 alice and 2 bob (active),
// 3 carol (inactive). Every line, and the whole input, also goes through the text helpers.
#include <array>
#include <boost/json/value.hpp>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <initializer_list>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "app/root_handlers.hpp"
#include "auth/authenticator.hpp"
#include "auth/token_service.hpp"
#include "core/text.hpp"
#include "fakes/fixed_clock.hpp"
#include "fakes/in_memory_task_repository.hpp"
#include "fakes/in_memory_user_repository.hpp"
#include "fuzz_common.hpp"
#include "http/json_body.hpp"
#include "http/request.hpp"
#include "http/router.hpp"
#include "tasks/task_handlers.hpp"
#include "tasks/task_json.hpp"
#include "tasks/task_service.hpp"
#include "users/me_handler.hpp"

namespace {

namespace json = boost::json;
using namespace taskapi;
using fuzz::check;

http::Response stub() {
    return http::json_response(200, R"({"stub":true,"items":[1,2.5,"\u00e9"],"nested":{}})");
}

// The tasks the handlers see: a fresh repository for every input.
struct TaskStore {
    fakes::InMemoryTaskRepository repository;
    tasks::TaskService service;
    tasks::TaskHandlers handlers{service};

    explicit TaskStore(const core::Clock& clock) : service(repository, clock) {
        service.create(core::UserId{1}, tasks::NewTask{"alice's first", "", false});
        service.create(core::UserId{2}, tasks::NewTask{"bob's", "private", true});
        service.create(core::UserId{1}, tasks::NewTask{"alice's second", "d", false});
    }

    // Each user's tasks as JSON, to see what a request changed.
    [[nodiscard]] std::string snapshot(std::int64_t user) {
        return tasks::tasks_to_json(repository.list(core::UserId{user}));
    }
};

struct World : fuzz::AuthWorld {
    http::Router router{[this](std::optional<std::string_view> header) {
        return authenticator.authenticate(header);
    }};
    std::unique_ptr<TaskStore> store;

    World() { add_routes(); }

    // The route table of src/app/routes.cpp.
    void add_routes() {
        using http::Access;
        using http::Request;
        const auto ok = [](const Request&) { return stub(); };
        const auto login_actions = [](const Request&) {
            return std::string(R"({"POST":{"username":{"type":"string"}}})");
        };
        router.add({.pattern = "/api/",
                    .name = "Api Root",
                    .description = "The default basic root view for DefaultRouter",
                    .format_suffix = true,
                    .get = app::api_root});
        router.add({.pattern = "/api/health/",
                    .name = "Health Check",
                    .access = Access::kPublic,
                    .get = app::health});
        router.add({.pattern = "/api/me/", .name = "Me", .get = users::me});
        router.add({.pattern = "/api/auth/token/",
                    .name = "Token Obtain Pair",
                    .description = "Takes a set of user credentials and returns an access and "
                                   "refresh JSON web\ntoken pair.",
                    .access = Access::kNoAuthentication,
                    .post = [](const Request&) { return http::defer([] { return stub(); }); },
                    .actions = login_actions});
        router.add({.pattern = "/api/auth/token/refresh/",
                    .name = "Token Refresh",
                    .access = Access::kNoAuthentication,
                    .post = ok,
                    .actions = login_actions});
        router.add(
            {.pattern = "/api/tasks/",
             .name = "Task List",
             .format_suffix = true,
             .get = [this](const Request& r) { return store->handlers.list(r); },
             .post = [this](const Request& r) { return store->handlers.create(r); },
             .actions = [this](const Request& r) { return store->handlers.list_actions(r); }});
        router.add(
            {.pattern = "/api/tasks/{}/",
             .name = "Task Instance",
             .format_suffix = true,
             .get = [this](const Request& r) { return store->handlers.retrieve(r); },
             .put = [this](const Request& r) { return store->handlers.update(r, false); },
             .patch = [this](const Request& r) { return store->handlers.update(r, true); },
             .del = [this](const Request& r) { return store->handlers.destroy(r); },
             .actions = [this](const Request& r) { return store->handlers.detail_actions(r); }});
    }
};

World& world() {
    static World w;
    return w;
}

// RFC 9110 token characters: what Beast accepts as a method.
bool is_token(std::string_view s) {
    if (s.empty()) return false;
    for (const char c : s) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
        if (!ok || c == '\0') return false;
    }
    return true;
}

// Beast takes header values with HTAB, visible ASCII and obs-text; drop the rest.
std::string header_value(std::string_view s) {
    std::string out;
    for (const char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (u == '\t' || (u >= 0x20 && u != 0x7F)) out += c;
    }
    return out;
}

http::Method method_of(std::string_view name) {
    if (name == "GET") return http::Method::kGet;
    if (name == "HEAD") return http::Method::kHead;
    if (name == "POST") return http::Method::kPost;
    if (name == "PUT") return http::Method::kPut;
    if (name == "PATCH") return http::Method::kPatch;
    if (name == "DELETE") return http::Method::kDelete;
    if (name == "OPTIONS") return http::Method::kOptions;
    return http::Method::kOther;
}

bool has_header(const http::Response& r, std::string_view name) {
    for (const auto& [key, value] : r.headers) {
        if (key == name) return true;
    }
    return false;
}

void check_dispatch(const std::vector<std::string_view>& lines) {
    const auto line = [&](std::size_t i) {
        return i < lines.size() ? lines[i] : std::string_view();
    };
    World& w = world();
    http::Request request;
    request.method_name = std::string(line(0));
    if (!is_token(request.method_name)) request.method_name = "GET";
    request.method = method_of(request.method_name);
    // The request target as http/server.cpp takes it apart (Beast refuses spaces and controls).
    std::string target;
    for (const char c : line(1)) {
        const auto u = static_cast<unsigned char>(c);
        if (u > 0x20 && u != 0x7F) target += c;
    }
    if (target.empty()) target = "/";
    const auto q = target.find('?');
    request.raw_path = target.substr(0, q);
    request.path = core::percent_decode(request.raw_path, false);
    if (q != std::string::npos) request.query = target.substr(q + 1);
    if (!line(2).empty()) request.accept = header_value(line(2));
    if (!line(3).empty()) request.authorization = header_value(line(3));
    request.host = header_value(line(4));
    if (!line(5).empty()) request.forwarded_for = header_value(line(5));
    if (!line(6).empty()) request.content_type = header_value(line(6));
    request.body = std::string(line(7));
    request.remote_address = "192.0.2.1";
    w.store = std::make_unique<TaskStore>(w.clock);
    std::array<std::string, 3> before;
    for (std::size_t u = 0; u < before.size(); ++u) {
        before[u] = w.store->snapshot(static_cast<std::int64_t>(u + 1));
    }

    // X-Forwarded-For: the client address is the peer or one trimmed entry of the header.
    for (const int proxies : {0, 1, 2, 5}) {
        const std::string address = http::client_address(request, proxies);
        if (address == request.remote_address) continue;
        check(proxies > 0 && request.forwarded_for.has_value() &&
                  request.forwarded_for->find(address) != std::string::npos &&
                  address.find(',') == std::string::npos && address.front() != ' ' &&
                  address.back() != ' ',
              "client_address is one X-Forwarded-For entry", address);
    }

    http::Response response;
    try {
        response = w.router.dispatch(request);
        if (response.deferred) {
            check(request.method == http::Method::kPost && request.path == "/api/auth/token/",
                  "only the login defers work", request.path);
            response = response.deferred();
        }
    } catch (const std::exception& e) {
        fuzz::fail("dispatch threw", e.what());
    }
    const int s = response.status;
    check(s == 200 || s == 201 || s == 204 || s == 301 || s == 308 || s == 400 || s == 401 ||
              s == 404 || s == 405 || s == 406 || s == 415,
          "status is one the API answers", std::to_string(s));
    fuzz::check_json_response(response, "JSON response body is valid UTF-8 JSON");
    if (s == 301 || s == 308) {
        std::string expected = request.raw_path + "/";
        if (!request.query.empty()) expected += "?" + request.query;
        bool found = false;
        for (const auto& [key, value] : response.headers) {
            if (key == "Location") found = value == expected;
        }
        check(found, "a redirect's Location is the path with a slash", expected);
        check((s == 301) ==
                  (request.method == http::Method::kGet || request.method == http::Method::kHead),
              "301 for GET and HEAD, 308 for the rest");
    }
    if (s == 200 || s == 201 || s == 204) {
        check(has_header(response, "Allow") && has_header(response, "Vary"),
              "views answer with Allow and Vary");
        const bool open = request.path.starts_with("/api/health") ||
                          request.path.starts_with("/api/auth/") ||
                          request.method == http::Method::kOptions;
        check(open ||
                  (request.user_id && (request.user_id->value == 1 || request.user_id->value == 2)),
              "protected views answer only active, authenticated users", request.path);
    }
    // Ownership: only the caller's own tasks are shown, and only they can change.
    const std::int64_t caller = request.user_id ? request.user_id->value : 0;
    if ((s == 200 || s == 201) && request.path.starts_with("/api/tasks") &&
        request.method != http::Method::kOptions) {
        const auto body = fuzz::parse_json(response.body);
        check(body.has_value(), "a task answer is JSON", response.body);
        const auto owned = [&](const json::value& task) {
            const json::value* owner =
                task.is_object() ? task.get_object().if_contains("owner") : nullptr;
            return owner != nullptr && owner->is_int64() && owner->get_int64() == caller;
        };
        if (body->is_array()) {
            for (const auto& task : body->get_array()) {
                check(owned(task), "a task list shows only the caller's tasks", response.body);
            }
        } else {
            check(owned(*body), "a task answer is one of the caller's tasks", response.body);
        }
    }
    for (std::size_t u = 0; u < before.size(); ++u) {
        if (static_cast<std::int64_t>(u + 1) == caller) continue;
        check(w.store->snapshot(static_cast<std::int64_t>(u + 1)) == before[u],
              "a request changes no other user's tasks", request.path);
    }
    if (caller != 0 &&
        (s >= 400 || request.method == http::Method::kGet ||
         request.method == http::Method::kHead || request.method == http::Method::kOptions)) {
        check(w.store->snapshot(caller) == before[static_cast<std::size_t>(caller - 1)],
              "reads and refused requests change nothing", request.path);
    }
}

// --- the text helpers --------------------------------------------------------------------------

// Python's int() over ASCII: sign, digits, surrounding whitespace; nullopt outside int64.
std::optional<std::int64_t> reference_int64(std::string_view text) {
    text = core::strip_whitespace(text);
    bool negative = false;
    if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
        negative = text.front() == '-';
        text.remove_prefix(1);
    }
    if (text.empty()) return std::nullopt;
    // The magnitude may reach 2^63 (for INT64_MIN); past that the text is out of range.
    constexpr std::uint64_t kLimit = std::uint64_t{1} << 63;
    std::uint64_t magnitude = 0;
    for (const char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        const auto digit = static_cast<std::uint64_t>(c - '0');
        if (magnitude > (kLimit - digit) / 10) return std::nullopt;
        magnitude = magnitude * 10 + digit;
    }
    if (negative) {
        return magnitude == kLimit ? std::numeric_limits<std::int64_t>::min()
                                   : -static_cast<std::int64_t>(magnitude);
    }
    if (magnitude == kLimit) return std::nullopt;
    return static_cast<std::int64_t>(magnitude);
}

void check_text(std::string_view text) {
    // to_valid_utf8: valid, the identity on valid text, idempotent.
    const std::string valid = core::to_valid_utf8(text);
    check(core::is_valid_utf8(valid), "to_valid_utf8 gives valid UTF-8", text);
    check(core::to_valid_utf8(valid) == valid, "to_valid_utf8 is idempotent", text);
    const bool was_valid = core::is_valid_utf8(text);
    if (was_valid) check(valid == text, "to_valid_utf8 keeps valid text", text);
    std::u32string code_points;
    check(core::decode_utf8(text, code_points) == was_valid, "decode_utf8 agrees with validity",
          text);
    if (was_valid) {
        check(core::count_code_points(text) == code_points.size(),
              "count_code_points counts the decoded code points", text);
        // JSON string escaping round-trips any valid text.
        std::string literal;
        core::append_json_string(literal, text);
        const auto parsed = fuzz::parse_json(literal);
        check(parsed && parsed->is_string() && parsed->get_string() == text,
              "append_json_string round-trips", literal);
    }

    // strip_whitespace: a sub-view, idempotent, valid when the input is.
    const std::string_view stripped = core::strip_whitespace(text);
    check(stripped.data() >= text.data() &&
              stripped.data() + stripped.size() <= text.data() + text.size(),
          "strip_whitespace returns a part of its input", text);
    check(core::strip_whitespace(stripped) == stripped, "strip_whitespace is idempotent", text);
    if (was_valid) check(core::is_valid_utf8(stripped), "stripped valid text is valid", text);

    // percent_decode: never longer; the identity without escapes.
    for (const bool plus : {false, true}) {
        const std::string decoded = core::percent_decode(text, plus);
        check(decoded.size() <= text.size(), "percent_decode never grows", text);
        if (text.find('%') == std::string_view::npos &&
            (!plus || text.find('+') == std::string_view::npos)) {
            check(decoded == text, "percent_decode without escapes is the identity", text);
        }
    }

    // parse_int64 against a reference, and round trips of what it returns.
    const auto parsed = core::parse_int64(text);
    check(parsed == reference_int64(text), "parse_int64 agrees with the reference", text);
    if (parsed) {
        check(core::parse_int64(std::to_string(*parsed)) == parsed, "parse_int64 round-trips",
              text);
    }

    const std::string lower = core::ascii_lower(text);
    check(lower.size() == text.size() && core::ascii_lower(lower) == lower,
          "ascii_lower keeps the size and is idempotent", text);
}

void check_float(const std::uint8_t* data, std::size_t size) {
    if (size < sizeof(double)) return;
    double value = 0;
    std::memcpy(&value, data, sizeof value);
    const std::string repr = core::python_float_repr(value);
    if (std::isnan(value)) {
        check(repr == "nan", "repr of NaN is nan", repr);
        return;
    }
    if (std::isinf(value)) {
        check(repr == (value > 0 ? "inf" : "-inf"), "repr of infinity", repr);
        return;
    }
    // Python's repr always shows a float as a float, and round-trips exactly.
    check(repr.find_first_of(".e") != std::string::npos, "repr has a '.' or an exponent", repr);
    char* end = nullptr;
    const double back = std::strtod(repr.c_str(), &end);
    check(end == repr.c_str() + repr.size(), "repr is a whole number literal", repr);
    check(std::memcmp(&back, &value, sizeof value) == 0, "repr round-trips through strtod", repr);
    check(repr.size() <= 24, "repr is the shortest form", repr);
}

// Equal JSON values, but doubles only to 1e-15 relative: Boost.JSON 1.81 parses long mantissas
// imprecisely, so "1111111111111111111111" and its shortest form may differ in the last bit.
// (taskapi never renders a float, so this is not a difference a client can see.)
bool same_json(const json::value& a, const json::value& b) {
    if (a.is_double() && b.is_double()) {
        const double x = a.get_double();
        const double y = b.get_double();
        return x == y || std::fabs(x - y) <= 1e-15 * std::fmax(std::fabs(x), std::fabs(y));
    }
    if (a.kind() != b.kind()) return false;
    if (a.is_array()) {
        const auto& x = a.get_array();
        const auto& y = b.get_array();
        if (x.size() != y.size()) return false;
        for (std::size_t i = 0; i < x.size(); ++i) {
            if (!same_json(x[i], y[i])) return false;
        }
        return true;
    }
    if (a.is_object()) {
        const auto& x = a.get_object();
        const auto& y = b.get_object();
        if (x.size() != y.size()) return false;
        for (const auto& kv : x) {
            const json::value* other = y.if_contains(kv.key());
            if (other == nullptr || !same_json(kv.value(), *other)) return false;
        }
        return true;
    }
    return a == b;
}

// Boost.JSON 1.81 reads 1e400 as infinity and writes it back as "Infinity", which is not JSON.
// taskapi's own answers never hold a float, so indent_json never sees one.
bool has_non_finite(const json::value& v) {
    if (v.is_double()) return !std::isfinite(v.get_double());
    if (v.is_array()) {
        for (const auto& item : v.get_array()) {
            if (has_non_finite(item)) return true;
        }
    }
    if (v.is_object()) {
        for (const auto& kv : v.get_object()) {
            if (has_non_finite(kv.value())) return true;
        }
    }
    return false;
}

// indent_json keeps the JSON value and renders it with Python's layout.
void check_indent(std::string_view text, int indent) {
    const std::string out = http::indent_json(text, indent);
    const auto before = fuzz::parse_json(text);
    if (!before) {
        check(out == text, "indent_json leaves non-JSON alone", text);
        return;
    }
    if (has_non_finite(*before)) return;
    const auto after = fuzz::parse_json(out);
    check(after.has_value() && same_json(*after, *before), "indent_json keeps the value", out);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input = fuzz::as_view(data, size);
    const auto lines = fuzz::split_lines(input, 8);
    check_dispatch(lines);

    check_text(input);
    for (const auto l : lines) check_text(l);
    check_float(data, size);
    check_indent(lines.back(), size == 0 ? 1 : static_cast<int>(data[0] % 8) + 1);
    return 0;
}
