// Micro-benchmarks of what every request does: JWT verification, task JSON rendering, body
// validation, and (once per login) password hashing.
#include <benchmark/benchmark.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <vector>

#include "auth/jwt.hpp"
#include "auth/token_service.hpp"
#include "core/clock.hpp"
#include "passwords/password_hasher.hpp"
#include "tasks/task_json.hpp"

namespace {

using namespace taskapi;

constexpr std::string_view kKey = "micro-benchmark-signing-key-0123456789abcdef";

std::string fresh_access_token() {
    const core::SystemClock clock;
    const auth::TokenService tokens{auth::TokenSettings{std::string(kKey)}, clock};
    return tokens.issue_pair(core::UserId{42}).access;
}

// The full check (signature, base64url, JSON claims): what a token costs the first time.
void BM_JwtVerifyHs256(benchmark::State& state) {
    const std::string token = fresh_access_token();
    const double now = static_cast<double>(core::to_unix_seconds(core::SystemClock{}.now()));
    for (auto _ : state) benchmark::DoNotOptimize(auth::verify_hs256(token, kKey, now));
}
BENCHMARK(BM_JwtVerifyHs256);

// TokenService::verify_access: after the first use, a remembered token only has its expiry checked.
void BM_TokenServiceVerifyAccessRepeated(benchmark::State& state) {
    const core::SystemClock clock;
    const auth::TokenService tokens{auth::TokenSettings{std::string(kKey)}, clock};
    const std::string token = tokens.issue_pair(core::UserId{42}).access;
    for (auto _ : state) benchmark::DoNotOptimize(tokens.verify_access(token));
}
BENCHMARK(BM_TokenServiceVerifyAccessRepeated);

void BM_TasksToJson20(benchmark::State& state) {
    std::vector<tasks::Task> list;
    const auto now = core::SystemClock{}.now();
    for (int i = 1; i <= 20; ++i) {
        tasks::Task t;
        t.id = core::TaskId{i};
        t.title = "Buy milk and bread for the week, task " + std::to_string(i);
        t.description = "Semi-skimmed, two litres; wholemeal bread";
        t.completed = i % 3 == 0;
        t.owner = core::UserId{7};
        t.created_at = now;
        t.updated_at = now;
        list.push_back(std::move(t));
    }
    for (auto _ : state) benchmark::DoNotOptimize(tasks::tasks_to_json(list));
}
BENCHMARK(BM_TasksToJson20);

void BM_ValidateTaskBody(benchmark::State& state) {
    const boost::json::value body = boost::json::parse(
        R"({"title":"  Buy oat milk  ","description":"1 litre","completed":"yes","owner":2})");
    for (auto _ : state) benchmark::DoNotOptimize(tasks::new_task_from_input(body, false));
}
BENCHMARK(BM_ValidateTaskBody);

// One login: an Argon2id verification with the production parameters (m = 7 MiB, t = 5).
void BM_Argon2idVerify(benchmark::State& state) {
    const passwords::Argon2idHasher hasher;
    const std::string hash = hasher.hash("correct horse battery staple");
    for (auto _ : state)
        benchmark::DoNotOptimize(hasher.verify(hash, "correct horse battery staple"));
}
BENCHMARK(BM_Argon2idVerify)->Unit(benchmark::kMillisecond);

}  // namespace
