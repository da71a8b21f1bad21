// DRF's field rules (CharField, BooleanField) over parsed input, shared by every serializer.
#pragma once

#include <boost/json/fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace taskapi::serializers {

// How the input arrived: JSON keeps types; an HTML form has only strings and leaves out
// unchecked checkboxes.
struct InputContext {
    bool is_form = false;
    bool partial = false;  // PATCH: absent fields are not required and keep their value
};

struct CharFieldRules {
    bool required = true;
    bool allow_blank = false;
    std::size_t max_length = 0;  // characters; 0 = no limit
};

// Collects field errors in declaration order and turns them into one kInvalidArgument error.
class Validation {
public:
    // The field's value: nullopt when absent (and not required) or invalid (errors recorded).
    std::optional<std::string> char_field(const boost::json::object& data, std::string_view name,
                                          const CharFieldRules& rules, const InputContext& ctx);
    std::optional<bool> boolean_field(const boost::json::object& data, std::string_view name,
                                      const InputContext& ctx);

    [[nodiscard]] bool ok() const { return errors_.empty(); }
    [[nodiscard]] core::Error error() const;

private:
    void add(std::string_view field, std::string message);
    std::vector<core::FieldError> errors_;
};

// The input as an object, or DRF's non_field_errors answer for null, lists, strings and numbers.
core::Result<const boost::json::object*> as_object(const boost::json::value& data);

}  // namespace taskapi::serializers
