// The task viewset: HTTP orchestration only (parse, call the service, render).
#pragma once

#include <string>

#include "http/request.hpp"
#include "http/response.hpp"
#include "tasks/task_service.hpp"

namespace taskapi::tasks {

class TaskHandlers {
public:
    explicit TaskHandlers(TaskService& service) : service_(service) {}

    http::Response list(const http::Request& request);
    http::Response create(const http::Request& request);
    http::Response retrieve(const http::Request& request);
    http::Response update(const http::Request& request, bool partial);
    http::Response destroy(const http::Request& request);

    // OPTIONS "actions": the writable fields for POST on the list.
    [[nodiscard]] std::string list_actions(const http::Request& request) const;
    // OPTIONS "actions" for PUT on a task, only when the caller can see that task.
    [[nodiscard]] std::string detail_actions(const http::Request& request) const;

private:
    TaskService& service_;
};

}  // namespace taskapi::tasks
