#include "core/text.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <limits>
#include <random>
#include <string>
#include <string_view>

namespace taskapi::core {
namespace {

using namespace std::string_literals;

// U+00A0 NO-BREAK SPACE, U+3000 IDEOGRAPHIC SPACE, U+0085 NEXT LINE, U+2028 LINE SEPARATOR.
constexpr std::string_view kNbsp = "\xC2\xA0";
constexpr std::string_view kIdeographicSpace = "\xE3\x80\x80";
constexpr std::string_view kNextLine = "\xC2\x85";
constexpr std::string_view kLineSeparator = "\xE2\x80\xA8";
// Not spaces for Python's str.isspace(): ZERO WIDTH SPACE, BYTE ORDER MARK.
constexpr std::string_view kZeroWidthSpace = "\xE2\x80\x8B";
constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

std::string concat(std::string_view a, std::string_view b, std::string_view c = {}) {
    std::string out(a);
    out += b;
    out += c;
    return out;
}

// --- strip_whitespace ------------------------------------------------------------------------

TEST(StripWhitespace, RemovesAsciiSpacesTabsAndNewlinesOnBothSides) {
    EXPECT_EQ(strip_whitespace(" \t\n\r\v\fhello world \t\n"), "hello world");
}

TEST(StripWhitespace, KeepsInnerWhitespace) { EXPECT_EQ(strip_whitespace("  a  b  "), "a  b"); }

TEST(StripWhitespace, RemovesUnicodeSpacesAsPythonStrStrip) {
    EXPECT_EQ(strip_whitespace(concat(kNbsp, "x", kIdeographicSpace)), "x");
    EXPECT_EQ(strip_whitespace(concat(kIdeographicSpace, "x", kNbsp)), "x");
    EXPECT_EQ(strip_whitespace(concat(kNextLine, "x", kLineSeparator)), "x");
}

TEST(StripWhitespace, RemovesInformationSeparatorsThatPythonCountsAsSpace) {
    EXPECT_EQ(strip_whitespace("\x1C\x1D\x1E\x1Fx\x1F"), "x");
}

TEST(StripWhitespace, KeepsCharactersThatAreNotSpaces) {
    EXPECT_EQ(strip_whitespace(concat(kZeroWidthSpace, "x")), concat(kZeroWidthSpace, "x"));
    EXPECT_EQ(strip_whitespace(concat("x", kByteOrderMark)), concat("x", kByteOrderMark));
    EXPECT_EQ(strip_whitespace("\x01x\x7F"), "\x01x\x7F");
    EXPECT_EQ(strip_whitespace("\0x"s), "\0x"s);
}

TEST(StripWhitespace, KeepsNonSpaceMultibyteCharactersAtTheEdges) {
    EXPECT_EQ(strip_whitespace(" é "), "é");
    EXPECT_EQ(strip_whitespace("日本"), "日本");
}

TEST(StripWhitespace, ReturnsEmptyForOnlyWhitespace) {
    EXPECT_EQ(strip_whitespace(concat(" \t", kNbsp, kIdeographicSpace)), "");
    EXPECT_EQ(strip_whitespace(""), "");
}

TEST(StripWhitespace, StopsAtInvalidUtf8) {
    EXPECT_EQ(strip_whitespace(" \xC2 "), "\xC2");
    EXPECT_EQ(strip_whitespace(" \xA0 "), "\xA0");
}

// UTF-8 encoding of one code point, for table-driven tests (append_utf8 is checked below).
std::string utf8(char32_t c) {
    std::string out;
    append_utf8(out, c);
    return out;
}

// Exactly the code points for which Python 3.11's str.isspace() is true.
constexpr char32_t kPythonSpaces[] = {
    0x9,    0xA,    0xB,    0xC,    0xD,    0x1C,   0x1D,   0x1E,   0x1F,   0x20,
    0x85,   0xA0,   0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006,
    0x2007, 0x2008, 0x2009, 0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000};

TEST(StripWhitespace, StripsEveryPythonSpaceAndNothingElse) {
    std::size_t stripped = 0;
    for (char32_t c = 0; c < 0x3100; ++c) {
        if (c >= 0xD800 && c <= 0xDFFF) continue;
        const std::string padded = utf8(c) + "x" + utf8(c);
        const bool is_space = std::find(std::begin(kPythonSpaces), std::end(kPythonSpaces), c) !=
                              std::end(kPythonSpaces);
        if (strip_whitespace(padded) == "x") ++stripped;
        EXPECT_EQ(strip_whitespace(padded) == "x", is_space)
            << "U+" << std::hex << static_cast<unsigned>(c);
    }
    EXPECT_EQ(stripped, std::size(kPythonSpaces));
}

// --- count_code_points -----------------------------------------------------------------------

TEST(CountCodePoints, CountsCharactersNotBytes) {
    EXPECT_EQ(count_code_points(""), 0u);
    EXPECT_EQ(count_code_points("abc"), 3u);
    EXPECT_EQ(count_code_points("é"), 1u);
    EXPECT_EQ(count_code_points("日本語"), 3u);
    EXPECT_EQ(count_code_points("\xF0\x9F\x98\x80"), 1u);  // U+1F600, four bytes
    EXPECT_EQ(count_code_points("a\0b"s), 3u);
}

// --- is_valid_utf8 ---------------------------------------------------------------------------

TEST(IsValidUtf8, AcceptsWellFormedText) {
    EXPECT_TRUE(is_valid_utf8(""));
    EXPECT_TRUE(is_valid_utf8("plain ascii"));
    EXPECT_TRUE(is_valid_utf8("é日本\xF0\x9F\x98\x80"));
    EXPECT_TRUE(is_valid_utf8("\xED\x9F\xBF"));      // U+D7FF, just below the surrogates
    EXPECT_TRUE(is_valid_utf8("\xEE\x80\x80"));      // U+E000, just above them
    EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF, the last code point
    EXPECT_TRUE(is_valid_utf8("\0"s));
}

TEST(IsValidUtf8, RejectsOverlongEncodings) {
    EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));  // '/' in two bytes
    EXPECT_FALSE(is_valid_utf8("\xC1\xBF"));
    EXPECT_FALSE(is_valid_utf8("\xE0\x80\xAF"));      // '/' in three bytes
    EXPECT_FALSE(is_valid_utf8("\xF0\x80\x80\xAF"));  // '/' in four bytes
    EXPECT_FALSE(is_valid_utf8("\xC0\x80"));          // "modified UTF-8" NUL
}

TEST(IsValidUtf8, RejectsSurrogates) {
    EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));  // U+D800
    EXPECT_FALSE(is_valid_utf8("\xED\xBF\xBF"));  // U+DFFF
}

TEST(IsValidUtf8, RejectsCodePointsAboveU10FFFF) {
    EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));
    EXPECT_FALSE(is_valid_utf8("\xF5\x80\x80\x80"));
    EXPECT_FALSE(is_valid_utf8("\xFF"));
}

TEST(IsValidUtf8, RejectsTruncatedSequences) {
    EXPECT_FALSE(is_valid_utf8("\xC3"));
    EXPECT_FALSE(is_valid_utf8("a\xE6\x97"));
    EXPECT_FALSE(is_valid_utf8("\xF0\x9F\x98"));
}

TEST(IsValidUtf8, RejectsStrayContinuationBytes) {
    EXPECT_FALSE(is_valid_utf8("\x80"));
    EXPECT_FALSE(
        is_valid_utf8("a\xBF"
                      "b"));
    EXPECT_FALSE(is_valid_utf8("\xC3\xA9\xA9"));
}

TEST(IsValidUtf8, RejectsALeadByteFollowedByAnAsciiByte) {
    EXPECT_FALSE(
        is_valid_utf8("\xC3"
                      "A"));
}

// --- python_float_repr -----------------------------------------------------------------------

TEST(AppendUtf8, WritesOneToFourBytes) {
    std::string out;
    for (const char32_t c : {U'A', U'\u00e9', U'\u20ac', U'\U0001F600'}) append_utf8(out, c);
    EXPECT_EQ(out, "A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
}

TEST(AppendUtf8, WritesASurrogateAsItsThreeBytes) {
    std::string out;
    append_utf8(out, 0xD800);
    append_utf8(out, 0xDFFF);
    EXPECT_EQ(out, "\xED\xA0\x80\xED\xBF\xBF");
    EXPECT_FALSE(is_valid_utf8(out));
}

// What Python's UTF-8 decoder reports: the start and the maximal subpart of the first error.
TEST(FindInvalidUtf8, ReportsTheFirstErrorAsPythonDoes) {
    EXPECT_EQ(find_invalid_utf8("caf\xC3\xA9 \xF0\x9F\x98\x80"), std::nullopt);
    const auto check = [](std::string_view text, std::size_t offset, std::size_t length,
                          bool truncated) {
        const auto e = find_invalid_utf8(text);
        ASSERT_TRUE(e.has_value()) << text;
        EXPECT_EQ(e->offset, offset) << text;
        EXPECT_EQ(e->length, length) << text;
        EXPECT_EQ(e->truncated, truncated) << text;
    };
    check("a\xFF", 1, 1, false);          // invalid start byte
    check("a\xC0\xAF", 1, 1, false);      // overlong: invalid start byte
    check("a\xE2\x28\xA1", 1, 1, false);  // invalid continuation byte
    check("a\xE2\x82x", 1, 2, false);     // the valid part of the sequence
    check("\xED\xA0\x80", 0, 1, false);   // a surrogate: ED takes 80..9F only
    check("ab\xF0\x9F\x98", 2, 3, true);  // cut short at the end
    check("ab\xE2", 2, 1, true);
    check("ab\xE0\x80", 2, 1, false);  // E0 takes A0..BF only
}

TEST(PythonFloatRepr, WritesWholeNumbersWithATrailingPointZero) {
    EXPECT_EQ(python_float_repr(1.0), "1.0");
    EXPECT_EQ(python_float_repr(100.0), "100.0");
    EXPECT_EQ(python_float_repr(0.0), "0.0");
    EXPECT_EQ(python_float_repr(-0.0), "-0.0");
    EXPECT_EQ(python_float_repr(-2.0), "-2.0");
}

TEST(PythonFloatRepr, UsesTheShortestRoundTripDigits) {
    EXPECT_EQ(python_float_repr(0.1), "0.1");
    EXPECT_EQ(python_float_repr(0.1 + 0.2), "0.30000000000000004");
    EXPECT_EQ(python_float_repr(2.5), "2.5");
    EXPECT_EQ(python_float_repr(-1.25), "-1.25");
}

TEST(PythonFloatRepr, SwitchesToExponentAtTenToTheSixteenth) {
    EXPECT_EQ(python_float_repr(123456789012345.0), "123456789012345.0");
    EXPECT_EQ(python_float_repr(1e15), "1000000000000000.0");
    EXPECT_EQ(python_float_repr(9999999999999998.0), "9999999999999998.0");
    EXPECT_EQ(python_float_repr(1e16), "1e+16");
    EXPECT_EQ(python_float_repr(1e20), "1e+20");
    EXPECT_EQ(python_float_repr(1.5e300), "1.5e+300");
    EXPECT_EQ(python_float_repr(1.7976931348623157e308), "1.7976931348623157e+308");
}

TEST(PythonFloatRepr, SwitchesToExponentBelowATenThousandth) {
    EXPECT_EQ(python_float_repr(0.0001), "0.0001");
    EXPECT_EQ(python_float_repr(0.00012), "0.00012");
    EXPECT_EQ(python_float_repr(1.5e-05), "1.5e-05");
    EXPECT_EQ(python_float_repr(1e-5), "1e-05");
    EXPECT_EQ(python_float_repr(-1e-100), "-1e-100");
    EXPECT_EQ(python_float_repr(5e-324), "5e-324");
}

TEST(PythonFloatRepr, NamesInfinitiesAndNan) {
    EXPECT_EQ(python_float_repr(std::numeric_limits<double>::infinity()), "inf");
    EXPECT_EQ(python_float_repr(-std::numeric_limits<double>::infinity()), "-inf");
    EXPECT_EQ(python_float_repr(std::nan("")), "nan");
}

TEST(PythonFloatRepr, RoundTripsRandomDoubles) {
    std::mt19937_64 random(20261126);
    int checked = 0;
    while (checked < 2000) {
        const std::uint64_t bits = random();
        double value = 0;
        std::memcpy(&value, &bits, sizeof value);
        if (!std::isfinite(value)) continue;
        const std::string repr = python_float_repr(value);
        EXPECT_EQ(std::strtod(repr.c_str(), nullptr), value) << repr;
        EXPECT_TRUE(repr.find('.') != std::string::npos || repr.find('e') != std::string::npos)
            << repr;
        ++checked;
    }
}

// --- parse_int64 -----------------------------------------------------------------------------

TEST(ParseInt64, ReadsDecimalIntegersAsPythonInt) {
    EXPECT_EQ(parse_int64("0"), 0);
    EXPECT_EQ(parse_int64("42"), 42);
    EXPECT_EQ(parse_int64("01"), 1);
    EXPECT_EQ(parse_int64("+5"), 5);
    EXPECT_EQ(parse_int64("-1"), -1);
    EXPECT_EQ(parse_int64("-0"), 0);
}

TEST(ParseInt64, IgnoresSurroundingWhitespace) {
    EXPECT_EQ(parse_int64(" 7 "), 7);
    EXPECT_EQ(parse_int64("\t\n-3\r\n"), -3);
    EXPECT_EQ(parse_int64(concat(kIdeographicSpace, "9")), 9);
}

TEST(ParseInt64, AcceptsTheInt64Limits) {
    EXPECT_EQ(parse_int64("9223372036854775807"), std::numeric_limits<std::int64_t>::max());
    EXPECT_EQ(parse_int64("-9223372036854775808"), std::numeric_limits<std::int64_t>::min());
}

TEST(ParseInt64, RejectsOverflow) {
    EXPECT_EQ(parse_int64("9223372036854775808"), std::nullopt);
    EXPECT_EQ(parse_int64("-9223372036854775809"), std::nullopt);
    EXPECT_EQ(parse_int64("99999999999999999999999"), std::nullopt);
}

TEST(ParseInt64, RejectsWhatPythonIntRejects) {
    EXPECT_EQ(parse_int64(""), std::nullopt);
    EXPECT_EQ(parse_int64("   "), std::nullopt);
    EXPECT_EQ(parse_int64("abc"), std::nullopt);
    EXPECT_EQ(parse_int64("12abc"), std::nullopt);
    EXPECT_EQ(parse_int64("1.0"), std::nullopt);
    EXPECT_EQ(parse_int64("1e3"), std::nullopt);
    EXPECT_EQ(parse_int64("0x10"), std::nullopt);
    EXPECT_EQ(parse_int64("+"), std::nullopt);
    EXPECT_EQ(parse_int64("-"), std::nullopt);
    EXPECT_EQ(parse_int64("- 5"), std::nullopt);
    EXPECT_EQ(parse_int64("1 2"), std::nullopt);
    EXPECT_EQ(parse_int64("++5"), std::nullopt);
    EXPECT_EQ(parse_int64("-+5"), std::nullopt);
}

// Python: int("+-5") raises ValueError; only one sign is allowed.
TEST(ParseInt64, RejectsAPlusFollowedByAMinus) { EXPECT_EQ(parse_int64("+-5"), std::nullopt); }

// --- to_valid_utf8 ---------------------------------------------------------------------------

TEST(ToValidUtf8, KeepsValidTextUnchanged) { EXPECT_EQ(to_valid_utf8("héllo 日本"), "héllo 日本"); }

TEST(ToValidUtf8, ReplacesAnInvalidByteWithTheReplacementCharacter) {
    EXPECT_EQ(to_valid_utf8("a\xFF"
                            "b"),
              "a\xEF\xBF\xBD"
              "b");
    EXPECT_EQ(to_valid_utf8("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong: two bytes bad
}

// Python: b"\xe2\x82".decode("utf-8", "replace") == "\ufffd" (one per maximal subpart).
TEST(ToValidUtf8, ReplacesATruncatedSequenceWithOneReplacementCharacter) {
    EXPECT_EQ(to_valid_utf8("\xE2\x82"), "\xEF\xBF\xBD");
    EXPECT_EQ(to_valid_utf8("\xF0\x9F"
                            "a"),
              "\xEF\xBF\xBD"
              "a");
}

// --- percent_decode --------------------------------------------------------------------------

TEST(PercentDecode, DecodesEscapesInEitherCase) {
    EXPECT_EQ(percent_decode("%41%62%2f%2F", false), "Ab//");
    EXPECT_EQ(percent_decode("%C3%A9", false), "é");
    EXPECT_EQ(percent_decode("a%00b", false), "a\0b"s);
}

TEST(PercentDecode, LeavesTextWithNothingToDecodeAsItIs) {
    EXPECT_EQ(percent_decode("/api/tasks/1/", false), "/api/tasks/1/");
    EXPECT_EQ(percent_decode("", true), "");
    EXPECT_EQ(percent_decode("a b~", true), "a b~");
    EXPECT_EQ(percent_decode("a\0b"s, false), "a\0b"s);
}

TEST(PercentDecode, TurnsPlusIntoSpaceOnlyForForms) {
    EXPECT_EQ(percent_decode("a+b", true), "a b");
    EXPECT_EQ(percent_decode("a+b", false), "a+b");
    EXPECT_EQ(percent_decode("%2B", true), "+");
}

TEST(PercentDecode, LeavesInvalidEscapesAsTheyAre) {
    EXPECT_EQ(percent_decode("100%", false), "100%");
    EXPECT_EQ(percent_decode("%4", false), "%4");
    EXPECT_EQ(percent_decode("a%4", false), "a%4");
    EXPECT_EQ(percent_decode("%zz", false), "%zz");
    EXPECT_EQ(percent_decode("%%41", false), "%A");
    EXPECT_EQ(percent_decode("%41%", false), "A%");
}

// --- ascii_lower -----------------------------------------------------------------------------

TEST(AsciiLower, LowersOnlyAsciiLetters) {
    EXPECT_EQ(ascii_lower("Application/JSON; Charset=UTF-8"), "application/json; charset=utf-8");
    EXPECT_EQ(ascii_lower("ÉA"), "Éa");
}

TEST(AsciiIequals, IgnoresTheCaseOfAsciiLettersOnly) {
    EXPECT_TRUE(ascii_iequals("X-Forwarded-For", "x-forwarded-for"));
    EXPECT_TRUE(ascii_iequals("", ""));
    EXPECT_FALSE(ascii_iequals("X-Forwarded-For", "X-Forwarded-Fo"));
    EXPECT_FALSE(ascii_iequals("X-Forwarded-For", "X_Forwarded_For"));
    EXPECT_FALSE(ascii_iequals("É", "é"));
    EXPECT_FALSE(ascii_iequals("[", "{"));  // 0x5B and 0x7B differ only in the case bit
}

// --- append_json_string ----------------------------------------------------------------------

std::string json_string(std::string_view text) {
    std::string out;
    append_json_string(out, text);
    return out;
}

TEST(AppendJsonString, QuotesAndEscapesQuotesAndBackslashes) {
    EXPECT_EQ(json_string(""), R"("")");
    EXPECT_EQ(json_string(R"(say "hi" \o/)"), R"("say \"hi\" \\o/")");
}

TEST(AppendJsonString, UsesShortEscapesForCommonControlCharacters) {
    EXPECT_EQ(json_string("a\nb\tc\rd\be\ff"), R"("a\nb\tc\rd\be\ff")");
}

TEST(AppendJsonString, WritesOtherControlCharactersAsLowercaseUnicodeEscapes) {
    EXPECT_EQ(json_string("\x1F"), R"("\u001f")");
    EXPECT_EQ(json_string("\x01\x0B"), R"("\u0001\u000b")");
    EXPECT_EQ(json_string("\0"s), R"("\u0000")");
}

TEST(AppendJsonString, KeepsUtf8DelAndSlashRaw) {
    EXPECT_EQ(json_string("é日本 / \x7F"), "\"é日本 / \x7F\"");
    EXPECT_EQ(json_string("\xF0\x9F\x98\x80"), "\"\xF0\x9F\x98\x80\"");
}

// Plain text is passed over eight bytes at a time: each byte value, at each offset of runs of
// several lengths, is escaped as one byte at a time would.
TEST(AppendJsonString, EscapesAnyByteAtAnyOffset) {
    const auto one_by_one = [](std::string_view text) {
        std::string out = "\"";
        for (const char c : text) {
            const auto u = static_cast<unsigned char>(c);
            if (c == '"' || c == '\\' || u < 0x20) {
                out += json_string(std::string(1, c)).substr(1);
                out.pop_back();
            } else {
                out += c;
            }
        }
        return out + "\"";
    };
    for (const std::size_t length : {1U, 7U, 8U, 9U, 16U, 17U, 24U}) {
        for (std::size_t at = 0; at < length; ++at) {
            for (int byte = 0; byte < 256; ++byte) {
                std::string text(length, 'a');
                text[at] = static_cast<char>(byte);
                ASSERT_EQ(json_string(text), one_by_one(text))
                    << length << " " << at << " " << byte;
            }
        }
    }
}

TEST(AppendJsonString, AppendsToWhatIsAlreadyThere) {
    std::string out = "[";
    append_json_string(out, "a");
    out += ',';
    append_json_string(out, "b");
    EXPECT_EQ(out, R"(["a","b")");
}

}  // namespace
}  // namespace taskapi::core
