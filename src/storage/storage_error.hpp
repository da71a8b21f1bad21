// The exceptions storage throws for what the domain cannot handle (a lost or broken database).
#pragma once

#include <stdexcept>

namespace taskapi::storage {

class StorageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The database cannot be reached for now (connection lost or refused, server restarting, no
// connection free in time): the same request may succeed later. The server answers 503 with
// Retry-After instead of 500.
class UnavailableError : public StorageError {
public:
    using StorageError::StorageError;
};

}  // namespace taskapi::storage
