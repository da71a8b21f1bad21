#include "serializers/fields.hpp"

#include <gtest/gtest.h>

#include <array>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace taskapi::serializers {
namespace {

namespace json = boost::json;
using namespace std::string_literals;

// The field under test is always "f".
constexpr Field kTitle{
    .name = "f", .type = FieldType::kString, .required = true, .max_length = 255};
constexpr Field kOptionalText{.name = "f", .type = FieldType::kString, .allow_blank = true};
constexpr Field kFlag{.name = "f", .type = FieldType::kBoolean};
constexpr InputContext kJson{};
constexpr InputContext kJsonPartial{.is_form = false, .partial = true};
constexpr InputContext kForm{.is_form = true, .partial = false};
constexpr InputContext kFormPartial{.is_form = true, .partial = true};

json::object object_of(std::string_view text) { return json::parse(text).as_object(); }

// A one-member object {"f": <value>} with any value, NULs and all.
json::object with_field(json::value value) {
    json::object o;
    o["f"] = std::move(value);
    return o;
}

std::vector<std::string> messages_of(const Validation& v, std::string_view field) {
    for (const auto& e : v.error().field_errors) {
        if (e.field == field) return e.messages;
    }
    return {};
}

using Messages = std::vector<std::string>;

// --- CharField -------------------------------------------------------------------------------

struct CharOutcome {
    std::optional<std::string> value;
    Messages messages;
};

CharOutcome char_field(const json::object& data, const Field& field = kTitle,
                       const InputContext& ctx = kJson) {
    Validation v;
    CharOutcome out;
    out.value = v.char_field(data, field, ctx);
    out.messages = messages_of(v, "f");
    EXPECT_EQ(v.ok(), out.messages.empty());
    return out;
}

TEST(CharField, AbsentRequiredFieldIsRequired) {
    const auto out = char_field(object_of("{}"));
    EXPECT_EQ(out.value, std::nullopt);
    EXPECT_EQ(out.messages, Messages{"This field is required."});
}

TEST(CharField, AbsentRequiredFieldIsFineInAPartialUpdate) {
    const auto out = char_field(object_of("{}"), kTitle, kJsonPartial);
    EXPECT_EQ(out.value, std::nullopt);
    EXPECT_TRUE(out.messages.empty());
}

TEST(CharField, AbsentOptionalFieldIsAbsent) {
    const auto out = char_field(object_of("{}"), kOptionalText);
    EXPECT_EQ(out.value, std::nullopt);
    EXPECT_TRUE(out.messages.empty());
}

TEST(CharField, AbsentRequiredFieldIsRequiredInAForm) {
    EXPECT_EQ(char_field(object_of("{}"), kTitle, kForm).messages,
              Messages{"This field is required."});
}

TEST(CharField, EmptyStringIsBlank) {
    const auto out = char_field(object_of(R"({"f":""})"));
    EXPECT_EQ(out.value, std::nullopt);
    EXPECT_EQ(out.messages, Messages{"This field may not be blank."});
}

TEST(CharField, WhitespaceOnlyIsBlank) {
    EXPECT_EQ(char_field(object_of(R"({"f":"   "})")).messages,
              Messages{"This field may not be blank."});
    EXPECT_EQ(char_field(object_of(R"({"f":" \t\n\r "})")).messages,
              Messages{"This field may not be blank."});
    EXPECT_EQ(char_field(object_of(R"({"f":"\u00a0\u3000"})")).messages,
              Messages{"This field may not be blank."});
}

TEST(CharField, BlankIsAnEmptyStringWhenAllowed) {
    EXPECT_EQ(char_field(object_of(R"({"f":""})"), kOptionalText).value, "");
    EXPECT_EQ(char_field(object_of(R"({"f":"  \t "})"), kOptionalText).value, "");
}

TEST(CharField, NullIsRefusedEvenWhenOptional) {
    EXPECT_EQ(char_field(object_of(R"({"f":null})")).messages,
              Messages{"This field may not be null."});
    EXPECT_EQ(char_field(object_of(R"({"f":null})"), kOptionalText).messages,
              Messages{"This field may not be null."});
    EXPECT_EQ(char_field(object_of(R"({"f":null})"), kTitle, kJsonPartial).messages,
              Messages{"This field may not be null."});
}

TEST(CharField, TrimsSurroundingWhitespace) {
    EXPECT_EQ(char_field(object_of(R"({"f":"  Buy milk \n"})")).value, "Buy milk");
    EXPECT_EQ(char_field(object_of(R"({"f":"\u3000x\u00a0"})")).value, "x");
    EXPECT_EQ(char_field(object_of(R"({"f":"a  b"})")).value, "a  b");
}

TEST(CharField, Accepts255Characters) {
    const std::string text(255, 'a');
    EXPECT_EQ(char_field(with_field(json::value(text))).value, text);
}

TEST(CharField, Refuses256Characters) {
    const auto out = char_field(with_field(json::value(std::string(256, 'a'))));
    EXPECT_EQ(out.value, std::nullopt);
    EXPECT_EQ(out.messages, Messages{"Ensure this field has no more than 255 characters."});
}

TEST(CharField, CountsCharactersNotBytes) {
    std::string accepted;
    for (int i = 0; i < 255; ++i) accepted += "é";  // 510 bytes
    EXPECT_EQ(char_field(with_field(json::value(accepted))).value, accepted);
    EXPECT_EQ(char_field(with_field(json::value(accepted + "é"))).messages,
              Messages{"Ensure this field has no more than 255 characters."});
    std::string emoji;
    for (int i = 0; i < 255; ++i) emoji += "\xF0\x9F\x98\x80";  // 1020 bytes
    EXPECT_TRUE(char_field(with_field(json::value(emoji))).messages.empty());
}

TEST(CharField, CountsLengthAfterTrimming) {
    const std::string text = "  " + std::string(255, 'a') + "  ";
    EXPECT_EQ(char_field(with_field(json::value(text))).value, std::string(255, 'a'));
}

TEST(CharField, NoMaximumWhenMaxLengthIsZero) {
    const std::string text(100000, 'x');
    EXPECT_EQ(char_field(with_field(json::value(text)), kOptionalText).value, text);
}

TEST(CharField, RefusesNulCharacters) {
    const auto out = char_field(with_field(json::value("a\0b"s)));
    EXPECT_EQ(out.value, std::nullopt);
    EXPECT_EQ(out.messages, Messages{"Null characters are not allowed."});
    EXPECT_EQ(char_field(object_of(R"({"f":"x\u0000"})"), kOptionalText).messages,
              Messages{"Null characters are not allowed."});
}

TEST(CharField, ReportsLengthThenNulWhenBothFail) {
    const auto out = char_field(with_field(json::value(std::string(256, 'a') + "\0"s)));
    EXPECT_EQ(out.messages, (Messages{"Ensure this field has no more than 255 characters.",
                                      "Null characters are not allowed."}));
}

// DRF's ProhibitSurrogateCharactersValidator: the body parser keeps a lone "\ud800" escape as
// the bytes UTF-8 would give it (ED A0 80), and the field refuses it, naming the first one.
TEST(CharField, RefusesSurrogatesNamingTheFirst) {
    const auto out = char_field(with_field(json::value("a\xED\xA0\x80z\xED\xBF\xBF")));
    EXPECT_EQ(out.value, std::nullopt);
    EXPECT_EQ(out.messages, Messages{"Surrogate characters are not allowed: U+D800."});
    EXPECT_EQ(char_field(with_field(json::value(" \xED\xBF\xBF ")), kOptionalText).messages,
              Messages{"Surrogate characters are not allowed: U+DFFF."});
    // U+D7FF and U+E000, either side of the surrogates, are characters.
    EXPECT_EQ(char_field(with_field(json::value("\xED\x9F\xBF\xEE\x80\x80"))).value,
              "\xED\x9F\xBF\xEE\x80\x80");
}

TEST(CharField, ReportsLengthThenNulThenSurrogate) {
    const auto out = char_field(with_field(json::value(std::string(255, 'a') + "\0\xED\xB0\x80"s)));
    EXPECT_EQ(out.messages, (Messages{"Ensure this field has no more than 255 characters.",
                                      "Null characters are not allowed.",
                                      "Surrogate characters are not allowed: U+DC00."}));
}

TEST(CharField, TurnsIntegersIntoStrings) {
    EXPECT_EQ(char_field(object_of(R"({"f":1})")).value, "1");
    EXPECT_EQ(char_field(object_of(R"({"f":-42})")).value, "-42");
    EXPECT_EQ(char_field(object_of(R"({"f":0})")).value, "0");
    EXPECT_EQ(char_field(object_of(R"({"f":-0})")).value, "0");
    EXPECT_EQ(char_field(object_of(R"({"f":9223372036854775807})")).value, "9223372036854775807");
    EXPECT_EQ(char_field(object_of(R"({"f":18446744073709551615})")).value, "18446744073709551615");
}

TEST(CharField, TurnsFloatsIntoPythonsRepr) {
    EXPECT_EQ(char_field(object_of(R"({"f":1.0})")).value, "1.0");
    EXPECT_EQ(char_field(object_of(R"({"f":0.1})")).value, "0.1");
    EXPECT_EQ(char_field(object_of(R"({"f":1e20})")).value, "1e+20");
    EXPECT_EQ(char_field(object_of(R"({"f":1.5e-5})")).value, "1.5e-05");
    EXPECT_EQ(char_field(object_of(R"({"f":-0.0})")).value, "-0.0");
    EXPECT_EQ(char_field(object_of(R"({"f":123456789012345.0})")).value, "123456789012345.0");
}

TEST(CharField, RefusesBooleansObjectsAndLists) {
    for (const char* text : {R"({"f":true})", R"({"f":false})", R"({"f":{}})", R"({"f":{"a":1}})",
                             R"({"f":[]})", R"({"f":["x"]})"}) {
        const auto out = char_field(object_of(text));
        EXPECT_EQ(out.value, std::nullopt) << text;
        EXPECT_EQ(out.messages, Messages{"Not a valid string."}) << text;
    }
}

TEST(CharField, FormValuesFollowTheSameRules) {
    EXPECT_EQ(char_field(object_of(R"({"f":" x "})"), kTitle, kForm).value, "x");
    EXPECT_EQ(char_field(object_of(R"({"f":""})"), kTitle, kForm).messages,
              Messages{"This field may not be blank."});
    EXPECT_EQ(char_field(object_of(R"({"f":""})"), kOptionalText, kForm).value, "");
    EXPECT_EQ(char_field(object_of("{}"), kTitle, kFormPartial).messages, Messages{});
}

// --- BooleanField ----------------------------------------------------------------------------

struct BoolOutcome {
    std::optional<bool> value;
    Messages messages;
};

BoolOutcome boolean_field(const json::object& data, const InputContext& ctx = kJson) {
    Validation v;
    BoolOutcome out;
    out.value = v.boolean_field(data, kFlag, ctx);
    out.messages = messages_of(v, "f");
    return out;
}

TEST(BooleanField, AcceptsEveryTrueSpelling) {
    for (const char* text : {"true", "1", "1.0", R"("true")", R"("True")", R"("TRUE")", R"("yes")",
                             R"("Yes")", R"("YES")", R"("on")", R"("On")", R"("ON")", R"("t")",
                             R"("T")", R"("y")", R"("Y")", R"("1")"}) {
        const auto out = boolean_field(object_of(std::string(R"({"f":)") + text + "}"));
        EXPECT_EQ(out.value, true) << text;
        EXPECT_TRUE(out.messages.empty()) << text;
    }
}

TEST(BooleanField, AcceptsEveryFalseSpelling) {
    for (const char* text : {"false", "0", "0.0", R"("false")", R"("False")", R"("FALSE")",
                             R"("no")", R"("No")", R"("NO")", R"("off")", R"("Off")", R"("OFF")",
                             R"("f")", R"("F")", R"("n")", R"("N")", R"("0")"}) {
        const auto out = boolean_field(object_of(std::string(R"({"f":)") + text + "}"));
        EXPECT_EQ(out.value, false) << text;
        EXPECT_TRUE(out.messages.empty()) << text;
    }
}

TEST(BooleanField, RefusesEverythingElse) {
    for (const char* text :
         {"2", "-1", "0.5", R"("tRuE")", R"("maybe")", R"("")", R"("null")", R"(" true")",
          R"("true ")", R"("2")", R"("yES")", "[]", "[true]", "{}"}) {
        const auto out = boolean_field(object_of(std::string(R"({"f":)") + text + "}"));
        EXPECT_EQ(out.value, std::nullopt) << text;
        EXPECT_EQ(out.messages, Messages{"Must be a valid boolean."}) << text;
    }
}

TEST(BooleanField, RefusesNull) {
    const auto out = boolean_field(object_of(R"({"f":null})"));
    EXPECT_EQ(out.value, std::nullopt);
    EXPECT_EQ(out.messages, Messages{"This field may not be null."});
}

TEST(BooleanField, AbsentInJsonIsAbsent) {
    EXPECT_EQ(boolean_field(object_of("{}")).value, std::nullopt);
    EXPECT_EQ(boolean_field(object_of("{}"), kJsonPartial).value, std::nullopt);
    EXPECT_TRUE(boolean_field(object_of("{}")).messages.empty());
}

TEST(BooleanField, AbsentInAFormIsAnUncheckedCheckbox) {
    EXPECT_EQ(boolean_field(object_of("{}"), kForm).value, false);
    EXPECT_TRUE(boolean_field(object_of("{}"), kForm).messages.empty());
}

TEST(BooleanField, AbsentInAPartialFormIsAbsent) {
    EXPECT_EQ(boolean_field(object_of("{}"), kFormPartial).value, std::nullopt);
}

TEST(BooleanField, FormSpellingsAreStrings) {
    EXPECT_EQ(boolean_field(object_of(R"({"f":"on"})"), kForm).value, true);
    EXPECT_EQ(boolean_field(object_of(R"({"f":"false"})"), kForm).value, false);
    EXPECT_EQ(boolean_field(object_of(R"({"f":"maybe"})"), kForm).messages,
              Messages{"Must be a valid boolean."});
}

// DRF's Field.get_value: an empty form value for a field that is not required is "empty"
// (absent), so `completed=` in a form is simply left out, not an error.
TEST(BooleanField, EmptyFormValueIsAbsent) {
    const auto out = boolean_field(object_of(R"({"f":""})"), kForm);
    EXPECT_TRUE(out.messages.empty());
    EXPECT_EQ(out.value, std::nullopt);
    const auto partial = boolean_field(object_of(R"({"f":""})"), kFormPartial);
    EXPECT_TRUE(partial.messages.empty());
    EXPECT_EQ(partial.value, std::nullopt);
}

TEST(BooleanField, EmptyJsonStringIsInvalid) {
    EXPECT_EQ(boolean_field(object_of(R"({"f":""})")).messages,
              Messages{"Must be a valid boolean."});
}

// --- Validation ------------------------------------------------------------------------------

constexpr std::array kTable{
    Field{.name = "a", .type = FieldType::kString, .required = true, .max_length = 255},
    Field{.name = "id", .type = FieldType::kInteger, .read_only = true},
    Field{.name = "b", .type = FieldType::kString, .allow_blank = true},
    Field{.name = "c", .type = FieldType::kBoolean},
};
static_assert(is_well_formed(kTable));
constexpr const Field& kA = field_named(kTable, "a");
constexpr const Field& kB = field_named(kTable, "b");
constexpr const Field& kC = field_named(kTable, "c");
static_assert(&kA == &kTable[0] && &kC == &kTable[3]);

TEST(Validation, CollectsErrorsInTheOrderFieldsAreChecked) {
    const auto data = object_of(R"({"c":"maybe","b":null})");
    Validation v;
    EXPECT_EQ(v.char_field(data, kA, kJson), std::nullopt);
    EXPECT_EQ(v.char_field(data, kB, kJson), std::nullopt);
    EXPECT_EQ(v.boolean_field(data, kC, kJson), std::nullopt);
    ASSERT_FALSE(v.ok());
    const core::Error e = v.error();
    EXPECT_EQ(e.code, core::ErrorCode::kInvalidArgument);
    ASSERT_EQ(e.field_errors.size(), 3u);
    EXPECT_EQ(e.field_errors[0].field, "a");
    EXPECT_EQ(e.field_errors[0].messages, Messages{"This field is required."});
    EXPECT_EQ(e.field_errors[1].field, "b");
    EXPECT_EQ(e.field_errors[1].messages, Messages{"This field may not be null."});
    EXPECT_EQ(e.field_errors[2].field, "c");
    EXPECT_EQ(e.field_errors[2].messages, Messages{"Must be a valid boolean."});
}

TEST(Validation, IsOkWhenEveryFieldIsValid) {
    const auto data = object_of(R"({"a":"x","c":true})");
    Validation v;
    EXPECT_EQ(v.char_field(data, kA, kJson), "x");
    EXPECT_EQ(v.boolean_field(data, kC, kJson), true);
    EXPECT_TRUE(v.ok());
}

// --- is_well_formed --------------------------------------------------------------------------

template <std::size_t N>
consteval bool well_formed(const std::array<Field, N>& fields) {
    return is_well_formed(fields);
}

static_assert(!well_formed(std::array{Field{.name = "a"}, Field{.name = "a"}}));
static_assert(!well_formed(std::array{Field{.name = ""}}));
static_assert(!well_formed(std::array{Field{.name = "a", .required = true, .read_only = true}}));
static_assert(!well_formed(std::array{Field{.name = "a", .read_only = true, .write_only = true}}));
static_assert(!well_formed(std::array{Field{.name = "a", .type = FieldType::kDateTime}}));
static_assert(well_formed(std::array{
    Field{.name = "a", .type = FieldType::kDateTime, .read_only = true}}));
static_assert(!well_formed(std::array{
    Field{.name = "a", .type = FieldType::kBoolean, .max_length = 1}}));
static_assert(!well_formed(std::array{
    Field{.name = "a", .type = FieldType::kBoolean, .allow_blank = true}}));

// --- as_object -------------------------------------------------------------------------------

Messages non_field_errors_of(std::string_view text) {
    const json::value data = json::parse(text);
    const auto result = as_object(data);
    EXPECT_FALSE(result.has_value()) << text;
    if (result.has_value()) return {};
    EXPECT_EQ(result.error().code, core::ErrorCode::kInvalidArgument);
    EXPECT_EQ(result.error().field_errors.size(), 1u);
    EXPECT_EQ(result.error().field_errors.at(0).field, "non_field_errors");
    return result.error().field_errors.at(0).messages;
}

TEST(AsObject, ReturnsTheObject) {
    const json::value data = json::parse(R"({"a":1})");
    const auto result = as_object(data);
    ASSERT_TRUE(result.has_value());
    EXPECT_EQ(*result, &data.get_object());
}

TEST(AsObject, NullIsNoDataProvided) {
    EXPECT_EQ(non_field_errors_of("null"), Messages{"No data provided"});
}

TEST(AsObject, OtherValuesNameTheirPythonType) {
    EXPECT_EQ(non_field_errors_of("[]"),
              Messages{"Invalid data. Expected a dictionary, but got list."});
    EXPECT_EQ(non_field_errors_of(R"("x")"),
              Messages{"Invalid data. Expected a dictionary, but got str."});
    EXPECT_EQ(non_field_errors_of("1"),
              Messages{"Invalid data. Expected a dictionary, but got int."});
    EXPECT_EQ(non_field_errors_of("18446744073709551615"),
              Messages{"Invalid data. Expected a dictionary, but got int."});
    EXPECT_EQ(non_field_errors_of("1.5"),
              Messages{"Invalid data. Expected a dictionary, but got float."});
    EXPECT_EQ(non_field_errors_of("true"),
              Messages{"Invalid data. Expected a dictionary, but got bool."});
}

}  // namespace
}  // namespace taskapi::serializers
