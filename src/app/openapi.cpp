#include "app/openapi.hpp"

#include <algorithm>
#include <array>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "auth/auth_handlers.hpp"
#include "auth/registration_handler.hpp"
#include "serializers/fields.hpp"
#include "tasks/task_json.hpp"
#include "tasks/task_list_query.hpp"

namespace taskapi::app {
namespace {

namespace json = boost::json;
using serializers::Field;
using serializers::FieldTable;
using serializers::FieldType;

constexpr std::string_view kSecurityScheme = "jwtAuth";
constexpr std::string_view kSchemaPattern = "/api/schema/";
constexpr std::string_view kOpenApiJsonType = "application/vnd.oai.openapi+json";
constexpr std::string_view kOpenApiYamlType = "application/vnd.oai.openapi";

// What an operation answers on success.
enum class Answer {
    kAnyJson,        // an undescribed route: some JSON
    kNoContent,      // 204, no body
    kEmptyObject,    // {}
    kApiRoot,        // {"tasks": url}
    kStatus,         // {"status": "ok"}
    kMe,             // {"id", "username"}
    kTokenPair,      // {"refresh", "access"}
    kTokenRefresh,   // {"access"} (+ "refresh" with rotation)
    kSerializer,     // the fields of the operation's table that an answer holds
    kTaskList,       // a bare array of tasks, or DRF's pagination envelope
    kSchema,         // this document
};

// One operation as the API answers it: the serializer its body is validated with (the same
// table), what it answers, and which errors it has beyond those every route has.
struct Operation {
    std::string_view pattern;
    std::string_view method;  // lower case, as OpenAPI keys operations
    std::string_view operation_id;
    std::string_view summary;
    FieldTable fields;             // the serializer: its request body and kSerializer's answer
    std::string_view component;    // the serializer's component name, e.g. "Task"
    bool partial = false;          // PATCH: no field required
    int status = 200;
    Answer answer = Answer::kAnyJson;
    bool list_parameters = false;  // tasks::kTaskListParameters
    bool credentials_refused = false;  // 401 although the view does not authenticate (tokens)
    bool throttled = false;            // 429 with Retry-After (the login rates)
    bool object_lookup = false;        // 404 for an id no task of the caller's has
};

constexpr std::array kOperations{
    Operation{.pattern = "/api/",
              .method = "get",
              .operation_id = "api_root",
              .summary = "The links of the API's resources.",
              .answer = Answer::kApiRoot},
    Operation{.pattern = "/api/health/",
              .method = "get",
              .operation_id = "health_retrieve",
              .summary = "Liveness: the process answers (the database is not asked).",
              .answer = Answer::kStatus},
    Operation{.pattern = "/api/ready/",
              .method = "get",
              .operation_id = "ready_retrieve",
              .summary = "Readiness: the database answers too (503 when it does not).",
              .answer = Answer::kStatus},
    Operation{.pattern = "/api/me/",
              .method = "get",
              .operation_id = "me_retrieve",
              .summary = "The authenticated user.",
              .answer = Answer::kMe},
    Operation{.pattern = "/api/auth/token/",
              .method = "post",
              .operation_id = "auth_token_create",
              .summary = "Log in: an access and refresh token pair for a username and password.",
              .fields = auth::kTokenObtainPairFields,
              .component = "TokenObtainPair",
              .answer = Answer::kTokenPair,
              .credentials_refused = true,
              .throttled = true},
    Operation{.pattern = "/api/auth/token/refresh/",
              .method = "post",
              .operation_id = "auth_token_refresh_create",
              .summary = "A new access token for a refresh token.",
              .fields = auth::kTokenRefreshFields,
              .component = "TokenRefresh",
              .answer = Answer::kTokenRefresh,
              .credentials_refused = true},
    Operation{.pattern = "/api/auth/token/verify/",
              .method = "post",
              .operation_id = "auth_token_verify_create",
              .summary = "Whether a token is valid.",
              .fields = auth::kTokenVerifyFields,
              .component = "TokenVerify",
              .answer = Answer::kEmptyObject,
              .credentials_refused = true},
    Operation{.pattern = "/api/auth/token/blacklist/",
              .method = "post",
              .operation_id = "auth_token_blacklist_create",
              .summary = "Log out: the refresh token is refused from now on.",
              .fields = auth::kTokenBlacklistFields,
              .component = "TokenBlacklist",
              .answer = Answer::kEmptyObject,
              .credentials_refused = true},
    Operation{.pattern = "/api/auth/register/",
              .method = "post",
              .operation_id = "auth_register_create",
              .summary = "Create a user account (only with TASKAPI_ALLOW_REGISTRATION).",
              .fields = auth::kRegisterFields,
              .component = "Register",
              .status = 201,
              .answer = Answer::kSerializer,
              .throttled = true},
    Operation{.pattern = "/api/tasks/",
              .method = "get",
              .operation_id = "tasks_list",
              .summary = "The caller's tasks, filtered, searched and ordered.",
              .fields = tasks::kTaskFields,
              .component = "Task",
              .answer = Answer::kTaskList,
              .list_parameters = true},
    Operation{.pattern = "/api/tasks/",
              .method = "post",
              .operation_id = "tasks_create",
              .summary = "Create a task owned by the caller.",
              .fields = tasks::kTaskFields,
              .component = "Task",
              .status = 201,
              .answer = Answer::kSerializer},
    Operation{.pattern = "/api/tasks/{}/",
              .method = "get",
              .operation_id = "tasks_retrieve",
              .summary = "One of the caller's tasks.",
              .fields = tasks::kTaskFields,
              .component = "Task",
              .answer = Answer::kSerializer,
              .object_lookup = true},
    Operation{.pattern = "/api/tasks/{}/",
              .method = "put",
              .operation_id = "tasks_update",
              .summary = "Replace a task's writable fields (title required).",
              .fields = tasks::kTaskFields,
              .component = "Task",
              .answer = Answer::kSerializer,
              .object_lookup = true},
    Operation{.pattern = "/api/tasks/{}/",
              .method = "patch",
              .operation_id = "tasks_partial_update",
              .summary = "Change some of a task's writable fields.",
              .fields = tasks::kTaskFields,
              .component = "Task",
              .partial = true,
              .answer = Answer::kSerializer,
              .object_lookup = true},
    Operation{.pattern = "/api/tasks/{}/",
              .method = "delete",
              .operation_id = "tasks_destroy",
              .summary = "Delete a task.",
              .status = 204,
              .answer = Answer::kNoContent,
              .object_lookup = true},
    Operation{.pattern = kSchemaPattern,
              .method = "get",
              .operation_id = "schema_retrieve",
              .summary = "This OpenAPI 3.1 document (JSON, or YAML with ?format=yaml).",
              .answer = Answer::kSchema},
};

const Operation* described(std::string_view pattern, std::string_view method) {
    const auto* found = std::ranges::find_if(kOperations, [&](const Operation& op) {
        return op.pattern == pattern && op.method == method;
    });
    return found == kOperations.end() ? nullptr : found;
}

// The methods a route offers, as OpenAPI names them (HEAD and OPTIONS left out).
std::vector<std::string_view> methods_of(const http::Route& route) {
    std::vector<std::string_view> methods;
    if (route.get) methods.emplace_back("get");
    if (route.post) methods.emplace_back("post");
    if (route.put) methods.emplace_back("put");
    if (route.patch) methods.emplace_back("patch");
    if (route.del) methods.emplace_back("delete");
    return methods;
}

// "/api/tasks/{}/" as an OpenAPI path: "/api/tasks/{id}/" (then {id2}, ... should a pattern
// have more than one).
std::string openapi_path(std::string_view pattern, std::size_t& parameters) {
    std::string out;
    parameters = 0;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        if (pattern.substr(i, 2) == "{}") {
            ++parameters;
            out += parameters == 1 ? "{id}" : "{id" + std::to_string(parameters) + "}";
            ++i;
        } else {
            out += pattern[i];
        }
    }
    return out;
}

json::object schema_ref(std::string_view component) {
    return {{"$ref", "#/components/schemas/" + std::string(component)}};
}

json::object response_ref(std::string_view name) {
    return {{"$ref", "#/components/responses/" + std::string(name)}};
}

json::object json_content(json::value schema) {
    return {{"application/json", json::object{{"schema", std::move(schema)}}}};
}

// A field of a table as a JSON Schema property: in a request (what validation accepts) or in an
// answer (what the serializer writes).
json::object field_schema(const Field& field, bool request) {
    json::object s;
    switch (field.type) {
        case FieldType::kInteger:
        case FieldType::kRelatedId:
            s["type"] = "integer";
            break;
        case FieldType::kString:
            s["type"] = "string";
            if (field.max_length != 0) s["maxLength"] = field.max_length;
            // CharField trims, then refuses what is left blank.
            if (request && !field.allow_blank) s["minLength"] = 1;
            break;
        case FieldType::kBoolean:
            s["type"] = "boolean";
            break;
        case FieldType::kDateTime:
            s["type"] = "string";
            s["format"] = "date-time";
            break;
    }
    if (!field.label.empty()) s["title"] = field.label;
    if (!field.help_text.empty()) s["description"] = field.help_text;
    if (!request && field.read_only) s["readOnly"] = true;
    if (request && field.write_only) s["writeOnly"] = true;
    return s;
}

json::object object_schema(json::object properties, json::array required) {
    json::object s{{"type", "object"}, {"properties", std::move(properties)}};
    if (!required.empty()) s["required"] = std::move(required);
    return s;
}

// The serializer's input: its writable fields, the required ones required (none in a PATCH).
json::object request_schema(FieldTable fields, bool partial) {
    json::object properties;
    json::array required;
    for (const Field& f : fields) {
        if (f.read_only) continue;
        properties[f.name] = field_schema(f, true);
        if (f.required && !partial) required.emplace_back(f.name);
    }
    return object_schema(std::move(properties), std::move(required));
}

// The serializer's answer: every field that is not write-only, each always present.
json::object answer_schema(FieldTable fields) {
    json::object properties;
    json::array required;
    for (const Field& f : fields) {
        if (f.write_only) continue;
        properties[f.name] = field_schema(f, false);
        required.emplace_back(f.name);
    }
    return object_schema(std::move(properties), std::move(required));
}

json::object string_property() { return {{"type", "string"}}; }

class Generator {
public:
    explicit Generator(const OpenApiSettings& settings) : settings_(settings) {}

    json::object document(const http::Router& router) {
        json::object paths;
        for (const http::Route& route : router.routes()) {
            if (!route.in_schema) continue;
            std::size_t parameters = 0;
            const std::string path = openapi_path(route.pattern, parameters);
            json::object item;
            for (const std::string_view method : methods_of(route)) {
                item[method] = operation(route, method, parameters);
            }
            if (!item.empty()) paths[path] = std::move(item);
        }
        schemas_["Error"] = error_schema();
        schemas_["ValidationError"] = validation_error_schema();
        json::object doc;
        doc["openapi"] = "3.1.0";
        doc["info"] = json::object{
            {"title", "taskapi"},
            {"version", TASKAPI_VERSION},
            {"description",
             "A task list REST API with JWT authentication, compatible with its Django REST "
             "framework reference. Generated from the server's route table and serializers."}};
        json::object responses = error_responses();
        add_request_id(paths, responses);
        doc["paths"] = std::move(paths);
        doc["components"] = json::object{{"schemas", std::move(schemas_)},
                                         {"responses", std::move(responses)},
                                         {"headers", request_id_header()},
                                         {"securitySchemes", security_schemes()}};
        doc["security"] = json::array{json::object{{kSecurityScheme, json::array{}}}};
        return doc;
    }

private:
    // Every request may send X-Request-ID and every answer carries one (the server's access log
    // names it): a parameter of each operation, a header of each response.
    static void add_request_id(json::object& paths, json::object& responses) {
        const auto add_header = [](json::value& response) {
            json::object& r = response.as_object();
            if (r.contains("$ref")) return;  // a component response: it has the header itself
            if (!r.contains("headers")) r["headers"] = json::object{};
            r["headers"].as_object()["X-Request-ID"] =
                json::object{{"$ref", "#/components/headers/RequestId"}};
        };
        for (auto& response : responses) add_header(response.value());
        for (auto& item : paths) {
            for (auto& operation : item.value().as_object()) {
                json::object& o = operation.value().as_object();
                for (auto& response : o["responses"].as_object()) add_header(response.value());
                if (!o.contains("parameters")) o["parameters"] = json::array{};
                o["parameters"].as_array().push_back(request_id_parameter());
            }
        }
    }

    static json::object request_id_parameter() {
        return {{"name", "X-Request-ID"},
                {"in", "header"},
                {"required", false},
                {"description",
                 "The caller's id for this request, echoed in the answer and the access log: 1 "
                 "to 128 visible ASCII characters, otherwise the server makes one."},
                {"schema", request_id_schema()}};
    }

    static json::object request_id_header() {
        return {{"RequestId",
                 json::object{{"description",
                               "The request's id: the caller's X-Request-ID when it was sane, "
                               "otherwise one the server made."},
                              {"schema", request_id_schema()}}}};
    }

    static json::object request_id_schema() {
        return {{"type", "string"}, {"pattern", "^[!-~]{1,128}$"}};
    }

    json::object operation(const http::Route& route, std::string_view method,
                           std::size_t path_parameters) {
        const Operation* op = described(route.pattern, method);
        json::object o;
        std::string id;
        if (op != nullptr) {
            id = op->operation_id;
        } else {
            // drf-spectacular's naming: the path's words, then the action.
            for (const char c : route.pattern) {
                if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
                    id += c;
                } else if (!id.empty() && id.back() != '_') {
                    id += '_';
                }
            }
            id += method;
        }
        o["operationId"] = id;
        o["summary"] = op != nullptr ? std::string_view(op->summary)
                                     : std::string_view(route.name);
        if (!route.description.empty()) o["description"] = route.description;
        o["tags"] = json::array{tag_of(route.pattern)};

        json::array parameters;
        for (std::size_t i = 1; i <= path_parameters; ++i) {
            parameters.push_back(json::object{
                {"name", i == 1 ? std::string("id") : "id" + std::to_string(i)},
                {"in", "path"},
                {"required", true},
                {"schema", json::object{{"type", op != nullptr ? "integer" : "string"}}},
                {"description", "A unique integer value identifying this resource."}});
        }
        if (op != nullptr && op->list_parameters) {
            for (const tasks::QueryParameter& p : tasks::kTaskListParameters) {
                if (p.paginated && !settings_.page_size) continue;
                parameters.push_back(query_parameter(p));
            }
        }
        if (op != nullptr && op->answer == Answer::kSchema) {
            parameters.push_back(json::object{
                {"name", "format"},
                {"in", "query"},
                {"required", false},
                {"schema", json::object{{"type", "string"}, {"enum", json::array{"json", "yaml"}}}},
                {"description", "yaml for the document in YAML; JSON otherwise."}});
        }
        if (!parameters.empty()) o["parameters"] = std::move(parameters);

        const bool has_body = op != nullptr && !op->fields.empty() &&
                              (method == "post" || method == "put" || method == "patch");
        if (has_body) o["requestBody"] = request_body(*op);

        // Security: who may call it (drf-spectacular's shapes: {} is "anonymous too").
        switch (route.access) {
            case http::Access::kAuthenticated:
                break;  // the document's default
            case http::Access::kPublic:
                o["security"] =
                    json::array{json::object{{kSecurityScheme, json::array{}}}, json::object{}};
                break;
            case http::Access::kNoAuthentication:
                o["security"] = json::array{};
                break;
        }

        json::object responses;
        const int status = op != nullptr ? op->status : 200;
        responses[std::to_string(status)] = success_response(op, route);
        if (has_body) {
            responses["400"] = response_ref("ValidationError");
            responses["415"] = response_ref("UnsupportedMediaType");
        }
        if (route.access != http::Access::kNoAuthentication ||
            (op != nullptr && op->credentials_refused)) {
            responses["401"] = response_ref("Unauthenticated");
        }
        if (op != nullptr && (op->object_lookup || (op->list_parameters && settings_.page_size))) {
            responses["404"] = response_ref("NotFound");
        }
        if (op != nullptr && op->throttled) responses["429"] = response_ref("Throttled");
        // Storage is asked (the work, or the user lookup of a request with a token): a
        // database that does not answer is 503.
        if (route.work != http::Work::kInline || route.access != http::Access::kNoAuthentication) {
            responses["503"] = response_ref("Unavailable");
        }
        o["responses"] = std::move(responses);
        return o;
    }

    static std::string tag_of(std::string_view pattern) {
        // The first segment after /api/ ("tasks", "auth"), or "api" for the root.
        std::string_view rest = pattern;
        if (rest.starts_with("/api/")) rest.remove_prefix(5);
        rest = rest.substr(0, rest.find('/'));
        return rest.empty() ? "api" : std::string(rest);
    }

    static json::object query_parameter(const tasks::QueryParameter& p) {
        json::object schema;
        switch (p.type) {
            case tasks::QueryParameter::Type::kBoolean:
                schema["type"] = "boolean";
                break;
            case tasks::QueryParameter::Type::kInteger:
                schema["type"] = "integer";
                break;
            case tasks::QueryParameter::Type::kString:
                schema["type"] = "string";
                break;
        }
        std::string description(p.description);
        if (p.name == tasks::kOrderingParameter.name) {
            description += " One or more, comma-separated, each with a leading '-' for "
                           "descending:";
            for (const auto& f : tasks::kOrderingFields) {
                description += ' ';
                description += f.name;
            }
            description += '.';
        }
        return {{"name", p.name},
                {"in", "query"},
                {"required", false},
                {"schema", std::move(schema)},
                {"description", std::move(description)}};
    }

    json::object request_body(const Operation& op) {
        const std::string name =
            (op.partial ? "Patched" : "") + std::string(op.component) + "Request";
        if (!schemas_.contains(name)) schemas_[name] = request_schema(op.fields, op.partial);
        json::object content;
        // What the body parser reads (DRF's JSONParser, FormParser and MultiPartParser).
        for (const std::string_view type :
             {"application/json", "application/x-www-form-urlencoded", "multipart/form-data"}) {
            content[type] = json::object{{"schema", schema_ref(name)}};
        }
        bool any_required = false;
        for (const Field& f : op.fields) any_required = any_required || (f.required && !op.partial);
        return {{"content", std::move(content)}, {"required", any_required}};
    }

    json::value answer_component(std::string_view name, json::object schema) {
        if (!schemas_.contains(name)) schemas_[name] = std::move(schema);
        return schema_ref(name);
    }

    json::object success_response(const Operation* op, const http::Route& route) {
        const Answer answer = op != nullptr ? op->answer : Answer::kAnyJson;
        json::value schema;
        switch (answer) {
            case Answer::kNoContent:
                return {{"description", "No response body"}};
            case Answer::kAnyJson:
                return {{"description", route.name.empty() ? std::string("OK") : route.name},
                        {"content", json_content(json::object{})}};
            case Answer::kSchema: {
                const json::object any_object{{"type", "object"}};
                return {{"description", "The OpenAPI 3.1 document."},
                        {"content",
                         json::object{{kOpenApiJsonType, json::object{{"schema", any_object}}},
                                      {kOpenApiYamlType, json::object{{"schema", any_object}}}}}};
            }
            case Answer::kEmptyObject:
                schema = json::object{{"type", "object"},
                                      {"properties", json::object{}},
                                      {"additionalProperties", false}};
                break;
            case Answer::kApiRoot:
                schema = answer_component(
                    "ApiRoot",
                    object_schema({{"tasks", {{"type", "string"}, {"format", "uri"}}}},
                                  {"tasks"}));
                break;
            case Answer::kStatus:
                schema = answer_component(
                    "Status",
                    object_schema({{"status", {{"type", "string"}, {"enum", {"ok"}}}}},
                                  {"status"}));
                break;
            case Answer::kMe:
                schema = answer_component(
                    "Me", object_schema({{"id", {{"type", "integer"}}}, {"username", string_property()}},
                                        {"id", "username"}));
                break;
            case Answer::kTokenPair:
                // Not fields of the serializer: its validate() returns them.
                schema = answer_component(
                    "TokenPair",
                    object_schema({{"refresh", string_property()}, {"access", string_property()}},
                                  {"refresh", "access"}));
                break;
            case Answer::kTokenRefresh: {
                json::object s = answer_schema(op->fields);
                // Validation's field: absent from the answer unless the refresh token rotates.
                if (!settings_.rotate_refresh_tokens) {
                    s["properties"].as_object().erase("refresh");
                    auto& required = s["required"].as_array();
                    required.erase(std::remove(required.begin(), required.end(),
                                               json::value("refresh")),
                                   required.end());
                }
                schema = answer_component(op->component, std::move(s));
                break;
            }
            case Answer::kSerializer:
                schema = answer_component(op->component, answer_schema(op->fields));
                break;
            case Answer::kTaskList: {
                json::value task = answer_component(op->component, answer_schema(op->fields));
                if (!settings_.page_size) {
                    schema = json::object{{"type", "array"}, {"items", task}};
                    break;
                }
                const json::object link{{"type", json::array{"string", "null"}},
                                        {"format", "uri"}};
                schema = answer_component(
                    "PaginatedTaskList",
                    object_schema({{"count", {{"type", "integer"}}},
                                   {"next", link},
                                   {"previous", link},
                                   {"results", {{"type", "array"}, {"items", task}}}},
                                  {"count", "next", "previous", "results"}));
                break;
            }
        }
        return {{"description", op != nullptr ? std::string(op->summary) : route.name},
                {"content", json_content(std::move(schema))}};
    }

    // {"detail": "..."}, with SimpleJWT's "code" and "messages" on its 401s.
    static json::object error_schema() {
        json::object messages{{"type", "array"},
                              {"items", json::object{{"type", "object"},
                                                     {"additionalProperties", string_property()}}}};
        return object_schema({{"detail", string_property()},
                              {"code", string_property()},
                              {"messages", std::move(messages)}},
                             {"detail"});
    }

    // {"field": ["message", ...]} (non_field_errors for the serializer's own checks).
    static json::object validation_error_schema() {
        return {{"type", "object"},
                {"additionalProperties",
                 json::object{{"type", "array"}, {"items", string_property()}}}};
    }

    static json::object error_responses() {
        const auto error = [](std::string_view description) {
            return json::object{{"description", description},
                                {"content", json_content(schema_ref("Error"))}};
        };
        const auto retry = [&](std::string_view description) {
            json::object r = error(description);
            r["headers"] = json::object{
                {"Retry-After",
                 json::object{{"description", "Seconds to wait before trying again."},
                              {"schema", json::object{{"type", "integer"}}}}}};
            return r;
        };
        json::object validation{
            {"description", "The body is malformed, or its fields are refused (per field)."},
            {"content",
             json_content(json::object{
                 {"anyOf", json::array{schema_ref("ValidationError"), schema_ref("Error")}}})}};
        return {{"ValidationError", std::move(validation)},
                {"Unauthenticated", error("No credentials, or a bad token or account.")},
                {"NotFound", error("Not found.")},
                {"UnsupportedMediaType", error("A body in a media type that is not read.")},
                {"Throttled", retry("Too many login attempts.")},
                {"Unavailable", retry("The database does not answer.")}};
    }

    json::object security_schemes() const {
        json::object scheme;
        if (settings_.auth_scheme == "Bearer") {
            scheme = {{"type", "http"}, {"scheme", "bearer"}, {"bearerFormat", "JWT"}};
        } else {
            // Not an HTTP scheme OpenAPI names: the header is given whole.
            scheme = {{"type", "apiKey"},
                      {"in", "header"},
                      {"name", "Authorization"},
                      {"description", "Token-based authentication with required prefix \"" +
                                          settings_.auth_scheme + "\""}};
        }
        return {{kSecurityScheme, std::move(scheme)}};
    }

    const OpenApiSettings& settings_;
    json::object schemas_;
};

void append_yaml(std::string& out, const json::value& v, std::size_t indent);

void append_scalar(std::string& out, const json::value& v) { out += json::serialize(v); }

bool is_block(const json::value& v) {
    return (v.is_object() && !v.as_object().empty()) || (v.is_array() && !v.as_array().empty());
}

// A block collection at `indent` spaces; the first line starts where `out` ends.
void append_yaml(std::string& out, const json::value& v, std::size_t indent) {
    const std::string pad(indent, ' ');
    bool first = true;
    if (v.is_object()) {
        for (const auto& [key, value] : v.as_object()) {
            if (!first) out += pad;
            first = false;
            out += json::serialize(json::value(key));
            out += ':';
            if (is_block(value)) {
                out += '\n';
                out += std::string(indent + 2, ' ');
                append_yaml(out, value, indent + 2);
            } else {
                out += ' ';
                append_scalar(out, value);
                out += '\n';
            }
        }
    } else {
        for (const json::value& item : v.as_array()) {
            if (!first) out += pad;
            first = false;
            out += "- ";
            if (is_block(item)) {
                append_yaml(out, item, indent + 2);
            } else {
                append_scalar(out, item);
                out += '\n';
            }
        }
    }
}

}  // namespace

std::string json_to_yaml(std::string_view text) {
    const json::value v = json::parse(text);
    if (!is_block(v)) return json::serialize(v) + '\n';
    std::string out;
    append_yaml(out, v, 0);
    return out;
}

OpenApiDocument openapi_document(const http::Router& router, const OpenApiSettings& settings) {
    Generator generator(settings);
    OpenApiDocument doc;
    doc.json = json::serialize(generator.document(router));
    doc.yaml = json_to_yaml(doc.json);
    return doc;
}

std::vector<std::string> undescribed_operations(const http::Router& router) {
    std::vector<std::string> out;
    for (const http::Route& route : router.routes()) {
        if (!route.in_schema) continue;
        for (const std::string_view method : methods_of(route)) {
            if (described(route.pattern, method) == nullptr) {
                std::string name(method);
                std::ranges::transform(name, name.begin(), [](char c) {
                    return static_cast<char>(c - 'a' + 'A');
                });
                out.push_back(name + " " + route.pattern);
            }
        }
    }
    return out;
}

http::Route schema_route(const OpenApiDocument& document) {
    return {.pattern = std::string(kSchemaPattern),
            .name = "Schema",
            .description = "OpenApi3 schema for this API. Format can be selected via content "
                           "negotiation.\n\n- YAML: application/vnd.oai.openapi\n- JSON: "
                           "application/vnd.oai.openapi+json",
            .access = http::Access::kPublic,
            // drf-spectacular's renderers: its own JSON media type, and YAML.
            .formats = {{"json", std::string(kOpenApiJsonType)},
                        {"yaml", std::string(kOpenApiYamlType)}},
            .work = http::Work::kInline,
            .get = [&document](const http::Request& request) {
                http::Response r;
                r.status = 200;
                if (request.format == "yaml") {
                    // drf-spectacular's YAML renderer declares its charset; its JSON one does not.
                    r.content_type = std::string(kOpenApiYamlType) + "; charset=utf-8";
                    r.body = document.yaml;
                } else {
                    r.content_type = kOpenApiJsonType;
                    r.body = document.json;
                }
                return r;
            }};
}

}  // namespace taskapi::app
