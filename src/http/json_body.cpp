#include "http/json_body.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace taskapi::http {
namespace {

namespace json = boost::json;

void render(const json::value& v, int indent, int level, std::string& out) {
    const auto newline = [&](int depth) {
        out += '\n';
        out.append(static_cast<std::size_t>(indent * depth), ' ');
    };
    if (v.is_object()) {
        const auto& o = v.get_object();
        if (o.empty()) {
            out += "{}";
            return;
        }
        out += '{';
        bool first = true;
        for (const auto& kv : o) {
            if (!first) out += ',';
            first = false;
            newline(level + 1);
            out += json::serialize(json::value(kv.key()));
            out += ": ";
            render(kv.value(), indent, level + 1, out);
        }
        newline(level);
        out += '}';
    } else if (v.is_array()) {
        const auto& a = v.get_array();
        if (a.empty()) {
            out += "[]";
            return;
        }
        out += '[';
        bool first = true;
        for (const auto& item : a) {
            if (!first) out += ',';
            first = false;
            newline(level + 1);
            render(item, indent, level + 1, out);
        }
        newline(level);
        out += ']';
    } else {
        out += json::serialize(v);
    }
}

}  // namespace

std::string indent_json(std::string_view compact, int indent) {
    boost::system::error_code ec;
    const json::value v = json::parse(compact, ec);
    if (ec) return std::string(compact);
    std::string out;
    out.reserve(compact.size() * 2);
    render(v, indent, 0, out);
    return out;
}

}  // namespace taskapi::http
