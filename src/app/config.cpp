#include "app/config.hpp"

#include <fstream>
#include <sstream>
#include <thread>

#include "auth/login_throttle.hpp"
#include "core/text.hpp"
#include "http/allowed_hosts.hpp"
#include "storage/open_storage.hpp"

extern char** environ;

namespace taskapi::app {
namespace {

std::string trimmed(std::string_view s) { return std::string(core::trim_blanks(s)); }

constexpr std::size_t kMinSecretKeyBytes = 32;
constexpr std::int64_t kMaxLifetimeSeconds = 10LL * 366 * 86400;

core::Error invalid(const std::string& setting, const std::string& why) {
    return core::make_error(core::ErrorCode::kInvalidArgument, setting + ": " + why);
}

core::Result<std::chrono::seconds> parse_lifetime(const std::string& text,
                                                  const std::string& setting) {
    const auto value = core::parse_int64(text);
    if (!value || *value <= 0 || *value > kMaxLifetimeSeconds) {
        return invalid(setting, "expected a whole number of seconds from 1 to " +
                                    std::to_string(kMaxLifetimeSeconds) + ", got '" + text + "'");
    }
    return std::chrono::seconds{*value};
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

core::Result<std::chrono::seconds> parse_timeout(const std::string& text,
                                                 const std::string& setting) {
    const auto value = core::parse_int64(text);
    if (!value || *value <= 0 || *value > 3600) {
        return invalid(setting,
                       "expected a whole number of seconds from 1 to 3600, got '" + text + "'");
    }
    return std::chrono::seconds{*value};
}

}  // namespace

core::Result<std::uint16_t> parse_port(const std::string& text, const std::string& setting) {
    const auto value = core::parse_int64(text);
    if (!value || *value < 0 || *value > 65535) {
        return invalid(setting, "expected a port from 0 to 65535, got '" + text + "'");
    }
    return static_cast<std::uint16_t>(*value);
}

core::Result<int> parse_threads(const std::string& text, const std::string& setting) {
    const auto value = core::parse_int64(text);
    if (!value || *value < 1 || *value > 256) {
        return invalid(setting, "expected a number of threads from 1 to 256, got '" + text + "'");
    }
    return static_cast<int>(*value);
}

core::Result<Config> config_from_environment(const Environment& env) {
    Config c;
    c.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    const auto get = [&env](const char* key) -> const std::string* {
        const auto it = env.find(key);
        return it == env.end() ? nullptr : &it->second;
    };
    if (const auto* v = get("TASKAPI_SECRET_KEY")) c.secret_key = *v;
    if (const auto* v = get("TASKAPI_DATABASE_URL")) {
        if (auto ok = storage::validate_database_url(*v); !ok) {
            return invalid("TASKAPI_DATABASE_URL", ok.error().message);
        }
        c.database_url = *v;
    }
    if (const auto* v = get("TASKAPI_HOST")) {
        if (v->empty()) return invalid("TASKAPI_HOST", "may not be empty");
        c.host = *v;
    }
    if (const auto* v = get("TASKAPI_PORT")) {
        auto port = parse_port(*v, "TASKAPI_PORT");
        if (!port) return std::move(port).error();
        c.port = *port;
    }
    if (const auto* v = get("TASKAPI_THREADS")) {
        auto threads = parse_threads(*v, "TASKAPI_THREADS");
        if (!threads) return std::move(threads).error();
        c.threads = *threads;
    }
    if (const auto* v = get("TASKAPI_ACCESS_TOKEN_LIFETIME")) {
        auto lifetime = parse_lifetime(*v, "TASKAPI_ACCESS_TOKEN_LIFETIME");
        if (!lifetime) return std::move(lifetime).error();
        c.access_token_lifetime = *lifetime;
    }
    if (const auto* v = get("TASKAPI_REFRESH_TOKEN_LIFETIME")) {
        auto lifetime = parse_lifetime(*v, "TASKAPI_REFRESH_TOKEN_LIFETIME");
        if (!lifetime) return std::move(lifetime).error();
        c.refresh_token_lifetime = *lifetime;
    }
    if (const auto* v = get("TASKAPI_IDLE_TIMEOUT")) {
        auto t = parse_timeout(*v, "TASKAPI_IDLE_TIMEOUT");
        if (!t) return std::move(t).error();
        c.idle_timeout = *t;
    }
    if (const auto* v = get("TASKAPI_READ_TIMEOUT")) {
        auto t = parse_timeout(*v, "TASKAPI_READ_TIMEOUT");
        if (!t) return std::move(t).error();
        c.read_timeout = *t;
    }
    if (const auto* v = get("TASKAPI_MAX_CONNECTIONS")) {
        const auto n = core::parse_int64(*v);
        if (!n || *n < 1 || *n > 1000000) {
            return invalid("TASKAPI_MAX_CONNECTIONS",
                           "expected a number from 1 to 1000000, got '" + *v + "'");
        }
        c.max_connections = static_cast<int>(*n);
    }
    if (const auto* v = get("TASKAPI_MAX_CONNECTIONS_PER_ADDRESS")) {
        const auto n = core::parse_int64(*v);
        if (!n || *n < 0 || *n > 1000000) {
            return invalid("TASKAPI_MAX_CONNECTIONS_PER_ADDRESS",
                           "expected a number from 0 (no cap) to 1000000, got '" + *v + "'");
        }
        c.max_connections_per_address = static_cast<int>(*n);
    }
    if (const auto* v = get("TASKAPI_FIRST_BYTE_TIMEOUT")) {
        auto t = parse_timeout(*v, "TASKAPI_FIRST_BYTE_TIMEOUT");
        if (!t) return std::move(t).error();
        c.first_byte_timeout = *t;
    }
    if (const auto* v = get("TASKAPI_SQLITE_SYNCHRONOUS")) {
        if (*v != "normal" && *v != "full") {
            return invalid("TASKAPI_SQLITE_SYNCHRONOUS",
                           "expected normal or full, got '" + *v + "'");
        }
        c.sqlite_synchronous_full = *v == "full";
    }
    if (get("TASKAPI_LOGIN_RATE_PER_USERNAME") != nullptr) {
        // It counted every attempt, so anyone could lock an account's owner out by failing.
        return invalid("TASKAPI_LOGIN_RATE_PER_USERNAME",
                       "is retired (it let strangers lock the owner out); use "
                       "TASKAPI_LOGIN_FAILURE_RATE_PER_USERNAME_ADDRESS (default 10/min) and "
                       "TASKAPI_LOGIN_FAILURE_RATE_PER_USERNAME (default 100/hour) instead");
    }
    for (const auto& [key, target] :
         {std::pair{"TASKAPI_LOGIN_RATE_PER_ADDRESS", &c.login_rate_per_address},
          std::pair{"TASKAPI_LOGIN_FAILURE_RATE_PER_USERNAME_ADDRESS",
                    &c.login_failure_rate_per_username_address},
          std::pair{"TASKAPI_LOGIN_FAILURE_RATE_PER_USERNAME",
                    &c.login_failure_rate_per_username}}) {
        if (const auto* v = get(key)) {
            if (auto rate = auth::parse_rate(*v); !rate) return invalid(key, rate.error().message);
            *target = *v;
        }
    }
    if (const auto* v = get("TASKAPI_ALLOWED_HOSTS")) {
        if (auto hosts = http::AllowedHosts::parse(*v); !hosts) {
            return invalid("TASKAPI_ALLOWED_HOSTS", hosts.error().message);
        }
        c.allowed_hosts = *v;
    }
    if (const auto* v = get("TASKAPI_NUM_PROXIES")) {
        const auto n = core::parse_int64(*v);
        if (!n || *n < 0 || *n > 16) {
            return invalid("TASKAPI_NUM_PROXIES",
                           "expected a number from 0 to 16, got '" + *v + "'");
        }
        c.num_proxies = static_cast<int>(*n);
    }
    if (const auto* v = get("TASKAPI_LOG_LEVEL")) {
        if (!core::parse_log_level(*v, c.log_level)) {
            return invalid("TASKAPI_LOG_LEVEL",
                           "expected debug, info, warning or error, got '" + *v + "'");
        }
    }
    return c;
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
