// WAL checkpoints on a thread of their own, with back-pressure on this process's writers.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace taskapi::storage::sqlite {

// SQLite's automatic checkpoint runs inside the commit that takes the WAL past 1,000 pages, so
// that request, and every writer queued behind it, waits for the copy and the syncs. Here a
// commit past the threshold only wakes this thread, which copies the bulk while writers go on,
// then holds them (`write_mutex`) for the pages they added meanwhile, so the checkpoint
// completes and the next writer starts the WAL over. Writers that outpace it wait before they
// write once the WAL passes kMaxWalPages, which bounds the WAL (docs/decisions/002).
class Checkpointer {
public:
    static constexpr int kWalPages = 1000;     // a checkpoint is due (SQLite's own threshold)
    static constexpr int kMaxWalPages = 4000;  // writers wait for the checkpoint under way

    Checkpointer(std::string path, bool synchronous_full, std::mutex& write_mutex);
    ~Checkpointer();  // finishes the checkpoint under way, then stops
    Checkpointer(const Checkpointer&) = delete;
    Checkpointer& operator=(const Checkpointer&) = delete;

    // From a connection's WAL hook, after each commit of this process.
    void on_commit(int wal_pages);
    // Before a writer takes `write_mutex`: returns at once unless the WAL is past kMaxWalPages,
    // then when the checkpoint that shortens it has run.
    void wait_for_room();

private:
    void run();

    std::string path_;
    bool synchronous_full_;
    std::mutex& write_mutex_;
    std::atomic<bool> full_{false};  // the WAL passed kMaxWalPages; cleared after a checkpoint
    std::mutex mutex_;
    std::condition_variable wake_;  // the thread waits for a request
    std::condition_variable room_;  // writers wait for `full_` to clear
    bool pending_ = false;          // guarded by mutex_
    bool stop_ = false;             // guarded by mutex_
    std::thread thread_;            // last: starts once the members above exist
};

}  // namespace taskapi::storage::sqlite
