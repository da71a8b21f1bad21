// Text helpers with Python's semantics where the contract copies DRF (strip, str(float), int()).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace taskapi::core {

// True when `text` is well-formed UTF-8 (no overlongs, surrogates or values above U+10FFFF).
[[nodiscard]] bool is_valid_utf8(std::string_view text);

// The first ill-formed sequence in `text`, as Python's UTF-8 decoder reports it: where it starts
// and the length of its maximal subpart (the start byte and the continuation bytes that could
// still follow it, Unicode's rule). `truncated`: the text ends inside a sequence that more bytes
// could still complete. nullopt when the text is well-formed.
struct Utf8Error {
    std::size_t offset = 0;
    std::size_t length = 1;
    bool truncated = false;
};
[[nodiscard]] std::optional<Utf8Error> find_invalid_utf8(std::string_view text);

// Appends the UTF-8 encoding of `c` (1 to 4 bytes). A surrogate (U+D800..U+DFFF) is encoded as
// its three bytes, which is not valid UTF-8.
void append_utf8(std::string& out, char32_t c);

// Decodes UTF-8 into code points; false when the text is not well-formed.
[[nodiscard]] bool decode_utf8(std::string_view text, std::u32string& out);

// The first UTF-16 surrogate code point (U+D800..U+DFFF) in `text`, written as UTF-8 would
// write it (ED A0..BF 80..BF, which valid UTF-8 never contains; the JSON body parser writes a
// lone surrogate escape so). nullopt when there is none.
[[nodiscard]] std::optional<char32_t> first_surrogate(std::string_view text);

// Number of Unicode code points in valid UTF-8 text (what Python's len() counts).
[[nodiscard]] std::size_t count_code_points(std::string_view text);

// Removes leading and trailing characters that Python's str.isspace() accepts.
[[nodiscard]] std::string_view strip_whitespace(std::string_view text);

// Python's str.split() without arguments: the runs of text between characters that
// str.isspace() accepts, none of them empty. An invalid UTF-8 byte is not whitespace.
[[nodiscard]] std::vector<std::string_view> split_whitespace(std::string_view text);

// Python's repr() of a float: "1.0", "1e+20", "0.1", "inf".
[[nodiscard]] std::string python_float_repr(double value);

// Python's int() of a decimal string (sign, digits, surrounding whitespace), within int64.
[[nodiscard]] std::optional<std::int64_t> parse_int64(std::string_view text);

// Replaces each invalid UTF-8 sequence with U+FFFD (as Python's decode(errors="replace")).
[[nodiscard]] std::string to_valid_utf8(std::string_view text);

// Decodes %XX escapes; with plus_as_space, '+' becomes ' ' (form encoding). Invalid escapes stay.
[[nodiscard]] std::string percent_decode(std::string_view text, bool plus_as_space);

// Each byte as the code point of the same value (ISO-8859-1), encoded as UTF-8.
[[nodiscard]] std::string latin1_to_utf8(std::string_view bytes);

// Removes leading and trailing spaces, tabs and carriage returns (HTTP's optional whitespace,
// .env lines).
[[nodiscard]] std::string_view trim_blanks(std::string_view text);

// ASCII lower case.
[[nodiscard]] std::string ascii_lower(std::string_view text);

// Equal but for the case of ASCII letters (header field names, RFC 9110 5.1).
[[nodiscard]] bool ascii_iequals(std::string_view a, std::string_view b);

// Appends `text` as a JSON string literal the way Python's json.dumps(ensure_ascii=False) writes
// it: raw UTF-8, with quotes, backslashes and control characters escaped.
void append_json_string(std::string& out, std::string_view text);

}  // namespace taskapi::core
