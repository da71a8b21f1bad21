// A request's query string as Django reads it (QueryDict) and as DRF's pagination rewrites it
// into its next/previous links (rest_framework.utils.urls.replace_query_param).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace taskapi::http {

struct Request;

struct QueryItem {
    std::string name;
    std::string value;
};

// Python's parse_qsl(query, keep_blank_values=True), which Django's QueryDict also follows:
// fields split on '&' only, empty ones skipped, a field without '=' is a name with an empty
// value; '+' is a space, %XX escapes are decoded (an invalid one stays as it is), and each
// invalid UTF-8 sequence becomes U+FFFD (decode(errors="replace")). In the order sent.
[[nodiscard]] std::vector<QueryItem> parse_query(std::string_view query);

// The last value of `name` (QueryDict.get), if present.
[[nodiscard]] std::optional<std::string> last_value(const std::vector<QueryItem>& items,
                                                    std::string_view name);

// DRF's replace_query_param on a query string: every value of `name` replaced by the one
// `value`, then the fields re-encoded as urlencode(sorted(parse_qs(query).items()),
// doseq=True) does: names in code point order, each name's values in the order sent, each
// name and value encoded by quote_plus (a space as '+'; letters, digits and "_.-~" as they are;
// every other byte as %XX).
[[nodiscard]] std::string replace_query_param(std::string_view query, std::string_view name,
                                              std::string_view value);
// DRF's remove_query_param: the same without any value of `name`.
[[nodiscard]] std::string remove_query_param(std::string_view query, std::string_view name);

// Django's request.build_absolute_uri(location): "http://", the Host (kept to the characters a
// host and port can have, else "localhost"), `path` as escape_uri_path() writes it, then '?'
// and `query` unless it is empty.
[[nodiscard]] std::string absolute_url(const Request& request, std::string_view path,
                                       std::string_view query = {});
// The same for the request's own path: request.build_absolute_uri() with `query` for the query
// string.
[[nodiscard]] std::string absolute_uri(const Request& request, std::string_view query);

}  // namespace taskapi::http
