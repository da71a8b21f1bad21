#include "app/serve_command.hpp"

#include <algorithm>
#include <thread>

#include "app/routes.hpp"
#include "core/log.hpp"
#include "http/server.hpp"
#include "storage/storage_error.hpp"

namespace taskapi::app {

int serve(const Config& config) {
    core::set_log_level(config.log_level);
    if (auto ok = check_for_serving(config); !ok) {
        core::log_error(ok.error().message);
        return 1;
    }
    try {
        auto storage = storage::open_storage(config.database_url);
        if (!storage) {
            core::log_error("TASKAPI_DATABASE_URL: " + storage.error().message);
            return 1;
        }
        const int applied = (*storage)->migrate();
        if (applied > 0) core::log_info("applied " + std::to_string(applied) + " migration(s)");
        Application app(config, std::move(*storage));

        http::ServerOptions options;
        options.host = config.host;
        options.port = config.port;
        options.io_threads = config.threads;
        // Argon2id is CPU-bound: one hashing thread per core keeps logins from starving reads.
        options.slow_threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
        const std::string database = app.storage().describe();
        const int threads = config.threads;
        options.on_listening = [database, threads](const std::string& url) {
            core::log_info("listening on " + url + " (database " + database + ", " +
                           std::to_string(threads) + " I/O threads)");
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
