#include "auth/token_service.hpp"

#include <atomic>
#include <functional>
#include <string>
#include <unordered_map>

#include "auth/jwt.hpp"

namespace taskapi::auth {
namespace {

std::atomic<std::uint64_t> g_next_instance{1};

// Access tokens this thread has verified (a client sends the same token with every request):
// the signature, structure and claims of a token string never change, only time passes.
struct VerifiedAccess {
    std::uint64_t service = 0;
    std::int64_t exp = 0;
    core::UserId user;
    double iat = 0;
};
struct TransparentHash {
    using is_transparent = void;  // NOLINT(readability-identifier-naming): the standard's name
    std::size_t operator()(std::string_view s) const noexcept {
        return std::hash<std::string_view>{}(s);
    }
};
constexpr std::size_t kVerifiedCacheEntries = 4096;
thread_local std::unordered_map<std::string, VerifiedAccess, TransparentHash, std::equal_to<>>
    t_verified_access;

core::Error token_error(std::string message, std::string_view reason) {
    return core::make_error(core::ErrorCode::kUnauthenticated, std::move(message),
                            std::string(reason));
}

double seconds_since_epoch(core::Timestamp t) {
    return static_cast<double>(t.time_since_epoch().count()) / 1e6;
}

}  // namespace

TokenService::TokenService(TokenSettings settings, const core::Clock& clock)
    : settings_(std::move(settings)), clock_(clock), instance_(g_next_instance.fetch_add(1)) {}

std::string TokenService::mint(std::string_view type, core::UserId user, std::int64_t now,
                               std::chrono::seconds lifetime) const {
    TokenClaims claims;
    claims.token_type = std::string(type);
    claims.exp = now + lifetime.count();
    claims.iat = NumericDate{now};
    claims.jti = random_jti();
    claims.user_id = user.value;
    return encode_hs256(claims, settings_.signing_key);
}

TokenPair TokenService::issue_pair(core::UserId user, core::Timestamp issued_after) const {
    // iat has whole seconds, and a token is valid only when its iat is later than the second of
    // the last password change: a login within that second waits for the next one. A clock
    // further behind (another host's, or one set back) is not waited for; the tokens then work
    // once it has passed the change.
    const core::Timestamp next_second =
        std::chrono::floor<std::chrono::seconds>(issued_after) + std::chrono::seconds{1};
    if (const auto early = next_second - clock_.now();
        early > std::chrono::seconds{0} && early <= std::chrono::seconds{1}) {
        clock_.sleep_until(next_second);
    }
    const std::int64_t now = core::to_unix_seconds(clock_.now());
    return TokenPair{mint("refresh", user, now, settings_.refresh_lifetime),
                     mint("access", user, now, settings_.access_lifetime)};
}

// SimpleJWT's order of checks: signature and times, then exp present, jti present, token type.
core::Result<TokenService::Refreshable> TokenService::check(std::string_view token,
                                                            std::string_view expected_type,
                                                            std::string_view reason) const {
    const auto claims =
        verify_hs256(token, settings_.signing_key, seconds_since_epoch(clock_.now()));
    if (!claims) return token_error("Token is invalid or expired", reason);
    if (!claims->has_exp) return token_error("Token has no 'exp' claim", reason);
    if (!claims->has_jti) return token_error("Token has no id", reason);
    if (!claims->token_type) return token_error("Token has no type", reason);
    if (*claims->token_type != expected_type) return token_error("Token has wrong type", reason);
    if (!claims->has_user_id || !claims->user_id_valid) {
        return token_error("Token contained no recognizable user identification", kTokenNotValid);
    }
    return Refreshable{core::UserId{claims->user_id}, claims->iat, claims->exp, claims->jti,
                       claims->copied_claims};
}

core::Result<TokenService::AccessClaims> TokenService::verify_access(std::string_view token) const {
    auto& cache = t_verified_access;
    if (const auto it = cache.find(token); it != cache.end()) {
        if (it->second.service == instance_ &&
            static_cast<double>(it->second.exp) > seconds_since_epoch(clock_.now())) {
            return AccessClaims{it->second.user, it->second.iat};
        }
        cache.erase(it);
    }
    auto checked = check(token, "access", kAccessTokenNotValid);
    if (!checked) return std::move(checked).error();
    const double iat = checked->iat ? checked->iat->seconds() : 0;
    if (cache.size() >= kVerifiedCacheEntries) cache.clear();
    cache.emplace(std::string(token), VerifiedAccess{instance_, checked->exp, checked->user, iat});
    return AccessClaims{checked->user, iat};
}

core::Result<TokenService::Refreshable> TokenService::verify_refresh(std::string_view token) const {
    return check(token, "refresh", kTokenNotValid);
}

std::string TokenService::access_from_refresh(const Refreshable& refresh) const {
    const std::int64_t now = core::to_unix_seconds(clock_.now());
    TokenClaims claims;
    claims.token_type = "access";
    claims.exp = now + settings_.access_lifetime.count();
    claims.iat = refresh.iat.value_or(NumericDate{now});
    claims.jti = random_jti();
    claims.copied_claims = refresh.copied_claims;
    return encode_hs256(claims, settings_.signing_key);
}

TokenService::Minted TokenService::rotated_refresh(const Refreshable& refresh) const {
    const std::int64_t now = core::to_unix_seconds(clock_.now());
    TokenClaims claims;
    claims.token_type = "refresh";
    claims.exp = now + settings_.refresh_lifetime.count();
    claims.iat = NumericDate{now};
    claims.jti = random_jti();
    claims.copied_claims = refresh.copied_claims;
    Minted out{encode_hs256(claims, settings_.signing_key), claims.jti, claims.exp};
    return out;
}

core::Result<TokenService::Verified> TokenService::verify_untyped(std::string_view token) const {
    const auto claims =
        verify_hs256(token, settings_.signing_key, seconds_since_epoch(clock_.now()));
    if (!claims) return token_error("Token is invalid or expired", kTokenNotValid);
    if (!claims->has_exp) return token_error("Token has no 'exp' claim", kTokenNotValid);
    if (!claims->has_jti) return token_error("Token has no id", kTokenNotValid);
    Verified out{claims->token_type, claims->jti, std::nullopt};
    if (claims->has_user_id && claims->user_id_valid) out.user = core::UserId{claims->user_id};
    return out;
}

}  // namespace taskapi::auth
