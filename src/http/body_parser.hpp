// Request bodies as DRF's parsers read them: JSON, form-urlencoded and multipart form data.
#pragma once

#include <boost/json/fwd.hpp>
#include <memory>

#include "core/result.hpp"
#include "http/request.hpp"

namespace taskapi::http {

// JSON input keeps its types; form input is all strings and follows HTML form rules
// (an unchecked checkbox is simply absent).
enum class DataKind { kJson, kForm };

class RequestData {
public:
    RequestData(std::shared_ptr<const boost::json::value> value, DataKind kind)
        : value_(std::move(value)), kind_(kind) {}
    [[nodiscard]] const boost::json::value& value() const { return *value_; }
    [[nodiscard]] DataKind kind() const { return kind_; }

private:
    std::shared_ptr<const boost::json::value> value_;
    DataKind kind_;
};

// Errors: kUnsupportedFormat (415) for a body in a media type that is not read, with DRF's
// message; kInvalidArgument (400) for malformed JSON or multipart, with "JSON parse error - ...".
// An empty body is an empty object whatever the media type.
core::Result<RequestData> parse_body(const Request& request);

}  // namespace taskapi::http
