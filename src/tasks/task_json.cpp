#include "tasks/task_json.hpp"

#include <boost/json/value.hpp>

#include "core/text.hpp"

namespace taskapi::tasks {
namespace {

constexpr serializers::Field kTitle{.name = "title",
                                    .type = serializers::FieldType::kString,
                                    .required = true,
                                    .max_length = kTitleMaxLength};
constexpr serializers::Field kDescription{
    .name = "description", .type = serializers::FieldType::kString, .allow_blank = true};
constexpr serializers::Field kCompleted{.name = "completed",
                                        .type = serializers::FieldType::kBoolean};

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
    TaskPatch patch;
    patch.title = v.char_field(**object, kTitle, ctx);
    patch.description = v.char_field(**object, kDescription, ctx);
    patch.completed = v.boolean_field(**object, kCompleted, ctx);
    if (!v.ok()) return v.error();
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

std::string task_fields_metadata() {
    return R"({"id":{"type":"integer","required":false,"read_only":true,"label":"ID"},)"
           R"("title":{"type":"string","required":true,"read_only":false,"label":"Title","max_length":255},)"
           R"("description":{"type":"string","required":false,"read_only":false,"label":"Description"},)"
           R"("completed":{"type":"boolean","required":false,"read_only":false,"label":"Completed"},)"
           R"("created_at":{"type":"datetime","required":false,"read_only":true,"label":"Created at"},)"
           R"("updated_at":{"type":"datetime","required":false,"read_only":true,"label":"Updated at"},)"
           R"("owner":{"type":"field","required":false,"read_only":true,"label":"Owner"}})";
}

}  // namespace taskapi::tasks
