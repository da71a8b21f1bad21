// The list of common passwords Django ships (django/contrib/auth/common-passwords.txt.gz), which
// the build embeds from Debian's python3-django (cmake/embed_common_passwords.cmake).
#pragma once

#include <span>
#include <string_view>

namespace taskapi::users {

// Every entry of Django's list as CommonPasswordValidator reads it (each line stripped,
// duplicates dropped), sorted by bytes (std::string_view's operator<) for a binary search.
[[nodiscard]] std::span<const std::string_view> common_passwords();

}  // namespace taskapi::users
