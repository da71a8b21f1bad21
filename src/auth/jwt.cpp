#include "auth/jwt.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <array>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cmath>
#include <stdexcept>

#include "core/text.hpp"

namespace taskapi::auth {
namespace {

namespace json = boost::json;

constexpr std::size_t kMaxTokenLength = 8192;
constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
// base64url of {"alg":"HS256","typ":"JWT"}
constexpr std::string_view kHeaderB64 = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";

std::string base64url_encode(std::string_view in) {
    std::string out;
    out.reserve((in.size() * 4 + 2) / 3);
    std::size_t i = 0;
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(in[k]); };
    for (; i + 2 < in.size(); i += 3) {
        const unsigned v = (unsigned{byte(i)} << 16) | (unsigned{byte(i + 1)} << 8) | byte(i + 2);
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        out += kAlphabet[(v >> 6) & 63];
        out += kAlphabet[v & 63];
    }
    if (i + 1 == in.size()) {
        const unsigned v = unsigned{byte(i)} << 16;
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
    } else if (i + 2 == in.size()) {
        const unsigned v = (unsigned{byte(i)} << 16) | (unsigned{byte(i + 1)} << 8);
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        out += kAlphabet[(v >> 6) & 63];
    }
    return out;
}

// The value of each byte in the alphabet, -1 for bytes outside it.
constexpr std::array<int, 256> kDecodeTable = [] {
    std::array<int, 256> table{};
    table.fill(-1);
    for (std::size_t i = 0; i < kAlphabet.size(); ++i) {
        table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int>(i);
    }
    return table;
}();

// Strict: only the URL-safe alphabet, no padding, no leftover bits.
std::optional<std::string> base64url_decode(std::string_view in) {
    if (in.size() % 4 == 1) return std::nullopt;
    std::string out;
    out.reserve(in.size() * 3 / 4);
    unsigned buffer = 0;
    int bits = 0;
    for (const char c : in) {
        const int value = kDecodeTable[static_cast<unsigned char>(c)];
        if (value < 0) return std::nullopt;
        buffer = (buffer << 6) | static_cast<unsigned>(value);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((buffer >> bits) & 0xFF);
        }
    }
    if ((buffer & ((1u << bits) - 1)) != 0) return std::nullopt;
    return out;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int len = 0;
    if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
             reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest.data(),
             &len) == nullptr) {
        throw std::runtime_error("HMAC-SHA256 failed");
    }
    return std::string(reinterpret_cast<const char*>(digest.data()), len);
}

std::optional<json::object> parse_object(std::string_view text) {
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec || !v.is_object()) return std::nullopt;
    return std::move(v.as_object());
}

// A time claim: any JSON number (RFC 7519 2), finite. Strings and booleans are refused although
// PyJWT's int() takes "123" and true: they are not NumericDates, and no issuer that shares the
// key writes them (decision 001).
std::optional<NumericDate> as_numeric_date(const json::value& v) {
    if (v.is_int64()) return NumericDate{v.get_int64()};
    if (v.is_uint64()) return NumericDate{static_cast<double>(v.get_uint64())};
    if (v.is_double() && std::isfinite(v.get_double())) return NumericDate{v.get_double()};
    return std::nullopt;
}

// The first second of the year 10000: SimpleJWT turns exp into a Python datetime, which fails
// (500) from there on.
constexpr double kEndOfYear9999 = 253402300800.0;

void append_numeric_date(std::string& out, const NumericDate& date) {
    if (const auto* integer = std::get_if<std::int64_t>(&date.value)) {
        out += std::to_string(*integer);
    } else {
        out += core::python_float_repr(std::get<double>(date.value));
    }
}

// A string as Python's json.dumps writes it by default (ensure_ascii): ASCII only, with \uXXXX
// escapes in lower case, UTF-16 surrogate pairs beyond U+FFFF.
void append_ascii_json_string(std::string& out, std::string_view text) {
    static constexpr std::string_view kHex = "0123456789abcdef";
    const auto escape_unit = [&out](char32_t unit) {
        out += "\\u";
        for (int shift = 12; shift >= 0; shift -= 4) out += kHex[(unit >> shift) & 0xF];
    };
    std::u32string code_points;
    if (!core::decode_utf8(text, code_points)) code_points.clear();  // Boost.JSON checked it
    out += '"';
    for (const char32_t c : code_points) {
        switch (c) {
            case U'"':
                out += "\\\"";
                break;
            case U'\\':
                out += "\\\\";
                break;
            case U'\n':
                out += "\\n";
                break;
            case U'\r':
                out += "\\r";
                break;
            case U'\t':
                out += "\\t";
                break;
            case U'\b':
                out += "\\b";
                break;
            case U'\f':
                out += "\\f";
                break;
            default:
                if (c >= 0x20 && c < 0x7F) {
                    out += static_cast<char>(c);
                } else if (c > 0xFFFF) {
                    escape_unit(0xD800 + ((c - 0x10000) >> 10));
                    escape_unit(0xDC00 + ((c - 0x10000) & 0x3FF));
                } else {
                    escape_unit(c);
                }
        }
    }
    out += '"';
}

// A JSON value as PyJWT writes a payload (json.dumps with separators (",", ":")): compact,
// ASCII strings, floats as Python's repr. Integers beyond 64 bits were read as doubles by
// Boost.JSON and are written as floats.
void append_python_json(std::string& out, const json::value& v) {
    switch (v.kind()) {
        case json::kind::null:
            out += "null";
            break;
        case json::kind::bool_:
            out += v.get_bool() ? "true" : "false";
            break;
        case json::kind::int64:
            out += std::to_string(v.get_int64());
            break;
        case json::kind::uint64:
            out += std::to_string(v.get_uint64());
            break;
        case json::kind::double_: {
            const double d = v.get_double();
            if (std::isinf(d)) {
                out += d > 0 ? "Infinity" : "-Infinity";
            } else {
                out += core::python_float_repr(d);
            }
            break;
        }
        case json::kind::string:
            append_ascii_json_string(out, v.get_string());
            break;
        case json::kind::array: {
            out += '[';
            bool first = true;
            for (const auto& item : v.get_array()) {
                if (!first) out += ',';
                first = false;
                append_python_json(out, item);
            }
            out += ']';
            break;
        }
        case json::kind::object: {
            out += '{';
            bool first = true;
            for (const auto& member : v.get_object()) {
                if (!first) out += ',';
                first = false;
                append_ascii_json_string(out, member.key());
                out += ':';
                append_python_json(out, member.value());
            }
            out += '}';
            break;
        }
    }
}

// The user id claim, read the way Django's integer primary key lookup reads it.
void read_user_id(const json::value& v, DecodedClaims& out) {
    out.has_user_id = true;
    if (v.is_int64()) {
        out.user_id = v.get_int64();
        out.user_id_valid = true;
    } else if (v.is_string()) {
        const auto& s = v.get_string();
        if (auto id = core::parse_int64(std::string_view(s.data(), s.size()))) {
            out.user_id = *id;
            out.user_id_valid = true;
        }
    } else if (v.is_null()) {
        out.user_id = 0;  // no user has id 0: "User not found", as Django's lookup of None
        out.user_id_valid = true;
    }
}

}  // namespace

double NumericDate::seconds() const {
    if (const auto* integer = std::get_if<std::int64_t>(&value)) {
        return static_cast<double>(*integer);
    }
    return std::get<double>(value);
}

std::string encode_hs256(const TokenClaims& claims, std::string_view key) {
    std::string payload = "{\"token_type\":";
    core::append_json_string(payload, claims.token_type);
    payload += ",\"exp\":" + std::to_string(claims.exp);
    payload += ",\"iat\":";
    append_numeric_date(payload, claims.iat);
    payload += ",\"jti\":";
    core::append_json_string(payload, claims.jti);
    if (claims.copied_claims) {
        payload += *claims.copied_claims;
    } else {
        payload += ",\"user_id\":" + std::to_string(claims.user_id);
    }
    payload += '}';
    std::string token(kHeaderB64);
    token += '.';
    token += base64url_encode(payload);
    const std::string signature = base64url_encode(hmac_sha256(key, token));
    token += '.';
    token += signature;
    return token;
}

std::optional<DecodedClaims> verify_hs256(std::string_view token, std::string_view key,
                                          double now) {
    if (token.size() > kMaxTokenLength) return std::nullopt;
    const auto dot1 = token.find('.');
    if (dot1 == std::string_view::npos) return std::nullopt;
    const auto dot2 = token.find('.', dot1 + 1);
    if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
        return std::nullopt;
    }
    const auto header_b64 = token.substr(0, dot1);
    const auto payload_b64 = token.substr(dot1 + 1, dot2 - dot1 - 1);
    const auto signature_b64 = token.substr(dot2 + 1);

    const auto header_text = base64url_decode(header_b64);
    const auto payload_text = base64url_decode(payload_b64);
    const auto signature = base64url_decode(signature_b64);
    if (!header_text || !payload_text || !signature) return std::nullopt;

    // The algorithm is pinned: the header may not choose it (no "none", no HS512, no RS256).
    const auto header = parse_object(*header_text);
    if (!header) return std::nullopt;
    const auto* alg = header->if_contains("alg");
    if (alg == nullptr || !alg->is_string() || alg->get_string() != "HS256") return std::nullopt;
    if (header->contains("crit"))
        return std::nullopt;  // no extension is understood (RFC 7515 4.1.11)
    if (const auto* kid = header->if_contains("kid"); kid != nullptr && !kid->is_string()) {
        return std::nullopt;
    }

    const std::string expected = hmac_sha256(key, token.substr(0, dot2));
    if (signature->size() != expected.size() ||
        CRYPTO_memcmp(signature->data(), expected.data(), expected.size()) != 0) {
        return std::nullopt;
    }

    const auto payload = parse_object(*payload_text);
    if (!payload) return std::nullopt;

    // PyJWT compares with the whole second (timegm of a time tuple), and the exp and nbf it
    // compares are cut to whole seconds (int()); iat is compared as it is.
    const double second = std::floor(now);
    DecodedClaims out;
    if (const auto* exp = payload->if_contains("exp")) {
        const auto value = as_numeric_date(*exp);
        if (!value || value->seconds() >= kEndOfYear9999) return std::nullopt;
        const double whole = std::trunc(value->seconds());
        if (whole <= second) return std::nullopt;
        out.has_exp = true;
        out.exp = static_cast<std::int64_t>(whole);
    }
    if (const auto* nbf = payload->if_contains("nbf")) {
        const auto value = as_numeric_date(*nbf);
        if (!value || std::trunc(value->seconds()) > second) return std::nullopt;
    }
    if (const auto* iat = payload->if_contains("iat")) {
        const auto value = as_numeric_date(*iat);
        if (!value || value->seconds() > second) return std::nullopt;
        out.iat = value;
    }
    if (const auto* type = payload->if_contains("token_type")) {
        out.token_type = type->is_string() ? std::string(type->get_string()) : std::string();
    }
    if (const auto* jti = payload->if_contains("jti")) {
        out.has_jti = true;
        if (jti->is_string()) {
            out.jti = std::string(jti->get_string());
        } else {
            append_python_json(out.jti, *jti);
        }
    }
    if (const auto* uid = payload->if_contains("user_id")) read_user_id(*uid, out);
    for (const auto& member : *payload) {
        const std::string_view name = member.key();
        if (name == "token_type" || name == "exp" || name == "jti" || name == "iat") continue;
        out.copied_claims += ',';
        append_ascii_json_string(out.copied_claims, name);
        out.copied_claims += ':';
        append_python_json(out.copied_claims, member.value());
    }
    return out;
}

std::string random_jti() {
    std::array<unsigned char, 16> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
        throw std::runtime_error("RAND_bytes failed");
    }
    static constexpr std::string_view kHex = "0123456789abcdef";
    std::string out;
    out.reserve(32);
    for (const unsigned char b : bytes) {
        out += kHex[b >> 4];
        out += kHex[b & 0x0F];
    }
    return out;
}

}  // namespace taskapi::auth
