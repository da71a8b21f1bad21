// The user model: an account that owns tasks and logs in with a password.
#pragma once

#include <cstdint>
#include <string>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/principal.hpp"

namespace taskapi::users {

struct User {
    core::UserId id;
    std::string username;
    std::string password_hash;  // Argon2id string; never leaves the server
    bool is_active = true;
    bool is_superuser = false;
    core::Timestamp date_joined{};
    // When the password was last changed; the epoch (0) when it never was. Tokens issued
    // before the second in which it changed are revoked.
    core::Timestamp password_changed_at{};
};

// True when a token issued at `iat` (seconds since the epoch, JWT; a fraction is possible) was
// issued before the user's last password change: before the end of the second in which it
// happened.
[[nodiscard]] inline bool issued_before_password_change(core::Timestamp password_changed_at,
                                                        double iat) {
    return password_changed_at != core::Timestamp{} &&
           iat < static_cast<double>(core::to_unix_seconds(password_changed_at) + 1);
}
[[nodiscard]] inline bool issued_before_password_change(const User& user, double iat) {
    return issued_before_password_change(user.password_changed_at, iat);
}

// What authentication checks of the user (core::Account).
[[nodiscard]] inline core::Account account_of(const User& user) {
    return core::Account{.id = user.id,
                         .username = user.username,
                         .is_active = user.is_active,
                         .password_changed_at = user.password_changed_at};
}

struct NewUser {
    std::string username;
    std::string password_hash;
    bool is_active = true;
    bool is_superuser = false;
    core::Timestamp date_joined{};
};

}  // namespace taskapi::users
