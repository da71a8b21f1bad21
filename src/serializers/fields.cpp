#include "serializers/fields.hpp"

#include <array>
#include <boost/json/value.hpp>
#include <cstdio>
#include <string>

#include "core/text.hpp"

namespace taskapi::serializers {
namespace {

namespace json = boost::json;

constexpr std::string_view kRequired = "This field is required.";
constexpr std::string_view kBlank = "This field may not be blank.";
constexpr std::string_view kNull = "This field may not be null.";
constexpr std::string_view kNotString = "Not a valid string.";
constexpr std::string_view kNulChar = "Null characters are not allowed.";
constexpr std::string_view kSurrogate = "Surrogate characters are not allowed: U+";
constexpr std::string_view kNotBoolean = "Must be a valid boolean.";

std::string_view python_type_name(const json::value& v) {
    if (v.is_array()) return "list";
    if (v.is_string()) return "str";
    if (v.is_bool()) return "bool";
    if (v.is_double()) return "float";
    return "int";
}

// DRF 3.14's BooleanField spellings (exact, case-sensitive).
std::optional<bool> boolean_from_string(std::string_view s) {
    static constexpr std::string_view kTrue[] = {"t",    "T",    "y",    "Y",  "yes", "Yes", "YES",
                                                 "true", "True", "TRUE", "on", "On",  "ON",  "1"};
    static constexpr std::string_view kFalse[] = {
        "f", "F", "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF", "0"};
    for (const auto t : kTrue)
        if (s == t) return true;
    for (const auto f : kFalse)
        if (s == f) return false;
    return std::nullopt;
}

}  // namespace

void Validation::add(std::string_view field, std::string message) {
    for (auto& e : errors_) {
        if (e.field == field) {
            e.messages.push_back(std::move(message));
            return;
        }
    }
    errors_.push_back(core::FieldError{std::string(field), {std::move(message)}});
}

core::Error Validation::error() const {
    core::Error e;
    e.code = core::ErrorCode::kInvalidArgument;
    e.message = "Invalid input.";
    e.field_errors = errors_;
    return e;
}

std::optional<std::string> Validation::char_field(const json::object& data, const Field& field,
                                                  const InputContext& ctx) {
    return char_field(data, field, ctx, nullptr);
}

std::optional<std::string> Validation::char_field(const json::object& data, const Field& field,
                                                  const InputContext& ctx,
                                                  CharValidators validators) {
    const std::string_view name = field.name;
    const json::value* v = data.if_contains(name);
    if (v == nullptr) {
        if (field.required && !ctx.partial) add(name, std::string(kRequired));
        return std::nullopt;
    }
    if (v->is_null()) {
        add(name, std::string(kNull));
        return std::nullopt;
    }
    // An empty form value of an optional field means "not given" (DRF's html input rules).
    if (ctx.is_form && !field.required && v->is_string() && v->get_string().empty()) {
        if (field.allow_blank) return std::string();
        return std::nullopt;
    }
    std::string text;
    if (v->is_string()) {
        text = std::string(v->get_string());
    } else if (v->is_int64()) {
        text = std::to_string(v->get_int64());
    } else if (v->is_uint64()) {
        text = std::to_string(v->get_uint64());
    } else if (v->is_double()) {
        text = core::python_float_repr(v->get_double());
    } else {
        add(name, std::string(kNotString));
        return std::nullopt;
    }
    const std::string_view trimmed = core::strip_whitespace(text);
    if (trimmed.empty()) {
        if (!field.allow_blank) {
            add(name, std::string(kBlank));
            return std::nullopt;
        }
        return std::string();
    }
    std::string value(trimmed);
    bool valid = true;
    if (validators != nullptr) {
        for (std::string& message : validators(value)) {
            add(name, std::move(message));
            valid = false;
        }
    }
    if (field.max_length != 0 && core::count_code_points(value) > field.max_length) {
        add(name, "Ensure this field has no more than " + std::to_string(field.max_length) +
                      " characters.");
        valid = false;
    }
    if (value.find('\0') != std::string::npos) {
        add(name, std::string(kNulChar));
        valid = false;
    }
    if (const auto surrogate = core::first_surrogate(value)) {
        // DRF's ProhibitSurrogateCharactersValidator, after the other two.
        std::array<char, 8> hex{};
        std::snprintf(hex.data(), hex.size(), "%X", static_cast<unsigned>(*surrogate));
        add(name, std::string(kSurrogate) + hex.data() + ".");
        valid = false;
    }
    if (!valid) return std::nullopt;
    return value;
}

std::optional<bool> Validation::boolean_field(const json::object& data, const Field& field,
                                              const InputContext& ctx) {
    const std::string_view name = field.name;
    const json::value* v = data.if_contains(name);
    if (v == nullptr) {
        // An HTML form leaves out an unchecked checkbox: absent means false, except in PATCH.
        if (ctx.is_form && !ctx.partial) return false;
        return std::nullopt;
    }
    if (v->is_null()) {
        add(name, std::string(kNull));
        return std::nullopt;
    }
    // An empty form value means "not given": the stored value (or the default) stays.
    if (ctx.is_form && v->is_string() && v->get_string().empty()) return std::nullopt;
    if (v->is_bool()) return v->get_bool();
    if (v->is_int64() && (v->get_int64() == 0 || v->get_int64() == 1)) return v->get_int64() == 1;
    if (v->is_uint64() && v->get_uint64() <= 1) return v->get_uint64() == 1;
    if (v->is_double() && (v->get_double() == 0.0 || v->get_double() == 1.0)) {
        return v->get_double() == 1.0;
    }
    if (v->is_string()) {
        if (auto b = boolean_from_string(std::string_view(v->get_string()))) return b;
    }
    add(name, std::string(kNotBoolean));
    return std::nullopt;
}

core::Result<const json::object*> as_object(const json::value& data) {
    if (data.is_object()) return &data.get_object();
    core::Error e;
    e.code = core::ErrorCode::kInvalidArgument;
    e.message = "Invalid input.";
    const std::string message = data.is_null() ? std::string("No data provided")
                                               : "Invalid data. Expected a dictionary, but got " +
                                                     std::string(python_type_name(data)) + ".";
    e.field_errors.push_back(core::FieldError{"non_field_errors", {message}});
    return e;
}

}  // namespace taskapi::serializers
