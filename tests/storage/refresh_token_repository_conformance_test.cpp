// One typed suite over every auth::RefreshTokenRepository: SQLite on a temporary file,
// PostgreSQL on a fresh schema of the server named by TASKAPI_TEST_POSTGRES_URL (ctest's
// storage.postgres starts a throwaway one), and the in-memory fake the unit tests use.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "fakes/fixed_clock.hpp"
#include "fakes/in_memory_refresh_token_repository.hpp"
#include "postgres_test_database.hpp"
#include "storage/open_storage.hpp"

namespace taskapi::storage {
namespace {

using auth::RefreshTokenId;
using auth::RefreshTokenRow;
using auth::RefreshTokenState;

constexpr core::UserId kAlice{1};
constexpr core::UserId kBob{2};
constexpr std::int64_t kExp = 2000000000;  // 2033-05-18

class MemoryBackend {
public:
    static constexpr const char* kName = "Memory";
    static bool available() { return true; }
    auth::RefreshTokenRepository& store() { return store_; }

private:
    fakes::InMemoryRefreshTokenRepository store_;
};

class SqliteBackend {
public:
    static constexpr const char* kName = "Sqlite";
    static bool available() { return true; }
    SqliteBackend() {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "taskapi-refresh-test-XXXXXX").string();
        if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        dir_ = pattern;
        auto opened = open_storage("sqlite:///" + (dir_ / "db.sqlite3").string());
        if (!opened) throw std::runtime_error(opened.error().message);
        storage_ = std::move(opened).value();
        storage_->migrate();
    }
    ~SqliteBackend() {
        storage_.reset();
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }
    SqliteBackend(const SqliteBackend&) = delete;
    SqliteBackend& operator=(const SqliteBackend&) = delete;
    auth::RefreshTokenRepository& store() { return storage_->refresh_tokens(); }

private:
    std::filesystem::path dir_;
    std::unique_ptr<Storage> storage_;
};

class PostgresBackend {
public:
    static constexpr const char* kName = "Postgres";
    static bool available() { return testing::postgres_test_url().has_value(); }
    PostgresBackend() {
        if (!available()) return;
        schema_ = std::make_unique<testing::PostgresTestSchema>();
        storage_ = schema_->open();
        storage_->migrate();
    }
    auth::RefreshTokenRepository& store() { return storage_->refresh_tokens(); }

private:
    std::unique_ptr<testing::PostgresTestSchema> schema_;  // dropped after the storage closed
    std::unique_ptr<Storage> storage_;
};

struct BackendNames {
    template <typename T>
    static std::string GetName(int) {
        return T::kName;
    }
};

template <typename Backend>
class RefreshTokenRepositoryConformance : public ::testing::Test {
protected:
    void SetUp() override {
        if (!Backend::available()) {
            GTEST_SKIP() << "TASKAPI_TEST_POSTGRES_URL is not set (ctest runs these as "
                            "storage.postgres, on a throwaway server)";
        }
    }
    auth::RefreshTokenRepository& store() { return backend_.store(); }

    Backend backend_;
};

using Backends = ::testing::Types<MemoryBackend, SqliteBackend, PostgresBackend>;
TYPED_TEST_SUITE(RefreshTokenRepositoryConformance, Backends, BackendNames);

TYPED_TEST(RefreshTokenRepositoryConformance, ATokenWithoutARowIsNotFound) {
    EXPECT_EQ(this->store().find(kAlice, "login-jti"), std::nullopt);
}

TYPED_TEST(RefreshTokenRepositoryConformance, BlacklistingStoresARowInItsOwnFamilyOnce) {
    EXPECT_EQ(this->store().blacklist({kAlice, "a1", kExp}), std::nullopt);
    const RefreshTokenRow row{kAlice, "a1", "a1", kExp, RefreshTokenState::kBlacklisted};
    EXPECT_EQ(this->store().find(kAlice, "a1"), row);
    // Again: nothing changes, and the row that refused is returned.
    EXPECT_EQ(this->store().blacklist({kAlice, "a1", kExp}), row);
    EXPECT_EQ(this->store().find(kAlice, "a1"), row);
}

TYPED_TEST(RefreshTokenRepositoryConformance, ARowOfAnotherUserIsNotFound) {
    ASSERT_EQ(this->store().blacklist({kAlice, "a1", kExp}), std::nullopt);
    EXPECT_EQ(this->store().find(kBob, "a1"), std::nullopt);
}

TYPED_TEST(RefreshTokenRepositoryConformance, RotationPassesTheFamilyOn) {
    auto& store = this->store();
    EXPECT_EQ(store.rotate({kAlice, "login", kExp}, {kAlice, "r1", kExp + 10}), std::nullopt);
    EXPECT_EQ(store.find(kAlice, "login"),
              (RefreshTokenRow{kAlice, "login", "login", kExp, RefreshTokenState::kRotated}));
    EXPECT_EQ(store.find(kAlice, "r1"),
              (RefreshTokenRow{kAlice, "r1", "login", kExp + 10, RefreshTokenState::kIssued}));
    // The issued token rotates in turn; its replacement stays in the login's family.
    EXPECT_EQ(store.rotate({kAlice, "r1", kExp + 10}, {kAlice, "r2", kExp + 20}), std::nullopt);
    EXPECT_EQ(store.find(kAlice, "r1")->state, RefreshTokenState::kRotated);
    EXPECT_EQ(store.find(kAlice, "r2"),
              (RefreshTokenRow{kAlice, "r2", "login", kExp + 20, RefreshTokenState::kIssued}));
}

TYPED_TEST(RefreshTokenRepositoryConformance, ATokenNoLongerLiveNeitherRotatesNorIsBlacklisted) {
    auto& store = this->store();
    ASSERT_EQ(store.rotate({kAlice, "login", kExp}, {kAlice, "r1", kExp}), std::nullopt);
    const RefreshTokenRow rotated{kAlice, "login", "login", kExp, RefreshTokenState::kRotated};
    EXPECT_EQ(store.rotate({kAlice, "login", kExp}, {kAlice, "r9", kExp}), rotated);
    EXPECT_EQ(store.find(kAlice, "r9"), std::nullopt);  // nothing written
    EXPECT_EQ(store.blacklist({kAlice, "login", kExp}), rotated);
    EXPECT_EQ(store.find(kAlice, "login"), rotated);
    // A blacklisted token does not rotate.
    ASSERT_EQ(store.blacklist({kAlice, "r1", kExp}), std::nullopt);
    EXPECT_EQ(store.rotate({kAlice, "r1", kExp}, {kAlice, "r8", kExp})->state,
              RefreshTokenState::kBlacklisted);
    EXPECT_EQ(store.find(kAlice, "r8"), std::nullopt);
}

TYPED_TEST(RefreshTokenRepositoryConformance, BlacklistingAnIssuedTokenKeepsItsFamily) {
    auto& store = this->store();
    ASSERT_EQ(store.rotate({kAlice, "login", kExp}, {kAlice, "r1", kExp}), std::nullopt);
    ASSERT_EQ(store.blacklist({kAlice, "r1", kExp}), std::nullopt);
    EXPECT_EQ(store.find(kAlice, "r1"),
              (RefreshTokenRow{kAlice, "r1", "login", kExp, RefreshTokenState::kBlacklisted}));
}

TYPED_TEST(RefreshTokenRepositoryConformance, RevokingAFamilyRevokesItsLiveRowsOnly) {
    auto& store = this->store();
    ASSERT_EQ(store.rotate({kAlice, "f1", kExp}, {kAlice, "f1-r1", kExp}), std::nullopt);
    ASSERT_EQ(store.rotate({kAlice, "f1-r1", kExp}, {kAlice, "f1-r2", kExp}), std::nullopt);
    ASSERT_EQ(store.rotate({kAlice, "f2", kExp}, {kAlice, "f2-r1", kExp}), std::nullopt);
    ASSERT_EQ(store.rotate({kBob, "f3", kExp}, {kBob, "f3-r1", kExp}), std::nullopt);

    EXPECT_EQ(store.revoke_family(kBob, "f1"), 0);  // another user's family: nothing
    EXPECT_EQ(store.revoke_family(kAlice, "f1"), 1);
    EXPECT_EQ(store.find(kAlice, "f1-r2")->state, RefreshTokenState::kRevoked);
    EXPECT_EQ(store.find(kAlice, "f1-r1")->state, RefreshTokenState::kRotated);  // stays reuse
    EXPECT_EQ(store.find(kAlice, "f2-r1")->state, RefreshTokenState::kIssued);
    EXPECT_EQ(store.find(kBob, "f3-r1")->state, RefreshTokenState::kIssued);
    EXPECT_EQ(store.revoke_family(kAlice, "f1"), 0);
    // A revoked token neither rotates nor is blacklisted.
    EXPECT_EQ(store.rotate({kAlice, "f1-r2", kExp}, {kAlice, "f1-r3", kExp})->state,
              RefreshTokenState::kRevoked);
    EXPECT_EQ(store.blacklist({kAlice, "f1-r2", kExp})->state, RefreshTokenState::kRevoked);
}

TYPED_TEST(RefreshTokenRepositoryConformance, RevokingAUserRevokesEveryLiveRowOfTheUser) {
    auto& store = this->store();
    ASSERT_EQ(store.rotate({kAlice, "f1", kExp}, {kAlice, "f1-r1", kExp}), std::nullopt);
    ASSERT_EQ(store.rotate({kAlice, "f2", kExp}, {kAlice, "f2-r1", kExp}), std::nullopt);
    ASSERT_EQ(store.rotate({kBob, "f3", kExp}, {kBob, "f3-r1", kExp}), std::nullopt);
    EXPECT_EQ(store.revoke_user(kAlice), 2);
    EXPECT_EQ(store.find(kAlice, "f1-r1")->state, RefreshTokenState::kRevoked);
    EXPECT_EQ(store.find(kAlice, "f2-r1")->state, RefreshTokenState::kRevoked);
    EXPECT_EQ(store.find(kBob, "f3-r1")->state, RefreshTokenState::kIssued);
    EXPECT_EQ(store.revoke_user(kAlice), 0);
}

TYPED_TEST(RefreshTokenRepositoryConformance, PurgeDeletesTheRowsOfExpiredTokens) {
    auto& store = this->store();
    ASSERT_EQ(store.blacklist({kAlice, "old", 1000}), std::nullopt);
    ASSERT_EQ(store.blacklist({kAlice, "edge", 1001}), std::nullopt);
    ASSERT_EQ(store.blacklist({kAlice, "new", 1002}), std::nullopt);
    const core::Timestamp at_1001 = core::Timestamp{std::chrono::seconds{1001}};
    // exp <= now: the token itself is refused from then on.
    EXPECT_EQ(store.purge_expired(at_1001), 2);
    EXPECT_EQ(store.find(kAlice, "old"), std::nullopt);
    EXPECT_EQ(store.find(kAlice, "edge"), std::nullopt);
    EXPECT_EQ(store.find(kAlice, "new")->state, RefreshTokenState::kBlacklisted);
    EXPECT_EQ(store.purge_expired(at_1001), 0);
}

TYPED_TEST(RefreshTokenRepositoryConformance, OfConcurrentRotationsOfOneTokenExactlyOneWins) {
    auto& store = this->store();
    constexpr int kThreads = 8;
    std::atomic<int> won{0};
    std::vector<std::thread> threads;
    threads.reserve(kThreads);
    for (int i = 0; i < kThreads; ++i) {
        threads.emplace_back([&store, &won, i] {
            std::string replacement = "r";
            replacement += std::to_string(i);
            if (!store.rotate({kAlice, "login", kExp}, {kAlice, replacement, kExp})) ++won;
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(won.load(), 1);
    EXPECT_EQ(store.find(kAlice, "login")->state, RefreshTokenState::kRotated);
}

}  // namespace
}  // namespace taskapi::storage
