// POST /api/auth/register/ (TASKAPI_ALLOW_REGISTRATION): a DRF CreateAPIView with a
// ModelSerializer over Django's User whose validate() runs Django's password validators.
#pragma once

#include <array>
#include <string>

#include "auth/login_throttle.hpp"
#include "http/request.hpp"
#include "http/response.hpp"
#include "serializers/fields.hpp"
#include "users/user_service.hpp"

namespace taskapi::auth {

// The registration serializer: fields = ("id", "username", "password"), password write-only.
// What a ModelSerializer derives from Django's User: username with max_length 150, its help
// text and (below, in validation) UnicodeUsernameValidator and a UniqueValidator; password with
// the model's max_length 128.
inline constexpr std::array kRegisterFields{
    serializers::Field{
        .name = "id", .type = serializers::FieldType::kInteger, .read_only = true, .label = "ID"},
    serializers::Field{.name = "username",
                       .type = serializers::FieldType::kString,
                       .required = true,
                       .max_length = 150,
                       .label = "Username",
                       .help_text = "Required. 150 characters or fewer. Letters, digits and "
                                    "@/./+/-/_ only."},
    serializers::Field{.name = "password",
                       .type = serializers::FieldType::kString,
                       .required = true,
                       .write_only = true,
                       .max_length = 128,
                       .label = "Password"},
};
static_assert(serializers::is_well_formed(kRegisterFields));

class RegistrationHandler {
public:
    // `num_proxies`: trusted proxies in front, for the client address the throttle counts.
    RegistrationHandler(users::UserService& users, LoginThrottle& throttle, int num_proxies)
        : users_(users), throttle_(throttle), num_proxies_(num_proxies) {}

    // Counts as a login attempt of the client address (LoginThrottle::check_address, 429 over
    // the rate) before the body is read. Then the serializer's validation (the fields, the
    // username's uniqueness, Django's password validators), answered at once; the Argon2id hash
    // and the insert are returned as deferred work (http::Response::deferred), which uses this
    // object: it must outlive the work. 201 {"id","username"}.
    http::Response register_user(const http::Request& request);

    // OPTIONS "actions": {"POST": <the serializer's fields>}.
    [[nodiscard]] static std::string actions();

private:
    users::UserService& users_;
    LoginThrottle& throttle_;
    int num_proxies_;
};

}  // namespace taskapi::auth
