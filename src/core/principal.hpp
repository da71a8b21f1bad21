// Who is making a request, once authentication has succeeded.
#pragma once

#include <string>

#include "core/ids.hpp"

namespace taskapi::core {

struct Principal {
    UserId id;
    std::string username;
};

}  // namespace taskapi::core
