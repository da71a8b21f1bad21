// http::RequestReader as a connection drives it: HTTP/1.1 framing with every read limit, chunked
// bodies above all (chunk sizes with leading zeros, extensions, trailers), pipelined requests.
//
// Input: byte 0 says how the bytes arrive and which limits apply: bits 0-5 are the size of each
// read (0: as much as the read buffer has room for), bit 7 selects small limits (256-byte header
// and buffer, 8 fields, 64-byte bodies) so that every limit is reached often. The rest is what
// one client sends on one connection.
//
// Invariants: the outcome does not depend on how the bytes arrive (the same requests, answers
// and byte counts as when each read fills the buffer; see same_outcome); the reader never asks
// its caller to hold limits.buffered_bytes or more unparsed bytes; a failure is 400, 413 or 431
// with a JSON {"detail": ...} body and Connection: close; a body is within the body limit; an
// Authorization or Content-Type value comes from the request's own header section, never from a
// trailer (each line of a repeated Authorization field, which arrive joined with ",").
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_common.hpp"
#include "http/request_reader.hpp"

namespace taskapi {
namespace {

using fuzz::check;
using Progress = http::RequestReader::Progress;

constexpr http::ReadLimits kDefaultLimits{};
constexpr http::ReadLimits kSmallLimits{
    .header_bytes = 256, .header_fields = 8, .body_bytes = 64, .buffered_bytes = 256};

std::string without_blanks(std::string_view s) {
    std::string out;
    for (const char c : s) {
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n') out += c;
    }
    return out;
}

// The value must be written in the header section (request line to the first empty line).
// Repeated lines of a field arrive joined with ","; each piece between commas is checked.
void check_from_header(std::string_view header_section, const std::optional<std::string>& value,
                       const char* what) {
    if (!value) return;
    const std::string section = without_blanks(header_section);
    std::string_view rest = *value;
    while (true) {
        const auto comma = rest.find(',');
        check(section.find(without_blanks(rest.substr(0, comma))) != std::string::npos, what,
              *value);
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
    }
}

// Feeds `input` as http/server.cpp does: reads of at most `step` bytes (0: as many as the
// buffer has room for) into a buffer of limits.buffered_bytes, dropping consumed bytes, one
// reader per request. Returns one line per event, for comparison between ways of arriving.
std::vector<std::string> drive(std::string_view input, std::size_t step,
                               const http::ReadLimits& limits) {
    std::vector<std::string> events;
    std::string buffered;
    std::size_t offered = 0;
    std::size_t consumed_total = 0;
    std::size_t request_start = 0;
    auto reader = std::make_unique<http::RequestReader>(limits);
    while (true) {
        std::size_t consumed = 0;
        const Progress progress = reader->feed(buffered, consumed);
        check(consumed <= buffered.size(), "consumed no more than was offered");
        buffered.erase(0, consumed);
        consumed_total += consumed;
        switch (progress) {
            case Progress::kContinue:
                events.push_back("continue at " + std::to_string(consumed_total));
                continue;
            case Progress::kFailed: {
                const http::Response r = reader->failure();
                check(r.status == 400 || r.status == 413 || r.status == 431,
                      "failure is 400/413/431", std::to_string(r.status));
                check(r.close, "a failure closes the connection");
                const auto body = fuzz::parse_json(r.body);
                check(body && body->is_object() && body->as_object().contains("detail"),
                      "a failure body is {\"detail\": ...}", r.body);
                events.push_back("failed " + std::to_string(r.status) + " " + r.body + " at " +
                                 std::to_string(consumed_total));
                return events;
            }
            case Progress::kComplete: {
                const unsigned version = reader->version();
                const bool keep_alive = reader->keep_alive();
                const http::Request r = reader->take_request("fallback:1");
                check(version == 10 || version == 11, "HTTP/1.0 or 1.1");
                check(r.body.size() <= limits.body_bytes, "the body is within the limit");
                const std::string_view rest = input.substr(request_start);
                const auto end = rest.find("\r\n\r\n");
                const std::string_view header_section =
                    rest.substr(0, end == std::string_view::npos ? rest.size() : end + 4);
                check_from_header(header_section, r.authorization,
                                  "Authorization comes from the header section");
                check_from_header(header_section, r.content_type,
                                  "Content-Type comes from the header section");
                events.push_back(r.method_name + " " + r.raw_path + "?" + r.query + " v" +
                                 std::to_string(version) + (keep_alive ? " keep" : " close") +
                                 " host=" + r.host + " body=" + r.body + " at " +
                                 std::to_string(consumed_total));
                request_start = consumed_total;
                reader = std::make_unique<http::RequestReader>(limits);
                if (buffered.empty() && offered == input.size()) return events;
                continue;
            }
            case Progress::kNeedMore:
                check(buffered.size() < limits.buffered_bytes,
                      "the reader never needs a full buffer of unparsed bytes");
                if (offered == input.size()) {
                    events.push_back("incomplete at " + std::to_string(consumed_total));
                    return events;
                }
                std::size_t n = limits.buffered_bytes - buffered.size();
                if (step != 0) n = std::min(n, step);
                n = std::min(n, input.size() - offered);
                buffered.append(input.substr(offered, n));
                offered += n;
                continue;
        }
    }
}

// The same events, except possibly the last one when both end without a request: Beast parses a
// header section as soon as it has bytes, but once it has had to wait, it waits for the empty
// line before parsing again, so where a header is both malformed and too long (or unfinished),
// how the bytes arrived decides which of 400, 431 or "wait for more" comes first. Every one of
// them ends the connection without a request; the requests before must be the same.
bool same_outcome(const std::vector<std::string>& a, const std::vector<std::string>& b) {
    if (a == b) return true;
    if (a.size() != b.size() || a.empty()) return false;
    if (!std::equal(a.begin(), a.end() - 1, b.begin())) return false;
    const auto no_request = [](const std::string& event) {
        return event.starts_with("incomplete") || event.starts_with("failed");
    };
    return no_request(a.back()) && no_request(b.back());
}

}  // namespace
}  // namespace taskapi

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace taskapi;
    if (size == 0) return 0;
    const std::size_t step = data[0] & 0x3F;
    const http::ReadLimits& limits = (data[0] & 0x80) != 0 ? kSmallLimits : kDefaultLimits;
    const std::string_view input = fuzz::as_view(data + 1, size - 1);
    const auto arrived = drive(input, step, limits);
    if (step != 0) {
        fuzz::check(same_outcome(arrived, drive(input, 0, limits)),
                    "the outcome does not depend on how the bytes arrive", input);
    }
    return 0;
}
