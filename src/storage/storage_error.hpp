// The exception storage throws for what the domain cannot handle (a lost or broken database).
#pragma once

#include <stdexcept>

namespace taskapi::storage {

class StorageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace taskapi::storage
