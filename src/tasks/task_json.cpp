#include "tasks/task_json.hpp"

#include <boost/json/value.hpp>
#include <charconv>
#include <cstdint>

#include "core/text.hpp"

namespace taskapi::tasks {
namespace {

constexpr const serializers::Field& kTitle = serializers::field_named(kTaskFields, "title");
constexpr const serializers::Field& kDescription =
    serializers::field_named(kTaskFields, "description");
constexpr const serializers::Field& kCompleted = serializers::field_named(kTaskFields, "completed");

// A 64-bit integer in decimal, with no temporary string.
void append_integer(std::string& out, std::int64_t value) {
    char buf[24];
    const auto end = std::to_chars(buf, buf + sizeof buf, value).ptr;
    out.append(buf, end);
}

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
    auto object = serializers::as_object(data);
    if (!object) return std::move(object).error();
    const serializers::InputContext ctx{.is_form = is_form, .partial = partial};
    serializers::Validation v;
    // The writable fields of kTaskFields, in its order (a unit test checks that none is missing).
    TaskPatch patch{.title = v.char_field(**object, kTitle, ctx),
                    .description = v.char_field(**object, kDescription, ctx),
                    .completed = v.boolean_field(**object, kCompleted, ctx)};
    if (!v.ok()) return v.error();
    return patch;
}

void append_task_json(std::string& out, const Task& task) {
    // Escapes aside, a task's JSON is its two texts and at most 200 bytes more: one growth.
    out.reserve(out.size() + task.title.size() + task.description.size() + 200);
    out += "{\"id\":";
    append_integer(out, task.id.value);
    out += ",\"title\":";
    core::append_json_string(out, task.title);
    out += ",\"description\":";
    core::append_json_string(out, task.description);
    out += task.completed ? R"(,"completed":true)" : R"(,"completed":false)";
    out += R"(,"created_at":")";
    core::append_iso8601(out, task.created_at);
    out += R"(","updated_at":")";
    core::append_iso8601(out, task.updated_at);
    out += R"(","owner":)";
    append_integer(out, task.owner.value);
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
