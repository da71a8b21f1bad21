// The command line, in the spirit of Django's manage.py: serve, migrate, createuser, ...
// Exit codes: 0 success, 1 failure (one line on stderr says why), 2 usage error.
#pragma once

namespace taskapi::cli {

int run(int argc, char** argv);

}  // namespace taskapi::cli
