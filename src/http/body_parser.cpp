#include "http/body_parser.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>

#include "core/text.hpp"
#include "http/charset.hpp"

namespace taskapi::http {
namespace {

namespace json = boost::json;

std::string media_type_of(std::string_view content_type) {
    return core::ascii_lower(core::trim_blanks(content_type.substr(0, content_type.find(';'))));
}

std::string replace_all(std::string_view text, std::string_view from, std::string_view to) {
    std::string out;
    std::size_t pos = 0;
    for (std::size_t at = text.find(from); at != std::string_view::npos;
         at = text.find(from, pos)) {
        out.append(text.substr(pos, at - pos)).append(to);
        pos = at + from.size();
    }
    out.append(text.substr(pos));
    return out;
}

// Where the parameter that starts `rest` ends: at the first ";" outside double quotes
// (cgi._parseparam: a ";" where the quotes before it, escaped ones not counted, are unbalanced
// is inside a quoted value).
std::size_t parameter_end(std::string_view rest) {
    std::size_t end = rest.find(';');
    while (end != std::string_view::npos && end > 0) {
        std::size_t quotes = 0;
        for (std::size_t i = 0; i < end; ++i) {
            if (rest[i] == '"' && (i == 0 || rest[i - 1] != '\\')) ++quotes;
        }
        if (quotes % 2 == 0) break;
        end = rest.find(';', end + 1);
    }
    return end;
}

// A media type parameter as Python's cgi.parse_header reads it (Django's content_params):
// names are case-insensitive, a quoted value is unquoted and unescaped, and the last of a
// repeated name wins. nullopt when absent.
std::optional<std::string> parameter(std::string_view content_type, std::string_view name) {
    std::optional<std::string> found;
    std::string_view rest = content_type;
    for (std::size_t end = parameter_end(rest); end != std::string_view::npos;
         end = parameter_end(rest)) {
        rest.remove_prefix(end + 1);  // the media type, then each parameter in turn
        const std::string_view item = core::trim_blanks(rest.substr(0, parameter_end(rest)));
        const auto eq = item.find('=');
        if (eq == std::string_view::npos ||
            !core::ascii_iequals(core::trim_blanks(item.substr(0, eq)), name)) {
            continue;
        }
        const std::string_view value = core::trim_blanks(item.substr(eq + 1));
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
            // Python: value[1:-1].replace('\\\\', '\\').replace('\\"', '"')
            found = replace_all(replace_all(value.substr(1, value.size() - 2), "\\\\", "\\"),
                                "\\\"", "\"");
        } else {
            found = std::string(value);
        }
    }
    return found;
}

core::Error unsupported(std::string_view content_type) {
    // Header bytes are Latin-1 to Django (WSGI); echoing them raw could put invalid UTF-8 into
    // the JSON answer.
    return core::make_error(
        core::ErrorCode::kUnsupportedFormat,
        "Unsupported media type \"" + core::latin1_to_utf8(content_type) + "\" in request.");
}

core::Error parse_error(std::string_view what) {
    return core::make_error(core::ErrorCode::kInvalidArgument, std::string(what));
}

// Python's json module reads a lone surrogate escape ("\ud800") into the string, and DRF's
// CharField then refuses it ("Surrogate characters are not allowed: U+D800."); Boost.JSON
// refuses the document. Each lone one is written here as the three bytes UTF-8 would give it
// (ED A0..BF 80..BF, which no valid UTF-8 text contains) for the fields to find; pairs stay
// escapes, which Boost.JSON joins.
void mark_lone_surrogates(std::string& text) {
    // Most bodies have no \u escape at all: one memchr-speed search, and nothing else to do.
    if (text.find("\\u") == std::string::npos) return;
    const auto unit_at = [&text](std::size_t i) -> std::optional<char32_t> {
        if (i + 6 > text.size() || text[i] != '\\' || text[i + 1] != 'u') return std::nullopt;
        char32_t unit = 0;
        for (std::size_t k = i + 2; k < i + 6; ++k) {
            const char c = text[k];
            const int digit = c >= '0' && c <= '9'   ? c - '0'
                              : c >= 'a' && c <= 'f' ? c - 'a' + 10
                              : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                     : -1;
            if (digit < 0) return std::nullopt;
            unit = (unit << 4) | static_cast<char32_t>(digit);
        }
        return unit;
    };
    const auto is_high = [](char32_t u) { return u >= 0xD800 && u <= 0xDBFF; };
    const auto is_low = [](char32_t u) { return u >= 0xDC00 && u <= 0xDFFF; };
    std::string out;
    bool in_string = false;
    std::size_t copied = 0;  // text before this is in `out`
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (!in_string) {
            in_string = text[i] == '"';
            continue;
        }
        if (text[i] == '"') {
            in_string = false;
            continue;
        }
        if (text[i] != '\\') continue;
        const auto unit = unit_at(i);
        if (!unit || (!is_high(*unit) && !is_low(*unit))) {
            ++i;  // the escaped character
            continue;
        }
        if (is_high(*unit)) {
            if (const auto next = unit_at(i + 6); next && is_low(*next)) {
                i += 11;  // a pair
                continue;
            }
        }
        out.append(text, copied, i - copied);
        core::append_utf8(out, *unit);
        i += 5;
        copied = i + 1;
    }
    if (copied == 0) return;
    out.append(text, copied);
    text = std::move(out);
}

// Python's json nests as deep as the interpreter's recursion limit (1,000 frames) allows: DRF
// parses 942 or 943 levels, depending on the view, and fails with 500 beyond. taskapi reads
// 1,000 (decision 001 item 20): every document DRF reads, at a cost of a few hundred bytes of
// stack per level when the document is freed.
constexpr std::size_t kMaxJsonDepth = 1000;

RequestData make(json::value v, DataKind kind) {
    return RequestData(std::make_shared<const json::value>(std::move(v)), kind);
}

// application/x-www-form-urlencoded, as Django's QueryDict: the last value of a key wins.
json::object parse_urlencoded(std::string_view body) {
    json::object fields;
    std::size_t start = 0;
    while (start <= body.size()) {
        const std::size_t end = std::min(body.find('&', start), body.size());
        const std::string_view pair = body.substr(start, end - start);
        if (!pair.empty()) {
            const auto eq = pair.find('=');
            const std::string key =
                core::to_valid_utf8(core::percent_decode(pair.substr(0, eq), true));
            const std::string value =
                eq == std::string_view::npos
                    ? std::string()
                    : core::to_valid_utf8(core::percent_decode(pair.substr(eq + 1), true));
            fields[key] = value;
        }
        start = end + 1;
    }
    return fields;
}

// multipart/form-data: text fields only; file parts (with a filename) are not task data.
core::Result<json::object> parse_multipart(std::string_view body, std::string_view content_type) {
    const std::string boundary = parameter(content_type, "boundary").value_or("");
    if (boundary.empty() || boundary.size() > 200) {
        return parse_error("Multipart form parse error - Invalid boundary in multipart: None");
    }
    const std::string delimiter = "--" + boundary;
    json::object fields;
    std::size_t pos = body.find(delimiter);
    if (pos == std::string_view::npos)
        return parse_error("Multipart form parse error - no boundary found");
    while (true) {
        pos += delimiter.size();
        if (body.substr(pos, 2) == "--") break;  // closing delimiter
        // Skip the line break after the delimiter.
        if (body.substr(pos, 2) == "\r\n")
            pos += 2;
        else if (body.substr(pos, 1) == "\n")
            pos += 1;
        else
            return parse_error("Multipart form parse error - malformed part");
        const std::size_t next = body.find(delimiter, pos);
        if (next == std::string_view::npos)
            return parse_error("Multipart form parse error - unterminated part");
        std::string_view part = body.substr(pos, next - pos);
        // The part's content ends with the line break before the next delimiter.
        if (part.ends_with("\r\n"))
            part.remove_suffix(2);
        else if (part.ends_with("\n"))
            part.remove_suffix(1);
        std::size_t header_end = part.find("\r\n\r\n");
        std::size_t content_start = header_end + 4;
        if (header_end == std::string_view::npos) {
            header_end = part.find("\n\n");
            content_start = header_end + 2;
        }
        if (header_end == std::string_view::npos)
            return parse_error("Multipart form parse error - part without headers");
        const std::string headers = core::ascii_lower(part.substr(0, header_end));
        const std::string_view original_headers = part.substr(0, header_end);
        const auto disposition = headers.find("content-disposition:");
        if (disposition != std::string::npos) {
            auto line_end = std::min(headers.find('\n', disposition), headers.size());
            if (line_end > disposition && headers[line_end - 1] == '\r') --line_end;
            const std::string_view line =
                original_headers.substr(disposition, line_end - disposition);
            const std::string name = parameter(line, "name").value_or("");
            const bool is_file =
                headers.substr(disposition, line_end - disposition).find("filename") !=
                std::string::npos;
            if (!name.empty() && !is_file) {
                fields[core::to_valid_utf8(name)] = core::to_valid_utf8(part.substr(content_start));
            }
        }
        pos = next;
    }
    return fields;
}

}  // namespace

core::Result<RequestData> parse_body(const Request& request) {
    const std::string media_type =
        request.content_type ? media_type_of(*request.content_type) : std::string();
    const bool is_form =
        media_type == "application/x-www-form-urlencoded" || media_type == "multipart/form-data";
    if (request.body.empty()) {
        return make(json::object{}, is_form ? DataKind::kForm : DataKind::kJson);
    }
    if (media_type == "application/json") {
        // DRF decodes the body with the charset parameter; an unknown name is ignored (UTF-8).
        Charset charset = Charset::kUtf8;
        if (const auto name = parameter(*request.content_type, "charset")) {
            const CharsetLookup found = lookup_charset(*name);
            if (found.kind == CharsetLookup::Kind::kNotSupported) {
                return unsupported(*request.content_type);
            }
            if (found.kind == CharsetLookup::Kind::kDecoded) charset = found.charset;
        }
        auto text = decode_to_utf8(request.body, charset);
        if (!text) return parse_error("JSON parse error - " + text.error().message);
        mark_lone_surrogates(*text);
        json::parse_options options;
        options.max_depth = kMaxJsonDepth;
        options.allow_invalid_utf8 = true;  // the text is valid UTF-8 but for the marks above
        boost::system::error_code ec;
        json::value v = json::parse(*text, ec, {}, options);
        if (ec) return parse_error("JSON parse error - " + ec.message());
        return make(std::move(v), DataKind::kJson);
    }
    if (media_type == "application/x-www-form-urlencoded") {
        return make(parse_urlencoded(request.body), DataKind::kForm);
    }
    if (media_type == "multipart/form-data") {
        auto fields = parse_multipart(request.body, *request.content_type);
        if (!fields) return std::move(fields).error();
        return make(std::move(fields).value(), DataKind::kForm);
    }
    return unsupported(request.content_type.value_or(""));
}

}  // namespace taskapi::http
