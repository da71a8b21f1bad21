#include "auth/password_hasher.hpp"

#include <sodium.h>

#include <array>
#include <stdexcept>

namespace taskapi::auth {

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

bool Argon2idHasher::verify(std::string_view hash, std::string_view password) const {
    if (hash.size() >= crypto_pwhash_STRBYTES) return false;
    std::array<char, crypto_pwhash_STRBYTES> stored{};
    hash.copy(stored.data(), hash.size());
    return crypto_pwhash_str_verify(stored.data(), password.data(), password.size()) == 0;
}

void Argon2idHasher::verify_dummy(std::string_view password) const {
    [[maybe_unused]] const bool ignored = verify(dummy_hash_, password);
}

}  // namespace taskapi::auth
