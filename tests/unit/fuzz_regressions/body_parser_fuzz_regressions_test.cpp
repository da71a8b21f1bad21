// Regressions found by fuzz/form_multipart_fuzzer (inputs in
// fuzz/regressions/form_multipart_fuzzer/).
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <string>

#include "core/text.hpp"
#include "http/body_parser.hpp"
#include "http/error_response.hpp"
#include "http/request.hpp"

namespace taskapi::http {
namespace {

Request post_with_content_type(std::string content_type) {
    Request request;
    request.method = Method::kPost;
    request.method_name = "POST";
    request.path = "/api/tasks/";
    request.raw_path = request.path;
    request.content_type = std::move(content_type);
    request.body.assign(1, 'x');  // not = "x": GCC 12 -O3 reports a false -Wrestrict
    return request;
}

// fuzz/regressions/form_multipart_fuzzer/content-type-not-utf8-415: Content-Type "\xff" (Beast
// accepts obs-text bytes in header values). The 415 message echoed the header's raw bytes, so
// the response body was not valid UTF-8 and no JSON parser would read it (RFC 8259 section 8.1).
TEST(FuzzRegressionBodyParser, UnsupportedMediaTypeAnswerIsValidUtf8Json) {
    for (const char* type : {"\xff", "text/plain\xff", "application/x\xc3", "t\xed\xa0\x80/x"}) {
        const auto parsed = parse_body(post_with_content_type(type));
        ASSERT_FALSE(parsed.has_value()) << type;
        EXPECT_EQ(parsed.error().code, core::ErrorCode::kUnsupportedFormat);
        EXPECT_TRUE(core::is_valid_utf8(parsed.error().message)) << parsed.error().message;
        const Response response = error_response(parsed.error());
        EXPECT_EQ(response.status, 415);
        EXPECT_TRUE(core::is_valid_utf8(response.body)) << response.body;
        boost::system::error_code ec;
        const auto value = boost::json::parse(response.body, ec);
        EXPECT_FALSE(ec) << response.body;
    }
}

// What DRF answers: gunicorn decodes header bytes as Latin-1 (PEP 3333) and DRF renders the
// message as UTF-8 JSON, so the byte 0xFF comes back as "ÿ" (U+00FF, "\xc3\xbf" in UTF-8).
TEST(FuzzRegressionBodyParser, UnsupportedMediaTypeEchoesTheHeaderAsLatin1LikeDrf) {
    const auto parsed = parse_body(post_with_content_type("text/plain\xff"));
    ASSERT_FALSE(parsed.has_value());
    EXPECT_EQ(parsed.error().message, "Unsupported media type \"text/plain\xc3\xbf\" in request.");
}

}  // namespace
}  // namespace taskapi::http
