// Which of an owner's tasks a list shows, and in what order: what DRF's filter backends
// (django-filter's ?completed=, SearchFilter, OrderingFilter) and a page make of a queryset.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/ids.hpp"

namespace taskapi::tasks {

// The fields a list may be ordered by (the OrderingFilter allow-list). Storage maps each to a
// fixed SQL fragment; nothing the client sent is ever pasted into a statement.
enum class TaskField { kId, kTitle, kCreatedAt, kUpdatedAt, kCompleted };

struct TaskOrder {
    TaskField field = TaskField::kId;
    bool descending = false;

    bool operator==(const TaskOrder&) const = default;
};

struct TaskQuery {
    // Only tasks with this `completed` value; nullopt: all.
    std::optional<bool> completed;
    // Each term must occur in the title or in the description: a literal substring (no
    // wildcards), ASCII letters compared without case (other characters exactly). Terms are
    // non-empty.
    std::vector<std::string> search_terms;
    // The order, first key first; ties are always broken by ascending id, so the order is total.
    // Empty: ascending id. A field appears at most once.
    std::vector<TaskOrder> ordering;
    // With the default order only: tasks whose id is above `after` (a long list read in
    // pieces).
    core::TaskId after{0};
    // Tasks skipped before the first one visited, in the order above.
    std::int64_t offset = 0;
    // At most this many tasks; nullopt: no limit.
    std::optional<std::int64_t> limit;

    [[nodiscard]] bool has_default_order() const { return ordering.empty(); }
    bool operator==(const TaskQuery&) const = default;
};

}  // namespace taskapi::tasks
