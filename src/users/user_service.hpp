// Business rules for accounts: creation, passwords, removal and the credential check of a login.
#pragma once

#include <optional>
#include <string_view>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "passwords/password_hasher.hpp"
#include "users/user.hpp"
#include "users/user_repository.hpp"

namespace taskapi::users {

inline constexpr std::size_t kUsernameMaxLength = 150;
inline constexpr std::size_t kPasswordMinLength = 8;
inline constexpr std::size_t kPasswordMaxLength = 4096;

struct NewAccount {
    std::string username;
    std::string password;
    bool is_superuser = false;
    bool is_active = true;
};

// kUnauthenticated with SimpleJWT's message: what every failed login answers, whatever failed.
[[nodiscard]] core::Error login_failed();

// Thread-safe. Hashing is slow: callers on I/O threads must hand login() to a worker pool.
class UserService {
public:
    UserService(UserRepository& repository, const passwords::PasswordHasher& hasher,
                const core::Clock& clock)
        : repository_(repository), hasher_(hasher), clock_(clock) {}

    // Stores the username in NFKC form (normalize_username), as Django does. kInvalidArgument for
    // a bad username or password, kConflict when the (normalized) username is taken.
    core::Result<User> create_user(const NewAccount& account);
    // A self-registered account (POST /api/auth/register/), active, not a superuser: the
    // username stored in NFKC form, the password hashed (slow: not on an I/O thread). The caller
    // has validated both (Django's username rules and password validators); kConflict when the
    // normalized username is taken, also by a registration of the same name at the same time.
    core::Result<User> register_user(std::string_view username, std::string_view password);
    // Also revokes every token issued before now (User::password_changed_at). kNotFound for an
    // unknown user, kInvalidArgument for a bad password.
    core::Status change_password(std::string_view username, std::string_view password);
    // Removes the user and the user's tasks; kNotFound for an unknown user.
    core::Status delete_user(std::string_view username);

    // The active user with these credentials, or kUnauthenticated. Unknown users, wrong passwords
    // and inactive users fail alike and take the same time (one Argon2id verification each).
    core::Result<User> login(std::string_view username, std::string_view password);

    [[nodiscard]] std::optional<User> find(core::UserId id);
    [[nodiscard]] bool username_taken(std::string_view username);

    // False for a name no account can have because it is too long (more than 150 characters):
    // a login can fail at once, without a lookup or a hash.
    [[nodiscard]] static bool could_be_username(std::string_view username);

    // Username rules (Django's): 1 to 150 characters, letters, digits and @ . + - _ only.
    [[nodiscard]] static core::Status check_username(std::string_view username);
    // Django's UnicodeUsernameValidator (^[\w.@+-]+\Z) as check_username applies it: not empty,
    // valid UTF-8, only allowed characters (any length).
    [[nodiscard]] static bool has_username_characters(std::string_view username);
    [[nodiscard]] static core::Status check_password(std::string_view password);

private:
    UserRepository& repository_;
    const passwords::PasswordHasher& hasher_;
    const core::Clock& clock_;
};

}  // namespace taskapi::users
