#include "auth/token_lifecycle.hpp"

#include <cstddef>
#include <string_view>

#include "users/user.hpp"

namespace taskapi::auth {
namespace {

core::Error invalid_or_expired() {
    return core::make_error(core::ErrorCode::kUnauthenticated, "Token is invalid or expired",
                            std::string(kTokenNotValid));
}

// The store keeps token ids of up to 255 bytes without NUL (SimpleJWT's OutstandingToken.jti is
// a CharField(max_length=255); PostgreSQL's text holds no NUL). A token with another id, which
// only a holder of the signing key can make, is refused before any store sees it.
constexpr std::size_t kMaxStoredJti = 255;
bool storable(std::string_view jti) {
    return jti.size() <= kMaxStoredJti && jti.find('\0') == std::string_view::npos;
}

RefreshTokenId id_of(const TokenService::Refreshable& token) {
    return RefreshTokenId{token.user, token.jti, token.exp};
}

}  // namespace

core::Error token_blacklisted() {
    return core::make_error(core::ErrorCode::kUnauthenticated, "Token is blacklisted",
                            std::string(kTokenNotValid));
}

core::Status TokenLifecycle::check_live(const std::optional<RefreshTokenRow>& row) {
    if (!row || row->state == RefreshTokenState::kIssued) return core::Ok{};
    // RFC 9700 4.14.2: a replaced refresh token used again means that two parties hold the
    // family, the client and whoever copied it; neither can be told apart, so none may go on.
    if (row->state == RefreshTokenState::kRotated) store_.revoke_family(row->user, row->family);
    return token_blacklisted();
}

core::Status TokenLifecycle::verify(std::string_view token) {
    auto verified = tokens_.verify_untyped(token);
    if (!verified) return std::move(verified).error();
    // Only refresh tokens naming a user ever get a row.
    if (verified->token_type != "refresh" || !verified->user) return core::Ok{};
    if (!storable(verified->jti)) return invalid_or_expired();
    if (const auto row = store_.find(*verified->user, verified->jti);
        row && row->state != RefreshTokenState::kIssued) {
        core::Error e;
        e.code = core::ErrorCode::kInvalidArgument;
        e.message = "Token is blacklisted";
        e.field_errors.push_back(core::FieldError{"non_field_errors", {"Token is blacklisted"}});
        return e;
    }
    return core::Ok{};
}

core::Result<TokenLifecycle::Refreshed> TokenLifecycle::refresh(std::string_view token) {
    auto presented = tokens_.verify_refresh(token);
    if (!presented) return std::move(presented).error();
    if (!storable(presented->jti)) return invalid_or_expired();
    // SimpleJWT looks at the blacklist before anything else about the token.
    if (auto live = check_live(store_.find(presented->user, presented->jti)); !live) {
        return std::move(live).error();
    }
    // Unlike SimpleJWT 5.2, a removed or deactivated user cannot refresh (API.md, difference 2),
    // nor can a token issued before the password changed.
    const auto user = users_.find_by_id(presented->user);
    if (!user || !user->is_active ||
        users::issued_before_password_change(*user,
                                             presented->iat ? presented->iat->seconds() : 0)) {
        return invalid_or_expired();
    }
    Refreshed out{tokens_.access_from_refresh(*presented), std::nullopt};
    if (!settings_.rotate_refresh_tokens) return out;
    TokenService::Minted replacement = tokens_.rotated_refresh(*presented);
    // Without blacklisting, SimpleJWT keeps the replaced token valid until it expires: nothing
    // to remember, and nothing is reuse (decision 001).
    if (settings_.blacklist_after_rotation) {
        store_.purge_expired(clock_.now());
        const auto before = store_.rotate(
            id_of(*presented), RefreshTokenId{presented->user, replacement.jti, replacement.exp});
        // Another request rotated or blacklisted it since the check above.
        if (before) {
            if (auto live = check_live(before); !live) return std::move(live).error();
        }
    }
    out.refresh = std::move(replacement.token);
    return out;
}

core::Status TokenLifecycle::blacklist(std::string_view token) {
    auto presented = tokens_.verify_refresh(token);
    if (!presented) return std::move(presented).error();
    if (!storable(presented->jti)) return invalid_or_expired();
    store_.purge_expired(clock_.now());
    if (const auto before = store_.blacklist(id_of(*presented))) {
        if (auto live = check_live(before); !live) return std::move(live).error();
    }
    return core::Ok{};
}

int revoke_refresh_tokens(RefreshTokenRepository& store, core::UserId user, core::Timestamp now) {
    store.purge_expired(now);
    return store.revoke_user(user);
}

}  // namespace taskapi::auth
