// The PostgreSQL backend as a storage::Storage: a connection pool, the repositories and the
// throttle store on it, and the migrations.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "storage/open_storage.hpp"

namespace taskapi::storage::postgres {

// True for URLs this backend takes: postgresql:// and postgres:// URIs, and key=value strings.
[[nodiscard]] bool is_postgres_url(std::string_view url);

// Checks the URL with libpq's parser; kInvalidArgument when it is not one libpq reads (the
// message does not quote the URL).
core::Status check_url(std::string_view url);

// "postgresql://user@host:port/name": the URL without its password or other options, for logs.
[[nodiscard]] std::string describe_url(std::string_view url);

// Opens a pool on `url` (checked by check_url) and one connection at once, so that an
// unreachable server is reported at start. Throws UnavailableError when it cannot connect.
std::unique_ptr<Storage> open(std::string_view url, const StorageOptions& options);

}  // namespace taskapi::storage::postgres
