#include "http/json_body.hpp"

#include <gtest/gtest.h>

namespace taskapi::http {
namespace {

// Expected texts are Python's json.dumps(value, indent=N, ensure_ascii=False,
// separators=(",", ": ")), what DRF's JSONRenderer writes for "application/json; indent=N".
TEST(IndentJson, MatchesPythonsLayout) {
    EXPECT_EQ(
        indent_json(R"({"a":[1,{"b":null}],"c":{},"d":[],"e":"café \u001f\"","f":true,"g":-5})", 2),
        "{\n  \"a\": [\n    1,\n    {\n      \"b\": null\n    }\n  ],\n  \"c\": {},\n"
        "  \"d\": [],\n  \"e\": \"café \\u001f\\\"\",\n  \"f\": true,\n  \"g\": -5\n}");
}

TEST(IndentJson, IndentsTopLevelArrays) {
    EXPECT_EQ(indent_json(R"([{"id":1},{"id":2}])", 4),
              "[\n    {\n        \"id\": 1\n    },\n    {\n        \"id\": 2\n    }\n]");
    EXPECT_EQ(indent_json("[]", 2), "[]");
}

TEST(IndentJson, KeepsKeyOrder) {
    EXPECT_EQ(indent_json(R"({"z":1,"a":2})", 1), "{\n \"z\": 1,\n \"a\": 2\n}");
}

TEST(IndentJson, WritesUnicodeRaw) {
    EXPECT_EQ(indent_json(R"({"t":"日本 \ud83d\ude00"})", 2),
              "{\n  \"t\": \"日本 \xF0\x9F\x98\x80\"\n}");
}

TEST(IndentJson, ReturnsTextThatIsNotJsonUnchanged) {
    EXPECT_EQ(indent_json("not json", 2), "not json");
    EXPECT_EQ(indent_json("", 2), "");
}

}  // namespace
}  // namespace taskapi::http
