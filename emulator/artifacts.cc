// Artifacts over HTTP: getArtifact / getLatestArtifact as
// services/queue/src/artifacts.js answers them (s3: 303 to a download URL,
// here the emulator's /__s3/; reference: 303 to its url; error: 424
// {reason, message}; link: followed, each name's scope checked), the /__s3/
// downloads themselves (Content-Encoding: gzip when stored gzipped), and the
// world's artifact entries. See routes.h.
#include <Poco/DeflatingStream.h>
#include <Poco/URI.h>

#include <set>
#include <sstream>

#include "core/error.h"
#include "emulator/formats.h"
#include "emulator/routes.h"

namespace tc::emu {

namespace {

std::string Gzip(const std::string& in) {
  std::ostringstream out;
  {
    Poco::DeflatingOutputStream z(out, Poco::DeflatingStreamBuf::STREAM_GZIP);
    z << in;
    z.close();
  }
  return out.str();
}

std::string PctEncodePath(const std::string& s) {
  std::string out;
  Poco::URI::encode(s, "?#%", out);
  return out;
}

Reply NoSuchKey() {
  Reply r;
  r.status = 404;
  r.content_type = "application/xml";
  r.body = "<Error><Code>NoSuchKey</Code></Error>";
  return r;
}

}  // namespace

Reply ArtifactRoute(Services& s, Request& req, const std::string& id, const std::optional<std::string>& run,
                    const std::string& name) {
  req.api_name = run ? "getArtifact" : "getLatestArtifact";
  SetParam(req, "taskId", id);
  if (run) SetParam(req, "runId", *run);
  SetParam(req, "name", name);
  memq::CheckParam("taskId", id, memq::kSlugRe);
  if (run) memq::CheckParam("runId", *run, "^[1-9]*[0-9]+$");
  memq::CheckParam("name", name, "^[\\x20-\\x7e]+$");
  CheckQuery(req, false);
  Authorize(req, s.auth, ScopeExpr::All({ScopeExpr::S("queue:get-artifact:" + name)}));
  std::optional<int> run_id;
  if (run) run_id = std::atoi(run->c_str());
  ArtifactLookup l = s.queue.LookupArtifact(id, run_id, name);
  if (l.names.size() > 1) {  // a link: every name on the way needs its scope
    std::vector<ScopeExpr> all;
    for (auto& n : l.names) all.push_back(ScopeExpr::S("queue:get-artifact:" + n));
    Authorize(req, s.auth, ScopeExpr::All(all));
  }
  const MemArtifact& a = l.artifact;
  Reply r;
  r.headers["x-taskcluster-artifact-storage-type"] = a.storage_type;
  Json d(rapidjson::kObjectType);
  auto& al = d.GetAllocator();
  if (a.storage_type == "error") {
    d.AddMember("reason", Str(a.reason, al), al);
    d.AddMember("message", Str(a.message, al), al);
    r.status = 424;
    r.body = ToPrettyJson(d);
    return r;
  }
  std::string url = a.storage_type == "reference"
                        ? a.url
                        : s.root_url() + "/__s3/" + id + "/" + std::to_string(l.run_id) + "/" + PctEncodePath(a.name);
  d.AddMember("storageType", Str(a.storage_type, al), al);
  d.AddMember("url", Str(url, al), al);
  r.status = 303;
  r.body = ToPrettyJson(d);
  r.headers["Location"] = url;
  return r;
}

Reply ServeS3(MemoryQueue& queue, const Request& req) {
  std::string rest = req.path.substr(6);  // /__s3/<taskId>/<runId>/<name>
  auto a = rest.find('/');
  auto b = a == std::string::npos ? a : rest.find('/', a + 1);
  if (b == std::string::npos) return NoSuchKey();
  Reply r;
  try {
    ArtifactLookup l =
        queue.LookupArtifact(rest.substr(0, a), std::atoi(rest.substr(a + 1, b - a - 1).c_str()), rest.substr(b + 1));
    r.content_type = l.artifact.content_type;
    if (l.artifact.gzip) {
      r.body = Gzip(l.artifact.content);
      r.headers["Content-Encoding"] = "gzip";
    } else {
      r.body = l.artifact.content;
    }
  } catch (const TcError&) {
    return NoSuchKey();
  }
  return r;
}

MemArtifact ParseArtifact(const std::string& name, const JsonValue& v, const std::string& where) {
  if (!v.IsObject()) throw BadInput(where + ": artifact must be an object");
  MemArtifact a;
  a.name = name;
  a.storage_type = GetString(v, "storageType").value_or("s3");
  static const std::set<std::string> types = {"s3", "reference", "error", "link"};
  if (!types.count(a.storage_type)) throw BadInput(where + ": storageType must be s3, reference, error or link");
  a.content_type = GetString(v, "contentType").value_or(a.content_type);
  if (const JsonValue* c = Member(v, "content")) {
    a.content = c->IsString() ? std::string(c->GetString(), c->GetStringLength()) : ToJson(*c);
    if (!c->IsString() && !GetString(v, "contentType")) a.content_type = "application/json";
  } else if (auto file = GetString(v, "contentFile")) {  // the bytes of a local file, as they are (bench/)
    a.content = ReadInputFile(*file, where + ".contentFile", kMaxWorldFileBytes);
  }
  a.gzip = GetBool(v, "gzip").value_or(false);
  a.url = GetString(v, "url").value_or("");
  a.reason = GetString(v, "reason").value_or("");
  a.message = GetString(v, "message").value_or("");
  a.link = GetString(v, "artifact").value_or("");
  if (auto e = GetString(v, "expires")) {
    auto ms = memq::ParseIso(*e);
    if (!ms) throw BadInput(where + ": expires is not an ISO-8601 time");
    a.expires_ms = *ms;
  }
  if (a.storage_type == "reference" && a.url.empty()) throw BadInput(where + ": a reference artifact needs url");
  if (a.storage_type == "link" && a.link.empty()) throw BadInput(where + ": a link artifact needs artifact");
  return a;
}

}  // namespace tc::emu
