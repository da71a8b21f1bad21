// The exceptions storage throws for what the domain cannot handle (a lost or broken database).
#pragma once

#include <stdexcept>

namespace taskapi::storage {

class StorageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The database cannot be reached now: the connection was lost, the server is restarting or
// refuses connections, or no pooled connection came free in time. Retrying later may succeed:
// the server answers 503 with Retry-After instead of 500, and the pool opens new connections on
// the next lease. The message names no password.
class UnavailableError : public StorageError {
public:
    using StorageError::StorageError;
};

}  // namespace taskapi::storage
