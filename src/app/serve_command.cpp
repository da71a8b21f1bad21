#include "app/serve_command.hpp"

#include <malloc.h>
#include <sys/resource.h>

#include <algorithm>
#include <thread>

#include "app/open_database.hpp"
#include "app/routes.hpp"
#include "core/log.hpp"
#include "http/server.hpp"
#include "storage/storage_error.hpp"

namespace taskapi::app {
namespace {

// Every connection is a file descriptor: lift the soft limit to the hard one when the cap needs it.
void raise_open_files_limit(int max_connections) {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
    const auto wanted = static_cast<rlim_t>(max_connections) + 64;
    if (limit.rlim_cur < wanted && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = std::min(wanted, limit.rlim_max);
        setrlimit(RLIMIT_NOFILE, &limit);
    }
    if (limit.rlim_cur < wanted) {
        core::log_warning("the open files limit (" + std::to_string(limit.rlim_cur) +
                          ") is below TASKAPI_MAX_CONNECTIONS; connections beyond it are refused");
    }
}

}  // namespace

int serve(const Config& config) {
    core::set_log_level(config.log_level);
    core::set_log_format(config.log_format);
    if (auto ok = check_for_serving(config); !ok) {
        core::log_error(ok.error().message);
        return 1;
    }
    try {
        const auto database_threads =
            database_threads_for(config, storage::names_database_server(config.database_url));
        if (!database_threads) {
            core::log_error(database_threads.error().message);
            return 1;
        }
        auto opened = open_database(config, storage_options(config, *database_threads));
        if (!opened) {
            core::log_error("TASKAPI_DATABASE_URL: " + opened.error().message);
            return 1;
        }
        if (opened->applied > 0) {
            core::log_info("applied " + std::to_string(opened->applied) + " migration(s)");
        }
        Application app(config, std::move(opened->storage));

        http::ServerOptions options;
        options.host = config.host;
        options.port = config.port;
        // Argon2id allocates its whole memory block (7 MiB) per hash. glibc raises its mmap
        // threshold after the first such block is freed and then serves the next ones from the
        // heap, which keeps them resident (with 19 MiB blocks RSS grew from ~12 to ~50 MB after
        // the first logins). A fixed threshold keeps large blocks in mmap, returned to the
        // system when freed.
        mallopt(M_MMAP_THRESHOLD, 1024 * 1024);
        options.io_threads = config.threads;
        options.max_connections = static_cast<std::size_t>(config.max_connections);
        options.max_connections_per_address = static_cast<std::size_t>(
            config.max_connections_per_address.value_or(config.num_proxies > 0 ? 0 : 256));
        options.first_byte_timeout = config.first_byte_timeout;
        options.idle_timeout = config.idle_timeout;
        options.read_timeout = config.read_timeout;
        options.drain = config.drain_seconds;
        options.on_drain = [&app] { app.start_draining(); };
        raise_open_files_limit(config.max_connections);
        // Argon2id is CPU-bound: one hashing thread per core keeps logins from starving reads.
        options.slow_threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
        options.database_threads = *database_threads;
        options.error_for_exception = error_for_storage_exception;
        options.access_log = config.access_log;
        options.num_proxies = config.num_proxies;
        std::string how = std::to_string(config.threads) + " I/O threads, ";
        how += *database_threads == 0 ? std::string("database calls on them")
                                      : std::to_string(*database_threads) + " database threads";
        const std::string database = app.storage().describe();
        options.on_listening = [database, how](const std::string& url) {
            core::log_info("listening on " + url + " (database " + database + ", " + how + ")");
        };
        http::Server server(app.router(), std::move(options));
        server.run();
        return 0;
    } catch (const storage::StorageError& e) {
        core::log_error(std::string("database error: ") + e.what());
    } catch (const std::exception& e) {
        core::log_error(e.what());
    }
    return 1;
}

}  // namespace taskapi::app
