#include "app/routes.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "storage/storage_error.hpp"

namespace taskapi::app {
namespace {

TEST(ErrorForStorageException, AnUnavailableDatabaseIs503WithRetryAfter) {
    const auto error = error_for_storage_exception(storage::UnavailableError("connection lost"));
    ASSERT_TRUE(error.has_value());
    EXPECT_EQ(error->code, core::ErrorCode::kUnavailable);
    EXPECT_EQ(error->message, "Service temporarily unavailable.");  // never the driver's text
    EXPECT_GT(error->retry_after_seconds, 0);
}

TEST(ErrorForStorageException, AnyOtherFailureIsLeftToTheGeneric500) {
    EXPECT_EQ(error_for_storage_exception(storage::StorageError("disk I/O error")), std::nullopt);
    EXPECT_EQ(error_for_storage_exception(std::runtime_error("bug")), std::nullopt);
}

}  // namespace
}  // namespace taskapi::app
