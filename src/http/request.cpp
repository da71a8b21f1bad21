#include "http/request.hpp"

#include <algorithm>
#include <vector>

#include "core/text.hpp"

namespace taskapi::http {

std::string client_address(const Request& request, int num_proxies) {
    if (num_proxies <= 0 || !request.forwarded_for) return request.remote_address;
    // Each proxy appends the address it received the request from; count from the right.
    std::vector<std::string_view> entries;
    std::string_view rest = *request.forwarded_for;
    while (true) {
        const auto comma = rest.find(',');
        entries.push_back(core::trim_blanks(rest.substr(0, comma)));
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
    }
    const auto index =
        entries.size() - std::min(entries.size(), static_cast<std::size_t>(num_proxies));
    const auto entry = entries[index];
    return entry.empty() ? request.remote_address : std::string(entry);
}

}  // namespace taskapi::http
