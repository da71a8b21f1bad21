// Query strings as Django reads them and DRF's pagination links rewrite them; the expected
// links are the reference's (DJANGO_FEATURES=1) for the same request targets.
#include "http/query_string.hpp"

#include <gtest/gtest.h>

#include "http/request.hpp"

namespace taskapi::http {
namespace {

std::vector<std::pair<std::string, std::string>> pairs(std::string_view query) {
    std::vector<std::pair<std::string, std::string>> out;
    for (QueryItem& item : parse_query(query)) out.emplace_back(item.name, item.value);
    return out;
}

using Pairs = std::vector<std::pair<std::string, std::string>>;

TEST(ParseQuery, DecodesAsParseQsl) {
    EXPECT_EQ(pairs("a=1&b=x+y&c=%41%2B"), (Pairs{{"a", "1"}, {"b", "x y"}, {"c", "A+"}}));
    EXPECT_EQ(pairs("x&=v&&a==b&"), (Pairs{{"x", ""}, {"", "v"}, {"a", "=b"}}));
    EXPECT_EQ(pairs("a=1;b=2"), (Pairs{{"a", "1;b=2"}}));  // only '&' separates
    EXPECT_EQ(pairs("a=%zz%4"), (Pairs{{"a", "%zz%4"}}));  // invalid escapes stay
    EXPECT_EQ(pairs("q=%FF&%C3%A9=%C3%A9"),
              (Pairs{{"q", "\xEF\xBF\xBD"}, {"\xC3\xA9", "\xC3\xA9"}}));
    EXPECT_EQ(pairs(""), Pairs{});
}

TEST(LastValue, IsQueryDictGet) {
    const auto items = parse_query("page=1&x=2&page=3");
    EXPECT_EQ(last_value(items, "page"), "3");
    EXPECT_EQ(last_value(items, "x"), "2");
    EXPECT_EQ(last_value(items, "y"), std::nullopt);
}

TEST(ReplaceQueryParam, SortsNamesKeepsValueOrderAndQuotesPlus) {
    EXPECT_EQ(replace_query_param("", "page", "2"), "page=2");
    EXPECT_EQ(replace_query_param("page=1&page=2", "page", "3"), "page=3");
    EXPECT_EQ(replace_query_param("b=1&a=2&b=0&page=1", "page", "2"), "a=2&b=1&b=0&page=2");
    EXPECT_EQ(replace_query_param("x&page=2", "page", "3"), "page=3&x=");
    EXPECT_EQ(replace_query_param("page=2&search=a&ordering=-id&zz=1&aa=%20+x&completed=false",
                                  "page", "3"),
              "aa=++x&completed=false&ordering=-id&page=3&search=a&zz=1");
    EXPECT_EQ(replace_query_param("q=%E2%82%AC~*!()%27&page=2", "page", "3"),
              "page=3&q=%E2%82%AC~%2A%21%28%29%27");
    EXPECT_EQ(replace_query_param("a=%2B%26%3D%2F%3F%23&page=1", "page", "2"),
              "a=%2B%26%3D%2F%3F%23&page=2");
    EXPECT_EQ(replace_query_param("a=1;b=2&page=1", "page", "2"), "a=1%3Bb%3D2&page=2");
    EXPECT_EQ(replace_query_param("=x&page=1", "page", "2"), "=x&page=2");
    EXPECT_EQ(replace_query_param("q=%FF&page=2", "page", "3"), "page=3&q=%EF%BF%BD");
    EXPECT_EQ(replace_query_param("%C3%A9=%C3%A9&Z=1&_=2&page=2", "page", "3"),
              "Z=1&_=2&page=3&%C3%A9=%C3%A9");
}

TEST(RemoveQueryParam, LeavesTheRest) {
    EXPECT_EQ(remove_query_param("page=2", "page"), "");
    EXPECT_EQ(remove_query_param("page_size=2&page=2", "page"), "page_size=2");
    EXPECT_EQ(remove_query_param("page=2&format=json", "page"), "format=json");
    EXPECT_EQ(remove_query_param("q=%FF&page=2", "page"), "q=%EF%BF%BD");
}

TEST(AbsoluteUri, IsBuildAbsoluteUri) {
    Request request;
    request.host = "localhost:8000";
    request.path = "/api/tasks/";
    EXPECT_EQ(absolute_uri(request, ""), "http://localhost:8000/api/tasks/");
    EXPECT_EQ(absolute_uri(request, "page=2"), "http://localhost:8000/api/tasks/?page=2");
    request.path = "/api/tasks.json";
    request.host = "[::1]:9";
    EXPECT_EQ(absolute_uri(request, "page=2"), "http://[::1]:9/api/tasks.json?page=2");
    request.path = "/a b/\xC3\xA9";
    request.host = "evil\"host";  // never echoed into the URL
    EXPECT_EQ(absolute_uri(request, ""), "http://localhost/a%20b/%C3%A9");
}

}  // namespace
}  // namespace taskapi::http
