#include "auth/jwt.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <string>

#include "unit/auth/token_crafting.hpp"

namespace taskapi::auth {
namespace {

using crafting::b64url_encode;
using crafting::decoded_segment;
using crafting::sign;
using crafting::sign_payload;
using crafting::sign_segments;
using crafting::split_token;

constexpr std::string_view kKey = "unit-test-signing-key-0123456789abcdef";
constexpr std::int64_t kNow = 1800000000;
constexpr double kNowSeconds = static_cast<double>(kNow);
constexpr std::string_view kJti = "0123456789abcdef0123456789abcdef";

TokenClaims access_claims(std::int64_t user_id = 42) {
    return TokenClaims{"access", kNow + 300, NumericDate{kNow}, std::string(kJti), user_id, {}};
}

// A payload with every claim SimpleJWT writes; `extra` is inserted before the closing brace.
std::string payload(std::string_view extra = {}, std::int64_t exp = kNow + 300) {
    std::string p = R"({"token_type":"access","exp":)" + std::to_string(exp) + R"(,"iat":)" +
                    std::to_string(kNow) + R"(,"jti":")" + std::string(kJti) + R"(","user_id":42)";
    p += extra;
    p += '}';
    return p;
}

// --- encoding --------------------------------------------------------------------------------

TEST(Jwt, RoundTripsTheClaims) {
    const std::string token = encode_hs256(access_claims(), kKey);
    const auto claims = verify_hs256(token, kKey, kNowSeconds);
    ASSERT_TRUE(claims.has_value());
    EXPECT_EQ(claims->token_type, "access");
    EXPECT_TRUE(claims->has_exp);
    EXPECT_TRUE(claims->has_jti);
    EXPECT_EQ(claims->iat, NumericDate{kNow});
    EXPECT_TRUE(claims->has_user_id);
    EXPECT_TRUE(claims->user_id_valid);
    EXPECT_EQ(claims->user_id, 42);
}

TEST(Jwt, HeaderIsExactlyHs256Jwt) {
    const std::string token = encode_hs256(access_claims(), kKey);
    EXPECT_EQ(decoded_segment(token, 0), R"({"alg":"HS256","typ":"JWT"})");
}

TEST(Jwt, ClaimsAreCompactAndInSimpleJwtOrder) {
    const std::string token = encode_hs256(access_claims(), kKey);
    EXPECT_EQ(decoded_segment(token, 1),
              R"({"token_type":"access","exp":1800000300,"iat":1800000000,)"
              R"("jti":"0123456789abcdef0123456789abcdef","user_id":42})");
}

TEST(Jwt, EncodesThreeUnpaddedBase64UrlSegments) {
    const std::string token = encode_hs256(access_claims(), kKey);
    const auto parts = split_token(token);
    ASSERT_EQ(parts.size(), 3u);
    for (const auto& part : parts) {
        EXPECT_FALSE(part.empty());
        EXPECT_EQ(part.find_first_not_of(crafting::kBase64UrlAlphabet), std::string::npos) << part;
    }
    EXPECT_EQ(parts[2].size(), 43u);  // 32 bytes of HMAC-SHA256
}

// PyJWT 2.6.0, jwt.encode(the same claims, "django-insecure-task-api-reference-dev-key-change-me").
constexpr std::string_view kPyJwtKey = "django-insecure-task-api-reference-dev-key-change-me";
constexpr std::string_view kPyJwtToken =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJ0b2tlbl90eXBlIjoiYWNjZXNzIiwiZXhwIjoxODAwMDAwMzAwLCJpYXQiOjE4MDAwMDAwMDAsImp0aSI6IjAxMjM0NT"
    "Y3ODlhYmNkZWYwMTIzNDU2Nzg5YWJjZGVmIiwidXNlcl9pZCI6NDJ9."
    "3qTfy2mI8hV172TuONi8aZTeekP9pxNCFJjXw7TXUgg";

TEST(Jwt, EncodesByteForByteAsPyJwt) {
    EXPECT_EQ(encode_hs256(access_claims(), kPyJwtKey), kPyJwtToken);
}

TEST(Jwt, VerifiesATokenMadeByPyJwt) {
    const auto claims = verify_hs256(kPyJwtToken, kPyJwtKey, kNowSeconds);
    ASSERT_TRUE(claims.has_value());
    EXPECT_EQ(claims->user_id, 42);
}

TEST(Jwt, EscapesClaimStrings) {
    TokenClaims claims = access_claims();
    claims.token_type = "a\"b";
    const std::string token = encode_hs256(claims, kKey);
    const auto decoded = verify_hs256(token, kKey, kNowSeconds);
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(decoded->token_type, "a\"b");
}

// --- what verification refuses ---------------------------------------------------------------

TEST(Jwt, RejectsAWrongKey) {
    const std::string token = encode_hs256(access_claims(), kKey);
    EXPECT_FALSE(verify_hs256(token, "another-key-0123456789abcdef012345", kNowSeconds));
}

TEST(Jwt, RejectsAlgNone) {
    const std::string header = b64url_encode(R"({"alg":"none","typ":"JWT"})");
    const std::string body = b64url_encode(payload());
    EXPECT_FALSE(verify_hs256(header + "." + body + ".", kKey, kNowSeconds));
    // Even with a valid HMAC over it, the header may not choose the algorithm.
    EXPECT_FALSE(
        verify_hs256(sign(R"({"alg":"none","typ":"JWT"})", payload(), kKey), kKey, kNowSeconds));
}

TEST(Jwt, RejectsOtherAlgorithms) {
    for (const char* alg : {"HS512", "HS384", "RS256", "hs256", ""}) {
        const std::string header = std::string(R"({"alg":")") + alg + R"(","typ":"JWT"})";
        EXPECT_FALSE(verify_hs256(sign(header, payload(), kKey), kKey, kNowSeconds)) << alg;
    }
    EXPECT_FALSE(verify_hs256(sign(R"({"typ":"JWT"})", payload(), kKey), kKey, kNowSeconds));
    EXPECT_FALSE(
        verify_hs256(sign(R"({"alg":256,"typ":"JWT"})", payload(), kKey), kKey, kNowSeconds));
}

TEST(Jwt, AcceptsAnHs256HeaderWithOtherMembers) {
    EXPECT_TRUE(verify_hs256(sign(R"({"typ":"JWT","alg":"HS256","kid":"k1"})", payload(), kKey),
                             kKey, kNowSeconds));
    EXPECT_TRUE(verify_hs256(sign(R"({"alg":"HS256"})", payload(), kKey), kKey, kNowSeconds));
}

TEST(Jwt, RejectsACritHeader) {
    EXPECT_FALSE(verify_hs256(
        sign(R"({"alg":"HS256","typ":"JWT","crit":["exp"]})", payload(), kKey), kKey, kNowSeconds));
}

TEST(Jwt, RejectsANonStringKid) {
    EXPECT_FALSE(verify_hs256(sign(R"({"alg":"HS256","typ":"JWT","kid":1})", payload(), kKey), kKey,
                              kNowSeconds));
}

TEST(Jwt, RejectsATamperedPayload) {
    const auto parts = split_token(encode_hs256(access_claims(42), kKey));
    const auto other = split_token(encode_hs256(access_claims(1), kKey));
    const std::string forged = parts[0] + "." + other[1] + "." + parts[2];
    EXPECT_FALSE(verify_hs256(forged, kKey, kNowSeconds));
}

TEST(Jwt, RejectsATamperedSignature) {
    const std::string token = encode_hs256(access_claims(), kKey);
    const auto sig_start = token.rfind('.') + 1;
    std::string forged = token;
    forged[sig_start] = forged[sig_start] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(verify_hs256(forged, kKey, kNowSeconds));
    EXPECT_FALSE(verify_hs256(token.substr(0, token.size() - 1), kKey, kNowSeconds));
    EXPECT_FALSE(verify_hs256(token.substr(0, sig_start), kKey, kNowSeconds));  // empty signature
}

TEST(Jwt, RejectsTheWrongNumberOfSegments) {
    const std::string token = encode_hs256(access_claims(), kKey);
    const auto parts = split_token(token);
    EXPECT_FALSE(verify_hs256(parts[0] + "." + parts[1], kKey, kNowSeconds));
    EXPECT_FALSE(verify_hs256(token + "." + parts[2], kKey, kNowSeconds));
    EXPECT_FALSE(verify_hs256(token + ".", kKey, kNowSeconds));
    EXPECT_FALSE(verify_hs256(parts[1], kKey, kNowSeconds));
    EXPECT_FALSE(verify_hs256("", kKey, kNowSeconds));
    EXPECT_FALSE(verify_hs256("..", kKey, kNowSeconds));
}

TEST(Jwt, RejectsPadding) {
    const std::string token = encode_hs256(access_claims(), kKey);
    EXPECT_FALSE(verify_hs256(token + "=", kKey, kNowSeconds));
    // A payload segment padded to a multiple of four, signed as it stands.
    std::string text = payload();
    if (text.size() % 3 == 0) text = payload(R"(,"x":"a")");  // 8 more bytes: not a multiple of 3
    std::string body = b64url_encode(text);
    ASSERT_NE(body.size() % 4, 0u);
    while (body.size() % 4 != 0) body += '=';
    EXPECT_FALSE(verify_hs256(sign_segments(b64url_encode(crafting::kStandardHeader), body, kKey),
                              kKey, kNowSeconds));
}

// Finds a payload whose base64url text contains '-' or '_' (so it can be turned into standard
// base64's '+' or '/'), by padding a filler claim.
std::string payload_b64_with_url_safe_characters() {
    for (int n = 0; n < 64; ++n) {
        const std::string filler =
            R"(,"x":")" + std::string(static_cast<std::size_t>(n), '?') + "~\"";
        std::string body = b64url_encode(payload(filler));
        if (body.find_first_of("-_") != std::string::npos) return body;
    }
    return {};
}

TEST(Jwt, RejectsStandardBase64Characters) {
    const std::string body = payload_b64_with_url_safe_characters();
    ASSERT_FALSE(body.empty());
    const std::string header = b64url_encode(crafting::kStandardHeader);
    ASSERT_TRUE(verify_hs256(sign_segments(header, body, kKey), kKey, kNowSeconds));
    std::string standard = body;
    for (char& c : standard) {
        if (c == '-') c = '+';
        if (c == '_') c = '/';
    }
    EXPECT_FALSE(verify_hs256(sign_segments(header, standard, kKey), kKey, kNowSeconds));
}

TEST(Jwt, RejectsCharactersOutsideBase64Url) {
    const std::string token = encode_hs256(access_claims(), kKey);
    for (const char* bad : {" ", "*", "\n", "%"}) {
        std::string forged = token;
        forged.insert(5, bad);
        EXPECT_FALSE(verify_hs256(forged, kKey, kNowSeconds)) << bad;
    }
    EXPECT_FALSE(verify_hs256(" " + token, kKey, kNowSeconds));
    EXPECT_FALSE(verify_hs256(token + " ", kKey, kNowSeconds));
}

TEST(Jwt, RejectsAPayloadThatIsNotAJsonObject) {
    for (const char* body : {"[1,2]", "\"claims\"", "42", "null", "{\"exp\":", "", "{}x"}) {
        EXPECT_FALSE(verify_hs256(sign_payload(body, kKey), kKey, kNowSeconds)) << body;
    }
}

TEST(Jwt, RejectsAHeaderThatIsNotAJsonObject) {
    EXPECT_FALSE(verify_hs256(sign(R"(["HS256"])", payload(), kKey), kKey, kNowSeconds));
    EXPECT_FALSE(verify_hs256(sign("HS256", payload(), kKey), kKey, kNowSeconds));
}

TEST(Jwt, RejectsOverlongTokens) {
    const std::string filler = R"(,"x":")" + std::string(9000, 'a') + "\"";
    EXPECT_FALSE(verify_hs256(sign_payload(payload(filler), kKey), kKey, kNowSeconds));
}

// --- time claims -----------------------------------------------------------------------------

TEST(Jwt, TreatsExpEqualToNowAsExpired) {
    EXPECT_FALSE(verify_hs256(sign_payload(payload({}, kNow), kKey), kKey, kNowSeconds));
}

TEST(Jwt, RejectsExpInThePast) {
    EXPECT_FALSE(verify_hs256(sign_payload(payload({}, kNow - 1), kKey), kKey, kNowSeconds));
    EXPECT_FALSE(verify_hs256(sign_payload(payload({}, kNow), kKey), kKey, kNowSeconds + 0.5));
}

TEST(Jwt, AcceptsExpLaterThanNow) {
    EXPECT_TRUE(verify_hs256(sign_payload(payload({}, kNow + 1), kKey), kKey, kNowSeconds));
    EXPECT_TRUE(verify_hs256(sign_payload(payload({}, kNow + 1), kKey), kKey, kNowSeconds + 0.999));
}

TEST(Jwt, RejectsANonNumericExp) {
    for (const char* exp : {R"("soon")", "null", "true", "[1]", "{}"}) {
        const std::string body =
            R"({"token_type":"access","exp":)" + std::string(exp) + R"(,"jti":"x","user_id":1})";
        EXPECT_FALSE(verify_hs256(sign_payload(body, kKey), kKey, kNowSeconds)) << exp;
    }
}

// RFC 7519 2: a NumericDate is any JSON number. PyJWT 2 (SimpleJWT 5.2) accepts them all.
TEST(Jwt, AcceptsTimeClaimsWithAFractionOrAnExponent) {
    for (const char* exp : {"1800000300.5", "1.8000003e9", "1E10", "10000000000.0", "9e9"}) {
        const std::string body =
            std::string(R"({"token_type":"access","exp":)") + exp + R"(,"jti":"x","user_id":1})";
        const auto claims = verify_hs256(sign_payload(body, kKey), kKey, kNowSeconds);
        ASSERT_TRUE(claims.has_value()) << exp;
        EXPECT_EQ(claims->exp, static_cast<std::int64_t>(std::stod(exp))) << exp;
    }
    for (const char* extra : {R"(,"nbf":1799999999.5)", R"(,"nbf":1.7e9)", R"(,"nbf":-1e300)"}) {
        EXPECT_TRUE(verify_hs256(sign_payload(payload(extra), kKey), kKey, kNowSeconds)) << extra;
    }
    for (const char* iat : {"1799999999.5", "1.7e9", "-100", "-1e300", "-0.0"}) {
        const std::string body = R"({"token_type":"access","exp":1800000300,"iat":)" +
                                 std::string(iat) + R"(,"jti":"x","user_id":1})";
        const auto claims = verify_hs256(sign_payload(body, kKey), kKey, kNowSeconds);
        ASSERT_TRUE(claims.has_value()) << iat;
        ASSERT_TRUE(claims->iat.has_value()) << iat;
        EXPECT_EQ(claims->iat->seconds(), std::stod(iat)) << iat;
    }
}

// PyJWT compares with the whole second of now, exp and nbf cut to whole seconds (int()), iat
// as it is.
TEST(Jwt, ComparesTimeClaimsWithTheWholeSecondAsPyJwt) {
    const double later_in_the_second = kNowSeconds + 0.7;
    const auto verifies = [&](const std::string& body) {
        return verify_hs256(sign_payload(body, kKey), kKey, later_in_the_second).has_value();
    };
    EXPECT_FALSE(verifies(payload({}, kNow)));
    EXPECT_FALSE(verifies(R"({"token_type":"access","exp":1800000000.9,"jti":"x"})"));
    EXPECT_TRUE(verifies(R"({"token_type":"access","exp":1800000001.1,"jti":"x"})"));
    EXPECT_TRUE(verifies(payload(R"(,"nbf":1800000000.9)")));
    EXPECT_FALSE(verifies(payload(R"(,"nbf":1800000001)")));
    EXPECT_TRUE(verifies(R"({"token_type":"access","exp":1800000300,"iat":1800000000})"));
    EXPECT_FALSE(verifies(R"({"token_type":"access","exp":1800000300,"iat":1800000000.5})"));
}

// Strings and booleans are not NumericDates, although PyJWT's int() reads "123" and true.
TEST(Jwt, RejectsTimeClaimsThatAreNotNumbers) {
    for (const char* value : {R"("1700000000")", "true", "false", "null", "[1]", "{}"}) {
        for (const char* claim : {"exp", "nbf", "iat"}) {
            const std::string body = R"({"token_type":"access","exp":1800000300,"jti":"x",")" +
                                     std::string(claim) + "\":" + value + "}";
            EXPECT_FALSE(verify_hs256(sign_payload(body, kKey), kKey, kNowSeconds))
                << claim << " " << value;
        }
    }
}

// SimpleJWT turns exp into a datetime, which fails (500) from the year 10000 on.
TEST(Jwt, RejectsExpFromTheYear10000) {
    for (const char* exp : {"253402300800", "1e12", "18446744073709551615", "18446744073709551616",
                            "1e308", "1e400"}) {
        const std::string body =
            std::string(R"({"token_type":"access","exp":)") + exp + R"(,"jti":"x","user_id":1})";
        EXPECT_FALSE(verify_hs256(sign_payload(body, kKey), kKey, kNowSeconds)) << exp;
    }
    for (const char* exp : {"253402300799", "253402300799.5"}) {
        const std::string body =
            std::string(R"({"token_type":"access","exp":)") + exp + R"(,"jti":"x","user_id":1})";
        const auto claims = verify_hs256(sign_payload(body, kKey), kKey, kNowSeconds);
        ASSERT_TRUE(claims.has_value()) << exp;
        EXPECT_EQ(claims->exp, 253402300799) << exp;
    }
}

TEST(Jwt, EncodesAnIatAsItWasWritten) {
    TokenClaims claims = access_claims();
    claims.iat = NumericDate{1e9};
    EXPECT_NE(decoded_segment(encode_hs256(claims, kKey), 1).find(R"("iat":1000000000.0,)"),
              std::string::npos);
    claims.iat = NumericDate{1799999999.25};
    const auto verified = verify_hs256(encode_hs256(claims, kKey), kKey, kNowSeconds);
    ASSERT_TRUE(verified.has_value());
    EXPECT_EQ(verified->iat, NumericDate{1799999999.25});
}

// What SimpleJWT copies from a refresh token into the access token, written as PyJWT writes it
// (json.dumps(..., separators=(",", ":"))).
TEST(Jwt, KeepsTheOtherClaimsInOrderAsPyJwtWritesThem) {
    const std::string body =
        R"({"user_id":1,"jti":"a","foo":"\u00e9\u2028\ud83d\ude00\u007f\"\\\n\/","token_type":)"
        R"("refresh","iat":1700000000.5,"exp":1800000300,"bar":[1.5,null,true,{"x":1e16,)"
        R"("y":-0.0}],"n":18446744073709551615,"nbf":17e8})";
    const auto claims = verify_hs256(sign_payload(body, kKey), kKey, kNowSeconds);
    ASSERT_TRUE(claims.has_value());
    EXPECT_EQ(claims->copied_claims,
              R"(,"user_id":1,"foo":"\u00e9\u2028\ud83d\ude00\u007f\"\\\n/",)"
              R"("bar":[1.5,null,true,{"x":1e+16,"y":-0.0}],"n":18446744073709551615,)"
              R"("nbf":1700000000.0)");
    TokenClaims access = access_claims();
    access.copied_claims = claims->copied_claims;
    EXPECT_EQ(decoded_segment(encode_hs256(access, kKey), 1),
              R"({"token_type":"access","exp":1800000300,"iat":1800000000,)"
              R"("jti":"0123456789abcdef0123456789abcdef")" +
                  claims->copied_claims + "}");
}

TEST(Jwt, RejectsNbfInTheFuture) {
    EXPECT_FALSE(
        verify_hs256(sign_payload(payload(R"(,"nbf":1800000001)"), kKey), kKey, kNowSeconds));
    EXPECT_FALSE(verify_hs256(sign_payload(payload(R"(,"nbf":"later")"), kKey), kKey, kNowSeconds));
}

TEST(Jwt, AcceptsNbfNowOrEarlier) {
    EXPECT_TRUE(
        verify_hs256(sign_payload(payload(R"(,"nbf":1800000000)"), kKey), kKey, kNowSeconds));
    EXPECT_TRUE(verify_hs256(sign_payload(payload(R"(,"nbf":1)"), kKey), kKey, kNowSeconds));
}

TEST(Jwt, RejectsIatInTheFuture) {
    const std::string body =
        R"({"token_type":"access","exp":1800000300,"iat":1800000001,"jti":"x","user_id":1})";
    EXPECT_FALSE(verify_hs256(sign_payload(body, kKey), kKey, kNowSeconds));
}

TEST(Jwt, AcceptsIatNow) {
    const auto claims = verify_hs256(sign_payload(payload(), kKey), kKey, kNowSeconds);
    ASSERT_TRUE(claims.has_value());
    EXPECT_EQ(claims->iat, NumericDate{kNow});
}

TEST(Jwt, AcceptsATokenWithoutExpButSaysSo) {
    const auto claims = verify_hs256(
        sign_payload(R"({"token_type":"access","jti":"x","user_id":1})", kKey), kKey, kNowSeconds);
    ASSERT_TRUE(claims.has_value());
    EXPECT_FALSE(claims->has_exp);
    EXPECT_FALSE(claims->iat.has_value());
}

// --- the other claims ------------------------------------------------------------------------

TEST(Jwt, ReportsAbsentClaims) {
    const auto claims =
        verify_hs256(sign_payload(R"({"exp":1800000300})", kKey), kKey, kNowSeconds);
    ASSERT_TRUE(claims.has_value());
    EXPECT_TRUE(claims->has_exp);
    EXPECT_FALSE(claims->token_type.has_value());
    EXPECT_FALSE(claims->has_jti);
    EXPECT_FALSE(claims->has_user_id);
}

TEST(Jwt, KeepsANonStringTokenTypeAsAnEmptyType) {
    const auto claims = verify_hs256(
        sign_payload(R"({"token_type":1,"exp":1800000300,"jti":"x","user_id":1})", kKey), kKey,
        kNowSeconds);
    ASSERT_TRUE(claims.has_value());
    EXPECT_EQ(claims->token_type, "");
}

TEST(Jwt, AcceptsANumericStringUserId) {
    const auto claims = verify_hs256(
        sign_payload(R"({"token_type":"access","exp":1800000300,"jti":"x","user_id":"42"})", kKey),
        kKey, kNowSeconds);
    ASSERT_TRUE(claims.has_value());
    EXPECT_TRUE(claims->has_user_id);
    EXPECT_TRUE(claims->user_id_valid);
    EXPECT_EQ(claims->user_id, 42);
}

TEST(Jwt, MarksANonNumericUserIdInvalid) {
    for (const char* uid : {R"("alice")", R"("4x")", R"("")", "[1]", "{}", "true"}) {
        const std::string body = R"({"token_type":"access","exp":1800000300,"jti":"x","user_id":)" +
                                 std::string(uid) + "}";
        const auto claims = verify_hs256(sign_payload(body, kKey), kKey, kNowSeconds);
        ASSERT_TRUE(claims.has_value()) << uid;
        EXPECT_TRUE(claims->has_user_id) << uid;
        EXPECT_FALSE(claims->user_id_valid) << uid;
    }
}

TEST(Jwt, ReadsANullUserIdAsNoUser) {
    const auto claims = verify_hs256(
        sign_payload(R"({"token_type":"access","exp":1800000300,"jti":"x","user_id":null})", kKey),
        kKey, kNowSeconds);
    ASSERT_TRUE(claims.has_value());
    EXPECT_TRUE(claims->user_id_valid);
    EXPECT_EQ(claims->user_id, 0);
}

// --- random_jti ------------------------------------------------------------------------------

TEST(RandomJti, Is32LowercaseHexCharacters) {
    const std::string jti = random_jti();
    ASSERT_EQ(jti.size(), 32u);
    EXPECT_EQ(jti.find_first_not_of("0123456789abcdef"), std::string::npos) << jti;
}

TEST(RandomJti, DiffersBetweenCalls) {
    std::set<std::string> seen;
    for (int i = 0; i < 100; ++i) seen.insert(random_jti());
    EXPECT_EQ(seen.size(), 100u);
}

}  // namespace
}  // namespace taskapi::auth
