#include "auth/auth_handlers.hpp"

#include <array>
#include <boost/json/value.hpp>

#include "core/text.hpp"
#include "http/body_parser.hpp"
#include "http/error_response.hpp"
#include "serializers/fields.hpp"

namespace taskapi::auth {
namespace {

// Reads the body and checks the named string fields, all required, in this order.
template <std::size_t N>
core::Result<std::array<std::string, N>> required_strings(
    const http::Request& request, const std::array<std::string_view, N>& names) {
    auto data = http::parse_body(request);
    if (!data) return std::move(data).error();
    auto object = serializers::as_object(data->value());
    if (!object) return std::move(object).error();
    const serializers::InputContext ctx{.is_form = data->kind() == http::DataKind::kForm,
                                        .partial = false};
    serializers::Validation v;
    std::array<std::optional<std::string>, N> values;
    for (std::size_t i = 0; i < N; ++i)
        values[i] =
            v.char_field(**object, serializers::Field{.name = names[i], .required = true}, ctx);
    if (!v.ok()) return v.error();
    std::array<std::string, N> out;
    for (std::size_t i = 0; i < N; ++i) out[i] = std::move(*values[i]);
    return out;
}

}  // namespace

http::Response AuthHandlers::obtain_pair(const http::Request& request) {
    const std::string address = http::client_address(request, num_proxies_);
    if (auto ok = throttle_.check_address(address); !ok) return http::error_response(ok.error());
    auto fields = required_strings<2>(request, {"username", "password"});
    if (!fields) return http::error_response(fields.error());
    // No account has such a name: fail as a wrong password does, before any store sees it.
    if (!users::UserService::could_be_username((*fields)[0])) {
        return http::error_response(users::login_failed());
    }
    auto reservation = throttle_.reserve_failure((*fields)[0], address);
    if (!reservation) return http::error_response(reservation.error());
    // The rest is slow (one Argon2id verification): the server runs it on its hashing pool.
    return http::defer(
        [this, credentials = std::move(*fields), reservation = std::move(*reservation)] {
            auto user = users_.login(credentials[0], credentials[1]);
            if (!user) return http::error_response(user.error());  // the failure stays counted
            throttle_.succeeded(reservation);
            const TokenPair pair = tokens_.issue_pair(user->id, user->password_changed_at);
            std::string body = "{\"refresh\":";
            core::append_json_string(body, pair.refresh);
            body += ",\"access\":";
            core::append_json_string(body, pair.access);
            body += '}';
            return http::json_response(200, std::move(body));
        });
}

http::Response AuthHandlers::refresh(const http::Request& request) {
    auto fields = required_strings<1>(request, {"refresh"});
    if (!fields) return http::error_response(fields.error());
    auto token = tokens_.verify_refresh((*fields)[0]);
    if (!token) return http::error_response(token.error());
    // Unlike SimpleJWT 5.2, a removed or deactivated user cannot refresh (API.md, difference 2),
    // nor can a token issued before the password changed.
    const auto user = users_.find(token->user);
    if (!user || !user->is_active || users::issued_before_password_change(*user, token->iat)) {
        return http::error_response(core::make_error(core::ErrorCode::kUnauthenticated,
                                                     "Token is invalid or expired",
                                                     std::string(kTokenNotValid)));
    }
    std::string body = "{\"access\":";
    core::append_json_string(body, tokens_.access_from_refresh(*token));
    body += '}';
    return http::json_response(200, std::move(body));
}

std::string AuthHandlers::obtain_pair_actions() {
    return R"({"POST":{"username":{"type":"string","required":true,"read_only":false,"label":"Username"},)"
           R"("password":{"type":"string","required":true,"read_only":false,"label":"Password"}}})";
}

std::string AuthHandlers::refresh_actions() {
    return R"({"POST":{"refresh":{"type":"string","required":true,"read_only":false,"label":"Refresh"},)"
           R"("access":{"type":"string","required":false,"read_only":true,"label":"Access"}}})";
}

}  // namespace taskapi::auth
