// One typed suite run against every repository implementation: SQLite on a temporary file,
// PostgreSQL on a fresh schema of the server named by TASKAPI_TEST_POSTGRES_URL (ctest's
// storage.postgres starts a throwaway one), and the in-memory fakes the unit tests rely on (which
// proves the fakes faithful).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "fakes/fixed_clock.hpp"
#include "fakes/in_memory_task_repository.hpp"
#include "fakes/in_memory_user_repository.hpp"
#include "postgres_test_database.hpp"
#include "storage/open_storage.hpp"
#include "storage/postgres/pg_migrations.hpp"
#include "storage/postgres/pg_pool.hpp"
#include "storage/postgres/pg_storage.hpp"
#include "storage/sqlite/sqlite_migrations.hpp"
#include "storage/storage_error.hpp"
#include "temp_dir.hpp"

namespace taskapi::storage {
namespace {

using namespace std::chrono_literals;
using fakes::make_timestamp;

// "t12" (GCC 12 at -O3 warns falsely about "t" + std::to_string(12)).
std::string numbered(char prefix, int n) {
    std::string out(1, prefix);
    out += std::to_string(n);
    return out;
}

std::unique_ptr<Storage> open(const std::string& url) {
    auto storage = open_storage(url);
    if (!storage) throw std::runtime_error("open_storage: " + storage.error().message);
    return std::move(storage).value();
}

class SqliteBackend {
public:
    static constexpr const char* kName = "Sqlite";
    static constexpr bool kReadsAccount = true;  // on the read's connection (detail: one statement)
    static bool available() { return true; }
    SqliteBackend() : storage_(open(dir_.sqlite_url())) { storage_->migrate(); }
    users::UserRepository& users() { return storage_->users(); }
    tasks::TaskRepository& tasks() { return storage_->tasks(); }

private:
    TempDir dir_;  // destroyed after the storage has closed the file
    std::unique_ptr<Storage> storage_;
};

// Each test on a schema of its own.
class PostgresBackend {
public:
    static constexpr const char* kName = "Postgres";
    static constexpr bool kReadsAccount = true;  // one round trip for an authenticated read
    static bool available() { return testing::postgres_test_url().has_value(); }
    PostgresBackend() {
        if (!available()) return;
        schema_ = std::make_unique<testing::PostgresTestSchema>();
        storage_ = schema_->open();
        storage_->migrate();
    }
    users::UserRepository& users() { return storage_->users(); }
    tasks::TaskRepository& tasks() { return storage_->tasks(); }

private:
    std::unique_ptr<testing::PostgresTestSchema> schema_;  // dropped after the storage closed
    std::unique_ptr<Storage> storage_;
};

class InMemoryBackend {
public:
    static constexpr const char* kName = "InMemory";
    static constexpr bool kReadsAccount = false;
    static bool available() { return true; }
    users::UserRepository& users() { return users_; }
    tasks::TaskRepository& tasks() { return tasks_; }

private:
    fakes::InMemoryTaskRepository tasks_;
    fakes::InMemoryUserRepository users_{&tasks_};
};

struct BackendNames {
    template <typename T>
    static std::string GetName(int) {
        return T::kName;
    }
};

template <typename Backend>
class RepositoryConformance : public ::testing::Test {
protected:
    void SetUp() override {
        if (!Backend::available()) {
            GTEST_SKIP() << "TASKAPI_TEST_POSTGRES_URL is not set (ctest runs these as "
                            "storage.postgres, on a throwaway server)";
        }
    }

    users::UserRepository& users() { return backend_.users(); }
    tasks::TaskRepository& tasks() { return backend_.tasks(); }

    core::UserId add_user(const std::string& username) {
        auto user = users().create(users::NewUser{.username = username,
                                                  .password_hash = "$argon2id$hash-of-" + username,
                                                  .date_joined = now_});
        if (!user) throw std::runtime_error("could not create " + username);
        return user->id;
    }

    tasks::Task add_task(core::UserId owner, const std::string& title,
                         const std::string& description = {}, bool completed = false) {
        return tasks().create(owner, tasks::NewTask{title, description, completed}, now_);
    }

    static std::vector<std::int64_t> ids_of(const std::vector<tasks::Task>& list) {
        std::vector<std::int64_t> ids;
        for (const auto& t : list) ids.push_back(t.id.value);
        return ids;
    }

    Backend backend_;
    core::Timestamp now_ = make_timestamp(2026, 11, 26, 17, 20, 5, 123456);
};

using Backends = ::testing::Types<SqliteBackend, PostgresBackend, InMemoryBackend>;
TYPED_TEST_SUITE(RepositoryConformance, Backends, BackendNames);

// --- tasks: create, find, list ---------------------------------------------------------------

TYPED_TEST(RepositoryConformance, CreateReturnsTheStoredTask) {
    const auto alice = this->add_user("alice");
    const tasks::Task task = this->add_task(alice, "Buy milk", "two litres", true);
    EXPECT_GT(task.id.value, 0);
    EXPECT_EQ(task.title, "Buy milk");
    EXPECT_EQ(task.description, "two litres");
    EXPECT_TRUE(task.completed);
    EXPECT_EQ(task.owner, alice);
    EXPECT_EQ(task.created_at, this->now_);
    EXPECT_EQ(task.updated_at, this->now_);

    const auto found = this->tasks().find(alice, task.id);
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->id, task.id);
    EXPECT_EQ(found->title, "Buy milk");
    EXPECT_EQ(found->description, "two litres");
    EXPECT_TRUE(found->completed);
    EXPECT_EQ(found->owner, alice);
    EXPECT_EQ(found->created_at, this->now_);
    EXPECT_EQ(found->updated_at, this->now_);
}

TYPED_TEST(RepositoryConformance, CreateGivesAscendingIdsAcrossOwners) {
    const auto alice = this->add_user("alice");
    const auto bob = this->add_user("bob");
    const auto first = this->add_task(alice, "a");
    const auto second = this->add_task(bob, "b");
    const auto third = this->add_task(alice, "c");
    EXPECT_LT(first.id, second.id);
    EXPECT_LT(second.id, third.id);
}

TYPED_TEST(RepositoryConformance, TaskIdsAreNeverReusedAfterRemoval) {
    const auto alice = this->add_user("alice");
    const auto first = this->add_task(alice, "a");
    const auto last = this->add_task(alice, "b");
    ASSERT_TRUE(this->tasks().remove(alice, last.id));
    const auto after_removal = this->add_task(alice, "c");
    EXPECT_GT(after_removal.id, last.id);
    ASSERT_TRUE(this->tasks().remove(alice, first.id));
    ASSERT_TRUE(this->tasks().remove(alice, after_removal.id));
    const auto after_emptying = this->add_task(alice, "d");
    EXPECT_GT(after_emptying.id, after_removal.id);
    EXPECT_FALSE(this->tasks().find(alice, last.id).has_value());
}

TYPED_TEST(RepositoryConformance, FindWithTheWrongOwnerIsNotFound) {
    const auto alice = this->add_user("alice");
    const auto bob = this->add_user("bob");
    const auto task = this->add_task(alice, "private");
    EXPECT_FALSE(this->tasks().find(bob, task.id).has_value());
    EXPECT_FALSE(this->tasks().find(core::UserId{999}, task.id).has_value());
    EXPECT_TRUE(this->tasks().find(alice, task.id).has_value());
}

TYPED_TEST(RepositoryConformance, FindOfAMissingTaskIsNotFound) {
    const auto alice = this->add_user("alice");
    EXPECT_FALSE(this->tasks().find(alice, core::TaskId{1}).has_value());
    EXPECT_FALSE(this->tasks().find(alice, core::TaskId{-1}).has_value());
    EXPECT_FALSE(this->tasks()
                     .find(alice, core::TaskId{std::numeric_limits<std::int64_t>::max()})
                     .has_value());
}

TYPED_TEST(RepositoryConformance, ListIsOwnerOnlyInAscendingIdOrder) {
    const auto alice = this->add_user("alice");
    const auto bob = this->add_user("bob");
    const auto a1 = this->add_task(alice, "a1");
    const auto b1 = this->add_task(bob, "b1");
    const auto a2 = this->add_task(alice, "a2");
    const auto b2 = this->add_task(bob, "b2");
    const auto a3 = this->add_task(alice, "a3");
    EXPECT_EQ(this->ids_of(this->tasks().list(alice)),
              (std::vector<std::int64_t>{a1.id.value, a2.id.value, a3.id.value}));
    EXPECT_EQ(this->ids_of(this->tasks().list(bob)),
              (std::vector<std::int64_t>{b1.id.value, b2.id.value}));
    const auto listed = this->tasks().list(alice);
    ASSERT_EQ(listed.size(), 3u);
    EXPECT_EQ(listed[1].title, "a2");
    EXPECT_EQ(listed[1].owner, alice);
}

TYPED_TEST(RepositoryConformance, ForEachStartsAfterTheGivenIdAndStopsWhenAsked) {
    const auto alice = this->add_user("alice");
    const auto bob = this->add_user("bob");
    const auto a1 = this->add_task(alice, "a1");
    this->add_task(bob, "b1");
    const auto a2 = this->add_task(alice, "a2");
    const auto a3 = this->add_task(alice, "a3");
    const auto a4 = this->add_task(alice, "a4");
    const auto visited = [&](core::TaskId after, std::size_t at_most) {
        std::vector<std::int64_t> ids;
        this->tasks().for_each(alice, after, [&ids, at_most](const tasks::Task& t) {
            ids.push_back(t.id.value);
            return ids.size() < at_most;
        });
        return ids;
    };
    EXPECT_EQ(visited(core::TaskId{0}, 10),
              (std::vector<std::int64_t>{a1.id.value, a2.id.value, a3.id.value, a4.id.value}));
    EXPECT_EQ(visited(a1.id, 2), (std::vector<std::int64_t>{a2.id.value, a3.id.value}));
    EXPECT_EQ(visited(a3.id, 10), (std::vector<std::int64_t>{a4.id.value}));
    EXPECT_TRUE(visited(a4.id, 10).empty());
    // the next call after a stop goes on where the last one left off, as a paged list does
    EXPECT_EQ(visited(core::TaskId{a2.id.value}, 1), (std::vector<std::int64_t>{a3.id.value}));
}

TYPED_TEST(RepositoryConformance, ForEachHandsOverWholeTasks) {
    const auto alice = this->add_user("alice");
    const std::string description(100000, 'd');
    this->add_task(alice, "first", description);
    this->add_task(alice, "second");
    std::vector<tasks::Task> seen;
    this->tasks().for_each(alice, core::TaskId{0}, [&seen](const tasks::Task& t) {
        seen.push_back(t);
        return true;
    });
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_EQ(seen[0].description, description);
    EXPECT_EQ(seen[1].title, "second");
    EXPECT_EQ(seen[1].description, "") << "a reused row must not keep the last one's text";
    EXPECT_EQ(seen[1].owner, alice);
}

TYPED_TEST(RepositoryConformance, ListReflectsUpdatesAndRemovals) {
    const auto alice = this->add_user("alice");
    const auto a1 = this->add_task(alice, "a1");
    const auto a2 = this->add_task(alice, "a2");
    ASSERT_TRUE(
        this->tasks().update(alice, a2.id, tasks::TaskPatch{.title = "renamed"}, this->now_));
    ASSERT_TRUE(this->tasks().remove(alice, a1.id));
    const auto listed = this->tasks().list(alice);
    ASSERT_EQ(listed.size(), 1u);
    EXPECT_EQ(listed[0].title, "renamed");
}

TYPED_TEST(RepositoryConformance, ListOfAUserWithoutTasksIsEmpty) {
    const auto alice = this->add_user("alice");
    const auto bob = this->add_user("bob");
    this->add_task(alice, "a1");
    EXPECT_TRUE(this->tasks().list(bob).empty());
    EXPECT_TRUE(this->tasks().list(core::UserId{999}).empty());
}

// --- tasks: update ---------------------------------------------------------------------------

TYPED_TEST(RepositoryConformance, UpdateWithAPartialPatchKeepsTheOtherFields) {
    const auto alice = this->add_user("alice");
    const auto task = this->add_task(alice, "title", "description", false);
    const auto later = this->now_ + 1s;

    auto updated =
        this->tasks().update(alice, task.id, tasks::TaskPatch{.title = "new title"}, later);
    ASSERT_TRUE(updated.has_value());
    EXPECT_EQ(updated->title, "new title");
    EXPECT_EQ(updated->description, "description");
    EXPECT_FALSE(updated->completed);

    updated = this->tasks().update(alice, task.id, tasks::TaskPatch{.completed = true}, later);
    ASSERT_TRUE(updated.has_value());
    EXPECT_EQ(updated->title, "new title");
    EXPECT_EQ(updated->description, "description");
    EXPECT_TRUE(updated->completed);

    updated = this->tasks().update(alice, task.id, tasks::TaskPatch{.description = "d2"}, later);
    ASSERT_TRUE(updated.has_value());
    EXPECT_EQ(updated->title, "new title");
    EXPECT_EQ(updated->description, "d2");
    EXPECT_TRUE(updated->completed);

    const auto found = this->tasks().find(alice, task.id);
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->title, "new title");
    EXPECT_EQ(found->description, "d2");
    EXPECT_TRUE(found->completed);
}

TYPED_TEST(RepositoryConformance, UpdateCanSetFalseAndEmptyValues) {
    const auto alice = this->add_user("alice");
    const auto task = this->add_task(alice, "t", "something", true);
    const auto updated = this->tasks().update(
        alice, task.id, tasks::TaskPatch{.description = "", .completed = false}, this->now_);
    ASSERT_TRUE(updated.has_value());
    EXPECT_EQ(updated->description, "");
    EXPECT_FALSE(updated->completed);
    EXPECT_EQ(this->tasks().find(alice, task.id)->description, "");
}

TYPED_TEST(RepositoryConformance, UpdateSetsUpdatedAtAndKeepsCreatedAt) {
    const auto alice = this->add_user("alice");
    const auto task = this->add_task(alice, "t");
    const auto later = make_timestamp(2026, 12, 1, 8, 0, 0, 999999);
    const auto updated = this->tasks().update(alice, task.id, tasks::TaskPatch{}, later);
    ASSERT_TRUE(updated.has_value());
    EXPECT_EQ(updated->created_at, this->now_);
    EXPECT_EQ(updated->updated_at, later);
    EXPECT_EQ(updated->title, "t");
    const auto found = this->tasks().find(alice, task.id);
    EXPECT_EQ(found->created_at, this->now_);
    EXPECT_EQ(found->updated_at, later);
}

TYPED_TEST(RepositoryConformance, UpdateWithTheWrongOwnerIsNotFoundAndChangesNothing) {
    const auto alice = this->add_user("alice");
    const auto bob = this->add_user("bob");
    const auto task = this->add_task(alice, "mine", "desc", false);
    const auto result = this->tasks().update(
        bob, task.id, tasks::TaskPatch{.title = "stolen", .description = "x", .completed = true},
        this->now_ + 1h);
    EXPECT_FALSE(result.has_value());
    const auto found = this->tasks().find(alice, task.id);
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->title, "mine");
    EXPECT_EQ(found->description, "desc");
    EXPECT_FALSE(found->completed);
    EXPECT_EQ(found->updated_at, this->now_);
    EXPECT_EQ(found->owner, alice);
}

TYPED_TEST(RepositoryConformance, UpdateOfAMissingTaskIsNotFound) {
    const auto alice = this->add_user("alice");
    EXPECT_FALSE(
        this->tasks().update(alice, core::TaskId{42}, tasks::TaskPatch{.title = "x"}, this->now_));
}

// --- tasks: remove ---------------------------------------------------------------------------

TYPED_TEST(RepositoryConformance, RemoveWithTheWrongOwnerIsNotFoundAndChangesNothing) {
    const auto alice = this->add_user("alice");
    const auto bob = this->add_user("bob");
    const auto task = this->add_task(alice, "mine");
    EXPECT_FALSE(this->tasks().remove(bob, task.id));
    EXPECT_TRUE(this->tasks().find(alice, task.id).has_value());
    EXPECT_EQ(this->tasks().list(alice).size(), 1u);
}

TYPED_TEST(RepositoryConformance, RemoveDeletesOnceOnly) {
    const auto alice = this->add_user("alice");
    const auto keep = this->add_task(alice, "keep");
    const auto task = this->add_task(alice, "drop");
    EXPECT_TRUE(this->tasks().remove(alice, task.id));
    EXPECT_FALSE(this->tasks().find(alice, task.id).has_value());
    EXPECT_FALSE(this->tasks().remove(alice, task.id));
    EXPECT_EQ(this->ids_of(this->tasks().list(alice)), std::vector<std::int64_t>{keep.id.value});
}

// --- tasks: values round-trip ----------------------------------------------------------------

TYPED_TEST(RepositoryConformance, TimestampsRoundTripWithMicroseconds) {
    const auto alice = this->add_user("alice");
    for (const auto t : {make_timestamp(2026, 11, 26, 17, 20, 5, 1),
                         make_timestamp(2026, 11, 26, 17, 20, 5, 999999),
                         make_timestamp(2026, 1, 1), make_timestamp(1970, 1, 1, 0, 0, 0, 1),
                         make_timestamp(2999, 12, 31, 23, 59, 59, 500000)}) {
        const auto task = this->tasks().create(alice, tasks::NewTask{.title = "t"}, t);
        const auto found = this->tasks().find(alice, task.id);
        ASSERT_TRUE(found.has_value());
        EXPECT_EQ(found->created_at, t);
        EXPECT_EQ(found->updated_at, t);
    }
    for (const auto& task : this->tasks().list(alice)) EXPECT_EQ(task.created_at, task.updated_at);
}

TYPED_TEST(RepositoryConformance, UnicodeAndLongTextRoundTrip) {
    const auto alice = this->add_user("alice");
    std::string title;
    for (int i = 0; i < 255; ++i) title += "é";
    std::string description = "日本語 \xF0\x9F\x98\x80 \"quoted\" 'single' \\ % _ \n\t\r ";
    description += "'); DROP TABLE tasks; --";
    while (description.size() < 100000) description += "long text \xE2\x80\x94 ";
    const auto task = this->add_task(alice, title, description, true);
    EXPECT_EQ(task.title, title);
    EXPECT_EQ(task.description, description);
    const auto found = this->tasks().find(alice, task.id);
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->title, title);
    EXPECT_EQ(found->description, description);
    EXPECT_EQ(this->tasks().list(alice).at(0).description, description);
}

TYPED_TEST(RepositoryConformance, ListsCarryEveryDescriptionWhole) {
    // Around the prefix a PostgreSQL page holds (2,048 characters; longer ones are read on
    // their own), in characters of one to four bytes, and far beyond it.
    const auto alice = this->add_user("alice");
    std::vector<std::string> descriptions;
    for (const std::string unit : {"a", "\xC3\xA9", "\xE2\x80\x94", "\xF0\x9F\x98\x80"}) {
        for (const int chars : {2047, 2048, 2049}) {
            std::string d;
            for (int i = 0; i < chars; ++i) d += unit;
            descriptions.push_back(d);
        }
    }
    descriptions.emplace_back(300000, 'x');
    descriptions.emplace_back();
    for (std::size_t i = 0; i < descriptions.size(); ++i) {
        this->add_task(alice, "t", descriptions[i]);
    }
    std::vector<std::string> listed;
    for (const auto& task : this->tasks().list(alice)) listed.push_back(task.description);
    EXPECT_EQ(listed, descriptions);
    listed.clear();
    core::AccountLookup account;
    this->tasks().for_each_with_account(
        alice, core::TaskId{0},
        [&listed](const tasks::Task& t) {
            listed.push_back(t.description);
            return true;
        },
        account);
    EXPECT_EQ(listed, descriptions);
}

TYPED_TEST(RepositoryConformance, ConcurrentCreatesGetDistinctIds) {
    const auto alice = this->add_user("alice");
    constexpr int kThreads = 4;
    constexpr int kPerThread = 25;
    std::vector<std::vector<std::int64_t>> ids(kThreads);
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
        threads.emplace_back([this, alice, &ids, i] {
            for (int k = 0; k < kPerThread; ++k) {
                ids[static_cast<std::size_t>(i)].push_back(this->add_task(alice, "t").id.value);
            }
        });
    }
    for (auto& t : threads) t.join();
    std::vector<std::int64_t> all;
    for (const auto& v : ids) all.insert(all.end(), v.begin(), v.end());
    std::sort(all.begin(), all.end());
    EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end());
    EXPECT_EQ(this->ids_of(this->tasks().list(alice)), all);
}

// --- users -----------------------------------------------------------------------------------

TYPED_TEST(RepositoryConformance, CreateUserStoresEveryField) {
    const auto joined = make_timestamp(2026, 3, 4, 5, 6, 7, 89);
    const auto created = this->users().create(users::NewUser{.username = "root",
                                                             .password_hash = "$argon2id$v=19$x",
                                                             .is_active = false,
                                                             .is_superuser = true,
                                                             .date_joined = joined});
    ASSERT_TRUE(created.has_value());
    EXPECT_GT(created->id.value, 0);
    EXPECT_EQ(created->username, "root");
    EXPECT_EQ(created->password_hash, "$argon2id$v=19$x");
    EXPECT_FALSE(created->is_active);
    EXPECT_TRUE(created->is_superuser);
    EXPECT_EQ(created->date_joined, joined);

    for (const auto& found :
         {this->users().find_by_id(created->id), this->users().find_by_username("root")}) {
        ASSERT_TRUE(found.has_value());
        EXPECT_EQ(found->id, created->id);
        EXPECT_EQ(found->username, "root");
        EXPECT_EQ(found->password_hash, "$argon2id$v=19$x");
        EXPECT_FALSE(found->is_active);
        EXPECT_TRUE(found->is_superuser);
        EXPECT_EQ(found->date_joined, joined);
    }
}

TYPED_TEST(RepositoryConformance, UserIdsAscendAndAreNeverReused) {
    const auto alice = this->add_user("alice");
    const auto bob = this->add_user("bob");
    EXPECT_LT(alice, bob);
    ASSERT_TRUE(this->users().remove(bob));
    const auto again = this->add_user("bob");
    EXPECT_GT(again, bob);
}

TYPED_TEST(RepositoryConformance, DuplicateUsernameIsAConflict) {
    this->add_user("alice");
    const auto again =
        this->users().create(users::NewUser{.username = "alice", .password_hash = "h"});
    ASSERT_FALSE(again.has_value());
    EXPECT_EQ(again.error().code, core::ErrorCode::kConflict);
    EXPECT_NE(again.error().message.find("alice"), std::string::npos) << again.error().message;
    EXPECT_EQ(this->users().find_by_username("alice")->password_hash, "$argon2id$hash-of-alice");
}

TYPED_TEST(RepositoryConformance, UsernamesAreCaseSensitive) {
    const auto upper = this->add_user("Alice");
    const auto lower = this->add_user("alice");
    EXPECT_NE(upper, lower);
    EXPECT_EQ(this->users().find_by_username("Alice")->id, upper);
    EXPECT_EQ(this->users().find_by_username("alice")->id, lower);
    EXPECT_FALSE(this->users().find_by_username("ALICE").has_value());
}

TYPED_TEST(RepositoryConformance, UnicodeUsernamesRoundTrip) {
    const auto id = this->add_user("élodie日本");
    EXPECT_EQ(this->users().find_by_id(id)->username, "élodie日本");
    EXPECT_EQ(this->users().find_by_username("élodie日本")->id, id);
}

TYPED_TEST(RepositoryConformance, NamesNoUserCanHaveAreNotFound) {
    this->add_user("alice");
    EXPECT_FALSE(this->users().find_by_username("\xff\xfe").has_value());
    EXPECT_FALSE(this->users().find_by_username(std::string("alice\0", 6)).has_value());
    EXPECT_FALSE(this->users().find_by_username("\xed\xa0\x80").has_value());  // a surrogate
    EXPECT_FALSE(this->users().replace_password_hash(core::UserId{1}, "\xff", "$argon2id$y"));
    EXPECT_TRUE(this->users().find_by_username("alice").has_value());
}

TYPED_TEST(RepositoryConformance, TimesBeforeTheYear2000RoundTrip) {
    const auto joined = make_timestamp(1999, 12, 31, 23, 59, 59, 999999);
    const auto user = this->users().create(
        users::NewUser{.username = "old", .password_hash = "h", .date_joined = joined});
    ASSERT_TRUE(user.has_value());
    EXPECT_EQ(this->users().find_by_id(user->id)->date_joined, joined);
    const auto changed = make_timestamp(1970, 1, 1, 0, 0, 1);
    ASSERT_TRUE(this->users().change_password(user->id, "h2", changed));
    EXPECT_EQ(this->users().find_by_username("old")->password_changed_at, changed);
}

TYPED_TEST(RepositoryConformance, ListsLongerThanOnePageComeWhole) {
    const auto alice = this->add_user("alice");
    const auto bob = this->add_user("bob");
    std::vector<std::int64_t> created;
    for (int i = 0; i < 150; ++i) {
        created.push_back(this->add_task(alice, numbered('t', i)).id.value);
        if (i % 7 == 0) this->add_task(bob, "b");
    }
    EXPECT_EQ(this->ids_of(this->tasks().list(alice)), created);
    std::vector<std::int64_t> seen;
    this->tasks().for_each(alice, core::TaskId{created[63]}, [&seen](const tasks::Task& t) {
        seen.push_back(t.id.value);
        return seen.size() < 70;
    });
    EXPECT_EQ(seen, std::vector<std::int64_t>(created.begin() + 64, created.begin() + 134));
}

// --- tasks: the list's queries (TaskQuery) ---------------------------------------------------

template <typename Repository>
std::vector<std::int64_t> ids_matching(Repository& repository, core::UserId owner,
                                       const tasks::TaskQuery& query) {
    std::vector<std::int64_t> ids;
    repository.for_each_matching(owner, query, [&ids](const tasks::Task& t) {
        ids.push_back(t.id.value);
        return true;
    });
    return ids;
}

tasks::TaskQuery ordered_by(std::vector<tasks::TaskOrder> ordering) {
    tasks::TaskQuery query;
    query.ordering = std::move(ordering);
    return query;
}

TYPED_TEST(RepositoryConformance, MatchingFiltersByCompletedOnTheOwnersTasksOnly) {
    const auto alice = this->add_user("alice");
    const auto bob = this->add_user("bob");
    const auto a1 = this->add_task(alice, "a1", "", true).id.value;
    this->add_task(bob, "b1", "", true);
    const auto a2 = this->add_task(alice, "a2", "", false).id.value;
    const auto a3 = this->add_task(alice, "a3", "", true).id.value;
    tasks::TaskQuery query;
    EXPECT_EQ(ids_matching(this->tasks(), alice, query), (std::vector<std::int64_t>{a1, a2, a3}));
    query.completed = true;
    EXPECT_EQ(ids_matching(this->tasks(), alice, query), (std::vector<std::int64_t>{a1, a3}));
    EXPECT_EQ(this->tasks().count_matching(alice, query), 2);
    query.completed = false;
    EXPECT_EQ(ids_matching(this->tasks(), alice, query), (std::vector<std::int64_t>{a2}));
    EXPECT_EQ(this->tasks().count_matching(alice, query), 1);
    EXPECT_EQ(this->tasks().count_matching(alice, tasks::TaskQuery{}), 3);
    EXPECT_EQ(this->tasks().count_matching(this->add_user("carol"), tasks::TaskQuery{}), 0);
}

TYPED_TEST(RepositoryConformance, CountsFollowCreatesUpdatesAndRemovals) {
    const auto alice = this->add_user("alice");
    const auto bob = this->add_user("bob");
    const auto count = [this, alice](std::optional<bool> completed) {
        tasks::TaskQuery query;
        query.completed = completed;
        return this->tasks().count_matching(alice, query);
    };
    EXPECT_EQ(count(std::nullopt), 0);
    EXPECT_EQ(count(true), 0);
    const auto a1 = this->add_task(alice, "a1", "", true);
    const auto a2 = this->add_task(alice, "a2", "", false);
    this->add_task(alice, "a3", "", false);
    this->add_task(bob, "b1", "", true);
    EXPECT_EQ(count(std::nullopt), 3);
    EXPECT_EQ(count(true), 1);
    EXPECT_EQ(count(false), 2);
    tasks::TaskPatch done;
    done.completed = true;
    ASSERT_TRUE(this->tasks().update(alice, a2.id, done, this->now_));
    ASSERT_TRUE(this->tasks().update(alice, a2.id, done, this->now_));  // no change
    tasks::TaskPatch title_only;
    title_only.title = "renamed";
    ASSERT_TRUE(this->tasks().update(alice, a1.id, title_only, this->now_));
    EXPECT_EQ(count(true), 2);
    EXPECT_EQ(count(false), 1);
    EXPECT_FALSE(
        this->tasks().update(bob, a1.id, tasks::TaskPatch{.completed = false}, this->now_));
    EXPECT_TRUE(this->tasks().remove(alice, a1.id));
    EXPECT_FALSE(this->tasks().remove(alice, a1.id));
    EXPECT_EQ(count(std::nullopt), 2);
    EXPECT_EQ(count(true), 1);
    EXPECT_EQ(count(false), 1);
    tasks::TaskQuery bobs;
    EXPECT_EQ(this->tasks().count_matching(bob, bobs), 1);
    bobs.search_terms = {"b"};
    EXPECT_EQ(this->tasks().count_matching(bob, bobs), 1);
}

TYPED_TEST(RepositoryConformance, SearchTermsAreLiteralSubstringsWithoutAsciiCase) {
    const auto alice = this->add_user("alice");
    const auto bob = this->add_user("bob");
    const auto milk = this->add_task(alice, "Buy MILK", "From the shop").id.value;
    const auto done = this->add_task(alice, "100% done", "a_b c\\d").id.value;
    const auto cafe = this->add_task(alice, "Caf\u00e9", "\u00c9cole").id.value;
    const auto eggs = this->add_task(alice, "Write report", "milk, eggs").id.value;
    this->add_task(bob, "milk", "100% a_b");
    const auto search = [this, alice](std::vector<std::string> terms) {
        tasks::TaskQuery query;
        query.search_terms = std::move(terms);
        EXPECT_EQ(this->tasks().count_matching(alice, query),
                  static_cast<std::int64_t>(ids_matching(this->tasks(), alice, query).size()));
        return ids_matching(this->tasks(), alice, query);
    };
    using Ids = std::vector<std::int64_t>;
    EXPECT_EQ(search({"milk"}), (Ids{milk, eggs}));    // title or description, any ASCII case
    EXPECT_EQ(search({"mIlK", "SHOP"}), (Ids{milk}));  // every term must match
    EXPECT_EQ(search({"milk", "nothing"}), Ids{});
    EXPECT_EQ(search({"%"}), (Ids{done}));  // no LIKE wildcards
    EXPECT_EQ(search({"_"}), (Ids{done}));
    EXPECT_EQ(search({"a_b"}), (Ids{done}));
    EXPECT_EQ(search({"a%b"}), Ids{});
    EXPECT_EQ(search({"c\\d"}), (Ids{done}));  // nor escapes
    EXPECT_EQ(search({"\\"}), (Ids{done}));
    EXPECT_EQ(search({"caf\u00e9"}), (Ids{cafe}));  // non-ASCII letters: exactly
    EXPECT_EQ(search({"CAF\u00c9"}), Ids{});
    EXPECT_EQ(search({"\u00e9cole"}), Ids{});
    EXPECT_EQ(search({"\u00c9COLE"}), (Ids{cafe}));
    EXPECT_EQ(search({"' OR 1=1 --"}), Ids{});
}

TYPED_TEST(RepositoryConformance, MatchingOrdersByEachFieldWithTiesByAscendingId) {
    using tasks::TaskField;
    using Ids = std::vector<std::int64_t>;
    const auto alice = this->add_user("alice");
    const auto at = [](int minute) { return make_timestamp(2026, 1, 1, 0, minute, 0, 0); };
    // Created at minutes 5, 1, 3, 2, 4; titles in byte order: "B" < "a" < "z" < "\u00c9".
    const auto create = [this, alice](const char* title, bool completed, core::Timestamp when) {
        return this->tasks().create(alice, tasks::NewTask{title, "", completed}, when).id.value;
    };
    const auto t1 = create("z", true, at(5));
    const auto t2 = create("B", false, at(1));
    const auto t3 = create("\u00c9", true, at(3));
    const auto t4 = create("a", false, at(2));
    const auto t5 = create("a", true, at(4));
    // Updated at minutes 9 (t2), 8 (t1); the others keep their creation time.
    ASSERT_TRUE(this->tasks().update(alice, core::TaskId{t2}, tasks::TaskPatch{}, at(9)));
    ASSERT_TRUE(this->tasks().update(alice, core::TaskId{t1}, tasks::TaskPatch{}, at(8)));
    const auto by = [this, alice](std::vector<tasks::TaskOrder> ordering) {
        return ids_matching(this->tasks(), alice, ordered_by(std::move(ordering)));
    };
    EXPECT_EQ(by({}), (Ids{t1, t2, t3, t4, t5}));
    EXPECT_EQ(by({{TaskField::kId, true}}), (Ids{t5, t4, t3, t2, t1}));
    EXPECT_EQ(by({{TaskField::kTitle, false}}), (Ids{t2, t4, t5, t1, t3}));
    EXPECT_EQ(by({{TaskField::kTitle, true}}), (Ids{t3, t1, t4, t5, t2}));
    EXPECT_EQ(by({{TaskField::kCreatedAt, false}}), (Ids{t2, t4, t3, t5, t1}));
    EXPECT_EQ(by({{TaskField::kCreatedAt, true}}), (Ids{t1, t5, t3, t4, t2}));
    EXPECT_EQ(by({{TaskField::kUpdatedAt, false}}), (Ids{t4, t3, t5, t1, t2}));
    EXPECT_EQ(by({{TaskField::kUpdatedAt, true}}), (Ids{t2, t1, t5, t3, t4}));
    EXPECT_EQ(by({{TaskField::kCompleted, false}}), (Ids{t2, t4, t1, t3, t5}));
    EXPECT_EQ(by({{TaskField::kCompleted, true}}), (Ids{t1, t3, t5, t2, t4}));
    EXPECT_EQ(by({{TaskField::kCompleted, true}, {TaskField::kTitle, false}}),
              (Ids{t5, t1, t3, t2, t4}));
    EXPECT_EQ(by({{TaskField::kCompleted, false}, {TaskField::kId, true}}),
              (Ids{t4, t2, t5, t3, t1}));
    EXPECT_EQ(by({{TaskField::kTitle, false}, {TaskField::kCreatedAt, true}}),
              (Ids{t2, t5, t4, t1, t3}));
}

TYPED_TEST(RepositoryConformance, MatchingHonoursOffsetLimitAndAfterAcrossPages) {
    const auto alice = this->add_user("alice");
    const auto bob = this->add_user("bob");
    std::vector<std::int64_t> created;
    for (int i = 0; i < 150; ++i) {
        created.push_back(this->add_task(alice, numbered('t', i), "", i % 2 == 0).id.value);
        if (i % 7 == 0) this->add_task(bob, "b", "", true);
    }
    tasks::TaskQuery query;
    query.offset = 60;
    query.limit = 70;
    EXPECT_EQ(ids_matching(this->tasks(), alice, query),
              std::vector<std::int64_t>(created.begin() + 60, created.begin() + 130));
    query.after = core::TaskId{created[9]};  // the default order: after, then the offset
    EXPECT_EQ(ids_matching(this->tasks(), alice, query),
              std::vector<std::int64_t>(created.begin() + 70, created.begin() + 140));
    EXPECT_EQ(this->tasks().count_matching(alice, query), 150);
    query = ordered_by({{tasks::TaskField::kId, true}});
    query.completed = true;
    query.offset = 5;
    query.limit = 100;
    std::vector<std::int64_t> expected;
    for (int i = 148 - 10; i >= 0; i -= 2) expected.push_back(created[static_cast<std::size_t>(i)]);
    EXPECT_EQ(ids_matching(this->tasks(), alice, query), expected);
    EXPECT_EQ(this->tasks().count_matching(alice, query), 75);
    std::vector<std::int64_t> seen;  // the visitor stops the read
    this->tasks().for_each_matching(alice, query, [&seen](const tasks::Task& t) {
        seen.push_back(t.id.value);
        return seen.size() < 3;
    });
    EXPECT_EQ(seen, std::vector<std::int64_t>(expected.begin(), expected.begin() + 3));
    query.offset = 75;
    EXPECT_EQ(ids_matching(this->tasks(), alice, query), std::vector<std::int64_t>{});
    query.offset = 0;
    query.limit = 0;
    EXPECT_EQ(ids_matching(this->tasks(), alice, query), std::vector<std::int64_t>{});
}

TYPED_TEST(RepositoryConformance, MatchingCarriesEveryDescriptionWhole) {
    const auto alice = this->add_user("alice");
    const std::string long_text(100000, 'x');
    const std::string accented(5000, 'y');
    const auto a = this->add_task(alice, "a", long_text + "needle").id.value;
    const auto b = this->add_task(alice, "b", "\u00e9" + accented + "needle").id.value;
    tasks::TaskQuery query = ordered_by({{tasks::TaskField::kTitle, true}});
    query.search_terms = {"NEEDLE"};
    std::vector<std::string> descriptions;
    std::vector<std::int64_t> ids;
    this->tasks().for_each_matching(alice, query, [&](const tasks::Task& t) {
        ids.push_back(t.id.value);
        descriptions.push_back(t.description);
        return true;
    });
    EXPECT_EQ(ids, (std::vector<std::int64_t>{b, a}));
    ASSERT_EQ(descriptions.size(), 2u);
    EXPECT_EQ(descriptions[0], "\u00e9" + accented + "needle");
    EXPECT_EQ(descriptions[1], long_text + "needle");
}

TYPED_TEST(RepositoryConformance, MissingUsersAreNotFound) {
    this->add_user("alice");
    EXPECT_FALSE(this->users().find_by_id(core::UserId{999}).has_value());
    EXPECT_FALSE(this->users().find_by_username("bob").has_value());
    EXPECT_FALSE(this->users().find_by_username("").has_value());
    EXPECT_FALSE(this->users().find_by_username("alice ").has_value());
}

// find_account: what find_by_id has of the account (users::account_of), no more.
TYPED_TEST(RepositoryConformance, FindAccountReadsWhatAuthenticationChecks) {
    const auto alice = this->add_user("alice");
    const auto ivan = this->users().create(users::NewUser{.username = "ivan",
                                                          .password_hash = "$argon2id$x",
                                                          .is_active = false,
                                                          .date_joined = this->now_});
    ASSERT_TRUE(ivan.has_value());
    ASSERT_TRUE(this->users().change_password(alice, "$argon2id$new", this->now_));
    for (const auto id : {alice, ivan->id}) {
        const auto account = this->users().find_account(id);
        ASSERT_TRUE(account.has_value());
        const auto expected = users::account_of(*this->users().find_by_id(id));
        EXPECT_EQ(account->id, expected.id);
        EXPECT_EQ(account->username, expected.username);
        EXPECT_EQ(account->is_active, expected.is_active);
        EXPECT_EQ(account->password_changed_at, expected.password_changed_at);
    }
    EXPECT_EQ(this->users().find_account(alice)->password_changed_at, this->now_);
    EXPECT_FALSE(this->users().find_account(ivan->id)->is_active);
    EXPECT_FALSE(this->users().find_account(core::UserId{999}).has_value());
    ASSERT_TRUE(this->users().remove(alice));
    EXPECT_FALSE(this->users().find_account(alice).has_value());
}

TYPED_TEST(RepositoryConformance, ReplacePasswordHashReplacesTheExpectedHashOnly) {
    const auto alice = this->add_user("alice");
    const auto bob = this->add_user("bob");
    EXPECT_TRUE(
        this->users().replace_password_hash(alice, "$argon2id$hash-of-alice", "$argon2id$new"));
    EXPECT_EQ(this->users().find_by_id(alice)->password_hash, "$argon2id$new");
    EXPECT_EQ(this->users().find_by_id(bob)->password_hash, "$argon2id$hash-of-bob");
    // the stored hash is no longer the one expected: a password change came first
    EXPECT_FALSE(
        this->users().replace_password_hash(alice, "$argon2id$hash-of-alice", "$argon2id$old"));
    EXPECT_EQ(this->users().find_by_id(alice)->password_hash, "$argon2id$new");
    EXPECT_FALSE(
        this->users().replace_password_hash(core::UserId{999}, "$argon2id$x", "$argon2id$y"));
}

TYPED_TEST(RepositoryConformance, ANewUserHasNeverChangedThePassword) {
    const auto alice = this->add_user("alice");
    EXPECT_EQ(this->users().find_by_id(alice)->password_changed_at, core::Timestamp{});
}

TYPED_TEST(RepositoryConformance, ChangePasswordSetsTheHashAndWhen) {
    const auto alice = this->add_user("alice");
    const auto bob = this->add_user("bob");
    const auto when = make_timestamp(2026, 11, 27, 8, 0, 1, 654321);
    EXPECT_TRUE(this->users().change_password(alice, "$argon2id$changed", when));
    const auto stored = this->users().find_by_username("alice");
    EXPECT_EQ(stored->password_hash, "$argon2id$changed");
    EXPECT_EQ(stored->password_changed_at, when);
    EXPECT_EQ(this->users().find_by_id(bob)->password_changed_at, core::Timestamp{});
    EXPECT_FALSE(this->users().change_password(core::UserId{999}, "$argon2id$x", when));
}

TYPED_TEST(RepositoryConformance, ReplacePasswordHashKeepsWhenThePasswordChanged) {
    const auto alice = this->add_user("alice");
    const auto when = make_timestamp(2026, 11, 27, 8, 0, 1);
    ASSERT_TRUE(this->users().change_password(alice, "$argon2id$changed", when));
    EXPECT_TRUE(
        this->users().replace_password_hash(alice, "$argon2id$changed", "$argon2id$rehashed"));
    const auto stored = this->users().find_by_id(alice);
    EXPECT_EQ(stored->password_hash, "$argon2id$rehashed");
    EXPECT_EQ(stored->password_changed_at, when);
}

TYPED_TEST(RepositoryConformance, RemoveUserCascadesToTheirTasksOnly) {
    const auto alice = this->add_user("alice");
    const auto bob = this->add_user("bob");
    const auto a1 = this->add_task(alice, "a1");
    this->add_task(alice, "a2");
    const auto b1 = this->add_task(bob, "b1");

    EXPECT_TRUE(this->users().remove(alice));
    EXPECT_FALSE(this->users().find_by_id(alice).has_value());
    EXPECT_FALSE(this->users().find_by_username("alice").has_value());
    EXPECT_TRUE(this->tasks().list(alice).empty());
    EXPECT_FALSE(this->tasks().find(alice, a1.id).has_value());
    EXPECT_TRUE(this->users().find_by_id(bob).has_value());
    EXPECT_EQ(this->ids_of(this->tasks().list(bob)), std::vector<std::int64_t>{b1.id.value});
    EXPECT_FALSE(this->users().remove(alice));
}

TYPED_TEST(RepositoryConformance, ANewUserWithARemovedNameGetsNoOldTasks) {
    const auto alice = this->add_user("alice");
    this->add_task(alice, "a1");
    ASSERT_TRUE(this->users().remove(alice));
    const auto new_alice = this->add_user("alice");
    EXPECT_NE(new_alice, alice);
    EXPECT_TRUE(this->tasks().list(new_alice).empty());
}

// --- SQLite specifics ------------------------------------------------------------------------

TEST(SqliteStorage, MigrateTwiceAppliesNothingTheSecondTime) {
    const TempDir dir;
    const auto storage = open(dir.sqlite_url());
    EXPECT_EQ(storage->migrate(), static_cast<int>(sqlite::migrations().size()));
    EXPECT_GE(sqlite::migrations().size(), 1u);
    EXPECT_EQ(storage->migrate(), 0);
}

TEST(SqliteStorage, DataAndSchemaSurviveReopening) {
    const TempDir dir;
    core::UserId alice;
    {
        const auto storage = open(dir.sqlite_url());
        storage->migrate();
        alice = storage->users()
                    .create(users::NewUser{.username = "alice", .password_hash = "h"})
                    .value()
                    .id;
        storage->tasks().create(alice, tasks::NewTask{.title = "kept"}, make_timestamp(2026, 1, 1));
    }
    const auto reopened = open(dir.sqlite_url());
    EXPECT_EQ(reopened->migrate(), 0);
    const auto listed = reopened->tasks().list(alice);
    ASSERT_EQ(listed.size(), 1u);
    EXPECT_EQ(listed[0].title, "kept");
}

// Checkpoints run on a thread of their own (docs/decisions/002-sqlite-durability.md). Writers
// that outpace it must wait, or the WAL grows with every write: here two threads write about
// 240 MB of WAL pages as fast as they can, and the WAL must stay near its 4,000-page bound.
TEST(SqliteStorage, TheWalStaysBoundedWhileWritersOutpaceCheckpoints) {
    const TempDir dir;
    const auto storage = open(dir.sqlite_url());
    storage->migrate();
    const auto owner = storage->users()
                           .create(users::NewUser{.username = "writer",
                                                  .password_hash = "x",
                                                  .date_joined = make_timestamp(2026, 1, 1)})
                           .value()
                           .id;
    constexpr int kThreads = 2;
    constexpr int kCreatesPerThread = 10000;
    std::vector<std::thread> writers;
    for (int t = 0; t < kThreads; ++t) {
        writers.emplace_back([&] {
            for (int i = 0; i < kCreatesPerThread; ++i) {
                storage->tasks().create(owner, tasks::NewTask{.title = "t"},
                                        make_timestamp(2026, 1, 2));
            }
        });
    }
    for (auto& w : writers) w.join();

    EXPECT_EQ(storage->tasks().list(owner).size(), std::size_t{kThreads * kCreatesPerThread});
    const auto wal_bytes = std::filesystem::file_size(dir.path() / "db.sqlite3-wal");
    EXPECT_LT(wal_bytes, 24u * 1024u * 1024u) << wal_bytes << " bytes of WAL";
}

TEST(SqliteStorage, MigrationsAreNumberedAscending) {
    const auto& all = sqlite::migrations();
    for (std::size_t i = 1; i < all.size(); ++i) EXPECT_LT(all[i - 1].version, all[i].version);
    ASSERT_FALSE(all.empty());
    EXPECT_EQ(all.front().version, 1);
}

TEST(SqliteStorage, PingAnswers) {
    const TempDir dir;
    const auto storage = open(dir.sqlite_url());
    EXPECT_TRUE(storage->ping());
}

TEST(SqliteStorage, DescribeNamesTheFile) {
    const TempDir dir;
    const auto storage = open(dir.sqlite_url());
    EXPECT_EQ(storage->describe(), dir.sqlite_url());
}

TEST(SqliteStorage, OpenRefusesUrlsItCannotServe) {
    for (const char* url : {"mysql://localhost/x", "sqlite:///", "", "db.sqlite3",
                            "sqlite://relative.sqlite3", "postgresql://[::1/x"}) {
        const auto storage = open_storage(url);
        ASSERT_FALSE(storage.has_value()) << url;
        EXPECT_EQ(storage.error().code, core::ErrorCode::kInvalidArgument) << url;
    }
}

TEST(SqliteStorage, OpeningAFileInAMissingDirectoryThrows) {
    const TempDir dir;
    const std::string url = "sqlite:///" + (dir.path() / "missing" / "db.sqlite3").string();
    EXPECT_THROW(static_cast<void>(open_storage(url)), StorageError);
}

// --- PostgreSQL specifics --------------------------------------------------------------------
// What several processes on one database rely on. Each Storage below has a pool of its own, so
// two of them are two processes' worth of connections.

class PostgresStorage : public ::testing::Test {
protected:
    void SetUp() override {
        if (!testing::postgres_test_url()) {
            GTEST_SKIP() << "TASKAPI_TEST_POSTGRES_URL is not set (ctest runs these as "
                            "storage.postgres, on a throwaway server)";
        }
        schema_.emplace();
    }
    std::optional<testing::PostgresTestSchema> schema_;
};

TEST_F(PostgresStorage, MigrateTwiceAppliesNothingTheSecondTime) {
    const auto storage = schema_->open();
    EXPECT_EQ(storage->migrate(), static_cast<int>(postgres::migrations().size()));
    EXPECT_GE(postgres::migrations().size(), 2u);
    EXPECT_EQ(storage->migrate(), 0);
    EXPECT_EQ(schema_->open()->migrate(), 0);
}

TEST_F(PostgresStorage, MigratorsStartingAtOnceApplyEachMigrationOnce) {
    constexpr int kMigrators = 6;
    std::vector<std::unique_ptr<Storage>> storages;
    for (int i = 0; i < kMigrators; ++i) storages.push_back(schema_->open());
    std::atomic<int> ready{0};
    std::vector<int> applied(kMigrators, -1);
    std::vector<std::thread> threads;
    for (int i = 0; i < kMigrators; ++i) {
        threads.emplace_back([&storages, &ready, &applied, i] {
            ++ready;
            while (ready.load() < kMigrators) std::this_thread::yield();
            applied[static_cast<std::size_t>(i)] = storages[static_cast<std::size_t>(i)]->migrate();
        });
    }
    for (auto& t : threads) t.join();
    const int total = static_cast<int>(postgres::migrations().size());
    EXPECT_EQ(std::count(applied.begin(), applied.end(), total), 1);
    EXPECT_EQ(std::count(applied.begin(), applied.end(), 0), kMigrators - 1);
    const auto rows = schema_->admin().execute(
        {"count_migrations",
         ("SELECT count(*) FROM " + schema_->name() + ".schema_migrations").c_str()},
        postgres::Params{});
    EXPECT_EQ(rows.int64(0, 0), total);
}

TEST_F(PostgresStorage, ConcurrentUpdatesOfOneTaskFromTwoProcessesLoseNothing) {
    const auto first = schema_->open();
    first->migrate();
    const auto second = schema_->open();
    const auto owner =
        first->users().create(users::NewUser{.username = "alice", .password_hash = "h"})->id;
    const auto task =
        first->tasks().create(owner, tasks::NewTask{.title = "t0"}, make_timestamp(2026, 1, 1));
    constexpr int kUpdates = 200;
    // Each writer changes its own field; an update that wrote a whole row read earlier would
    // bring back the other writer's old value.
    std::thread titles([&first, owner, &task] {
        for (int i = 1; i <= kUpdates; ++i) {
            first->tasks().update(owner, task.id, tasks::TaskPatch{.title = numbered('t', i)},
                                  make_timestamp(2026, 1, 2));
        }
    });
    std::thread descriptions([&second, owner, &task] {
        for (int i = 1; i <= kUpdates; ++i) {
            second->tasks().update(
                owner, task.id,
                tasks::TaskPatch{.description = numbered('d', i), .completed = i % 2 == 0},
                make_timestamp(2026, 1, 2));
        }
    });
    titles.join();
    descriptions.join();
    const auto found = second->tasks().find(owner, task.id);
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->title, numbered('t', kUpdates));
    EXPECT_EQ(found->description, numbered('d', kUpdates));
    EXPECT_TRUE(found->completed);
}

TEST_F(PostgresStorage, TwoProcessesSeeEachOthersWrites) {
    const auto first = schema_->open();
    first->migrate();
    const auto second = schema_->open();
    const auto alice =
        first->users().create(users::NewUser{.username = "alice", .password_hash = "h"})->id;
    EXPECT_EQ(second->users().find_by_username("alice")->id, alice);
    EXPECT_EQ(second->users()
                  .create(users::NewUser{.username = "alice", .password_hash = "x"})
                  .error()
                  .code,
              core::ErrorCode::kConflict);
    const auto task = second->tasks().create(alice, tasks::NewTask{.title = "shared"},
                                             make_timestamp(2026, 1, 1));
    EXPECT_EQ(first->tasks().find(alice, task.id)->title, "shared");
    ASSERT_TRUE(first->users().remove(alice));
    EXPECT_FALSE(second->users().find_by_id(alice).has_value());
    EXPECT_FALSE(second->tasks().find(alice, task.id).has_value());
}

TEST_F(PostgresStorage, ThrottleCountsAreSharedBetweenProcesses) {
    const auto first = schema_->open();
    first->migrate();
    const auto second = schema_->open();
    const auth::Rate three_per_minute{3, std::chrono::seconds{60}};
    const auto now = make_timestamp(2026, 1, 1);
    EXPECT_FALSE(first->throttles().hit("k", three_per_minute, now));
    EXPECT_FALSE(second->throttles().hit("k", three_per_minute, now + 1s));
    EXPECT_FALSE(first->throttles().hit("k", three_per_minute, now + 2s));
    const auto wait = second->throttles().hit("k", three_per_minute, now + 3s);
    ASSERT_TRUE(wait.has_value());
    EXPECT_DOUBLE_EQ(*wait, 57.0);
    second->throttles().refund("k", now + 1s);
    EXPECT_FALSE(first->throttles().hit("k", three_per_minute, now + 3s));
    first->throttles().remember("trusted", now + 10s, now);
    EXPECT_TRUE(second->throttles().remembers("trusted", now + 9s));
    EXPECT_FALSE(second->throttles().remembers("trusted", now + 10s));
}

TEST_F(PostgresStorage, ConcurrentHitsNeverOvershootTheRate) {
    const auto first = schema_->open();
    first->migrate();
    const auto second = schema_->open();
    const auth::Rate ten_per_hour{10, std::chrono::hours{1}};
    const auto now = make_timestamp(2026, 1, 1);
    std::atomic<int> allowed{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        Storage& storage = t % 2 == 0 ? *first : *second;
        threads.emplace_back([&storage, &allowed, ten_per_hour, now, t] {
            for (int i = 0; i < 10; ++i) {
                if (!storage.throttles().hit("login:address:x", ten_per_hour,
                                             now + std::chrono::milliseconds{t * 10 + i})) {
                    ++allowed;
                }
            }
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(allowed.load(), 10);
}

// What a server restart does to every session: end them (the test's own sessions only).
void end_sessions(testing::PostgresTestSchema& schema) {
    const std::string terminate =
        "SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity WHERE "
        "application_name = '" +
        schema.name() + "'";
    const auto ended = schema.admin().execute({"terminate", terminate.c_str()}, postgres::Params{});
    ASSERT_GE(ended.int64(0, 0), 1);
}

TEST_F(PostgresStorage, AWriteOnALostConnectionIsUnavailableAndTheNextCallReconnects) {
    const auto storage = schema_->open();
    storage->migrate();
    const auto alice =
        storage->users().create(users::NewUser{.username = "alice", .password_hash = "h"})->id;
    end_sessions(*schema_);
    // The server may or may not have run it: only the caller can tell whether to retry.
    EXPECT_THROW(static_cast<void>(storage->tasks().create(alice, tasks::NewTask{.title = "t"},
                                                           make_timestamp(2026, 1, 1))),
                 UnavailableError);
    EXPECT_EQ(storage->tasks()
                  .create(alice, tasks::NewTask{.title = "t"}, make_timestamp(2026, 1, 1))
                  .title,
              "t");
}

TEST_F(PostgresStorage, ReadsGoOnThroughALostConnection) {
    const auto storage = schema_->open();
    storage->migrate();
    const auto alice =
        storage->users().create(users::NewUser{.username = "alice", .password_hash = "h"})->id;
    const auto task =
        storage->tasks().create(alice, tasks::NewTask{.title = "t"}, make_timestamp(2026, 1, 1));
    storage->throttles().remember("k", make_timestamp(2026, 1, 2), make_timestamp(2026, 1, 1));
    end_sessions(*schema_);
    EXPECT_EQ(storage->users().find_by_id(alice)->username, "alice");
    end_sessions(*schema_);
    EXPECT_EQ(storage->users().find_by_username("alice")->id, alice);
    end_sessions(*schema_);
    EXPECT_EQ(storage->tasks().find(alice, task.id)->title, "t");
    end_sessions(*schema_);
    EXPECT_EQ(storage->tasks().list(alice).size(), 1u);
    end_sessions(*schema_);
    EXPECT_TRUE(storage->throttles().remembers("k", make_timestamp(2026, 1, 1)));
    end_sessions(*schema_);
    EXPECT_TRUE(storage->ping());
}

TEST_F(PostgresStorage, PingAnswers) {
    const auto storage = schema_->open();
    EXPECT_TRUE(storage->ping());
}

TEST_F(PostgresStorage, StatementsArePreparedAgainWhenTheSessionForgotThem) {
    const auto storage = schema_->open();
    storage->migrate();
    const auto alice =
        storage->users().create(users::NewUser{.username = "alice", .password_hash = "h"})->id;
    postgres::Connection c(postgres::ConnectOptions{.conninfo = schema_->url()});
    const postgres::Statement find{"find_user", "SELECT id FROM users WHERE id = $1"};
    EXPECT_EQ(c.execute(find, postgres::Params{}.add(alice.value)).int64(0, 0), alice.value);
    // What a pooler in front may do between two clients: forget the session's statements.
    c.exec("DEALLOCATE ALL");
    EXPECT_EQ(c.execute(find, postgres::Params{}.add(alice.value)).int64(0, 0), alice.value);
}

TEST_F(PostgresStorage, AStatementOverTheTimeoutIsUnavailableAndTheConnectionStaysUsable) {
    postgres::Connection c(postgres::ConnectOptions{
        .conninfo = schema_->url(), .statement_timeout = std::chrono::milliseconds{100}});
    EXPECT_THROW(c.exec("SELECT pg_sleep(2)"), UnavailableError);
    EXPECT_FALSE(c.is_broken());
    EXPECT_NO_THROW(c.exec("SELECT 1"));
}

TEST_F(PostgresStorage, AFullPoolIsUnavailableAfterTheTimeout) {
    postgres::Pool pool(
        postgres::PoolOptions{.connect = {.conninfo = schema_->url(),
                                          .statement_timeout = std::chrono::milliseconds{200}},
                              .size = 1});
    auto held = pool.lease();
    const auto start = std::chrono::steady_clock::now();
    EXPECT_THROW(static_cast<void>(pool.lease()), UnavailableError);
    EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds{190});
}

TEST_F(PostgresStorage, AnUnreachableServerIsUnavailableAndNoPasswordIsShown) {
    const std::string url = "postgresql://taskapi:s3cret-pw@/taskapi?host=/nonexistent-taskapi-dir";
    try {
        static_cast<void>(open_storage(url));
        ADD_FAILURE() << "opened a storage on a missing server";
    } catch (const UnavailableError& e) {
        EXPECT_EQ(std::string(e.what()).find("s3cret-pw"), std::string::npos) << e.what();
    }
}

TEST_F(PostgresStorage, DescribeLeavesThePasswordOut) {
    const auto storage = schema_->open();
    EXPECT_TRUE(storage->describe().starts_with("postgresql://")) << storage->describe();
    EXPECT_EQ(postgres::describe_url(
                  "postgresql://alice:s3cret@db.example.com:5433/tasks?sslmode=require"),
              "postgresql://alice@db.example.com:5433/tasks");
    EXPECT_EQ(postgres::describe_url("host=db port=5433 dbname=tasks user=alice password=s3cret"),
              "postgresql://alice@db:5433/tasks");
    EXPECT_EQ(postgres::describe_url("postgresql:///tasks?host=/run/postgresql"),
              "postgresql:///tasks?host=/run/postgresql");
}

TEST(PostgresUrl, ValidationAcceptsLibpqFormsAndNeverQuotesTheUrl) {
    for (const char* url :
         {"postgresql://alice:pw@localhost:5432/tasks?sslmode=require", "postgres://localhost/x",
          "postgresql:///taskapi?host=/run/postgresql", "host=localhost dbname=tasks user=a",
          "postgresql://a@h1:5432,h2:5432/tasks?target_session_attrs=read-write"}) {
        EXPECT_TRUE(validate_database_url(url).has_value()) << url;
    }
    for (const char* url : {"postgresql://alice:s3cret@host:5432/db?nosuchoption=1",
                            "host=localhost password=s3cret nosuchkey=1", "password=s3cret host",
                            "postgresql://alice:s3cret@[::1/db"}) {
        const auto status = validate_database_url(url);
        ASSERT_FALSE(status.has_value()) << url;
        EXPECT_EQ(status.error().code, core::ErrorCode::kInvalidArgument);
        EXPECT_EQ(status.error().message.find("s3cret"), std::string::npos)
            << status.error().message;
    }
}

// --- reads that may bring the owner's account ---------------------------------------------------
// find_with_account and for_each_with_account read what find and for_each read; a backend that
// looks the account up (a database server: one round trip) reports it as the user repository
// has it, or no account for a user that does not exist.
TYPED_TEST(RepositoryConformance, ReadsWithTheAccountReadTheSameTasks) {
    const auto alice = this->add_user("alice");
    const auto bob = this->add_user("bob");
    std::vector<std::int64_t> all;
    // More than one page of the PostgreSQL backend (64 tasks).
    for (int i = 0; i < 70; ++i) {
        std::string title = "a";  // (GCC 12 warns wrongly about "a" + std::to_string(i))
        title += std::to_string(i);
        all.push_back(this->add_task(alice, title).id.value);
    }
    const auto bobs = this->add_task(bob, "b");
    ASSERT_TRUE(this->users().change_password(alice, "$argon2id$new", this->now_));

    core::AccountLookup lookup;
    std::vector<std::int64_t> seen;
    this->tasks().for_each_with_account(
        alice, core::TaskId{0},
        [&seen](const tasks::Task& t) {
            seen.push_back(t.id.value);
            return true;
        },
        lookup);
    EXPECT_EQ(seen, all);
    EXPECT_EQ(lookup.looked_up, TypeParam::kReadsAccount);
    if (lookup.looked_up) {
        ASSERT_TRUE(lookup.account.has_value());
        EXPECT_EQ(lookup.account->id, alice);
        EXPECT_EQ(lookup.account->username, "alice");
        EXPECT_TRUE(lookup.account->is_active);
        EXPECT_EQ(lookup.account->password_changed_at, this->now_);
    }

    // Stopping early, and starting after an id.
    seen.clear();
    this->tasks().for_each_with_account(
        alice, core::TaskId{all[1]},
        [&seen](const tasks::Task& t) {
            seen.push_back(t.id.value);
            return seen.size() < 2;
        },
        lookup);
    EXPECT_EQ(seen, (std::vector<std::int64_t>{all[2], all[3]}));

    core::AccountLookup found;
    const auto task = this->tasks().find_with_account(alice, core::TaskId{all[5]}, found);
    ASSERT_TRUE(task.has_value());
    EXPECT_EQ(task->title, "a5");
    EXPECT_EQ(task->id.value, all[5]);
    EXPECT_EQ(task->owner, alice);
    EXPECT_EQ(found.looked_up, TypeParam::kReadsAccount);
    if (found.looked_up) {
        EXPECT_EQ(found.account->username, "alice");
    }

    // Another's task, a missing one: not found, the account still looked up.
    for (const auto id : {bobs.id, core::TaskId{999999}}) {
        core::AccountLookup other;
        EXPECT_FALSE(this->tasks().find_with_account(alice, id, other).has_value());
        EXPECT_EQ(other.looked_up, TypeParam::kReadsAccount);
        if (other.looked_up) {
            EXPECT_EQ(other.account->id, alice);
        }
    }
}

TYPED_TEST(RepositoryConformance, ReadsWithTheAccountOfAMissingOrInactiveUser) {
    const auto inactive = this->users().create(users::NewUser{.username = "ivan",
                                                              .password_hash = "$argon2id$x",
                                                              .is_active = false,
                                                              .date_joined = this->now_});
    ASSERT_TRUE(inactive.has_value());
    const auto task = this->add_task(inactive->id, "kept");

    core::AccountLookup lookup;
    std::vector<std::string> titles;
    this->tasks().for_each_with_account(
        inactive->id, core::TaskId{0},
        [&titles](const tasks::Task& t) {
            titles.push_back(t.title);
            return true;
        },
        lookup);
    EXPECT_EQ(titles, std::vector<std::string>{"kept"});
    if (lookup.looked_up) {
        ASSERT_TRUE(lookup.account.has_value());
        EXPECT_FALSE(lookup.account->is_active);
        EXPECT_EQ(lookup.account->password_changed_at, core::Timestamp{});
    }

    // A user that does not exist: no account, no tasks.
    const core::UserId nobody{999999};
    core::AccountLookup missing;
    bool visited = false;
    this->tasks().for_each_with_account(
        nobody, core::TaskId{0},
        [&visited](const tasks::Task&) {
            visited = true;
            return true;
        },
        missing);
    EXPECT_FALSE(visited);
    EXPECT_EQ(missing.looked_up, TypeParam::kReadsAccount);
    EXPECT_FALSE(missing.account.has_value());
    core::AccountLookup missing_find;
    EXPECT_FALSE(this->tasks().find_with_account(nobody, task.id, missing_find).has_value());
    EXPECT_EQ(missing_find.looked_up, TypeParam::kReadsAccount);
    EXPECT_FALSE(missing_find.account.has_value());
}

}  // namespace
}  // namespace taskapi::storage
