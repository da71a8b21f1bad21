#include "users/user_service.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "fakes/fixed_clock.hpp"
#include "fakes/in_memory_task_repository.hpp"
#include "fakes/in_memory_user_repository.hpp"
#include "passwords/password_hasher.hpp"

namespace taskapi::users {
namespace {

constexpr std::string_view kNoActiveAccount = "No active account found with the given credentials";

class UserServiceTest : public ::testing::Test {
protected:
    fakes::FixedClock clock_;
    fakes::InMemoryTaskRepository tasks_;
    fakes::InMemoryUserRepository repository_{&tasks_};
    passwords::Argon2idHasher hasher_{passwords::Argon2idParams{.ops_limit = 1, .mem_limit = 8192}};
    UserService service_{repository_, hasher_, clock_};

    User create(std::string username, std::string password = "alice-password-1",
                bool is_active = true) {
        auto user = service_.create_user(NewAccount{.username = std::move(username),
                                                    .password = std::move(password),
                                                    .is_active = is_active});
        EXPECT_TRUE(user.has_value()) << (user ? "" : user.error().message);
        return std::move(user).value();
    }

    void expect_login_refused(std::string_view username, std::string_view password) {
        const auto result = service_.login(username, password);
        ASSERT_FALSE(result.has_value()) << username;
        EXPECT_EQ(result.error().code, core::ErrorCode::kUnauthenticated);
        EXPECT_EQ(result.error().message, kNoActiveAccount);
        EXPECT_EQ(result.error().reason, "");
    }
};

// A hasher during whose password check something else happens, as another process could
// (taskapi changepassword) while a login is being hashed.
class InterruptedHasher final : public passwords::PasswordHasher {
public:
    InterruptedHasher(const passwords::PasswordHasher& real, std::function<void()> meanwhile)
        : real_(real), meanwhile_(std::move(meanwhile)) {}
    [[nodiscard]] std::string hash(std::string_view password) const override {
        return real_.hash(password);
    }
    [[nodiscard]] bool verify(std::string_view hash, std::string_view password) const override {
        const bool ok = real_.verify(hash, password);
        meanwhile_();
        return ok;
    }
    void verify_dummy(std::string_view password) const override { real_.verify_dummy(password); }
    [[nodiscard]] bool needs_rehash(std::string_view hash) const override {
        return real_.needs_rehash(hash);
    }

private:
    const passwords::PasswordHasher& real_;
    std::function<void()> meanwhile_;
};

void expect_invalid(const core::Status& status) {
    ASSERT_FALSE(status.has_value());
    EXPECT_EQ(status.error().code, core::ErrorCode::kInvalidArgument);
    EXPECT_FALSE(status.error().message.empty());
}

// --- create_user -----------------------------------------------------------------------------

TEST_F(UserServiceTest, CreateStoresAHashedPassword) {
    const User user = create("alice", "alice-password-1");
    EXPECT_EQ(user.username, "alice");
    EXPECT_TRUE(user.is_active);
    EXPECT_FALSE(user.is_superuser);
    EXPECT_EQ(user.date_joined, clock_.now());
    EXPECT_NE(user.password_hash, "alice-password-1");
    EXPECT_EQ(user.password_hash.rfind("$argon2id$", 0), 0u);
    EXPECT_TRUE(hasher_.verify(user.password_hash, "alice-password-1"));
    const auto stored = repository_.find_by_username("alice");
    ASSERT_TRUE(stored.has_value());
    EXPECT_EQ(stored->id, user.id);
}

TEST_F(UserServiceTest, CreateKeepsTheSuperuserAndActiveFlags) {
    const auto user = service_.create_user(NewAccount{.username = "root",
                                                      .password = "root-password-1",
                                                      .is_superuser = true,
                                                      .is_active = false});
    ASSERT_TRUE(user.has_value());
    EXPECT_TRUE(user->is_superuser);
    EXPECT_FALSE(user->is_active);
}

TEST_F(UserServiceTest, DuplicateUsernameIsAConflict) {
    create("alice");
    const auto again =
        service_.create_user(NewAccount{.username = "alice", .password = "other-password-1"});
    ASSERT_FALSE(again.has_value());
    EXPECT_EQ(again.error().code, core::ErrorCode::kConflict);
}

TEST_F(UserServiceTest, InvalidUsernameIsNotStored) {
    const auto result =
        service_.create_user(NewAccount{.username = "", .password = "alice-password-1"});
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, core::ErrorCode::kInvalidArgument);
    EXPECT_FALSE(repository_.find_by_username("").has_value());
}

TEST_F(UserServiceTest, InvalidPasswordIsNotStored) {
    const auto result = service_.create_user(NewAccount{.username = "alice", .password = "short"});
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, core::ErrorCode::kInvalidArgument);
    EXPECT_FALSE(repository_.find_by_username("alice").has_value());
}

// --- username and password rules ------------------------------------------------------------

TEST(UserServiceRules, AcceptsDjangoUsernames) {
    for (const char* name : {"a", "alice", "Alice_99", "a.b@c+d-e", "élodie", "日本"}) {
        EXPECT_TRUE(UserService::check_username(name).has_value()) << name;
    }
    EXPECT_TRUE(UserService::check_username(std::string(150, 'a')).has_value());
    std::string unicode;
    for (int i = 0; i < 150; ++i) unicode += "é";
    EXPECT_TRUE(UserService::check_username(unicode).has_value());
}

TEST(UserServiceRules, RefusesAnEmptyUsername) { expect_invalid(UserService::check_username("")); }

TEST(UserServiceRules, RefusesUsernamesLongerThan150Characters) {
    expect_invalid(UserService::check_username(std::string(151, 'a')));
}

TEST(UserServiceRules, RefusesSpacesAndPunctuationInUsernames) {
    for (const char* name :
         {"al ice", " alice", "alice ", "a/b", "a\\b", "a:b", "a!", "a#b", "a\tb", "a\nb", "a'b"}) {
        expect_invalid(UserService::check_username(name));
    }
}

TEST(UserServiceRules, RefusesInvalidUtf8Usernames) {
    expect_invalid(UserService::check_username("a\xFF"));
}

// Django's UnicodeUsernameValidator is ^[\w.@+-]+\Z: Unicode letters and digits, but not
// Unicode spaces or symbols.
TEST(UserServiceRules, RefusesNonLetterUnicodeInUsernames) {
    expect_invalid(
        UserService::check_username("ali\xC2\xA0"
                                    "ce"));  // U+00A0 NO-BREAK SPACE
    expect_invalid(
        UserService::check_username("ali\xE3\x80\x80"
                                    "ce"));                            // U+3000
    expect_invalid(UserService::check_username("alice\xE2\x82\xAC"));  // U+20AC EURO SIGN
}

TEST(UserServiceRules, AcceptsPasswordsOfEightCharactersOrMore) {
    EXPECT_TRUE(UserService::check_password("12345678").has_value());
    EXPECT_TRUE(UserService::check_password("pass word with spaces").has_value());
    EXPECT_TRUE(UserService::check_password("éééééééé").has_value());
}

TEST(UserServiceRules, RefusesPasswordsShorterThanEightCharacters) {
    expect_invalid(UserService::check_password(""));
    expect_invalid(UserService::check_password("1234567"));
}

TEST(UserServiceRules, CountsPasswordLengthInCharacters) {
    expect_invalid(UserService::check_password("ééééééé"));  // 7 characters, 14 bytes
}

TEST(UserServiceRules, RefusesPasswordsWithSurroundingWhitespace) {
    expect_invalid(UserService::check_password(" password1"));
    expect_invalid(UserService::check_password("password1 "));
    expect_invalid(UserService::check_password("\tpassword1"));
    expect_invalid(UserService::check_password("password1\xC2\xA0"));
}

TEST(UserServiceRules, RefusesOverlongAndInvalidPasswords) {
    EXPECT_TRUE(UserService::check_password(std::string(kPasswordMaxLength, 'p')).has_value());
    expect_invalid(UserService::check_password(std::string(kPasswordMaxLength + 1, 'p')));
    expect_invalid(UserService::check_password("password\xFF"));
}

// --- login -----------------------------------------------------------------------------------

TEST_F(UserServiceTest, LoginWithTheRightPasswordReturnsTheUser) {
    const User alice = create("alice", "alice-password-1");
    const auto result = service_.login("alice", "alice-password-1");
    ASSERT_TRUE(result.has_value());
    EXPECT_EQ(result->id, alice.id);
    EXPECT_EQ(result->username, "alice");
}

TEST_F(UserServiceTest, LoginWithAWrongPasswordIsRefused) {
    create("alice", "alice-password-1");
    expect_login_refused("alice", "alice-password-2");
    expect_login_refused("alice", "");
}

TEST_F(UserServiceTest, LoginOfAnUnknownUserIsRefusedAlike) {
    create("alice", "alice-password-1");
    expect_login_refused("mallory", "alice-password-1");
    expect_login_refused("Alice", "alice-password-1");
}

TEST_F(UserServiceTest, LoginOfAnInactiveUserIsRefusedAlike) {
    create("carol", "carol-password-1", false);
    expect_login_refused("carol", "carol-password-1");
}

TEST_F(UserServiceTest, LoginUpgradesAHashMadeWithOtherParameters) {
    const User alice = create("alice", "alice-password-1");
    const passwords::Argon2idHasher older(
        passwords::Argon2idParams{.ops_limit = 2, .mem_limit = 16384});
    const std::string old_hash = older.hash("alice-password-1");
    ASSERT_TRUE(repository_.replace_password_hash(alice.id, alice.password_hash, old_hash));
    ASSERT_TRUE(hasher_.needs_rehash(old_hash));

    ASSERT_TRUE(service_.login("alice", "alice-password-1").has_value());
    const std::string stored = repository_.find_by_id(alice.id)->password_hash;
    EXPECT_NE(stored, old_hash);
    EXPECT_FALSE(hasher_.needs_rehash(stored));
    EXPECT_TRUE(hasher_.verify(stored, "alice-password-1"));
    EXPECT_TRUE(service_.login("alice", "alice-password-1").has_value());
}

TEST_F(UserServiceTest, APasswordChangedWhileALoginIsCheckedFailsTheLogin) {
    create("alice", "alice-password-1");
    const InterruptedHasher hasher(hasher_, [this] {
        clock_.advance(std::chrono::seconds{1});
        ASSERT_TRUE(service_.change_password("alice", "alice-password-2").has_value());
    });
    UserService racing(repository_, hasher, clock_);
    const auto result = racing.login("alice", "alice-password-1");
    ASSERT_FALSE(result.has_value()) << "tokens for the old password would outlive the change";
    EXPECT_EQ(result.error().message, kNoActiveAccount);
}

TEST_F(UserServiceTest, AHashUpgradeNeverUndoesAPasswordChangeMadeMeanwhile) {
    const User alice = create("alice", "alice-password-1");
    const passwords::Argon2idHasher older(
        passwords::Argon2idParams{.ops_limit = 2, .mem_limit = 16384});
    ASSERT_TRUE(repository_.replace_password_hash(alice.id, alice.password_hash,
                                                  older.hash("alice-password-1")));
    const InterruptedHasher hasher(hasher_, [this] {
        ASSERT_TRUE(service_.change_password("alice", "alice-password-2").has_value());
    });
    UserService racing(repository_, hasher, clock_);
    EXPECT_FALSE(racing.login("alice", "alice-password-1").has_value());
    const std::string stored = repository_.find_by_id(alice.id)->password_hash;
    EXPECT_TRUE(hasher_.verify(stored, "alice-password-2"));
    EXPECT_FALSE(hasher_.verify(stored, "alice-password-1")) << "the old password came back";
}

TEST_F(UserServiceTest, AUserDeactivatedWhileALoginIsCheckedIsRefused) {
    const User alice = create("alice", "alice-password-1");
    const InterruptedHasher hasher(hasher_, [&] { repository_.set_active(alice.id, false); });
    UserService racing(repository_, hasher, clock_);
    EXPECT_FALSE(racing.login("alice", "alice-password-1").has_value());
}

TEST_F(UserServiceTest, LoginKeepsAHashMadeWithTodaysParameters) {
    const User alice = create("alice", "alice-password-1");
    ASSERT_TRUE(service_.login("alice", "alice-password-1").has_value());
    EXPECT_EQ(repository_.find_by_id(alice.id)->password_hash, alice.password_hash);
}

TEST_F(UserServiceTest, AFailedLoginNeverRewritesTheHash) {
    const User alice = create("alice", "alice-password-1");
    const passwords::Argon2idHasher older(
        passwords::Argon2idParams{.ops_limit = 2, .mem_limit = 16384});
    const std::string old_hash = older.hash("alice-password-1");
    ASSERT_TRUE(repository_.replace_password_hash(alice.id, alice.password_hash, old_hash));
    expect_login_refused("alice", "alice-password-2");
    EXPECT_EQ(repository_.find_by_id(alice.id)->password_hash, old_hash);
}

TEST_F(UserServiceTest, CreateUserStoresTheNfkcForm) {
    const auto user = service_.create_user(
        {.username = "\xef\xbd\x81\xef\xbd\x8c\xef\xbd\x89\xef\xbd\x83\xef\xbd\x85",  // ａｌｉｃｅ
         .password = "alice-password-1"});
    ASSERT_TRUE(user.has_value()) << user.error().message;
    EXPECT_EQ(user->username, "alice");
    EXPECT_TRUE(repository_.find_by_username("alice").has_value());
    // Logins look the name up as sent (as SimpleJWT does).
    expect_login_refused("\xef\xbd\x81\xef\xbd\x8c\xef\xbd\x89\xef\xbd\x83\xef\xbd\x85",
                         "alice-password-1");
    EXPECT_TRUE(service_.login("alice", "alice-password-1").has_value());
}

TEST_F(UserServiceTest, ANameThatNormalizesToATakenOneIsAConflict) {
    create("alice", "alice-password-1");
    const auto again = service_.create_user(
        {.username = "\xef\xbd\x81lice", .password = "other-password-1"});  // ａlice
    ASSERT_FALSE(again.has_value());
    EXPECT_EQ(again.error().code, core::ErrorCode::kConflict);
}

// --- change_password -------------------------------------------------------------------------

TEST_F(UserServiceTest, ChangePasswordReplacesTheOldOne) {
    create("alice", "alice-password-1");
    ASSERT_TRUE(service_.change_password("alice", "brand-new-password").has_value());
    EXPECT_TRUE(service_.login("alice", "brand-new-password").has_value());
    expect_login_refused("alice", "alice-password-1");
}

TEST_F(UserServiceTest, ChangePasswordRecordsWhen) {
    const User alice = create("alice", "alice-password-1");
    EXPECT_EQ(alice.password_changed_at, core::Timestamp{});
    clock_.advance(std::chrono::seconds{90});
    ASSERT_TRUE(service_.change_password("alice", "brand-new-password").has_value());
    EXPECT_EQ(repository_.find_by_id(alice.id)->password_changed_at, clock_.now());
}

TEST_F(UserServiceTest, AHashUpgradeAtLoginIsNoPasswordChange) {
    const User alice = create("alice", "alice-password-1");
    ASSERT_TRUE(service_.change_password("alice", "alice-password-2").has_value());
    const core::Timestamp changed = clock_.now();
    const passwords::Argon2idHasher older(
        passwords::Argon2idParams{.ops_limit = 2, .mem_limit = 16384});
    ASSERT_TRUE(repository_.replace_password_hash(
        alice.id, repository_.find_by_id(alice.id)->password_hash, older.hash("alice-password-2")));
    clock_.advance(std::chrono::seconds{5});
    const auto user = service_.login("alice", "alice-password-2");
    ASSERT_TRUE(user.has_value());
    EXPECT_FALSE(hasher_.needs_rehash(repository_.find_by_id(alice.id)->password_hash));
    EXPECT_EQ(repository_.find_by_id(alice.id)->password_changed_at, changed);
    EXPECT_EQ(user->password_changed_at, changed);
}

TEST_F(UserServiceTest, ChangePasswordOfAnUnknownUserIsNotFound) {
    const auto result = service_.change_password("nobody", "brand-new-password");
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, core::ErrorCode::kNotFound);
}

TEST_F(UserServiceTest, ChangePasswordChecksTheNewPassword) {
    create("alice", "alice-password-1");
    expect_invalid(service_.change_password("alice", "short"));
    EXPECT_TRUE(service_.login("alice", "alice-password-1").has_value());
}

// --- delete_user and find --------------------------------------------------------------------

TEST_F(UserServiceTest, DeleteUserRemovesTheUserAndTheirTasksOnly) {
    const User alice = create("alice");
    const User bob = create("bob", "bob-password-1");
    tasks_.create(alice.id, tasks::NewTask{.title = "a1"}, clock_.now());
    tasks_.create(alice.id, tasks::NewTask{.title = "a2"}, clock_.now());
    const auto bobs = tasks_.create(bob.id, tasks::NewTask{.title = "b1"}, clock_.now());

    ASSERT_TRUE(service_.delete_user("alice").has_value());
    EXPECT_FALSE(service_.find(alice.id).has_value());
    EXPECT_TRUE(tasks_.list(alice.id).empty());
    EXPECT_TRUE(service_.find(bob.id).has_value());
    EXPECT_TRUE(tasks_.find(bob.id, bobs.id).has_value());
    EXPECT_EQ(tasks_.size(), 1u);
}

TEST_F(UserServiceTest, DeletingAnUnknownUserIsNotFound) {
    const auto result = service_.delete_user("nobody");
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, core::ErrorCode::kNotFound);
}

}  // namespace
}  // namespace taskapi::users
