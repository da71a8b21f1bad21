#include "core/clock.hpp"

#include <cstdio>

namespace taskapi::core {

Timestamp SystemClock::now() const {
    return std::chrono::time_point_cast<std::chrono::microseconds>(
        std::chrono::system_clock::now());
}

std::string format_iso8601(Timestamp t) {
    using namespace std::chrono;
    const auto day = floor<days>(t);
    const year_month_day ymd{day};
    const hh_mm_ss hms{t - day};
    const auto micros = hms.subseconds().count();
    char buf[40];
    int n = 0;
    if (micros == 0) {
        n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", int(ymd.year()),
                          unsigned(ymd.month()), unsigned(ymd.day()), int(hms.hours().count()),
                          int(hms.minutes().count()), int(hms.seconds().count()));
    } else {
        n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%06dZ", int(ymd.year()),
                          unsigned(ymd.month()), unsigned(ymd.day()), int(hms.hours().count()),
                          int(hms.minutes().count()), int(hms.seconds().count()), int(micros));
    }
    return std::string(buf, static_cast<std::size_t>(n));
}

std::int64_t to_unix_seconds(Timestamp t) {
    return std::chrono::floor<std::chrono::seconds>(t).time_since_epoch().count();
}

}  // namespace taskapi::core
