#include "core/metrics.hpp"

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <limits>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace taskapi::core::metrics {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(Metrics, ACounterAddsWhatEveryThreadCounted) {
    Registry registry;
    Counter& counter = registry.counter("taskapi_things_total", "Things.");
    std::vector<std::thread> threads;
    for (int t = 0; t < 12; ++t) {
        threads.emplace_back([&counter] {
            for (int i = 0; i < 1000; ++i) counter.add();
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(counter.value(), 12000U);
}

TEST(Metrics, AGaugeGoesUpAndDown) {
    Registry registry;
    Gauge& gauge = registry.gauge("taskapi_open", "Open.");
    gauge.add(3);
    gauge.add(-1);
    EXPECT_EQ(gauge.value(), 2);
}

TEST(Metrics, RendersHelpTypeAndSamplesWithLabels) {
    Registry registry;
    registry.counter("taskapi_requests_total", "Requests.", {{"route", "/api/"}}).add(2);
    registry.counter("taskapi_requests_total", "Requests.", {{"route", "unmatched"}}).add(1);
    registry.gauge("taskapi_open", "Open.").add(4);
    EXPECT_EQ(registry.render(),
              "# HELP taskapi_requests_total Requests.\n"
              "# TYPE taskapi_requests_total counter\n"
              "taskapi_requests_total{route=\"/api/\"} 2\n"
              "taskapi_requests_total{route=\"unmatched\"} 1\n"
              "# HELP taskapi_open Open.\n"
              "# TYPE taskapi_open gauge\n"
              "taskapi_open 4\n");
}

TEST(Metrics, EscapesLabelValuesAndHelp) {
    Registry registry;
    registry.gauge("taskapi_x", "a \\ b\nc", {{"v", "q\"\\\n"}}).add(1);
    EXPECT_EQ(registry.render(),
              "# HELP taskapi_x a \\\\ b\\nc\n"
              "# TYPE taskapi_x gauge\n"
              "taskapi_x{v=\"q\\\"\\\\\\n\"} 1\n");
}

TEST(Metrics, SparseSeriesAppearOnceTheyMove) {
    Registry registry;
    Counter& seen = registry.counter("taskapi_r_total", "R.", {{"m", "GET"}}, true);
    registry.counter("taskapi_r_total", "R.", {{"m", "PUT"}}, true);
    EXPECT_EQ(registry.render(), "");
    seen.add();
    EXPECT_EQ(registry.render(),
              "# HELP taskapi_r_total R.\n# TYPE taskapi_r_total counter\n"
              "taskapi_r_total{m=\"GET\"} 1\n");
}

TEST(Metrics, HistogramBucketsAreCumulativeAndInfIsTheCount) {
    Registry registry;
    const std::array<double, 3> bounds{0.0005, 0.01, 1};
    Histogram& h = registry.histogram("taskapi_seconds", "Time.", {{"route", "/api/"}}, bounds);
    h.observe(microseconds{100});  // first bucket
    h.observe(microseconds{500});  // on a bound: that bucket (le is "less or equal")
    h.observe(milliseconds{5});
    h.observe(seconds{3});  // beyond every bound: +Inf only
    EXPECT_EQ(registry.render(),
              "# HELP taskapi_seconds Time.\n"
              "# TYPE taskapi_seconds histogram\n"
              "taskapi_seconds_bucket{route=\"/api/\",le=\"0.0005\"} 2\n"
              "taskapi_seconds_bucket{route=\"/api/\",le=\"0.01\"} 3\n"
              "taskapi_seconds_bucket{route=\"/api/\",le=\"1\"} 3\n"
              "taskapi_seconds_bucket{route=\"/api/\",le=\"+Inf\"} 4\n"
              "taskapi_seconds_sum{route=\"/api/\"} 3.0056\n"
              "taskapi_seconds_count{route=\"/api/\"} 4\n");
}

TEST(Metrics, CollectorsWriteAtRenderUntilTheirHandleGoes) {
    Registry registry;
    int calls = 0;
    {
        const auto handle = registry.add_collector([&calls](Writer& out) {
            ++calls;
            out.sample("process_open_fds", "Descriptors.", Type::kGauge, 7);
            out.sample("taskapi_pool", "Pool.", Type::kGauge, 1, {{"state", "idle"}});
            out.sample("taskapi_pool", "Pool.", Type::kGauge, 2, {{"state", "busy"}});
        });
        EXPECT_EQ(registry.render(),
                  "# HELP process_open_fds Descriptors.\n# TYPE process_open_fds gauge\n"
                  "process_open_fds 7\n"
                  "# HELP taskapi_pool Pool.\n# TYPE taskapi_pool gauge\n"
                  "taskapi_pool{state=\"idle\"} 1\ntaskapi_pool{state=\"busy\"} 2\n");
    }
    EXPECT_EQ(registry.render(), "");
    EXPECT_EQ(calls, 1);
}

TEST(Metrics, ValuesPrintAsPrometheusReadsThem) {
    const auto text = [](double v) {
        std::string out;
        append_value(out, v);
        return out;
    };
    EXPECT_EQ(text(1000000), "1000000");
    EXPECT_EQ(text(0.0005), "0.0005");
    EXPECT_EQ(text(2.5), "2.5");
    EXPECT_EQ(text(1.5e-7), "1.5e-07");
    EXPECT_EQ(text(std::numeric_limits<double>::infinity()), "+Inf");
}

TEST(Metrics, RegisteringASeriesAgainGivesTheSameOne) {
    Registry registry;
    Counter& first = registry.counter("taskapi_errors_total", "Errors.", {{"error", "connect"}});
    first.add();
    Counter& again = registry.counter("taskapi_errors_total", "Errors.", {{"error", "connect"}});
    EXPECT_EQ(&first, &again);
    again.add();
    EXPECT_EQ(registry.render(),
              "# HELP taskapi_errors_total Errors.\n# TYPE taskapi_errors_total counter\n"
              "taskapi_errors_total{error=\"connect\"} 2\n");
}

TEST(Metrics, OneNameCannotBeTwoTypes) {
    Registry registry;
    registry.counter("taskapi_x", "X.");
    EXPECT_THROW(registry.gauge("taskapi_x", "X."), std::invalid_argument);
}

}  // namespace
}  // namespace taskapi::core::metrics
