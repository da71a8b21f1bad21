// Settings: defaults, then .env in the working directory, then the environment, then flags.
// Built once, validated once, immutable afterwards.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "core/log.hpp"
#include "core/result.hpp"

namespace taskapi::app {

struct Config {
    std::string secret_key;  // TASKAPI_SECRET_KEY; never logged
    std::string database_url = "sqlite:///db.sqlite3";
    std::string host = "127.0.0.1";
    std::uint16_t port = 8000;
    int threads = 1;  // I/O threads; default: the number of cores
    std::chrono::seconds access_token_lifetime{300};
    std::chrono::seconds refresh_token_lifetime{86400};
    core::LogLevel log_level = core::LogLevel::kInfo;
    std::chrono::seconds idle_timeout{60};  // a kept-alive connection waiting for a request
    std::chrono::seconds read_timeout{30};  // receiving one request, from its first byte
    int max_connections = 10000;            // beyond: the longest-idle connection is closed, or 503
    // Connections of one client address; beyond: its longest-idle one is closed, or 503. 0: no
    // cap. Unset: 256, or no cap behind proxies (then every connection comes from a proxy).
    std::optional<int> max_connections_per_address;
    std::chrono::seconds first_byte_timeout{10};  // a new connection waiting for its first byte
    bool sqlite_synchronous_full = false;         // TASKAPI_SQLITE_SYNCHRONOUS=full|normal
    // Login throttling (SECURITY.md); "off" disables each.
    std::string login_rate_per_address = "20/min";                   // every attempt
    std::string login_failure_rate_per_username_address = "10/min";  // failures
    std::string login_failure_rate_per_username = "100/hour";        // failures, any address
    int num_proxies = 0;  // trusted proxies in front: X-Forwarded-For entries to honour
    // Host header values answered (Django's ALLOWED_HOSTS syntax; DEBUG's default).
    std::string allowed_hosts = "localhost,127.0.0.1,[::1]";
};

using Environment = std::map<std::string, std::string>;

// KEY=VALUE lines; blank lines and # comments skipped; "export " and matching quotes removed.
Environment parse_dotenv(const std::string& text);

// The process environment over .env (when the file exists): the real environment wins.
Environment load_environment(const std::string& dotenv_path = ".env");

// Reads every TASKAPI_* setting; an invalid value is kInvalidArgument naming the setting.
core::Result<Config> config_from_environment(const Environment& env);

// What `serve` needs beyond the rest: a secret key of at least 32 bytes.
core::Status check_for_serving(const Config& config);

// Parses a setting's value; exposed for flags that override settings.
core::Result<std::uint16_t> parse_port(const std::string& text, const std::string& setting);
core::Result<int> parse_threads(const std::string& text, const std::string& setting);

}  // namespace taskapi::app
