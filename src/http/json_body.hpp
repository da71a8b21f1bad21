// JSON rendering options of DRF's JSONRenderer that apply after a handler ran.
#pragma once

#include <string>
#include <string_view>

namespace taskapi::http {

// Re-renders compact JSON with Python's json.dumps(indent=N) layout ("key": value, N spaces).
// Returns the input unchanged if it is not JSON.
std::string indent_json(std::string_view compact, int indent);

}  // namespace taskapi::http
