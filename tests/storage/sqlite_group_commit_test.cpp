// sqlite::Database::write: the writers that wait together share one transaction (group commit),
// each in a savepoint of its own (docs/decisions/011-group-commit.md).
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/metrics.hpp"
#include "storage/sqlite/sqlite_db.hpp"
#include "storage/sqlite/sqlite_errors.hpp"
#include "temp_dir.hpp"

namespace taskapi::storage::sqlite {
namespace {

class GroupCommit : public ::testing::Test {
protected:
    void SetUp() override {
        db_ = std::make_unique<Database>((dir_.path() / "db.sqlite3").string(), false, &metrics_);
        auto c = db_->acquire_writer();
        c->exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL UNIQUE)");
    }

    // Inserts `text` in a write of its own and returns the new row's id.
    std::int64_t insert(const std::string& text) {
        return db_->write([&](Connection& c) { return insert_on(c, text); });
    }
    static std::int64_t insert_on(Connection& c, const std::string& text) {
        StatementScope s(c.prepare("INSERT INTO notes (text) VALUES (?1) RETURNING id"));
        s->bind(1, text);
        s->step();
        const std::int64_t id = s->column_int64(0);
        s->step();
        return id;
    }
    std::set<std::string> texts() {
        auto c = db_->acquire();
        StatementScope s(c->prepare("SELECT text FROM notes"));
        std::set<std::string> out;
        while (s->step()) out.insert(s->column_text(0));
        return out;
    }
    // Blocks until `n` writers are queued (the one leading included).
    void wait_for_queued(std::size_t n) {
        while (db_->queued_writers() < n) std::this_thread::yield();
    }
    std::uint64_t counter(const std::string& name) {
        const std::string text = metrics_.render();
        const auto at = text.find("\n" + name + " ");
        if (at == std::string::npos) return 0;
        return std::stoull(text.substr(at + name.size() + 2));
    }

    TempDir dir_;
    core::metrics::Registry metrics_;
    std::unique_ptr<Database> db_;
};

TEST_F(GroupCommit, ASingleWriterCommitsAlone) {
    EXPECT_EQ(insert("one"), 1);
    EXPECT_EQ(insert("two"), 2);
    EXPECT_EQ(texts(), (std::set<std::string>{"one", "two"}));
    EXPECT_EQ(counter("taskapi_db_group_commits_total"), 2u);
    EXPECT_EQ(counter("taskapi_db_group_commit_writers_total"), 2u);
}

// The first writer holds its transaction open until two more have queued: those two then share
// the next transaction, and each still gets its own result.
TEST_F(GroupCommit, WritersThatWaitTogetherShareOneCommit) {
    std::int64_t second = 0;
    std::int64_t third = 0;
    std::thread first([&] {
        db_->write([&](Connection& c) {
            wait_for_queued(3);
            return insert_on(c, "first");
        });
    });
    wait_for_queued(1);
    std::thread t2([&] { second = insert("second"); });
    std::thread t3([&] { third = insert("third"); });
    first.join();
    t2.join();
    t3.join();
    EXPECT_EQ(texts(), (std::set<std::string>{"first", "second", "third"}));
    EXPECT_EQ((std::set<std::int64_t>{second, third}), (std::set<std::int64_t>{2, 3}));
    EXPECT_EQ(counter("taskapi_db_group_commits_total"), 2u);
    EXPECT_EQ(counter("taskapi_db_group_commit_writers_total"), 3u);
}

// In a shared transaction, a writer that fails (here after its insert, and with a constraint
// violation) loses only its own statements and gets its own exception; the others commit.
TEST_F(GroupCommit, AFailingWriterUndoesOnlyItsOwnStatements) {
    insert("taken");
    std::thread first([&] {
        db_->write([&](Connection& c) {
            wait_for_queued(4);
            return insert_on(c, "first");
        });
    });
    wait_for_queued(1);
    bool threw = false;
    bool violated = false;
    std::int64_t kept = 0;
    std::int64_t before = 0;
    std::thread before_failure([&] { before = insert("before"); });
    wait_for_queued(2);
    std::thread failing([&] {
        try {
            db_->write([&](Connection& c) {
                insert_on(c, "undone");
                throw std::runtime_error("the handler failed after its insert");
            });
        } catch (const std::runtime_error& e) {
            threw = std::string(e.what()) == "the handler failed after its insert";
        }
    });
    wait_for_queued(3);
    std::thread duplicate([&] {
        try {
            insert("taken");
        } catch (const ConstraintViolation&) {
            violated = true;
        }
    });
    first.join();
    before_failure.join();
    failing.join();
    duplicate.join();
    std::thread after([&] { kept = insert("after"); });
    after.join();
    EXPECT_TRUE(threw);
    EXPECT_TRUE(violated);
    EXPECT_GT(before, 0);
    EXPECT_GT(kept, 0);
    EXPECT_EQ(texts(), (std::set<std::string>{"taken", "first", "before", "after"}));
    // taken; first; before + undone + duplicate together; after.
    EXPECT_EQ(counter("taskapi_db_group_commits_total"), 4u);
    EXPECT_EQ(counter("taskapi_db_group_commit_writers_total"), 6u);
}

// Many threads writing at once: every write is there once, every caller got a distinct id.
TEST_F(GroupCommit, ConcurrentWritersEachCommitExactlyOnce) {
    constexpr int kThreads = 16;
    constexpr int kWrites = 200;
    std::vector<std::vector<std::int64_t>> ids(kThreads);
    std::vector<std::thread> writers;
    for (int t = 0; t < kThreads; ++t) {
        writers.emplace_back([&, t] {
            for (int i = 0; i < kWrites; ++i) {
                ids[static_cast<std::size_t>(t)].push_back(
                    insert(std::to_string(t) + "/" + std::to_string(i)));
            }
        });
    }
    for (auto& w : writers) w.join();
    std::set<std::int64_t> all;
    for (const auto& list : ids) all.insert(list.begin(), list.end());
    EXPECT_EQ(all.size(), std::size_t{kThreads * kWrites});
    EXPECT_EQ(texts().size(), std::size_t{kThreads * kWrites});
    EXPECT_EQ(counter("taskapi_db_group_commit_writers_total"), std::uint64_t{kThreads * kWrites});
}

}  // namespace
}  // namespace taskapi::storage::sqlite
