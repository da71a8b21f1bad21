#include "users/me_handler.hpp"

#include "core/text.hpp"

namespace taskapi::users {

http::Response me(const http::Request& request) {
    std::string body = "{\"id\":" + std::to_string(request.user_id->value) + ",\"username\":";
    core::append_json_string(body, request.username);
    body += '}';
    return http::json_response(200, std::move(body));
}

}  // namespace taskapi::users
