#include "app/serve_command.hpp"

#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "app/open_database.hpp"
#include "app/routes.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
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

// When this process started, in seconds since the epoch: the boot time (/proc/stat btime) plus
// the process's start in clock ticks after boot (/proc/self/stat, field 22); now if unreadable.
double process_start_time() {
    const auto now =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    std::ifstream stat_file("/proc/self/stat");
    std::string stat((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
    // The command name (field 2) may hold spaces: fields are counted after its closing ')'.
    const auto paren = stat.rfind(')');
    if (paren == std::string::npos) return now;
    std::istringstream fields(stat.substr(paren + 2));
    std::string field;
    for (int i = 3; i <= 22 && fields >> field; ++i) {
    }
    std::ifstream boot_file("/proc/stat");
    std::string line;
    double boot = -1;
    while (std::getline(boot_file, line)) {
        if (line.rfind("btime ", 0) == 0) boot = std::stod(line.substr(6));
    }
    const long ticks = sysconf(_SC_CLK_TCK);
    if (boot < 0 || ticks <= 0 || field.empty()) return now;
    return boot + std::stod(field) / static_cast<double>(ticks);
}

// The usual process_* metrics, read at each scrape: CPU time, memory, descriptors.
core::metrics::Registry::Collection collect_process_metrics(core::metrics::Registry& registry) {
    using core::metrics::Type;
    return registry.add_collector([start = process_start_time()](core::metrics::Writer& out) {
        rusage usage{};
        if (getrusage(RUSAGE_SELF, &usage) == 0) {
            const auto seconds = [](const timeval& t) {
                return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
            };
            out.sample("process_cpu_seconds_total", "User and system CPU time spent in seconds.",
                       Type::kCounter, seconds(usage.ru_utime) + seconds(usage.ru_stime));
        }
        std::ifstream statm("/proc/self/statm");
        double pages_virtual = 0;
        double pages_resident = 0;
        if (statm >> pages_virtual >> pages_resident) {
            const auto page = static_cast<double>(sysconf(_SC_PAGESIZE));
            out.sample("process_virtual_memory_bytes", "Virtual memory size in bytes.",
                       Type::kGauge, pages_virtual * page);
            out.sample("process_resident_memory_bytes", "Resident memory size in bytes.",
                       Type::kGauge, pages_resident * page);
        }
        std::error_code ec;
        double fds = 0;
        for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end;
             it.increment(ec)) {
            ++fds;
        }
        if (!ec) {
            out.sample("process_open_fds", "Number of open file descriptors.", Type::kGauge, fds);
        }
        rlimit limit{};
        if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
            out.sample("process_max_fds", "Maximum number of open file descriptors.", Type::kGauge,
                       static_cast<double>(limit.rlim_cur));
        }
        out.sample("process_start_time_seconds",
                   "Start time of the process since unix epoch in seconds.", Type::kGauge, start);
    });
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
        // Every part counts into one registry, which outlives them all; GET /metrics renders it.
        core::metrics::Registry metrics;
        const bool database_server = storage::names_database_server(config.database_url);
        metrics
            .gauge("taskapi_build_info", "The running build: its version and database backend.",
                   {{"version", TASKAPI_VERSION},
                    {"backend", database_server ? "postgresql" : "sqlite"}})
            .add(1);
        const auto process_metrics = collect_process_metrics(metrics);
        auto options_for_storage = storage_options(config, *database_threads);
        options_for_storage.metrics = &metrics;
        auto opened = open_database(config, options_for_storage);
        if (!opened) {
            core::log_error("TASKAPI_DATABASE_URL: " + opened.error().message);
            return 1;
        }
        if (opened->applied > 0) {
            core::log_info("applied " + std::to_string(opened->applied) + " migration(s)");
        }
        Application app(config, std::move(opened->storage), &metrics);

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
        options.write_threads = *database_threads == 0 ? config.db_write_threads : 0;
        options.error_for_exception = error_for_storage_exception;
        options.access_log = config.access_log;
        options.num_proxies = config.num_proxies;
        std::string how = std::to_string(config.threads) + " I/O threads, ";
        how += *database_threads == 0 ? "database reads on them, " +
                                            std::to_string(options.write_threads) + " write threads"
                                      : std::to_string(*database_threads) + " database threads";
        const std::string database = app.storage().describe();
        options.on_listening = [database, how](const std::string& url) {
            core::log_info("listening on " + url + " (database " + database + ", " + how + ")");
        };
        if (!config.metrics_off) {
            options.metrics = &metrics;
            if (!config.metrics_host.empty()) {
                options.metrics_listener =
                    http::ServerOptions::Listener{config.metrics_host, config.metrics_port};
                options.on_metrics_listening = [](const std::string& url) {
                    core::log_info("metrics on " + url + "/metrics");
                };
            } else {
                // Behind proxies every request arrives from them: the main port keeps quiet.
                options.metrics_on_main_port = config.num_proxies == 0;
            }
        }
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
