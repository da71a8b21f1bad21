#include "http/allowed_hosts.hpp"

#include <gtest/gtest.h>

namespace taskapi::http {
namespace {

AllowedHosts hosts(std::string_view setting) { return AllowedHosts::parse(setting).value(); }

TEST(AllowedHosts, DjangosDebugDefaultsAllowLoopbackOnly) {
    const auto h = hosts("localhost,127.0.0.1,[::1]");
    for (const char* ok : {"localhost", "LOCALHOST:8000", "127.0.0.1", "127.0.0.1:41234", "[::1]",
                           "[::1]:8000", "localhost."}) {
        EXPECT_TRUE(h.allows(ok)) << ok;
    }
    for (const char* refused :
         {"example.com", "127.0.0.2", "[::2]", "localhost.example.com", "mylocalhost", "", "::1"}) {
        EXPECT_FALSE(h.allows(refused)) << refused;
    }
}

TEST(AllowedHosts, ALeadingDotIsTheDomainAndItsSubdomains) {
    const auto h = hosts(".example.com");
    for (const char* ok :
         {"example.com", "api.example.com", "a.b.example.com:443", "EXAMPLE.COM"}) {
        EXPECT_TRUE(h.allows(ok)) << ok;
    }
    for (const char* refused : {"badexample.com", "example.com.evil", "example.org"}) {
        EXPECT_FALSE(h.allows(refused)) << refused;
    }
}

TEST(AllowedHosts, AStarIsAnyWellFormedHost) {
    const auto h = hosts("*");
    for (const char* ok : {"example.com", "10.1.2.3:80", "[2001:db8::1]:8443"}) {
        EXPECT_TRUE(h.allows(ok)) << ok;
    }
    // As Django: a malformed Host is refused whatever the patterns.
    for (const char* refused :
         {"", "exa_mple.com", "a b", "host:port", "host:", "[::1", "[zz]", "[::1]x",
          "example.com/path", "user@example.com", "ex\xc3\xa4mple.com"}) {
        EXPECT_FALSE(h.allows(refused)) << refused;
    }
}

TEST(AllowedHosts, PatternsAreTrimmedAndCaseInsensitive) {
    const auto h = hosts(" API.Example.com , ,other.test ");
    EXPECT_TRUE(h.allows("api.example.com"));
    EXPECT_TRUE(h.allows("other.test:1"));
    EXPECT_FALSE(h.allows("example.com"));
}

TEST(AllowedHosts, AnEmptyListIsRefused) {
    for (const char* setting : {"", " ", ",", " , "}) {
        EXPECT_FALSE(AllowedHosts::parse(setting).has_value()) << setting;
    }
}

TEST(AllowedHosts, MorePatternsCanBeAdded) {
    auto h = hosts("localhost");
    EXPECT_FALSE(h.allows("0.0.0.0:8000"));
    h.add("0.0.0.0");
    EXPECT_TRUE(h.allows("0.0.0.0:8000"));
}

}  // namespace
}  // namespace taskapi::http
