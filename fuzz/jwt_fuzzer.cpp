// JWT decoding and verification (auth/jwt.*) and the token service on top of it.
//
// Input: byte 0 picks the mode, the rest is its data:
//   0  a raw token, verified with the fixed key;
//   1  "<header JSON>\n<payload JSON>" (or just a payload), signed here with the fixed key, so
//      the claim checks behind the signature are reached;
//   2  claims derived from the bytes (key, token_type, jti, user_id, exp, iat): encode_hs256 must
//      produce a token that verifies to the same claims;
//   3  "<header segment>\n<payload segment>", taken as they are (not base64url-encoded here) and
//      signed, so the base64url decoding of signed segments is reached.
// Every token also goes through TokenService::verify_access and verify_refresh, which must never
// throw and must agree with verify_hs256.
#include <boost/json/value.hpp>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "auth/jwt.hpp"
#include "auth/token_service.hpp"
#include "core/text.hpp"
#include "fakes/fixed_clock.hpp"
#include "fuzz_common.hpp"
#include "unit/auth/token_crafting.hpp"

namespace {

namespace json = boost::json;
using namespace taskapi;
using fuzz::check;
namespace crafting = auth::crafting;

// FixedClock's default instant as verify_hs256 sees it through the token service.
constexpr double kNowSeconds = static_cast<double>(fuzz::kNow) + 0.123456;
// exp from the year 10000 on is refused; the last second before it.
constexpr double kEndOfYear9999 = 253402300800.0;
constexpr std::int64_t kLastExp = 253402300799;

const fakes::FixedClock& clock_instance() {
    static const fakes::FixedClock clock;
    return clock;
}

const auth::TokenService& token_service() {
    static const auth::TokenService service(
        auth::TokenSettings{std::string(fuzz::kSigningKey), std::chrono::seconds{300},
                            std::chrono::seconds{86400}},
        clock_instance());
    return service;
}

// Reads fixed-size values from the front of the input; zeros once it runs out.
class Reader {
public:
    explicit Reader(std::string_view data) : data_(data) {}
    std::uint64_t u64(std::size_t bytes) {
        std::uint64_t v = 0;
        for (std::size_t i = 0; i < bytes; ++i) v = (v << 8) | byte();
        return v;
    }
    std::string text(std::size_t max) {
        const std::size_t n = std::min<std::size_t>(byte() % (max + 1), data_.size());
        std::string out(data_.substr(0, n));
        data_.remove_prefix(n);
        return out;
    }
    std::string rest() { return std::string(data_); }

private:
    std::uint8_t byte() {
        if (data_.empty()) return 0;
        const auto b = static_cast<std::uint8_t>(data_.front());
        data_.remove_prefix(1);
        return b;
    }
    std::string_view data_;
};

// What must hold whenever verify_hs256 accepts a token.
void check_accepted(std::string_view token, std::string_view key, const auth::DecodedClaims& c) {
    check(token.size() <= 8192, "accepted token is at most 8 KiB", token);
    const auto dot1 = token.find('.');
    const auto dot2 = token.find('.', dot1 + 1);
    check(dot1 != std::string_view::npos && dot2 != std::string_view::npos &&
              token.find('.', dot2 + 1) == std::string_view::npos,
          "accepted token has three segments", token);
    // Strict base64url has one spelling per byte string: the signature must be exactly ours.
    check(token.substr(dot2 + 1) ==
              crafting::b64url_encode(crafting::hmac_sha256(key, token.substr(0, dot2))),
          "accepted token carries the HMAC-SHA256 of its first two segments", token);

    std::string header_text;
    std::string payload_text;
    try {
        header_text = crafting::b64url_decode(token.substr(0, dot1));
        payload_text = crafting::b64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1));
    } catch (const std::invalid_argument&) {
        fuzz::fail("accepted token segments are base64url", token);
    }
    const auto header = fuzz::parse_json(header_text);
    check(header && header->is_object(), "accepted header is a JSON object", header_text);
    const json::value* alg = header->get_object().if_contains("alg");
    check(alg != nullptr && alg->is_string() && alg->get_string() == "HS256",
          "accepted header says HS256", header_text);
    check(!header->get_object().contains("crit"), "accepted header has no crit", header_text);

    const auto payload = fuzz::parse_json(payload_text);
    check(payload && payload->is_object(), "accepted payload is a JSON object", payload_text);
    const json::object& p = payload->get_object();
    // Time claims are NumericDates (any finite JSON number), checked as PyJWT checks them
    // against the whole second of now: exp and nbf cut to whole seconds, iat as it is (jwt.hpp).
    const auto number = [](const json::value& v) -> std::optional<double> {
        if (v.is_int64()) return static_cast<double>(v.get_int64());
        if (v.is_uint64()) return static_cast<double>(v.get_uint64());
        if (v.is_double() && std::isfinite(v.get_double())) return v.get_double();
        return std::nullopt;
    };
    const double second = std::floor(kNowSeconds);
    if (const json::value* exp = p.if_contains("exp")) {
        const auto v = number(*exp);
        check(v && std::trunc(*v) > second && *v < kEndOfYear9999,
              "accepted exp is a number after now, before the year 10000", payload_text);
        check(c.exp == static_cast<std::int64_t>(std::trunc(*v)), "exp is reported", payload_text);
    }
    if (const json::value* nbf = p.if_contains("nbf")) {
        const auto v = number(*nbf);
        check(v && std::trunc(*v) <= second, "accepted nbf is a number not after now",
              payload_text);
    }
    if (const json::value* iat = p.if_contains("iat")) {
        const auto v = number(*iat);
        check(v && *v <= second, "accepted iat is a number not after now", payload_text);
        check(c.iat && c.iat->seconds() == *v, "iat is reported", payload_text);
    }
    check(c.has_exp == p.contains("exp"), "has_exp matches the payload", payload_text);
    check(c.has_jti == p.contains("jti"), "has_jti matches the payload", payload_text);
    check(c.has_user_id == p.contains("user_id"), "has_user_id matches the payload", payload_text);
    check(c.token_type.has_value() == p.contains("token_type"),
          "token_type presence matches the payload", payload_text);
    if (c.token_type && !c.token_type->empty()) {
        const json::value* type = p.if_contains("token_type");
        check(type->is_string() && type->get_string() == *c.token_type,
              "token_type is the payload's string", payload_text);
    }
}

// verify_access and verify_refresh must not throw and must agree with verify_hs256.
void check_token_service(std::string_view token) {
    const auto& service = token_service();
    const auto claims = auth::verify_hs256(token, fuzz::kSigningKey, kNowSeconds);
    if (claims) check_accepted(token, fuzz::kSigningKey, *claims);
    try {
        const auto access = service.verify_access(token);
        if (access) {
            check(claims && claims->token_type == "access" && claims->has_exp && claims->has_jti &&
                      claims->user_id_valid && claims->user_id == access->user.value &&
                      (claims->iat ? claims->iat->seconds() : 0) == access->iat,
                  "verify_access agrees with verify_hs256", token);
        } else {
            check(access.error().code == core::ErrorCode::kUnauthenticated,
                  "verify_access fails with kUnauthenticated", token);
            fuzz::check_error_renders(access.error());
        }
        const auto refresh = service.verify_refresh(token);
        if (refresh) {
            check(claims && claims->token_type == "refresh" && claims->has_exp && claims->has_jti &&
                      claims->user_id_valid && claims->user_id == refresh->user.value &&
                      claims->iat == refresh->iat,
                  "verify_refresh agrees with verify_hs256", token);
            // The refresh view's answer: a new access token that verifies for the same user and
            // keeps the refresh token's iat (or is issued now). It carries the refresh token's
            // other claims, written with ASCII escapes, so it may outgrow the 8 KiB a token may
            // have when the refresh token was near that size.
            const std::string access_token = service.access_from_refresh(*refresh);
            const auto renewed = service.verify_access(access_token);
            check(access_token.size() > 8192 ||
                      (renewed && renewed->user.value == refresh->user.value &&
                       renewed->iat == (refresh->iat ? refresh->iat->seconds()
                                                     : static_cast<double>(fuzz::kNow))),
                  "an access token from a valid refresh token verifies", access_token);
        } else {
            check(refresh.error().code == core::ErrorCode::kUnauthenticated,
                  "verify_refresh fails with kUnauthenticated", token);
            fuzz::check_error_renders(refresh.error());
        }
    } catch (const std::exception& e) {
        fuzz::fail("the token service threw", e.what());
    }
}

void round_trip(std::string_view data) {
    Reader in(data);
    const std::string key = in.text(96);
    auth::TokenClaims claims;
    claims.token_type = core::to_valid_utf8(in.text(24));
    claims.jti = core::to_valid_utf8(in.text(48));
    claims.user_id = static_cast<std::int64_t>(in.u64(8));
    // exp: after now, before the year 10000; iat: at most now, up to ~35 years back, an integer
    // or (written as a float) with a fraction of a quarter second.
    claims.exp =
        fuzz::kNow + 1 +
        static_cast<std::int64_t>(in.u64(5) % static_cast<std::uint64_t>(kLastExp - fuzz::kNow));
    const std::int64_t iat = fuzz::kNow - static_cast<std::int64_t>(in.u64(4) % (1ULL << 30));
    const std::uint64_t iat_choice = in.u64(1);
    claims.iat = (iat_choice & 1U) == 0
                     ? auth::NumericDate{iat}
                     : auth::NumericDate{static_cast<double>(iat - 1) +
                                         static_cast<double>((iat_choice >> 1) % 4) / 4.0};

    const std::string token = auth::encode_hs256(claims, key);
    const auto decoded = auth::verify_hs256(token, key, kNowSeconds);
    check(decoded.has_value(), "encode_hs256 output verifies", token);
    check_accepted(token, key, *decoded);
    check(decoded->token_type == claims.token_type, "token_type round-trips", token);
    check(decoded->has_exp && decoded->has_jti, "exp and jti round-trip", token);
    check(decoded->iat == claims.iat, "iat round-trips, with its JSON type", token);
    check(decoded->has_user_id && decoded->user_id_valid && decoded->user_id == claims.user_id,
          "user_id round-trips", token);
    if (key == fuzz::kSigningKey) check_token_service(token);
    // Any other key must be refused.
    const std::string other_key = key + "x";
    check(!auth::verify_hs256(token, other_key, kNowSeconds).has_value(),
          "a token does not verify with another key", token);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::string_view rest = fuzz::as_view(data + 1, size - 1);
    switch (data[0] % 4) {
        case 0:
            check_token_service(rest);
            break;
        case 1: {
            const auto nl = rest.find('\n');
            const std::string token =
                nl == std::string_view::npos
                    ? crafting::sign_payload(rest, fuzz::kSigningKey)
                    : crafting::sign(rest.substr(0, nl), rest.substr(nl + 1), fuzz::kSigningKey);
            check_token_service(token);
            break;
        }
        case 2:
            round_trip(rest);
            break;
        default: {
            const auto nl = rest.find('\n');
            const std::string token =
                nl == std::string_view::npos
                    ? crafting::sign_segments(crafting::b64url_encode(crafting::kStandardHeader),
                                              rest, fuzz::kSigningKey)
                    : crafting::sign_segments(rest.substr(0, nl), rest.substr(nl + 1),
                                              fuzz::kSigningKey);
            check_token_service(token);
            break;
        }
    }
    return 0;
}
