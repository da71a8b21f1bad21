// Driver-level failures that repositories translate into domain results.
#pragma once

#include "storage/storage_error.hpp"

namespace taskapi::storage::sqlite {

// A UNIQUE, FOREIGN KEY or CHECK constraint refused the statement.
class ConstraintViolation : public StorageError {
public:
    using StorageError::StorageError;
};

}  // namespace taskapi::storage::sqlite
