#include "http/body_parser.hpp"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>

#include "http/request.hpp"

namespace taskapi::http {
namespace {

namespace json = boost::json;
using namespace std::string_literals;

core::Result<RequestData> parse(std::optional<std::string> content_type, std::string body) {
    Request request;
    request.method = Method::kPost;
    request.method_name = "POST";
    request.path = "/api/tasks/";
    request.content_type = std::move(content_type);
    request.body = std::move(body);
    return parse_body(request);
}

// The parsed data as compact JSON text, or "error: <message>".
std::string parsed(std::optional<std::string> content_type, std::string body) {
    const auto data = parse(std::move(content_type), std::move(body));
    if (!data) return "error: " + data.error().message;
    return json::serialize(data->value());
}

void expect_error(const core::Result<RequestData>& data, core::ErrorCode code) {
    ASSERT_FALSE(data.has_value());
    EXPECT_EQ(data.error().code, code);
}

// --- JSON ------------------------------------------------------------------------------------

TEST(ParseBody, ReadsJsonKeepingTypes) {
    const auto data = parse("application/json", R"({"title":"t","completed":true,"n":1})");
    ASSERT_TRUE(data.has_value());
    EXPECT_EQ(data->kind(), DataKind::kJson);
    EXPECT_EQ(json::serialize(data->value()), R"({"title":"t","completed":true,"n":1})");
}

TEST(ParseBody, ReadsAnyJsonValue) {
    EXPECT_EQ(parsed("application/json", "[1,2]"), "[1,2]");
    EXPECT_EQ(parsed("application/json", "null"), "null");
    EXPECT_EQ(parsed("application/json", R"("x")"), R"("x")");
    EXPECT_EQ(parsed("application/json", " 42 "), "42");
}

TEST(ParseBody, AcceptsACharsetParameterAndAnyCase) {
    EXPECT_EQ(parsed("application/json; charset=utf-8", R"({"a":1})"), R"({"a":1})");
    EXPECT_EQ(parsed("Application/JSON;charset=UTF-8", R"({"a":1})"), R"({"a":1})");
    EXPECT_EQ(parsed(" application/json ", R"({"a":1})"), R"({"a":1})");
}

TEST(ParseBody, KeepsUnicodeText) {
    EXPECT_EQ(parsed("application/json", R"({"t":"café \u65e5"})"), "{\"t\":\"café 日\"}");
}

TEST(ParseBody, MalformedJsonIsAParseError) {
    for (const char* body : {"{", "{\"a\":}", "{'a':1}", "[1,]", "{} {}", "tru", "  "}) {
        const auto data = parse("application/json", body);
        ASSERT_FALSE(data.has_value()) << body;
        EXPECT_EQ(data.error().code, core::ErrorCode::kInvalidArgument) << body;
        EXPECT_EQ(data.error().message.rfind("JSON parse error - ", 0), 0u) << data.error().message;
        EXPECT_GT(data.error().message.size(), std::string("JSON parse error - ").size());
    }
}

TEST(ParseBody, NanAndInfinityAreNotJson) {
    for (const char* body : {R"({"a":NaN})", R"({"a":Infinity})", R"({"a":-Infinity})"}) {
        const auto data = parse("application/json", body);
        ASSERT_FALSE(data.has_value()) << body;
        EXPECT_EQ(data.error().message.rfind("JSON parse error - ", 0), 0u);
    }
}

TEST(ParseBody, InvalidUtf8JsonIsAParseErrorWithPythonsMessage) {
    EXPECT_EQ(parsed("application/json", "{\"title\":\"\xFF\"}"),
              "error: JSON parse error - 'utf-8' codec can't decode byte 0xff in position 10: "
              "invalid start byte");
    // an encoded surrogate is not UTF-8
    EXPECT_EQ(parsed("application/json", "{\"title\":\"\xED\xA0\x80\"}"),
              "error: JSON parse error - 'utf-8' codec can't decode byte 0xed in position 10: "
              "invalid continuation byte");
    // DRF reads a stream: a sequence cut short at the very end is dropped, not refused
    EXPECT_EQ(parsed("application/json", "{\"a\":1}\xF0\x9F\x98"), R"({"a":1})");
}

// Python's json keeps a lone surrogate escape in the string; the fields refuse it by name.
TEST(ParseBody, KeepsLoneSurrogateEscapesForTheFields) {
    const auto data =
        parse("application/json",
              R"({"t":"a\ud800b\uDC00","p":"\ud83d\ude00","e":"\\ud800","\udfff":1})");
    ASSERT_TRUE(data.has_value()) << data.error().message;
    const auto& o = data->value().as_object();
    EXPECT_EQ(std::string(o.at("t").as_string()),
              "a\xED\xA0\x80"
              "b\xED\xB0\x80");
    EXPECT_EQ(std::string(o.at("p").as_string()), "\xF0\x9F\x98\x80");  // a pair is one character
    EXPECT_EQ(std::string(o.at("e").as_string()), "\\ud800");           // an escaped backslash
    EXPECT_TRUE(o.contains("\xED\xBF\xBF"));
    EXPECT_EQ(std::string(parse("application/json", R"(["\ud800\ud800\udc00"])")
                              ->value()
                              .as_array()
                              .at(0)
                              .as_string()),
              "\xED\xA0\x80\xF0\x90\x80\x80");  // a high one, then a pair
}

// DRF decodes a JSON body with the charset parameter of its Content-Type (Python's codecs).
TEST(ParseBody, DecodesTheCharsetParameterAsDrf) {
    const std::string cafe = R"({"t":"café"})";
    EXPECT_EQ(parsed("application/json; charset=latin-1", "{\"t\":\"caf\xE9\"}"), cafe);
    EXPECT_EQ(parsed("application/json;CHARSET=\"ISO-8859-1\"", "{\"t\":\"caf\xE9\"}"), cafe);
    EXPECT_EQ(parsed("application/json; charset=windows-1252", "{\"t\":\"\x80\"}"),
              "{\"t\":\"\xE2\x82\xAC\"}");
    EXPECT_EQ(
        parsed("application/json; charset=utf-16", "\xFF\xFE{\0\"\0t\0\"\0:\0\"\0\xE9\0\"\0}\0"s),
        R"({"t":"é"})");
    EXPECT_EQ(parsed("application/json; charset=utf-16", "{\0\"\0t\0\"\0:\0\"\0\xE9\0\"\0}\0"s),
              "error: JSON parse error - UTF-16 stream does not start with BOM");
    EXPECT_EQ(parsed("application/json; charset=us-ascii", "{\"t\":\"caf\xC3\xA9\"}"),
              "error: JSON parse error - 'ascii' codec can't decode byte 0xc3 in position 9: "
              "ordinal not in range(128)");
    // the last charset parameter wins; a ";" inside quotes does not end the parameter
    EXPECT_EQ(parsed("application/json; charset=utf-8; charset=latin-1", "{\"t\":\"caf\xE9\"}"),
              cafe);
    EXPECT_EQ(parsed("application/json; charset=\"latin-1;x\"", "{\"t\":\"caf\xC3\xA9\"}"), cafe);
}

TEST(ParseBody, AnUnknownCharsetIsIgnoredAsDjangoDoes) {
    for (const char* type : {"application/json; charset=klingon", "application/json; charset=",
                             "application/json; charset", "application/json; charset=latin.1"}) {
        EXPECT_EQ(parsed(type, R"({"t":"café"})"), R"({"t":"café"})") << type;
    }
}

// Python has these codecs and taskapi does not decode them: refused rather than misread.
TEST(ParseBody, ACharsetPythonHasButTaskapiDoesNotDecodeIsUnsupported) {
    for (const char* type : {"application/json; charset=koi8-r", "application/json;charset=utf-7",
                             "application/json; charset=\"Shift_JIS\""}) {
        const auto data = parse(type, R"({"t":"x"})");
        expect_error(data, core::ErrorCode::kUnsupportedFormat);
        EXPECT_EQ(data.error().message,
                  "Unsupported media type \"" + std::string(type) + "\" in request.");
    }
}

// Python's json reads about 940 levels before its recursion limit; taskapi reads 1,000.
TEST(ParseBody, ReadsJsonNestedUpToAThousandLevels) {
    const auto nested = [](std::size_t depth) {
        return std::string(depth, '[') + std::string(depth, ']');
    };
    EXPECT_TRUE(parse("application/json", nested(33)).has_value());
    EXPECT_TRUE(parse("application/json", nested(1000)).has_value());
    EXPECT_EQ(parsed("application/json", nested(1001)), "error: JSON parse error - too deep");
    EXPECT_EQ(parsed("application/json", "{\"a\":" + nested(999) + "}").substr(0, 6), "{\"a\":[");
}

TEST(ParseBody, KeepsNulEscapesInJsonStrings) {
    const auto data = parse("application/json", R"({"t":"a\u0000b"})");
    ASSERT_TRUE(data.has_value());
    EXPECT_EQ(std::string(data->value().at("t").as_string()), "a\0b"s);
}

// --- empty bodies and media types ------------------------------------------------------------

TEST(ParseBody, EmptyBodyIsAnEmptyObjectWhateverTheType) {
    for (const std::optional<std::string>& type :
         {std::optional<std::string>{}, std::optional<std::string>{"application/json"},
          std::optional<std::string>{"text/plain"}, std::optional<std::string>{"image/png"}}) {
        const auto data = parse(type, "");
        ASSERT_TRUE(data.has_value()) << type.value_or("<none>");
        EXPECT_EQ(json::serialize(data->value()), "{}");
        EXPECT_EQ(data->kind(), DataKind::kJson);
    }
}

TEST(ParseBody, EmptyFormBodyIsAnEmptyForm) {
    const auto data = parse("application/x-www-form-urlencoded", "");
    ASSERT_TRUE(data.has_value());
    EXPECT_EQ(data->kind(), DataKind::kForm);
    EXPECT_EQ(json::serialize(data->value()), "{}");
}

TEST(ParseBody, BodyWithoutAContentTypeIsUnsupported) {
    const auto data = parse(std::nullopt, R"({"title":"t"})");
    ASSERT_FALSE(data.has_value());
    EXPECT_EQ(data.error().code, core::ErrorCode::kUnsupportedFormat);
    EXPECT_EQ(data.error().message, R"(Unsupported media type "" in request.)");
}

TEST(ParseBody, TextPlainIsUnsupported) {
    const auto data = parse("text/plain", "hello");
    ASSERT_FALSE(data.has_value());
    EXPECT_EQ(data.error().code, core::ErrorCode::kUnsupportedFormat);
    EXPECT_EQ(data.error().message, R"(Unsupported media type "text/plain" in request.)");
}

TEST(ParseBody, UnsupportedMessageQuotesTheHeaderAsSent) {
    const auto data = parse("text/plain; charset=utf-8", "hello");
    ASSERT_FALSE(data.has_value());
    EXPECT_EQ(data.error().message,
              R"(Unsupported media type "text/plain; charset=utf-8" in request.)");
    expect_error(parse("application/xml", "<a/>"), core::ErrorCode::kUnsupportedFormat);
    expect_error(parse("application/jsonx", "{}"), core::ErrorCode::kUnsupportedFormat);
}

// --- application/x-www-form-urlencoded -------------------------------------------------------

TEST(ParseBody, ReadsUrlEncodedFormsAsStrings) {
    const auto data = parse("application/x-www-form-urlencoded", "title=Buy+milk&completed=on");
    ASSERT_TRUE(data.has_value());
    EXPECT_EQ(data->kind(), DataKind::kForm);
    EXPECT_EQ(json::serialize(data->value()), R"({"title":"Buy milk","completed":"on"})");
}

TEST(ParseBody, DecodesPercentEscapesInKeysAndValues) {
    EXPECT_EQ(parsed("application/x-www-form-urlencoded", "t%69tle=caf%C3%A9%20%2B%26%3D"),
              "{\"title\":\"café +&=\"}");
}

TEST(ParseBody, LastValueOfARepeatedKeyWins) {
    EXPECT_EQ(parsed("application/x-www-form-urlencoded", "title=a&title=b&title=c"),
              R"({"title":"c"})");
}

TEST(ParseBody, KeyWithoutValueIsEmpty) {
    EXPECT_EQ(parsed("application/x-www-form-urlencoded", "description&title=t"),
              R"({"description":"","title":"t"})");
    EXPECT_EQ(parsed("application/x-www-form-urlencoded", "a=&&b=1&"), R"({"a":"","b":"1"})");
}

TEST(ParseBody, FormCharsetParameterIsAccepted) {
    EXPECT_EQ(parsed("application/x-www-form-urlencoded; charset=UTF-8", "a=1"), R"({"a":"1"})");
}

TEST(ParseBody, InvalidUtf8InAFormBecomesReplacementCharacters) {
    EXPECT_EQ(parsed("application/x-www-form-urlencoded", "t=a%FFb"),
              "{\"t\":\"a\xEF\xBF\xBD"
              "b\"}");
}

// --- multipart/form-data ---------------------------------------------------------------------

TEST(ParseBody, ReadsMultipartWithCrlf) {
    const std::string body =
        "--XyZ\r\n"
        "Content-Disposition: form-data; name=\"title\"\r\n"
        "\r\n"
        "Buy milk\r\n"
        "--XyZ\r\n"
        "Content-Disposition: form-data; name=\"description\"\r\n"
        "\r\n"
        "line 1\r\nline 2\r\n"
        "--XyZ--\r\n";
    const auto data = parse("multipart/form-data; boundary=XyZ", body);
    ASSERT_TRUE(data.has_value()) << data.error().message;
    EXPECT_EQ(data->kind(), DataKind::kForm);
    EXPECT_EQ(json::serialize(data->value()),
              R"({"title":"Buy milk","description":"line 1\r\nline 2"})");
}

TEST(ParseBody, ReadsMultipartWithLf) {
    const std::string body =
        "--XyZ\n"
        "Content-Disposition: form-data; name=\"title\"\n"
        "\n"
        "Buy milk\n"
        "--XyZ\n"
        "Content-Disposition: form-data; name=\"completed\"\n"
        "\n"
        "true\n"
        "--XyZ--\n";
    EXPECT_EQ(parsed("multipart/form-data; boundary=XyZ", body),
              R"({"title":"Buy milk","completed":"true"})");
}

TEST(ParseBody, MultipartIgnoresFilePartsAndPreamble) {
    const std::string body =
        "preamble\r\n"
        "--b0undary\r\n"
        "Content-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n"
        "Content-Type: text/plain\r\n"
        "\r\n"
        "file content\r\n"
        "--b0undary\r\n"
        "content-disposition: form-data; name=\"title\"\r\n"
        "\r\n"
        "t\r\n"
        "--b0undary--\r\n";
    EXPECT_EQ(parsed("multipart/form-data; boundary=\"b0undary\"", body), R"({"title":"t"})");
}

// curl -F 'title=t;type=text/plain' sends a Content-Type line after Content-Disposition.
TEST(ParseBody, MultipartReadsTheNameWhenMoreHeadersFollowWithCrlf) {
    const std::string body =
        "--B\r\n"
        "Content-Disposition: form-data; name=\"title\"\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n"
        "t\r\n"
        "--B--\r\n";
    EXPECT_EQ(parsed("multipart/form-data; boundary=B", body), R"({"title":"t"})");
}

TEST(ParseBody, MultipartReadsTheNameWhenMoreHeadersFollowWithLf) {
    const std::string body =
        "--B\n"
        "Content-Disposition: form-data; name=\"title\"\n"
        "Content-Type: text/plain\n"
        "\n"
        "t\n"
        "--B--\n";
    EXPECT_EQ(parsed("multipart/form-data; boundary=B", body), R"({"title":"t"})");
}

TEST(ParseBody, MultipartLastValueWinsAndEmptyValuesStay) {
    const std::string body =
        "--B\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nfirst\r\n"
        "--B\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nsecond\r\n"
        "--B\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\n\r\n"
        "--B--";
    EXPECT_EQ(parsed("multipart/form-data; boundary=B", body),
              R"({"title":"second","description":""})");
}

TEST(ParseBody, MultipartWithoutABoundaryIsAParseError) {
    expect_error(parse("multipart/form-data", "--B\r\n\r\n--B--"),
                 core::ErrorCode::kInvalidArgument);
}

TEST(ParseBody, UnterminatedMultipartIsAParseError) {
    expect_error(parse("multipart/form-data; boundary=B",
                       "--B\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nt"),
                 core::ErrorCode::kInvalidArgument);
    expect_error(parse("multipart/form-data; boundary=B", "no delimiter at all"),
                 core::ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace taskapi::http
