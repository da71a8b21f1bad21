// Settings: defaults, then .env in the working directory, then the environment, then flags.
// Built once, validated once, immutable afterwards. Every setting is one row of one table
// (config.cpp): its name, default, meaning and parser; README's settings table is printed from
// it (`taskapi --help-settings`).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "auth/login_throttle.hpp"
#include "core/log.hpp"
#include "core/result.hpp"
#include "http/allowed_hosts.hpp"
#include "http/cors.hpp"
#include "storage/open_storage.hpp"

namespace taskapi::app {

struct Config {
    std::string secret_key;  // TASKAPI_SECRET_KEY; never logged
    std::string database_url = "sqlite:///db.sqlite3";
    std::string host = "127.0.0.1";
    std::uint16_t port = 8000;
    int threads = 1;  // I/O threads; config_from_environment's default is the number of cores
    // Database executor threads (TASKAPI_DB_THREADS); 0: storage calls on the I/O threads.
    // nullopt: database_threads_for() decides from the backend.
    std::optional<int> db_threads;
    int db_write_threads = 32;  // SQLite without an executor: threads for writes (group commit)
    std::chrono::seconds access_token_lifetime{300};
    std::chrono::seconds refresh_token_lifetime{86400};
    // SimpleJWT's ROTATE_REFRESH_TOKENS and BLACKLIST_AFTER_ROTATION (auth::LifecycleSettings).
    bool rotate_refresh_tokens = false;
    bool blacklist_after_rotation = false;
    core::LogLevel log_level = core::LogLevel::kInfo;
    core::LogFormat log_format = core::LogFormat::kText;  // TASKAPI_LOG_FORMAT=text|json
    bool access_log = true;  // TASKAPI_ACCESS_LOG: one info line per answered request
    std::chrono::seconds idle_timeout{60};  // a kept-alive connection waiting for a request
    std::chrono::seconds read_timeout{30};  // receiving one request, from its first byte
    int max_connections = 10000;            // beyond: the longest-idle connection is closed, or 503
    // Connections of one client address; beyond: its longest-idle one is closed, or 503. 0: no
    // cap. Unset: 256, or no cap behind proxies (then every connection comes from a proxy).
    std::optional<int> max_connections_per_address;
    std::chrono::seconds first_byte_timeout{10};  // a new connection waiting for its first byte
    // After SIGTERM: /api/ready/ answers 503 this long while everything else is served, so that a
    // load balancer stops sending before connections close. 0: stop at once.
    std::chrono::seconds drain_seconds{0};
    bool sqlite_synchronous_full = false;  // TASKAPI_SQLITE_SYNCHRONOUS=full|normal
    // PostgreSQL: statement_timeout of each connection (also bounds connecting, waiting for a
    // pooled connection, and, one second longer, waiting for any answer); connections per
    // process at most (nullopt: storage_options() sizes the pool to the threads that use it);
    // how long start-up keeps trying to reach the server.
    std::chrono::seconds db_statement_timeout{5};
    std::optional<int> db_pool_size;
    std::chrono::seconds db_start_timeout{60};
    // Login throttling (SECURITY.md); nullopt ("off") disables each.
    auth::LoginRates login_rates{
        .per_address = auth::Rate{20, std::chrono::minutes{1}},                    // every attempt
        .failures_per_username_address = auth::Rate{10, std::chrono::minutes{1}},  // failures
        .failures_per_username = auth::Rate{100, std::chrono::hours{1}}};  // failures, anywhere
    int num_proxies = 0;  // trusted proxies in front: X-Forwarded-For entries to honour
    // The Authorization schemes accepted with an access token (SimpleJWT's AUTH_HEADER_TYPES);
    // the first is the one a 401's WWW-Authenticate names.
    std::vector<std::string> auth_header_types{"Bearer"};
    // Host header values answered (Django's ALLOWED_HOSTS syntax; what DEBUG allows by default).
    http::AllowedHosts allowed_hosts =
        http::AllowedHosts::parse("localhost,127.0.0.1,[::1]").value();
    // Browser origins allowed to read answers (django-cors-headers); off by default.
    http::Cors cors;
    bool cors_allow_credentials = false;
    // POST /api/auth/register/ exists (off by default: anyone could create accounts).
    bool allow_registration = false;
    // The task list's pagination (DRF's PAGE_SIZE; nullopt: none, the bare array) and the most
    // ?page_size= may ask for (PageNumberPagination.max_page_size).
    std::optional<std::int64_t> page_size;
    std::int64_t max_page_size = 100;
    // Prometheus GET /metrics (TASKAPI_METRICS_ADDRESS): on the main port to loopback peers
    // (metrics_host empty), on a listener of its own at metrics_host:metrics_port, or off.
    bool metrics_off = false;
    std::string metrics_host;
    std::uint16_t metrics_port = 0;

    bool operator==(const Config&) const = default;
};

using Environment = std::map<std::string, std::string>;

// KEY=VALUE lines; blank lines and # comments skipped; "export " and matching quotes removed.
Environment parse_dotenv(const std::string& text);

// The process environment over .env (when the file exists): the real environment wins.
Environment load_environment(const std::string& dotenv_path = ".env");

// Reads every TASKAPI_* setting of the table; an invalid value is kInvalidArgument with a message
// that starts with the setting's name.
core::Result<Config> config_from_environment(const Environment& env);

// The database executor's threads for a backend: TASKAPI_DB_THREADS when set, else none for an
// embedded database and 4 per core for a database server (docs/decisions/008). A database
// server with TASKAPI_DB_THREADS=0 is kInvalidArgument: its round trips would stall I/O threads.
core::Result<int> database_threads_for(const Config& config, bool blocks_on_network);

// What `serve` needs beyond the rest: a secret key of at least 32 bytes.
core::Status check_for_serving(const Config& config);

// The table of settings as Markdown (| setting | default | meaning |), as README shows it.
std::string settings_table_markdown();

// (name, value) of every setting whose default is a value of the setting: applying it must give
// Config's default (a unit test holds the table and the struct to that).
std::vector<std::pair<std::string, std::string>> settings_with_literal_defaults();

// The storage options the settings give (storage::open_storage), for a process whose database
// calls run on `database_threads` executor threads. Without TASKAPI_DB_POOL_SIZE the pool has a
// connection for each of them and one per core for the login threads, so no thread waits for
// a connection.
storage::StorageOptions storage_options(const Config& config, int database_threads = 0);

// Parses a setting's value; exposed for flags that override settings (`setting` names the flag
// in the error message).
core::Result<std::uint16_t> parse_port(const std::string& text, const std::string& setting);
core::Result<int> parse_threads(const std::string& text, const std::string& setting);

}  // namespace taskapi::app
