#include "core/clock.hpp"

#include <array>
#include <cstring>
#include <limits>
#include <thread>

namespace taskapi::core {
namespace {

// Writes `value` as exactly `width` decimal digits at p and advances p.
void put_digits(char*& p, unsigned value, int width) {
    for (int i = width - 1; i >= 0; --i) {
        p[i] = static_cast<char>('0' + value % 10);
        value /= 10;
    }
    p += width;
}

// "00" to "99": two digits at a time.
constexpr auto kPairs = [] {
    std::array<char, 200> pairs{};
    for (std::size_t i = 0; i < 100; ++i) {
        pairs[2 * i] = static_cast<char>('0' + i / 10);
        pairs[2 * i + 1] = static_cast<char>('0' + i % 10);
    }
    return pairs;
}();

// Writes `value` (below 100) as two digits at p.
void put_pair(char* p, unsigned value) { std::memcpy(p, &kPairs[2 * std::size_t{value}], 2); }

}  // namespace

Timestamp SystemClock::now() const {
    return std::chrono::time_point_cast<std::chrono::microseconds>(
        std::chrono::system_clock::now());
}

void SystemClock::sleep_until(Timestamp t) const { std::this_thread::sleep_until(t); }

void append_iso8601(std::string& out, Timestamp t) {
    using namespace std::chrono;
    // Converting days to a calendar date is the costly part, and the tasks of one answer are
    // mostly from the same few days: remember the last day's "YYYY-MM-DDT" per thread.
    thread_local sys_days cached_day{days{std::numeric_limits<int>::min()}};
    thread_local char cached_date[11];
    const auto day = floor<days>(t);
    if (day != cached_day) {
        const year_month_day ymd{day};
        char* d = cached_date;
        put_digits(d, static_cast<unsigned>(static_cast<int>(ymd.year())), 4);
        *d++ = '-';
        put_digits(d, static_cast<unsigned>(ymd.month()), 2);
        *d++ = '-';
        put_digits(d, static_cast<unsigned>(ymd.day()), 2);
        *d = 'T';
        cached_day = day;
    }
    const auto in_day = t - day;
    const auto seconds = static_cast<unsigned>(duration_cast<std::chrono::seconds>(in_day).count());
    const auto micros = static_cast<unsigned>((in_day % std::chrono::seconds{1}).count());
    // Hand-formatted, two digits at a time: this runs twice per task in every answer, and
    // snprintf is slow. "YYYY-MM-DDTHH:MM:SS.ffffffZ" is 27 characters.
    char buf[32];
    std::memcpy(buf, cached_date, sizeof cached_date);
    char* p = buf + sizeof cached_date;
    put_pair(p, seconds / 3600);
    p[2] = ':';
    put_pair(p + 3, seconds / 60 % 60);
    p[5] = ':';
    put_pair(p + 6, seconds % 60);
    p += 8;
    if (micros != 0) {
        p[0] = '.';
        put_pair(p + 1, micros / 10000);
        put_pair(p + 3, micros / 100 % 100);
        put_pair(p + 5, micros % 100);
        p += 7;
    }
    *p++ = 'Z';
    out.append(buf, p);
}

std::string format_iso8601(Timestamp t) {
    std::string out;
    append_iso8601(out, t);
    return out;
}

std::int64_t to_unix_seconds(Timestamp t) {
    return std::chrono::floor<std::chrono::seconds>(t).time_since_epoch().count();
}

}  // namespace taskapi::core
