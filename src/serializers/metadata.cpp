#include "serializers/metadata.hpp"

#include "core/text.hpp"

namespace taskapi::serializers {
namespace {

// DRF's SimpleMetadata.label_lookup; a PrimaryKeyRelatedField has no entry of its own and gets
// the one of its base class, Field.
std::string_view type_name(FieldType type) {
    switch (type) {
        case FieldType::kInteger:
            return "integer";
        case FieldType::kString:
            return "string";
        case FieldType::kBoolean:
            return "boolean";
        case FieldType::kDateTime:
            return "datetime";
        case FieldType::kRelatedId:
            return "field";
    }
    return "field";
}

void append_bool(std::string& out, std::string_view key, bool value) {
    out += ",\"";
    out += key;
    out += value ? "\":true" : "\":false";
}

// SimpleMetadata.get_field_info leaves out attributes that are None or "".
void append_text_if_set(std::string& out, std::string_view key, std::string_view value) {
    if (value.empty()) return;
    out += ",\"";
    out += key;
    out += "\":";
    core::append_json_string(out, value);
}

}  // namespace

std::string fields_metadata(FieldTable fields) {
    std::string out = "{";
    for (std::size_t i = 0; i < fields.size(); ++i) {
        const Field& f = fields[i];
        if (i != 0) out += ',';
        core::append_json_string(out, f.name);
        out += R"(:{"type":")";
        out += type_name(f.type);
        out += '"';
        append_bool(out, "required", f.required);
        append_bool(out, "read_only", f.read_only);
        append_text_if_set(out, "label", f.label);
        append_text_if_set(out, "help_text", f.help_text);
        if (f.max_length != 0) {
            out += ",\"max_length\":";
            out += std::to_string(f.max_length);
        }
        out += '}';
    }
    out += '}';
    return out;
}

std::string actions_metadata(std::string_view method, FieldTable fields) {
    std::string out = "{";
    core::append_json_string(out, method);
    out += ':';
    out += fields_metadata(fields);
    out += '}';
    return out;
}

}  // namespace taskapi::serializers
