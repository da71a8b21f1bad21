#include "core/text.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <system_error>

namespace taskapi::core {
namespace {

// Decodes one code point at text[i]; returns its length, or 0 when the sequence is invalid.
std::size_t decode_one(std::string_view text, std::size_t i, char32_t& cp) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char b0 = byte(i);
    if (b0 < 0x80) {
        cp = b0;
        return 1;
    }
    std::size_t len = 0;
    char32_t min = 0;
    if ((b0 & 0xE0) == 0xC0) {
        len = 2;
        cp = b0 & 0x1F;
        min = 0x80;
    } else if ((b0 & 0xF0) == 0xE0) {
        len = 3;
        cp = b0 & 0x0F;
        min = 0x800;
    } else if ((b0 & 0xF8) == 0xF0) {
        len = 4;
        cp = b0 & 0x07;
        min = 0x10000;
    } else {
        return 0;
    }
    if (i + len > text.size()) return 0;
    for (std::size_t k = 1; k < len; ++k) {
        const unsigned char b = byte(i + k);
        if ((b & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (b & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return len;
}

// Length of the longest prefix at text[i] that starts a well-formed sequence but does not
// complete one (at least 1), per Unicode's "maximal subpart" rule.
std::size_t maximal_invalid_subpart(std::string_view text, std::size_t i) {
    const auto b0 = static_cast<unsigned char>(text[i]);
    std::size_t need = 0;
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        need = 1;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        need = 2;
        if (b0 == 0xE0) lo = 0xA0;
        if (b0 == 0xED) hi = 0x9F;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        need = 3;
        if (b0 == 0xF0) lo = 0x90;
        if (b0 == 0xF4) hi = 0x8F;
    } else {
        return 1;
    }
    std::size_t len = 1;
    for (std::size_t k = 0; k < need && i + len < text.size(); ++k) {
        const auto b = static_cast<unsigned char>(text[i + len]);
        const unsigned char min = k == 0 ? lo : 0x80;
        const unsigned char max = k == 0 ? hi : 0xBF;
        if (b < min || b > max) break;
        ++len;
    }
    return len;
}

bool is_python_space(char32_t c) {
    return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 ||
           c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
           c == 0x202F || c == 0x205F || c == 0x3000;
}

// Eight bytes of text as one word (any order: only whether some byte matches is asked).
std::uint64_t load8(const char* p) {
    std::uint64_t word = 0;
    std::memcpy(&word, p, sizeof word);
    return word;
}

// Whether some byte of `word` is below 0x20, '"' or '\\' (what a JSON string must escape). The
// tests are exact for "some byte" (the flag bits above a match may be wrong, and are not read).
bool needs_escape(std::uint64_t word) {
    constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
    constexpr std::uint64_t kHighs = 0x8080808080808080ULL;
    const auto below = [](std::uint64_t w, unsigned n) { return (w - kOnes * n) & ~w & kHighs; };
    return (below(word, 0x20) | below(word ^ (kOnes * '"'), 1) | below(word ^ (kOnes * '\\'), 1)) !=
           0;
}

}  // namespace

bool is_valid_utf8(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        char32_t cp = 0;
        const std::size_t n = decode_one(text, i, cp);
        if (n == 0) return false;
        i += n;
    }
    return true;
}

std::optional<Utf8Error> find_invalid_utf8(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        char32_t cp = 0;
        const std::size_t n = decode_one(text, i, cp);
        if (n != 0) {
            i += n;
            continue;
        }
        const auto b0 = static_cast<unsigned char>(text[i]);
        const std::size_t length = maximal_invalid_subpart(text, i);
        const bool starts = b0 >= 0xC2 && b0 <= 0xF4;
        return Utf8Error{i, length, starts && i + length == text.size()};
    }
    return std::nullopt;
}

void append_utf8(std::string& out, char32_t c) {
    const auto byte = [&out](char32_t b) { out += static_cast<char>(b); };
    if (c < 0x80) {
        byte(c);
    } else if (c < 0x800) {
        byte(0xC0 | (c >> 6));
        byte(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        byte(0xE0 | (c >> 12));
        byte(0x80 | ((c >> 6) & 0x3F));
        byte(0x80 | (c & 0x3F));
    } else {
        byte(0xF0 | (c >> 18));
        byte(0x80 | ((c >> 12) & 0x3F));
        byte(0x80 | ((c >> 6) & 0x3F));
        byte(0x80 | (c & 0x3F));
    }
}

bool decode_utf8(std::string_view text, std::u32string& out) {
    out.clear();
    for (std::size_t i = 0; i < text.size();) {
        char32_t cp = 0;
        const std::size_t n = decode_one(text, i, cp);
        if (n == 0) return false;
        out += cp;
        i += n;
    }
    return true;
}

std::optional<char32_t> first_surrogate(std::string_view text) {
    const auto byte = [&text](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    // Every string field of every request passes here: find() (memchr) skips to each ED byte.
    for (std::size_t i = text.find('\xED'); i != std::string_view::npos && i + 2 < text.size();
         i = text.find('\xED', i + 1)) {
        if (byte(i + 1) >= 0xA0 && byte(i + 1) <= 0xBF && (byte(i + 2) & 0xC0) == 0x80) {
            return static_cast<char32_t>(0xD000 | ((byte(i + 1) & 0x3F) << 6) |
                                         (byte(i + 2) & 0x3F));
        }
    }
    return std::nullopt;
}

std::size_t count_code_points(std::string_view text) {
    std::size_t count = 0;
    for (const char c : text) {
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++count;
    }
    return count;
}

std::string_view strip_whitespace(std::string_view text) {
    std::size_t begin = 0;
    while (begin < text.size()) {
        char32_t cp = 0;
        const std::size_t n = decode_one(text, begin, cp);
        if (n == 0 || !is_python_space(cp)) break;
        begin += n;
    }
    std::size_t end = text.size();
    while (end > begin) {
        // Step back to the start of the last code point.
        std::size_t start = end - 1;
        while (start > begin && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
        char32_t cp = 0;
        const std::size_t n = decode_one(text, start, cp);
        if (n == 0 || start + n != end || !is_python_space(cp)) break;
        end = start;
    }
    return text.substr(begin, end - begin);
}

std::vector<std::string_view> split_whitespace(std::string_view text) {
    std::vector<std::string_view> out;
    std::size_t word = std::string_view::npos;  // where the current word began
    for (std::size_t i = 0; i < text.size();) {
        char32_t cp = 0;
        std::size_t n = decode_one(text, i, cp);
        const bool space = n != 0 && is_python_space(cp);
        if (n == 0) n = 1;
        if (space && word != std::string_view::npos) {
            out.push_back(text.substr(word, i - word));
            word = std::string_view::npos;
        } else if (!space && word == std::string_view::npos) {
            word = i;
        }
        i += n;
    }
    if (word != std::string_view::npos) out.push_back(text.substr(word));
    return out;
}

std::string python_float_repr(double value) {
    if (value != value) return "nan";
    if (value == HUGE_VAL) return "inf";
    if (value == -HUGE_VAL) return "-inf";
    // Shortest round-trip digits in scientific form: [-]d[.ddd]e[+-]xx
    char buf[64];
    const auto res = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::scientific);
    std::string sci(buf, res.ptr);
    const bool negative = sci[0] == '-';
    if (negative) sci.erase(0, 1);
    const auto e_pos = sci.find('e');
    std::string digits = sci.substr(0, e_pos);
    const int exponent = std::atoi(sci.c_str() + e_pos + 1);
    digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());

    std::string out = negative ? "-" : "";
    if (exponent >= 16 || exponent < -4) {
        out += digits[0];
        if (digits.size() > 1) {
            out += '.';
            out += digits.substr(1);
        }
        out += exponent < 0 ? "e-" : "e+";
        const int abs_exp = exponent < 0 ? -exponent : exponent;
        if (abs_exp < 10) out += '0';
        out += std::to_string(abs_exp);
        return out;
    }
    if (exponent < 0) {
        out += "0.";
        out.append(static_cast<std::size_t>(-exponent - 1), '0');
        out += digits;
        return out;
    }
    const auto int_len = static_cast<std::size_t>(exponent) + 1;
    if (digits.size() <= int_len) {
        out += digits;
        out.append(int_len - digits.size(), '0');
        out += ".0";
    } else {
        out += digits.substr(0, int_len);
        out += '.';
        out += digits.substr(int_len);
    }
    return out;
}

std::optional<std::int64_t> parse_int64(std::string_view text) {
    text = strip_whitespace(text);
    const bool had_plus = !text.empty() && text.front() == '+';
    if (had_plus) text.remove_prefix(1);
    if (text.empty() || (had_plus && (text.front() == '+' || text.front() == '-'))) {
        return std::nullopt;
    }
    std::int64_t value = 0;
    const auto* first = text.data();
    const auto* last = text.data() + text.size();
    const auto res = std::from_chars(first, last, value);
    if (res.ec != std::errc{} || res.ptr != last) return std::nullopt;
    return value;
}

std::string to_valid_utf8(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        char32_t cp = 0;
        const std::size_t n = decode_one(text, i, cp);
        if (n == 0) {
            // One U+FFFD per maximal ill-formed subpart, as Python's decode(errors="replace").
            out += "\xEF\xBF\xBD";
            i += maximal_invalid_subpart(text, i);
        } else {
            out.append(text.substr(i, n));
            i += n;
        }
    }
    return out;
}

std::string percent_decode(std::string_view text, bool plus_as_space) {
    const auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    // Most paths have nothing to decode: copied whole rather than a character at a time.
    if (text.find('%') == std::string_view::npos &&
        (!plus_as_space || text.find('+') == std::string_view::npos)) {
        return std::string(text);
    }
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '%' && i + 2 < text.size()) {
            const int hi = hex(text[i + 1]);
            const int lo = hex(text[i + 2]);
            if (hi >= 0 && lo >= 0) {
                out += static_cast<char>(hi * 16 + lo);
                i += 2;
                continue;
            }
        }
        out += (plus_as_space && c == '+') ? ' ' : c;
    }
    return out;
}

std::string_view trim_blanks(std::string_view text) {
    const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
    while (!text.empty() && blank(text.front())) text.remove_prefix(1);
    while (!text.empty() && blank(text.back())) text.remove_suffix(1);
    return text;
}

std::string latin1_to_utf8(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size());
    for (const char c : bytes) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x80) {
            out += c;
        } else {
            out += static_cast<char>(0xC0 | (u >> 6));
            out += static_cast<char>(0x80 | (u & 0x3F));
        }
    }
    return out;
}

std::string ascii_lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

bool ascii_iequals(std::string_view a, std::string_view b) {
    const auto lower = [](char c) {
        return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    };
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                              [&](char x, char y) { return lower(x) == lower(y); });
}

void append_json_string(std::string& out, std::string_view text) {
    static constexpr std::string_view kHex = "0123456789abcdef";
    out += '"';
    // Most text needs no escape: copy runs of plain bytes at once, escape the rest one by one.
    const auto plain = [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u >= 0x20 && c != '"' && c != '\\';
    };
    std::size_t i = 0;
    while (i < text.size()) {
        std::size_t run = i;
        // Eight bytes at a time while none of them needs an escape, then byte by byte.
        while (run + 8 <= text.size() && !needs_escape(load8(text.data() + run))) run += 8;
        while (run < text.size() && plain(text[run])) ++run;
        out.append(text.data() + i, run - i);
        if (run == text.size()) break;
        i = run + 1;
        const char c = text[run];
        const auto u = static_cast<unsigned char>(c);
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\b':
                out += "\\b";
                break;
            case '\f':
                out += "\\f";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:  // the other control characters
                out += "\\u00";
                out += kHex[u >> 4];
                out += kHex[u & 0x0F];
        }
    }
    out += '"';
}

}  // namespace taskapi::core
