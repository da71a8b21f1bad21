// The list's query parameters as the reference's DRF backends read them; each expectation is
// what the reference does with the same value (DJANGO_FEATURES=1).
#include "tasks/task_list_query.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace taskapi::tasks {
namespace {

using Terms = std::vector<std::string>;
using Ordering = std::vector<TaskOrder>;

TEST(CompletedFilter, AcceptsDjangoFiltersBooleanSpellingsInAnyCase) {
    for (const char* v : {"true", "True", "TRUE", "tRuE", "1"}) {
        EXPECT_EQ(completed_filter(v), std::optional<bool>(true)) << v;
    }
    for (const char* v : {"false", "False", "FALSE", "0"}) {
        EXPECT_EQ(completed_filter(v), std::optional<bool>(false)) << v;
    }
}

TEST(CompletedFilter, AnythingElseFiltersNothing) {
    EXPECT_EQ(completed_filter(std::nullopt), std::nullopt);
    for (const char* v : {"", "yes", "no", "on", "t", " true", "true ", "2", "01", "null"}) {
        EXPECT_EQ(completed_filter(v), std::nullopt) << v;
    }
}

TEST(SearchTerms, SplitOnWhitespaceAndCommas) {
    EXPECT_EQ(search_terms("milk"), (Terms{"milk"}));
    EXPECT_EQ(search_terms("milk eggs"), (Terms{"milk", "eggs"}));
    EXPECT_EQ(search_terms(" milk,,eggs ,\tbread\n"), (Terms{"milk", "eggs", "bread"}));
    EXPECT_EQ(search_terms(""), Terms{});
    EXPECT_EQ(search_terms(" , ,"), Terms{});
}

TEST(SearchTerms, SplitOnUnicodeWhitespaceAsPythonDoes) {
    // U+00A0, U+2003, U+3000, and U+001F (str.isspace() says yes to the separators 1C..1F).
    EXPECT_EQ(search_terms("a\u00a0b\u2003c\u3000d\x1f"
                           "e"),
              (Terms{"a", "b", "c", "d", "e"}));
    // U+200B (zero width space) is not whitespace to Python.
    EXPECT_EQ(search_terms("a\u200bb"), (Terms{"a\u200bb"}));
}

TEST(SearchTerms, RemoveNulCharacters) {
    EXPECT_EQ(search_terms(std::string_view("mi\0lk", 5)), (Terms{"milk"}));
    EXPECT_EQ(search_terms(std::string_view("\0", 1)), Terms{});
}

TEST(SearchTerms, KeepWildcardsAndQuotesAsWritten) {
    EXPECT_EQ(search_terms("100% a_b \\ ' OR 1=1 --"),
              (Terms{"100%", "a_b", "\\", "'", "OR", "1=1", "--"}));
}

TEST(TaskOrdering, ReadsEachAllowedFieldAndDirection) {
    EXPECT_EQ(task_ordering("id"), (Ordering{{TaskField::kId, false}}));
    EXPECT_EQ(task_ordering("-title"), (Ordering{{TaskField::kTitle, true}}));
    EXPECT_EQ(task_ordering("created_at,-updated_at, completed"),
              (Ordering{{TaskField::kCreatedAt, false},
                        {TaskField::kUpdatedAt, true},
                        {TaskField::kCompleted, false}}));
    EXPECT_EQ(task_ordering(" -id "), (Ordering{{TaskField::kId, true}}));
}

TEST(TaskOrdering, DropsUnknownFieldsAsOrderingFilterDoes) {
    for (const char* v : {"", "-", "--id", "TITLE", "owner", "owner_id", "id__x", "title desc",
                          "title;DROP TABLE tasks", "(select 1)", "- id", "password"}) {
        EXPECT_EQ(task_ordering(v), Ordering{}) << v;
    }
    EXPECT_EQ(task_ordering("owner,-id,nothing"), (Ordering{{TaskField::kId, true}}));
}

TEST(TaskOrdering, AFieldNamedAgainAddsNothing) {
    EXPECT_EQ(task_ordering("title,-title,completed"),
              (Ordering{{TaskField::kTitle, false}, {TaskField::kCompleted, false}}));
}

TEST(PythonInt, ReadsWhatIntReads) {
    EXPECT_EQ(python_int("2"), 2);
    EXPECT_EQ(python_int(" 2 "), 2);
    EXPECT_EQ(python_int("+2"), 2);
    EXPECT_EQ(python_int("-3"), -3);
    EXPECT_EQ(python_int("00002"), 2);
    EXPECT_EQ(python_int("1_000"), 1000);
    EXPECT_EQ(python_int("\u00a07\u2003"), 7);
    EXPECT_EQ(python_int("99999999999999999999999"), std::numeric_limits<std::int64_t>::max());
    EXPECT_EQ(python_int("-99999999999999999999999"), -std::numeric_limits<std::int64_t>::max());
    for (const char* v : {"", " ", "+", "-", "2.0", "1e3", "_1", "1_", "1__0", "0x10", "--1", "+-1",
                          "- 1", "abc", "last"}) {
        EXPECT_EQ(python_int(v), std::nullopt) << v;
    }
}

TEST(PageSize, APositiveIntegerUpToTheMaximumElseTheDefault) {
    EXPECT_EQ(page_size(std::nullopt, 20, 100), 20);
    EXPECT_EQ(page_size("5", 20, 100), 5);
    EXPECT_EQ(page_size(" +5 ", 20, 100), 5);
    EXPECT_EQ(page_size("100", 20, 100), 100);
    EXPECT_EQ(page_size("101", 20, 100), 100);
    EXPECT_EQ(page_size("2_0", 3, 5), 5);
    EXPECT_EQ(page_size("99999999999999999999999", 20, 100), 100);
    for (const char* v : {"", "0", "-1", "x", "2.5", "1 OR 1=1"}) {
        EXPECT_EQ(page_size(v, 20, 100), 20) << v;
    }
}

TEST(PageCount, AtLeastOnePage) {
    EXPECT_EQ(page_count(0, 3), 1);
    EXPECT_EQ(page_count(1, 3), 1);
    EXPECT_EQ(page_count(3, 3), 1);
    EXPECT_EQ(page_count(4, 3), 2);
    EXPECT_EQ(page_count(7, 3), 3);
}

TEST(PageNumber, OneByDefaultLastByNameElseAnIntegerWithinThePages) {
    EXPECT_EQ(page_number(std::nullopt, 3), 1);
    EXPECT_EQ(page_number("2", 3), 2);
    EXPECT_EQ(page_number(" 3 ", 3), 3);
    EXPECT_EQ(page_number("last", 3), 3);
    EXPECT_EQ(page_number("last", 1), 1);
    EXPECT_EQ(page_number("1", 1), 1);  // an empty list's only page
    for (const char* v : {"0", "-1", "-0", "4", "LAST", "Last", "", "2.0", "abc", "1_",
                          "99999999999999999999999"}) {
        EXPECT_EQ(page_number(v, 3), std::nullopt) << v;
    }
}

}  // namespace
}  // namespace taskapi::tasks
