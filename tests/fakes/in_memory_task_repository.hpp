// An in-memory TaskRepository for unit tests; the storage conformance suite proves it behaves
// like the SQLite one (owner filtering, ascending ids, ids never reused).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

#include "core/text.hpp"
#include "tasks/task_repository.hpp"

namespace taskapi::fakes {

// Thread-safe.
class InMemoryTaskRepository final : public tasks::TaskRepository {
public:
    tasks::Task create(core::UserId owner, const tasks::NewTask& task,
                       core::Timestamp now) override {
        const std::lock_guard lock(mutex_);
        tasks::Task stored;
        stored.id = core::TaskId{++last_id_};
        stored.title = task.title;
        stored.description = task.description;
        stored.completed = task.completed;
        stored.owner = owner;
        stored.created_at = now;
        stored.updated_at = now;
        tasks_.emplace(stored.id.value, stored);
        return stored;
    }

    void for_each(core::UserId owner, core::TaskId after,
                  const tasks::TaskVisitor& visit) override {
        const std::lock_guard lock(mutex_);
        for (auto it = tasks_.upper_bound(after.value); it != tasks_.end(); ++it) {
            if (it->second.owner == owner && !visit(it->second)) break;
        }
    }

    void for_each_matching(core::UserId owner, const tasks::TaskQuery& query,
                           const tasks::TaskVisitor& visit) override {
        const std::lock_guard lock(mutex_);
        std::vector<const tasks::Task*> selected = matching(owner, query);
        if (!query.has_default_order()) {
            std::stable_sort(selected.begin(), selected.end(),
                             [&query](const tasks::Task* a, const tasks::Task* b) {
                                 return comes_before(*a, *b, query.ordering);
                             });
        }
        const auto size = static_cast<std::int64_t>(selected.size());
        const std::int64_t first = std::min(query.offset, size);
        const std::int64_t last =
            query.limit ? std::min(size, first + std::max<std::int64_t>(*query.limit, 0)) : size;
        for (std::int64_t i = first; i < last; ++i) {
            if (!visit(*selected[static_cast<std::size_t>(i)])) break;
        }
    }

    [[nodiscard]] std::int64_t count_matching(core::UserId owner,
                                              const tasks::TaskQuery& query) override {
        const std::lock_guard lock(mutex_);
        tasks::TaskQuery all = query;
        all.after = core::TaskId{0};
        return static_cast<std::int64_t>(matching(owner, all).size());
    }

    [[nodiscard]] std::optional<tasks::Task> find(core::UserId owner, core::TaskId id) override {
        const std::lock_guard lock(mutex_);
        const auto it = tasks_.find(id.value);
        if (it == tasks_.end() || it->second.owner != owner) return std::nullopt;
        return it->second;
    }

    std::optional<tasks::Task> update(core::UserId owner, core::TaskId id,
                                      const tasks::TaskPatch& patch, core::Timestamp now) override {
        const std::lock_guard lock(mutex_);
        const auto it = tasks_.find(id.value);
        if (it == tasks_.end() || it->second.owner != owner) return std::nullopt;
        tasks::Task& task = it->second;
        if (patch.title) task.title = *patch.title;
        if (patch.description) task.description = *patch.description;
        if (patch.completed) task.completed = *patch.completed;
        task.updated_at = now;
        return task;
    }

    bool remove(core::UserId owner, core::TaskId id) override {
        const std::lock_guard lock(mutex_);
        const auto it = tasks_.find(id.value);
        if (it == tasks_.end() || it->second.owner != owner) return false;
        tasks_.erase(it);
        return true;
    }

    // What ON DELETE CASCADE does when a user is removed; returns how many tasks went.
    std::size_t remove_all_owned_by(core::UserId owner) {
        const std::lock_guard lock(mutex_);
        return static_cast<std::size_t>(std::erase_if(
            tasks_, [owner](const auto& entry) { return entry.second.owner == owner; }));
    }

    // Every stored task, whoever owns it (for assertions).
    [[nodiscard]] std::size_t size() const {
        const std::lock_guard lock(mutex_);
        return tasks_.size();
    }

private:
    // The owner's tasks that the query's filters select, in ascending id order.
    std::vector<const tasks::Task*> matching(core::UserId owner, const tasks::TaskQuery& query) {
        std::vector<std::string> terms;
        for (const auto& term : query.search_terms) terms.push_back(core::ascii_lower(term));
        std::vector<const tasks::Task*> out;
        for (auto it = tasks_.upper_bound(query.has_default_order() ? query.after.value : 0);
             it != tasks_.end(); ++it) {
            const tasks::Task& task = it->second;
            if (task.owner != owner) continue;
            if (query.completed && task.completed != *query.completed) continue;
            const std::string title = core::ascii_lower(task.title);
            const std::string description = core::ascii_lower(task.description);
            const bool found = std::all_of(terms.begin(), terms.end(),
                                           [&title, &description](const std::string& term) {
                                               return title.find(term) != std::string::npos ||
                                                      description.find(term) != std::string::npos;
                                           });
            if (found) out.push_back(&task);
        }
        return out;
    }

    // The query's order; ties fall back to ascending id (the caller's stable sort of a list in
    // id order).
    static bool comes_before(const tasks::Task& a, const tasks::Task& b,
                             const std::vector<tasks::TaskOrder>& ordering) {
        for (const tasks::TaskOrder& order : ordering) {
            const int c = compare(a, b, order.field);
            if (c != 0) return order.descending ? c > 0 : c < 0;
        }
        return false;
    }

    static int compare(const tasks::Task& a, const tasks::Task& b, tasks::TaskField field) {
        const auto three_way = [](const auto& x, const auto& y) {
            return x < y ? -1 : y < x ? 1 : 0;
        };
        switch (field) {
            case tasks::TaskField::kId:
                return three_way(a.id.value, b.id.value);
            case tasks::TaskField::kTitle:
                // Byte order, as SQLite's BINARY and PostgreSQL's "C" collations.
                return a.title.compare(b.title) < 0 ? -1 : a.title == b.title ? 0 : 1;
            case tasks::TaskField::kCreatedAt:
                return three_way(a.created_at, b.created_at);
            case tasks::TaskField::kUpdatedAt:
                return three_way(a.updated_at, b.updated_at);
            case tasks::TaskField::kCompleted:
                return three_way(a.completed, b.completed);
        }
        return 0;
    }

    mutable std::mutex mutex_;
    std::int64_t last_id_ = 0;                   // AUTOINCREMENT: ids are never reused
    std::map<std::int64_t, tasks::Task> tasks_;  // ordered by id
};

}  // namespace taskapi::fakes
