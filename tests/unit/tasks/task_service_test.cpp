#include "tasks/task_service.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "fakes/fixed_clock.hpp"
#include "fakes/in_memory_task_repository.hpp"

namespace taskapi::tasks {
namespace {

using namespace std::chrono_literals;

constexpr core::UserId kAlice{1};
constexpr core::UserId kBob{2};

// The service's own rules: timestamps from the clock, "not found" for another user's task. What
// the repository does with a call (ids, ordering, patches) is the conformance suite's
// (tests/storage/), which runs on the fake and on SQLite alike.
class TaskServiceTest : public ::testing::Test {
protected:
    fakes::FixedClock clock_;
    fakes::InMemoryTaskRepository repository_;
    TaskService service_{repository_, clock_};

    Task create(core::UserId owner, std::string title) {
        return service_.create(owner, NewTask{.title = std::move(title)});
    }
};

TEST_F(TaskServiceTest, CreateStoresTheTaskForItsOwner) {
    const Task task = service_.create(
        kAlice, NewTask{.title = "Buy milk", .description = "2 l", .completed = true});
    EXPECT_EQ(task.title, "Buy milk");
    EXPECT_EQ(task.description, "2 l");
    EXPECT_TRUE(task.completed);
    EXPECT_EQ(task.owner, kAlice);
    const auto stored = service_.get(kAlice, task.id);
    ASSERT_TRUE(stored.has_value());
    EXPECT_EQ(stored->title, "Buy milk");
}

TEST_F(TaskServiceTest, CreateSetsBothTimestampsToNow) {
    const Task task = create(kAlice, "t");
    EXPECT_EQ(task.created_at, clock_.now());
    EXPECT_EQ(task.updated_at, clock_.now());
}

TEST_F(TaskServiceTest, UpdateAdvancesUpdatedAtOnly) {
    const Task task = create(kAlice, "t");
    const auto created_at = clock_.now();
    clock_.advance(90s + 5us);
    const auto updated = service_.update(kAlice, task.id, TaskPatch{.title = "new"});
    ASSERT_TRUE(updated.has_value());
    EXPECT_EQ(updated->created_at, created_at);
    EXPECT_EQ(updated->updated_at, created_at + 90s + 5us);
    EXPECT_EQ(service_.get(kAlice, task.id)->updated_at, created_at + 90s + 5us);
}

TEST_F(TaskServiceTest, GettingAnotherUsersTaskIsNotFound) {
    const Task task = create(kAlice, "t");
    const auto result = service_.get(kBob, task.id);
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, core::ErrorCode::kNotFound);
    EXPECT_EQ(result.error().message, "Not found.");
}

TEST_F(TaskServiceTest, GettingAMissingTaskIsNotFound) {
    const auto result = service_.get(kAlice, core::TaskId{12345});
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, core::ErrorCode::kNotFound);
}

TEST_F(TaskServiceTest, UpdatingAnotherUsersTaskIsNotFound) {
    const Task task = create(kAlice, "t");
    clock_.advance(1s);
    const auto result =
        service_.update(kBob, task.id, TaskPatch{.title = "mine now", .completed = true});
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, core::ErrorCode::kNotFound);
    const auto unchanged = service_.get(kAlice, task.id);
    ASSERT_TRUE(unchanged.has_value());
    EXPECT_EQ(unchanged->title, "t");
    EXPECT_FALSE(unchanged->completed);
    EXPECT_EQ(unchanged->updated_at, task.updated_at);
}

TEST_F(TaskServiceTest, UpdatingAMissingTaskIsNotFound) {
    const auto result = service_.update(kAlice, core::TaskId{99}, TaskPatch{.title = "x"});
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, core::ErrorCode::kNotFound);
}

TEST_F(TaskServiceTest, RemovingAnotherUsersTaskIsNotFound) {
    const Task task = create(kAlice, "t");
    const auto result = service_.remove(kBob, task.id);
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, core::ErrorCode::kNotFound);
    EXPECT_TRUE(service_.get(kAlice, task.id).has_value());
}

TEST_F(TaskServiceTest, RemoveDeletesTheTask) {
    const Task task = create(kAlice, "t");
    EXPECT_TRUE(service_.remove(kAlice, task.id).has_value());
    EXPECT_FALSE(service_.get(kAlice, task.id).has_value());
    const auto again = service_.remove(kAlice, task.id);
    ASSERT_FALSE(again.has_value());
    EXPECT_EQ(again.error().code, core::ErrorCode::kNotFound);
}

}  // namespace
}  // namespace taskapi::tasks
