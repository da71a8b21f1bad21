// Who is making a request: the caller a token names, its account as authentication checks it,
// and the principal once authentication has succeeded.
#pragma once

#include <optional>
#include <string>

#include "core/clock.hpp"
#include "core/ids.hpp"

namespace taskapi::core {

struct Principal {
    UserId id;
    std::string username;
};

// The user a valid access token names, before the account has been looked at.
struct Claimant {
    UserId id;
    double token_issued_at = 0;  // the token's iat, seconds since the epoch
};

// What authentication checks of an account (users::User has the same fields).
struct Account {
    UserId id;
    std::string username;
    bool is_active = true;
    Timestamp password_changed_at{};  // the epoch when the password never changed
};

// Filled by a read that looks the caller's account up in the statement that reads its data, so
// that an authenticated read costs one round trip to a database server (docs/decisions/008).
// `looked_up` false: the read did not (the authenticator then looks it up itself).
struct AccountLookup {
    bool looked_up = false;
    std::optional<Account> account;  // nullopt when looked up and the user does not exist
};

}  // namespace taskapi::core
