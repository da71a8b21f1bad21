#include "http/charset.hpp"

#include <array>
#include <cstdint>
#include <cstdio>
#include <span>
#include <utility>

#include "core/text.hpp"

namespace taskapi::http {
namespace {

struct NamedCharset {
    std::string_view name;
    Charset charset;
};

// Python 3.11's codec names (Debian 12), normalized: the keys of encodings.aliases.aliases
// that a lookup can reach (those in lower case), and the modules of the encodings package that
// register a codec on Linux (not mbcs, oem). First those taskapi decodes, then the others,
// which are only listed: a body in one of them is refused (415), where decoding it as UTF-8,
// as an unknown name is, would misread it.
constexpr NamedCharset kDecodedAliases[] = {
    {"1252", Charset::kCp1252},
    {"646", Charset::kAscii},
    {"8859", Charset::kLatin1},
    {"ansi_x3.4_1968", Charset::kAscii},
    {"ansi_x3.4_1986", Charset::kAscii},
    {"ansi_x3_4_1968", Charset::kAscii},
    {"cp367", Charset::kAscii},
    {"cp65001", Charset::kUtf8},
    {"cp819", Charset::kLatin1},
    {"csascii", Charset::kAscii},
    {"csisolatin1", Charset::kLatin1},
    {"ibm367", Charset::kAscii},
    {"ibm819", Charset::kLatin1},
    {"iso646_us", Charset::kAscii},
    {"iso8859", Charset::kLatin1},
    {"iso8859_1", Charset::kLatin1},
    {"iso_646.irv_1991", Charset::kAscii},
    {"iso_8859_1", Charset::kLatin1},
    {"iso_8859_1_1987", Charset::kLatin1},
    {"iso_ir_100", Charset::kLatin1},
    {"iso_ir_6", Charset::kAscii},
    {"l1", Charset::kLatin1},
    {"latin", Charset::kLatin1},
    {"latin1", Charset::kLatin1},
    {"u16", Charset::kUtf16},
    {"u32", Charset::kUtf32},
    {"u8", Charset::kUtf8},
    {"unicodebigunmarked", Charset::kUtf16Be},
    {"unicodelittleunmarked", Charset::kUtf16Le},
    {"us", Charset::kAscii},
    {"us_ascii", Charset::kAscii},
    {"utf", Charset::kUtf8},
    {"utf16", Charset::kUtf16},
    {"utf32", Charset::kUtf32},
    {"utf8", Charset::kUtf8},
    {"utf8_ucs2", Charset::kUtf8},
    {"utf8_ucs4", Charset::kUtf8},
    {"utf_16be", Charset::kUtf16Be},
    {"utf_16le", Charset::kUtf16Le},
    {"utf_32be", Charset::kUtf32Be},
    {"utf_32le", Charset::kUtf32Le},
    {"windows_1252", Charset::kCp1252},
};
constexpr NamedCharset kDecodedCodecs[] = {
    {"ascii", Charset::kAscii},       {"cp1252", Charset::kCp1252},
    {"iso8859_1", Charset::kLatin1},  {"latin_1", Charset::kLatin1},
    {"utf_16", Charset::kUtf16},      {"utf_16_be", Charset::kUtf16Be},
    {"utf_16_le", Charset::kUtf16Le}, {"utf_32", Charset::kUtf32},
    {"utf_32_be", Charset::kUtf32Be}, {"utf_32_le", Charset::kUtf32Le},
    {"utf_8", Charset::kUtf8},        {"utf_8_sig", Charset::kUtf8Sig},
};
constexpr std::string_view kOtherAliases = R"(
037 1026 1125 1140 1250 1251 1253 1254 1255 1256 1257 1258 273 424 437 500 775 850 852 855 857
858 860 861 862 863 864 865 866 869 932 936 949 950 arabic asmo_708 base64 base_64 big5_hkscs
big5_tw bz2 chinese cp1051 cp1361 cp154 cp866u cp936 cp_gr cp_is csbig5 csibm037 csibm1026
csibm273 csibm424 csibm500 csibm855 csibm857 csibm858 csibm860 csibm861 csibm863 csibm864
csibm865 csibm866 csibm869 csiso2022jp csiso2022kr csiso58gb231280 csisolatin2 csisolatin3
csisolatin4 csisolatin5 csisolatin6 csisolatinarabic csisolatincyrillic csisolatingreek
csisolatinhebrew cskoi8r cspc775baltic cspc850multilingual cspc862latinhebrew cspc8codepage437
cspcp852 csptcp154 csshiftjis cyrillic cyrillic_asian ebcdic_cp_be ebcdic_cp_ca ebcdic_cp_ch
ebcdic_cp_he ebcdic_cp_nl ebcdic_cp_us ebcdic_cp_wt ecma_114 ecma_118 elot_928 euc_cn
euc_jis2004 euccn eucgb2312_cn eucjis2004 eucjisx0213 eucjp euckr gb18030_2000 gb2312_1980
gb2312_80 greek greek8 hebrew hex hkscs hz_gb hz_gb_2312 hzgb ibm037 ibm039 ibm1026 ibm1051
ibm1125 ibm1140 ibm273 ibm424 ibm437 ibm500 ibm775 ibm850 ibm852 ibm855 ibm857 ibm858 ibm860
ibm861 ibm862 ibm863 ibm864 ibm865 ibm866 ibm869 iso2022jp iso2022jp_1 iso2022jp_2
iso2022jp_2004 iso2022jp_3 iso2022jp_ext iso2022kr iso_2022_jp iso_2022_jp_1 iso_2022_jp_2
iso_2022_jp_2004 iso_2022_jp_3 iso_2022_jp_ext iso_2022_kr iso_8859_10 iso_8859_10_1992
iso_8859_11 iso_8859_11_2001 iso_8859_13 iso_8859_14 iso_8859_14_1998 iso_8859_15 iso_8859_16
iso_8859_16_2001 iso_8859_2 iso_8859_2_1987 iso_8859_3 iso_8859_3_1988 iso_8859_4
iso_8859_4_1988 iso_8859_5 iso_8859_5_1988 iso_8859_6 iso_8859_6_1987 iso_8859_7 iso_8859_7_1987
iso_8859_8 iso_8859_8_1988 iso_8859_9 iso_8859_9_1989 iso_celtic iso_ir_101 iso_ir_109
iso_ir_110 iso_ir_126 iso_ir_127 iso_ir_138 iso_ir_144 iso_ir_148 iso_ir_157 iso_ir_166
iso_ir_199 iso_ir_226 iso_ir_58 jisx0213 korean ks_c_5601 ks_c_5601_1987 ks_x_1001 ksc5601
ksx1001 kz_1048 l10 l2 l3 l4 l5 l6 l7 l8 l9 latin10 latin2 latin3 latin4 latin5 latin6 latin7
latin8 latin9 mac_centeuro maccentraleurope maccyrillic macgreek maciceland macintosh maclatin2
macroman macturkish ms1361 ms932 ms936 ms949 ms950 ms_kanji mskanji pt154 quopri
quoted_printable quotedprintable r8 rk1048 roman8 rot13 ruscii s_jis s_jis_2004 s_jisx0213
shiftjis shiftjis2004 shiftjisx0213 sjis sjis_2004 sjisx0213 strk1048_2002 thai tis620 tis_620_0
tis_620_2529_0 tis_620_2529_1 u7 u_jis uhc ujis unicode_1_1_utf_7 utf7 uu windows_1250
windows_1251 windows_1253 windows_1254 windows_1255 windows_1256 windows_1257 windows_1258
x_mac_japanese x_mac_korean x_mac_simp_chinese x_mac_trad_chinese zip zlib
)";
constexpr std::string_view kOtherCodecs = R"(
base64_codec big5 big5hkscs bz2_codec charmap cp037 cp1006 cp1026 cp1125 cp1140 cp1250 cp1251
cp1253 cp1254 cp1255 cp1256 cp1257 cp1258 cp273 cp424 cp437 cp500 cp720 cp737 cp775 cp850 cp852
cp855 cp856 cp857 cp858 cp860 cp861 cp862 cp863 cp864 cp865 cp866 cp869 cp874 cp875 cp932 cp949
cp950 euc_jis_2004 euc_jisx0213 euc_jp euc_kr gb18030 gb2312 gbk hex_codec hp_roman8 hz idna
iso2022_jp iso2022_jp_1 iso2022_jp_2 iso2022_jp_2004 iso2022_jp_3 iso2022_jp_ext iso2022_kr
iso8859_10 iso8859_11 iso8859_13 iso8859_14 iso8859_15 iso8859_16 iso8859_2 iso8859_3 iso8859_4
iso8859_5 iso8859_6 iso8859_7 iso8859_8 iso8859_9 johab koi8_r koi8_t koi8_u kz1048 mac_arabic
mac_croatian mac_cyrillic mac_farsi mac_greek mac_iceland mac_latin2 mac_roman mac_romanian
mac_turkish palmos ptcp154 punycode quopri_codec raw_unicode_escape rot_13 shift_jis
shift_jis_2004 shift_jisx0213 tis_620 undefined unicode_escape utf_7 uu_codec zlib_codec
)";

bool is_listed(std::string_view list, std::string_view name) {
    std::size_t pos = 0;
    while ((pos = list.find(name, pos)) != std::string_view::npos) {
        const std::size_t end = pos + name.size();
        const bool starts = pos == 0 || list[pos - 1] == ' ' || list[pos - 1] == '\n';
        const bool ends = end == list.size() || list[end] == ' ' || list[end] == '\n';
        if (starts && ends) return true;
        pos = end;
    }
    return false;
}

const NamedCharset* find_named(std::span<const NamedCharset> table, std::string_view name) {
    for (const auto& entry : table) {
        if (entry.name == name) return &entry;
    }
    return nullptr;
}

bool is_ascii_alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// CPython's _Py_normalize_encoding: ASCII letters in lower case, digits and dots kept, every
// run of other bytes (non-ASCII letters too) one "_" between two kept characters.
std::string normalize(std::string_view name) {
    std::string out;
    bool punctuation = false;
    for (const char c : name) {
        if (is_ascii_alnum(c) || c == '.') {
            if (punctuation && !out.empty()) out += '_';
            punctuation = false;
            out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
        } else {
            punctuation = true;
        }
    }
    return out;
}

// Python's UnicodeDecodeError text; positions count from the start of `bytes`.
core::Error decode_error(std::string_view codec, std::string_view bytes, std::size_t start,
                         std::size_t end, std::string_view reason) {
    std::array<char, 80> where{};
    if (end == start + 1) {
        std::snprintf(where.data(), where.size(), "byte 0x%02x in position %zu",
                      static_cast<unsigned>(static_cast<unsigned char>(bytes[start])), start);
    } else {
        std::snprintf(where.data(), where.size(), "bytes in position %zu-%zu", start, end - 1);
    }
    std::string message = "'";
    message.append(codec).append("' codec can't decode ").append(where.data());
    message.append(": ").append(reason);
    return core::make_error(core::ErrorCode::kInvalidArgument, std::move(message));
}

char32_t byte_at(std::string_view bytes, std::size_t i) {
    return static_cast<unsigned char>(bytes[i]);
}

// CPython's UTF-8 decoder: an error covers the start byte and the continuation bytes that were
// valid (Unicode's "maximal subpart"), as core::find_invalid_utf8 finds it.
core::Result<std::string> decode_utf8_text(std::string_view bytes) {
    const auto invalid = core::find_invalid_utf8(bytes);
    if (!invalid) return std::string(bytes);
    // The stream ends inside a sequence that could still be valid: StreamReader.read() holds it
    // back for bytes that never come, so it is dropped.
    if (invalid->truncated) return std::string(bytes.substr(0, invalid->offset));
    const unsigned start = static_cast<unsigned char>(bytes[invalid->offset]);
    return decode_error(
        "utf-8", bytes, invalid->offset, invalid->offset + invalid->length,
        start >= 0xC2 && start <= 0xF4 ? "invalid continuation byte" : "invalid start byte");
}

// Python's cp1252 for 0x80..0x9F; 0 where it maps to <undefined>. The other bytes are Latin-1.
constexpr std::array<char16_t, 32> kCp1252High = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

// Python's ascii and cp1252 codecs, a byte a character.
core::Result<std::string> decode_single_byte(std::string_view bytes, Charset charset) {
    std::string out;
    out.reserve(bytes.size() * 2);
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        char32_t c = byte_at(bytes, i);
        if (charset == Charset::kAscii && c >= 0x80) {
            return decode_error("ascii", bytes, i, i + 1, "ordinal not in range(128)");
        }
        if (charset == Charset::kCp1252 && c >= 0x80 && c < 0xA0) {
            c = kCp1252High[c - 0x80];
            if (c == 0) {
                return decode_error("charmap", bytes, i, i + 1, "character maps to <undefined>");
            }
        }
        core::append_utf8(out, c);
    }
    return out;
}

enum class Order { kLittle, kBig };

char32_t unit_at(std::string_view bytes, std::size_t i, std::size_t width, Order order) {
    char32_t unit = 0;
    for (std::size_t k = 0; k < width; ++k) {
        const std::size_t at = order == Order::kLittle ? i + width - 1 - k : i + k;
        unit = (unit << 8) | byte_at(bytes, at);
    }
    return unit;
}

// UTF-16 from byte `start` on; a trailing odd byte or lone high surrogate is dropped.
// `decoded` tells how many bytes were decoded.
core::Result<std::string> decode_utf16_text(std::string_view bytes, std::size_t start, Order order,
                                            std::size_t& decoded) {
    const std::string_view codec = order == Order::kLittle ? "utf-16-le" : "utf-16-be";
    std::string out;
    std::size_t i = start;
    while (i + 1 < bytes.size()) {
        const char32_t unit = unit_at(bytes, i, 2, order);
        if (unit < 0xD800 || unit > 0xDFFF) {
            core::append_utf8(out, unit);
            i += 2;
            continue;
        }
        if (unit >= 0xDC00) return decode_error(codec, bytes, i, i + 2, "illegal encoding");
        if (i + 3 >= bytes.size()) break;
        const char32_t low = unit_at(bytes, i + 2, 2, order);
        if (low < 0xDC00 || low > 0xDFFF) {
            return decode_error(codec, bytes, i, i + 2, "illegal UTF-16 surrogate");
        }
        core::append_utf8(out, 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00));
        i += 4;
    }
    decoded = i;
    return out;
}

core::Result<std::string> decode_utf32_text(std::string_view bytes, std::size_t start, Order order,
                                            std::size_t& decoded) {
    const std::string_view codec = order == Order::kLittle ? "utf-32-le" : "utf-32-be";
    std::string out;
    std::size_t i = start;
    for (; i + 3 < bytes.size(); i += 4) {
        const char32_t c = unit_at(bytes, i, 4, order);
        if (c > 0x10FFFF) {
            return decode_error(codec, bytes, i, i + 4, "code point not in range(0x110000)");
        }
        if (c >= 0xD800 && c <= 0xDFFF) {
            return decode_error(codec, bytes, i, i + 4,
                                "code point in surrogate code point range(0xd800, 0xe000)");
        }
        core::append_utf8(out, c);
    }
    decoded = i;
    return out;
}

// Python's "utf-16" and "utf-32" stream readers: the byte order mark decides the order and is
// dropped; without one, the stream is refused once a unit has been decoded (little-endian,
// whose errors come first).
core::Result<std::string> decode_with_bom(std::string_view bytes, std::size_t width) {
    const std::string_view little =
        width == 2 ? std::string_view("\xFF\xFE", 2) : std::string_view("\xFF\xFE\x00\x00", 4);
    const std::string_view big =
        width == 2 ? std::string_view("\xFE\xFF", 2) : std::string_view("\x00\x00\xFE\xFF", 4);
    const auto decode = [&bytes, width](std::size_t start, Order order, std::size_t& decoded) {
        return width == 2 ? decode_utf16_text(bytes, start, order, decoded)
                          : decode_utf32_text(bytes, start, order, decoded);
    };
    std::size_t decoded = 0;
    if (bytes.starts_with(little)) return decode(width, Order::kLittle, decoded);
    if (bytes.starts_with(big)) return decode(width, Order::kBig, decoded);
    auto text = decode(0, Order::kLittle, decoded);
    if (text && decoded >= width) {
        return core::make_error(core::ErrorCode::kInvalidArgument,
                                width == 2 ? "UTF-16 stream does not start with BOM"
                                           : "UTF-32 stream does not start with BOM");
    }
    return text;
}

}  // namespace

CharsetLookup lookup_charset(std::string_view name) {
    const std::string normalized = normalize(name);
    if (normalized.empty()) return {};
    // As encodings.search_function: an alias, also with "." read as "_", else a codec module
    // (whose name has no ".").
    std::string underscored = normalized;
    for (char& c : underscored) {
        if (c == '.') c = '_';
    }
    for (const std::string& alias : {normalized, underscored}) {
        if (const auto* found = find_named(kDecodedAliases, alias)) {
            return {CharsetLookup::Kind::kDecoded, found->charset};
        }
        if (is_listed(kOtherAliases, alias)) return {CharsetLookup::Kind::kNotSupported};
    }
    if (normalized.find('.') != std::string::npos) return {};
    if (const auto* found = find_named(kDecodedCodecs, normalized)) {
        return {CharsetLookup::Kind::kDecoded, found->charset};
    }
    if (is_listed(kOtherCodecs, normalized)) return {CharsetLookup::Kind::kNotSupported};
    return {};
}

core::Result<std::string> decode_to_utf8(std::string_view bytes, Charset charset) {
    std::size_t decoded = 0;
    switch (charset) {
        case Charset::kUtf8:
            return decode_utf8_text(bytes);
        case Charset::kUtf8Sig: {
            static constexpr std::string_view kBom = "\xEF\xBB\xBF";
            // Too short to tell whether it is a byte order mark: held back, so dropped.
            if (bytes.size() < kBom.size() && kBom.starts_with(bytes)) return std::string();
            // Positions in errors count from after the mark, as Python's do.
            return decode_utf8_text(bytes.starts_with(kBom) ? bytes.substr(kBom.size()) : bytes);
        }
        case Charset::kLatin1:
            return core::latin1_to_utf8(bytes);
        case Charset::kAscii:
        case Charset::kCp1252:
            return decode_single_byte(bytes, charset);
        case Charset::kUtf16:
            return decode_with_bom(bytes, 2);
        case Charset::kUtf16Le:
            return decode_utf16_text(bytes, 0, Order::kLittle, decoded);
        case Charset::kUtf16Be:
            return decode_utf16_text(bytes, 0, Order::kBig, decoded);
        case Charset::kUtf32:
            return decode_with_bom(bytes, 4);
        case Charset::kUtf32Le:
            return decode_utf32_text(bytes, 0, Order::kLittle, decoded);
        case Charset::kUtf32Be:
            return decode_utf32_text(bytes, 0, Order::kBig, decoded);
    }
    return decode_utf8_text(bytes);
}

}  // namespace taskapi::http
