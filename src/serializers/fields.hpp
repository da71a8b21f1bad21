// DRF's serializer fields: the declarative table that describes a serializer's fields (what its
// validation, its OPTIONS metadata and the API schema read), and the rules of CharField and
// BooleanField that validate parsed input against a field of it.
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
// description and of its validation errors. A serializer validates each writable field of its
// table with Validation, in table order (a unit test per serializer checks that it leaves none
// out; docs/decisions/006 says why this is not a loop over the table).
using FieldTable = std::span<const Field>;

// True when a table is one DRF could declare: names unique and not empty, read-only fields
// neither required nor write-only, writable fields of a type Validation reads (string or
// boolean), string rules on strings only. Meant for static_assert next to each table.
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

// The field of the table called `name`, e.g.
//   constexpr const Field& kTitle = field_named(kTaskFields, "title");
// A name the table lacks does not compile.
template <std::size_t kCount>
consteval const Field& field_named(const std::array<Field, kCount>& fields, std::string_view name) {
    for (const Field& field : fields) {
        if (field.name == name) return field;
    }
    throw "no field of this name in the table";
}

// How the input arrived: JSON keeps types; an HTML form has only strings and leaves out
// unchecked checkboxes.
struct InputContext {
    bool is_form = false;
    bool partial = false;  // PATCH: absent fields are not required and keep their value
};

// Collects field errors in the order fields are checked and turns them into one
// kInvalidArgument error.
class Validation {
public:
    // DRF's CharField and BooleanField: the value of `field` in `data`, or nullopt when it is
    // absent (and not required) or invalid (its errors recorded). A valid char field's value is
    // valid UTF-8: a surrogate (a lone "\ud800" escape in a JSON body) is an error, as NUL is,
    // after the length's.
    std::optional<std::string> char_field(const boost::json::object& data, const Field& field,
                                          const InputContext& ctx);
    // The same with the field's own validators (a model field's, such as Django's username
    // validator), which DRF runs before CharField's (length, NUL, surrogates): `validators`
    // returns the messages for the trimmed text, empty when it passes.
    using CharValidators = std::vector<std::string> (*)(std::string_view text);
    std::optional<std::string> char_field(const boost::json::object& data, const Field& field,
                                          const InputContext& ctx, CharValidators validators);
    // A serializer's own check refuses `field` (a UniqueValidator, validate()): adds `message`
    // to the field's list, or starts the list after those of the fields already refused.
    void reject(std::string_view field, std::string message) { add(field, std::move(message)); }
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

}  // namespace taskapi::serializers
