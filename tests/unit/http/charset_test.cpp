#include "http/charset.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>

namespace taskapi::http {
namespace {

using Kind = CharsetLookup::Kind;

void expect_decoded(std::string_view name, Charset charset) {
    const auto found = lookup_charset(name);
    EXPECT_EQ(found.kind, Kind::kDecoded) << name;
    EXPECT_EQ(found.charset, charset) << name;
}

// Every expectation below is what Python 3.11's codecs.lookup(name) says.
TEST(Charset, LooksNamesUpAsPythonDoes) {
    for (const char* name : {"utf-8", "UTF-8", "utf8", "u8", "UTF 8", "/utf-8", "utf_8_", "utf-8\t",
                             "cp65001", "utf\xc3\xa9-8"}) {
        expect_decoded(name, Charset::kUtf8);
    }
    for (const char* name : {"latin-1", "ISO-8859-1", "iso_8859-1:1987", "l1", "LATIN1", "Latin 1",
                             "latin--1", "cp819", "8859"}) {
        expect_decoded(name, Charset::kLatin1);
    }
    for (const char* name :
         {"us-ascii", "ascii", "ansi_x3.4-1968", "ANSI_X3.4.1968", "646", "iso_646.irv:1991"}) {
        expect_decoded(name, Charset::kAscii);
    }
    for (const char* name : {"windows-1252", "cp1252", "1252"}) {
        expect_decoded(name, Charset::kCp1252);
    }
    expect_decoded("utf-8-sig", Charset::kUtf8Sig);
    for (const char* name : {"utf-16", "UTF16", "u16"}) expect_decoded(name, Charset::kUtf16);
    for (const char* name : {"utf-16le", "UTF-16-LE", "unicodelittleunmarked"}) {
        expect_decoded(name, Charset::kUtf16Le);
    }
    expect_decoded("utf-16be", Charset::kUtf16Be);
    expect_decoded("utf-32", Charset::kUtf32);
    expect_decoded("UTF_32LE", Charset::kUtf32Le);
    expect_decoded("utf-32be", Charset::kUtf32Be);
}

TEST(Charset, TellsCodecsItDoesNotDecodeFromUnknownNames) {
    for (const char* name :
         {"koi8-r", "shift_jis", "utf-7", "rot13", "base64", "hex", "idna", "undefined",
          "iso-8859-15", "windows-1251", "x-mac-japanese", "macroman"}) {
        EXPECT_EQ(lookup_charset(name).kind, Kind::kNotSupported) << name;
    }
    // Unknown to Python: Django ignores the parameter.
    for (const char* name :
         {"klingon", "", "latin.1", "utf-8.sig", "utf8-sig", "utf16be", "cp-1252", "x-mac-roman",
          "mbcs", "ansi", "oem", "aliases", "csHPRoman8", "iso.646.irv.1991", "rot.13"}) {
        EXPECT_EQ(lookup_charset(name).kind, Kind::kUnknown) << name;
    }
}

struct Expected {
    std::optional<std::string_view> text;  // UTF-8, or nullopt for an error
    std::string_view error;
};
Expected ok(std::string_view text) { return {text, {}}; }
Expected error(std::string_view message) { return {std::nullopt, message}; }

struct Case {
    Charset charset;
    std::string_view bytes;
    Expected expected;
};

// Generated with Python 3.11: codecs.getreader(codec)(io.BytesIO(bytes)).read(), as DRF's
// JSONParser reads a body, encoded as UTF-8; or str() of the UnicodeError it raises.
const Case kCases[] = {
    {Charset::kUtf8, std::string_view("\x7b\x22\x74\x22\x3a\x22\x63\x61\x66\xc3\xa9\x22\x7d", 13),
     ok(std::string_view("\x7b\x22\x74\x22\x3a\x22\x63\x61\x66\xc3\xa9\x22\x7d", 13))},
    {Charset::kUtf8, std::string_view("\x61\xff\x62", 3),
     error("'utf-8' codec can't decode byte 0xff in position 1: invalid start byte")},
    {Charset::kUtf8, std::string_view("\x61\x62\xc0\xaf", 4),
     error("'utf-8' codec can't decode byte 0xc0 in position 2: invalid start byte")},
    {Charset::kUtf8, std::string_view("\x61\xe2\x28\xa1", 4),
     error("'utf-8' codec can't decode byte 0xe2 in position 1: invalid continuation byte")},
    {Charset::kUtf8, std::string_view("\x61\xe2\x82\x78", 4),
     error("'utf-8' codec can't decode bytes in position 1-2: invalid continuation byte")},
    {Charset::kUtf8, std::string_view("\x61\xf0\x9f\x28", 4),
     error("'utf-8' codec can't decode bytes in position 1-2: invalid continuation byte")},
    {Charset::kUtf8, std::string_view("\x61\xed\xa0\x80", 4),
     error("'utf-8' codec can't decode byte 0xed in position 1: invalid continuation byte")},
    {Charset::kUtf8, std::string_view("\x61\xf4\x90\x80\x80", 5),
     error("'utf-8' codec can't decode byte 0xf4 in position 1: invalid continuation byte")},
    {Charset::kUtf8, std::string_view("\x7b\x7d\xe2\x82", 4), ok(std::string_view("\x7b\x7d", 2))},
    {Charset::kUtf8, std::string_view("\x7b\x7d\xf0\x9f\x98", 5),
     ok(std::string_view("\x7b\x7d", 2))},
    {Charset::kUtf8, std::string_view("\x7b\x7d\xe0\x80", 4),
     error("'utf-8' codec can't decode byte 0xe0 in position 2: invalid continuation byte")},
    {Charset::kUtf8, std::string_view("\xe2", 1), ok(std::string_view("", 0))},
    {Charset::kUtf8, std::string_view("\xf0\x9f\x98\x80", 4),
     ok(std::string_view("\xf0\x9f\x98\x80", 4))},
    {Charset::kUtf8Sig, std::string_view("\xef\xbb\xbf\x7b\x7d", 5),
     ok(std::string_view("\x7b\x7d", 2))},
    {Charset::kUtf8Sig, std::string_view("\x7b\x7d", 2), ok(std::string_view("\x7b\x7d", 2))},
    {Charset::kUtf8Sig, std::string_view("\xef\xbb", 2), ok(std::string_view("", 0))},
    {Charset::kUtf8Sig, std::string_view("\xef\xbb\xbf\xff", 4),
     error("'utf-8' codec can't decode byte 0xff in position 0: invalid start byte")},
    {Charset::kUtf8Sig, std::string_view("\xef\xbb\xbf\xef\xbb\xbf", 6),
     ok(std::string_view("\xef\xbb\xbf", 3))},
    {Charset::kLatin1, std::string_view("\x63\x61\x66\xe9\x80\xff\x00", 7),
     ok(std::string_view("\x63\x61\x66\xc3\xa9\xc2\x80\xc3\xbf\x00", 10))},
    {Charset::kAscii, std::string_view("\x61\x62\xc3\xa9", 4),
     error("'ascii' codec can't decode byte 0xc3 in position 2: ordinal not in range(128)")},
    {Charset::kCp1252, std::string_view("\x80\x9f\xe9\x8a", 4),
     ok(std::string_view("\xe2\x82\xac\xc5\xb8\xc3\xa9\xc5\xa0", 9))},
    {Charset::kCp1252, std::string_view("\x61\x62\x81", 3),
     error("'charmap' codec can't decode byte 0x81 in position 2: character maps to <undefined>")},
    {Charset::kCp1252, std::string_view("\x9d", 1),
     error("'charmap' codec can't decode byte 0x9d in position 0: character maps to <undefined>")},
    {Charset::kUtf16, std::string_view("\xff\xfe\x7b\x00\x7d\x00", 6),
     ok(std::string_view("\x7b\x7d", 2))},
    {Charset::kUtf16, std::string_view("\xfe\xff\x00\x7b\x00\x7d", 6),
     ok(std::string_view("\x7b\x7d", 2))},
    {Charset::kUtf16, std::string_view("\x7b\x00\x7d\x00", 4),
     error("UTF-16 stream does not start with BOM")},
    {Charset::kUtf16, std::string_view("\x00\xdc", 2),
     error("'utf-16-le' codec can't decode bytes in position 0-1: illegal encoding")},
    {Charset::kUtf16, std::string_view("\x61", 1), ok(std::string_view("", 0))},
    {Charset::kUtf16, std::string_view("", 0), ok(std::string_view("", 0))},
    {Charset::kUtf16, std::string_view("\xff\xfe\x3d\xd8\x00\xde", 6),
     ok(std::string_view("\xf0\x9f\x98\x80", 4))},
    {Charset::kUtf16, std::string_view("\xff\xfe\x00\xdc", 4),
     error("'utf-16-le' codec can't decode bytes in position 2-3: illegal encoding")},
    {Charset::kUtf16Le, std::string_view("\x61\x00\x00\xd8\x41\x00", 6),
     error("'utf-16-le' codec can't decode bytes in position 2-3: illegal UTF-16 surrogate")},
    {Charset::kUtf16Le, std::string_view("\x61\x00\x00\xd8", 4), ok(std::string_view("\x61", 1))},
    {Charset::kUtf16Le, std::string_view("\x61\x00\x00\xd8\x00", 5),
     ok(std::string_view("\x61", 1))},
    {Charset::kUtf16Le, std::string_view("\x61\x00\x62", 3), ok(std::string_view("\x61", 1))},
    {Charset::kUtf16Le, std::string_view("\xff\xfe\x61\x00", 4),
     ok(std::string_view("\xef\xbb\xbf\x61", 4))},
    {Charset::kUtf16Be, std::string_view("\x00\x61\xd8\x3d\xde\x00", 6),
     ok(std::string_view("\x61\xf0\x9f\x98\x80", 5))},
    {Charset::kUtf16Be, std::string_view("\x00\x61\xdc\x00", 4),
     error("'utf-16-be' codec can't decode bytes in position 2-3: illegal encoding")},
    {Charset::kUtf32, std::string_view("\xff\xfe\x00\x00\x41\x00\x00\x00", 8),
     ok(std::string_view("\x41", 1))},
    {Charset::kUtf32, std::string_view("\x00\x00\xfe\xff\x00\x01\xf6\x00", 8),
     ok(std::string_view("\xf0\x9f\x98\x80", 4))},
    {Charset::kUtf32, std::string_view("\x41\x00\x00\x00", 4),
     error("UTF-32 stream does not start with BOM")},
    {Charset::kUtf32, std::string_view("\xff\xfe\x00\x00\x00\x00\x11\x00", 8),
     error("'utf-32-le' codec can't decode bytes in position 4-7: code point not in "
           "range(0x110000)")},
    {Charset::kUtf32Le, std::string_view("\x41\x00\x00\x00\x00\xd8\x00\x00", 8),
     error("'utf-32-le' codec can't decode bytes in position 4-7: code point in surrogate code "
           "point range(0xd800, 0xe000)")},
    {Charset::kUtf32Le, std::string_view("\x41\x00\x00\x00\x42\x00", 6),
     ok(std::string_view("\x41", 1))},
    {Charset::kUtf32Be, std::string_view("\x00\x00\x00\x41\x00\x11\x00\x00", 8),
     error("'utf-32-be' codec can't decode bytes in position 4-7: code point not in "
           "range(0x110000)")},
};

TEST(Charset, DecodesAsPythonsStreamReader) {
    for (const Case& c : kCases) {
        const auto decoded = decode_to_utf8(c.bytes, c.charset);
        const std::string label =
            std::to_string(static_cast<int>(c.charset)) + " " + std::string(c.bytes);
        if (c.expected.text) {
            ASSERT_TRUE(decoded.has_value()) << label << ": " << decoded.error().message;
            EXPECT_EQ(*decoded, *c.expected.text) << label;
        } else {
            ASSERT_FALSE(decoded.has_value()) << label;
            EXPECT_EQ(decoded.error().code, core::ErrorCode::kInvalidArgument) << label;
            EXPECT_EQ(decoded.error().message, c.expected.error) << label;
        }
    }
}

}  // namespace
}  // namespace taskapi::http
