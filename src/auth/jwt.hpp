// JSON Web Tokens pinned to HS256 (RFC 7519, with RFC 8725's advice): encoding and verification.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace taskapi::auth {

// A NumericDate (RFC 7519 section 2): seconds since the epoch, a JSON integer or any other JSON
// number (1.5, 1e10, 1.0). SimpleJWT and taskapi write integers, other issuers may not; how it
// was written is kept, so that a claim copied into another token keeps its JSON type.
struct NumericDate {
    std::variant<std::int64_t, double> value;

    [[nodiscard]] double seconds() const;
    bool operator==(const NumericDate&) const = default;
};

// Claims as SimpleJWT writes them, in this order.
struct TokenClaims {
    std::string token_type;  // "access" or "refresh"
    std::int64_t exp = 0;
    NumericDate iat;
    std::string jti;  // 32 lowercase hex characters
    std::int64_t user_id = 0;
    // JSON members copied from another token (",\"user_id\":1,..."; see DecodedClaims), written
    // after jti instead of user_id when set.
    std::optional<std::string> copied_claims;
};

// What a verified token says. Absent claims are nullopt; a claim of the wrong JSON type is kept
// as a value that never validates (token_type "" and user_id_valid = false).
struct DecodedClaims {
    std::optional<std::string> token_type;
    bool has_exp = false;
    std::int64_t exp = 0;  // whole seconds (a fraction is cut off, as PyJWT's int() does)
    bool has_jti = false;
    // The jti claim as the token ids of the refresh-token store keep it: a JSON string's text,
    // any other JSON value written as PyJWT writes it (SimpleJWT's CharField takes str() of it).
    std::string jti;
    std::optional<NumericDate> iat;
    bool has_user_id = false;
    bool user_id_valid = false;
    std::int64_t user_id = 0;
    // The claims SimpleJWT copies into the access token it makes from a refresh token: every
    // claim but token_type, exp, jti and iat, in the token's order, as JSON members written the
    // way PyJWT writes them (",\"user_id\":1,\"nbf\":1.5").
    std::string copied_claims;
};

// Encodes and signs with HMAC-SHA256. The header is always {"alg":"HS256","typ":"JWT"}.
std::string encode_hs256(const TokenClaims& claims, std::string_view key);

// Verifies structure, base64url, header (alg must be HS256, no "crit"), signature in constant
// time, and the time claims. Those must be NumericDates (JSON numbers; not strings, booleans or
// null) and are checked as PyJWT 2 checks them, against the whole second of `now`: exp (when
// present) cut to whole seconds must be after it, and before the year 10000 (beyond that,
// SimpleJWT fails with 500); nbf cut to whole seconds, and iat, must not be after it.
// Returns nullopt for any failure: the caller answers "Token is invalid or expired".
std::optional<DecodedClaims> verify_hs256(std::string_view token, std::string_view key, double now);

// 16 random bytes as 32 lowercase hex characters.
std::string random_jti();

}  // namespace taskapi::auth
