// Password hashing with Argon2id (libsodium). Hashing is slow on purpose: call it off the I/O
// threads.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace taskapi::passwords {

class PasswordHasher {
public:
    virtual ~PasswordHasher() = default;
    // Returns a self-describing hash string (algorithm, parameters, salt, digest).
    [[nodiscard]] virtual std::string hash(std::string_view password) const = 0;
    // True when `password` matches `hash`. A malformed hash is simply no match.
    [[nodiscard]] virtual bool verify(std::string_view hash, std::string_view password) const = 0;
    // Spends the same time as verify() against a real hash, for logins of unknown users.
    virtual void verify_dummy(std::string_view password) const = 0;
    // True when `hash` was made with other parameters (or another algorithm) than hash() uses
    // now: after a successful login the password is hashed again and stored.
    [[nodiscard]] virtual bool needs_rehash(std::string_view hash) const = 0;
};

// OWASP's Password Storage Cheat Sheet gives five Argon2id settings of equal strength: m = 46 MiB
// with t = 1, 19 MiB/2, 12 MiB/3, 9 MiB/4, 7 MiB/5 (p = 1). taskapi takes the last one: it needs
// the least memory (two logins hashing at once keep the server under 30 MB) and, measured with
// libsodium on the 2-core development machine, runs fastest: 9.7 ms per verification against
// 14.2 ms for 19 MiB/2, 166 against 121 verifications/s on 2 threads (caches hold more of the
// smaller block). See docs/decisions/004-argon2id-parameters.md.
struct Argon2idParams {
    unsigned long long ops_limit = 5;                      // iterations (t)
    std::size_t mem_limit = std::size_t{7} * 1024 * 1024;  // bytes (m = 7 MiB = 7168 KiB)
};

// Thread-safe after construction.
class Argon2idHasher final : public PasswordHasher {
public:
    explicit Argon2idHasher(Argon2idParams params = {});
    [[nodiscard]] std::string hash(std::string_view password) const override;
    [[nodiscard]] bool verify(std::string_view hash, std::string_view password) const override;
    void verify_dummy(std::string_view password) const override;
    [[nodiscard]] bool needs_rehash(std::string_view hash) const override;

    // What verify_dummy() verifies against: a hash of a random password, made with this hasher's
    // parameters, so that it costs what a real verification costs.
    [[nodiscard]] const std::string& dummy_hash() const { return dummy_hash_; }

private:
    Argon2idParams params_;
    std::string dummy_hash_;
};

}  // namespace taskapi::passwords
