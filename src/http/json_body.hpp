// JSON rendering options of DRF's JSONRenderer that apply after a handler ran.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "http/response.hpp"

namespace taskapi::http {

// Re-renders compact JSON with Python's json.dumps(indent=N) layout ("key": value, N spaces),
// piece by piece, so that a body produced in pieces is indented as it goes. Strings and numbers
// are copied as written; whitespace between tokens is dropped. Expects valid JSON (taskapi's own
// bodies); on other text the output is unspecified.
class JsonIndenter {
public:
    explicit JsonIndenter(int indent) : indent_(indent) {}
    // Appends the rendering of the next piece of the document to `out`.
    void feed(std::string_view piece, std::string& out);

private:
    void newline(std::string& out) const;

    int indent_;
    int depth_ = 0;
    bool in_string_ = false;
    bool escaped_ = false;  // in a string, after a backslash
    bool opened_ = false;   // after '[' or '{': an empty one stays "[]" or "{}"
};

// The whole of a document at once; text that is not JSON is returned unchanged.
std::string indent_json(std::string_view compact, int indent);

// Indents a JSON answer's body, including the pieces of a body produced as it is sent.
void indent_body(Response& response, int indent);

}  // namespace taskapi::http
