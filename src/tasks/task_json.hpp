// The task serializer: validates input into NewTask/TaskPatch and renders tasks as JSON.
#pragma once

#include <boost/json/fwd.hpp>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "serializers/fields.hpp"
#include "tasks/task.hpp"

namespace taskapi::tasks {

// POST: title required; description and completed optional. Unknown keys, id, owner and the
// timestamps are ignored. Errors are kInvalidArgument with DRF's messages, in field order.
core::Result<NewTask> new_task_from_input(const boost::json::value& data, bool is_form);

// PUT (partial = false): title required, absent optional fields keep their values.
// PATCH (partial = true): every field optional.
core::Result<TaskPatch> task_patch_from_input(const boost::json::value& data, bool is_form,
                                              bool partial);

// {"id":1,"title":"...","description":"","completed":false,"created_at":"...","updated_at":"...","owner":1}
std::string task_to_json(const Task& task);
void append_task_json(std::string& out, const Task& task);
std::string tasks_to_json(const std::vector<Task>& tasks);

// DRF's OPTIONS description of the task fields ("actions" entry for POST or PUT).
std::string task_fields_metadata();

}  // namespace taskapi::tasks
