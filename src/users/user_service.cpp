#include "users/user_service.hpp"

#include <algorithm>

#include "core/text.hpp"
#include "users/username.hpp"

namespace taskapi::users {
namespace {

core::Error invalid(std::string message) {
    return core::make_error(core::ErrorCode::kInvalidArgument, std::move(message));
}

core::Error no_such_user(std::string_view username) {
    return core::make_error(core::ErrorCode::kNotFound,
                            "no user named '" + std::string(username) + "'");
}

// Django's username rule is ^[\w.@+-]+$: letters and digits of any script. Without Unicode
// tables this keeps ASCII letters, digits and @.+-_, and refuses the non-ASCII blocks that hold
// spaces, controls, punctuation and symbols; letters of other scripts pass.
bool is_username_code_point(char32_t c) {
    if (c < 0x80) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '@' || c == '.' || c == '+' || c == '-' || c == '_';
    }
    const auto in = [c](char32_t lo, char32_t hi) { return c >= lo && c <= hi; };
    return !(in(0x80, 0xBF) || c == 0xD7 || c == 0xF7 || in(0x2000, 0x2BFF) || in(0x3000, 0x303F) ||
             in(0xE000, 0xF8FF) || in(0xFE00, 0xFE0F) || in(0xFE10, 0xFE6F) || in(0xFF00, 0xFF0F) ||
             in(0xFF1A, 0xFF20) || in(0xFF3B, 0xFF40) || in(0xFF5B, 0xFF65) || in(0xFFF0, 0xFFFF) ||
             in(0x1F000, 0x1FAFF) || in(0xE0000, 0x10FFFF) || c == 0x1680 || c == 0x180E);
}

}  // namespace

bool UserService::could_be_username(std::string_view username) {
    // Bytes first: a name of at most 150 bytes has at most 150 characters.
    return username.size() <= kUsernameMaxLength ||
           core::count_code_points(username) <= kUsernameMaxLength;
}

core::Error login_failed() {
    return core::make_error(core::ErrorCode::kUnauthenticated,
                            "No active account found with the given credentials");
}

core::Status UserService::check_username(std::string_view username) {
    if (username.empty()) return invalid("the username may not be empty");
    std::u32string code_points;
    if (!core::decode_utf8(username, code_points)) {
        return invalid("the username is not valid UTF-8");
    }
    if (code_points.size() > kUsernameMaxLength) {
        return invalid("the username may have at most 150 characters");
    }
    for (const char32_t c : code_points) {
        if (!is_username_code_point(c)) {
            return invalid("the username may contain only letters, digits and @ . + - _");
        }
    }
    return core::Ok{};
}

bool UserService::has_username_characters(std::string_view username) {
    std::u32string code_points;
    if (username.empty() || !core::decode_utf8(username, code_points)) return false;
    return std::all_of(code_points.begin(), code_points.end(), is_username_code_point);
}

core::Status UserService::check_password(std::string_view password) {
    if (!core::is_valid_utf8(password)) return invalid("the password is not valid UTF-8");
    // Logins trim surrounding whitespace (as DRF does), so such a password could never be used.
    if (core::strip_whitespace(password).size() != password.size()) {
        return invalid("the password may not begin or end with whitespace");
    }
    if (core::count_code_points(password) < kPasswordMinLength) {
        return invalid("the password must have at least 8 characters");
    }
    if (password.size() > kPasswordMaxLength) return invalid("the password is too long");
    return core::Ok{};
}

core::Result<User> UserService::create_user(const NewAccount& account) {
    // As Django's UserManager.create_user: the name is stored in NFKC form.
    std::string username = normalize_username(account.username);
    if (auto ok = check_username(username); !ok) return std::move(ok).error();
    if (auto ok = check_password(account.password); !ok) return std::move(ok).error();
    NewUser user;
    user.username = std::move(username);
    user.password_hash = hasher_.hash(account.password);
    user.is_active = account.is_active;
    user.is_superuser = account.is_superuser;
    user.date_joined = clock_.now();
    return repository_.create(user);
}

core::Result<User> UserService::register_user(std::string_view username,
                                              std::string_view password) {
    NewUser user;
    // As Django's UserManager.create_user, which a registration serializer's create() calls.
    user.username = normalize_username(username);
    user.password_hash = hasher_.hash(password);
    user.date_joined = clock_.now();
    return repository_.create(user);
}

core::Status UserService::change_password(std::string_view username, std::string_view password) {
    const auto user = repository_.find_by_username(username);
    if (!user) return no_such_user(username);
    if (auto ok = check_password(password); !ok) return std::move(ok).error();
    if (!repository_.change_password(user->id, hasher_.hash(password), clock_.now())) {
        return no_such_user(username);
    }
    return core::Ok{};
}

core::Status UserService::delete_user(std::string_view username) {
    const auto user = repository_.find_by_username(username);
    if (!user || !repository_.remove(user->id)) return no_such_user(username);
    return core::Ok{};
}

core::Result<User> UserService::login(std::string_view username, std::string_view password) {
    auto user = repository_.find_by_username(username);
    bool ok = false;
    if (user) {
        ok = hasher_.verify(user->password_hash, password) && user->is_active;
    } else {
        hasher_.verify_dummy(password);
    }
    if (!ok) return login_failed();
    if (hasher_.needs_rehash(user->password_hash)) {
        // Made with older parameters: store a hash with today's, as Django does on login, unless
        // the password was changed while this one was being checked. The login goes on either way.
        (void)repository_.replace_password_hash(user->id, user->password_hash,
                                                hasher_.hash(password));
    }
    // Checking the password takes a while: if it was changed (or the user removed or
    // deactivated) meanwhile, the tokens about to be issued would outlive that change.
    auto current = repository_.find_by_id(user->id);
    if (!current || !current->is_active ||
        current->password_changed_at != user->password_changed_at) {
        return login_failed();
    }
    return std::move(*current);
}

std::optional<User> UserService::find(core::UserId id) { return repository_.find_by_id(id); }

bool UserService::username_taken(std::string_view username) {
    return repository_.find_by_username(username).has_value();
}

}  // namespace taskapi::users
