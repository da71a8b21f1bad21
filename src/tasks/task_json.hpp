// The task serializer: validates input into NewTask/TaskPatch and renders tasks as JSON.
#pragma once

#include <array>
#include <boost/json/fwd.hpp>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "serializers/fields.hpp"
#include "tasks/task.hpp"

namespace taskapi::tasks {

// The task serializer's fields, as DRF's ModelSerializer derives them from the task model
// (fields "__all__", owner read-only), in declaration order: validation reads the writable ones,
// OPTIONS describes them all, and task_to_json() writes these keys in this order.
inline constexpr std::array kTaskFields{
    serializers::Field{
        .name = "id", .type = serializers::FieldType::kInteger, .read_only = true, .label = "ID"},
    serializers::Field{.name = "title",
                       .type = serializers::FieldType::kString,
                       .required = true,
                       .max_length = kTitleMaxLength,
                       .label = "Title"},
    serializers::Field{.name = "description",
                       .type = serializers::FieldType::kString,
                       .allow_blank = true,
                       .label = "Description"},
    serializers::Field{
        .name = "completed", .type = serializers::FieldType::kBoolean, .label = "Completed"},
    serializers::Field{.name = "created_at",
                       .type = serializers::FieldType::kDateTime,
                       .read_only = true,
                       .label = "Created at"},
    serializers::Field{.name = "updated_at",
                       .type = serializers::FieldType::kDateTime,
                       .read_only = true,
                       .label = "Updated at"},
    serializers::Field{.name = "owner",
                       .type = serializers::FieldType::kRelatedId,
                       .read_only = true,
                       .label = "Owner"},
};
static_assert(serializers::is_well_formed(kTaskFields));

// POST: the writable fields of kTaskFields (title required; description and completed
// optional). Unknown keys and the read-only fields are ignored. Errors are kInvalidArgument with
// DRF's messages, in field order.
core::Result<NewTask> new_task_from_input(const boost::json::value& data, bool is_form);

// PUT (partial = false): title required, absent optional fields keep their values.
// PATCH (partial = true): every field optional.
core::Result<TaskPatch> task_patch_from_input(const boost::json::value& data, bool is_form,
                                              bool partial);

// {"id":1,"title":"...","description":"","completed":false,"created_at":"...","updated_at":"...","owner":1}
std::string task_to_json(const Task& task);
void append_task_json(std::string& out, const Task& task);
std::string tasks_to_json(const std::vector<Task>& tasks);

}  // namespace taskapi::tasks
