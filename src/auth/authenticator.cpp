#include "auth/authenticator.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>

namespace taskapi::auth {
namespace {

// Python's bytes.split(): runs of ASCII whitespace separate the parts. Only the first three
// parts matter (two are expected), so no more are collected. Runs on every request: a table
// lookup per byte, no allocation.
struct Parts {
    std::array<std::string_view, 3> items;
    std::size_t count = 0;
};

// Whether one of the eight bytes at p is at or below ' ' (exact for "one of": the flags above a
// match may be wrong, and are not read).
bool has_byte_up_to_space(const char* p) {
    constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
    constexpr std::uint64_t kHighs = 0x8080808080808080ULL;
    std::uint64_t word = 0;
    std::memcpy(&word, p, sizeof word);
    return ((word - kOnes * 0x21) & ~word & kHighs) != 0;
}

Parts split_whitespace(std::string_view s) {
    static constexpr auto kSpace = [] {
        std::array<bool, 256> table{};
        for (const char c : {' ', '\t', '\n', '\r', '\v', '\f'}) {
            table[static_cast<unsigned char>(c)] = true;
        }
        return table;
    }();
    const auto is_space = [](char c) { return kSpace[static_cast<unsigned char>(c)]; };
    Parts parts;
    std::size_t i = 0;
    while (i < s.size() && parts.count < parts.items.size()) {
        while (i < s.size() && is_space(s[i])) ++i;
        const std::size_t start = i;
        // A token is some 200 bytes none of which is whitespace: past eight at a time while
        // none is at or below ' ' (all of Python's ASCII whitespace is), then byte by byte.
        while (i + 8 <= s.size() && !has_byte_up_to_space(s.data() + i)) i += 8;
        while (i < s.size() && !is_space(s[i])) ++i;
        if (i > start) parts.items[parts.count++] = s.substr(start, i - start);
    }
    return parts;
}

core::Error failure(std::string message, std::string reason) {
    return core::make_error(core::ErrorCode::kUnauthenticated, std::move(message),
                            std::move(reason));
}

// SimpleJWT's JWTAuthentication.get_validated_token tries each of its token classes (only
// AccessToken here) and, when none accepts the token, reports what each one said.
core::Error invalid_token(std::string message) {
    core::Error e =
        failure("Given token not valid for any token type", std::string(kTokenNotValid));
    e.messages.push_back(core::ErrorEntry{
        {"token_class", "AccessToken"}, {"token_type", "access"}, {"message", std::move(message)}});
    return e;
}

}  // namespace

core::Result<std::optional<core::Principal>> Authenticator::authenticate(
    std::optional<std::string_view> authorization) const {
    auto claimant = verify(authorization);
    if (!claimant) return std::move(claimant).error();
    if (!*claimant) return std::optional<core::Principal>{};
    auto principal = admit(**claimant, core::AccountLookup{});
    if (!principal) return std::move(principal).error();
    return std::optional<core::Principal>{std::move(principal).value()};
}

core::Result<std::optional<core::Claimant>> Authenticator::verify(
    std::optional<std::string_view> authorization) const {
    if (!authorization) return std::optional<core::Claimant>{};
    const auto parts = split_whitespace(*authorization);
    if (parts.count == 0 || std::find(header_types_.begin(), header_types_.end(), parts.items[0]) ==
                                header_types_.end()) {
        return std::optional<core::Claimant>{};
    }
    if (parts.count != 2) {
        return failure("Authorization header must contain two space-delimited values",
                       "bad_authorization_header");
    }
    auto claims = tokens_.verify_access(parts.items[1]);
    if (!claims) {
        if (claims.error().reason == kAccessTokenNotValid) {
            return invalid_token(std::move(claims).error().message);
        }
        return std::move(claims).error();
    }
    return std::optional<core::Claimant>{core::Claimant{claims->user, claims->iat}};
}

core::Result<core::Principal> Authenticator::admit(const core::Claimant& claimant,
                                                   const core::AccountLookup& lookup) const {
    std::optional<core::Account> account = lookup.account;
    if (!lookup.looked_up) {
        account = users_.find_account(claimant.id);
    }
    if (!account) return failure("User not found", "user_not_found");
    // Revoked by a password change: the answer of any invalid or expired token.
    if (users::issued_before_password_change(account->password_changed_at,
                                             claimant.token_issued_at)) {
        return invalid_token("Token is invalid or expired");
    }
    if (!account->is_active) return failure("User is inactive", "user_inactive");
    return core::Principal{account->id, std::move(account->username)};
}

}  // namespace taskapi::auth
