// Django 3.2's four default password validators (the AUTH_PASSWORD_VALIDATORS that startproject
// writes), with their messages: what the registration route checks a new password with.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace taskapi::users {

// difflib.SequenceMatcher(a=a, b=b).quick_ratio(): 2 * M / T, where M is the number of elements
// the two sequences have in common counted as multisets and T = len(a) + len(b); 1.0 when both
// are empty. Computed in double with Python's operations, so the result is bit-identical.
[[nodiscard]] double quick_ratio(std::u32string_view a, std::u32string_view b);

// CommonPasswordValidator's test: `password`, lower-cased (Unicode, as str.lower()) and stripped
// (str.strip()), is an entry of Django's list (common_passwords()). Valid UTF-8 expected.
[[nodiscard]] bool is_common_password(std::string_view password);

// validate_password(password, User(username=username)) with the default validators, in their
// order: UserAttributeSimilarityValidator (the username and its parts split on \W+, max
// similarity 0.7), MinimumLengthValidator (8 characters), CommonPasswordValidator,
// NumericPasswordValidator. The messages of every validator that fails, as Django lists them;
// empty when the password passes. Both arguments are valid UTF-8. Thread-safe.
[[nodiscard]] std::vector<std::string> password_validation_errors(std::string_view password,
                                                                  std::string_view username);

}  // namespace taskapi::users
