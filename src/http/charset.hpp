// Request bodies in the charset their Content-Type names, decoded to UTF-8 the way DRF's
// JSONParser decodes them: with Python's codecs (codecs.getreader(charset)(stream).read()).
#pragma once

#include <string>
#include <string_view>

#include "core/result.hpp"

namespace taskapi::http {

// The codecs taskapi decodes: Python's utf_8, utf_8_sig, latin_1 (and iso8859_1), ascii,
// cp1252, utf_16, utf_16_le, utf_16_be, utf_32, utf_32_le, utf_32_be.
enum class Charset {
    kUtf8,
    kUtf8Sig,
    kLatin1,
    kAscii,
    kCp1252,
    kUtf16,
    kUtf16Le,
    kUtf16Be,
    kUtf32,
    kUtf32Le,
    kUtf32Be,
};

struct CharsetLookup {
    enum class Kind {
        kDecoded,       // `charset` says which
        kUnknown,       // Python knows no such codec: Django ignores the parameter (UTF-8)
        kNotSupported,  // a codec Python has and taskapi does not decode (koi8_r, utf_7, ...)
    };
    Kind kind = Kind::kUnknown;
    Charset charset = Charset::kUtf8;
};

// What a charset name means to Python 3.11's codecs.lookup: the name is normalized as Python
// normalizes it (ASCII case, runs of punctuation as one "_") and looked up among the aliases
// and codecs of its encodings package ("latin1", "ISO-8859-1", "l1", "UTF16", "windows-1252").
CharsetLookup lookup_charset(std::string_view name);

// `bytes` as UTF-8, decoded as Python's StreamReader.read() decodes a whole stream: an
// incomplete sequence at the very end is dropped rather than refused; "utf-16" and "utf-32"
// need a byte order mark, which is dropped, as is the one "utf-8-sig" allows. Errors
// (kInvalidArgument) carry Python's message, e.g. "'utf-8' codec can't decode byte 0xff in
// position 3: invalid start byte".
core::Result<std::string> decode_to_utf8(std::string_view bytes, Charset charset);

}  // namespace taskapi::http
