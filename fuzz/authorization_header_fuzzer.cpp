// JWTAuthentication (auth::Authenticator::authenticate) on hostile Authorization headers.
//
// Input: byte 0 picks the mode, the rest is its data:
//   0  the header value as sent (seeds hold real tokens minted with the fixed key);
//   1  no header at all (the rest is ignored);
//   2  "Bearer " + a token whose payload is the rest, signed with the fixed key, so the user
//      lookup behind the signature is reached (user_id as int, string, null, float...).
// Users: 1 alice (active), 2 bob (active), 3 carol (inactive); no user 4 or above.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "auth/authenticator.hpp"
#include "auth/jwt.hpp"
#include "auth/token_service.hpp"
#include "fakes/fixed_clock.hpp"
#include "fakes/in_memory_user_repository.hpp"
#include "fuzz_common.hpp"
#include "unit/auth/token_crafting.hpp"

namespace {

using namespace taskapi;
using fuzz::check;

using World = fuzz::AuthWorld;

World& world() {
    static World w;
    return w;
}

// Python's bytes.split() of the header, as the authenticator documents it.
bool is_bearer_header(std::string_view header, std::string_view& token, std::size_t& parts) {
    const auto is_space = [](char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
    };
    parts = 0;
    bool bearer = false;
    std::size_t i = 0;
    while (i < header.size()) {
        while (i < header.size() && is_space(header[i])) ++i;
        const std::size_t start = i;
        while (i < header.size() && !is_space(header[i])) ++i;
        if (i == start) break;
        const std::string_view part = header.substr(start, i - start);
        if (parts == 0) bearer = part == "Bearer";
        if (parts == 1) token = part;
        ++parts;
    }
    return bearer;
}

void check_authenticate(std::optional<std::string_view> header) {
    World& w = world();
    core::Result<std::optional<core::Principal>> result = std::optional<core::Principal>{};
    try {
        result = w.authenticator.authenticate(header);
    } catch (const std::exception& e) {
        fuzz::fail("authenticate threw", e.what());
    }

    std::string_view token;
    std::size_t parts = 0;
    const bool bearer = header && is_bearer_header(*header, token, parts);
    if (result) {
        if (!*result) {
            check(!bearer, "a Bearer header is never anonymous", header.value_or(""));
            return;
        }
        const core::Principal& p = **result;
        check(bearer && parts == 2, "a user comes from exactly 'Bearer <token>'",
              header.value_or(""));
        check(p.id.value == 1 || p.id.value == 2, "only active users authenticate",
              header.value_or(""));
        check(p.username == (p.id.value == 1 ? "alice" : "bob"), "the principal's name is right",
              header.value_or(""));
        // Independent check: the token verifies and names that user.
        const auto claims = auth::verify_hs256(token, fuzz::kSigningKey,
                                               static_cast<double>(fuzz::kNow) + 0.123456);
        check(claims && claims->token_type == "access" && claims->user_id == p.id.value,
              "an accepted token verifies as an access token for that user", token);
        return;
    }
    const core::Error& e = result.error();
    check(bearer, "only a Bearer header can fail", header.value_or(""));
    check(e.code == core::ErrorCode::kUnauthenticated, "failures are kUnauthenticated",
          header.value_or(""));
    check(e.reason == "bad_authorization_header" || e.reason == auth::kAccessTokenNotValid ||
              e.reason == auth::kTokenNotValid || e.reason == "user_not_found" ||
              e.reason == "user_inactive",
          "failure reason is one of SimpleJWT's codes", e.reason);
    check((e.reason == "bad_authorization_header") == (parts != 2),
          "bad_authorization_header exactly when the header is not two values",
          header.value_or(""));
    const http::Response response = http::error_response(e);
    check(response.status == 401, "authentication failures are 401", header.value_or(""));
    fuzz::check_json_response(response, "401 body is valid UTF-8 JSON");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::string_view rest = fuzz::as_view(data + 1, size - 1);
    switch (data[0] % 3) {
        case 0:
            check_authenticate(rest);
            break;
        case 1:
            check_authenticate(std::nullopt);
            break;
        default: {
            const std::string header =
                "Bearer " + auth::crafting::sign_payload(rest, fuzz::kSigningKey);
            check_authenticate(header);
            break;
        }
    }
    return 0;
}
