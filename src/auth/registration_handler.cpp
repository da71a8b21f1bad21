#include "auth/registration_handler.hpp"

#include <boost/json/value.hpp>

#include "core/text.hpp"
#include "http/body_parser.hpp"
#include "http/error_response.hpp"
#include "serializers/metadata.hpp"
#include "users/password_validation.hpp"

namespace taskapi::auth {
namespace {

constexpr const serializers::Field& kUsername =
    serializers::field_named(kRegisterFields, "username");
constexpr const serializers::Field& kPassword =
    serializers::field_named(kRegisterFields, "password");

// Django's messages: UnicodeUsernameValidator's, and User.username's unique error message (what
// the ModelSerializer's UniqueValidator says).
constexpr std::string_view kInvalidUsername =
    "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ "
    "characters.";
constexpr std::string_view kUsernameTaken = "A user with that username already exists.";

std::vector<std::string> username_validators(std::string_view username) {
    if (users::UserService::has_username_characters(username)) return {};
    return {std::string(kInvalidUsername)};
}

http::Response username_taken() {
    serializers::Validation v;
    v.reject(kUsername.name, std::string(kUsernameTaken));
    return http::error_response(v.error());
}

}  // namespace

http::Response RegistrationHandler::register_user(const http::Request& request) {
    const std::string address = http::client_address(request, num_proxies_);
    if (auto ok = throttle_.check_address(address); !ok) return http::error_response(ok.error());
    auto data = http::parse_body(request);
    if (!data) return http::error_response(data.error());
    auto object = serializers::as_object(data->value());
    if (!object) return http::error_response(object.error());
    const serializers::InputContext ctx{.is_form = data->kind() == http::DataKind::kForm};

    // The fields in table order; the UniqueValidator after the username's other checks (only a
    // name that passes them can be taken), before the password's, so its message comes first.
    serializers::Validation v;
    auto username = v.char_field(**object, kUsername, ctx, username_validators);
    if (username && users_.username_taken(*username)) {
        v.reject(kUsername.name, std::string(kUsernameTaken));
        username.reset();
    }
    auto password = v.char_field(**object, kPassword, ctx);
    if (!v.ok()) return http::error_response(v.error());

    // The serializer's validate(): validate_password(password, User(username=username)), its
    // messages under "password"; reached only when both fields are valid, as in DRF.
    const auto password_errors = users::password_validation_errors(*password, *username);
    if (!password_errors.empty()) {
        serializers::Validation invalid;
        for (const std::string& message : password_errors) invalid.reject(kPassword.name, message);
        return http::error_response(invalid.error());
    }

    // The rest is slow (one Argon2id hash): the server runs it on its hashing pool.
    return http::defer([this, username = std::move(*username), password = std::move(*password)] {
        auto user = users_.register_user(username, password);
        if (!user) {
            // Taken meanwhile, or by another spelling of the same NFKC form: the database's
            // unique constraint decides (DRF would answer 500 for its IntegrityError).
            if (user.error().code == core::ErrorCode::kConflict) return username_taken();
            return http::error_response(user.error());
        }
        std::string body = "{\"id\":";
        body += std::to_string(user->id.value);
        body += ",\"username\":";
        core::append_json_string(body, user->username);
        body += '}';
        return http::json_response(201, std::move(body));
    });
}

std::string RegistrationHandler::actions() {
    return serializers::actions_metadata("POST", kRegisterFields);
}

}  // namespace taskapi::auth
