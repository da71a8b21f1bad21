// JWTAuthentication: turns an Authorization header into the user making the request.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/token_service.hpp"
#include "core/principal.hpp"
#include "core/result.hpp"
#include "users/user_repository.hpp"

namespace taskapi::auth {

// Thread-safe.
class Authenticator {
public:
    // `header_types`: the schemes accepted before the token (SimpleJWT's AUTH_HEADER_TYPES);
    // any other scheme is anonymous. Compared exactly, as SimpleJWT does.
    Authenticator(const TokenService& tokens, users::UserRepository& users,
                  std::vector<std::string> header_types = {"Bearer"})
        : tokens_(tokens), users_(users), header_types_(std::move(header_types)) {}

    // nullopt (anonymous) when there is no header or it is not a Bearer one; the user when the
    // token is valid, the user exists and is active and the token was issued after the user's
    // last password change (a revoked token fails as an invalid one); otherwise kUnauthenticated
    // with SimpleJWT's detail and code (bad_authorization_header, token_not_valid,
    // user_not_found, user_inactive). A token that is no valid access token is reported as
    // SimpleJWT does: detail "Given token not valid for any token type", code token_not_valid,
    // and one entry in `messages` (token_class, token_type, message) with the token's fault.
    [[nodiscard]] core::Result<std::optional<core::Principal>> authenticate(
        std::optional<std::string_view> authorization) const;

    // authenticate() in its two steps (http::Authentication). verify: the header and the token
    // alone, no storage. admit: the account checked, as `lookup` found it (a read that looked it
    // up, see core::AccountLookup) or looked up now when it was not.
    [[nodiscard]] core::Result<std::optional<core::Claimant>> verify(
        std::optional<std::string_view> authorization) const;
    [[nodiscard]] core::Result<core::Principal> admit(const core::Claimant& claimant,
                                                      const core::AccountLookup& lookup) const;

private:
    const TokenService& tokens_;
    users::UserRepository& users_;
    std::vector<std::string> header_types_;
};

}  // namespace taskapi::auth
