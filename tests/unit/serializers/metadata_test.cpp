#include "serializers/metadata.hpp"

#include <gtest/gtest.h>

#include <array>

namespace taskapi::serializers {
namespace {

TEST(FieldsMetadata, WritesDrfsKeysInDrfsOrder) {
    constexpr std::array kFields{
        Field{.name = "id", .type = FieldType::kInteger, .read_only = true, .label = "ID"},
        Field{.name = "title",
              .type = FieldType::kString,
              .required = true,
              .max_length = 255,
              .label = "Title",
              .help_text = "What to do."},
    };
    EXPECT_EQ(fields_metadata(kFields),
              R"({"id":{"type":"integer","required":false,"read_only":true,"label":"ID"},)"
              R"("title":{"type":"string","required":true,"read_only":false,"label":"Title",)"
              R"("help_text":"What to do.","max_length":255}})");
}

TEST(FieldsMetadata, NamesEachTypeAsDrfsLabelLookupDoes) {
    constexpr std::array kFields{
        Field{.name = "b", .type = FieldType::kBoolean},
        Field{.name = "d", .type = FieldType::kDateTime, .read_only = true},
        Field{.name = "r", .type = FieldType::kRelatedId, .read_only = true},
    };
    EXPECT_EQ(fields_metadata(kFields),
              R"({"b":{"type":"boolean","required":false,"read_only":false},)"
              R"("d":{"type":"datetime","required":false,"read_only":true},)"
              R"("r":{"type":"field","required":false,"read_only":true}})");
}

TEST(FieldsMetadata, LeavesOutWriteOnlyAndBlankRules) {
    constexpr std::array kFields{Field{.name = "password",
                                       .type = FieldType::kString,
                                       .required = true,
                                       .write_only = true,
                                       .allow_blank = true,
                                       .label = "Password"}};
    EXPECT_EQ(
        fields_metadata(kFields),
        R"({"password":{"type":"string","required":true,"read_only":false,"label":"Password"}})");
}

TEST(FieldsMetadata, EscapesTexts) {
    constexpr std::array kFields{
        Field{.name = "q", .type = FieldType::kString, .label = "Say \"hi\"", .help_text = "é\n"}};
    EXPECT_EQ(fields_metadata(kFields),
              R"({"q":{"type":"string","required":false,"read_only":false,)"
              R"("label":"Say \"hi\"","help_text":"é\n"}})");
}

TEST(ActionsMetadata, WrapsTheFieldsInTheMethod) {
    constexpr std::array kFields{Field{.name = "refresh", .type = FieldType::kString}};
    EXPECT_EQ(actions_metadata("POST", kFields),
              R"({"POST":{"refresh":{"type":"string","required":false,"read_only":false}}})");
}

}  // namespace
}  // namespace taskapi::serializers
