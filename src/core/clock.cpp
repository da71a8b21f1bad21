#include "core/clock.hpp"

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
    const auto micros = static_cast<unsigned>(hms.subseconds().count());
    // Hand-formatted: this runs twice per task in every answer, and snprintf is slow.
    char buf[32];
    char* p = buf;
    const auto put = [&p](unsigned value, int width) {
        for (int i = width - 1; i >= 0; --i) {
            p[i] = static_cast<char>('0' + value % 10);
            value /= 10;
        }
        p += width;
    };
    put(static_cast<unsigned>(static_cast<int>(ymd.year())), 4);
    *p++ = '-';
    put(static_cast<unsigned>(ymd.month()), 2);
    *p++ = '-';
    put(static_cast<unsigned>(ymd.day()), 2);
    *p++ = 'T';
    put(static_cast<unsigned>(hms.hours().count()), 2);
    *p++ = ':';
    put(static_cast<unsigned>(hms.minutes().count()), 2);
    *p++ = ':';
    put(static_cast<unsigned>(hms.seconds().count()), 2);
    if (micros != 0) {
        *p++ = '.';
        put(micros, 6);
    }
    *p++ = 'Z';
    return std::string(buf, p);
}

std::int64_t to_unix_seconds(Timestamp t) {
    return std::chrono::floor<std::chrono::seconds>(t).time_since_epoch().count();
}

}  // namespace taskapi::core
