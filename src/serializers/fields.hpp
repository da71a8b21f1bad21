// DRF's serializer fields: the declarative table that describes a serializer's fields (read by
// validation, OPTIONS metadata and the API schema), and the rules of CharField and BooleanField
// that validate parsed input against it.
#pragma once

#include <array>
#include <boost/json/fwd.hpp>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace taskapi::serializers {

// The DRF field class a field is declared with.
enum class FieldType {
    kInteger,    // IntegerField, e.g. a model's id
    kString,     // CharField (also a model's TextField)
    kBoolean,    // BooleanField
    kDateTime,   // DateTimeField, written as ISO 8601 in UTC
    kRelatedId,  // PrimaryKeyRelatedField: the integer id of another resource
};

// One field of a serializer, as DRF declares it (for a ModelSerializer, as it derives it from
// the model). Only kString and kBoolean fields can be writable.
struct Field {
    std::string_view name;
    FieldType type = FieldType::kString;
    bool required = false;       // input must have it, except in a partial update (PATCH)
    bool read_only = false;      // output only: input of that name is ignored
    bool write_only = false;     // input only: never in an answer (OPTIONS does not show it)
    bool allow_blank = false;    // kString: "" (after trimming) is a value, not an error
    std::size_t max_length = 0;  // kString: at most this many characters; 0 = no limit
    std::string_view label;      // for people, e.g. "Created at"
    std::string_view help_text;  // for people; empty = none
};

// A serializer's fields in declaration order: the order of its JSON keys, of its OPTIONS
// description and of its validation errors.
using FieldTable = std::span<const Field>;

// True when a table is one DRF could declare: names unique and not empty, read-only fields
// neither required nor write-only, writable fields of a type that validate() reads, string
// rules on strings only. Meant for static_assert next to each table.
consteval bool is_well_formed(FieldTable fields) {
    for (std::size_t i = 0; i < fields.size(); ++i) {
        const Field& f = fields[i];
        if (f.name.empty()) return false;
        for (std::size_t j = 0; j < i; ++j) {
            if (fields[j].name == f.name) return false;
        }
        if (f.read_only && (f.required || f.write_only)) return false;
        if (!f.read_only && f.type != FieldType::kString && f.type != FieldType::kBoolean) {
            return false;
        }
        if (f.type != FieldType::kString && (f.allow_blank || f.max_length != 0)) return false;
    }
    return true;
}

// The position of the field called `name`; a name the table lacks does not compile.
template <std::size_t N>
consteval std::size_t index_of(const std::array<Field, N>& fields, std::string_view name) {
    for (std::size_t i = 0; i < N; ++i) {
        if (fields[i].name == name) return i;
    }
    throw "no field of this name in the table";
}

// How the input arrived: JSON keeps types; an HTML form has only strings and leaves out
// unchecked checkboxes.
struct InputContext {
    bool is_form = false;
    bool partial = false;  // PATCH: absent fields are not required and keep their value
};

// One field's validated input: `text` for a kString field, `flag` for a kBoolean one. Both are
// empty when the field was absent (and not required), invalid, or is read-only.
struct FieldValue {
    std::optional<std::string> text;
    std::optional<bool> flag;
};

// Collects field errors in the order fields are checked and turns them into one
// kInvalidArgument error.
class Validation {
public:
    // The field's value: nullopt when absent (and not required) or invalid (errors recorded).
    std::optional<std::string> char_field(const boost::json::object& data, const Field& field,
                                          const InputContext& ctx);
    std::optional<bool> boolean_field(const boost::json::object& data, const Field& field,
                                      const InputContext& ctx);

    [[nodiscard]] bool ok() const { return errors_.empty(); }
    [[nodiscard]] core::Error error() const;

private:
    void add(std::string_view field, std::string message);
    std::vector<core::FieldError> errors_;
};

// The input as an object, or DRF's non_field_errors answer for null, lists, strings and numbers.
core::Result<const boost::json::object*> as_object(const boost::json::value& data);

// DRF's Serializer.is_valid() over a table: the input must be an object (as_object), and each
// writable field is checked in table order; read-only fields and unknown keys are ignored.
// values[i] is fields[i]'s value. Errors: kInvalidArgument, every failing field with its
// messages, in table order. `values` has fields.size() elements.
core::Status validate_into(FieldTable fields, const boost::json::value& data,
                           const InputContext& ctx, std::span<FieldValue> values);

// validate_into() with the values returned, one per field of the table.
template <std::size_t N>
core::Result<std::array<FieldValue, N>> validate(const std::array<Field, N>& fields,
                                                 const boost::json::value& data,
                                                 const InputContext& ctx) {
    std::array<FieldValue, N> values;
    if (auto ok = validate_into(fields, data, ctx, values); !ok) return std::move(ok).error();
    return values;
}

}  // namespace taskapi::serializers
