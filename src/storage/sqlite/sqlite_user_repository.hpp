// Users in SQLite.
#pragma once

#include "storage/sqlite/sqlite_db.hpp"
#include "users/user_repository.hpp"

namespace taskapi::storage::sqlite {

class SqliteUserRepository final : public users::UserRepository {
public:
    explicit SqliteUserRepository(Database& db) : db_(db) {}

    core::Result<users::User> create(const users::NewUser& user) override;
    std::optional<users::User> find_by_id(core::UserId id) override;
    std::optional<core::Account> find_account(core::UserId id) override;
    std::optional<users::User> find_by_username(std::string_view username) override;
    bool replace_password_hash(core::UserId id, std::string_view expected,
                               std::string_view replacement) override;
    bool change_password(core::UserId id, std::string_view password_hash,
                         core::Timestamp changed_at) override;
    bool remove(core::UserId id) override;

private:
    Database& db_;
};

// The account of user `id` (SqliteUserRepository::find_account) on connection `c`: also for the
// task reads that look the owner's account up (tasks::TaskRepository::for_each_with_account).
std::optional<core::Account> find_account(Connection& c, core::UserId id);

}  // namespace taskapi::storage::sqlite
