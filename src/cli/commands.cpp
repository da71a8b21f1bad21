#include "cli/commands.hpp"

#include <termios.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <string>

#include "app/config.hpp"
#include "app/serve_command.hpp"
#include "auth/password_hasher.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
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

// Storage from the settings, with the schema brought up to date.
core::Result<std::unique_ptr<storage::Storage>> open_migrated(const app::Config& config) {
    auto storage = storage::open_storage(config.database_url, {config.sqlite_synchronous_full});
    if (!storage) return std::move(storage).error();
    (*storage)->migrate();
    return storage;
}

}  // namespace

int run(int argc, char** argv) {
    CLI::App cli{"taskapi: a Task REST API server (JWT auth, per-user tasks)", "taskapi"};
    cli.require_subcommand(1);
    cli.set_version_flag("--version", std::string(TASKAPI_VERSION));

    std::string host;
    int port = -1;
    int threads = 0;
    auto* serve = cli.add_subcommand("serve", "Apply pending migrations, then serve HTTP");
    serve->add_option("--host", host, "Address to listen on (TASKAPI_HOST, default 127.0.0.1)");
    serve->add_option("--port", port, "Port, 0 for any free one (TASKAPI_PORT, default 8000)")
        ->check(CLI::Range(0, 65535));
    serve->add_option("--threads", threads, "I/O threads (TASKAPI_THREADS, default: cores)")
        ->check(CLI::Range(1, 256));

    auto* migrate = cli.add_subcommand("migrate", "Apply pending database migrations");

    std::string username;
    bool password_stdin = false;
    bool superuser = false;
    bool inactive = false;
    auto* createuser = cli.add_subcommand("createuser", "Create a user (prompts for the password)");
    createuser->add_option("username", username, "The new user's name")->required();
    createuser->add_flag("--password-stdin", password_stdin,
                         "Read the password from standard input");
    createuser->add_flag("--superuser", superuser, "Mark the user as a superuser");
    createuser->add_flag("--inactive", inactive, "Create the user inactive (cannot log in)");

    auto* changepassword = cli.add_subcommand("changepassword", "Set a user's password");
    changepassword->add_option("username", username, "The user's name")->required();
    changepassword->add_flag("--password-stdin", password_stdin,
                             "Read the password from standard input");

    auto* deleteuser =
        cli.add_subcommand("deleteuser", "Delete a user and all of the user's tasks");
    deleteuser->add_option("username", username, "The user's name")->required();

    auto* version = cli.add_subcommand("version", "Print the version");

    try {
        cli.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return cli.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return cli.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return cli.exit(e);
    } catch (const CLI::ParseError& e) {
        cli.exit(e);
        return kUsage;
    }

    if (version->parsed()) {
        std::cout << "taskapi " << TASKAPI_VERSION << '\n';
        return kOk;
    }

    auto loaded = app::config_from_environment(app::load_environment());
    if (!loaded) return fail(loaded.error().message);
    app::Config config = std::move(loaded).value();
    core::set_log_level(config.log_level);

    if (serve->parsed()) {
        if (!host.empty()) config.host = host;
        if (port >= 0) config.port = static_cast<std::uint16_t>(port);
        if (threads > 0) config.threads = threads;
        return app::serve(config);
    }

    try {
        if (migrate->parsed()) {
            auto storage =
                storage::open_storage(config.database_url, {config.sqlite_synchronous_full});
            if (!storage) return fail(storage.error().message);
            const int applied = (*storage)->migrate();
            std::cout << (applied == 0 ? std::string("No migrations to apply.")
                                       : "Applied " + std::to_string(applied) + " migration(s).")
                      << '\n';
            return kOk;
        }

        auto storage = open_migrated(config);
        if (!storage) return fail(storage.error().message);
        const core::SystemClock clock;
        const auth::Argon2idHasher hasher;
        users::UserService service((*storage)->users(), hasher, clock);

        if (createuser->parsed()) {
            // Django's normalize_username (NFKC), which create_user applies too: "ａｌｉｃｅ" is
            // "alice". The other commands look names up as given, as logins do.
            username = users::normalize_username(username);
            if (auto ok = users::UserService::check_username(username); !ok) {
                return fail(ok.error().message);
            }
            // Say so before asking for a password that could not be used.
            if (service.username_taken(username)) {
                return fail("a user named '" + username + "' already exists");
            }
            auto password = read_password(password_stdin);
            if (!password) return fail(password.error().message);
            auto user = service.create_user({username, *password, superuser, !inactive});
            if (!user) return fail(user.error().message);
            std::cout << "Created user '" << user->username << "' (id " << user->id.value << ")"
                      << (inactive ? ", inactive" : "") << (superuser ? ", superuser" : "")
                      << ".\n";
            return kOk;
        }
        if (changepassword->parsed()) {
            auto password = read_password(password_stdin);
            if (!password) return fail(password.error().message);
            if (auto ok = service.change_password(username, *password); !ok) {
                return fail(ok.error().message);
            }
            std::cout << "Password changed for user '" << username << "'.\n";
            return kOk;
        }
        if (deleteuser->parsed()) {
            if (auto ok = service.delete_user(username); !ok) return fail(ok.error().message);
            std::cout << "Deleted user '" << username << "' and the user's tasks.\n";
            return kOk;
        }
    } catch (const storage::StorageError& e) {
        return fail(std::string("database error: ") + e.what());
    } catch (const std::exception& e) {
        return fail(e.what());
    }
    return kUsage;
}

}  // namespace taskapi::cli
