#include "tasks/task_handlers.hpp"

#include <memory>
#include <optional>
#include <utility>

#include "core/text.hpp"
#include "http/body_parser.hpp"
#include "http/error_response.hpp"
#include "serializers/metadata.hpp"
#include "tasks/task_json.hpp"

namespace taskapi::tasks {
namespace {

// The {id} path parameter as DRF's lookup reads it (int()); ids that cannot exist are "not found".
std::optional<core::TaskId> task_id(const http::Request& request) {
    if (request.path_params.empty()) return std::nullopt;
    const auto id = core::parse_int64(request.path_params.front());
    if (!id || *id <= 0) return std::nullopt;
    return core::TaskId{*id};
}

core::UserId owner(const http::Request& request) { return *request.user_id; }

// The owner's tasks as one JSON array, written a piece at a time. Each piece is one read of the
// tasks after the last one written, so a client that reads slowly never holds a database read
// open; a list longer than one piece is therefore not a single snapshot (a task created or
// deleted while it is sent may or may not be in it; every task appears at most once, in order).
class TaskListBody final : public http::BodyStream {
public:
    // With `account`, the first read also looks the owner's account up (Request::account).
    TaskListBody(TaskService& service, core::UserId owner, core::AccountLookup* account)
        : service_(service), owner_(owner), account_(account) {}

    // Appends tasks until `out` holds `budget` bytes or more (or the list is done); false when
    // the closing bracket was written.
    bool append(std::string& out, std::size_t budget) {
        if (!started_) {
            out += '[';
            started_ = true;
        }
        bool full = false;
        core::AccountLookup* account = std::exchange(account_, nullptr);
        service_.for_each(
            owner_, last_,
            [&](const Task& task) {
                if (out.size() >= budget) {
                    full = true;
                    return false;
                }
                if (last_.value != 0) out += ',';
                append_task_json(out, task);
                last_ = task.id;
                return true;
            },
            account);
        if (full) return true;
        out += ']';
        return false;
    }

    bool next(std::string& out) override { return append(out, kListPieceBytes); }

private:
    TaskService& service_;
    core::UserId owner_;
    core::AccountLookup* account_;  // the first read's only
    core::TaskId last_{0};          // ids start at 1
    bool started_ = false;
};

}  // namespace

http::Response TaskHandlers::list(const http::Request& request) {
    auto body = std::make_shared<TaskListBody>(service_, owner(request), request.account);
    http::Response r = http::json_response(200, {});
    if (body->append(r.body, kListWholeAnswerBytes)) r.rest = std::move(body);
    return r;
}

http::Response TaskHandlers::create(const http::Request& request) {
    auto data = http::parse_body(request);
    if (!data) return http::error_response(data.error());
    auto input = new_task_from_input(data->value(), data->kind() == http::DataKind::kForm);
    if (!input) return http::error_response(input.error());
    return http::json_response(201, task_to_json(service_.create(owner(request), *input)));
}

http::Response TaskHandlers::retrieve(const http::Request& request) {
    const auto id = task_id(request);
    if (!id) return http::not_found();
    auto task = service_.get(owner(request), *id, request.account);
    if (!task) return http::error_response(task.error());
    return http::json_response(200, task_to_json(*task));
}

http::Response TaskHandlers::update(const http::Request& request, bool partial) {
    // As DRF: the object lookup (404) comes before reading and validating the body.
    const auto id = task_id(request);
    if (!id) return http::not_found();
    if (auto existing = service_.get(owner(request), *id); !existing) {
        return http::error_response(existing.error());
    }
    auto data = http::parse_body(request);
    if (!data) return http::error_response(data.error());
    auto patch =
        task_patch_from_input(data->value(), data->kind() == http::DataKind::kForm, partial);
    if (!patch) return http::error_response(patch.error());
    auto task = service_.update(owner(request), *id, *patch);
    if (!task) return http::error_response(task.error());
    return http::json_response(200, task_to_json(*task));
}

http::Response TaskHandlers::destroy(const http::Request& request) {
    const auto id = task_id(request);
    if (!id) return http::not_found();
    if (auto removed = service_.remove(owner(request), *id); !removed) {
        return http::error_response(removed.error());
    }
    return http::no_content();
}

std::string TaskHandlers::list_actions(const http::Request& /*request*/) const {
    return serializers::actions_metadata("POST", kTaskFields);
}

std::string TaskHandlers::detail_actions(const http::Request& request) const {
    const auto id = task_id(request);
    if (!id || !service_.get(owner(request), *id)) return {};
    return serializers::actions_metadata("PUT", kTaskFields);
}

}  // namespace taskapi::tasks
