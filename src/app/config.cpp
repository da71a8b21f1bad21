#include "app/config.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>
#include <thread>
#include <utility>
#include <vector>

#include "auth/login_throttle.hpp"
#include "core/text.hpp"
#include "http/allowed_hosts.hpp"
#include "storage/open_storage.hpp"

extern char** environ;

namespace taskapi::app {
namespace {

std::string trimmed(std::string_view s) { return std::string(core::trim_blanks(s)); }

constexpr std::size_t kMinSecretKeyBytes = 32;

core::Error invalid(const std::string& setting, const std::string& why) {
    return core::make_error(core::ErrorCode::kInvalidArgument, setting + ": " + why);
}

}  // namespace

Environment parse_dotenv(const std::string& text) {
    Environment env;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        std::string entry = trimmed(line);
        if (entry.empty() || entry.front() == '#') continue;
        if (entry.rfind("export ", 0) == 0) entry = trimmed(entry.substr(7));
        const auto eq = entry.find('=');
        if (eq == std::string::npos) continue;
        const std::string key = trimmed(entry.substr(0, eq));
        std::string value = trimmed(entry.substr(eq + 1));
        if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
            value.back() == value.front()) {
            value = value.substr(1, value.size() - 2);
        }
        if (!key.empty()) env[key] = value;
    }
    return env;
}

Environment load_environment(const std::string& dotenv_path) {
    Environment env;
    if (std::ifstream file(dotenv_path); file) {
        std::stringstream text;
        text << file.rdbuf();
        env = parse_dotenv(text.str());
    }
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
        const std::string_view entry(*e);
        const auto eq = entry.find('=');
        if (eq == std::string_view::npos) continue;
        env[std::string(entry.substr(0, eq))] = std::string(entry.substr(eq + 1));
    }
    return env;
}

namespace {

core::Result<std::int64_t> parse_count(const std::string& text, std::int64_t min, std::int64_t max,
                                       std::string_view what) {
    const auto value = core::parse_int64(text);
    if (!value || *value < min || *value > max) {
        return core::make_error(core::ErrorCode::kInvalidArgument,
                                "expected " + std::string(what) + " from " + std::to_string(min) +
                                    " to " + std::to_string(max) + ", got '" + text + "'");
    }
    return *value;
}

// What the rows of the table below do with a value. Each returns the error without the
// setting's name; config_from_environment puts it in front.
using Apply = core::Status (*)(Config& config, const std::string& value);

template <std::chrono::seconds Config::*kField, std::int64_t kMax, std::int64_t kMin = 1>
core::Status seconds(Config& config, const std::string& value) {
    auto n = parse_count(value, kMin, kMax, "a whole number of seconds");
    if (!n) return std::move(n).error();
    config.*kField = std::chrono::seconds{*n};
    return core::Ok{};
}

template <std::optional<auth::Rate> auth::LoginRates::*kField>
core::Status rate(Config& config, const std::string& value) {
    auto parsed = auth::parse_rate(value);
    if (!parsed) return std::move(parsed).error();
    config.login_rates.*kField = *parsed;
    return core::Ok{};
}

core::Status secret_key(Config& config, const std::string& value) {
    config.secret_key = value;
    return core::Ok{};
}

core::Status database_url(Config& config, const std::string& value) {
    if (auto ok = storage::validate_database_url(value); !ok) return ok;
    config.database_url = value;
    return core::Ok{};
}

core::Status host(Config& config, const std::string& value) {
    if (value.empty())
        return core::make_error(core::ErrorCode::kInvalidArgument, "may not be empty");
    config.host = value;
    return core::Ok{};
}

core::Status port(Config& config, const std::string& value) {
    auto n = parse_count(value, 0, 65535, "a port");
    if (!n) return std::move(n).error();
    config.port = static_cast<std::uint16_t>(*n);
    return core::Ok{};
}

core::Status threads(Config& config, const std::string& value) {
    auto n = parse_count(value, 1, 256, "a number of threads");
    if (!n) return std::move(n).error();
    config.threads = static_cast<int>(*n);
    return core::Ok{};
}

core::Status db_threads(Config& config, const std::string& value) {
    auto n = parse_count(value, 0, 1024, "a number of threads (0: none)");
    if (!n) return std::move(n).error();
    config.db_threads = static_cast<int>(*n);
    return core::Ok{};
}

core::Status db_write_threads(Config& config, const std::string& value) {
    auto n = parse_count(value, 0, 1024, "a number of threads (0: none)");
    if (!n) return std::move(n).error();
    config.db_write_threads = static_cast<int>(*n);
    return core::Ok{};
}

core::Status log_level(Config& config, const std::string& value) {
    if (!core::parse_log_level(value, config.log_level)) {
        return core::make_error(core::ErrorCode::kInvalidArgument,
                                "expected debug, info, warning or error, got '" + value + "'");
    }
    return core::Ok{};
}

core::Status log_format(Config& config, const std::string& value) {
    if (!core::parse_log_format(value, config.log_format)) {
        return core::make_error(core::ErrorCode::kInvalidArgument,
                                "expected text or json, got '" + value + "'");
    }
    return core::Ok{};
}

core::Status retired_username_rate(Config& /*config*/, const std::string& /*value*/) {
    // It counted every attempt, so anyone could lock an account's owner out by failing.
    return core::make_error(core::ErrorCode::kInvalidArgument,
                            "is retired (it let strangers lock the owner out); use "
                            "TASKAPI_LOGIN_FAILURE_RATE_PER_USERNAME_ADDRESS (default 10/min) and "
                            "TASKAPI_LOGIN_FAILURE_RATE_PER_USERNAME (default 100/hour) instead");
}

core::Status allowed_hosts(Config& config, const std::string& value) {
    auto hosts = http::AllowedHosts::parse(value);
    if (!hosts) return std::move(hosts).error();
    config.allowed_hosts = std::move(*hosts);
    return core::Ok{};
}

// Comma-separated schemes, each an HTTP token (RFC 9110 5.6.2: no space, no separator), at
// most 8.
core::Status auth_header_types(Config& config, const std::string& value) {
    std::vector<std::string> types;
    std::string_view rest = value;
    for (;;) {
        const auto comma = rest.find(',');
        const std::string_view item = core::trim_blanks(rest.substr(0, comma));
        const bool token = !item.empty() && std::all_of(item.begin(), item.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
                   std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
        });
        if (!token) {
            return core::make_error(
                core::ErrorCode::kInvalidArgument,
                "expected comma-separated schemes such as Bearer,JWT, got '" + value + "'");
        }
        types.emplace_back(item);
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
    }
    if (types.size() > 8) {
        return core::make_error(core::ErrorCode::kInvalidArgument, "at most 8 schemes");
    }
    config.auth_header_types = std::move(types);
    return core::Ok{};
}

core::Status cors_allowed_origins(Config& config, const std::string& value) {
    auto cors = http::Cors::parse(value);
    if (!cors) return std::move(cors).error();
    config.cors = std::move(*cors);
    return core::Ok{};
}

// The boolean settings: `true` or `1`, `false` or `0` (the and Django's habits both).
template <bool Config::*kField>
core::Status flag(Config& config, const std::string& value) {
    if (value != "true" && value != "false" && value != "1" && value != "0") {
        return core::make_error(core::ErrorCode::kInvalidArgument,
                                "expected true or false (1 or 0), got '" + value + "'");
    }
    config.*kField = value == "true" || value == "1";
    return core::Ok{};
}

core::Status num_proxies(Config& config, const std::string& value) {
    auto n = parse_count(value, 0, 16, "a number");
    if (!n) return std::move(n).error();
    config.num_proxies = static_cast<int>(*n);
    return core::Ok{};
}

core::Status max_connections(Config& config, const std::string& value) {
    auto n = parse_count(value, 1, 1000000, "a number");
    if (!n) return std::move(n).error();
    config.max_connections = static_cast<int>(*n);
    return core::Ok{};
}

core::Status max_connections_per_address(Config& config, const std::string& value) {
    auto n = parse_count(value, 0, 1000000, "a number (0: no cap)");
    if (!n) return std::move(n).error();
    config.max_connections_per_address = static_cast<int>(*n);
    return core::Ok{};
}

core::Status sqlite_synchronous(Config& config, const std::string& value) {
    if (value != "normal" && value != "full") {
        return core::make_error(core::ErrorCode::kInvalidArgument,
                                "expected normal or full, got '" + value + "'");
    }
    config.sqlite_synchronous_full = value == "full";
    return core::Ok{};
}

core::Status db_pool_size(Config& config, const std::string& value) {
    auto n = parse_count(value, 1, 1000, "a number of connections");
    if (!n) return std::move(n).error();
    config.db_pool_size = static_cast<int>(*n);
    return core::Ok{};
}

core::Status page_size(Config& config, const std::string& value) {
    if (value.empty()) {
        config.page_size.reset();
        return core::Ok{};
    }
    auto n = parse_count(value, 1, 1000000, "a number of tasks (empty: no pagination)");
    if (!n) return std::move(n).error();
    config.page_size = *n;
    return core::Ok{};
}

core::Status max_page_size(Config& config, const std::string& value) {
    auto n = parse_count(value, 1, 1000000, "a number of tasks");
    if (!n) return std::move(n).error();
    config.max_page_size = *n;
    return core::Ok{};
}

// "off", "" (the main port, loopback only) or host:port, an IPv6 host in brackets.
core::Status metrics_address(Config& config, const std::string& value) {
    config.metrics_off = value == "off";
    config.metrics_host.clear();
    config.metrics_port = 0;
    if (value.empty() || config.metrics_off) return core::Ok{};
    const auto colon = value.rfind(':');
    std::string host = colon == std::string::npos ? std::string() : value.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    } else if (host.find(':') != std::string::npos) {
        host.clear();  // an IPv6 address needs its brackets
    }
    if (host.empty()) {
        return core::make_error(
            core::ErrorCode::kInvalidArgument,
            "expected host:port (e.g. 127.0.0.1:9464, [::1]:9464) or off, got '" + value + "'");
    }
    auto n = parse_count(value.substr(colon + 1), 0, 65535, "a port");
    if (!n) return std::move(n).error();
    config.metrics_host = std::move(host);
    config.metrics_port = static_cast<std::uint16_t>(*n);
    return core::Ok{};
}

struct Setting {
    std::string_view name;
    // The default as a value of the setting (it parses to Config's default), or empty when it
    // is not one (then `default_note` says what it is).
    std::string_view default_value;
    std::string_view default_note;
    std::string_view meaning;  // Markdown, as README shows it
    Apply apply;
    bool listed = true;  // false: refused at start-up, not offered (a retired setting)
};

constexpr std::int64_t kMaxLifetime = 10LL * 366 * 86400;

// Every setting, in README's order.
constexpr Setting kSettings[] = {
    {"TASKAPI_SECRET_KEY", "", "none (required by `serve`)",
     "HS256 signing key, at least 32 bytes. Never logged.", secret_key},
    {"TASKAPI_DATABASE_URL", "sqlite:///db.sqlite3", "",
     "`sqlite:///relative/path` or `sqlite:////absolute/path`; PostgreSQL as a libpq URI "
     "(`postgresql://user:password@host:port/name?sslmode=require`, `postgres://…`, a socket "
     "directory as `postgresql:///name?host=/run/postgresql`) or libpq's `key=value` pairs. The "
     "password is never logged",
     database_url},
    {"TASKAPI_HOST", "127.0.0.1", "", "listen address", host},
    {"TASKAPI_PORT", "8000", "", "listen port (0: any free port)", port},
    {"TASKAPI_THREADS", "", "number of cores", "I/O threads", threads},
    {"TASKAPI_DB_THREADS", "", "`0` with SQLite; 4 per core with a database server",
     "database executor threads: requests that read or write the database, authentication "
     "included, run on them instead of the I/O threads; beyond 1,024 waiting: 503. `0`: on the "
     "I/O threads (SQLite only; [decision 008](docs/decisions/008-database-execution-model.md))",
     db_threads},
    {"TASKAPI_DB_WRITE_THREADS", "32", "",
     "SQLite without an executor (`TASKAPI_DB_THREADS=0`): threads that run write requests, so "
     "that the writes waiting at the same time share one commit (group commit, [decision "
     "011](docs/decisions/011-group-commit.md)) while the I/O threads go on; beyond 1,024 "
     "waiting: 503. `0`: writes on the I/O threads, one commit each",
     db_write_threads},
    {"TASKAPI_ACCESS_TOKEN_LIFETIME", "300", "", "seconds",
     seconds<&Config::access_token_lifetime, kMaxLifetime>},
    {"TASKAPI_REFRESH_TOKEN_LIFETIME", "86400", "", "seconds",
     seconds<&Config::refresh_token_lifetime, kMaxLifetime>},
    {"TASKAPI_ROTATE_REFRESH_TOKENS", "false", "",
     "`true`: a refresh also answers a new refresh token (SimpleJWT's `ROTATE_REFRESH_TOKENS`) "
     "([API.md](docs/api.md#token-refresh))",
     flag<&Config::rotate_refresh_tokens>},
    {"TASKAPI_BLACKLIST_AFTER_ROTATION", "false", "",
     "`true`: the refresh token a rotation replaced is blacklisted, and presenting it again "
     "revokes every refresh token descended from the same login (SimpleJWT's "
     "`BLACKLIST_AFTER_ROTATION`, plus reuse detection; [SECURITY.md](SECURITY.md))",
     flag<&Config::blacklist_after_rotation>},
    {"TASKAPI_LOG_LEVEL", "info", "", "`debug`, `info`, `warning`, `error`", log_level},
    {"TASKAPI_LOG_FORMAT", "text", "",
     "`text` (`2026-11-26T17:20:05.123Z info message key=value …`) or `json` (one object per "
     "line); every log line, on stderr ([Logs](#logs))",
     log_format},
    {"TASKAPI_ACCESS_LOG", "true", "",
     "`true`: one `info` line per answered request (method, path without the query, status, "
     "duration, bytes, user id, client address, request id); `false`: none",
     flag<&Config::access_log>},
    {"TASKAPI_LOGIN_RATE_PER_ADDRESS", "20/min", "",
     "login attempts per client address (`N/s`, `N/min`, `N/hour`, `N/day`, or `off`); beyond: "
     "429",
     rate<&auth::LoginRates::per_address>},
    {"TASKAPI_LOGIN_FAILURE_RATE_PER_USERNAME_ADDRESS", "10/min", "",
     "failed logins per username from one client address; beyond: 429 for that pair only",
     rate<&auth::LoginRates::failures_per_username_address>},
    {"TASKAPI_LOGIN_FAILURE_RATE_PER_USERNAME", "100/hour", "",
     "failed logins per username from all addresses (addresses where that user logged in "
     "within 30 days are exempt); the retired `TASKAPI_LOGIN_RATE_PER_USERNAME` stops start-up "
     "([SECURITY.md](SECURITY.md))",
     rate<&auth::LoginRates::failures_per_username>},
    {"TASKAPI_LOGIN_RATE_PER_USERNAME", "", "", "", retired_username_rate, false},
    {"TASKAPI_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]", "",
     "`Host` header values served (Django's `ALLOWED_HOSTS`: comma-separated, `*` any, "
     "`.example.com` the domain and its subdomains, ports ignored); others get 400, except "
     "`/api/health/` and `/api/ready/` (probed by IP). Set it to the public name in production",
     allowed_hosts},
    {"TASKAPI_AUTH_HEADER_TYPES", "Bearer", "",
     "`Authorization` schemes accepted with an access token, comma-separated (SimpleJWT's "
     "`AUTH_HEADER_TYPES`, e.g. `Bearer,JWT`); a 401's `WWW-Authenticate` names the first",
     auth_header_types},
    {"TASKAPI_CORS_ALLOWED_ORIGINS", "", "empty (CORS off)",
     "browser origins allowed to read answers (django-cors-headers' `CORS_ALLOWED_ORIGINS`): "
     "comma-separated `scheme://host[:port]` (or `null`), or `*` for any origin "
     "(`CORS_ALLOW_ALL_ORIGINS`); empty: no preflight answer, no `Access-Control-*` or "
     "`Vary: Origin` headers ([API.md](docs/api.md#cors))",
     cors_allowed_origins},
    {"TASKAPI_CORS_ALLOW_CREDENTIALS", "false", "",
     "`true`: `Access-Control-Allow-Credentials: true`, and the origin echoed instead of `*`",
     flag<&Config::cors_allow_credentials>},
    {"TASKAPI_ALLOW_REGISTRATION", "false", "",
     "`true` (or `1`): `POST /api/auth/register/` `{username, password}` creates an account "
     "(Django's username rules and four default password validators; throttled as a login of "
     "the client address); `false`: no such route ([API.md](docs/api.md#registration))",
     flag<&Config::allow_registration>},
    {"TASKAPI_PAGE_SIZE", "", "empty (no pagination)",
     "tasks per page of `GET /api/tasks/` (DRF's `PAGE_SIZE` with `PageNumberPagination`): "
     "the answer becomes `{\"count\",\"next\",\"previous\",\"results\"}` with `?page=` "
     "and `?page_size=`; empty: the bare array of every task ([API.md](docs/api.md#task-list))",
     page_size},
    {"TASKAPI_MAX_PAGE_SIZE", "100", "",
     "the most tasks `?page_size=` may ask for (`max_page_size`); a larger value gets this many",
     max_page_size},
    {"TASKAPI_NUM_PROXIES", "0", "",
     "trusted proxies in front that append to `X-Forwarded-For` (0: ignore the header)",
     num_proxies},
    {"TASKAPI_METRICS_ADDRESS", "", "empty (the main port, loopback only)",
     "Prometheus `GET /metrics`: empty answers it on the main port to loopback peers only, "
     "never to a request that came through a proxy (`X-Forwarded-For`, `Forwarded`, or "
     "`TASKAPI_NUM_PROXIES` > 0); `host:port` (`[::1]:9464`) answers it on a listener of its own, "
     "to anyone who can reach it, and not on the main port; `off`: nowhere "
     "([Metrics](#metrics))",
     metrics_address},
    {"TASKAPI_READ_TIMEOUT", "30", "",
     "seconds for a whole request to arrive, from its first byte; also for each piece of an "
     "answer to be taken by the client",
     seconds<&Config::read_timeout, 3600>},
    {"TASKAPI_FIRST_BYTE_TIMEOUT", "10", "",
     "seconds a new connection may wait before sending its first byte",
     seconds<&Config::first_byte_timeout, 3600>},
    {"TASKAPI_IDLE_TIMEOUT", "60", "",
     "seconds a kept-alive connection may wait for its next request",
     seconds<&Config::idle_timeout, 3600>},
    {"TASKAPI_DRAIN_SECONDS", "0", "",
     "after SIGTERM, seconds during which `/api/ready/` answers 503 (and answers close their "
     "connection) while requests are still served, before the server stops; a second signal "
     "stops at once",
     seconds<&Config::drain_seconds, 3600, 0>},
    {"TASKAPI_MAX_CONNECTIONS", "10000", "",
     "open connections; at the cap the connection idle longest is closed to admit a new one, "
     "and only when none is idle do new ones get 503",
     max_connections},
    {"TASKAPI_MAX_CONNECTIONS_PER_ADDRESS", "", "`256` (no cap when `TASKAPI_NUM_PROXIES` > 0)",
     "the same per client address (IPv6: per /64); `0`: no cap", max_connections_per_address},
    {"TASKAPI_SQLITE_SYNCHRONOUS", "normal", "",
     "`full` fsyncs every commit: survives power loss, slower writes ([decision "
     "002](docs/decisions/002-sqlite-durability.md))",
     sqlite_synchronous},
    {"TASKAPI_DB_STATEMENT_TIMEOUT", "5", "",
     "PostgreSQL: seconds a statement may run (`statement_timeout`); also bounds connecting, "
     "the wait for a pooled connection, and (one second longer) the wait for any answer",
     seconds<&Config::db_statement_timeout, 3600>},
    {"TASKAPI_DB_POOL_SIZE", "", "database threads + 1 per core",
     "PostgreSQL: connections per process at most (the database threads and the login threads "
     "use them); a call that finds them all busy waits up to `TASKAPI_DB_STATEMENT_TIMEOUT`, "
     "then fails as unavailable",
     db_pool_size},
    {"TASKAPI_DB_START_TIMEOUT", "60", "",
     "PostgreSQL: seconds `serve` and `migrate` keep trying to reach an unreachable database at "
     "start-up (waits of 0.5 s doubling up to 8 s, a log line each) before they give up; `0`: "
     "one attempt",
     seconds<&Config::db_start_timeout, 86400, 0>},
};

}  // namespace

core::Result<std::uint16_t> parse_port(const std::string& text, const std::string& setting) {
    auto n = parse_count(text, 0, 65535, "a port");
    if (!n) return invalid(setting, n.error().message);
    return static_cast<std::uint16_t>(*n);
}

core::Result<int> parse_threads(const std::string& text, const std::string& setting) {
    auto n = parse_count(text, 1, 256, "a number of threads");
    if (!n) return invalid(setting, n.error().message);
    return static_cast<int>(*n);
}

core::Result<Config> config_from_environment(const Environment& env) {
    Config c;
    c.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    for (const Setting& setting : kSettings) {
        const auto it = env.find(std::string(setting.name));
        if (it == env.end()) continue;
        if (auto ok = setting.apply(c, it->second); !ok) {
            return invalid(std::string(setting.name), ok.error().message);
        }
    }
    return c;
}

std::string settings_table_markdown() {
    std::string out = "| setting | default | meaning |\n|---|---|---|\n";
    for (const Setting& setting : kSettings) {
        if (!setting.listed) continue;
        out += "| `";
        out += setting.name;
        out += "` | ";
        if (setting.default_value.empty()) {
            out += setting.default_note;
        } else {
            out += '`';
            out += setting.default_value;
            out += '`';
        }
        out += " | ";
        out += setting.meaning;
        out += " |\n";
    }
    return out;
}

std::vector<std::pair<std::string, std::string>> settings_with_literal_defaults() {
    std::vector<std::pair<std::string, std::string>> out;
    for (const Setting& setting : kSettings) {
        if (!setting.default_value.empty()) {
            out.emplace_back(std::string(setting.name), std::string(setting.default_value));
        }
    }
    return out;
}

storage::StorageOptions storage_options(const Config& config, int database_threads) {
    const auto cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    return storage::StorageOptions{
        .sqlite_synchronous_full = config.sqlite_synchronous_full,
        .statement_timeout =
            std::chrono::duration_cast<std::chrono::milliseconds>(config.db_statement_timeout),
        .pool_size = config.db_pool_size.value_or(database_threads + cores)};
}

core::Result<int> database_threads_for(const Config& config, bool blocks_on_network) {
    if (!blocks_on_network) return config.db_threads.value_or(0);
    if (config.db_threads == 0) {
        return invalid("TASKAPI_DB_THREADS",
                       "must be at least 1 with a database server: its round trips would stall "
                       "the I/O threads");
    }
    const auto cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    return config.db_threads.value_or(4 * cores);
}

core::Status check_for_serving(const Config& config) {
    if (config.secret_key.empty()) {
        return invalid("TASKAPI_SECRET_KEY",
                       "is not set; put a long random value in the environment or in .env "
                       "(for example: openssl rand -hex 32)");
    }
    if (config.secret_key.size() < kMinSecretKeyBytes) {
        return invalid("TASKAPI_SECRET_KEY", "must be at least 32 bytes long");
    }
    return core::Ok{};
}

}  // namespace taskapi::app
