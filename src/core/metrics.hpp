// Prometheus metrics: counters, gauges and histograms that any layer may update (relaxed atomics,
// no lock after set-up), and their text exposition (format 0.0.4). Std only, so that the storage
// pools and the login throttle count without knowing HTTP; the server only serves render().
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace taskapi::core::metrics {

// Label names and values of one series, in the order they are written. Values are fixed at
// set-up: never a username, an address, an id or a raw path (every distinct value is a series
// kept forever by the scraper).
using Labels = std::vector<std::pair<std::string, std::string>>;

// Metrics that every request updates are split into shards on separate cache lines: I/O threads
// take shards round-robin, so two of them never fight over one line. Reads add the shards up.
inline constexpr std::size_t kShards = 8;
// The shard of the calling thread.
std::size_t shard_index();

class Counter {
public:
    void add(std::uint64_t n = 1) {
        shards_[shard_index()].value.fetch_add(n, std::memory_order_relaxed);
    }
    [[nodiscard]] std::uint64_t value() const;

private:
    struct alignas(64) Shard {
        std::atomic<std::uint64_t> value{0};
    };
    std::array<Shard, kShards> shards_{};
};

// A value that goes up and down (requests in flight, connections in use).
class Gauge {
public:
    void add(std::int64_t n) {
        shards_[shard_index()].value.fetch_add(n, std::memory_order_relaxed);
    }
    [[nodiscard]] std::int64_t value() const;

private:
    struct alignas(64) Shard {
        std::atomic<std::int64_t> value{0};
    };
    std::array<Shard, kShards> shards_{};
};

// Durations in buckets of upper bounds in seconds (ascending, at most kMaxBounds), plus +Inf.
class Histogram {
public:
    static constexpr std::size_t kMaxBounds = 16;
    explicit Histogram(std::span<const double> bounds_seconds);

    void observe(std::chrono::nanoseconds duration);

    struct Snapshot {
        std::vector<double> bounds;             // seconds
        std::vector<std::uint64_t> cumulative;  // one per bound, then +Inf (== count)
        std::uint64_t count = 0;
        double sum_seconds = 0;
    };
    [[nodiscard]] Snapshot snapshot() const;

private:
    struct alignas(64) Shard {
        std::array<std::atomic<std::uint64_t>, kMaxBounds + 1> buckets{};  // not cumulative
        std::atomic<std::uint64_t> sum_ns{0};
    };
    std::vector<double> bounds_;
    std::array<std::int64_t, kMaxBounds> bounds_ns_{};
    std::unique_ptr<Shard[]> shards_;
};

// Latency buckets for requests: 0.5 ms to 10 s.
inline constexpr std::array<double, 14> kRequestSeconds{
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

// Waits for a resource (a pooled connection, a lock): 0.1 ms to 5 s.
inline constexpr std::array<double, 11> kWaitSeconds{0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05,
                                                     0.1,    0.5,    1,     2.5,   5};

enum class Type { kCounter, kGauge, kHistogram };

// What a collector writes at scrape time (values that are cheaper to read then than to keep
// counting: queue lengths, connection counts, process figures).
class Writer {
public:
    explicit Writer(std::string& out) : out_(out) {}
    // One sample; HELP and TYPE are written before the first sample of each name.
    void sample(std::string_view name, std::string_view help, Type type, double value,
                const Labels& labels = {});

private:
    std::string& out_;
    std::string last_name_;
};

// The metrics of one process. Registration (set-up) is thread-safe and returns references that
// stay valid as long as the registry; updates need no lock. Series of one name share its HELP
// and TYPE (the first registration's); registering a name and labels again returns the series
// registered first (a histogram keeps its first bounds).
class Registry {
public:
    Registry() = default;
    Registry(const Registry&) = delete;
    Registry& operator=(const Registry&) = delete;

    // `sparse`: the series is left out of the exposition while it is zero (a matrix registered
    // up front, e.g. route x method x status class, of which a process sees a few cells).
    Counter& counter(std::string_view name, std::string_view help, Labels labels = {},
                     bool sparse = false);
    Gauge& gauge(std::string_view name, std::string_view help, Labels labels = {});
    Histogram& histogram(std::string_view name, std::string_view help, Labels labels,
                         std::span<const double> bounds_seconds, bool sparse = false);

    // Runs `collect` at each render(), after the registered series, until the returned handle
    // is destroyed (so that it never runs on what it reads after that is gone).
    class Collection {
    public:
        Collection() = default;
        Collection(Registry* registry, std::size_t id) : registry_(registry), id_(id) {}
        ~Collection();
        Collection(Collection&& other) noexcept
            : registry_(std::exchange(other.registry_, nullptr)), id_(other.id_) {}
        Collection& operator=(Collection&& other) noexcept;
        Collection(const Collection&) = delete;
        Collection& operator=(const Collection&) = delete;

    private:
        Registry* registry_ = nullptr;
        std::size_t id_ = 0;
    };
    [[nodiscard]] Collection add_collector(std::function<void(Writer&)> collect);

    // The text exposition format 0.0.4 (Content-Type "text/plain; version=0.0.4; charset=utf-8").
    [[nodiscard]] std::string render() const;

private:
    struct Series {
        Labels labels;
        bool sparse = false;
        std::unique_ptr<Counter> counter;
        std::unique_ptr<Gauge> gauge;
        std::unique_ptr<Histogram> histogram;
    };
    struct Family {
        std::string name;
        std::string help;
        Type type = Type::kCounter;
        std::vector<Series> series;                 // in the order registered (the exposition's)
        std::map<Labels, std::size_t> by_labels;  // index into `series`
    };
    Series& add(std::string_view name, std::string_view help, Type type, Labels labels);

    mutable std::mutex mutex_;
    std::vector<std::unique_ptr<Family>> families_;
    std::vector<std::pair<std::size_t, std::function<void(Writer&)>>> collectors_;
    std::size_t next_collector_ = 0;
};

// Appends a sample value as the exposition writes it (integers without a fraction, +Inf, NaN).
void append_value(std::string& out, double value);

}  // namespace taskapi::core::metrics
