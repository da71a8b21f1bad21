#include "users/username.hpp"

#include <uninorm.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>

#include "core/text.hpp"

namespace taskapi::users {

std::string normalize_username(std::string_view username) {
    // u8_normalize would turn invalid sequences into U+FFFD: leave such text for the checks.
    if (!core::is_valid_utf8(username)) return std::string(username);
    std::size_t length = 0;
    // libunistring works on uint8_t; the bytes are the same.
    const auto* in = reinterpret_cast<const std::uint8_t*>(username.data());
    std::unique_ptr<std::uint8_t, decltype(&std::free)> out(
        u8_normalize(UNINORM_NFKC, in, username.size(), nullptr, &length), &std::free);
    if (!out) throw std::bad_alloc();  // its only failure left
    return std::string(reinterpret_cast<const char*>(out.get()), length);
}

}  // namespace taskapi::users
