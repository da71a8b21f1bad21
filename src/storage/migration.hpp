// A versioned schema change, embedded in the binary from src/storage/migrations/<backend>/.
#pragma once

#include <string_view>
#include <vector>

namespace taskapi::storage {

struct Migration {
    int version;
    std::string_view name;
    std::string_view sql;
};

}  // namespace taskapi::storage
