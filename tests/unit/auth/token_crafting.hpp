// Test support: builds JWTs from raw header and payload JSON (signed or not), and takes them
// apart again, so tests can craft tokens that encode_hs256 would never produce.
#pragma once

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace taskapi::auth::crafting {

inline constexpr std::string_view kBase64UrlAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
inline constexpr std::string_view kStandardHeader = R"({"alg":"HS256","typ":"JWT"})";

// base64url without padding (RFC 7515 section 2).
inline std::string b64url_encode(std::string_view in) {
    std::string out;
    unsigned buffer = 0;
    int bits = 0;
    for (const char c : in) {
        buffer = (buffer << 8) | static_cast<unsigned char>(c);
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out += kBase64UrlAlphabet[(buffer >> bits) & 63u];
        }
    }
    if (bits > 0) out += kBase64UrlAlphabet[(buffer << (6 - bits)) & 63u];
    return out;
}

// Decodes unpadded base64url; throws on a character outside the alphabet.
inline std::string b64url_decode(std::string_view in) {
    std::string out;
    unsigned buffer = 0;
    int bits = 0;
    for (const char c : in) {
        const auto pos = kBase64UrlAlphabet.find(c);
        if (pos == std::string_view::npos) throw std::invalid_argument("not base64url");
        buffer = (buffer << 6) | static_cast<unsigned>(pos);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((buffer >> bits) & 0xFFu);
        }
    }
    return out;
}

inline std::string hmac_sha256(std::string_view key, std::string_view data) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest.data(), &length);
    return std::string(reinterpret_cast<const char*>(digest.data()), length);
}

// "<b64 header>.<b64 payload>.<b64 HMAC-SHA256 of the first two>" for any header and payload.
inline std::string sign_segments(std::string_view header_b64, std::string_view payload_b64,
                                 std::string_view key) {
    std::string token(header_b64);
    token += '.';
    token += payload_b64;
    const std::string signature = b64url_encode(hmac_sha256(key, token));
    token += '.';
    token += signature;
    return token;
}

inline std::string sign(std::string_view header_json, std::string_view payload_json,
                        std::string_view key) {
    return sign_segments(b64url_encode(header_json), b64url_encode(payload_json), key);
}

inline std::string sign_payload(std::string_view payload_json, std::string_view key) {
    return sign(kStandardHeader, payload_json, key);
}

inline std::vector<std::string> split_token(std::string_view token) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (true) {
        const auto dot = token.find('.', start);
        parts.emplace_back(token.substr(start, dot - start));
        if (dot == std::string_view::npos) break;
        start = dot + 1;
    }
    return parts;
}

// The decoded JSON text of a token's header (index 0) or payload (index 1).
inline std::string decoded_segment(std::string_view token, std::size_t index) {
    return b64url_decode(split_token(token).at(index));
}

}  // namespace taskapi::auth::crafting
