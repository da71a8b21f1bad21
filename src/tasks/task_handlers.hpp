// The task viewset: HTTP orchestration only (parse, call the service, render).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "http/request.hpp"
#include "http/response.hpp"
#include "tasks/task_service.hpp"

namespace taskapi::tasks {

// A list answer is held whole up to this size (and sent with Content-Length, as the contract
// shows); a longer one is produced in pieces of kListPieceBytes as the client takes them.
inline constexpr std::size_t kListWholeAnswerBytes = std::size_t{1024} * 1024;
inline constexpr std::size_t kListPieceBytes = std::size_t{64} * 1024;

// How the list is paginated (TASKAPI_PAGE_SIZE, TASKAPI_MAX_PAGE_SIZE).
struct TaskListSettings {
    // Tasks per page: DRF's PAGE_SIZE. nullopt: no pagination, the bare array.
    std::optional<std::int64_t> page_size;
    // The most ?page_size= may ask for (PageNumberPagination.max_page_size).
    std::int64_t max_page_size = 100;
};

class TaskHandlers {
public:
    explicit TaskHandlers(TaskService& service, TaskListSettings list_settings = {})
        : service_(service), list_settings_(list_settings) {}

    // The caller's tasks, as ?completed=, ?search= and ?ordering= select and order them
    // (docs/api.md); with a page size, one page of them in DRF's envelope {"count", "next",
    // "previous", "results"}, or 404 "Invalid page.". Beyond kListWholeAnswerBytes the
    // answer's `rest` produces the others.
    http::Response list(const http::Request& request);
    http::Response create(const http::Request& request);
    http::Response retrieve(const http::Request& request);
    http::Response update(const http::Request& request, bool partial);
    http::Response destroy(const http::Request& request);

    // OPTIONS "actions" of the list: {"POST": the description of kTaskFields}.
    [[nodiscard]] std::string list_actions(const http::Request& request) const;
    // OPTIONS "actions" of a task, {"PUT": ...}, only when the caller can see that task.
    [[nodiscard]] std::string detail_actions(const http::Request& request) const;

private:
    TaskService& service_;
    TaskListSettings list_settings_;
};

}  // namespace taskapi::tasks
