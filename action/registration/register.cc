#include "registration/register.h"

#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "actions/push.h"
#include "actions/registry.h"
#include "core/error.h"
#include "taskcluster/hawk.h"
#include "jsone/jsone.h"
#include "core/schema.h"
#include "core/yaml.h"
#include "core/slugid.h"

namespace tc {

namespace {


// Python's json.dump(sort_keys=True): objects' keys in code-point order.
void SortKeys(JsonValue& v, JsonAlloc& a) {
  if (v.IsArray()) {
    for (auto& x : v.GetArray()) SortKeys(x, a);
    return;
  }
  if (!v.IsObject()) return;
  std::vector<std::pair<std::string, JsonValue>> members;
  for (auto& m : v.GetObject()) {
    SortKeys(m.value, a);
    members.emplace_back(std::string(m.name.GetString(), m.name.GetStringLength()), std::move(m.value));
  }
  std::stable_sort(members.begin(), members.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  v.SetObject();
  for (auto& [k, x] : members) v.AddMember(Str(k, a), std::move(x), a);
}


void ReplaceAll(std::string& s, const std::string& from, const std::string& to) {
  for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) s.replace(p, from.size(), to);
}

// Copies v replacing the @NAME@ placeholders of `vars` in strings and the
// "@TASKCLUSTER_YML_TASKS_0@" string by `in`.
JsonValue Instantiate(const JsonValue& v, const std::map<std::string, std::string>& vars, const JsonValue& in,
                      JsonAlloc& a) {
  if (v.IsString()) {
    std::string s(v.GetString(), v.GetStringLength());
    if (s == "@TASKCLUSTER_YML_TASKS_0@") return CopyValue(in, a);
    for (const auto& [name, value] : vars) ReplaceAll(s, name, value);
    return Str(s, a);
  }
  if (v.IsArray()) {
    JsonValue out(rapidjson::kArrayType);
    for (auto& x : v.GetArray()) out.PushBack(Instantiate(x, vars, in, a), a);
    return out;
  }
  if (v.IsObject()) {
    JsonValue out(rapidjson::kObjectType);
    for (auto& m : v.GetObject()) out.AddMember(CopyValue(m.name, a), Instantiate(m.value, vars, in, a), a);
    return out;
  }
  return CopyValue(v, a);
}

// @ACTION_PERM@, @LEVEL@ and @TRUST_DOMAIN@ of an actions.json entry's hook
// (hookGroupId project-<td>, hookId in-tree-action-<level>-<perm>/<hash>).
std::map<std::string, std::string> HookVariables(const JsonValue& act, const std::string& group, const std::string& id) {
  std::string perm;
  if (const JsonValue* e = Member(act, "extra")) perm = GetString(*e, "actionPerm").value_or("");
  if (perm.empty()) perm = "generic";
  static const std::regex kId(R"(^in-tree-(?:pr-)?action-([0-9]+)-.*$)");
  std::smatch m;
  const std::string level = std::regex_match(id, m, kId) ? std::string(m[1]) : "";
  const std::string td = group.rfind("project-", 0) == 0 ? group.substr(8) : group;
  return {{"@ACTION_PERM@", perm}, {"@LEVEL@", level}, {"@TRUST_DOMAIN@", td}};
}

std::string ExeDir() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "";
  buf[n] = 0;
  return std::filesystem::path(buf).parent_path().string();
}

}  // namespace

std::string ReadFileOrStdin(const std::string& path) {
  // Bounded (kMaxInputFileBytes): a runaway pipe or /dev/zero is an error, not all memory.
  if (path == "-") return ReadInputStream(std::cin, "stdin");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw BadInput(path + ": cannot read file");
  return ReadInputStream(in, path);
}

std::string TaskclusterYmlHash(const std::string& tcyml_bytes) {
  static const char* hex = "0123456789abcdef";
  std::string raw = Sha256(tcyml_bytes), out;
  for (unsigned char c : raw) {
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out.substr(0, 10);
}

std::string FindTaskclusterFile(const std::string& relative) {
  std::vector<std::string> dirs;
  if (const char* d = std::getenv("TC_ACTION_TASKCLUSTER_DIR"); d && *d) dirs.push_back(d);
  dirs.push_back("taskcluster");
  std::string exe = ExeDir();
  if (!exe.empty()) {
    dirs.push_back(exe + "/../taskcluster");
    dirs.push_back(exe + "/../share/tc-action/taskcluster");
  }
  for (auto& d : dirs) {
    std::error_code ec;
    std::string p = d + "/" + relative;
    if (std::filesystem::is_regular_file(p, ec)) return p;
  }
  return "";
}

Json LoadDeclarations(const JsonValue& doc, const std::string& source) {
  const JsonValue* list = doc.IsObject() ? Member(doc, "actions") : nullptr;
  if (!list || !list->IsArray()) throw BadInput(source + ": expected {\"actions\": [...]}");
  Json out(rapidjson::kObjectType);
  auto& a = out.GetAllocator();
  JsonValue arr(rapidjson::kArrayType);
  std::set<std::string> cb_names;
  for (rapidjson::SizeType i = 0; i < list->Size(); ++i) {
    const JsonValue& d = (*list)[i];
    std::string where = source + ".actions[" + std::to_string(i) + "]";
    if (!d.IsObject()) throw BadInput(where + ": expected an object");
    static const std::set<std::string> known = {"name", "cb_name", "title", "symbol", "description", "order",
                                                "context", "schema", "permission", "kind"};
    for (auto& m : d.GetObject())
      if (!known.count(m.name.GetString()))
        throw BadInput(where + "." + m.name.GetString() + ": unknown field");
    for (const char* f : {"name", "title", "symbol", "description"}) RequireString(d, f, where + "." + f);
    std::string name = d["name"].GetString();
    where = source + ".actions[" + std::to_string(i) + "] (" + name + ")";
    std::string cb = GetString(d, "cb_name").value_or(name);
    if (!FindAction(cb))
      throw BadInput(where + ".cb_name: \"" + cb + "\" is not an action tc-action implements (" + KnownActionNames() +
                     ")");
    if (!cb_names.insert(cb).second) throw BadInput(where + ".cb_name: \"" + cb + "\" is not unique");
    std::string symbol = d["symbol"].GetString();
    if (symbol.find('$') == std::string::npos && (symbol.empty() || symbol.size() > 25))
      throw BadInput(where + ".symbol: must be 1 to 25 characters");
    const JsonValue* order = Member(d, "order");
    if (order && !order->IsInt64()) throw BadInput(where + ".order: expected an integer");
    const JsonValue* ctx = Member(d, "context");
    if (!ctx || !ctx->IsArray()) throw BadInput(where + ".context: expected a list of tag-sets");
    for (auto& ts : ctx->GetArray()) {
      if (!ts.IsObject()) throw BadInput(where + ".context: every tag-set must be an object");
      for (auto& m : ts.GetObject())
        if (!m.value.IsString()) throw BadInput(where + ".context: tag values must be strings");
    }
    std::string kind = GetString(d, "kind").value_or(ctx->Empty() ? "group" : "task");
    if (kind != "task" && kind != "group") throw BadInput(where + ".kind: expected \"task\" or \"group\"");
    if ((kind == "group") != ctx->Empty())
      throw BadInput(where + ".kind: a " + kind + " action needs " +
                     (kind == "group" ? "context []" : "a non-empty context"));
    const bool task_action = FindAction(cb)->kind == ActionKind::kTask;
    if (task_action != (kind == "task"))
      throw BadInput(where + ".kind: tc-action run treats " + cb + " as a " + (task_action ? "task" : "group") +
                     " action");
    std::string perm = GetString(d, "permission").value_or("generic");
    if (perm.empty() || perm.find('/') != std::string::npos)
      throw BadInput(where + ".permission: `/` is not allowed in action permissions; use `-`");

    JsonValue o(rapidjson::kObjectType);
    for (auto& m : d.GetObject())
      if (std::string(m.name.GetString()) != "schema") o.AddMember(CopyValue(m.name, a), CopyValue(m.value, a), a);
    SetMember(o, "cb_name", Str(cb, a), a);
    SetMember(o, "kind", Str(kind, a), a);
    SetMember(o, "permission", Str(perm, a), a);
    if (!order) SetMember(o, "order", JsonValue(int64_t{10000}), a);
    if (const JsonValue* s = Member(d, "schema"); s && !s->IsNull()) {
      if (s->IsString()) {
        const std::string* text = EmbeddedSchemaText(s->GetString());
        if (!text) throw BadInput(where + ".schema: no schema " + s->GetString() + " (expected e.g. inputs/" + cb + ".json)");
        Json sd = ParseJson(*text, s->GetString());
        sd.RemoveMember("$schema");
        SetMember(o, "schema", CopyValue(sd, a), a);
      } else if (s->IsObject()) {
        SetMember(o, "schema", CopyValue(*s, a), a);
      } else {
        throw BadInput(where + ".schema: expected a JSON schema object or a schema name");
      }
    }
    arr.PushBack(o, a);
  }
  out.AddMember("actions", arr, a);
  return out;
}

Json RegistryDeclarations() {
  Json doc(rapidjson::kObjectType);
  auto& a = doc.GetAllocator();
  JsonValue list(rapidjson::kArrayType);
  for (const ActionSpec* spec : Registry()) {
    JsonValue d(rapidjson::kObjectType);
    d.AddMember("name", Str(spec->name, a), a);
    d.AddMember("cb_name", Str(spec->cb_name, a), a);
    d.AddMember("title", Str(spec->title, a), a);
    d.AddMember("symbol", Str(spec->symbol, a), a);
    d.AddMember("description", Str(spec->description, a), a);
    d.AddMember("order", JsonValue(int64_t{spec->order}), a);
    d.AddMember("kind", Str(spec->kind == ActionKind::kTask ? "task" : "group", a), a);
    d.AddMember("context", CopyValue(ParseJson(spec->context, std::string(spec->cb_name) + ".context"), a), a);
    d.AddMember("schema", Str(spec->input_schema, a), a);
    d.AddMember("permission", Str(spec->permission, a), a);
    list.PushBack(d, a);
  }
  doc.AddMember("actions", list, a);
  return LoadDeclarations(doc, "the action registry");
}

namespace {

// What every action's hookPayload says about the push (from the parameters).
struct PushInfo {
  std::string level, head_repo, project, head_rev, pushlog_id, base_rev, head_ref, repo_type;
};

PushInfo PushFromParameters(const JsonValue& parameters) {
  PushInfo p;
  p.level = ParameterString(parameters, "level", true);
  p.head_repo = ParameterString(parameters, "head_repository", true);
  while (!p.head_repo.empty() && p.head_repo.back() == '/') p.head_repo.pop_back();
  p.project = ParameterString(parameters, "project", true);
  p.head_rev = ParameterString(parameters, "head_rev", true);
  p.pushlog_id = ParameterString(parameters, "pushlog_id", false);
  if (p.pushlog_id.empty()) p.pushlog_id = "0";
  p.base_rev = ParameterString(parameters, "base_rev", false);
  p.head_ref = ParameterString(parameters, "head_ref", false);
  p.repo_type = ParameterString(parameters, "repository_type", false);
  return p;
}

// hookPayload.decision: the action, the repository and the push, as taskgraph renders them.
JsonValue DecisionPayload(const JsonValue& d, const PushInfo& p, const std::string& decision_task_id, JsonAlloc& a) {
  JsonValue action(rapidjson::kObjectType);
  for (const char* k : {"name", "title", "description"}) action.AddMember(Str(k, a), CopyValue(d[k], a), a);
  action.AddMember("taskGroupId", Str(decision_task_id, a), a);
  action.AddMember("cb_name", CopyValue(d["cb_name"], a), a);
  action.AddMember("symbol", CopyValue(d["symbol"], a), a);
  JsonValue repository(rapidjson::kObjectType);
  repository.AddMember("url", Str(p.head_repo, a), a);
  repository.AddMember("project", Str(p.project, a), a);
  repository.AddMember("level", Str(p.level, a), a);
  JsonValue push(rapidjson::kObjectType);
  push.AddMember("owner", "mozilla-taskcluster-maintenance@mozilla.com", a);
  push.AddMember("pushlog_id", Str(p.pushlog_id, a), a);
  push.AddMember("revision", Str(p.head_rev, a), a);
  if (!p.base_rev.empty() && p.base_rev != p.head_rev) push.AddMember("base_revision", Str(p.base_rev, a), a);
  if (p.repo_type == "git" && !p.head_ref.empty()) push.AddMember("branch", Str(p.head_ref, a), a);
  JsonValue decision(rapidjson::kObjectType);
  decision.AddMember("action", action, a);
  decision.AddMember("repository", repository, a);
  decision.AddMember("push", push, a);
  JsonValue peval(rapidjson::kObjectType);
  peval.AddMember("$eval", "parameters", a);
  decision.AddMember("parameters", peval, a);
  return decision;
}

// One actions.json entry (kind hook) for a declaration.
JsonValue ActionEntry(const JsonValue& d, const PushInfo& p, const std::string& hook_group, const std::string& hash,
                      const std::string& decision_task_id, JsonAlloc& a) {
  const std::string perm = d["permission"].GetString();
  JsonValue user(rapidjson::kObjectType);
  for (const char* k : {"input", "taskId", "taskGroupId"}) {
    JsonValue e(rapidjson::kObjectType);
    e.AddMember("$eval", Str(k, a), a);
    user.AddMember(Str(k, a), e, a);
  }
  JsonValue payload(rapidjson::kObjectType);
  payload.AddMember("decision", DecisionPayload(d, p, decision_task_id, a), a);
  payload.AddMember("user", user, a);
  JsonValue rv(rapidjson::kObjectType);
  for (const char* k : {"name", "title", "description", "context"}) rv.AddMember(Str(k, a), CopyValue(d[k], a), a);
  if (const JsonValue* s = Member(d, "schema")) rv.AddMember("schema", CopyValue(*s, a), a);
  rv.AddMember("kind", "hook", a);
  rv.AddMember("hookGroupId", Str(hook_group, a), a);
  rv.AddMember("hookId", Str("in-tree-action-" + p.level + "-" + perm + "/" + hash, a), a);
  rv.AddMember("hookPayload", payload, a);
  JsonValue extra(rapidjson::kObjectType);
  extra.AddMember("actionPerm", Str(perm, a), a);
  rv.AddMember("extra", extra, a);
  return rv;
}

}  // namespace

Json RenderActionsJson(const JsonValue& parameters, const JsonValue& declarations, const std::string& tcyml_bytes,
                       const std::string& trust_domain, const std::string& decision_task_id) {
  if (!parameters.IsObject()) throw BadInput("parameters: expected a mapping");
  if (!IsSlugid(decision_task_id))
    throw BadInput("decision task id: \"" + decision_task_id + "\" is not a valid taskId");
  if (trust_domain.empty() || !std::regex_match(trust_domain, std::regex("[a-zA-Z0-9_-]+")))
    throw BadInput("--trust-domain: expected letters, digits, - or _");
  const PushInfo push = PushFromParameters(parameters);
  const std::string hash = TaskclusterYmlHash(tcyml_bytes);
  Json out(rapidjson::kObjectType);
  auto& a = out.GetAllocator();
  std::vector<const JsonValue*> decls;
  for (auto& d : declarations["actions"].GetArray()) decls.push_back(&d);
  std::stable_sort(decls.begin(), decls.end(), [](const JsonValue* x, const JsonValue* y) {
    return (*x)["order"].GetInt64() < (*y)["order"].GetInt64();
  });
  JsonValue actions(rapidjson::kArrayType);
  for (const JsonValue* d : decls)
    actions.PushBack(ActionEntry(*d, push, "project-" + trust_domain, hash, decision_task_id, a), a);
  out.AddMember("version", 1, a);
  JsonValue vars(rapidjson::kObjectType);
  vars.AddMember("parameters", CopyValue(parameters, a), a);
  out.AddMember("variables", vars, a);
  out.AddMember("actions", actions, a);
  SortKeys(out, a);
  if (auto v = ValidateSchema("action-schema-v1.json", out)) throw BadInput(FormatViolation("actions.json", *v));
  return out;
}

Json BuildActionHooks(const JsonValue& actions_json, const JsonValue& hook_template, const std::string& tcyml_bytes) {
  Json tcyml = ParseYaml(tcyml_bytes, ".taskcluster.yml");
  const JsonValue* tasks = tcyml.IsObject() ? Member(tcyml, "tasks") : nullptr;
  if (!tasks || !tasks->IsArray() || tasks->Empty())
    throw BadInput(".taskcluster.yml: `tasks` must be a non-empty list (before JSON-e rendering)");
  if (auto v = ValidateSchema("taskcluster/hooks/v1/create-hook-request.json", hook_template))
    throw BadInput(FormatViolation("hook template", *v) + " (expected a hooks create-hook-request body)");
  Json out(rapidjson::kArrayType);
  auto& a = out.GetAllocator();
  std::set<std::string> seen;
  for (auto& act : actions_json["actions"].GetArray()) {
    std::string group = RequireString(act, "hookGroupId", "actions[].hookGroupId");
    std::string id = RequireString(act, "hookId", "actions[].hookId");
    if (!seen.insert(group + "/" + id).second) continue;
    JsonValue h(rapidjson::kObjectType);
    h.AddMember("hookGroupId", Str(group, a), a);
    h.AddMember("hookId", Str(id, a), a);
    h.AddMember("hook", Instantiate(hook_template, HookVariables(act, group, id), (*tasks)[0], a), a);
    out.PushBack(h, a);
  }
  return out;
}

int RegisterCommand(const RegisterOptions& opts, std::ostream& out) {
  std::string decision = opts.decision_task_id;
  if (decision.empty()) {
    const char* t = std::getenv("TASK_ID");
    if (!t || !*t) throw BadInput("--decision-task-id: not given and TASK_ID is not set");
    decision = t;
  }
  Json params = ParseJsonOrYaml(ReadFileOrStdin(opts.parameters), opts.parameters);
  std::string tcyml = ReadFileOrStdin(opts.taskcluster_yml);
  Json decls = opts.actions.empty()
                   ? RegistryDeclarations()
                   : LoadDeclarations(ParseJsonOrYaml(ReadFileOrStdin(opts.actions), opts.actions), opts.actions);
  Json doc = RenderActionsJson(params, decls, tcyml, opts.trust_domain, decision);
  Json hooks;
  if (!opts.hooks_output.empty()) {
    std::string tpl_path =
        opts.hook_template.empty() ? FindTaskclusterFile("hooks/in-tree-action.json") : opts.hook_template;
    if (tpl_path.empty()) throw BadInput("hook template taskcluster/hooks/in-tree-action.json not found");
    Json tpl = ParseJson(ReadFileOrStdin(tpl_path), tpl_path);
    hooks = BuildActionHooks(doc, tpl, tcyml);
  }
  auto write = [](const std::string& path, const JsonValue& v) {
    std::string tmp = path + ".tmp";
    {
      std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
      if (!f) throw BadInput(path + ": cannot write");
      f << ToPrettyJson(v) << "\n";
      if (!f) throw BadInput(path + ": cannot write");
    }
    std::filesystem::rename(tmp, path);
  };
  write(opts.output, doc);
  if (!opts.hooks_output.empty()) write(opts.hooks_output, hooks);
  out << opts.output << ": " << doc["actions"].Size() << " actions, hooks";
  std::set<std::string> ids;
  for (auto& x : doc["actions"].GetArray()) ids.insert(std::string(x["hookGroupId"].GetString()) + "/" + x["hookId"].GetString());
  for (auto& id : ids) out << " " << id;
  out << "\n";
  return 0;
}

int RenderCommand(const std::string& template_path, const std::string& context_path, std::ostream& out,
                  std::ostream& err) {
  if (template_path == "-" && context_path == "-") throw BadInput("TEMPLATE and CONTEXT cannot both be stdin");
  Json tmpl = ParseJsonOrYaml(ReadFileOrStdin(template_path), template_path);
  Json ctx;
  if (context_path.empty()) {
    ctx.SetObject();
  } else {
    ctx = ParseJsonOrYaml(ReadFileOrStdin(context_path), context_path);
  }
  if (!ctx.IsObject()) throw BadInput(context_path + ": the context must be an object");
  try {
    Json r = JsoneRender(tmpl, ctx);
    out << ToPrettyJson(r) << "\n";
    return 0;
  } catch (const JsoneError& e) {
    err << OneLine(e.message) << "\n";  // as the json-e tools print it: "<kind>: <message>"
    return static_cast<int>(ExitCode::kBadInput);
  }
}

}  // namespace tc
