// Unicode normalization of usernames, as Django's AbstractBaseUser.normalize_username does.
#pragma once

#include <string>
#include <string_view>

namespace taskapi::users {

// The NFKC form of a UTF-8 username ("ａｌｉｃｅ" becomes "alice"), what Django stores when it
// creates a user. Text that is not valid UTF-8 is returned unchanged (check_username refuses
// it). Logins do not normalize: SimpleJWT looks the name up as sent. Thread-safe.
[[nodiscard]] std::string normalize_username(std::string_view username);

}  // namespace taskapi::users
