#include "http/json_body.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

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

// Strings are copied as the serializer wrote them: raw UTF-8 stays raw, an escape stays escaped
// (taskapi writes U+2028 and U+2029 escaped, as DRF does; a re-serialization would not).
TEST(IndentJson, CopiesStringsAsWritten) {
    EXPECT_EQ(indent_json(R"({"t":"日本 \u2028 \ud83d\ude00 [,:]"})", 2),
              "{\n  \"t\": \"日本 \\u2028 \\ud83d\\ude00 [,:]\"\n}");
}

TEST(IndentJson, DropsWhitespaceBetweenTokens) {
    EXPECT_EQ(indent_json("[ 1 , { \"a\" : [ ] } ]", 1), "[\n 1,\n {\n  \"a\": []\n }\n]");
}

TEST(JsonIndenter, GivesTheSameTextWhateverThePieces) {
    const std::string compact = R"([{"id":1,"t":"a\"b,c"},{"e":{},"l":[]},[[1,2],{"x":"}"}]])";
    const std::string whole = indent_json(compact, 3);
    for (std::size_t cut = 0; cut <= compact.size(); ++cut) {
        JsonIndenter indenter(3);
        std::string out;
        indenter.feed(compact.substr(0, cut), out);
        indenter.feed(compact.substr(cut), out);
        EXPECT_EQ(out, whole) << "cut at " << cut;
    }
}

TEST(IndentBody, IndentsTheFirstPartAndEveryLaterPiece) {
    struct Pieces final : BodyStream {
        std::vector<std::string> left{R"({"b":2},)", R"({"c":[]}])"};
        bool next(std::string& out) override {
            out += left.front();
            left.erase(left.begin());
            return !left.empty();
        }
    };
    Response r = json_response(200, R"([{"a":1},)");
    r.rest = std::make_shared<Pieces>();
    indent_body(r, 2);
    std::string all = r.body;
    while (r.rest->next(all)) {
    }
    EXPECT_EQ(all, indent_json(R"([{"a":1},{"b":2},{"c":[]}])", 2));
}

TEST(IndentJson, ReturnsTextThatIsNotJsonUnchanged) {
    EXPECT_EQ(indent_json("not json", 2), "not json");
    EXPECT_EQ(indent_json("", 2), "");
}

}  // namespace
}  // namespace taskapi::http
