#include "tasks/task_handlers.hpp"

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/text.hpp"
#include "http/body_parser.hpp"
#include "http/error_response.hpp"
#include "http/query_string.hpp"
#include "serializers/metadata.hpp"
#include "tasks/task_json.hpp"
#include "tasks/task_list_query.hpp"

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

constexpr std::size_t kListFirstReserve = std::size_t{8} * 1024;

// The owner's tasks that a query selects as one JSON array (inside `head` and `tail`: a page's
// envelope), written a piece at a time. Each piece is one read of the tasks after the last one
// written (by id in the default order, else by position), so a client that reads slowly never
// holds a database read open; a list longer than one piece is therefore not a single snapshot
// (a task created or deleted while it is sent may or may not be in it; in the default order
// every task appears at most once, in order; in another order, one may shift by a place).
class TaskListBody final : public http::BodyStream {
public:
    // With `account`, the first read also looks the owner's account up (Request::account);
    // only the whole, unordered, unfiltered list does.
    TaskListBody(TaskService& service, core::UserId owner, TaskQuery query,
                 core::AccountLookup* account, std::string head, std::string tail)
        : service_(service),
          owner_(owner),
          query_(std::move(query)),
          account_(account),
          head_(std::move(head)),
          tail_(std::move(tail)) {}

    // Appends tasks until `out` holds `budget` bytes or more (or the list is done); false when
    // the closing bracket was written.
    bool append(std::string& out, std::size_t budget) {
        if (!started_) {
            out += head_;
            started_ = true;
        }
        bool full = false;
        const auto visit = [&](const Task& task) {
            if (out.size() >= budget) {
                full = true;
                return false;
            }
            if (written_ != 0) out += ',';
            append_task_json(out, task);
            last_ = task.id;
            ++written_;
            return true;
        };
        if (query_ == TaskQuery{}) {
            service_.for_each(owner_, last_, visit, std::exchange(account_, nullptr));
        } else {
            service_.for_each_matching(owner_, rest_of_query(), visit);
        }
        if (full) return true;
        out += tail_;
        return false;
    }

    bool next(std::string& out) override { return append(out, kListPieceBytes); }

private:
    // The query for what is still to be written.
    [[nodiscard]] TaskQuery rest_of_query() const {
        TaskQuery rest = query_;
        if (written_ != 0 && query_.has_default_order()) {
            rest.after = last_;
            rest.offset = 0;
        } else {
            rest.offset += written_;
        }
        if (rest.limit) *rest.limit -= written_;
        return rest;
    }

    TaskService& service_;
    core::UserId owner_;
    TaskQuery query_;
    core::AccountLookup* account_;  // the first read's only
    std::string head_;
    std::string tail_;
    core::TaskId last_{0};  // ids start at 1
    std::int64_t written_ = 0;
    bool started_ = false;
};

// The filters and order of ?completed=, ?search= and ?ordering= (the last value of each, as
// QueryDict.get reads it).
TaskQuery query_from(const std::vector<http::QueryItem>& params) {
    TaskQuery query;
    const auto completed = http::last_value(params, kCompletedParameter.name);
    query.completed =
        completed_filter(completed ? std::optional<std::string_view>(*completed) : std::nullopt);
    if (const auto search = http::last_value(params, kSearchParameter.name)) {
        query.search_terms = search_terms(*search);
    }
    if (const auto ordering = http::last_value(params, kOrderingParameter.name)) {
        query.ordering = task_ordering(*ordering);
    }
    return query;
}

std::optional<std::string_view> view_of(const std::optional<std::string>& value) {
    return value ? std::optional<std::string_view>(*value) : std::nullopt;
}

void append_link(std::string& out, const std::optional<std::string>& url) {
    if (url) {
        core::append_json_string(out, *url);
    } else {
        out += "null";
    }
}

}  // namespace

http::Response TaskHandlers::list(const http::Request& request) {
    const std::vector<http::QueryItem> params = http::parse_query(request.query);
    TaskQuery query = query_from(params);
    std::string head = "[";
    std::string tail = "]";
    if (list_settings_.page_size) {
        // PageNumberPagination: the count first, then the page asked for, then its links.
        const std::int64_t size =
            page_size(view_of(http::last_value(params, kPageSizeParameter.name)), *list_settings_.page_size,
                      list_settings_.max_page_size);
        const std::int64_t count = service_.count_matching(owner(request), query);
        const std::int64_t pages = page_count(count, size);
        const auto number = page_number(view_of(http::last_value(params, kPageParameter.name)), pages);
        if (!number) {
            return http::error_response(
                core::make_error(core::ErrorCode::kNotFound, "Invalid page."));
        }
        query.offset = (*number - 1) * size;
        query.limit = size;
        std::optional<std::string> next;
        std::optional<std::string> previous;
        if (*number < pages) {
            next = http::absolute_uri(
                request,
                http::replace_query_param(request.query, "page", std::to_string(*number + 1)));
        }
        if (*number > 1) {
            previous = http::absolute_uri(
                request, *number == 2 ? http::remove_query_param(request.query, "page")
                                      : http::replace_query_param(request.query, "page",
                                                                  std::to_string(*number - 1)));
        }
        head = "{\"count\":" + std::to_string(count) + ",\"next\":";
        append_link(head, next);
        head += ",\"previous\":";
        append_link(head, previous);
        head += ",\"results\":[";
        tail = "]}";
    }
    // The account comes with the read only on the plain list's path (TaskListBody).
    auto body = std::make_shared<TaskListBody>(service_, owner(request), std::move(query),
                                               request.account, std::move(head), std::move(tail));
    http::Response r = http::json_response(200, {});
    // A page of 20 short tasks fits without growing the body again and again.
    r.body.reserve(kListFirstReserve);
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
