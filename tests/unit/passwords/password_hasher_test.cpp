#include "passwords/password_hasher.hpp"

#include <gtest/gtest.h>

#include <string>

namespace taskapi::passwords {
namespace {

using namespace std::string_literals;

// libsodium's minimum cost: fast enough for unit tests.
constexpr Argon2idParams kFast{.ops_limit = 1, .mem_limit = 8192};

TEST(Argon2idHasher, HashVerifiesTheSamePassword) {
    const Argon2idHasher hasher(kFast);
    const std::string hash = hasher.hash("correct horse battery staple");
    EXPECT_TRUE(hasher.verify(hash, "correct horse battery staple"));
}

TEST(Argon2idHasher, WrongPasswordDoesNotVerify) {
    const Argon2idHasher hasher(kFast);
    const std::string hash = hasher.hash("correct horse battery staple");
    EXPECT_FALSE(hasher.verify(hash, "correct horse battery stapler"));
    EXPECT_FALSE(hasher.verify(hash, "Correct horse battery staple"));
    EXPECT_FALSE(hasher.verify(hash, ""));
}

TEST(Argon2idHasher, UsesTheWholePasswordIncludingNulBytes) {
    const Argon2idHasher hasher(kFast);
    const std::string hash = hasher.hash("abc\0def"s);
    EXPECT_TRUE(hasher.verify(hash, "abc\0def"s));
    EXPECT_FALSE(hasher.verify(hash, "abc"));
}

TEST(Argon2idHasher, HashesAreSalted) {
    const Argon2idHasher hasher(kFast);
    const std::string first = hasher.hash("same password");
    const std::string second = hasher.hash("same password");
    EXPECT_NE(first, second);
    EXPECT_TRUE(hasher.verify(first, "same password"));
    EXPECT_TRUE(hasher.verify(second, "same password"));
}

TEST(Argon2idHasher, WritesASelfDescribingArgon2idString) {
    const Argon2idHasher hasher(kFast);
    const std::string hash = hasher.hash("pw");
    EXPECT_EQ(hash.rfind("$argon2id$v=19$m=8,t=1,p=1$", 0), 0u) << hash;
}

TEST(Argon2idHasher, VerifiesHashesMadeWithOtherParameters) {
    const Argon2idHasher cheap(kFast);
    const Argon2idHasher other(Argon2idParams{.ops_limit = 2, .mem_limit = 16384});
    EXPECT_TRUE(other.verify(cheap.hash("pw-1234567"), "pw-1234567"));
}

TEST(Argon2idHasher, MalformedHashIsNoMatch) {
    const Argon2idHasher hasher(kFast);
    std::string corrupted = hasher.hash("password");
    corrupted.back() = corrupted.back() == 'A' ? 'B' : 'A';
    EXPECT_FALSE(hasher.verify(corrupted, "password"));
    EXPECT_FALSE(hasher.verify("", "password"));
    EXPECT_FALSE(hasher.verify("password", "password"));
    EXPECT_FALSE(hasher.verify("$argon2id$v=19$m=8,t=1,p=1$", "password"));
    EXPECT_FALSE(hasher.verify("pbkdf2_sha256$260000$salt$hash", "password"));
    EXPECT_FALSE(hasher.verify(std::string(1000, '$'), "password"));
}

// An unknown username costs one verification against the dummy hash: the same work as a real
// one only if the dummy hash has the same parameters (timing is by construction, not measured).
TEST(Argon2idHasher, TheDummyHashCostsWhatARealOneCosts) {
    const Argon2idHasher hasher(kFast);
    const std::string& dummy = hasher.dummy_hash();
    EXPECT_EQ(dummy.rfind("$argon2id$", 0), 0u) << dummy;
    EXPECT_FALSE(hasher.needs_rehash(dummy)) << "the dummy hash must have today's parameters";
    EXPECT_EQ(dummy.substr(0, dummy.rfind('$', dummy.rfind('$') - 1)),
              hasher.hash("x").substr(0, dummy.rfind('$', dummy.rfind('$') - 1)))
        << "same algorithm, version and parameters as a real hash";
    const Argon2idHasher standard;
    EXPECT_FALSE(standard.needs_rehash(standard.dummy_hash()));
}

TEST(Argon2idHasher, NoPasswordOpensTheDummyHash) {
    const Argon2idHasher hasher(kFast);
    for (const char* password : {"", "anything", "password"}) {
        EXPECT_FALSE(hasher.verify(hasher.dummy_hash(), password)) << password;
        hasher.verify_dummy(password);  // and it never throws
    }
    // random: no two servers share one
    EXPECT_NE(hasher.dummy_hash(), Argon2idHasher(kFast).dummy_hash());
}

TEST(Argon2idHasher, NeedsRehashOnlyForOtherParametersOrAlgorithms) {
    const Argon2idHasher hasher(kFast);
    const Argon2idHasher other(Argon2idParams{.ops_limit = 2, .mem_limit = 16384});
    EXPECT_FALSE(hasher.needs_rehash(hasher.hash("pw")));
    EXPECT_TRUE(hasher.needs_rehash(other.hash("pw")));
    EXPECT_TRUE(other.needs_rehash(hasher.hash("pw")));
    EXPECT_TRUE(hasher.needs_rehash(""));
    EXPECT_TRUE(hasher.needs_rehash("pbkdf2_sha256$260000$salt$hash"));
    EXPECT_TRUE(hasher.needs_rehash(std::string(1000, '$')));
}

// OWASP's Password Storage Cheat Sheet: Argon2id settings of equal strength (p = 1).
struct OwaspSetting {
    std::size_t mem_kib;
    unsigned long long iterations;
};
constexpr OwaspSetting kOwaspArgon2id[] = {
    {47104, 1}, {19456, 2}, {12288, 3}, {9216, 4}, {7168, 5}};

TEST(Argon2idParams, DefaultsMeetOneOfOwaspsMinimumSettings) {
    const Argon2idParams defaults;
    bool meets = false;
    for (const auto& setting : kOwaspArgon2id) {
        meets = meets || (defaults.mem_limit >= setting.mem_kib * 1024u &&
                          defaults.ops_limit >= setting.iterations);
    }
    EXPECT_TRUE(meets) << defaults.mem_limit << " bytes, t=" << defaults.ops_limit;
}

TEST(Argon2idHasher, DefaultHasherWritesTheDefaultCost) {
    const Argon2idHasher hasher;  // two real hashes (dummy + this one): ~0.1 s
    const std::string hash = hasher.hash("pw");
    EXPECT_EQ(hash.rfind("$argon2id$v=19$m=7168,t=5,p=1$", 0), 0u) << hash;
}

}  // namespace
}  // namespace taskapi::passwords
