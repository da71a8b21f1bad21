// Strong id types, so a task id cannot be passed where a user id is expected.
#pragma once

#include <compare>
#include <cstdint>

namespace taskapi::core {

template <typename Tag>
struct Id {
    std::int64_t value = 0;
    friend auto operator<=>(const Id&, const Id&) = default;
};

using UserId = Id<struct UserIdTag>;
using TaskId = Id<struct TaskIdTag>;

}  // namespace taskapi::core
