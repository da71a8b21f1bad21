// `taskapi serve`: migrate, then serve HTTP until SIGINT/SIGTERM.
#pragma once

#include "app/config.hpp"

namespace taskapi::app {

// Returns the process exit code.
int serve(const Config& config);

}  // namespace taskapi::app
