// Storage of users, owned by the domain and implemented in storage/.
#pragma once

#include <optional>
#include <string_view>

#include "core/result.hpp"
#include "users/user.hpp"

namespace taskapi::users {

// Implementations are thread-safe. Unexpected storage failures throw storage::StorageError.
class UserRepository {
public:
    virtual ~UserRepository() = default;

    // Returns kConflict when the username is taken (usernames are case-sensitive).
    virtual core::Result<User> create(const NewUser& user) = 0;
    [[nodiscard]] virtual std::optional<User> find_by_id(core::UserId id) = 0;
    [[nodiscard]] virtual std::optional<User> find_by_username(std::string_view username) = 0;
    // What authentication checks of a user (account_of), looked up on every authenticated
    // request: a backend reads only those columns.
    [[nodiscard]] virtual std::optional<core::Account> find_account(core::UserId id) {
        auto user = find_by_id(id);
        if (!user) return std::nullopt;
        return account_of(*user);
    }
    // Replaces the hash `expected` by `replacement`, a hash of the same password with other
    // parameters: tokens stay valid, password_changed_at is kept. False, and nothing written,
    // when no such user exists or its hash is no longer `expected` (the password was changed
    // meanwhile: an upgrade must never bring back the old password).
    virtual bool replace_password_hash(core::UserId id, std::string_view expected,
                                       std::string_view replacement) = 0;
    // Sets a new password's hash and password_changed_at = `changed_at`, which revokes the
    // tokens issued before it. Returns false when no such user exists.
    virtual bool change_password(core::UserId id, std::string_view password_hash,
                                 core::Timestamp changed_at) = 0;
    // Removes the user and, with it, every task the user owns. False when no such user exists.
    virtual bool remove(core::UserId id) = 0;
};

}  // namespace taskapi::users
