// The user model: an account that owns tasks and logs in with a password.
#pragma once

#include <string>

#include "core/clock.hpp"
#include "core/ids.hpp"

namespace taskapi::users {

struct User {
    core::UserId id;
    std::string username;
    std::string password_hash;  // Argon2id string; never leaves the server
    bool is_active = true;
    bool is_superuser = false;
    core::Timestamp date_joined{};
};

struct NewUser {
    std::string username;
    std::string password_hash;
    bool is_active = true;
    bool is_superuser = false;
    core::Timestamp date_joined{};
};

}  // namespace taskapi::users
