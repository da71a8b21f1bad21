#include "http/request_reader.hpp"

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cctype>
#include <optional>

#include "core/text.hpp"
#include "http/error_response.hpp"

namespace taskapi::http {
namespace {

namespace bhttp = boost::beast::http;
using BeastRequest = bhttp::request<bhttp::string_body>;
using core::ErrorCode;

constexpr std::string_view kMalformed = "Malformed HTTP request.";
constexpr std::string_view kHeadersTooLarge = "Request header fields too large.";
constexpr std::string_view kBodyTooLarge = "Request body too large.";
constexpr std::string_view kTrailers = "Trailer fields are not supported.";

struct Failure {
    ErrorCode code = ErrorCode::kMalformedRequest;
    std::string_view detail = kMalformed;
};

Method to_method(bhttp::verb verb) {
    switch (verb) {
        case bhttp::verb::get:
            return Method::kGet;
        case bhttp::verb::head:
            return Method::kHead;
        case bhttp::verb::post:
            return Method::kPost;
        case bhttp::verb::put:
            return Method::kPut;
        case bhttp::verb::patch:
            return Method::kPatch;
        case bhttp::verb::delete_:
            return Method::kDelete;
        case bhttp::verb::options:
            return Method::kOptions;
        default:
            return Method::kOther;
    }
}

// A line of a field that may be sent as several (a list, RFC 9110 5.3): the lines make one
// value, in order, joined with "," as the WSGI server joins them for Django.
void append_line(std::optional<std::string>& out, std::string_view line) {
    if (out) {
        *out += ',';
        *out += line;
    } else {
        out.emplace(line);
    }
}

std::size_t count_fields(const BeastRequest& req) {
    std::size_t n = 0;
    for (auto it = req.begin(); it != req.end(); ++it) ++n;
    return n;
}

// A request-target split as gunicorn's urlsplit splits it: the fragment first (it is not part
// of a request-target, and clients that send one mean the path before it), then the query.
struct Target {
    std::optional<std::string_view> authority;  // absolute-form only: the host and port
    std::string_view path;
    std::string_view query;
};

bool is_scheme_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '-' || c == '.';
}

// RFC 9112 3.2: origin-form "/path?query", and absolute-form "scheme://authority/path?query",
// which a server must accept from any client. Every other target (authority-form, "*", or
// anything else) is kept whole as a path that no route matches: 404, as Django answers.
Target split_target(std::string_view target) {
    target = target.substr(0, target.find('#'));
    Target t;
    const auto colon = target.find("://");
    if (colon != std::string_view::npos && colon > 0 &&
        std::isalpha(static_cast<unsigned char>(target.front())) != 0 &&
        std::all_of(target.begin(), target.begin() + static_cast<std::ptrdiff_t>(colon),
                    is_scheme_char)) {
        target.remove_prefix(colon + 3);
        const auto end = std::min(target.find_first_of("/?"), target.size());
        t.authority = target.substr(0, end);
        target.remove_prefix(end);
    }
    const auto q = target.find('?');
    t.path = target.substr(0, q);
    if (q != std::string_view::npos) t.query = target.substr(q + 1);
    // RFC 9110 4.2.3: an empty path is "/".
    if (t.authority && t.path.empty()) t.path = "/";
    return t;
}

bool is_hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// RFC 3986 3.2.2 and 3.2.3: host [":" port], the host a reg-name (unreserved, sub-delims,
// %XX) or an IP literal in brackets. An empty host is invalid in an http URI (RFC 9110 4.2.1),
// and so is userinfo ("user@"; RFC 9110 4.2.4: it serves to disguise the host).
bool is_valid_authority(std::string_view authority) {
    std::string_view host = authority;
    const auto port_colon = authority.rfind(':');
    if (port_colon != std::string_view::npos &&
        authority.find(']', port_colon) == std::string_view::npos) {
        const auto port = authority.substr(port_colon + 1);
        if (!std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            return false;
        }
        host = authority.substr(0, port_colon);
    }
    if (host.empty()) return false;
    if (host.front() == '[') {
        if (host.size() < 3 || host.back() != ']') return false;
        const auto inside = host.substr(1, host.size() - 2);
        return std::all_of(inside.begin(), inside.end(),
                           [](char c) { return is_hex(c) || c == ':' || c == '.'; });
    }
    for (std::size_t i = 0; i < host.size(); ++i) {
        const char c = host[i];
        if (c == '%') {
            if (i + 2 >= host.size() || !is_hex(host[i + 1]) || !is_hex(host[i + 2])) return false;
            i += 2;
            continue;
        }
        const bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                                (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
                                c == '~';
        const bool sub_delim = std::string_view("!$&'()*+,;=").find(c) != std::string_view::npos;
        if (!unreserved && !sub_delim) return false;
    }
    return true;
}

bool is_digits(std::string_view text) {
    return !text.empty() &&
           std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Checks Beast leaves to the application (RFC 9112): a framing that cannot be read safely is
// refused outright, so no byte of a body can be taken for the next request (request smuggling).
// So is a second line of a field that must appear once: a proxy in front may have acted on the
// other one, and taskapi does not guess which.
std::optional<Failure> check_header(const BeastRequest& head, std::size_t max_fields) {
    std::size_t fields = 0;
    std::size_t hosts = 0;
    std::size_t transfer_encodings = 0;
    std::size_t content_lengths = 0;
    std::size_t content_types = 0;
    for (const auto& field : head) {
        ++fields;
        switch (field.name()) {
            case bhttp::field::host:
                ++hosts;
                break;
            case bhttp::field::transfer_encoding:
                ++transfer_encodings;
                break;
            case bhttp::field::content_length:
                ++content_lengths;
                break;
            case bhttp::field::content_type:
                ++content_types;
                break;
            default:
                break;
        }
    }
    if (fields > max_fields) return Failure{ErrorCode::kHeadersTooLarge, kHeadersTooLarge};
    // RFC 9112 3.2: HTTP/1.1 needs one Host, also with an absolute-form target.
    if (hosts > 1 || (hosts == 0 && head.version() >= 11)) return Failure{};
    const Target target =
        split_target(std::string_view(head.target().data(), head.target().size()));
    if (target.authority && !is_valid_authority(*target.authority)) return Failure{};
    if (content_types > 1) return Failure{};
    if (content_lengths > 0) {
        // Beast takes repeated equal values ("5, 5", or two lines of 5), as RFC 9112 6.3 allows;
        // gunicorn refuses them, and so does taskapi: one line of digits only.
        const auto cl = head[bhttp::field::content_length];
        if (content_lengths > 1 || !is_digits(std::string_view(cl.data(), cl.size()))) {
            return Failure{};
        }
    }
    if (transfer_encodings > 0) {
        // RFC 9112 6.1: Transfer-Encoding in an HTTP/1.0 message means faulty framing. Otherwise
        // only a lone "chunked" is understood, and never together with Content-Length.
        const auto te = head[bhttp::field::transfer_encoding];
        const std::string_view value = core::trim_blanks(std::string_view(te.data(), te.size()));
        if (head.version() < 11 || transfer_encodings > 1 ||
            !core::ascii_iequals(value, "chunked") || content_lengths > 0) {
            return Failure{};
        }
    }
    return std::nullopt;
}

// RFC 9110 10.1.1: the expectation is case-insensitive, and an HTTP/1.0 client cannot take a
// 100 (Continue), so its expectation is ignored.
bool wants_continue(const BeastRequest& head) {
    if (head.version() < 11) return false;
    const auto it = head.find(bhttp::field::expect);
    if (it == head.end()) return false;
    const auto value = it->value();
    return core::ascii_iequals(core::trim_blanks(std::string_view(value.data(), value.size())),
                               "100-continue");
}

}  // namespace

struct RequestReader::Impl {
    explicit Impl(const ReadLimits& l) : limits(l) {
        parser.header_limit(static_cast<std::uint32_t>(l.header_bytes));
        parser.body_limit(l.body_bytes);
    }

    ReadLimits limits;
    bhttp::request_parser<bhttp::string_body> parser;
    bool header_checked = false;
    std::size_t header_bytes = 0;  // consumed while the header section was being read
    std::size_t header_fields = 0;
    std::optional<Failure> failure;
    // Kept at completion: the message itself is handed over by take_request().
    unsigned version = 11;
    bool keep_alive = false;
    bool is_head = false;

    Progress fail(Failure f) {
        failure = f;
        return Progress::kFailed;
    }
    // After the header: the checks above, and whether to ask for 100 Continue.
    std::optional<Progress> on_header();
    // After the last chunk: trailer fields would have been merged into the header fields.
    Progress on_complete();
};

std::optional<RequestReader::Progress> RequestReader::Impl::on_header() {
    header_checked = true;
    const BeastRequest& head = parser.get();
    if (auto f = check_header(head, limits.header_fields)) return fail(*f);
    header_fields = count_fields(head);
    if (!parser.is_done() && wants_continue(head)) return Progress::kContinue;
    return std::nullopt;
}

RequestReader::Progress RequestReader::Impl::on_complete() {
    // A trailer field is never merged (RFC 9110 6.5.1): a proxy in front decided on a header
    // section without it. Refused rather than dropped, so nothing is silently ignored.
    if (parser.chunked() && count_fields(parser.get()) != header_fields) {
        return fail(Failure{ErrorCode::kMalformedRequest, kTrailers});
    }
    const BeastRequest& req = parser.get();
    version = req.version();
    keep_alive = req.keep_alive();
    is_head = req.method() == bhttp::verb::head;
    return Progress::kComplete;
}

RequestReader::RequestReader(const ReadLimits& limits) : impl_(std::make_unique<Impl>(limits)) {}

RequestReader::~RequestReader() = default;

RequestReader::Progress RequestReader::feed(std::string_view input, std::size_t& consumed) {
    Impl& s = *impl_;
    consumed = 0;
    if (s.failure) return Progress::kFailed;
    while (!s.parser.is_done()) {
        boost::beast::error_code ec;
        const std::size_t n = input.size() == consumed
                                  ? 0
                                  : s.parser.put(boost::asio::const_buffer(input.data() + consumed,
                                                                           input.size() - consumed),
                                                 ec);
        consumed += n;
        if (!s.header_checked) s.header_bytes += n;
        if (input.size() == consumed && n == 0 && !ec) ec = bhttp::error::need_more;
        if (ec == bhttp::error::body_limit) {
            return s.fail(Failure{ErrorCode::kPayloadTooLarge, kBodyTooLarge});
        }
        if (ec == bhttp::error::header_limit) {
            return s.fail(Failure{ErrorCode::kHeadersTooLarge, kHeadersTooLarge});
        }
        if (ec && ec != bhttp::error::need_more) return s.fail(Failure{});
        const std::size_t unparsed = input.size() - consumed;
        if (!s.header_checked) {
            // Beast limits the request line and the fields each on its own when the line comes
            // in one piece, and both together when it does not: they are counted together here,
            // so that the limit does not depend on how the bytes arrive.
            const bool done = s.parser.is_header_done();
            const std::size_t header_so_far = s.header_bytes + (done ? 0 : unparsed);
            if (header_so_far > s.limits.header_bytes ||
                (!done && header_so_far == s.limits.header_bytes)) {
                return s.fail(Failure{ErrorCode::kHeadersTooLarge, kHeadersTooLarge});
            }
            if (done) {
                if (auto progress = s.on_header()) return *progress;
            }
        }
        if (ec == bhttp::error::need_more) {
            if (unparsed < s.limits.buffered_bytes) return Progress::kNeedMore;
            // The parser needs the whole of a chunk-size line or trailer section at once; this
            // one is longer than anything legitimate.
            return s.fail(Failure{});
        }
    }
    return s.on_complete();
}

Request RequestReader::take_request(std::string_view fallback_host) {
    BeastRequest req = impl_->parser.release();
    Request r;
    r.method = to_method(req.method());
    r.method_name = std::string(req.method_string());
    const Target target = split_target(std::string_view(req.target().data(), req.target().size()));
    r.raw_path = std::string(target.path);
    r.path = core::percent_decode(r.raw_path, false);
    r.query = std::string(target.query);
    // One pass over the fields, in the order they came. Two Authorization lines make one value
    // with a comma, which no token contains: it never authenticates (Django's answer exactly),
    // whichever line a proxy in front looked at. Proxies that add their own X-Forwarded-For line
    // instead of appending to the client's are counted right. Content-Type and Host come once
    // (check_header refused more).
    std::optional<std::string> host;
    for (const auto& field : req) {
        const std::string_view value(field.value().data(), field.value().size());
        switch (field.name()) {
            case bhttp::field::authorization:
                append_line(r.authorization, value);
                break;
            case bhttp::field::accept:
                append_line(r.accept, value);
                break;
            case bhttp::field::origin:
                append_line(r.origin, value);
                break;
            case bhttp::field::accept_encoding:
                append_line(r.accept_encoding, value);
                break;
            case bhttp::field::if_none_match:
                append_line(r.if_none_match, value);
                break;
            case bhttp::field::access_control_request_method:
                append_line(r.access_control_request_method, value);
                break;
            case bhttp::field::content_type:
                r.content_type.emplace(value);
                break;
            case bhttp::field::host:
                host.emplace(value);
                break;
            case bhttp::field::forwarded:
                r.forwarded = true;
                break;
            case bhttp::field::unknown:
                if (core::ascii_iequals(field.name_string(), "X-Forwarded-For")) {
                    append_line(r.forwarded_for, value);
                }
                break;
            default:
                break;
        }
    }
    // RFC 9112 3.2.2: with an absolute-form target, its authority is the host, not the Host
    // field (Django would use the field).
    if (target.authority) {
        r.host = std::string(*target.authority);
    } else {
        r.host = host ? std::move(*host) : std::string(fallback_host);
    }
    r.body = std::move(req.body());
    return r;
}

unsigned RequestReader::version() const { return impl_->version; }

bool RequestReader::keep_alive() const { return impl_->keep_alive; }

bool RequestReader::is_head() const { return impl_->is_head; }

std::optional<std::string> RequestReader::origin() const {
    // The fields parsed so far (Beast stores a field once its line is complete), the header
    // section finished or not: a 413 for a declared length fails before it counts as done.
    std::optional<std::string> out;
    for (const auto& field : impl_->parser.get()) {
        if (field.name() == bhttp::field::origin) {
            append_line(out, std::string_view(field.value().data(), field.value().size()));
        }
    }
    return out;
}

std::optional<std::string> RequestReader::request_id() const {
    std::optional<std::string> out;
    int lines = 0;
    for (const auto& field : impl_->parser.get()) {
        if (core::ascii_iequals(field.name_string(), "X-Request-ID")) {
            ++lines;
            out.emplace(field.value().data(), field.value().size());
        }
    }
    if (lines != 1) return std::nullopt;
    return out;
}

Request RequestReader::failed_request() const {
    Request r;
    const BeastRequest& req = impl_->parser.get();
    // The target is set once the request line is complete; the query stays out of the log.
    if (!req.target().empty()) {
        r.method_name = std::string(req.method_string());
        const Target target =
            split_target(std::string_view(req.target().data(), req.target().size()));
        r.raw_path = std::string(target.path);
    }
    return r;
}

Response RequestReader::failure() const {
    const Failure f = impl_->failure.value_or(Failure{});
    return error_response(core::make_error(f.code, std::string(f.detail)));
}

}  // namespace taskapi::http
