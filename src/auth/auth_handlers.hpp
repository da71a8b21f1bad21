// POST /api/auth/token/ (login) and POST /api/auth/token/refresh/: SimpleJWT's two views.
#pragma once

#include <string>

#include "auth/login_throttle.hpp"
#include "auth/token_service.hpp"
#include "http/request.hpp"
#include "http/response.hpp"
#include "users/user_service.hpp"

namespace taskapi::auth {

class AuthHandlers {
public:
    // `num_proxies`: trusted proxies in front, for the client address the throttle counts.
    AuthHandlers(users::UserService& users, const TokenService& tokens, LoginThrottle& throttle,
                 int num_proxies)
        : users_(users), tokens_(tokens), throttle_(throttle), num_proxies_(num_proxies) {}

    // Throttled per client address before the body is read, and for failures of the username
    // once it is valid (LoginThrottle); those checks and the body's validation answer at once. What
    // remains, the Argon2id verification and the tokens, is returned as deferred work
    // (http::Response::deferred), which uses this object: it must outlive the work.
    http::Response obtain_pair(const http::Request& request);
    http::Response refresh(const http::Request& request);

    [[nodiscard]] static std::string obtain_pair_actions();
    [[nodiscard]] static std::string refresh_actions();

private:
    users::UserService& users_;
    const TokenService& tokens_;
    LoginThrottle& throttle_;
    int num_proxies_;
};

}  // namespace taskapi::auth
