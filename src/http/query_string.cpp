#include "http/query_string.hpp"

#include <algorithm>
#include <map>

#include "core/text.hpp"
#include "http/request.hpp"

namespace taskapi::http {
namespace {

// Python's urllib.parse.quote_plus(text, safe="").
void append_quoted_plus(std::string& out, std::string_view text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '_' || c == '.' || c == '-' || c == '~') {
            out += ch;
        } else if (c == ' ') {
            out += '+';
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 0xF];
        }
    }
}

// parse_qs: the values of each name, names in code point order (UTF-8 byte order is the
// same), then urlencode(..., doseq=True) of them, without `name` unless `value` is given.
std::string reencode(std::string_view query, std::string_view name,
                     const std::optional<std::string_view>& value) {
    std::map<std::string, std::vector<std::string>> fields;
    for (QueryItem& item : parse_query(query)) {
        fields[std::move(item.name)].push_back(std::move(item.value));
    }
    if (value) {
        fields[std::string(name)] = {std::string(*value)};
    } else {
        fields.erase(std::string(name));
    }
    std::string out;
    for (const auto& [field, values] : fields) {
        for (const std::string& v : values) {
            if (!out.empty()) out += '&';
            append_quoted_plus(out, field);
            out += '=';
            append_quoted_plus(out, v);
        }
    }
    return out;
}

// A Host header is echoed into a URL: keep it to the characters a host and port can have.
bool is_plausible_host(std::string_view host) {
    if (host.empty() || host.size() > 255) return false;
    return std::all_of(host.begin(), host.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '.' || c == '-' || c == ':' || c == '[' || c == ']' || c == '_';
    });
}

// Django's escape_uri_path: quote(path, safe="/:@&+$,-_.!~*'()").
void append_escaped_path(std::string& out, std::string_view path) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    static constexpr std::string_view kSafe = "/:@&+$,-_.!~*'()";
    for (const char ch : path) {
        const auto c = static_cast<unsigned char>(ch);
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            kSafe.find(ch) != std::string_view::npos) {
            out += ch;
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 0xF];
        }
    }
}

}  // namespace

std::string absolute_url(const Request& request, std::string_view path, std::string_view query) {
    std::string url = "http://";
    url += is_plausible_host(request.host) ? std::string_view(request.host) : "localhost";
    append_escaped_path(url, path);
    if (!query.empty()) {
        url += '?';
        url += query;
    }
    return url;
}

std::string absolute_uri(const Request& request, std::string_view query) {
    return absolute_url(request, request.path, query);
}

std::vector<QueryItem> parse_query(std::string_view query) {
    std::vector<QueryItem> items;
    std::size_t start = 0;
    while (start <= query.size()) {
        const std::size_t end = std::min(query.find('&', start), query.size());
        const std::string_view field = query.substr(start, end - start);
        start = end + 1;
        if (field.empty()) continue;
        const auto eq = field.find('=');
        const std::string_view value =
            eq == std::string_view::npos ? std::string_view() : field.substr(eq + 1);
        items.push_back({core::to_valid_utf8(core::percent_decode(field.substr(0, eq), true)),
                         core::to_valid_utf8(core::percent_decode(value, true))});
    }
    return items;
}

std::optional<std::string> last_value(const std::vector<QueryItem>& items, std::string_view name) {
    std::optional<std::string> found;
    for (const QueryItem& item : items) {
        if (item.name == name) found = item.value;
    }
    return found;
}

std::string replace_query_param(std::string_view query, std::string_view name,
                                std::string_view value) {
    return reencode(query, name, value);
}

std::string remove_query_param(std::string_view query, std::string_view name) {
    return reencode(query, name, std::nullopt);
}

}  // namespace taskapi::http
