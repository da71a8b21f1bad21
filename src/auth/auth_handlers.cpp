#include "auth/auth_handlers.hpp"

#include <boost/json/value.hpp>

#include "core/text.hpp"
#include "http/body_parser.hpp"
#include "http/error_response.hpp"
#include "serializers/metadata.hpp"

namespace taskapi::auth {
namespace {

constexpr std::size_t kUsername = serializers::index_of(kTokenObtainPairFields, "username");
constexpr std::size_t kPassword = serializers::index_of(kTokenObtainPairFields, "password");
constexpr std::size_t kRefresh = serializers::index_of(kTokenRefreshFields, "refresh");

// Reads the body and validates it against a serializer's table.
template <std::size_t N>
core::Result<std::array<serializers::FieldValue, N>> validated_body(
    const http::Request& request, const std::array<serializers::Field, N>& fields) {
    auto data = http::parse_body(request);
    if (!data) return std::move(data).error();
    return serializers::validate(fields, data->value(),
                                 {.is_form = data->kind() == http::DataKind::kForm});
}

}  // namespace

http::Response AuthHandlers::obtain_pair(const http::Request& request) {
    const std::string address = http::client_address(request, num_proxies_);
    if (auto ok = throttle_.check_address(address); !ok) return http::error_response(ok.error());
    auto input = validated_body(request, kTokenObtainPairFields);
    if (!input) return http::error_response(input.error());
    std::string username = std::move(*(*input)[kUsername].text);
    std::string password = std::move(*(*input)[kPassword].text);
    // No account has such a name: fail as a wrong password does, before any store sees it.
    if (!users::UserService::could_be_username(username)) {
        return http::error_response(users::login_failed());
    }
    auto reservation = throttle_.reserve_failure(username, address);
    if (!reservation) return http::error_response(reservation.error());
    // The rest is slow (one Argon2id verification): the server runs it on its hashing pool.
    return http::defer([this, username = std::move(username), password = std::move(password),
                        reservation = std::move(*reservation)] {
        auto user = users_.login(username, password);
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
    auto input = validated_body(request, kTokenRefreshFields);
    if (!input) return http::error_response(input.error());
    auto token = tokens_.verify_refresh(*(*input)[kRefresh].text);
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
    return serializers::actions_metadata("POST", kTokenObtainPairFields);
}

std::string AuthHandlers::refresh_actions() {
    return serializers::actions_metadata("POST", kTokenRefreshFields);
}

}  // namespace taskapi::auth
