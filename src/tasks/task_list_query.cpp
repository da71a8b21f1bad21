#include "tasks/task_list_query.hpp"

#include <algorithm>
#include <limits>

#include "core/text.hpp"

namespace taskapi::tasks {

std::optional<bool> completed_filter(std::optional<std::string_view> value) {
    if (!value) return std::nullopt;
    const std::string lowered = core::ascii_lower(*value);
    if (lowered == "true" || lowered == "1") return true;
    if (lowered == "false" || lowered == "0") return false;
    return std::nullopt;
}

std::vector<std::string> search_terms(std::string_view value) {
    std::string text;
    text.reserve(value.size());
    for (const char c : value) {
        if (c == '\0') continue;
        text += c == ',' ? ' ' : c;
    }
    std::vector<std::string> terms;
    for (const std::string_view term : core::split_whitespace(text)) terms.emplace_back(term);
    return terms;
}

std::vector<TaskOrder> task_ordering(std::string_view value) {
    std::vector<TaskOrder> ordering;
    std::size_t start = 0;
    while (start <= value.size()) {
        const std::size_t end = std::min(value.find(',', start), value.size());
        std::string_view term = core::strip_whitespace(value.substr(start, end - start));
        start = end + 1;
        const bool descending = term.starts_with('-');
        if (descending) term.remove_prefix(1);
        const auto* named = std::find_if(kOrderingFields.begin(), kOrderingFields.end(),
                                         [term](const OrderingField& f) { return f.name == term; });
        if (named == kOrderingFields.end()) continue;
        const bool seen =
            std::any_of(ordering.begin(), ordering.end(),
                        [named](const TaskOrder& o) { return o.field == named->field; });
        if (!seen) ordering.push_back({named->field, descending});
    }
    return ordering;
}

std::optional<std::int64_t> python_int(std::string_view text) {
    text = core::strip_whitespace(text);
    bool negative = false;
    if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
        negative = text.front() == '-';
        text.remove_prefix(1);
    }
    if (text.empty()) return std::nullopt;
    constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
    std::int64_t value = 0;
    bool previous_was_digit = false;
    for (const char c : text) {
        if (c == '_') {
            if (!previous_was_digit) return std::nullopt;  // leading or doubled underscore
            previous_was_digit = false;
            continue;
        }
        if (c < '0' || c > '9') return std::nullopt;
        previous_was_digit = true;
        const int digit = c - '0';
        value = value > (kMax - digit) / 10 ? kMax : value * 10 + digit;
    }
    if (!previous_was_digit) return std::nullopt;  // a trailing underscore
    return negative ? -value : value;
}

std::int64_t page_size(std::optional<std::string_view> value, std::int64_t default_size,
                       std::int64_t max_page_size) {
    if (!value) return default_size;
    const auto size = python_int(*value);
    // _positive_int(strict=True): zero and negatives are errors, and an error means the default.
    if (!size || *size <= 0) return default_size;
    return std::min(*size, max_page_size);
}

std::int64_t page_count(std::int64_t count, std::int64_t size) {
    return std::max<std::int64_t>(1, count / size + (count % size != 0 ? 1 : 0));
}

std::optional<std::int64_t> page_number(std::optional<std::string_view> value, std::int64_t pages) {
    if (!value) return 1;
    if (*value == "last") return pages;
    const auto number = python_int(*value);
    if (!number || *number < 1 || *number > pages) return std::nullopt;
    return *number;
}

}  // namespace taskapi::tasks
