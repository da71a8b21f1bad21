// The task list's query parameters read as the reference's DRF filter backends and paginator
// read them: django-filter's ?completed=, SearchFilter's ?search=, OrderingFilter's ?ordering=,
// PageNumberPagination's ?page= and ?page_size=. Plain values in, plain values out (no HTTP).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tasks/task_query.hpp"

namespace taskapi::tasks {

// A query parameter of the list as the filter backends and the paginator declare it: the list
// reads each by this name, and the API schema (app/openapi.cpp) describes the same table.
struct QueryParameter {
    enum class Type { kBoolean, kString, kInteger };
    std::string_view name;
    Type type = Type::kString;
    bool paginated = false;  // read only with a page size (TASKAPI_PAGE_SIZE)
    std::string_view description;
};

inline constexpr QueryParameter kCompletedParameter{
    .name = "completed",
    .type = QueryParameter::Type::kBoolean,
    .description = "Only the tasks with this completed value (true, 1, false or 0)."};
inline constexpr QueryParameter kSearchParameter{
    .name = "search", .description = "A search term."};
inline constexpr QueryParameter kOrderingParameter{
    .name = "ordering", .description = "Which field to use when ordering the results."};
inline constexpr QueryParameter kPageParameter{
    .name = "page",
    .type = QueryParameter::Type::kInteger,
    .paginated = true,
    .description = "A page number within the paginated result set."};
inline constexpr QueryParameter kPageSizeParameter{
    .name = "page_size",
    .type = QueryParameter::Type::kInteger,
    .paginated = true,
    .description = "Number of results to return per page."};
inline constexpr std::array kTaskListParameters{kCompletedParameter, kSearchParameter,
                                                kOrderingParameter, kPageParameter,
                                                kPageSizeParameter};

// OrderingFilter's allow-list (the view's ordering_fields), spelled as the client must spell it.
struct OrderingField {
    std::string_view name;
    TaskField field;
};
inline constexpr std::array<OrderingField, 5> kOrderingFields{{
    {"id", TaskField::kId},
    {"title", TaskField::kTitle},
    {"created_at", TaskField::kCreatedAt},
    {"updated_at", TaskField::kUpdatedAt},
    {"completed", TaskField::kCompleted},
}};

// django-filter's BooleanWidget: "true" or "1" is true, "false" or "0" false, in any case of
// letters; anything else (a blank, "yes", " true") filters nothing, as the reference does (no
// 400).
[[nodiscard]] std::optional<bool> completed_filter(std::optional<std::string_view> value);

// SearchFilter.get_search_terms: NUL characters removed, commas made spaces, then split on
// whitespace as Python's str.split() does (every character str.isspace() accepts, Unicode's
// included); empty terms dropped.
[[nodiscard]] std::vector<std::string> search_terms(std::string_view value);

// OrderingFilter.get_ordering: comma-separated fields, each stripped (str.strip()), a leading
// '-' for descending; fields not in the allow-list (id, title, created_at, updated_at,
// completed; exactly so spelled) are dropped. A field named again adds nothing to the order
// (its first mention already decided every tie it could). Empty: the default order.
[[nodiscard]] std::vector<TaskOrder> task_ordering(std::string_view value);

// Python's int() of a decimal string (surrounding whitespace, a sign, ASCII digits with single
// underscores between them), clamped to the int64 range; nullopt when int() would raise.
[[nodiscard]] std::optional<std::int64_t> python_int(std::string_view text);

// PageNumberPagination.get_page_size with page_size_query_param "page_size": a positive integer
// in `value`, at most `max_page_size`; otherwise (absent, zero, negative, not an integer)
// `default_size`.
[[nodiscard]] std::int64_t page_size(std::optional<std::string_view> value,
                                     std::int64_t default_size, std::int64_t max_page_size);

// Django's Paginator: the pages of `count` tasks, `size` (positive) per page; at least 1, as an
// empty list has one, empty, page.
[[nodiscard]] std::int64_t page_count(std::int64_t count, std::int64_t size);

// The page that ?page= asks for among `pages` (PageNumberPagination.get_page_number and
// Paginator.validate_number): absent is 1, "last" (exactly) is the last one; nullopt when it is
// not an integer, below 1, or above the last page, which DRF answers 404 "Invalid page.".
[[nodiscard]] std::optional<std::int64_t> page_number(std::optional<std::string_view> value,
                                                      std::int64_t pages);

}  // namespace taskapi::tasks
