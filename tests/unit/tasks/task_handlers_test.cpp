#include "tasks/task_handlers.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "fakes/fixed_clock.hpp"
#include "fakes/in_memory_task_repository.hpp"
#include "http/request.hpp"
#include "http/response.hpp"
#include "serializers/metadata.hpp"
#include "tasks/task_json.hpp"

namespace taskapi::tasks {
namespace {

using namespace std::chrono_literals;

constexpr core::UserId kAlice{1};
constexpr core::UserId kBob{2};

class TaskHandlersTest : public ::testing::Test {
protected:
    static http::Request request(core::UserId user, http::Method method,
                                 std::vector<std::string> params = {},
                                 std::optional<std::string> content_type = std::nullopt,
                                 std::string body = {}) {
        return http::Request{.method = method,
                             .content_type = std::move(content_type),
                             .body = std::move(body),
                             .path_params = std::move(params),
                             .user_id = user};
    }

    static http::Request json(core::UserId user, http::Method method,
                              std::vector<std::string> params, std::string body) {
        return request(user, method, std::move(params), "application/json", std::move(body));
    }

    Task add(core::UserId owner, std::string title) {
        return service_.create(owner, NewTask{.title = std::move(title)});
    }

    fakes::FixedClock clock_;
    fakes::InMemoryTaskRepository repository_;
    TaskService service_{repository_, clock_};
    TaskHandlers handlers_{service_};
};

TEST_F(TaskHandlersTest, CreateAnswers201WithTheNewTask) {
    const http::Response r =
        handlers_.create(json(kAlice, http::Method::kPost, {}, R"({"title":" Buy milk "})"));
    EXPECT_EQ(r.status, 201);
    EXPECT_EQ(r.content_type, "application/json");
    EXPECT_EQ(
        r.body,
        R"({"id":1,"title":"Buy milk","description":"","completed":false,)"
        R"("created_at":"2026-11-26T17:20:05.123456Z","updated_at":"2026-11-26T17:20:05.123456Z",)"
        R"("owner":1})");
    EXPECT_EQ(service_.list(kAlice).size(), 1u);
}

TEST_F(TaskHandlersTest, CreateIgnoresAnOwnerInTheBody) {
    const http::Response r = handlers_.create(
        json(kAlice, http::Method::kPost, {}, R"({"title":"t","owner":2,"id":50})"));
    EXPECT_EQ(r.status, 201);
    EXPECT_TRUE(service_.list(kBob).empty());
    EXPECT_EQ(service_.list(kAlice).at(0).id, core::TaskId{1});
}

TEST_F(TaskHandlersTest, CreateFromAFormIsNotCompleted) {
    const http::Response r = handlers_.create(request(
        kAlice, http::Method::kPost, {}, "application/x-www-form-urlencoded", "title=From+a+form"));
    EXPECT_EQ(r.status, 201);
    EXPECT_EQ(service_.list(kAlice).at(0).title, "From a form");
    EXPECT_FALSE(service_.list(kAlice).at(0).completed);
}

TEST_F(TaskHandlersTest, CreateWithInvalidInputAnswers400WithFieldErrors) {
    const http::Response r = handlers_.create(
        json(kAlice, http::Method::kPost, {}, R"({"title":"","completed":"maybe"})"));
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(
        r.body,
        R"({"title":["This field may not be blank."],"completed":["Must be a valid boolean."]})");
    EXPECT_TRUE(service_.list(kAlice).empty());
}

TEST_F(TaskHandlersTest, CreateWithANonObjectBodyAnswersNonFieldErrors) {
    const http::Response r = handlers_.create(json(kAlice, http::Method::kPost, {}, "[]"));
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.body,
              R"({"non_field_errors":["Invalid data. Expected a dictionary, but got list."]})");
}

TEST_F(TaskHandlersTest, CreateWithMalformedJsonAnswers400Detail) {
    const http::Response r =
        handlers_.create(json(kAlice, http::Method::kPost, {}, R"({"title":)"));
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.body.rfind(R"({"detail":"JSON parse error - )", 0), 0u) << r.body;
}

TEST_F(TaskHandlersTest, CreateWithAnUnsupportedMediaTypeAnswers415) {
    const http::Response r =
        handlers_.create(request(kAlice, http::Method::kPost, {}, "text/plain", "title"));
    EXPECT_EQ(r.status, 415);
    EXPECT_EQ(r.body, R"({"detail":"Unsupported media type \"text/plain\" in request."})");
}

TEST_F(TaskHandlersTest, CreateWithAnEmptyBodyNeedsATitle) {
    const http::Response r = handlers_.create(request(kAlice, http::Method::kPost));
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.body, R"({"title":["This field is required."]})");
}

TEST_F(TaskHandlersTest, ListAnswersTheCallersTasksOnly) {
    const Task a = add(kAlice, "a");
    add(kBob, "b");
    const http::Response r = handlers_.list(request(kAlice, http::Method::kGet));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, tasks_to_json({a}));
    EXPECT_EQ(r.body.front(), '[');
    EXPECT_EQ(handlers_.list(request(core::UserId{3}, http::Method::kGet)).body, "[]");
}

TEST_F(TaskHandlersTest, ListAppliesFilterSearchAndOrdering) {
    const Task a = add(kAlice, "Buy milk");
    const Task b = add(kAlice, "buy bread");
    add(kAlice, "Write report");
    add(kBob, "buy milk too");
    http::Request r = request(kAlice, http::Method::kGet);
    r.query = "search=BUY&ordering=-title&completed=nonsense";
    EXPECT_EQ(handlers_.list(r).body, tasks_to_json({b, a}));
}

TEST_F(TaskHandlersTest, PaginatedListAnswersDrfsEnvelopeWithAbsoluteLinks) {
    TaskHandlers paged{service_, TaskListSettings{.page_size = 2, .max_page_size = 5}};
    std::vector<Task> tasks;
    for (const char* title : {"a", "b", "c", "d", "e"}) tasks.push_back(add(kAlice, title));
    http::Request r = request(kAlice, http::Method::kGet);
    r.host = "api.example:8000";
    r.path = "/api/tasks/";
    r.query = "page=2&search=";
    const http::Response second = paged.list(r);
    EXPECT_EQ(second.status, 200);
    EXPECT_EQ(second.body,
              R"({"count":5,"next":"http://api.example:8000/api/tasks/?page=3&search=",)"
              R"("previous":"http://api.example:8000/api/tasks/?search=","results":)" +
                  tasks_to_json({tasks[2], tasks[3]}) + "}");
    r.query = "page=last&page_size=4";
    EXPECT_EQ(
        paged.list(r).body,
        R"({"count":5,"next":null,"previous":"http://api.example:8000/api/tasks/?page_size=4",)"
        R"("results":)" +
            tasks_to_json({tasks[4]}) + "}");
    r.query = "page=4";
    const http::Response missing = paged.list(r);
    EXPECT_EQ(missing.status, 404);
    EXPECT_EQ(missing.body, R"({"detail":"Invalid page."})");
    r.user_id = kBob;
    r.query = {};
    EXPECT_EQ(paged.list(r).body, R"({"count":0,"next":null,"previous":null,"results":[]})");
}

TEST_F(TaskHandlersTest, RetrieveAnswersTheTask) {
    const Task a = add(kAlice, "a");
    const http::Response r = handlers_.retrieve(request(kAlice, http::Method::kGet, {"1"}));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, task_to_json(a));
}

TEST_F(TaskHandlersTest, RetrievingAnotherUsersTaskIsNotFound) {
    add(kAlice, "a");
    const http::Response r = handlers_.retrieve(request(kBob, http::Method::kGet, {"1"}));
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.body, R"({"detail":"Not found."})");
}

TEST_F(TaskHandlersTest, IdsThatCannotExistAreNotFound) {
    add(kAlice, "a");
    for (const char* id : {"0", "-1", "abc", "1.0", "99999999999999999999", "0x1", ""}) {
        const http::Response r = handlers_.retrieve(request(kAlice, http::Method::kGet, {id}));
        EXPECT_EQ(r.status, 404) << id;
        EXPECT_EQ(r.body, R"({"detail":"Not found."})") << id;
    }
}

TEST_F(TaskHandlersTest, IdsAreReadAsPythonIntReadsThem) {
    add(kAlice, "a");
    EXPECT_EQ(handlers_.retrieve(request(kAlice, http::Method::kGet, {"01"})).status, 200);
    EXPECT_EQ(handlers_.retrieve(request(kAlice, http::Method::kGet, {"+1"})).status, 200);
}

TEST_F(TaskHandlersTest, PutReplacesTheTitleAndKeepsAbsentFields) {
    service_.create(kAlice, NewTask{.title = "t", .description = "keep me", .completed = true});
    clock_.advance(5s);
    const http::Response r =
        handlers_.update(json(kAlice, http::Method::kPut, {"1"}, R"({"title":"new"})"), false);
    EXPECT_EQ(r.status, 200);
    const auto task = service_.get(kAlice, core::TaskId{1});
    ASSERT_TRUE(task.has_value());
    EXPECT_EQ(task->title, "new");
    EXPECT_EQ(task->description, "keep me");
    EXPECT_TRUE(task->completed);
    EXPECT_EQ(task->updated_at, clock_.now());
    EXPECT_EQ(r.body, task_to_json(*task));
}

TEST_F(TaskHandlersTest, PutWithoutATitleIs400) {
    add(kAlice, "t");
    const http::Response r =
        handlers_.update(json(kAlice, http::Method::kPut, {"1"}, R"({"completed":true})"), false);
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.body, R"({"title":["This field is required."]})");
}

TEST_F(TaskHandlersTest, PatchChangesOnlyWhatIsSent) {
    add(kAlice, "t");
    const http::Response r =
        handlers_.update(json(kAlice, http::Method::kPatch, {"1"}, R"({"completed":"on"})"), true);
    EXPECT_EQ(r.status, 200);
    const auto task = service_.get(kAlice, core::TaskId{1});
    EXPECT_EQ(task->title, "t");
    EXPECT_TRUE(task->completed);
}

TEST_F(TaskHandlersTest, UpdatingAnotherUsersTaskIsNotFoundBeforeValidation) {
    add(kAlice, "t");
    for (const char* body : {R"({"title":""})", R"({"title":)", "[]", R"({"title":"stolen"})"}) {
        const http::Response put =
            handlers_.update(json(kBob, http::Method::kPut, {"1"}, body), false);
        EXPECT_EQ(put.status, 404) << body;
        EXPECT_EQ(put.body, R"({"detail":"Not found."})") << body;
        const http::Response patch =
            handlers_.update(json(kBob, http::Method::kPatch, {"1"}, body), true);
        EXPECT_EQ(patch.status, 404) << body;
    }
    const http::Response unsupported =
        handlers_.update(request(kBob, http::Method::kPut, {"1"}, "text/plain", "x"), false);
    EXPECT_EQ(unsupported.status, 404);
    EXPECT_EQ(service_.get(kAlice, core::TaskId{1})->title, "t");
}

TEST_F(TaskHandlersTest, UpdatingAMissingTaskIsNotFoundBeforeValidation) {
    const http::Response r = handlers_.update(json(kAlice, http::Method::kPut, {"7"}, "{"), false);
    EXPECT_EQ(r.status, 404);
}

TEST_F(TaskHandlersTest, DestroyAnswers204WithoutABody) {
    add(kAlice, "t");
    const http::Response r = handlers_.destroy(request(kAlice, http::Method::kDelete, {"1"}));
    EXPECT_EQ(r.status, 204);
    EXPECT_EQ(r.body, "");
    EXPECT_EQ(r.content_type, "");
    EXPECT_EQ(handlers_.destroy(request(kAlice, http::Method::kDelete, {"1"})).status, 404);
}

TEST_F(TaskHandlersTest, DestroyingAnotherUsersTaskIsNotFound) {
    add(kAlice, "t");
    EXPECT_EQ(handlers_.destroy(request(kBob, http::Method::kDelete, {"1"})).status, 404);
    EXPECT_TRUE(service_.get(kAlice, core::TaskId{1}).has_value());
}

TEST_F(TaskHandlersTest, ListActionsDescribePost) {
    EXPECT_EQ(handlers_.list_actions(request(kAlice, http::Method::kOptions)),
              "{\"POST\":" + serializers::fields_metadata(kTaskFields) + "}");
}

TEST_F(TaskHandlersTest, DetailActionsOnlyForTheOwner) {
    add(kAlice, "t");
    EXPECT_EQ(handlers_.detail_actions(request(kAlice, http::Method::kOptions, {"1"})),
              "{\"PUT\":" + serializers::fields_metadata(kTaskFields) + "}");
    EXPECT_EQ(handlers_.detail_actions(request(kBob, http::Method::kOptions, {"1"})), "");
    EXPECT_EQ(handlers_.detail_actions(request(kAlice, http::Method::kOptions, {"2"})), "");
    EXPECT_EQ(handlers_.detail_actions(request(kAlice, http::Method::kOptions, {"x"})), "");
}

}  // namespace
}  // namespace taskapi::tasks
