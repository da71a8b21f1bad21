// An in-memory RefreshTokenRepository for unit tests; the storage conformance suite proves it
// answers as the SQLite and PostgreSQL ones do.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "auth/refresh_token_repository.hpp"

namespace taskapi::fakes {

// Thread-safe: one mutex around the rows.
class InMemoryRefreshTokenRepository final : public auth::RefreshTokenRepository {
public:
    std::optional<auth::RefreshTokenRow> find(core::UserId user, std::string_view jti) override {
        const std::lock_guard lock(mutex_);
        const auto it = rows_.find(std::string(jti));
        if (it == rows_.end() || it->second.user != user) return std::nullopt;
        return it->second;
    }

    std::optional<auth::RefreshTokenRow> blacklist(const auth::RefreshTokenId& token) override {
        const std::lock_guard lock(mutex_);
        return deny(token, auth::RefreshTokenState::kBlacklisted);
    }

    std::optional<auth::RefreshTokenRow> rotate(const auth::RefreshTokenId& old,
                                                const auth::RefreshTokenId& replacement) override {
        const std::lock_guard lock(mutex_);
        if (auto before = deny(old, auth::RefreshTokenState::kRotated)) return before;
        const std::string family = rows_.at(old.jti).family;
        rows_.insert_or_assign(
            replacement.jti,
            auth::RefreshTokenRow{replacement.user, replacement.jti, family, replacement.expires_at,
                                  auth::RefreshTokenState::kIssued});
        return std::nullopt;
    }

    int revoke_family(core::UserId user, std::string_view family) override {
        const std::lock_guard lock(mutex_);
        return revoke_if([&](const auth::RefreshTokenRow& row) {
            return row.user == user && row.family == family;
        });
    }

    int revoke_user(core::UserId user) override {
        const std::lock_guard lock(mutex_);
        return revoke_if([&](const auth::RefreshTokenRow& row) { return row.user == user; });
    }

    int purge_expired(core::Timestamp now) override {
        const std::lock_guard lock(mutex_);
        const std::int64_t second = core::to_unix_seconds(now);
        return static_cast<int>(std::erase_if(
            rows_, [second](const auto& entry) { return entry.second.expires_at <= second; }));
    }

private:
    // Caller holds mutex_.
    std::optional<auth::RefreshTokenRow> deny(const auth::RefreshTokenId& token,
                                              auth::RefreshTokenState state) {
        const auto it = rows_.find(token.jti);
        if (it == rows_.end()) {
            rows_.emplace(token.jti, auth::RefreshTokenRow{token.user, token.jti, token.jti,
                                                           token.expires_at, state});
            return std::nullopt;
        }
        if (it->second.state != auth::RefreshTokenState::kIssued) return it->second;
        it->second.state = state;
        return std::nullopt;
    }

    template <typename Predicate>
    int revoke_if(Predicate matches) {
        int count = 0;
        for (auto& [jti, row] : rows_) {
            if (row.state == auth::RefreshTokenState::kIssued && matches(row)) {
                row.state = auth::RefreshTokenState::kRevoked;
                ++count;
            }
        }
        return count;
    }

    std::mutex mutex_;
    std::map<std::string, auth::RefreshTokenRow, std::less<>> rows_;
};

}  // namespace taskapi::fakes
