// A fresh schema on the PostgreSQL server named by TASKAPI_TEST_POSTGRES_URL, for one test:
// scripts/with-pg-cluster starts a throwaway server and sets it (ctest's storage.postgres).
#pragma once

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "storage/open_storage.hpp"
#include "storage/postgres/pg_connection.hpp"

namespace taskapi::storage::testing {

inline constexpr const char* kPostgresUrlVariable = "TASKAPI_TEST_POSTGRES_URL";

// The server to test against, or nullopt when none is given (the tests are then skipped).
inline std::optional<std::string> postgres_test_url() {
    const char* url = std::getenv(kPostgresUrlVariable);
    if (url == nullptr || *url == '\0') return std::nullopt;
    return std::string(url);
}

// `url` with libpq options added: a URI gets query parameters, a key=value string more pairs.
inline std::string with_options(const std::string& url, const std::string& search_path,
                                const std::string& application_name) {
    if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
        return url + (url.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" +
               search_path + "&application_name=" + application_name;
    }
    return url + " options='-csearch_path=" + search_path +
           "' application_name=" + application_name;
}

// Creates a schema of its own and drops it (with everything in it) at the end; url() points
// there, with the schema's name as application_name, so a test can find its own sessions.
class PostgresTestSchema {
public:
    PostgresTestSchema() {
        static std::atomic<int> counter{0};
        const auto base = postgres_test_url();
        if (!base) throw std::runtime_error("TASKAPI_TEST_POSTGRES_URL is not set");
        name_ = "taskapi_test_" + std::to_string(getpid()) + "_" + std::to_string(++counter);
        admin_ =
            std::make_unique<postgres::Connection>(postgres::ConnectOptions{.conninfo = *base});
        admin_->exec(("CREATE SCHEMA " + name_).c_str());
        url_ = with_options(*base, name_, name_);
    }
    ~PostgresTestSchema() {
        try {
            admin_->exec(("DROP SCHEMA " + name_ + " CASCADE").c_str());
        } catch (const std::exception&) {
            // The server is gone; the schema goes with the throwaway cluster.
        }
    }
    PostgresTestSchema(const PostgresTestSchema&) = delete;
    PostgresTestSchema& operator=(const PostgresTestSchema&) = delete;

    [[nodiscard]] const std::string& url() const { return url_; }
    [[nodiscard]] const std::string& name() const { return name_; }
    // A connection outside the storage under test (to look at tables, end sessions).
    postgres::Connection& admin() { return *admin_; }

    // Opens a storage on the schema; throws when that fails.
    [[nodiscard]] std::unique_ptr<Storage> open(const StorageOptions& options = {}) const {
        auto storage = open_storage(url_, options);
        if (!storage) throw std::runtime_error("open_storage: " + storage.error().message);
        return std::move(storage).value();
    }

private:
    std::string name_;
    std::string url_;
    std::unique_ptr<postgres::Connection> admin_;
};

}  // namespace taskapi::storage::testing
