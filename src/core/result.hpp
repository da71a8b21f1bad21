// Expected outcomes as values: Result<T> holds either a T or an Error (shaped like std::expected).
#pragma once

#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace taskapi::core {

// Error kinds, in terms of the request rather than of a protocol; only http/error_response.cpp
// maps them to statuses and bodies.
enum class ErrorCode {
    kInvalidArgument,    // validation failed; field_errors says where
    kUnauthenticated,    // credentials missing, wrong or expired
    kPermissionDenied,   // authenticated, but not allowed
    kNotFound,           // missing, or owned by someone else
    kConflict,           // a uniqueness rule would be broken
    kUnsupportedFormat,  // the input comes in a format that is not read (a media type)
    kRateLimited,        // too many attempts; retry_after_seconds says when to try again
    kUnavailable,        // temporarily unable to serve (at a capacity limit)
    kInternal,           // a bug or a lost resource
    // A request the server refuses as a whole, before any handler sees it:
    kMalformedRequest,  // its framing cannot be read safely (nothing after it can be trusted)
    kHeadersTooLarge,   // its header section is over the limits
    kPayloadTooLarge,   // its body is over the limit
    kMethodNotAllowed,  // the resource does not offer this operation
    kNotAcceptable,     // the resource has no representation the client accepts
};

// One field's messages, in the order the validators produced them.
struct FieldError {
    std::string field;
    std::vector<std::string> messages;
};

// One entry of an error's further messages: named texts, in order. SimpleJWT reports an
// invalid token with one per token class it tried: token_class, token_type, message.
using ErrorEntry = std::vector<std::pair<std::string, std::string>>;

struct Error {
    ErrorCode code = ErrorCode::kInternal;
    std::string message;                   // safe to show to a client
    std::vector<FieldError> field_errors;  // for kInvalidArgument, in field order
    std::string reason;                    // machine-readable sub-code, e.g. "user_not_found"
    int retry_after_seconds = 0;           // for kRateLimited and kUnavailable; 0: not said
    std::vector<ErrorEntry> messages;      // further messages, safe to show; usually none
};

inline Error make_error(ErrorCode code, std::string message, std::string reason = {}) {
    return Error{code, std::move(message), {}, std::move(reason)};
}

template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : state_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
    Result(Error error) : state_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

    [[nodiscard]] bool has_value() const noexcept { return state_.index() == 0; }
    explicit operator bool() const noexcept { return has_value(); }

    T& value() & { return std::get<0>(state_); }
    const T& value() const& { return std::get<0>(state_); }
    T&& value() && { return std::get<0>(std::move(state_)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const Error& error() const& { return std::get<1>(state_); }
    Error&& error() && { return std::get<1>(std::move(state_)); }

private:
    std::variant<T, Error> state_;
};

// Result of an operation that returns nothing on success.
struct Ok {};
using Status = Result<Ok>;

}  // namespace taskapi::core
