#include "app/config.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

namespace taskapi::app {
namespace {

using namespace std::chrono_literals;

const std::string kGoodKey(32, 'k');

// --- parse_dotenv ----------------------------------------------------------------------------

TEST(ParseDotenv, ReadsKeyValueLines) {
    const Environment env = parse_dotenv("A=1\nB=two words\n");
    EXPECT_EQ(env, (Environment{{"A", "1"}, {"B", "two words"}}));
}

TEST(ParseDotenv, SkipsBlankLinesAndComments) {
    const Environment env = parse_dotenv("\n# a comment\n   # indented comment\n\nA=1\n   \n");
    EXPECT_EQ(env, (Environment{{"A", "1"}}));
}

TEST(ParseDotenv, RemovesExport) {
    EXPECT_EQ(parse_dotenv("export TASKAPI_PORT=9000\n"), (Environment{{"TASKAPI_PORT", "9000"}}));
}

TEST(ParseDotenv, RemovesMatchingQuotes) {
    const Environment env =
        parse_dotenv("A=\"double quoted\"\nB='single quoted'\nC=\"mismatch'\nD=\"\"\n");
    EXPECT_EQ(env.at("A"), "double quoted");
    EXPECT_EQ(env.at("B"), "single quoted");
    EXPECT_EQ(env.at("C"), "\"mismatch'");
    EXPECT_EQ(env.at("D"), "");
}

TEST(ParseDotenv, TrimsSpacesAroundKeysAndValues) {
    EXPECT_EQ(parse_dotenv("  A  =  1  \n"), (Environment{{"A", "1"}}));
    EXPECT_EQ(parse_dotenv("A=\" padded \"\n").at("A"), " padded ");
}

TEST(ParseDotenv, AcceptsWindowsLineEnds) {
    EXPECT_EQ(parse_dotenv("A=1\r\nB=2\r\n"), (Environment{{"A", "1"}, {"B", "2"}}));
}

TEST(ParseDotenv, KeepsEqualsSignsInValues) {
    EXPECT_EQ(parse_dotenv("TASKAPI_SECRET_KEY=abc=def==\n").at("TASKAPI_SECRET_KEY"), "abc=def==");
}

TEST(ParseDotenv, SkipsLinesWithoutAnEqualsSignOrKey) {
    EXPECT_EQ(parse_dotenv("JUST_A_NAME\n=value\nA=1"), (Environment{{"A", "1"}}));
}

TEST(ParseDotenv, LaterLinesWin) {
    EXPECT_EQ(parse_dotenv("A=1\nA=2\n"), (Environment{{"A", "2"}}));
}

// --- config_from_environment -----------------------------------------------------------------

TEST(ConfigFromEnvironment, HasDefaults) {
    const auto config = config_from_environment({});
    ASSERT_TRUE(config.has_value());
    EXPECT_EQ(config->secret_key, "");
    EXPECT_EQ(config->database_url, "sqlite:///db.sqlite3");
    EXPECT_EQ(config->host, "127.0.0.1");
    EXPECT_EQ(config->port, 8000);
    EXPECT_GE(config->threads, 1);
    EXPECT_EQ(config->access_token_lifetime, 300s);
    EXPECT_EQ(config->refresh_token_lifetime, 86400s);
    EXPECT_EQ(config->log_level, core::LogLevel::kInfo);
}

TEST(ConfigFromEnvironment, DefaultThreadsIsTheNumberOfCores) {
    const auto config = config_from_environment({});
    ASSERT_TRUE(config.has_value());
    const unsigned cores = std::thread::hardware_concurrency();
    EXPECT_EQ(config->threads, cores == 0 ? 1 : static_cast<int>(cores));
}

TEST(ConfigFromEnvironment, ReadsEverySetting) {
    const auto config = config_from_environment({
        {"TASKAPI_SECRET_KEY", kGoodKey},
        {"TASKAPI_DATABASE_URL", "sqlite:////var/lib/taskapi/db.sqlite3"},
        {"TASKAPI_HOST", "0.0.0.0"},
        {"TASKAPI_PORT", "9000"},
        {"TASKAPI_THREADS", "3"},
        {"TASKAPI_ACCESS_TOKEN_LIFETIME", "60"},
        {"TASKAPI_REFRESH_TOKEN_LIFETIME", "3600"},
        {"TASKAPI_LOG_LEVEL", "debug"},
    });
    ASSERT_TRUE(config.has_value()) << config.error().message;
    EXPECT_EQ(config->secret_key, kGoodKey);
    EXPECT_EQ(config->database_url, "sqlite:////var/lib/taskapi/db.sqlite3");
    EXPECT_EQ(config->host, "0.0.0.0");
    EXPECT_EQ(config->port, 9000);
    EXPECT_EQ(config->threads, 3);
    EXPECT_EQ(config->access_token_lifetime, 60s);
    EXPECT_EQ(config->refresh_token_lifetime, 3600s);
    EXPECT_EQ(config->log_level, core::LogLevel::kDebug);
}

TEST(ConfigFromEnvironment, IgnoresOtherVariables) {
    const auto config = config_from_environment({{"PATH", "/bin"}, {"TASKAPI_UNKNOWN", "x"}});
    EXPECT_TRUE(config.has_value());
}

TEST(ConfigFromEnvironment, AcceptsPortZeroAndTheEdges) {
    EXPECT_EQ(config_from_environment({{"TASKAPI_PORT", "0"}})->port, 0);
    EXPECT_EQ(config_from_environment({{"TASKAPI_PORT", "65535"}})->port, 65535);
    EXPECT_EQ(config_from_environment({{"TASKAPI_THREADS", "256"}})->threads, 256);
}

// Each invalid value is refused with a message that starts with the setting's name.
void expect_refused(const std::string& setting, const std::string& value) {
    const auto config = config_from_environment({{setting, value}});
    ASSERT_FALSE(config.has_value()) << setting << "=" << value;
    EXPECT_EQ(config.error().code, core::ErrorCode::kInvalidArgument);
    EXPECT_EQ(config.error().message.rfind(setting, 0), 0u) << config.error().message;
}

TEST(ConfigFromEnvironment, RefusesABadPort) {
    for (const char* v : {"", "http", "-1", "65536", "80.5", "99999999999999999999"}) {
        expect_refused("TASKAPI_PORT", v);
    }
}

TEST(ConfigFromEnvironment, RefusesABadThreadCount) {
    for (const char* v : {"", "0", "-2", "257", "many"}) expect_refused("TASKAPI_THREADS", v);
}

TEST(ConfigFromEnvironment, DatabaseThreads) {
    EXPECT_EQ(config_from_environment({})->db_threads, std::nullopt);
    EXPECT_EQ(config_from_environment({{"TASKAPI_DB_THREADS", "0"}})->db_threads, 0);
    EXPECT_EQ(config_from_environment({{"TASKAPI_DB_THREADS", "1024"}})->db_threads, 1024);
    for (const char* v : {"", "-1", "1025", "auto"}) expect_refused("TASKAPI_DB_THREADS", v);
}

TEST(ConfigFromEnvironment, MetricsAddress) {
    const auto with = [](const char* value) {
        return config_from_environment({{"TASKAPI_METRICS_ADDRESS", value}}).value();
    };
    const Config main_port = with("");
    EXPECT_FALSE(main_port.metrics_off);
    EXPECT_EQ(main_port.metrics_host, "");
    EXPECT_TRUE(with("off").metrics_off);
    EXPECT_EQ(with("127.0.0.1:9464").metrics_host, "127.0.0.1");
    EXPECT_EQ(with("127.0.0.1:9464").metrics_port, 9464);
    EXPECT_EQ(with("[::1]:0").metrics_host, "::1");
    EXPECT_EQ(with("[::1]:0").metrics_port, 0);
    EXPECT_EQ(with("0.0.0.0:9464").metrics_host, "0.0.0.0");
    for (const char* v : {"9464", ":9464", "127.0.0.1", "127.0.0.1:", "::1:9464", "[]:9464",
                          "127.0.0.1:65536", "on"}) {
        expect_refused("TASKAPI_METRICS_ADDRESS", v);
    }
}

TEST(DatabaseThreadsFor, NoneForAnEmbeddedDatabaseUnlessSet) {
    Config c;
    EXPECT_EQ(*database_threads_for(c, false), 0);
    c.db_threads = 3;
    EXPECT_EQ(*database_threads_for(c, false), 3);
}

TEST(DatabaseThreadsFor, FourPerCoreForADatabaseServer) {
    Config c;
    const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    EXPECT_EQ(*database_threads_for(c, true), 4 * cores);
    c.db_threads = 7;
    EXPECT_EQ(*database_threads_for(c, true), 7);
}

TEST(DatabaseThreadsFor, RefusesNoneForADatabaseServer) {
    Config c;
    c.db_threads = 0;
    const auto threads = database_threads_for(c, true);
    ASSERT_FALSE(threads.has_value());
    EXPECT_EQ(threads.error().message.rfind("TASKAPI_DB_THREADS: ", 0), 0u);
}

TEST(StorageOptions, ThePoolHasAConnectionForEveryThreadThatUsesIt) {
    // The database threads, and the login threads (one per core) that look users up.
    const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    const Config c;
    EXPECT_EQ(c.db_pool_size, std::nullopt);
    EXPECT_EQ(storage_options(c, 8).pool_size, 8 + cores);
    EXPECT_EQ(storage_options(c).pool_size, cores);
}

TEST(ConfigFromEnvironment, ReadsTheDatabaseStartTimeout) {
    EXPECT_EQ(config_from_environment({})->db_start_timeout, 60s);
    EXPECT_EQ(config_from_environment({{"TASKAPI_DB_START_TIMEOUT", "0"}})->db_start_timeout, 0s);
    EXPECT_EQ(config_from_environment({{"TASKAPI_DB_START_TIMEOUT", "600"}})->db_start_timeout,
              600s);
    for (const char* v : {"", "-1", "1.5", "86401", "soon"}) {
        expect_refused("TASKAPI_DB_START_TIMEOUT", v);
    }
}

TEST(ConfigFromEnvironment, RefusesBadTokenLifetimes) {
    for (const char* v : {"", "0", "-5", "5m", "1.5", "999999999999"}) {
        expect_refused("TASKAPI_ACCESS_TOKEN_LIFETIME", v);
        expect_refused("TASKAPI_REFRESH_TOKEN_LIFETIME", v);
    }
}

TEST(ConfigFromEnvironment, RefusesAnUnknownLogLevel) {
    for (const char* v : {"", "verbose", "INFO ", "trace"}) expect_refused("TASKAPI_LOG_LEVEL", v);
}

TEST(ConfigFromEnvironment, RegistrationIsOffUnlessSet) {
    EXPECT_FALSE(config_from_environment({})->allow_registration);
    EXPECT_TRUE(config_from_environment({{"TASKAPI_ALLOW_REGISTRATION", "1"}})->allow_registration);
    EXPECT_TRUE(
        config_from_environment({{"TASKAPI_ALLOW_REGISTRATION", "true"}})->allow_registration);
    EXPECT_FALSE(
        config_from_environment({{"TASKAPI_ALLOW_REGISTRATION", "0"}})->allow_registration);
    EXPECT_FALSE(
        config_from_environment({{"TASKAPI_ALLOW_REGISTRATION", "false"}})->allow_registration);
    for (const char* v : {"", "True", "yes", "on", "2", " 1"}) {
        expect_refused("TASKAPI_ALLOW_REGISTRATION", v);
    }
}

TEST(ConfigFromEnvironment, RefusesAnEmptyHost) { expect_refused("TASKAPI_HOST", ""); }

TEST(ConfigFromEnvironment, RefusesADatabaseUrlItCannotServe) {
    for (const char* v :
         {"", "mysql://db/x", "sqlite://relative", "sqlite:///", "sqlite:////tmp/"}) {
        expect_refused("TASKAPI_DATABASE_URL", v);
    }
}

TEST(ConfigFromEnvironment, ReadsPostgresUrlsInEveryLibpqForm) {
    for (const char* v : {"postgresql://taskapi:pw@db.example.com:5432/taskapi?sslmode=require",
                          "postgres://db/taskapi", "postgresql:///taskapi?host=/run/postgresql",
                          "host=db dbname=taskapi user=taskapi password=pw"}) {
        const auto config = config_from_environment({{"TASKAPI_DATABASE_URL", v}});
        ASSERT_TRUE(config.has_value()) << v << ": " << config.error().message;
        EXPECT_EQ(config->database_url, v);
    }
}

TEST(ConfigFromEnvironment, ABadPostgresUrlIsRefusedWithoutItsPassword) {
    for (const char* v : {"postgresql://taskapi:s3cret@db/taskapi?nosuchoption=1",
                          "password=s3cret host", "host=db password=s3cret nosuchkey=x"}) {
        expect_refused("TASKAPI_DATABASE_URL", v);
        const auto config = config_from_environment({{"TASKAPI_DATABASE_URL", v}});
        ASSERT_FALSE(config.has_value());
        EXPECT_EQ(config.error().message.find("s3cret"), std::string::npos)
            << config.error().message;
    }
}

TEST(ConfigFromEnvironment, ReadsTheAuthHeaderTypes) {
    EXPECT_EQ(config_from_environment({})->auth_header_types, std::vector<std::string>{"Bearer"});
    EXPECT_EQ(config_from_environment({{"TASKAPI_AUTH_HEADER_TYPES", "JWT"}})->auth_header_types,
              std::vector<std::string>{"JWT"});
    EXPECT_EQ(config_from_environment({{"TASKAPI_AUTH_HEADER_TYPES", " Bearer , JWT "}})
                  ->auth_header_types,
              (std::vector<std::string>{"Bearer", "JWT"}));
    for (const char* v : {"", ",", "Bearer,", "Bearer JWT", "Bea\"rer", "a,b,c,d,e,f,g,h,i"}) {
        expect_refused("TASKAPI_AUTH_HEADER_TYPES", v);
    }
}

TEST(ConfigFromEnvironment, ReadsTheDatabaseTimeoutAndPoolSize) {
    const auto config = config_from_environment(
        {{"TASKAPI_DB_STATEMENT_TIMEOUT", "2"}, {"TASKAPI_DB_POOL_SIZE", "32"}});
    ASSERT_TRUE(config.has_value()) << config.error().message;
    EXPECT_EQ(config->db_statement_timeout, 2s);
    EXPECT_EQ(config->db_pool_size, 32);
    const auto options = storage_options(*config, 8);
    EXPECT_EQ(options.statement_timeout, std::chrono::milliseconds{2000});
    EXPECT_EQ(options.pool_size, 32);
    for (const char* v : {"", "0", "-1", "1.5", "3601"}) {
        expect_refused("TASKAPI_DB_STATEMENT_TIMEOUT", v);
    }
    for (const char* v : {"", "0", "1001", "many"}) expect_refused("TASKAPI_DB_POOL_SIZE", v);
}

TEST(ConfigFromEnvironment, ReadsEachLogLevel) {
    EXPECT_EQ(config_from_environment({{"TASKAPI_LOG_LEVEL", "info"}})->log_level,
              core::LogLevel::kInfo);
    EXPECT_EQ(config_from_environment({{"TASKAPI_LOG_LEVEL", "warning"}})->log_level,
              core::LogLevel::kWarning);
    EXPECT_EQ(config_from_environment({{"TASKAPI_LOG_LEVEL", "error"}})->log_level,
              core::LogLevel::kError);
}

// --- check_for_serving -----------------------------------------------------------------------

TEST(CheckForServing, RefusesAMissingSecretKey) {
    const auto status = check_for_serving(Config{});
    ASSERT_FALSE(status.has_value());
    EXPECT_EQ(status.error().code, core::ErrorCode::kInvalidArgument);
    EXPECT_EQ(status.error().message.rfind("TASKAPI_SECRET_KEY", 0), 0u) << status.error().message;
}

TEST(CheckForServing, RefusesASecretKeyShorterThan32Bytes) {
    Config config;
    config.secret_key = std::string(31, 'k');
    const auto status = check_for_serving(config);
    ASSERT_FALSE(status.has_value());
    EXPECT_EQ(status.error().message.rfind("TASKAPI_SECRET_KEY", 0), 0u) << status.error().message;
}

TEST(CheckForServing, AcceptsA32ByteSecretKey) {
    Config config;
    config.secret_key = kGoodKey;
    EXPECT_TRUE(check_for_serving(config).has_value());
}

TEST(CheckForServing, NeverPutsTheKeyInTheMessage) {
    Config config;
    config.secret_key = "short-secret-value";
    const auto status = check_for_serving(config);
    ASSERT_FALSE(status.has_value());
    EXPECT_EQ(status.error().message.find("short-secret-value"), std::string::npos);
}

// --- parse_port and parse_threads (also used for flags) --------------------------------------

TEST(ParsePort, NamesTheSettingItWasGiven) {
    const auto port = parse_port("x", "--port");
    ASSERT_FALSE(port.has_value());
    EXPECT_EQ(port.error().message.rfind("--port", 0), 0u);
    EXPECT_EQ(parse_port(" 8080 ", "--port").value(), 8080);
}

TEST(ParseThreads, NamesTheSettingItWasGiven) {
    const auto threads = parse_threads("0", "--threads");
    ASSERT_FALSE(threads.has_value());
    EXPECT_EQ(threads.error().message.rfind("--threads", 0), 0u);
    EXPECT_EQ(parse_threads("4", "--threads").value(), 4);
}

}  // namespace
}  // namespace taskapi::app

namespace taskapi::app {
namespace {

TEST(ConfigFromEnvironment, LoginThrottlingDefaults) {
    const auto config = config_from_environment({});
    ASSERT_TRUE(config.has_value());
    EXPECT_EQ(config->login_rates.per_address, (auth::Rate{20, std::chrono::seconds{60}}));
    EXPECT_EQ(config->login_rates.failures_per_username_address,
              (auth::Rate{10, std::chrono::seconds{60}}));
    EXPECT_EQ(config->login_rates.failures_per_username,
              (auth::Rate{100, std::chrono::seconds{3600}}));
}

TEST(ConfigFromEnvironment, ReadsTheLoginRatesOnce) {
    const auto config =
        config_from_environment({{"TASKAPI_LOGIN_RATE_PER_ADDRESS", "3/s"},
                                 {"TASKAPI_LOGIN_FAILURE_RATE_PER_USERNAME_ADDRESS", "5/min"},
                                 {"TASKAPI_LOGIN_FAILURE_RATE_PER_USERNAME", "off"}});
    ASSERT_TRUE(config.has_value()) << config.error().message;
    EXPECT_EQ(config->login_rates.per_address, (auth::Rate{3, std::chrono::seconds{1}}));
    EXPECT_EQ(config->login_rates.failures_per_username_address,
              (auth::Rate{5, std::chrono::seconds{60}}));
    EXPECT_EQ(config->login_rates.failures_per_username, std::nullopt);
    for (const char* v : {"", "5", "5/week"}) {
        expect_refused("TASKAPI_LOGIN_RATE_PER_ADDRESS", v);
        expect_refused("TASKAPI_LOGIN_FAILURE_RATE_PER_USERNAME_ADDRESS", v);
        expect_refused("TASKAPI_LOGIN_FAILURE_RATE_PER_USERNAME", v);
    }
}

TEST(ConfigFromEnvironment, TheRetiredPerUsernameRateNamesItsReplacements) {
    for (const char* v : {"10/min", "off", ""}) {
        expect_refused("TASKAPI_LOGIN_RATE_PER_USERNAME", v);
        const auto config = config_from_environment({{"TASKAPI_LOGIN_RATE_PER_USERNAME", v}});
        ASSERT_FALSE(config.has_value());
        EXPECT_NE(config.error().message.find("TASKAPI_LOGIN_FAILURE_RATE_PER_USERNAME_ADDRESS"),
                  std::string::npos);
        EXPECT_NE(config.error().message.find("TASKAPI_LOGIN_FAILURE_RATE_PER_USERNAME "),
                  std::string::npos);
    }
}

}  // namespace
}  // namespace taskapi::app

namespace taskapi::app {
namespace {

TEST(ConfigFromEnvironment, AllowedHosts) {
    const auto defaults = config_from_environment({});
    EXPECT_TRUE(defaults->allowed_hosts.allows("localhost:8000"));
    EXPECT_FALSE(defaults->allowed_hosts.allows("example.com"));
    const auto set = config_from_environment({{"TASKAPI_ALLOWED_HOSTS", ".example.com, api.test"}});
    EXPECT_TRUE(set->allowed_hosts.allows("www.example.com"));
    EXPECT_TRUE(set->allowed_hosts.allows("api.test:443"));
    EXPECT_FALSE(set->allowed_hosts.allows("localhost"));
    for (const char* v : {"", " , "}) expect_refused("TASKAPI_ALLOWED_HOSTS", v);
}

TEST(ConfigFromEnvironment, Cors) {
    const auto defaults = config_from_environment({});
    EXPECT_FALSE(defaults->cors.is_enabled());
    EXPECT_FALSE(defaults->cors_allow_credentials);
    const auto set =
        config_from_environment({{"TASKAPI_CORS_ALLOWED_ORIGINS", "http://a.test, *"}});
    EXPECT_FALSE(set.has_value());
    const auto on = config_from_environment({{"TASKAPI_CORS_ALLOWED_ORIGINS", "http://a.test"},
                                             {"TASKAPI_CORS_ALLOW_CREDENTIALS", "true"}});
    ASSERT_TRUE(on.has_value());
    EXPECT_TRUE(on->cors.is_enabled());
    EXPECT_TRUE(on->cors_allow_credentials);
    for (const char* v : {"localhost:5173", "http://a.test/", "*,null"}) {
        expect_refused("TASKAPI_CORS_ALLOWED_ORIGINS", v);
    }
    for (const char* v : {"", "2", "yes", "True"}) {
        expect_refused("TASKAPI_CORS_ALLOW_CREDENTIALS", v);
    }
}

TEST(ConfigFromEnvironment, ReadsTheRefreshTokenSettings) {
    const auto defaults = config_from_environment({});
    ASSERT_TRUE(defaults.has_value());
    EXPECT_FALSE(defaults->rotate_refresh_tokens);  // off, as SimpleJWT's
    EXPECT_FALSE(defaults->blacklist_after_rotation);
    const auto on = config_from_environment(
        {{"TASKAPI_ROTATE_REFRESH_TOKENS", "true"}, {"TASKAPI_BLACKLIST_AFTER_ROTATION", "true"}});
    ASSERT_TRUE(on.has_value());
    EXPECT_TRUE(on->rotate_refresh_tokens);
    EXPECT_TRUE(on->blacklist_after_rotation);
    const auto off = config_from_environment({{"TASKAPI_ROTATE_REFRESH_TOKENS", "false"},
                                              {"TASKAPI_BLACKLIST_AFTER_ROTATION", "false"}});
    ASSERT_TRUE(off.has_value());
    EXPECT_FALSE(off->rotate_refresh_tokens);
    EXPECT_FALSE(off->blacklist_after_rotation);
    EXPECT_TRUE(config_from_environment({{"TASKAPI_ROTATE_REFRESH_TOKENS", "1"}})
                    ->rotate_refresh_tokens);  // 1 and 0 too, as every boolean setting
    for (const char* v : {"", "2", "yes", "True", "on"}) {
        expect_refused("TASKAPI_ROTATE_REFRESH_TOKENS", v);
        expect_refused("TASKAPI_BLACKLIST_AFTER_ROTATION", v);
    }
}

TEST(ConfigFromEnvironment, TaskListPagination) {
    const auto defaults = config_from_environment({});
    EXPECT_FALSE(defaults->page_size.has_value());  // the bare array
    EXPECT_EQ(defaults->max_page_size, 100);        // the reference's DJANGO_MAX_PAGE_SIZE
    const auto on = config_from_environment(
        {{"TASKAPI_PAGE_SIZE", "20"}, {"TASKAPI_MAX_PAGE_SIZE", "1000000"}});
    ASSERT_TRUE(on.has_value());
    EXPECT_EQ(on->page_size, 20);
    EXPECT_EQ(on->max_page_size, 1000000);
    const auto off = config_from_environment({{"TASKAPI_PAGE_SIZE", ""}});
    ASSERT_TRUE(off.has_value());
    EXPECT_FALSE(off->page_size.has_value());
    for (const char* v : {"0", "-1", "x", "1000001", "2.5"}) {
        expect_refused("TASKAPI_PAGE_SIZE", v);
        expect_refused("TASKAPI_MAX_PAGE_SIZE", v);
    }
    expect_refused("TASKAPI_MAX_PAGE_SIZE", "");
}

// The table's defaults and Config's cannot drift apart: each default, read as a setting, gives
// what Config holds without it.
TEST(SettingsTable, EveryLiteralDefaultIsConfigsDefault) {
    const auto defaults = config_from_environment({});
    ASSERT_TRUE(defaults.has_value());
    const auto literal = settings_with_literal_defaults();
    EXPECT_GE(literal.size(), 15u);
    for (const auto& [name, value] : literal) {
        const auto read = config_from_environment({{name, value}});
        ASSERT_TRUE(read.has_value()) << name << ": " << read.error().message;
        EXPECT_EQ(*read, *defaults) << name << " = " << value;
    }
}

TEST(SettingsTable, ListsEverySettingOnceAsAMarkdownTable) {
    const std::string table = settings_table_markdown();
    EXPECT_EQ(table.rfind("| setting | default | meaning |\n|---|---|---|\n", 0), 0u);
    for (const char* name :
         {"TASKAPI_SECRET_KEY", "TASKAPI_THREADS", "TASKAPI_DB_THREADS", "TASKAPI_ALLOWED_HOSTS",
          "TASKAPI_MAX_CONNECTIONS_PER_ADDRESS", "TASKAPI_SQLITE_SYNCHRONOUS"}) {
        const std::string cell = std::string("| `") + name + "` |";
        EXPECT_NE(table.find(cell), std::string::npos) << name;
        EXPECT_EQ(table.find(cell), table.rfind(cell)) << name;
    }
    EXPECT_EQ(table.find("| `TASKAPI_LOGIN_RATE_PER_USERNAME` |"), std::string::npos)
        << "a retired setting is refused, not offered";
}

}  // namespace
}  // namespace taskapi::app
