#include "auth/authenticator.hpp"

#include <vector>

namespace taskapi::auth {
namespace {

// Python's bytes.split(): runs of ASCII whitespace separate the parts.
std::vector<std::string_view> split_whitespace(std::string_view s) {
    const auto is_space = [](char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
    };
    std::vector<std::string_view> parts;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && is_space(s[i])) ++i;
        const std::size_t start = i;
        while (i < s.size() && !is_space(s[i])) ++i;
        if (i > start) parts.push_back(s.substr(start, i - start));
    }
    return parts;
}

core::Error failure(std::string message, std::string reason) {
    return core::make_error(core::ErrorCode::kUnauthenticated, std::move(message),
                            std::move(reason));
}

}  // namespace

core::Result<std::optional<core::Principal>> Authenticator::authenticate(
    std::optional<std::string_view> authorization) const {
    if (!authorization) return std::optional<core::Principal>{};
    const auto parts = split_whitespace(*authorization);
    if (parts.empty() || parts.front() != "Bearer") return std::optional<core::Principal>{};
    if (parts.size() != 2) {
        return failure("Authorization header must contain two space-delimited values",
                       "bad_authorization_header");
    }
    auto user_id = tokens_.verify_access(parts[1]);
    if (!user_id) return std::move(user_id).error();
    const auto user = users_.find_by_id(*user_id);
    if (!user) return failure("User not found", "user_not_found");
    if (!user->is_active) return failure("User is inactive", "user_inactive");
    return std::optional<core::Principal>{core::Principal{user->id, user->username}};
}

}  // namespace taskapi::auth
