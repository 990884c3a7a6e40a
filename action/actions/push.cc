#include "actions/push.h"

#include <fmt/format.h>

#include <algorithm>
#include <regex>

#include "core/error.h"

namespace tc {

const std::string* Push::Current(const std::string& label) const {
  auto it = labels.find(label);
  return it == labels.end() || it->second.empty() ? nullptr : &it->second.back();
}

std::string Push::SchedulerId() const {
  return trust_domain + "-level-" + ParameterString(parameters, "level", true);
}

std::string ParameterString(const JsonValue& params, const char* name, bool required) {
  const JsonValue* v = params.IsObject() ? Member(params, name) : nullptr;
  if (!v || v->IsNull()) {
    if (required) throw BadInput(std::string("parameters.") + name + ": missing; the decision parameters must set it");
    return "";
  }
  if (v->IsString()) return StringOf(*v);
  if (v->IsInt64()) return std::to_string(v->GetInt64());
  if (v->IsNumber()) return ToJson(*v);
  throw BadInput(std::string("parameters.") + name + ": expected a string, got " + JsonTypeName(*v));
}

namespace {

std::string Prefix(const std::string& td, const JsonValue& p) {
  return fmt::format("{}.v2.{}", td, ParameterString(p, "project", true));
}

std::string PushlogId(const JsonValue& p) {
  std::string id = ParameterString(p, "pushlog_id", false);
  return id.empty() ? "0" : id;
}

}  // namespace

std::string DecisionIndexPath(const std::string& td, const JsonValue& p) {
  const std::string type = ParameterString(p, "repository_type", false);
  if (type == "git") return fmt::format("{}.revision.{}.taskgraph.decision", Prefix(td, p), ParameterString(p, "head_rev", true));
  if (type.empty() || type == "hg") return fmt::format("{}.pushlog-id.{}.decision", Prefix(td, p), PushlogId(p));
  throw BadInput("parameters.repository_type: \"" + SanitizeUtf8(type) + "\" is neither hg nor git");
}

std::vector<std::string> ActionNamespaces(const std::string& td, const JsonValue& p) {
  return {fmt::format("{}.pushlog-id.{}.actions", Prefix(td, p), PushlogId(p)),
          fmt::format("{}.revision.{}.actions", Prefix(td, p), ParameterString(p, "head_rev", true))};
}

std::string CronNamespace(const std::string& td, const JsonValue& p) {
  return fmt::format("{}.revision.{}.cron", Prefix(td, p), ParameterString(p, "head_rev", true));
}

std::string TrustDomainOf(const JsonValue& def) {
  static const std::regex kScheduler(R"(^([A-Za-z0-9_-]+)-level-[0-9]+$)");
  static const std::regex kRoute(R"(^index\.([A-Za-z0-9_-]+)\.v2\..+$)");
  std::smatch m;
  const std::string scheduler = GetString(def, "schedulerId").value_or("");
  if (std::regex_match(scheduler, m, kScheduler)) return m[1];
  for (const auto& r : StringsOf(Member(def, "routes")))
    if (std::regex_match(r, m, kRoute)) return m[1];
  return "";
}

void MergeLabels(Push& push, const std::string& source, const std::unordered_map<std::string, std::string>& l2t) {
  // Sorted, so the merged order (and everything planned from it) does not
  // depend on hash order.
  std::vector<std::pair<std::string, std::string>> sorted(l2t.begin(), l2t.end());
  std::sort(sorted.begin(), sorted.end());
  for (auto& [label, id] : sorted) {
    auto& ids = push.labels[label];
    ids.erase(std::remove(ids.begin(), ids.end(), id), ids.end());
    ids.push_back(id);
  }
  push.sources.push_back(source);
}

}  // namespace tc
