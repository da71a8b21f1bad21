#include "core/metrics.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <system_error>

namespace taskapi::core::metrics {
namespace {

std::string_view type_name(Type type) {
    switch (type) {
        case Type::kCounter:
            return "counter";
        case Type::kGauge:
            return "gauge";
        case Type::kHistogram:
            return "histogram";
    }
    return "untyped";
}

// HELP text escapes backslash and newline; label values also the double quote.
void append_escaped(std::string& out, std::string_view text, bool quote) {
    for (const char c : text) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else if (quote && c == '"') {
            out += "\\\"";
        } else {
            out += c;
        }
    }
}

void append_head(std::string& out, std::string_view name, std::string_view help, Type type) {
    out += "# HELP ";
    out += name;
    out += ' ';
    append_escaped(out, help, false);
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type_name(type);
    out += '\n';
}

// name{a="x",b="y"} value; `extra` is one more label (a bucket's le) or empty.
void append_sample(std::string& out, std::string_view name, const Labels& labels,
                   const std::pair<std::string_view, std::string_view>& extra, double value) {
    out += name;
    if (!labels.empty() || !extra.first.empty()) {
        out += '{';
        bool first = true;
        const auto label = [&out, &first](std::string_view key, std::string_view text) {
            if (!first) out += ',';
            first = false;
            out += key;
            out += "=\"";
            append_escaped(out, text, true);
            out += '"';
        };
        for (const auto& [key, text] : labels) label(key, text);
        if (!extra.first.empty()) label(extra.first, extra.second);
        out += '}';
    }
    out += ' ';
    append_value(out, value);
    out += '\n';
}

void append_histogram(std::string& out, std::string_view name, const Labels& labels,
                      const Histogram::Snapshot& s) {
    const std::string bucket = std::string(name) + "_bucket";
    for (std::size_t i = 0; i < s.bounds.size(); ++i) {
        std::string le;
        append_value(le, s.bounds[i]);
        append_sample(out, bucket, labels, {"le", le}, static_cast<double>(s.cumulative[i]));
    }
    append_sample(out, bucket, labels, {"le", "+Inf"}, static_cast<double>(s.count));
    append_sample(out, std::string(name) + "_sum", labels, {}, s.sum_seconds);
    append_sample(out, std::string(name) + "_count", labels, {}, static_cast<double>(s.count));
}

}  // namespace

std::size_t shard_index() {
    static std::atomic<std::size_t> next{0};
    thread_local std::size_t index = next.fetch_add(1, std::memory_order_relaxed) % kShards;
    return index;
}

std::uint64_t Counter::value() const {
    std::uint64_t total = 0;
    for (const auto& shard : shards_) total += shard.value.load(std::memory_order_relaxed);
    return total;
}

std::int64_t Gauge::value() const {
    std::int64_t total = 0;
    for (const auto& shard : shards_) total += shard.value.load(std::memory_order_relaxed);
    return total;
}

Histogram::Histogram(std::span<const double> bounds_seconds)
    : bounds_(bounds_seconds.begin(), bounds_seconds.end()),
      shards_(std::make_unique<Shard[]>(kShards)) {
    if (bounds_.size() > kMaxBounds || !std::is_sorted(bounds_.begin(), bounds_.end())) {
        throw std::invalid_argument("histogram bounds: at most 16, ascending");
    }
    for (std::size_t i = 0; i < bounds_.size(); ++i) {
        bounds_ns_[i] = static_cast<std::int64_t>(std::llround(bounds_[i] * 1e9));
    }
}

void Histogram::observe(std::chrono::nanoseconds duration) {
    const std::int64_t ns = std::max<std::int64_t>(0, duration.count());
    std::size_t i = 0;
    while (i < bounds_.size() && ns > bounds_ns_[i]) ++i;
    Shard& shard = shards_[shard_index()];
    shard.buckets[i].fetch_add(1, std::memory_order_relaxed);
    shard.sum_ns.fetch_add(static_cast<std::uint64_t>(ns), std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
    Snapshot s;
    s.bounds = bounds_;
    std::array<std::uint64_t, kMaxBounds + 1> buckets{};
    std::uint64_t sum_ns = 0;
    for (std::size_t k = 0; k < kShards; ++k) {
        for (std::size_t i = 0; i <= bounds_.size(); ++i) {
            buckets[i] += shards_[k].buckets[i].load(std::memory_order_relaxed);
        }
        sum_ns += shards_[k].sum_ns.load(std::memory_order_relaxed);
    }
    // The count is the buckets' total, so +Inf equals it even while requests are recorded.
    for (std::size_t i = 0; i < bounds_.size(); ++i) {
        s.count += buckets[i];
        s.cumulative.push_back(s.count);
    }
    s.count += buckets[bounds_.size()];
    s.cumulative.push_back(s.count);
    s.sum_seconds = static_cast<double>(sum_ns) / 1e9;
    return s;
}

void Writer::sample(std::string_view name, std::string_view help, Type type, double value,
                    const Labels& labels) {
    if (name != last_name_) {
        append_head(out_, name, help, type);
        last_name_ = name;
    }
    append_sample(out_, name, labels, {}, value);
}

Registry::Series& Registry::add(std::string_view name, std::string_view help, Type type,
                                Labels labels) {
    // Called with mutex_ held.
    auto it = std::find_if(families_.begin(), families_.end(),
                           [name](const auto& f) { return f->name == name; });
    if (it == families_.end()) {
        auto family = std::make_unique<Family>();
        family->name = name;
        family->help = help;
        family->type = type;
        families_.push_back(std::move(family));
        it = families_.end() - 1;
    } else if ((*it)->type != type) {
        throw std::invalid_argument("metric " + std::string(name) + " registered as two types");
    }
    // The same series again (a part built anew, as storage is on each start-up attempt) is the
    // one already there: its count goes on.
    // Looked up in a map: the request series alone are a few hundred per family, and a scan
    // per registration cost about 9 million instructions at start-up.
    Family& family = **it;
    const auto [where, inserted] = family.by_labels.try_emplace(labels, family.series.size());
    if (!inserted) return family.series[where->second];
    family.series.push_back(Series{.labels = std::move(labels)});
    return family.series.back();
}

Counter& Registry::counter(std::string_view name, std::string_view help, Labels labels,
                           bool sparse) {
    std::lock_guard lock(mutex_);
    Series& s = add(name, help, Type::kCounter, std::move(labels));
    s.sparse = sparse;
    if (!s.counter) s.counter = std::make_unique<Counter>();
    return *s.counter;
}

Gauge& Registry::gauge(std::string_view name, std::string_view help, Labels labels) {
    std::lock_guard lock(mutex_);
    Series& s = add(name, help, Type::kGauge, std::move(labels));
    if (!s.gauge) s.gauge = std::make_unique<Gauge>();
    return *s.gauge;
}

Histogram& Registry::histogram(std::string_view name, std::string_view help, Labels labels,
                               std::span<const double> bounds_seconds, bool sparse) {
    auto histogram = std::make_unique<Histogram>(bounds_seconds);
    std::lock_guard lock(mutex_);
    Series& s = add(name, help, Type::kHistogram, std::move(labels));
    s.sparse = sparse;
    if (!s.histogram) s.histogram = std::move(histogram);
    return *s.histogram;
}

Registry::Collection Registry::add_collector(std::function<void(Writer&)> collect) {
    std::lock_guard lock(mutex_);
    const std::size_t id = next_collector_++;
    collectors_.emplace_back(id, std::move(collect));
    return Collection(this, id);
}

Registry::Collection::~Collection() {
    if (registry_ == nullptr) return;
    std::lock_guard lock(registry_->mutex_);
    std::erase_if(registry_->collectors_, [this](const auto& c) { return c.first == id_; });
}

Registry::Collection& Registry::Collection::operator=(Collection&& other) noexcept {
    if (this != &other) {
        Collection gone(std::move(*this));
        registry_ = std::exchange(other.registry_, nullptr);
        id_ = other.id_;
    }
    return *this;
}

std::string Registry::render() const {
    std::string out;
    std::lock_guard lock(mutex_);
    for (const auto& family : families_) {
        bool head = false;
        for (const Series& s : family->series) {
            const auto write_head = [&] {
                if (!head) append_head(out, family->name, family->help, family->type);
                head = true;
            };
            if (s.counter) {
                const auto value = s.counter->value();
                if (s.sparse && value == 0) continue;
                write_head();
                append_sample(out, family->name, s.labels, {}, static_cast<double>(value));
            } else if (s.gauge) {
                write_head();
                append_sample(out, family->name, s.labels, {},
                              static_cast<double>(s.gauge->value()));
            } else if (s.histogram) {
                const auto snapshot = s.histogram->snapshot();
                if (s.sparse && snapshot.count == 0) continue;
                write_head();
                append_histogram(out, family->name, s.labels, snapshot);
            }
        }
    }
    Writer writer(out);
    for (const auto& [id, collect] : collectors_) collect(writer);
    return out;
}

void append_value(std::string& out, double value) {
    if (std::isnan(value)) {
        out += "NaN";
        return;
    }
    if (std::isinf(value)) {
        out += value > 0 ? "+Inf" : "-Inf";
        return;
    }
    char buf[32];
    // Counts print as integers (to_chars would write 1e+06).
    const bool whole = std::abs(value) < 1e15 && value == std::floor(value);
    // and bucket bounds as written (0.0005, not 5e-04).
    const auto [end, ec] =
        whole ? std::to_chars(buf, buf + sizeof buf, static_cast<std::int64_t>(value))
        : std::abs(value) >= 1e-4
            ? std::to_chars(buf, buf + sizeof buf, value, std::chars_format::fixed)
            : std::to_chars(buf, buf + sizeof buf, value);
    if (ec == std::errc()) out.append(buf, end);
}

}  // namespace taskapi::core::metrics
