#include "http/json_body.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace taskapi::http {
namespace {

// The pieces of a streamed body, indented by the indenter that also indented its first part.
class IndentedBody final : public BodyStream {
public:
    IndentedBody(std::shared_ptr<BodyStream> inner, std::shared_ptr<JsonIndenter> indenter)
        : inner_(std::move(inner)), indenter_(std::move(indenter)) {}

    bool next(std::string& out) override {
        piece_.clear();
        const bool more = inner_->next(piece_);
        indenter_->feed(piece_, out);
        return more;
    }

private:
    std::shared_ptr<BodyStream> inner_;
    std::shared_ptr<JsonIndenter> indenter_;
    std::string piece_;
};

}  // namespace

void JsonIndenter::newline(std::string& out) const {
    out += '\n';
    out.append(static_cast<std::size_t>(indent_) * static_cast<std::size_t>(depth_), ' ');
}

void JsonIndenter::feed(std::string_view piece, std::string& out) {
    out.reserve(out.size() + piece.size() * 2);
    for (const char c : piece) {
        if (in_string_) {
            out += c;
            if (escaped_) {
                escaped_ = false;
            } else if (c == '\\') {
                escaped_ = true;
            } else if (c == '"') {
                in_string_ = false;
            }
            continue;
        }
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
        if (opened_) {
            opened_ = false;
            if (c == ']' || c == '}') {
                --depth_;
                out += c;
                continue;
            }
            newline(out);
        }
        switch (c) {
            case '"':
                in_string_ = true;
                out += c;
                break;
            case '[':
            case '{':
                out += c;
                ++depth_;
                opened_ = true;
                break;
            case ']':
            case '}':
                --depth_;
                newline(out);
                out += c;
                break;
            case ',':
                out += ',';
                newline(out);
                break;
            case ':':
                out += ": ";
                break;
            default:
                out += c;
        }
    }
}

std::string indent_json(std::string_view compact, int indent) {
    boost::system::error_code ec;
    boost::json::parse(compact, ec);
    if (ec) return std::string(compact);
    std::string out;
    JsonIndenter(indent).feed(compact, out);
    return out;
}

void indent_body(Response& response, int indent) {
    auto indenter = std::make_shared<JsonIndenter>(indent);
    std::string out;
    indenter->feed(response.body, out);
    response.body = std::move(out);
    if (response.rest) {
        response.rest = std::make_shared<IndentedBody>(std::move(response.rest), indenter);
    }
}

}  // namespace taskapi::http
