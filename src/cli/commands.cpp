#include "cli/commands.hpp"

#include <termios.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <optional>
#include <string>

#include "app/config.hpp"
#include "app/open_database.hpp"
#include "app/serve_command.hpp"
#include "auth/token_lifecycle.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "passwords/password_hasher.hpp"
#include "storage/open_storage.hpp"
#include "storage/storage_error.hpp"
#include "users/user_service.hpp"
#include "users/username.hpp"

namespace taskapi::cli {
namespace {

constexpr int kOk = 0;
constexpr int kFailure = 1;
constexpr int kUsage = 2;

int fail(const std::string& message) {
    std::cerr << "taskapi: " << message << '\n';
    return kFailure;
}

// Reads one line; strips the line break only (leading and trailing spaces are the user's).
bool read_line(std::istream& in, std::string& out) {
    if (!std::getline(in, out)) return false;
    if (!out.empty() && out.back() == '\r') out.pop_back();
    return true;
}

// Prompts on the terminal with echo off.
bool prompt_hidden(const char* prompt, std::string& out) {
    std::cerr << prompt << std::flush;
    termios old_attrs{};
    const bool is_tty = tcgetattr(STDIN_FILENO, &old_attrs) == 0;
    if (is_tty) {
        termios quiet = old_attrs;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    const bool ok = read_line(std::cin, out);
    if (is_tty) tcsetattr(STDIN_FILENO, TCSAFLUSH, &old_attrs);
    std::cerr << '\n';
    return ok;
}

// The password from stdin (--password-stdin) or typed twice at a terminal prompt.
core::Result<std::string> read_password(bool from_stdin) {
    std::string password;
    if (from_stdin) {
        if (!read_line(std::cin, password)) {
            return core::make_error(core::ErrorCode::kInvalidArgument,
                                    "no password on standard input");
        }
        return password;
    }
    if (isatty(STDIN_FILENO) == 0) {
        return core::make_error(core::ErrorCode::kInvalidArgument,
                                "standard input is not a terminal; pass --password-stdin");
    }
    std::string again;
    if (!prompt_hidden("Password: ", password) || !prompt_hidden("Password (again): ", again)) {
        return core::make_error(core::ErrorCode::kInvalidArgument, "no password entered");
    }
    if (password != again) {
        return core::make_error(core::ErrorCode::kInvalidArgument, "the passwords do not match");
    }
    return password;
}

// The subcommands and what CLI11 parsed into them.
struct Commands {
    CLI::App* serve = nullptr;
    CLI::App* migrate = nullptr;
    CLI::App* createuser = nullptr;
    CLI::App* changepassword = nullptr;
    CLI::App* deleteuser = nullptr;
    CLI::App* version = nullptr;
    // serve's flags, which win over the settings
    std::string host;
    int port = -1;
    int threads = 0;
    // the account commands' arguments
    std::string username;
    bool password_stdin = false;
    bool superuser = false;
    bool inactive = false;
};

void define_commands(CLI::App& cli, Commands& c) {
    cli.require_subcommand(1);
    cli.set_version_flag("--version", std::string(TASKAPI_VERSION));
    cli.add_flag_callback(
        "--help-settings",
        [] {
            std::cout << app::settings_table_markdown();
            throw CLI::Success();
        },
        "Print every TASKAPI_* setting with its default and meaning (README's table)");

    c.serve = cli.add_subcommand("serve", "Apply pending migrations, then serve HTTP");
    c.serve->add_option("--host", c.host, "Address to listen on (TASKAPI_HOST, default 127.0.0.1)");
    c.serve->add_option("--port", c.port, "Port, 0 for any free one (TASKAPI_PORT, default 8000)")
        ->check(CLI::Range(0, 65535));
    c.serve->add_option("--threads", c.threads, "I/O threads (TASKAPI_THREADS, default: cores)")
        ->check(CLI::Range(1, 256));

    c.migrate = cli.add_subcommand("migrate", "Apply pending database migrations");

    c.createuser = cli.add_subcommand("createuser", "Create a user (prompts for the password)");
    c.createuser->add_option("username", c.username, "The new user's name")->required();
    c.createuser->add_flag("--password-stdin", c.password_stdin,
                           "Read the password from standard input");
    c.createuser->add_flag("--superuser", c.superuser, "Mark the user as a superuser");
    c.createuser->add_flag("--inactive", c.inactive, "Create the user inactive (cannot log in)");

    c.changepassword = cli.add_subcommand("changepassword", "Set a user's password");
    c.changepassword->add_option("username", c.username, "The user's name")->required();
    c.changepassword->add_flag("--password-stdin", c.password_stdin,
                               "Read the password from standard input");

    c.deleteuser = cli.add_subcommand("deleteuser", "Delete a user and all of the user's tasks");
    c.deleteuser->add_option("username", c.username, "The user's name")->required();

    c.version = cli.add_subcommand("version", "Print the version");
}

// CLI11's parse; nullopt to go on, or the exit code (help, version, a usage error).
std::optional<int> parse(CLI::App& cli, int argc, char** argv) {
    try {
        cli.parse(argc, argv);
    } catch (const CLI::Success& e) {  // help, version, --help-settings
        return cli.exit(e);
    } catch (const CLI::ParseError& e) {
        cli.exit(e);
        return kUsage;
    }
    return std::nullopt;
}

int migrate(const app::Config& config) {
    auto opened = app::open_database(config, app::storage_options(config));
    if (!opened) return fail(opened.error().message);
    std::cout << (opened->applied == 0
                      ? std::string("No migrations to apply.")
                      : "Applied " + std::to_string(opened->applied) + " migration(s).")
              << '\n';
    return kOk;
}

int create_user(users::UserService& service, const Commands& c) {
    // Django's normalize_username (NFKC), which create_user applies too: "ａｌｉｃｅ" is "alice".
    // The other commands look names up as given, as logins do.
    const std::string username = users::normalize_username(c.username);
    if (auto ok = users::UserService::check_username(username); !ok) {
        return fail(ok.error().message);
    }
    // Say so before asking for a password that could not be used.
    if (service.username_taken(username)) {
        return fail("a user named '" + username + "' already exists");
    }
    auto password = read_password(c.password_stdin);
    if (!password) return fail(password.error().message);
    auto user = service.create_user({username, *password, c.superuser, !c.inactive});
    if (!user) return fail(user.error().message);
    std::cout << "Created user '" << user->username << "' (id " << user->id.value << ")"
              << (c.inactive ? ", inactive" : "") << (c.superuser ? ", superuser" : "") << ".\n";
    return kOk;
}

// Both revoke the user's refresh tokens (SECURITY.md, "Logout, rotation and reuse detection").
int change_password(users::UserService& service, storage::Storage& storage,
                    const core::Clock& clock, const Commands& c) {
    auto password = read_password(c.password_stdin);
    if (!password) return fail(password.error().message);
    if (auto ok = service.change_password(c.username, *password); !ok) {
        return fail(ok.error().message);
    }
    if (const auto user = storage.users().find_by_username(c.username)) {
        auth::revoke_refresh_tokens(storage.refresh_tokens(), user->id, clock.now());
    }
    std::cout << "Password changed for user '" << c.username
              << "'; the user's refresh tokens are revoked.\n";
    return kOk;
}

int delete_user(users::UserService& service, storage::Storage& storage, const core::Clock& clock,
                const Commands& c) {
    const auto user = storage.users().find_by_username(c.username);
    if (auto ok = service.delete_user(c.username); !ok) return fail(ok.error().message);
    if (user) auth::revoke_refresh_tokens(storage.refresh_tokens(), user->id, clock.now());
    std::cout << "Deleted user '" << c.username << "' and the user's tasks.\n";
    return kOk;
}

// createuser, changepassword, deleteuser: the user service on the migrated database.
int account_command(const app::Config& config, const Commands& c) {
    auto opened = app::open_database(config, app::storage_options(config));
    if (!opened) return fail(opened.error().message);
    const core::SystemClock clock;
    const passwords::Argon2idHasher hasher;
    users::UserService service(opened->storage->users(), hasher, clock);
    if (c.createuser->parsed()) return create_user(service, c);
    if (c.changepassword->parsed()) return change_password(service, *opened->storage, clock, c);
    if (c.deleteuser->parsed()) return delete_user(service, *opened->storage, clock, c);
    return kUsage;
}

}  // namespace

int run(int argc, char** argv) {
    CLI::App cli{"taskapi: a Task REST API server (JWT auth, per-user tasks)", "taskapi"};
    Commands commands;
    define_commands(cli, commands);
    if (auto exit_code = parse(cli, argc, argv)) return *exit_code;

    if (commands.version->parsed()) {
        std::cout << "taskapi " << TASKAPI_VERSION << '\n';
        return kOk;
    }

    auto loaded = app::config_from_environment(app::load_environment());
    if (!loaded) return fail(loaded.error().message);
    app::Config config = std::move(loaded).value();
    core::set_log_level(config.log_level);
    core::set_log_format(config.log_format);

    if (commands.serve->parsed()) {
        if (!commands.host.empty()) config.host = commands.host;
        if (commands.port >= 0) config.port = static_cast<std::uint16_t>(commands.port);
        if (commands.threads > 0) config.threads = commands.threads;
        return app::serve(config);
    }
    try {
        if (commands.migrate->parsed()) return migrate(config);
        return account_command(config, commands);
    } catch (const storage::StorageError& e) {
        return fail(std::string("database error: ") + e.what());
    } catch (const std::exception& e) {
        return fail(e.what());
    }
}

}  // namespace taskapi::cli
