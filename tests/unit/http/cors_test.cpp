#include "http/cors.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace taskapi::http {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

constexpr std::string_view kOrigin = "http://localhost:5173";
const std::string kAllowHeaders =
    "accept, accept-encoding, authorization, content-type, dnt, origin, user-agent, x-csrftoken, "
    "x-requested-with";
const std::string kAllowMethods = "DELETE, GET, OPTIONS, PATCH, POST, PUT";

Cors cors(std::string_view setting, bool credentials = false) {
    Cors c = Cors::parse(setting).value();
    c.set_allow_credentials(credentials);
    return c;
}

// The headers a JSON answer with `Vary: Accept` ends with.
Headers answer(const Cors& c, std::optional<std::string_view> origin, bool is_options = false) {
    Response r;
    r.add_header("Allow", "GET, HEAD, OPTIONS");
    r.add_header("Vary", "Accept");
    c.add_headers(r, origin, is_options);
    return r.headers;
}

Headers allowed(std::string_view origin, bool is_options = false, bool credentials = false) {
    Headers h{{"Allow", "GET, HEAD, OPTIONS"}, {"Vary", "Accept, Origin"}};
    if (credentials) h.emplace_back("Access-Control-Allow-Credentials", "true");
    h.emplace_back("Access-Control-Allow-Origin", std::string(origin));
    if (is_options) {
        h.emplace_back("Access-Control-Allow-Headers", kAllowHeaders);
        h.emplace_back("Access-Control-Allow-Methods", kAllowMethods);
        h.emplace_back("Access-Control-Max-Age", "86400");
    }
    return h;
}

const Headers kVaryOnly{{"Allow", "GET, HEAD, OPTIONS"}, {"Vary", "Accept, Origin"}};

TEST(Cors, TheSettingTakesOriginsNullOrStarAlone) {
    for (const char* ok : {"", " , ", "http://localhost:5173", "https://a.example, http://b:80",
                           "http://[::1]:8000", "null", "*", " * ", "HTTPS://App.Example"}) {
        EXPECT_TRUE(Cors::parse(ok).has_value()) << ok;
    }
    EXPECT_FALSE(Cors::parse("").value().is_enabled());
    EXPECT_FALSE(Cors::parse(" , ").value().is_enabled());
    EXPECT_TRUE(Cors::parse("*").value().is_enabled());
}

TEST(Cors, AnEntryWithoutSchemeOrHostOrWithMoreIsRefused) {
    for (const char* bad :
         {"localhost:5173", "localhost", "http://", "http:/x", "//x.test", "http://x.test/",
          "http://x.test/app", "http://x.test?a=1", "http://x.test#f", "http://x.test:",
          "http://x.test:port", "http://x.test:123456", "http://u@x.test", "http://[::1",
          "http://[::1]x", "1http://x.test", "*, http://x.test", "null, *", "file://"}) {
        const auto c = Cors::parse(bad);
        ASSERT_FALSE(c.has_value()) << bad;
        EXPECT_EQ(c.error().code, core::ErrorCode::kInvalidArgument);
    }
    EXPECT_NE(Cors::parse("http://x.test/").error().message.find("'http://x.test/'"),
              std::string::npos);
}

TEST(Cors, OffAddsNothing) {
    const Cors off;
    Response r;
    off.add_headers(r, kOrigin, true);
    EXPECT_TRUE(r.headers.empty());
    EXPECT_FALSE(off.is_preflight(Request{.method = Method::kOptions,
                                          .origin = std::string(kOrigin),
                                          .access_control_request_method = "GET"}));
}

TEST(Cors, AnAllowedOriginIsEchoedWithTheOptionsHeadersOnOptions) {
    const Cors c = cors("http://localhost:5173, https://app.example");
    EXPECT_EQ(answer(c, kOrigin), allowed(kOrigin));
    EXPECT_EQ(answer(c, kOrigin, true), allowed(kOrigin, true));
    EXPECT_EQ(answer(c, "https://app.example"), allowed("https://app.example"));
}

TEST(Cors, OriginsCompareByUrlsplitsSchemeAndNetloc) {
    const Cors c = cors("http://localhost:5173");
    // The scheme without case; a path is ignored; the origin is echoed as sent.
    for (const char* same :
         {"HTTP://localhost:5173", "http://localhost:5173/", "http://localhost:5173/x?y"}) {
        EXPECT_EQ(answer(c, same), allowed(same)) << same;
    }
    for (const char* other : {"https://localhost:5173", "http://localhost:5174",
                              "http://LOCALHOST:5173", "http://localhost", "localhost:5173", "null",
                              "http://[::1", "http://[nothost]", "http://evil.example"}) {
        EXPECT_EQ(answer(c, other), kVaryOnly) << other;
    }
    EXPECT_EQ(answer(c, std::nullopt), kVaryOnly);
    EXPECT_EQ(answer(c, ""), kVaryOnly);
}

TEST(Cors, NullMatchesOnlyWhenListed) {
    EXPECT_EQ(answer(cors("null"), "null"), allowed("null"));
    EXPECT_EQ(answer(cors("http://x.test"), "null"), kVaryOnly);
}

TEST(Cors, StarAllowsAnyWellFormedOriginAsStar) {
    const Cors c = cors("*");
    for (const char* any : {"http://localhost:5173", "http://evil.example", "null", "x"}) {
        EXPECT_EQ(answer(c, any), allowed("*")) << any;
    }
    EXPECT_EQ(answer(c, kOrigin, true), allowed("*", true));
    EXPECT_EQ(answer(c, "http://[::1"), kVaryOnly);
    EXPECT_EQ(answer(c, std::nullopt), kVaryOnly);
}

TEST(Cors, CredentialsNeverGoWithStar) {
    const Cors c = cors("*", true);
    EXPECT_EQ(answer(c, kOrigin), allowed(kOrigin, false, true));
    EXPECT_EQ(answer(c, "null", true), allowed("null", true, true));
}

TEST(Cors, CredentialsAreAnnouncedToAnyWellFormedOriginAsDjangoCorsHeadersDoes) {
    const Cors c = cors("http://localhost:5173", true);
    EXPECT_EQ(answer(c, kOrigin, true), allowed(kOrigin, true, true));
    Headers other = kVaryOnly;
    other.emplace_back("Access-Control-Allow-Credentials", "true");
    EXPECT_EQ(answer(c, "http://evil.example"), other);
    EXPECT_EQ(answer(c, "http://[::1"), kVaryOnly);
    EXPECT_EQ(answer(c, std::nullopt), kVaryOnly);
}

TEST(Cors, VaryGetsOriginOnceAndIsAddedWhenMissing) {
    const Cors c = cors("*");
    Response r;
    r.add_header("vary", "Accept, origin");
    c.add_headers(r, std::nullopt, false);
    EXPECT_EQ(r.headers, (Headers{{"vary", "Accept, origin"}}));
    Response bare;
    c.add_headers(bare, std::nullopt, false);
    EXPECT_EQ(bare.headers, (Headers{{"Vary", "Origin"}}));
}

TEST(Cors, APreflightIsOptionsWithRequestMethodWhateverTheOrigin) {
    const Cors c = cors("http://localhost:5173");
    EXPECT_TRUE(
        c.is_preflight(Request{.method = Method::kOptions, .access_control_request_method = ""}));
    EXPECT_FALSE(
        c.is_preflight(Request{.method = Method::kOptions, .origin = std::string(kOrigin)}));
    EXPECT_FALSE(c.is_preflight(Request{.method = Method::kGet,
                                        .origin = std::string(kOrigin),
                                        .access_control_request_method = "GET"}));
    const Response r = c.preflight_response(Request{.method = Method::kOptions,
                                                    .origin = std::string(kOrigin),
                                                    .access_control_request_method = "PUT"});
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
    EXPECT_TRUE(r.body.empty());
    Headers expected = allowed(kOrigin, true);
    expected.erase(expected.begin(), expected.begin() + 2);
    expected.insert(expected.begin(), {"Vary", "Origin"});
    EXPECT_EQ(r.headers, expected);
}

}  // namespace
}  // namespace taskapi::http
