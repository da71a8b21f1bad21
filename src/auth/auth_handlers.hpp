// POST /api/auth/token/ (login), /refresh/, /verify/ and /blacklist/ (logout): SimpleJWT's views.
#pragma once

#include <array>
#include <string>

#include "auth/login_throttle.hpp"
#include "auth/token_lifecycle.hpp"
#include "auth/token_service.hpp"
#include "http/request.hpp"
#include "http/response.hpp"
#include "serializers/fields.hpp"
#include "users/user_service.hpp"

namespace taskapi::auth {

// SimpleJWT's TokenObtainPairSerializer: the credentials, both write-only. (The tokens of its
// answer are not declared fields: its validate() returns them.)
inline constexpr std::array kTokenObtainPairFields{
    serializers::Field{.name = "username",
                       .type = serializers::FieldType::kString,
                       .required = true,
                       .write_only = true,
                       .label = "Username"},
    serializers::Field{.name = "password",
                       .type = serializers::FieldType::kString,
                       .required = true,
                       .write_only = true,
                       .label = "Password"},
};
static_assert(serializers::is_well_formed(kTokenObtainPairFields));

// SimpleJWT's TokenRefreshSerializer: the refresh token in, a new access token out.
inline constexpr std::array kTokenRefreshFields{
    serializers::Field{.name = "refresh",
                       .type = serializers::FieldType::kString,
                       .required = true,
                       .label = "Refresh"},
    serializers::Field{.name = "access",
                       .type = serializers::FieldType::kString,
                       .read_only = true,
                       .label = "Access"},
};
static_assert(serializers::is_well_formed(kTokenRefreshFields));

// SimpleJWT's TokenVerifySerializer: any token.
inline constexpr std::array kTokenVerifyFields{
    serializers::Field{.name = "token",
                       .type = serializers::FieldType::kString,
                       .required = true,
                       .label = "Token"},
};
static_assert(serializers::is_well_formed(kTokenVerifyFields));

// SimpleJWT's TokenBlacklistSerializer: the refresh token to log out.
inline constexpr std::array kTokenBlacklistFields{
    serializers::Field{.name = "refresh",
                       .type = serializers::FieldType::kString,
                       .required = true,
                       .label = "Refresh"},
};
static_assert(serializers::is_well_formed(kTokenBlacklistFields));

class AuthHandlers {
public:
    // `num_proxies`: trusted proxies in front, for the client address the throttle counts.
    AuthHandlers(users::UserService& users, const TokenService& tokens, TokenLifecycle& lifecycle,
                 LoginThrottle& throttle, int num_proxies)
        : users_(users),
          tokens_(tokens),
          lifecycle_(lifecycle),
          throttle_(throttle),
          num_proxies_(num_proxies) {}

    // Throttled per client address before the body is read, and for failures of the username
    // once it is valid (LoginThrottle); those checks and the body's validation answer at once. What
    // remains, the Argon2id verification and the tokens, is returned as deferred work
    // (http::Response::deferred), which uses this object: it must outlive the work.
    http::Response obtain_pair(const http::Request& request);
    // These three read (and may write) the refresh-token store: run them where storage calls
    // may block (http::Work::kDatabase).
    http::Response refresh(const http::Request& request);
    http::Response verify(const http::Request& request);
    http::Response blacklist(const http::Request& request);

    // OPTIONS "actions": {"POST": <the serializer's fields>}.
    [[nodiscard]] static std::string obtain_pair_actions();
    [[nodiscard]] static std::string refresh_actions();
    [[nodiscard]] static std::string verify_actions();
    [[nodiscard]] static std::string blacklist_actions();

private:
    users::UserService& users_;
    const TokenService& tokens_;
    TokenLifecycle& lifecycle_;
    LoginThrottle& throttle_;
    int num_proxies_;
};

}  // namespace taskapi::auth
