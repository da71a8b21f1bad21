#include "http/request.hpp"

#include <gtest/gtest.h>

namespace taskapi::http {
namespace {

Request from(const char* peer, std::optional<std::string> forwarded_for) {
    Request r;
    r.remote_address = peer;
    r.forwarded_for = std::move(forwarded_for);
    return r;
}

TEST(ClientAddress, WithoutProxiesIsThePeerWhateverTheHeaderSays) {
    EXPECT_EQ(client_address(from("192.0.2.1", std::nullopt), 0), "192.0.2.1");
    EXPECT_EQ(client_address(from("192.0.2.1", "203.0.113.9"), 0), "192.0.2.1");
}

TEST(ClientAddress, WithOneProxyIsTheEntryItAdded) {
    EXPECT_EQ(client_address(from("10.0.0.1", "203.0.113.9"), 1), "203.0.113.9");
    // what the client wrote itself comes first; only the last entry is the proxy's
    EXPECT_EQ(client_address(from("10.0.0.1", "1.2.3.4, 203.0.113.9"), 1), "203.0.113.9");
    EXPECT_EQ(client_address(from("10.0.0.1", "1.2.3.4,203.0.113.9"), 1), "203.0.113.9");
    EXPECT_EQ(client_address(from("10.0.0.1", " 203.0.113.9 "), 1), "203.0.113.9");
}

TEST(ClientAddress, WithTwoProxiesIsTheEntryTheOuterOneAdded) {
    EXPECT_EQ(client_address(from("10.0.0.1", "1.2.3.4, 203.0.113.9, 10.0.0.2"), 2), "203.0.113.9");
    // fewer entries than proxies: the first one there is
    EXPECT_EQ(client_address(from("10.0.0.1", "203.0.113.9"), 2), "203.0.113.9");
}

TEST(ClientAddress, FallsBackToThePeerWhenThereIsNothingUsable) {
    EXPECT_EQ(client_address(from("10.0.0.1", std::nullopt), 1), "10.0.0.1");
    EXPECT_EQ(client_address(from("10.0.0.1", ""), 1), "10.0.0.1");
    EXPECT_EQ(client_address(from("10.0.0.1", "203.0.113.9, "), 1), "10.0.0.1");
}

}  // namespace
}  // namespace taskapi::http
