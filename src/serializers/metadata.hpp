// DRF's SimpleMetadata: the description of a serializer's fields in an OPTIONS answer.
#pragma once

#include <string>
#include <string_view>

#include "serializers/fields.hpp"

namespace taskapi::serializers {

// Every field of the table, in order, with DRF's keys in DRF's order:
// {"title":{"type":"string","required":true,"read_only":false,"label":"Title","max_length":255},...}
// label, help_text and max_length appear only when set. Types are DRF's names: "integer",
// "string", "boolean", "datetime", and "field" for a related id.
[[nodiscard]] std::string fields_metadata(FieldTable fields);

// An OPTIONS answer's "actions" for one method: {"<method>":<fields_metadata(fields)>}.
[[nodiscard]] std::string actions_metadata(std::string_view method, FieldTable fields);

}  // namespace taskapi::serializers
