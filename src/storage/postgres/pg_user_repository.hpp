// users::UserRepository on PostgreSQL.
#pragma once

#include "storage/postgres/pg_pool.hpp"
#include "users/user_repository.hpp"

namespace taskapi::storage::postgres {

// Thread-safe (each call leases a connection). Throws UnavailableError when the database
// cannot be reached, StorageError on anything else unexpected.
class PgUserRepository final : public users::UserRepository {
public:
    explicit PgUserRepository(Pool& pool) : pool_(pool) {}

    core::Result<users::User> create(const users::NewUser& user) override;
    [[nodiscard]] std::optional<users::User> find_by_id(core::UserId id) override;
    [[nodiscard]] std::optional<core::Account> find_account(core::UserId id) override;
    // A name no user can have (not UTF-8, or with a NUL, which PostgreSQL text cannot hold) is
    // simply not found.
    [[nodiscard]] std::optional<users::User> find_by_username(std::string_view username) override;
    bool replace_password_hash(core::UserId id, std::string_view expected,
                               std::string_view replacement) override;
    bool change_password(core::UserId id, std::string_view password_hash,
                         core::Timestamp changed_at) override;
    bool remove(core::UserId id) override;

private:
    Pool& pool_;
};

}  // namespace taskapi::storage::postgres
