#include "storage/sqlite/sqlite_checkpointer.hpp"

#include <memory>

#include "storage/sqlite/sqlite_db.hpp"
#include "storage/storage_error.hpp"

namespace taskapi::storage::sqlite {

Checkpointer::Checkpointer(std::string path, bool synchronous_full, std::mutex& write_mutex)
    : path_(std::move(path)),
      synchronous_full_(synchronous_full),
      write_mutex_(write_mutex),
      thread_([this] { run(); }) {}

Checkpointer::~Checkpointer() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_one();
    thread_.join();
}

void Checkpointer::on_commit(int wal_pages) {
    if (wal_pages < kWalPages) return;
    {
        std::lock_guard lock(mutex_);
        pending_ = true;
        if (wal_pages >= kMaxWalPages) full_.store(true);
    }
    wake_.notify_one();
}

void Checkpointer::wait_for_room() {
    if (!full_.load()) return;
    std::unique_lock lock(mutex_);
    room_.wait(lock, [this] { return !full_.load(); });
}

void Checkpointer::run() {
    std::unique_ptr<Connection> connection;
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock, [this] { return stop_ || pending_; });
        if (stop_) break;
        pending_ = false;
        lock.unlock();
        try {
            if (!connection) connection = std::make_unique<Connection>(path_, synchronous_full_);
            connection->checkpoint();  // the bulk, beside the writers
            std::lock_guard writers(write_mutex_);
            connection->checkpoint();  // what they added meanwhile: now the WAL can start over
        } catch (const StorageError&) {
            // The file may be locked by another process or gone: the next commit past the
            // threshold asks again, and SQLite checkpoints when the last connection closes.
            connection.reset();
        }
        lock.lock();
        full_.store(false);
        room_.notify_all();
    }
    full_.store(false);
    room_.notify_all();
}

}  // namespace taskapi::storage::sqlite
