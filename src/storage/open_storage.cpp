#include "storage/open_storage.hpp"

#include <exception>

#include "storage/memory/memory_throttle_store.hpp"
#include "storage/postgres/pg_storage.hpp"
#include "storage/sqlite/sqlite_db.hpp"
#include "storage/sqlite/sqlite_migrations.hpp"
#include "storage/sqlite/sqlite_refresh_token_repository.hpp"
#include "storage/sqlite/sqlite_task_repository.hpp"
#include "storage/sqlite/sqlite_user_repository.hpp"

namespace taskapi::storage {
namespace {

constexpr std::string_view kSqlitePrefix = "sqlite:///";

class SqliteStorage final : public Storage {
public:
    SqliteStorage(std::string path, bool synchronous_full, core::metrics::Registry* metrics)
        : db_(std::move(path), synchronous_full, metrics),
          users_(db_),
          tasks_(db_),
          refresh_tokens_(db_) {
        // Opening one connection up front reports a bad path at start-up, not on the first request.
        auto c = db_.acquire();
    }
    users::UserRepository& users() override { return users_; }
    tasks::TaskRepository& tasks() override { return tasks_; }
    auth::ThrottleStore& throttles() override { return throttles_; }
    auth::RefreshTokenRepository& refresh_tokens() override { return refresh_tokens_; }
    int migrate() override {
        auto c = db_.acquire_writer();
        return sqlite::apply_migrations(*c);
    }
    [[nodiscard]] std::string describe() const override { return "sqlite:///" + db_.path(); }
    [[nodiscard]] bool blocks_on_network() const override { return false; }
    bool ping() override {
        try {
            // A read transaction on the schema: the file is there and readable.
            auto c = db_.acquire();
            sqlite::StatementScope s(c->prepare("SELECT 1 FROM sqlite_schema LIMIT 1"));
            (void)s->step();
            return true;
        } catch (const std::exception&) {
            return false;
        }
    }

private:
    sqlite::Database db_;
    sqlite::SqliteUserRepository users_;
    sqlite::SqliteTaskRepository tasks_;
    sqlite::SqliteRefreshTokenRepository refresh_tokens_;
    memory::MemoryThrottleStore throttles_;  // one process per SQLite file
};

core::Result<std::string> sqlite_path(std::string_view url) {
    if (url.substr(0, kSqlitePrefix.size()) != kSqlitePrefix) {
        return core::make_error(core::ErrorCode::kInvalidArgument,
                                "expected sqlite:///relative/path, sqlite:////absolute/path, "
                                "postgresql://user:password@host:port/name or libpq's "
                                "key=value pairs");
    }
    std::string path(url.substr(kSqlitePrefix.size()));
    if (path.empty() || path.back() == '/') {
        return core::make_error(core::ErrorCode::kInvalidArgument, "the SQLite URL names no file");
    }
    return path;
}

}  // namespace

bool names_database_server(std::string_view url) { return postgres::is_postgres_url(url); }

core::Status validate_database_url(std::string_view url) {
    if (postgres::is_postgres_url(url)) return postgres::check_url(url);
    auto path = sqlite_path(url);
    if (!path) return std::move(path).error();
    return core::Ok{};
}

core::Result<std::unique_ptr<Storage>> open_storage(std::string_view url,
                                                    const StorageOptions& options) {
    if (postgres::is_postgres_url(url)) {
        if (auto ok = postgres::check_url(url); !ok) return std::move(ok).error();
        return postgres::open(url, options);
    }
    auto path = sqlite_path(url);
    if (!path) return std::move(path).error();
    return std::unique_ptr<Storage>(std::make_unique<SqliteStorage>(
        std::move(path).value(), options.sqlite_synchronous_full, options.metrics));
}

core::Result<MigratedStorage> open_migrated(std::string_view url, const StorageOptions& options) {
    auto storage = open_storage(url, options);
    if (!storage) return std::move(storage).error();
    MigratedStorage out{std::move(storage).value(), 0};
    out.applied = out.storage->migrate();
    return out;
}

}  // namespace taskapi::storage
