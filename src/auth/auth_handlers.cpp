#include "auth/auth_handlers.hpp"

#include <boost/json/value.hpp>

#include "core/text.hpp"
#include "http/body_parser.hpp"
#include "http/error_response.hpp"
#include "serializers/metadata.hpp"

namespace taskapi::auth {
namespace {

constexpr const serializers::Field& kUsername =
    serializers::field_named(kTokenObtainPairFields, "username");
constexpr const serializers::Field& kPassword =
    serializers::field_named(kTokenObtainPairFields, "password");
constexpr const serializers::Field& kRefresh =
    serializers::field_named(kTokenRefreshFields, "refresh");
constexpr const serializers::Field& kToken = serializers::field_named(kTokenVerifyFields, "token");
constexpr const serializers::Field& kBlacklistRefresh =
    serializers::field_named(kTokenBlacklistFields, "refresh");

struct Credentials {
    std::string username;
    std::string password;
};

// TokenObtainPairSerializer's validation: the writable fields of kTokenObtainPairFields, in its
// order.
core::Result<Credentials> credentials_from_input(const boost::json::object& data,
                                                 const serializers::InputContext& ctx) {
    serializers::Validation v;
    auto username = v.char_field(data, kUsername, ctx);
    auto password = v.char_field(data, kPassword, ctx);
    if (!v.ok()) return v.error();
    return Credentials{std::move(*username), std::move(*password)};
}

// Reads the body, which must be an object, and validates it with `validate` (the object and
// the InputContext to a core::Result<T>).
template <typename T, typename Validate>
core::Result<T> validated_body(const http::Request& request, const Validate& validate) {
    auto data = http::parse_body(request);
    if (!data) return std::move(data).error();
    auto object = serializers::as_object(data->value());
    if (!object) return std::move(object).error();
    return validate(**object,
                    serializers::InputContext{.is_form = data->kind() == http::DataKind::kForm});
}

// The serializers of one token (TokenRefresh, TokenVerify, TokenBlacklist): the body's one
// writable field, validated as a CharField.
core::Result<std::string> token_field(const http::Request& request,
                                      const serializers::Field& field) {
    return validated_body<std::string>(
        request,
        [&field](const boost::json::object& data,
                 const serializers::InputContext& ctx) -> core::Result<std::string> {
            serializers::Validation v;
            auto token = v.char_field(data, field, ctx);
            if (!v.ok()) return v.error();
            return std::move(*token);
        });
}

}  // namespace

http::Response AuthHandlers::obtain_pair(const http::Request& request) {
    const std::string address = http::client_address(request, num_proxies_);
    if (auto ok = throttle_.check_address(address); !ok) return http::error_response(ok.error());
    auto credentials = validated_body<Credentials>(request, credentials_from_input);
    if (!credentials) return http::error_response(credentials.error());
    // No account has such a name: fail as a wrong password does, before any store sees it.
    if (!users::UserService::could_be_username(credentials->username)) {
        return http::error_response(users::login_failed());
    }
    auto reservation = throttle_.reserve_failure(credentials->username, address);
    if (!reservation) return http::error_response(reservation.error());
    // The rest is slow (one Argon2id verification): the server runs it on its hashing pool.
    return http::defer(
        [this, credentials = std::move(*credentials), reservation = std::move(*reservation)] {
            auto user = users_.login(credentials.username, credentials.password);
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
    auto refresh_token = token_field(request, kRefresh);
    if (!refresh_token) return http::error_response(refresh_token.error());
    auto refreshed = lifecycle_.refresh(*refresh_token);
    if (!refreshed) return http::error_response(refreshed.error());
    std::string body = "{\"access\":";
    core::append_json_string(body, refreshed->access);
    if (refreshed->refresh) {
        body += ",\"refresh\":";
        core::append_json_string(body, *refreshed->refresh);
    }
    body += '}';
    return http::json_response(200, std::move(body));
}

http::Response AuthHandlers::verify(const http::Request& request) {
    auto token = token_field(request, kToken);
    if (!token) return http::error_response(token.error());
    if (auto ok = lifecycle_.verify(*token); !ok) return http::error_response(ok.error());
    return http::json_response(200, "{}");
}

http::Response AuthHandlers::blacklist(const http::Request& request) {
    auto token = token_field(request, kBlacklistRefresh);
    if (!token) return http::error_response(token.error());
    if (auto ok = lifecycle_.blacklist(*token); !ok) return http::error_response(ok.error());
    return http::json_response(200, "{}");
}

std::string AuthHandlers::obtain_pair_actions() {
    return serializers::actions_metadata("POST", kTokenObtainPairFields);
}

std::string AuthHandlers::refresh_actions() {
    return serializers::actions_metadata("POST", kTokenRefreshFields);
}

std::string AuthHandlers::verify_actions() {
    return serializers::actions_metadata("POST", kTokenVerifyFields);
}

std::string AuthHandlers::blacklist_actions() {
    return serializers::actions_metadata("POST", kTokenBlacklistFields);
}

}  // namespace taskapi::auth
