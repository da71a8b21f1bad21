// POST /api/auth/token/ (login) and POST /api/auth/token/refresh/: SimpleJWT's two views.
#pragma once

#include <string>

#include "auth/token_service.hpp"
#include "http/request.hpp"
#include "http/response.hpp"
#include "users/user_service.hpp"

namespace taskapi::auth {

class AuthHandlers {
public:
    AuthHandlers(users::UserService& users, const TokenService& tokens)
        : users_(users), tokens_(tokens) {}

    // Slow (one Argon2id verification): the router runs it on the hashing pool.
    http::Response obtain_pair(const http::Request& request);
    http::Response refresh(const http::Request& request);

    [[nodiscard]] static std::string obtain_pair_actions();
    [[nodiscard]] static std::string refresh_actions();

private:
    users::UserService& users_;
    const TokenService& tokens_;
};

}  // namespace taskapi::auth
