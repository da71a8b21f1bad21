// Opening the database at start-up (`serve` and the commands): a database server that is not
// up yet (a deployment often starts both at once) is waited for, within a bound.
#pragma once

#include "app/config.hpp"
#include "core/result.hpp"
#include "storage/open_storage.hpp"

namespace taskapi::app {

// storage::open_migrated; while the server cannot be reached (storage::UnavailableError), tries
// again after 0.5 s, 1 s, 2 s, ... (at most 8 s between attempts) until TASKAPI_DB_START_TIMEOUT
// has passed, logging one warning per failed attempt. Then kUnavailable with the last reason.
// Other errors end it at once, as open_migrated reports them.
core::Result<storage::MigratedStorage> open_database(const Config& config,
                                                     const storage::StorageOptions& options);

}  // namespace taskapi::app
