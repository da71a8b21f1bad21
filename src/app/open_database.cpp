#include "app/open_database.hpp"

#include <algorithm>
#include <chrono>
#include <thread>

#include "core/log.hpp"
#include "storage/storage_error.hpp"

namespace taskapi::app {
namespace {

std::string in_seconds(std::chrono::milliseconds d) {
    const auto tenths = (d.count() + 50) / 100;
    return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + " s";
}

}  // namespace

core::Result<storage::MigratedStorage> open_database(const Config& config,
                                                     const storage::StorageOptions& options) {
    using Clock = std::chrono::steady_clock;
    constexpr std::chrono::milliseconds kFirstWait{500};
    constexpr std::chrono::milliseconds kLongestWait{8000};
    const auto deadline = Clock::now() + config.db_start_timeout;
    auto wait = kFirstWait;
    for (int attempt = 1;; ++attempt) {
        try {
            return storage::open_migrated(config.database_url, options);
        } catch (const storage::UnavailableError& e) {
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
            if (left <= std::chrono::milliseconds::zero()) {
                return core::make_error(core::ErrorCode::kUnavailable,
                                        "the database could not be reached in " +
                                            std::to_string(config.db_start_timeout.count()) +
                                            " s (" + std::to_string(attempt) +
                                            (attempt == 1 ? " attempt" : " attempts") +
                                            ", TASKAPI_DB_START_TIMEOUT): " + e.what());
            }
            const auto pause = std::min(wait, left);
            core::log_warning("database unreachable (attempt " + std::to_string(attempt) +
                              "), next attempt in " + in_seconds(pause) + ": " + e.what());
            std::this_thread::sleep_for(pause);
            wait = std::min(wait * 2, kLongestWait);
        }
    }
}

}  // namespace taskapi::app
