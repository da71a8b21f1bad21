#include "storage/postgres/pg_storage.hpp"

#include <libpq-fe.h>

#include <exception>
#include <map>

#include "storage/postgres/pg_migrations.hpp"
#include "storage/postgres/pg_pool.hpp"
#include "storage/postgres/pg_refresh_token_repository.hpp"
#include "storage/postgres/pg_task_repository.hpp"
#include "storage/postgres/pg_throttle_store.hpp"
#include "storage/postgres/pg_user_repository.hpp"

namespace taskapi::storage::postgres {
namespace {

// The conninfo's settings by keyword (only those that are set), or nullopt when libpq cannot
// parse it.
std::optional<std::map<std::string, std::string>> parse(std::string_view url) {
    char* error = nullptr;
    PQconninfoOption* options = PQconninfoParse(std::string(url).c_str(), &error);
    // libpq's message may quote a piece of the string, password included: it is not passed on.
    if (error != nullptr) PQfreemem(error);
    if (options == nullptr) return std::nullopt;
    std::map<std::string, std::string> out;
    for (const PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
        if (o->val != nullptr) out.emplace(o->keyword, o->val);
    }
    PQconninfoFree(options);
    return out;
}

class PgStorage final : public Storage {
public:
    PgStorage(std::string url, const StorageOptions& options)
        : description_(describe_url(url)),
          pool_(PoolOptions{.connect = {.conninfo = std::move(url),
                                        .statement_timeout = options.statement_timeout},
                            .size = options.pool_size,
                            .metrics = options.metrics}),
          users_(pool_),
          tasks_(pool_),
          throttles_(pool_),
          refresh_tokens_(pool_) {
        // One connection up front reports an unreachable server at start-up, not on the first
        // request; it stays in the pool.
        auto c = pool_.lease();
    }
    users::UserRepository& users() override { return users_; }
    tasks::TaskRepository& tasks() override { return tasks_; }
    auth::ThrottleStore& throttles() override { return throttles_; }
    auth::RefreshTokenRepository& refresh_tokens() override { return refresh_tokens_; }
    // A read: it goes through a lost connection once, as the other reads do.
    bool ping() override {
        try {
            pool_.read([](Connection& c) { c.exec("SELECT 1"); });
            return true;
        } catch (const std::exception&) {
            return false;
        }
    }
    int migrate() override {
        auto c = pool_.lease();
        return apply_migrations(*c);
    }
    [[nodiscard]] std::string describe() const override { return description_; }
    [[nodiscard]] bool blocks_on_network() const override { return true; }

private:
    std::string description_;
    Pool pool_;
    PgUserRepository users_;
    PgTaskRepository tasks_;
    PgThrottleStore throttles_;
    PgRefreshTokenRepository refresh_tokens_;
};

}  // namespace

bool is_postgres_url(std::string_view url) {
    return url.starts_with("postgresql://") || url.starts_with("postgres://") ||
           (!url.starts_with("sqlite:") && url.find('=') != std::string_view::npos);
}

core::Status check_url(std::string_view url) {
    if (url.find('\0') != std::string_view::npos || !parse(url)) {
        return core::make_error(core::ErrorCode::kInvalidArgument,
                                "not a PostgreSQL URL libpq can read (expected "
                                "postgresql://user:password@host:port/name?option=value or "
                                "key=value pairs such as host=... dbname=...)");
    }
    return core::Ok{};
}

std::string describe_url(std::string_view url) {
    const auto options = parse(url).value_or(std::map<std::string, std::string>{});
    const auto get = [&options](const char* key) -> std::string_view {
        const auto it = options.find(key);
        return it == options.end() ? std::string_view() : std::string_view(it->second);
    };
    std::string out = "postgresql://";
    if (const auto user = get("user"); !user.empty()) {
        out += user;
        out += '@';
    }
    const std::string_view host = get("host").empty() ? get("hostaddr") : get("host");
    const bool is_socket = host.starts_with('/') || host.starts_with('@');
    if (!is_socket) out += host;
    if (const auto port = get("port"); !port.empty()) {
        out += ':';
        out += port;
    }
    out += '/';
    out += get("dbname");
    if (is_socket) {
        out += "?host=";
        out += host;
    }
    return out;
}

std::unique_ptr<Storage> open(std::string_view url, const StorageOptions& options) {
    return std::make_unique<PgStorage>(std::string(url), options);
}

}  // namespace taskapi::storage::postgres
