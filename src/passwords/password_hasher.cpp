#include "passwords/password_hasher.hpp"

#include <sodium.h>

#include <array>
#include <optional>
#include <stdexcept>

namespace taskapi::passwords {

Argon2idHasher::Argon2idHasher(Argon2idParams params) : params_(params) {
    if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
    // A hash of a random password with the same parameters: verifying against it costs what a
    // real verification costs, so a login for an unknown username is not faster than a wrong one.
    std::array<unsigned char, 32> random{};
    randombytes_buf(random.data(), random.size());
    dummy_hash_ =
        hash(std::string_view(reinterpret_cast<const char*>(random.data()), random.size()));
}

std::string Argon2idHasher::hash(std::string_view password) const {
    std::array<char, crypto_pwhash_STRBYTES> out{};
    if (crypto_pwhash_str_alg(out.data(), password.data(), password.size(), params_.ops_limit,
                              params_.mem_limit, crypto_pwhash_ALG_ARGON2ID13) != 0) {
        throw std::runtime_error("password hashing ran out of memory");
    }
    return std::string(out.data());
}

namespace {

// libsodium reads hashes as NUL-terminated strings of bounded length.
std::optional<std::array<char, crypto_pwhash_STRBYTES>> terminated(std::string_view hash) {
    if (hash.size() >= crypto_pwhash_STRBYTES) return std::nullopt;
    std::array<char, crypto_pwhash_STRBYTES> out{};
    hash.copy(out.data(), hash.size());
    return out;
}

}  // namespace

bool Argon2idHasher::verify(std::string_view hash, std::string_view password) const {
    const auto stored = terminated(hash);
    return stored &&
           crypto_pwhash_str_verify(stored->data(), password.data(), password.size()) == 0;
}

bool Argon2idHasher::needs_rehash(std::string_view hash) const {
    const auto stored = terminated(hash);
    // 0: an Argon2id hash with exactly these parameters; 1: other parameters; -1: not Argon2id.
    return !stored || crypto_pwhash_str_needs_rehash(stored->data(), params_.ops_limit,
                                                     params_.mem_limit) != 0;
}

void Argon2idHasher::verify_dummy(std::string_view password) const {
    [[maybe_unused]] const bool ignored = verify(dummy_hash_, password);
}

}  // namespace taskapi::passwords
