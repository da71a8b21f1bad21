// Request body -> parse_body -> the task serializer -> task JSON, as POST, PUT and PATCH run it.
//
// Input: byte 0 picks the Content-Type (application/json, form-urlencoded, multipart with boundary
// XyZ, text/plain, none, then application/json with a charset: utf-16, latin-1, windows-1252,
// ascii, utf-32-be, utf-8-sig, and koi8-r, which is never decoded); the rest is the body.
#include <array>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/text.hpp"
#include "fuzz_common.hpp"
#include "http/body_parser.hpp"
#include "http/request.hpp"
#include "tasks/task.hpp"
#include "tasks/task_json.hpp"

namespace {

namespace json = boost::json;
using namespace taskapi;
using fuzz::check;

constexpr std::array<std::optional<std::string_view>, 12> kContentTypes = {
    std::optional<std::string_view>("application/json"),
    std::optional<std::string_view>("application/x-www-form-urlencoded"),
    std::optional<std::string_view>("multipart/form-data; boundary=XyZ"),
    std::optional<std::string_view>("text/plain"),
    std::nullopt,
    std::optional<std::string_view>("application/json; charset=utf-16"),
    std::optional<std::string_view>("application/json; charset=latin-1"),
    std::optional<std::string_view>("application/json; charset=windows-1252"),
    std::optional<std::string_view>("application/json; charset=ascii"),
    std::optional<std::string_view>("application/json; charset=utf-32-be"),
    std::optional<std::string_view>("application/json; charset=utf-8-sig"),
    std::optional<std::string_view>("application/json; charset=koi8-r"),
};
constexpr std::string_view kUndecodedJson = "application/json; charset=koi8-r";

// What the serializer promises about a validated text field.
void check_text(const std::string& text, bool is_title) {
    check(core::is_valid_utf8(text), "validated text is valid UTF-8", text);
    check(text.find('\0') == std::string::npos, "validated text has no NUL", text);
    check(core::strip_whitespace(text) == text, "validated text is stripped", text);
    if (is_title) {
        check(!text.empty(), "validated title is not empty", text);
        check(core::count_code_points(text) <= tasks::kTitleMaxLength,
              "validated title has at most 255 characters", text);
    }
}

// A string input field ends up stripped; other types are rendered (numbers) or refused.
void check_matches_input(const json::value& data, std::string_view name,
                         const std::optional<std::string>& value) {
    if (!value || !data.is_object()) return;
    const json::value* in = data.get_object().if_contains(name);
    if (in == nullptr || !in->is_string()) return;
    const std::string_view raw(in->get_string().data(), in->get_string().size());
    check(core::strip_whitespace(raw) == *value, "validated text is the stripped input", raw);
}

void check_error(const core::Error& error) {
    check(error.code == core::ErrorCode::kInvalidArgument, "validation error is kInvalidArgument");
    check(!error.field_errors.empty(), "validation error names a field");
    for (const auto& field : error.field_errors) {
        check(field.field == "title" || field.field == "description" ||
                  field.field == "completed" || field.field == "non_field_errors",
              "validation error field is known", field.field);
        check(!field.messages.empty(), "validation error has a message", field.field);
    }
    fuzz::check_error_renders(error);
}

// The JSON of a stored task must be valid UTF-8, parse, and give the same values back.
void check_task_json(const tasks::Task& task) {
    const std::string out = tasks::task_to_json(task);
    check(core::is_valid_utf8(out), "task JSON is valid UTF-8", out);
    const auto parsed = fuzz::parse_json(out);
    check(parsed.has_value() && parsed->is_object(), "task JSON parses to an object", out);
    const json::object& o = parsed->get_object();
    const json::value* title = o.if_contains("title");
    const json::value* description = o.if_contains("description");
    const json::value* completed = o.if_contains("completed");
    check(title != nullptr && title->is_string() && title->get_string() == task.title,
          "task JSON round-trips the title", out);
    check(description != nullptr && description->is_string() &&
              description->get_string() == task.description,
          "task JSON round-trips the description", out);
    check(completed != nullptr && completed->is_bool() && completed->get_bool() == task.completed,
          "task JSON round-trips completed", out);
    check(o.size() == 7, "task JSON has seven keys", out);
    const std::string list = tasks::tasks_to_json({task, task});
    check(fuzz::parse_json(list).has_value(), "task list JSON parses", list);
}

tasks::Task stored(const std::string& title, const std::string& description, bool completed) {
    tasks::Task task;
    task.id = core::TaskId{7};
    task.title = title;
    task.description = description;
    task.completed = completed;
    task.owner = core::UserId{1};
    task.created_at =
        core::Timestamp{std::chrono::seconds{fuzz::kNow} + std::chrono::microseconds{123456}};
    task.updated_at = task.created_at;
    return task;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const auto content_type = kContentTypes[data[0] % kContentTypes.size()];

    http::Request request;
    request.method = http::Method::kPost;
    request.method_name = "POST";
    request.path = "/api/tasks/";
    request.raw_path = request.path;
    if (content_type) request.content_type = std::string(*content_type);
    request.body = std::string(fuzz::as_view(data + 1, size - 1));

    const auto parsed = http::parse_body(request);
    if (!parsed) {
        const auto& e = parsed.error();
        const bool unsupported =
            !content_type || *content_type == "text/plain" || *content_type == kUndecodedJson;
        check(e.code == (unsupported ? core::ErrorCode::kUnsupportedFormat
                                     : core::ErrorCode::kInvalidArgument),
              "parse_body error kind fits the media type", e.message);
        check(!request.body.empty(), "an empty body always parses");
        fuzz::check_error_renders(e);
        return 0;
    }
    check(!content_type || *content_type != kUndecodedJson || request.body.empty(),
          "a charset taskapi does not decode is never read");
    const bool is_form = parsed->kind() == http::DataKind::kForm;
    check(is_form == (data[0] % kContentTypes.size() == 1 || data[0] % kContentTypes.size() == 2),
          "form kind iff a form media type");
    const json::value& value = parsed->value();

    // POST.
    const auto created = tasks::new_task_from_input(value, is_form);
    if (created) {
        check_text(created->title, true);
        check_text(created->description, false);
        check_matches_input(value, "title", created->title);
        check_task_json(stored(created->title, created->description, created->completed));
    } else {
        check_error(created.error());
    }

    // PUT and PATCH on an existing task.
    const tasks::Task existing = stored("existing", "old description", false);
    for (const bool partial : {false, true}) {
        const auto patch = tasks::task_patch_from_input(value, is_form, partial);
        if (!patch) {
            check_error(patch.error());
            check(partial || !created, "PUT fails exactly when POST fails");
            continue;
        }
        check(partial || created, "PUT succeeds exactly when POST succeeds");
        check(partial || patch->title.has_value(), "PUT has a title");
        if (patch->title) check_text(*patch->title, true);
        if (patch->description) check_text(*patch->description, false);
        check_matches_input(value, "title", patch->title);
        check_matches_input(value, "description", patch->description);
        if (created && !partial) {
            check(*patch->title == created->title, "PUT and POST agree on the title");
        }
        tasks::Task updated = existing;
        if (patch->title) updated.title = *patch->title;
        if (patch->description) updated.description = *patch->description;
        if (patch->completed) updated.completed = *patch->completed;
        check_task_json(updated);
    }
    // PATCH accepts whatever PUT accepts.
    if (created) {
        check(tasks::task_patch_from_input(value, is_form, true).has_value(),
              "PATCH accepts what POST accepts");
    }
    return 0;
}
