#include "tasks/task_json.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "fakes/fixed_clock.hpp"
#include "http/body_parser.hpp"
#include "http/request.hpp"
#include "serializers/metadata.hpp"

namespace taskapi::tasks {
namespace {

namespace json = boost::json;
using namespace std::string_literals;
using Messages = std::vector<std::string>;

json::value parse(std::string_view text) { return json::parse(text); }

// {"title": ...} with the given JSON value, NULs included.
json::value titled(json::value title) {
    json::object o;
    o["title"] = std::move(title);
    return o;
}

// field -> messages, in the order the error lists them.
std::vector<core::FieldError> errors_of(const core::Result<NewTask>& result) {
    EXPECT_FALSE(result.has_value());
    if (result.has_value()) return {};
    EXPECT_EQ(result.error().code, core::ErrorCode::kInvalidArgument);
    return result.error().field_errors;
}

std::vector<core::FieldError> errors_of(const core::Result<TaskPatch>& result) {
    EXPECT_FALSE(result.has_value());
    if (result.has_value()) return {};
    EXPECT_EQ(result.error().code, core::ErrorCode::kInvalidArgument);
    return result.error().field_errors;
}

Messages title_errors(const json::value& data) {
    const auto errors = errors_of(new_task_from_input(data, false));
    if (errors.size() != 1 || errors[0].field != "title") {
        ADD_FAILURE() << "expected errors for title only";
        return {};
    }
    return errors[0].messages;
}

// --- create (POST) ---------------------------------------------------------------------------

TEST(NewTaskFromInput, TitleAloneGivesDefaults) {
    const auto task = new_task_from_input(parse(R"({"title":"Buy milk"})"), false);
    ASSERT_TRUE(task.has_value());
    EXPECT_EQ(task->title, "Buy milk");
    EXPECT_EQ(task->description, "");
    EXPECT_FALSE(task->completed);
}

TEST(NewTaskFromInput, ReadsEveryWritableField) {
    const auto task = new_task_from_input(
        parse(R"({"title":"  Buy milk ","description":"  two litres\n","completed":"yes"})"),
        false);
    ASSERT_TRUE(task.has_value());
    EXPECT_EQ(task->title, "Buy milk");
    EXPECT_EQ(task->description, "two litres");
    EXPECT_TRUE(task->completed);
}

TEST(NewTaskFromInput, TitleIsRequired) {
    EXPECT_EQ(title_errors(parse("{}")), Messages{"This field is required."});
    EXPECT_EQ(title_errors(parse(R"({"description":"d"})")), Messages{"This field is required."});
}

TEST(NewTaskFromInput, TitleMayNotBeBlankOrNull) {
    EXPECT_EQ(title_errors(parse(R"({"title":""})")), Messages{"This field may not be blank."});
    EXPECT_EQ(title_errors(parse(R"({"title":" \t "})")), Messages{"This field may not be blank."});
    EXPECT_EQ(title_errors(parse(R"({"title":null})")), Messages{"This field may not be null."});
}

TEST(NewTaskFromInput, TitleHasAtMost255Characters) {
    std::string title;
    for (int i = 0; i < 255; ++i) title += "é";
    EXPECT_TRUE(new_task_from_input(titled(json::value(title)), false).has_value());
    EXPECT_EQ(title_errors(titled(json::value(title + "é"))),
              Messages{"Ensure this field has no more than 255 characters."});
    EXPECT_EQ(title_errors(titled(json::value(std::string(256, 'a')))),
              Messages{"Ensure this field has no more than 255 characters."});
}

TEST(NewTaskFromInput, TitleMayNotContainNul) {
    EXPECT_EQ(title_errors(titled(json::value("a\0b"s))),
              Messages{"Null characters are not allowed."});
}

TEST(NewTaskFromInput, DescriptionMayNotContainNul) {
    const auto errors =
        errors_of(new_task_from_input(parse(R"({"title":"t","description":"\u0000"})"), false));
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].field, "description");
    EXPECT_EQ(errors[0].messages, Messages{"Null characters are not allowed."});
}

TEST(NewTaskFromInput, DescriptionMayBeBlankAndLong) {
    const auto task = new_task_from_input(parse(R"({"title":"t","description":"   "})"), false);
    ASSERT_TRUE(task.has_value());
    EXPECT_EQ(task->description, "");
    const json::object long_description{{"title", "t"}, {"description", std::string(10000, 'd')}};
    const auto long_task = new_task_from_input(long_description, false);
    ASSERT_TRUE(long_task.has_value());
    EXPECT_EQ(long_task->description, std::string(10000, 'd'));
}

TEST(NewTaskFromInput, DescriptionMayNotBeNull) {
    const auto errors =
        errors_of(new_task_from_input(parse(R"({"title":"t","description":null})"), false));
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].field, "description");
    EXPECT_EQ(errors[0].messages, Messages{"This field may not be null."});
}

TEST(NewTaskFromInput, TurnsNumbersIntoStrings) {
    EXPECT_EQ(new_task_from_input(parse(R"({"title":12345})"), false)->title, "12345");
    EXPECT_EQ(new_task_from_input(parse(R"({"title":1.0})"), false)->title, "1.0");
    EXPECT_EQ(new_task_from_input(parse(R"({"title":1e20})"), false)->title, "1e+20");
    EXPECT_EQ(new_task_from_input(parse(R"({"title":"t","description":2.5})"), false)->description,
              "2.5");
}

TEST(NewTaskFromInput, RefusesBooleansObjectsAndListsForStrings) {
    EXPECT_EQ(title_errors(parse(R"({"title":true})")), Messages{"Not a valid string."});
    EXPECT_EQ(title_errors(parse(R"({"title":{"a":1}})")), Messages{"Not a valid string."});
    EXPECT_EQ(title_errors(parse(R"({"title":["a"]})")), Messages{"Not a valid string."});
}

TEST(NewTaskFromInput, AcceptsEveryCompletedSpelling) {
    for (const char* v :
         {"true", "1", R"("true")", R"("True")", R"("TRUE")", R"("yes")", R"("Yes")", R"("YES")",
          R"("on")", R"("On")", R"("ON")", R"("t")", R"("T")", R"("y")", R"("Y")", R"("1")"}) {
        const auto task = new_task_from_input(
            parse(std::string(R"({"title":"t","completed":)") + v + "}"), false);
        ASSERT_TRUE(task.has_value()) << v;
        EXPECT_TRUE(task->completed) << v;
    }
    for (const char* v :
         {"false", "0", R"("false")", R"("False")", R"("FALSE")", R"("no")", R"("No")", R"("NO")",
          R"("off")", R"("Off")", R"("OFF")", R"("f")", R"("F")", R"("n")", R"("N")", R"("0")"}) {
        const auto task = new_task_from_input(
            parse(std::string(R"({"title":"t","completed":)") + v + "}"), false);
        ASSERT_TRUE(task.has_value()) << v;
        EXPECT_FALSE(task->completed) << v;
    }
}

TEST(NewTaskFromInput, RefusesOtherCompletedValues) {
    for (const char* v : {"2", R"("tRuE")", R"("maybe")", R"("")", "[]", "{}"}) {
        const auto errors = errors_of(new_task_from_input(
            parse(std::string(R"({"title":"t","completed":)") + v + "}"), false));
        ASSERT_EQ(errors.size(), 1u) << v;
        EXPECT_EQ(errors[0].field, "completed") << v;
        EXPECT_EQ(errors[0].messages, Messages{"Must be a valid boolean."}) << v;
    }
    const auto errors =
        errors_of(new_task_from_input(parse(R"({"title":"t","completed":null})"), false));
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].messages, Messages{"This field may not be null."});
}

TEST(NewTaskFromInput, ListsErrorsInFieldOrderWhateverTheInputOrder) {
    const auto errors = errors_of(new_task_from_input(
        parse(R"({"completed":"maybe","description":null,"title":""})"), false));
    ASSERT_EQ(errors.size(), 3u);
    EXPECT_EQ(errors[0].field, "title");
    EXPECT_EQ(errors[0].messages, Messages{"This field may not be blank."});
    EXPECT_EQ(errors[1].field, "description");
    EXPECT_EQ(errors[1].messages, Messages{"This field may not be null."});
    EXPECT_EQ(errors[2].field, "completed");
    EXPECT_EQ(errors[2].messages, Messages{"Must be a valid boolean."});
}

TEST(NewTaskFromInput, IgnoresUnknownAndReadOnlyKeys) {
    const auto task = new_task_from_input(
        parse(R"({"id":99,"title":"t","owner":7,"created_at":"2000-01-01T00:00:00Z",)"
              R"("updated_at":null,"extra":[1,2],"Title":"ignored"})"),
        false);
    ASSERT_TRUE(task.has_value());
    EXPECT_EQ(task->title, "t");
}

TEST(NewTaskFromInput, NonObjectBodiesAreNonFieldErrors) {
    const std::vector<std::pair<const char*, const char*>> cases = {
        {"null", "No data provided"},
        {"[]", "Invalid data. Expected a dictionary, but got list."},
        {R"([{"title":"t"}])", "Invalid data. Expected a dictionary, but got list."},
        {R"("t")", "Invalid data. Expected a dictionary, but got str."},
        {"1", "Invalid data. Expected a dictionary, but got int."},
        {"1.5", "Invalid data. Expected a dictionary, but got float."},
        {"true", "Invalid data. Expected a dictionary, but got bool."},
    };
    for (const auto& [body, message] : cases) {
        const auto errors = errors_of(new_task_from_input(parse(body), false));
        ASSERT_EQ(errors.size(), 1u) << body;
        EXPECT_EQ(errors[0].field, "non_field_errors") << body;
        EXPECT_EQ(errors[0].messages, Messages{message}) << body;
    }
}

// --- form input ------------------------------------------------------------------------------

TEST(NewTaskFromInput, FormWithoutCompletedIsNotCompleted) {
    const auto task = new_task_from_input(parse(R"({"title":"t"})"), true);
    ASSERT_TRUE(task.has_value());
    EXPECT_FALSE(task->completed);
}

TEST(NewTaskFromInput, FormCheckboxValues) {
    EXPECT_TRUE(new_task_from_input(parse(R"({"title":"t","completed":"on"})"), true)->completed);
    EXPECT_FALSE(new_task_from_input(parse(R"({"title":"t","completed":"off"})"), true)->completed);
}

// DRF drops an empty form value of a non-required field (Field.get_value), so `completed=` is
// as if it was not sent.
TEST(NewTaskFromInput, FormWithAnEmptyCompletedIsNotCompleted) {
    const auto task = new_task_from_input(parse(R"({"title":"t","completed":""})"), true);
    ASSERT_TRUE(task.has_value());
    EXPECT_FALSE(task->completed);
}

TEST(TaskPatchFromInput, FormWithAnEmptyCompletedLeavesItUnchanged) {
    const auto put = task_patch_from_input(parse(R"({"title":"t","completed":""})"), true, false);
    ASSERT_TRUE(put.has_value());
    EXPECT_EQ(put->completed, std::nullopt);
    const auto patch = task_patch_from_input(parse(R"({"completed":""})"), true, true);
    ASSERT_TRUE(patch.has_value());
    EXPECT_EQ(patch->completed, std::nullopt);
}

// --- update (PUT and PATCH) ------------------------------------------------------------------

TEST(TaskPatchFromInput, PutRequiresTheTitle) {
    const auto errors =
        errors_of(task_patch_from_input(parse(R"({"completed":true})"), false, false));
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].field, "title");
    EXPECT_EQ(errors[0].messages, Messages{"This field is required."});
}

TEST(TaskPatchFromInput, PutKeepsAbsentOptionalFields) {
    const auto patch = task_patch_from_input(parse(R"({"title":"new"})"), false, false);
    ASSERT_TRUE(patch.has_value());
    EXPECT_EQ(patch->title, "new");
    EXPECT_EQ(patch->description, std::nullopt);
    EXPECT_EQ(patch->completed, std::nullopt);
}

TEST(TaskPatchFromInput, PutFromAFormUnchecksAnAbsentCompleted) {
    const auto patch = task_patch_from_input(parse(R"({"title":"new"})"), true, false);
    ASSERT_TRUE(patch.has_value());
    EXPECT_EQ(patch->completed, false);
    EXPECT_EQ(patch->description, std::nullopt);
}

TEST(TaskPatchFromInput, PatchMakesEveryFieldOptional) {
    const auto patch = task_patch_from_input(parse("{}"), false, true);
    ASSERT_TRUE(patch.has_value());
    EXPECT_EQ(patch->title, std::nullopt);
    EXPECT_EQ(patch->description, std::nullopt);
    EXPECT_EQ(patch->completed, std::nullopt);
}

TEST(TaskPatchFromInput, PatchFromAFormLeavesAnAbsentCompletedAlone) {
    const auto patch = task_patch_from_input(parse(R"({"title":"t"})"), true, true);
    ASSERT_TRUE(patch.has_value());
    EXPECT_EQ(patch->completed, std::nullopt);
}

TEST(TaskPatchFromInput, PatchSetsOnlyWhatIsSent) {
    const auto patch =
        task_patch_from_input(parse(R"({"completed":"true","description":" d "})"), false, true);
    ASSERT_TRUE(patch.has_value());
    EXPECT_EQ(patch->title, std::nullopt);
    EXPECT_EQ(patch->description, "d");
    EXPECT_EQ(patch->completed, true);
}

TEST(TaskPatchFromInput, PatchStillValidatesWhatIsSent) {
    const auto errors =
        errors_of(task_patch_from_input(parse(R"({"title":"","completed":2})"), false, true));
    ASSERT_EQ(errors.size(), 2u);
    EXPECT_EQ(errors[0].field, "title");
    EXPECT_EQ(errors[0].messages, Messages{"This field may not be blank."});
    EXPECT_EQ(errors[1].field, "completed");
    EXPECT_EQ(errors[1].messages, Messages{"Must be a valid boolean."});
}

TEST(TaskPatchFromInput, NonObjectBodyIsANonFieldError) {
    const auto errors = errors_of(task_patch_from_input(parse("[]"), false, true));
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].field, "non_field_errors");
}

// --- numbers as they come off the wire -------------------------------------------------------

core::Result<NewTask> new_task_from_body(std::string body) {
    http::Request request;
    request.method = http::Method::kPost;
    request.content_type = "application/json";
    request.body = std::move(body);
    auto data = http::parse_body(request);
    if (!data) return std::move(data).error();
    return new_task_from_input(data->value(), data->kind() == http::DataKind::kForm);
}

TEST(NewTaskFromBody, IntegerTitleBecomesItsDecimalString) {
    EXPECT_EQ(new_task_from_body(R"({"title":-0})")->title, "0");
    EXPECT_EQ(new_task_from_body(R"({"title":12345678901234567890})")->title,
              "12345678901234567890");
}

// Python's json reads integers of any size, and str() of one is all its digits.
// Boost.JSON 1.81 reads integers beyond 64 bits as doubles, so their string form is the float's
// (docs/decisions/001, difference 10); DRF would keep every digit.
TEST(NewTaskFromBody, IntegerTitleBeyond64BitsIsReadAsAFloat) {
    const auto task = new_task_from_body(R"({"title":123456789012345678901234567890})");
    ASSERT_TRUE(task.has_value());
    EXPECT_EQ(task->title, "1.2345678901234568e+29");
}

// --- rendering -------------------------------------------------------------------------------

Task sample_task() {
    Task t;
    t.id = core::TaskId{1};
    t.title = "Buy milk";
    t.description = "";
    t.completed = false;
    t.owner = core::UserId{1};
    t.created_at = fakes::make_timestamp(2026, 11, 26, 17, 20, 5, 123456);
    t.updated_at = fakes::make_timestamp(2026, 11, 26, 17, 20, 5, 123456);
    return t;
}

TEST(TaskToJson, WritesTheExactDrfBytes) {
    EXPECT_EQ(
        task_to_json(sample_task()),
        R"({"id":1,"title":"Buy milk","description":"","completed":false,)"
        R"("created_at":"2026-11-26T17:20:05.123456Z","updated_at":"2026-11-26T17:20:05.123456Z",)"
        R"("owner":1})");
}

TEST(TaskToJson, LeavesOutZeroMicrosecondsAndWritesTrue) {
    Task t = sample_task();
    t.id = core::TaskId{42};
    t.owner = core::UserId{7};
    t.completed = true;
    t.updated_at = fakes::make_timestamp(2027, 1, 2, 3, 4, 5);
    EXPECT_EQ(task_to_json(t),
              R"({"id":42,"title":"Buy milk","description":"","completed":true,)"
              R"("created_at":"2026-11-26T17:20:05.123456Z","updated_at":"2027-01-02T03:04:05Z",)"
              R"("owner":7})");
}

TEST(TaskToJson, WritesUnicodeRawAndEscapesControlCharacters) {
    Task t = sample_task();
    t.title = "café 日本 \xF0\x9F\x98\x80";
    t.description = "line 1\nsaid \"hi\"\t\\ \x1F";
    EXPECT_EQ(task_to_json(t),
              "{\"id\":1,\"title\":\"café 日本 \xF0\x9F\x98\x80\",\"description\":"
              "\"line 1\\nsaid \\\"hi\\\"\\t\\\\ \\u001f\",\"completed\":false,"
              "\"created_at\":\"2026-11-26T17:20:05.123456Z\",\"updated_at\":\"2026-11-26T17:20:05."
              "123456Z\","
              "\"owner\":1}");
}

TEST(TaskToJson, IsValidJson) {
    Task t = sample_task();
    t.title = "\x01\x02 \"q\" \\";
    const json::value v = json::parse(task_to_json(t));
    EXPECT_EQ(v.at("title").as_string(), "\x01\x02 \"q\" \\");
    EXPECT_EQ(v.at("id").as_int64(), 1);
}

TEST(TasksToJson, EmptyListIsAnEmptyArray) { EXPECT_EQ(tasks_to_json({}), "[]"); }

TEST(TasksToJson, WritesTasksInOrderSeparatedByCommas) {
    Task second = sample_task();
    second.id = core::TaskId{2};
    EXPECT_EQ(tasks_to_json({sample_task(), second}),
              "[" + task_to_json(sample_task()) + "," + task_to_json(second) + "]");
}

TEST(AppendTaskJson, AppendsToWhatIsThere) {
    std::string out = "x";
    append_task_json(out, sample_task());
    EXPECT_EQ(out, "x" + task_to_json(sample_task()));
}

// The DRF reference's OPTIONS /api/tasks/ "actions" -> "POST" object (contract.txt).
TEST(TaskFields, DescribeThemselvesAsDrfDoes) {
    EXPECT_EQ(
        serializers::fields_metadata(kTaskFields),
        R"({"id":{"type":"integer","required":false,"read_only":true,"label":"ID"},)"
        R"("title":{"type":"string","required":true,"read_only":false,"label":"Title","max_length":255},)"
        R"("description":{"type":"string","required":false,"read_only":false,"label":"Description"},)"
        R"("completed":{"type":"boolean","required":false,"read_only":false,"label":"Completed"},)"
        R"("created_at":{"type":"datetime","required":false,"read_only":true,"label":"Created at"},)"
        R"("updated_at":{"type":"datetime","required":false,"read_only":true,"label":"Updated at"},)"
        R"("owner":{"type":"field","required":false,"read_only":true,"label":"Owner"}})");
}

// The writer is hand-written for speed; the table is the description it must follow.
TEST(TaskFields, AreTheKeysTheWriterWritesInOrderWithTheirTypes) {
    const json::value written = json::parse(task_to_json(sample_task()));
    const json::object& task = written.as_object();
    ASSERT_EQ(task.size(), kTaskFields.size());
    auto it = task.begin();
    for (const serializers::Field& field : kTaskFields) {
        EXPECT_EQ(std::string_view(it->key()), field.name);
        const json::value& v = it->value();
        switch (field.type) {
            case serializers::FieldType::kInteger:
            case serializers::FieldType::kRelatedId:
                EXPECT_TRUE(v.is_int64()) << field.name;
                break;
            case serializers::FieldType::kString:
            case serializers::FieldType::kDateTime:
                EXPECT_TRUE(v.is_string()) << field.name;
                break;
            case serializers::FieldType::kBoolean:
                EXPECT_TRUE(v.is_bool()) << field.name;
                break;
        }
        ++it;
    }
}

TEST(TaskFields, EveryWritableFieldIsValidated) {
    // A value of the wrong kind for each writable field must come back as that field's error.
    json::object wrong;
    for (const serializers::Field& field : kTaskFields) {
        if (field.read_only) continue;
        wrong[field.name] = field.type == serializers::FieldType::kBoolean
                                ? json::value("maybe")
                                : json::value(json::array{});
    }
    const auto errors = errors_of(new_task_from_input(wrong, false));
    std::vector<std::string_view> named;
    for (const auto& e : errors) named.push_back(e.field);
    std::vector<std::string_view> writable;
    for (const serializers::Field& field : kTaskFields) {
        if (!field.read_only) writable.push_back(field.name);
    }
    EXPECT_EQ(named, writable);
}

}  // namespace
}  // namespace taskapi::tasks
