// Password hashing with Argon2id (libsodium). Hashing is slow on purpose: call it off the I/O
// threads.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace taskapi::auth {

class PasswordHasher {
public:
    virtual ~PasswordHasher() = default;
    // Returns a self-describing hash string (algorithm, parameters, salt, digest).
    [[nodiscard]] virtual std::string hash(std::string_view password) const = 0;
    // True when `password` matches `hash`. A malformed hash is simply no match.
    [[nodiscard]] virtual bool verify(std::string_view hash, std::string_view password) const = 0;
    // Spends the same time as verify() against a real hash, for logins of unknown users.
    virtual void verify_dummy(std::string_view password) const = 0;
};

struct Argon2idParams {
    unsigned long long ops_limit = 2;             // iterations (t)
    std::size_t mem_limit = 19u * 1024u * 1024u;  // bytes (m = 19 MiB), OWASP's minimum with t = 2
};

// Thread-safe after construction.
class Argon2idHasher final : public PasswordHasher {
public:
    explicit Argon2idHasher(Argon2idParams params = {});
    [[nodiscard]] std::string hash(std::string_view password) const override;
    [[nodiscard]] bool verify(std::string_view hash, std::string_view password) const override;
    void verify_dummy(std::string_view password) const override;

private:
    Argon2idParams params_;
    std::string dummy_hash_;
};

}  // namespace taskapi::auth
