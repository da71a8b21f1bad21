// Form-urlencoded and multipart/form-data parsing (http::parse_body) with hostile boundaries.
//
// Input: byte 0 picks the mode, the rest is "<line>\n<body>":
//   0  Content-Type "application/x-www-form-urlencoded" + <line> (parameters, usually empty);
//   1  Content-Type "multipart/form-data; boundary=" + <line>;
//   2  Content-Type exactly <line> (any media type, case, parameters and quoting).
// Whatever parses must be a JSON object of strings with valid UTF-8 keys and values, and every
// error must render as a valid UTF-8 JSON body.
#include <boost/json/value.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/text.hpp"
#include "fuzz_common.hpp"
#include "http/body_parser.hpp"
#include "http/request.hpp"

namespace {

namespace json = boost::json;
using namespace taskapi;
using fuzz::check;

std::string lower(std::string_view s) { return core::ascii_lower(s); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const auto parts = fuzz::split_lines(fuzz::as_view(data + 1, size - 1), 2);
    const std::string_view line = parts[0];
    const std::string_view body = parts.size() > 1 ? parts[1] : std::string_view();

    http::Request request;
    request.method = http::Method::kPost;
    request.method_name = "POST";
    request.path = "/api/tasks/";
    request.raw_path = request.path;
    switch (data[0] % 3) {
        case 0:
            request.content_type = "application/x-www-form-urlencoded" + std::string(line);
            break;
        case 1:
            request.content_type = "multipart/form-data; boundary=" + std::string(line);
            break;
        default:
            request.content_type = std::string(line);
            break;
    }
    request.body = std::string(body);

    const auto parsed = http::parse_body(request);
    const std::string media =
        lower(request.content_type->substr(0, request.content_type->find(';')));
    if (!parsed) {
        const core::Error& e = parsed.error();
        check(!body.empty(), "an empty body always parses", *request.content_type);
        check(e.code == core::ErrorCode::kInvalidArgument ||
                  e.code == core::ErrorCode::kUnsupportedFormat,
              "parse errors are 400 or 415", e.message);
        check(media.find("x-www-form-urlencoded") == std::string::npos ||
                  e.code != core::ErrorCode::kInvalidArgument,
              "form-urlencoded bodies never fail to parse", *request.content_type);
        fuzz::check_error_renders(e);
        return 0;
    }
    const json::value& value = parsed->value();
    if (parsed->kind() != http::DataKind::kForm) return 0;  // JSON: task_body_fuzzer's job
    check(value.is_object(), "form data is an object");
    std::size_t pairs = 1;
    for (const char c : body) pairs += c == '&' ? 1 : 0;
    check(media.find("x-www-form-urlencoded") == std::string::npos ||
              value.get_object().size() <= pairs,
          "no more form fields than '&'-separated pairs", body);
    for (const auto& kv : value.get_object()) {
        const std::string_view key(kv.key().data(), kv.key().size());
        check(core::is_valid_utf8(key), "form keys are valid UTF-8", key);
        check(kv.value().is_string(), "form values are strings", key);
        const auto& s = kv.value().get_string();
        check(core::is_valid_utf8(std::string_view(s.data(), s.size())),
              "form values are valid UTF-8", std::string_view(s.data(), s.size()));
        check(s.size() <= body.size() * 3, "form values are not bigger than the body allows", key);
    }
    return 0;
}
