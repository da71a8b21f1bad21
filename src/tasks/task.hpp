// The task model: a to-do item that belongs to exactly one user.
#pragma once

#include <optional>
#include <string>

#include "core/clock.hpp"
#include "core/ids.hpp"

namespace taskapi::tasks {

inline constexpr std::size_t kTitleMaxLength = 255;  // characters, not bytes

struct Task {
    core::TaskId id;
    std::string title;
    std::string description;
    bool completed = false;
    core::UserId owner;
    core::Timestamp created_at{};
    core::Timestamp updated_at{};
};

// Validated input for a new task.
struct NewTask {
    std::string title;
    std::string description;
    bool completed = false;
};

// Validated changes to a task: absent fields keep their stored value.
struct TaskPatch {
    std::optional<std::string> title;
    std::optional<std::string> description;
    std::optional<bool> completed;
};

}  // namespace taskapi::tasks
