#include "users/password_validation.hpp"

#include <unicase.h>
#include <unictype.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <unordered_map>

#include "core/text.hpp"
#include "users/common_passwords.hpp"

namespace taskapi::users {
namespace {

// Django's defaults: UserAttributeSimilarityValidator(max_similarity=0.7),
// MinimumLengthValidator(min_length=8).
constexpr double kMaxSimilarity = 0.7;
constexpr std::size_t kMinLength = 8;

std::u32string decode(std::string_view text) {
    std::u32string out;
    (void)core::decode_utf8(text, out);  // valid by contract
    return out;
}

// str.lower(): Unicode's full lower-case mapping, Final_Sigma included (libunistring applies
// the same SpecialCasing rules as Python; both follow Unicode 14 on Debian 12).
std::u32string lower(std::u32string_view text) {
    if (text.empty()) return {};
    std::size_t length = 0;
    // libunistring works on uint32_t; char32_t holds the same values.
    const auto* in = reinterpret_cast<const std::uint32_t*>(text.data());
    std::unique_ptr<std::uint32_t, decltype(&std::free)> out(
        u32_tolower(in, text.size(), nullptr, nullptr, nullptr, &length), &std::free);
    if (!out) throw std::bad_alloc();  // its only failure for valid input
    return std::u32string(reinterpret_cast<const char32_t*>(out.get()), length);
}

// Python's \w for str patterns: '_' and what str.isalnum() accepts (letters and characters with
// a numeric value). Checked against Python 3.11 over every code point.
bool is_word_character(char32_t c) {
    if (c == U'_') return true;
    if (uc_is_general_category(c, UC_CATEGORY_L)) return true;
    return uc_numeric_value(c).denominator != 0;
}

// str.isdigit(): not empty, and every character is a digit (Numeric_Type Decimal or Digit, so
// "١٢٣" and "¹²³" count). Checked against Python 3.11 over every code point.
bool is_digits(std::u32string_view text) {
    return !text.empty() &&
           std::all_of(text.begin(), text.end(), [](char32_t c) { return uc_digit_value(c) >= 0; });
}

// re.split(r'\W+', value) + [value]: the parts between runs of non-word characters (an empty
// part where the value starts or ends with one), then the whole value.
std::vector<std::u32string_view> value_parts(std::u32string_view value) {
    std::vector<std::u32string_view> parts;
    std::size_t start = 0;
    std::size_t i = 0;
    while (i < value.size()) {
        if (is_word_character(value[i])) {
            ++i;
            continue;
        }
        parts.push_back(value.substr(start, i - start));
        while (i < value.size() && !is_word_character(value[i])) ++i;
        start = i;
    }
    parts.push_back(value.substr(start));
    parts.push_back(value);
    return parts;
}

// exceeds_maximum_length_ratio(): a value so much shorter than the password that quick_ratio()
// cannot reach the limit; Django skips it, and so must we (the answer could differ otherwise
// only in theory, but the expression is Django's, in the same floating point).
bool exceeds_maximum_length_ratio(std::size_t password_length, std::size_t value_length) {
    const double length_bound_similarity =
        kMaxSimilarity / 2 * static_cast<double>(password_length);
    return password_length >= 10 * value_length &&
           static_cast<double>(value_length) < length_bound_similarity;
}

bool is_too_similar(std::u32string_view password_lower, std::string_view username) {
    if (username.empty()) return false;  // `if not value`: nothing to compare with
    const std::u32string value_lower = lower(decode(username));
    for (const std::u32string_view part : value_parts(value_lower)) {
        if (exceeds_maximum_length_ratio(password_lower.size(), part.size())) continue;
        if (quick_ratio(password_lower, part) >= kMaxSimilarity) return true;
    }
    return false;
}

}  // namespace

double quick_ratio(std::u32string_view a, std::u32string_view b) {
    std::unordered_map<char32_t, std::ptrdiff_t> available;
    for (const char32_t c : b) ++available[c];
    std::size_t matches = 0;
    for (const char32_t c : a) {
        const auto it = available.find(c);
        if (it != available.end() && it->second > 0) {
            --it->second;
            ++matches;
        }
    }
    const std::size_t length = a.size() + b.size();
    // _calculate_ratio(): 2.0 * matches / length, evaluated left to right as Python does.
    if (length == 0) return 1.0;
    return 2.0 * static_cast<double>(matches) / static_cast<double>(length);
}

bool is_common_password(std::string_view password) {
    std::string key;
    for (const char32_t c : lower(decode(password))) core::append_utf8(key, c);
    const std::string_view stripped = core::strip_whitespace(key);
    const auto list = common_passwords();
    return std::binary_search(list.begin(), list.end(), stripped);
}

std::vector<std::string> password_validation_errors(std::string_view password,
                                                    std::string_view username) {
    std::vector<std::string> errors;
    const std::u32string code_points = decode(password);
    if (is_too_similar(lower(code_points), username)) {
        // The username field's verbose_name is "username".
        errors.emplace_back("The password is too similar to the username.");
    }
    if (code_points.size() < kMinLength) {
        errors.emplace_back("This password is too short. It must contain at least 8 characters.");
    }
    if (is_common_password(password)) errors.emplace_back("This password is too common.");
    if (is_digits(code_points)) errors.emplace_back("This password is entirely numeric.");
    return errors;
}

}  // namespace taskapi::users
