#include "http/request_reader.hpp"

#include <gtest/gtest.h>

#include <string>

namespace taskapi::http {
namespace {

using Progress = RequestReader::Progress;

// Joins texts (GCC 12 warns falsely about `"literal" + std::string` under -O3).
template <typename... Parts>
std::string cat(const Parts&... parts) {
    std::string out;
    (out.append(parts), ...);
    return out;
}

constexpr ReadLimits kLimits{
    .header_bytes = 1024, .header_fields = 10, .body_bytes = 100, .buffered_bytes = 1024};

// Feeds `input` as a connection would, `step` bytes at a time (consumed bytes are dropped and
// the rest is offered again with the next bytes); answers kContinue by feeding on.
struct Fed {
    Progress progress = Progress::kNeedMore;
    std::size_t used = 0;  // bytes of input consumed in all
    bool asked_to_continue = false;
};

Fed feed(RequestReader& reader, std::string_view input, std::size_t step) {
    Fed fed;
    std::string buffered;
    std::size_t offered = 0;
    while (true) {
        std::size_t consumed = 0;
        fed.progress = reader.feed(buffered, consumed);
        buffered.erase(0, consumed);
        fed.used += consumed;
        if (fed.progress == Progress::kContinue) {
            fed.asked_to_continue = true;
            continue;
        }
        if (fed.progress != Progress::kNeedMore || offered == input.size()) return fed;
        const std::size_t n = std::min(step, input.size() - offered);
        buffered.append(input.substr(offered, n));
        offered += n;
    }
}

Fed feed(RequestReader& reader, std::string_view input) {
    return feed(reader, input, input.size());
}

std::string detail_of(const RequestReader& reader) { return reader.failure().body; }

TEST(RequestReader, ReadsARequestWhateverTheSizeOfThePieces) {
    const std::string input =
        "POST /api/tasks/?x=1 HTTP/1.1\r\nHost: h:1\r\nAuthorization: Bearer t\r\n"
        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        "5;ext=1\r\n{\"a\":\r\n0003\r\n  1\r\n1\r\n}\r\n0\r\n\r\n";
    for (const std::size_t step : {std::size_t{1}, std::size_t{2}, std::size_t{7}, input.size()}) {
        RequestReader reader(kLimits);
        const Fed fed = feed(reader, input, step);
        ASSERT_EQ(fed.progress, Progress::kComplete) << "step " << step;
        EXPECT_EQ(fed.used, input.size());
        const Request r = reader.take_request("fallback");
        EXPECT_EQ(r.method, Method::kPost);
        EXPECT_EQ(r.path, "/api/tasks/");
        EXPECT_EQ(r.query, "x=1");
        EXPECT_EQ(r.host, "h:1");
        EXPECT_EQ(r.authorization, "Bearer t");
        EXPECT_EQ(r.body, "{\"a\":  1}");
        EXPECT_EQ(reader.version(), 11u);
        EXPECT_TRUE(reader.keep_alive());
        EXPECT_FALSE(reader.is_head());
    }
}

Request read_one(std::string_view input) {
    RequestReader reader(kLimits);
    EXPECT_EQ(feed(reader, input).progress, Progress::kComplete) << input;
    return reader.take_request("fallback:80");
}

// RFC 9112 3.2.2: a server must accept an absolute-form target, and its authority is the host.
TEST(RequestReader, TakesTheHostFromAnAbsoluteFormTarget) {
    const Request r = read_one(
        "GET http://example.com:8000/api/x%2Fy/?a=1#frag HTTP/1.1\r\n"
        "Host: other\r\n\r\n");
    EXPECT_EQ(r.host, "example.com:8000");
    EXPECT_EQ(r.raw_path, "/api/x%2Fy/");
    EXPECT_EQ(r.path, "/api/x/y/");
    EXPECT_EQ(r.query, "a=1");
    for (const char* target : {"HTTPS://h", "ftp://h", "http://h?x", "http://h#f"}) {
        const Request any = read_one(cat("GET ", target, " HTTP/1.1\r\nHost: other\r\n\r\n"));
        EXPECT_EQ(any.host, "h") << target;
        EXPECT_EQ(any.path, "/") << target;  // an empty path is "/"
    }
    EXPECT_EQ(read_one("GET http://[::1]:80/a HTTP/1.1\r\nHost: x\r\n\r\n").host, "[::1]:80");
    // HTTP/1.0 needs no Host: the target names it.
    EXPECT_EQ(read_one("GET http://h:1/a HTTP/1.0\r\n\r\n").host, "h:1");
}

TEST(RequestReader, RefusesAnAbsoluteFormTargetWithoutAValidHost) {
    for (const char* target : {"http://user@h/a", "http://h@evil/a", "http:///a", "http://:80/a",
                               "http://h:8x/a", "http://[::1/a", "http://h%zz/a", "http://h\"/a"}) {
        RequestReader reader(kLimits);
        EXPECT_EQ(feed(reader, cat("GET ", target, " HTTP/1.1\r\nHost: h\r\n\r\n")).progress,
                  Progress::kFailed)
            << target;
        EXPECT_EQ(reader.failure().status, 400) << target;
    }
    // RFC 9112 3.2: HTTP/1.1 needs Host even when the target has the authority.
    RequestReader reader(kLimits);
    EXPECT_EQ(feed(reader, "GET http://h/a HTTP/1.1\r\n\r\n").progress, Progress::kFailed);
}

// gunicorn drops a fragment (not part of a request-target) and keeps other forms as the path.
TEST(RequestReader, SplitsOtherTargetsLikeTheWsgiServer) {
    const Request fragment = read_one("GET /a/#f?x HTTP/1.1\r\nHost: h\r\n\r\n");
    EXPECT_EQ(fragment.raw_path, "/a/");
    EXPECT_EQ(fragment.query, "");
    EXPECT_EQ(fragment.host, "h");
    EXPECT_EQ(read_one("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n").path, "*");
    EXPECT_EQ(read_one("CONNECT h:443 HTTP/1.1\r\nHost: h\r\n\r\n").path, "h:443");
    EXPECT_EQ(read_one("GET //a/./b/%2e%2e/ HTTP/1.1\r\nHost: h\r\n\r\n").path, "//a/./b/../");
    const Request relative = read_one("GET a/b?q HTTP/1.1\r\nHost: h\r\n\r\n");
    EXPECT_EQ(relative.path, "a/b");
    EXPECT_EQ(relative.query, "q");
    EXPECT_EQ(relative.host, "h");
}

TEST(RequestReader, StopsAtTheEndOfARequestLeavingTheNextOne) {
    const std::string first = "GET /a HTTP/1.1\r\nHost: h\r\n\r\n";
    const std::string second = "GET /b HTTP/1.1\r\nHost: h\r\n\r\n";
    RequestReader reader(kLimits);
    std::size_t consumed = 0;
    ASSERT_EQ(reader.feed(first + second, consumed), Progress::kComplete);
    EXPECT_EQ(consumed, first.size());
}

TEST(RequestReader, HttpTen) {
    RequestReader reader(kLimits);
    ASSERT_EQ(feed(reader, "HEAD /x HTTP/1.0\r\n\r\n").progress, Progress::kComplete);
    EXPECT_EQ(reader.version(), 10u);
    EXPECT_FALSE(reader.keep_alive());
    EXPECT_TRUE(reader.is_head());
    EXPECT_EQ(reader.take_request("127.0.0.1:80").host, "127.0.0.1:80");
}

TEST(RequestReader, RefusesTransferEncodingInHttpTen) {
    RequestReader reader(kLimits);
    const Fed fed = feed(reader,
                         "POST /x HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: "
                         "chunked\r\n\r\n1\r\na\r\n0\r\n\r\n");
    ASSERT_EQ(fed.progress, Progress::kFailed);
    EXPECT_EQ(reader.failure().status, 400);
    EXPECT_TRUE(reader.failure().close);
}

TEST(RequestReader, RefusesAmbiguousFraming) {
    for (const char* head :
         {"POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
          "POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
          "POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: "
          "chunked\r\n\r\n",
          "GET /x HTTP/1.1\r\n\r\n", "GET /x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"}) {
        RequestReader reader(kLimits);
        EXPECT_EQ(feed(reader, head).progress, Progress::kFailed) << head;
        EXPECT_EQ(reader.failure().status, 400) << head;
    }
}

// A proxy in front may have read the other line: a field that must appear once is refused when
// it appears twice, even with equal values (gunicorn refuses the Content-Lengths too).
TEST(RequestReader, RefusesASecondLineOfAFieldThatMustAppearOnce) {
    for (const char* head :
         {"POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}",
          "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 2, 2\r\n\r\n{}",
          "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
          "POST /x HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\n"
          "Content-Type: text/plain\r\nContent-Length: 2\r\n\r\n{}",
          "POST /x HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\n"
          "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
          "GET /x HTTP/1.1\r\nHost: h\r\nHost: h\r\n\r\n"}) {
        RequestReader reader(kLimits);
        EXPECT_EQ(feed(reader, head).progress, Progress::kFailed) << head;
        EXPECT_EQ(reader.failure().status, 400) << head;
        EXPECT_EQ(detail_of(reader), R"({"detail":"Malformed HTTP request."})") << head;
        EXPECT_TRUE(reader.failure().close) << head;
    }
}

// Django (through WSGI) sees repeated lines joined with ","; so do the handlers.
TEST(RequestReader, JoinsTheLinesOfARepeatedFieldWithCommas) {
    RequestReader reader(kLimits);
    ASSERT_EQ(feed(reader,
                   "GET /x HTTP/1.1\r\nHost: h\r\nAccept: text/plain\r\n"
                   "Authorization: Bearer a\r\nX-Forwarded-For: 10.0.0.1\r\n"
                   "Accept: application/json\r\nauthorization: Bearer b\r\n"
                   "X-Forwarded-For: 10.0.0.2, 10.0.0.3\r\n\r\n")
                  .progress,
              Progress::kComplete);
    const Request r = reader.take_request("fallback");
    EXPECT_EQ(r.accept, "text/plain,application/json");
    EXPECT_EQ(r.authorization, "Bearer a,Bearer b");
    EXPECT_EQ(r.forwarded_for, "10.0.0.1,10.0.0.2, 10.0.0.3");
}

TEST(RequestReader, RefusesTrailerFields) {
    RequestReader reader(kLimits);
    const Fed fed = feed(reader,
                         "POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                         "1\r\na\r\n0\r\nAuthorization: Bearer x\r\n\r\n");
    ASSERT_EQ(fed.progress, Progress::kFailed);
    EXPECT_EQ(reader.failure().status, 400);
    EXPECT_EQ(detail_of(reader), R"({"detail":"Trailer fields are not supported."})");
}

TEST(RequestReader, BoundsChunkExtensionsLeadingZerosAndTrailerSections) {
    const std::string head = "POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (const std::string& endless :
         {cat("1;a=", std::string(5000, 'a')), std::string(5000, '0'),
          cat("0\r\nX: ", std::string(5000, 'v')), cat("0\r\n", std::string(5000, 'X'), ":")}) {
        for (const std::size_t step : {std::size_t{100}, std::size_t{4096}}) {
            RequestReader reader(kLimits);
            const Fed fed = feed(reader, cat(head, endless), step);
            ASSERT_EQ(fed.progress, Progress::kFailed) << endless.substr(0, 8);
            EXPECT_EQ(reader.failure().status, 400);
            EXPECT_EQ(detail_of(reader), R"({"detail":"Malformed HTTP request."})");
        }
    }
}

TEST(RequestReader, NeverAsksToHoldMoreThanTheBufferedLimit) {
    const std::string input =
        cat("POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1;",
            std::string(2000, 'e'));
    RequestReader reader(kLimits);
    std::string buffered;
    for (const char c : input) {
        buffered += c;
        std::size_t consumed = 0;
        const auto progress = reader.feed(buffered, consumed);
        buffered.erase(0, consumed);
        if (progress == Progress::kFailed) return;
        ASSERT_EQ(progress, Progress::kNeedMore);
        ASSERT_LT(buffered.size(), kLimits.buffered_bytes);
    }
    FAIL() << "an endless chunk extension was accepted";
}

TEST(RequestReader, HeaderLimits) {
    {
        RequestReader reader(kLimits);
        EXPECT_EQ(
            feed(reader, cat("GET /x HTTP/1.1\r\nHost: h\r\nX: ", std::string(2000, 'a'))).progress,
            Progress::kFailed);
        EXPECT_EQ(reader.failure().status, 431);
    }
    {
        std::string head = "GET /x HTTP/1.1\r\nHost: h\r\n";
        for (int i = 0; i < 10; ++i) head += cat("X", std::to_string(i), ": v\r\n");
        head += "\r\n";
        RequestReader reader(kLimits);
        EXPECT_EQ(feed(reader, head).progress, Progress::kFailed);
        EXPECT_EQ(reader.failure().status, 431);
    }
}

// Beast alone limits the request line and the fields each on its own when the line comes in one
// piece (found by the request reader fuzzer); the reader counts them together.
TEST(RequestReader, HeaderLimitCountsTheRequestLineWhateverTheArrival) {
    const std::string line = cat("GET /", std::string(600, 'p'), " HTTP/1.1\r\n");
    const std::string input = cat(line, "Host: h\r\nX: ", std::string(600, 'v'), "\r\n\r\n");
    ASSERT_GT(input.size(), kLimits.header_bytes);
    ASSERT_LT(input.size() - line.size(), kLimits.header_bytes);
    for (const std::size_t step : {std::size_t{1}, std::size_t{64}, line.size(), input.size()}) {
        RequestReader reader(kLimits);
        EXPECT_EQ(feed(reader, input, step).progress, Progress::kFailed) << "step " << step;
        EXPECT_EQ(reader.failure().status, 431) << "step " << step;
    }
}

TEST(RequestReader, BodyLimit) {
    {
        RequestReader reader(kLimits);
        EXPECT_EQ(
            feed(reader, "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 101\r\n\r\n").progress,
            Progress::kFailed);
        EXPECT_EQ(reader.failure().status, 413);
    }
    {
        RequestReader reader(kLimits);
        const Fed fed = feed(reader, cat("POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: "
                                         "chunked\r\n\r\n32\r\n",
                                         std::string(50, 'a'), "\r\n33\r\n"));
        EXPECT_EQ(fed.progress, Progress::kFailed);
        EXPECT_EQ(reader.failure().status, 413);
    }
}

TEST(RequestReader, AsksToContinueOnlyWhenABodyIsAwaited) {
    const std::string body = "{}";
    for (const char* expect : {"100-continue", "100-Continue", " 100-CONTINUE "}) {
        RequestReader reader(kLimits);
        const Fed fed =
            feed(reader, cat(std::string_view("POST /x HTTP/1.1\r\nHost: h\r\nExpect: "),
                             std::string_view(expect),
                             std::string_view("\r\nContent-Length: 2\r\n\r\n"), body));
        EXPECT_TRUE(fed.asked_to_continue) << expect;
        EXPECT_EQ(fed.progress, Progress::kComplete);
    }
    for (const char* head :
         {"POST /x HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 0\r\n\r\n",
          "GET /x HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n\r\n",
          "POST /x HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n{}",
          "POST /x HTTP/1.1\r\nHost: h\r\nExpect: something\r\nContent-Length: 2\r\n\r\n{}"}) {
        RequestReader reader(kLimits);
        const Fed fed = feed(reader, head);
        EXPECT_FALSE(fed.asked_to_continue) << head;
        EXPECT_EQ(fed.progress, Progress::kComplete) << head;
    }
}

TEST(RequestReader, MalformedInputFails) {
    for (const char* input :
         {"GET\r\n\r\n", "GET / HTTP/9.9\r\nHost: x\r\n\r\n",
          "POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"}) {
        RequestReader reader(kLimits);
        EXPECT_EQ(feed(reader, input).progress, Progress::kFailed) << input;
        EXPECT_EQ(reader.failure().status, 400) << input;
    }
}

TEST(RequestReader, GivesTheRequestIdSentOnOneLine) {
    RequestReader reader(kLimits);
    ASSERT_EQ(feed(reader, "GET / HTTP/1.1\r\nHost: h\r\nx-request-id: abc-1\r\n\r\n").progress,
              Progress::kComplete);
    EXPECT_EQ(reader.request_id(), std::optional<std::string>("abc-1"));

    RequestReader twice(kLimits);
    ASSERT_EQ(feed(twice, "GET / HTTP/1.1\r\nHost: h\r\nX-Request-ID: a\r\nX-Request-Id: a\r\n\r\n")
                  .progress,
              Progress::kComplete);
    EXPECT_EQ(twice.request_id(), std::nullopt);

    RequestReader none(kLimits);
    ASSERT_EQ(feed(none, "GET / HTTP/1.1\r\nHost: h\r\n\r\n").progress, Progress::kComplete);
    EXPECT_EQ(none.request_id(), std::nullopt);
}

TEST(RequestReader, TellsTheMethodAndPathOfARequestItRefused) {
    RequestReader too_large(kLimits);
    ASSERT_EQ(feed(too_large,
                   "PUT /api/tasks/1/?secret=1 HTTP/1.1\r\nHost: h\r\nX-Request-ID: r-1\r\n"
                   "Content-Length: 101\r\n\r\n")
                  .progress,
              Progress::kFailed);
    const Request seen = too_large.failed_request();
    EXPECT_EQ(seen.method_name, "PUT");
    EXPECT_EQ(seen.raw_path, "/api/tasks/1/");
    EXPECT_EQ(too_large.request_id(), std::optional<std::string>("r-1"));

    RequestReader garbled(kLimits);
    ASSERT_EQ(feed(garbled, "GET /a b\x01 HTTP/1.1\r\n\r\n").progress, Progress::kFailed);
    EXPECT_EQ(garbled.failed_request().method_name, "");
    EXPECT_EQ(garbled.failed_request().raw_path, "");
}

}  // namespace
}  // namespace taskapi::http
