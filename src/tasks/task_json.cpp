#include "tasks/task_json.hpp"

#include <boost/json/value.hpp>

#include "core/text.hpp"

namespace taskapi::tasks {
namespace {

constexpr std::size_t kTitle = serializers::index_of(kTaskFields, "title");
constexpr std::size_t kDescription = serializers::index_of(kTaskFields, "description");
constexpr std::size_t kCompleted = serializers::index_of(kTaskFields, "completed");

}  // namespace

core::Result<NewTask> new_task_from_input(const boost::json::value& data, bool is_form) {
    auto patch = task_patch_from_input(data, is_form, false);
    if (!patch) return std::move(patch).error();
    NewTask task;
    task.title = std::move(*patch->title);
    task.description = patch->description.value_or("");
    task.completed = patch->completed.value_or(false);
    return task;
}

core::Result<TaskPatch> task_patch_from_input(const boost::json::value& data, bool is_form,
                                              bool partial) {
    auto values =
        serializers::validate(kTaskFields, data, {.is_form = is_form, .partial = partial});
    if (!values) return std::move(values).error();
    TaskPatch patch;
    patch.title = std::move((*values)[kTitle].text);
    patch.description = std::move((*values)[kDescription].text);
    patch.completed = (*values)[kCompleted].flag;
    return patch;
}

void append_task_json(std::string& out, const Task& task) {
    out += "{\"id\":";
    out += std::to_string(task.id.value);
    out += ",\"title\":";
    core::append_json_string(out, task.title);
    out += ",\"description\":";
    core::append_json_string(out, task.description);
    out += task.completed ? ",\"completed\":true" : ",\"completed\":false";
    out += ",\"created_at\":\"";
    core::append_iso8601(out, task.created_at);
    out += "\",\"updated_at\":\"";
    core::append_iso8601(out, task.updated_at);
    out += "\",\"owner\":";
    out += std::to_string(task.owner.value);
    out += '}';
}

std::string task_to_json(const Task& task) {
    std::string out;
    out.reserve(256);
    append_task_json(out, task);
    return out;
}

std::string tasks_to_json(const std::vector<Task>& tasks) {
    std::string out;
    out.reserve(64 + tasks.size() * 256);
    out += '[';
    for (std::size_t i = 0; i < tasks.size(); ++i) {
        if (i != 0) out += ',';
        append_task_json(out, tasks[i]);
    }
    out += ']';
    return out;
}

}  // namespace taskapi::tasks
