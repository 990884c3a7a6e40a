// A synthetic, Firefox-shaped decision graph, as a decision publishes it
// (full-task-graph.json: label-keyed, placeholders unresolved;
// task-graph.json: taskId-keyed, resolved; label-to-taskid.json), for graph
// tests and the benchmark.
//
// Shape: docker-image tasks -> toolchains -> builds -> per-build chains
// signing -> repackage -> repackage-signing -> beetmover -> checksums ->
// checksums-signing -> beetmover-checksums -> release-notify (depth ~10),
// plus test tasks on every build. Build 0 ("the big build") carries
// `big_fanout` downstream tasks. Definitions look like gecko's: payload env
// with artifact URLs naming the upstream taskIds, artifacts, routes, scopes,
// upstreamArtifacts on scriptworker tasks, relative datestamps. In the full
// graph: dependencies name labels, and every taskId of a dependency is a
// {task-reference} or {artifact-reference}; docker images and toolchains are
// cached tasks (attributes.cached_task, an index-search optimization).
#pragma once
#include <cstdint>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/slugid.h"

namespace tctest {

struct GenGraph {
  std::string decision_id;
  std::string task_graph;       // task-graph.json text
  std::string full_task_graph;  // full-task-graph.json text
  std::string label_to_taskid;  // label-to-taskid.json text
  std::string big_build_id;     // build with ~big_fanout downstream tasks
  std::string big_build_label;
  std::vector<std::string> ids;
  size_t count = 0;
};

class GraphGen {
 public:
  explicit GraphGen(uint64_t seed = 42) : seed_(seed) {}

  GenGraph Generate(size_t total, size_t big_fanout) {
    GenGraph g;
    g.decision_id = Id();
    out_.reserve(total * 3600);
    out_ = "{";
    full_ = "{";
    full_.reserve(total * 3600);
    l2t_ = "{";
    first_ = true;
    group_ = g.decision_id;
    std::vector<std::string> docker, toolchains;
    for (int i = 0; i < 5; ++i) docker.push_back(Add("docker-image", "docker-image-" + std::to_string(i), {}, false));
    for (int i = 0; i < 20; ++i)
      toolchains.push_back(Add("toolchain", "toolchain-" + std::to_string(i), {docker[i % 5]}, false));
    size_t per_build_chain = 9;  // signing chain length + notify
    size_t tests_per_build = 60;
    size_t builds = std::max<size_t>(1, (total - big_fanout - 25) / (per_build_chain + tests_per_build + 1)) + 1;
    for (size_t b = 0; b < builds && count_ < total; ++b) {
      std::string platform = kPlatforms[b % 8];
      std::string label = "build-" + platform + "/opt-" + std::to_string(b);
      std::string build = Add("build", label, {toolchains[b % 20], toolchains[(b + 7) % 20], docker[b % 5]}, true);
      if (b == 0) {
        g.big_build_id = build;
        g.big_build_label = label;
      }
      size_t tests = b == 0 ? big_fanout - per_build_chain : tests_per_build;
      // the signing chain
      std::string prev = build;
      const char* chain[] = {"build-signing", "repackage", "repackage-signing", "beetmover-repackage",
                             "beetmover-checksums", "checksums-signing", "beetmover-source", "release-balrog",
                             "release-notify"};
      for (const char* kind : chain) {
        if (count_ >= total) break;
        std::vector<std::string> deps{prev};
        if (prev != build) deps.push_back(build);
        prev = Add(kind, std::string(kind) + "-" + platform + "-" + std::to_string(b), deps, false);
      }
      for (size_t t = 0; t < tests && count_ < total; ++t) {
        Add("test", "test-" + platform + "/opt-suite-" + std::to_string(t) + "-b" + std::to_string(b), {build}, true);
      }
    }
    out_ += "}";
    full_ += "}";
    l2t_ += "}";
    g.task_graph = std::move(out_);
    g.full_task_graph = std::move(full_);
    g.label_to_taskid = std::move(l2t_);
    g.ids = ids_;
    g.count = count_;
    return g;
  }

 private:
  static constexpr const char* kPlatforms[8] = {"linux64", "linux64-asan", "win64", "win32",
                                                "macosx64", "android-arm", "android-x86", "linux-aarch64"};

  std::string Id() {
    unsigned char b[16];
    for (auto& c : b) c = static_cast<unsigned char>(rng_() & 0xff);
    return tc::EncodeSlugid(b);
  }

  static std::string Esc(const std::string& s) { return s; }  // generated strings need no escaping

  // One task: its task-graph.json entry (taskIds) and its full-task-graph.json
  // entry (labels, placeholders), from one template: Ref(i) is dependency i
  // as a taskId or as a {task-reference}, Url(i, path) an artifact URL or an
  // {artifact-reference}.
  std::string Add(const std::string& kind, const std::string& label, const std::vector<std::string>& deps,
                  bool retrigger) {
    std::string id = Id();
    ids_.push_back(id);
    label_of_[id] = label;
    ++count_;
    for (int full = 0; full < 2; ++full) (full ? full_ : out_) += Entry(kind, label, id, deps, retrigger, full);
    l2t_ += std::string(first_ ? "" : ",") + "\"" + label + "\":\"" + id + "\"";
    first_ = false;
    return id;
  }

  std::string Entry(const std::string& kind, const std::string& label, const std::string& id,
                    const std::vector<std::string>& deps, bool retrigger, bool full) {
    const bool scriptworker = kind.find("signing") != std::string::npos || kind.find("beetmover") != std::string::npos ||
                              kind.find("balrog") != std::string::npos;
    const bool cached = kind == "docker-image" || kind == "toolchain";
    // dependency i: its taskId, or the placeholder naming its edge
    auto ref = [&](size_t i) { return full ? "{\"task-reference\":\"<dep-" + std::to_string(i) + ">\"}" : "\"" + deps[i] + "\""; };
    auto in_string = [&](size_t i) { return full ? "<dep-" + std::to_string(i) + ">" : deps[i]; };
    std::string e;
    e.reserve(4000);
    e += first_ ? "\n" : ",\n";
    e += "\"" + (full ? label : id) + "\":{\"label\":\"" + label + "\",\"kind\":\"" + kind + "\",";
    e += "\"attributes\":{\"build_platform\":\"linux64\",\"build_type\":\"opt\",\"run_on_projects\":[\"all\"]";
    if (retrigger) e += ",\"retrigger\":true";
    if (cached) e += ",\"cached_task\":{\"type\":\"" + kind + "\",\"name\":\"" + label + "\",\"digest\":\"abc\"}";
    e += "},\"dependencies\":{";
    for (size_t i = 0; i < deps.size(); ++i) {
      if (i) e += ",";
      e += "\"dep-" + std::to_string(i) + "\":\"" + (full ? label_of_.at(deps[i]) : deps[i]) + "\"";
    }
    e += "},\"soft_dependencies\":[],\"if_dependencies\":[],";
    e += cached ? "\"optimization\":{\"index-search\":[\"gecko.cache.level-3." + kind + "." + label + ".hash.abc\"]},"
                : "\"optimization\":null,";
    if (!full) e += "\"task_id\":\"" + id + "\",";
    e += "\"task\":{";
    e += "\"provisionerId\":\"gecko-3\",\"workerType\":\"" + std::string(scriptworker ? "signing" : "b-linux") + "\",";
    if (!full) {
      e += "\"taskQueueId\":\"gecko-3/" + std::string(scriptworker ? "signing" : "b-linux") + "\",";
      e += "\"schedulerId\":\"gecko-level-3\",\"taskGroupId\":\"" + group_ + "\",\"dependencies\":[";
      for (size_t i = 0; i < deps.size(); ++i) e += (i ? ",\"" : "\"") + deps[i] + "\"";
      if (deps.empty()) e += "\"" + group_ + "\"";
      e += "],";
    }
    e += "\"requires\":\"all-completed\",\"routes\":[\"tc-treeherder.v2.mozilla-central.abcdef0123456789.1234\","
         "\"index.gecko.v2.mozilla-central.latest." + label + "\",\"checks\"],";
    e += "\"priority\":\"medium\",\"retries\":5,\"created\":{\"relative-datestamp\":\"0 seconds\"},"
         "\"deadline\":{\"relative-datestamp\":\"1 day\"},\"expires\":{\"relative-datestamp\":\"1 year\"},";
    e += "\"scopes\":[\"secrets:get:project/releng/gecko/build/level-3/*\",\"queue:route:index.gecko.v2.*\","
         "\"docker-worker:cache:gecko-level-3-checkouts\"],";
    e += "\"payload\":{\"maxRunTime\":7200,\"image\":{\"type\":\"task-image\",\"taskId\":" +
         (deps.empty() ? (full ? std::string("{\"task-reference\":\"<decision>\"}") : "\"" + group_ + "\"")
                       : ref(deps.size() - 1)) +
         ",\"path\":\"public/image.tar.zst\"},";
    e += "\"env\":{\"MOZ_BUILD_DATE\":\"20261126031100\",\"MOZ_SCM_LEVEL\":\"3\",\"GECKO_HEAD_REV\":"
         "\"abcdef0123456789abcdef0123456789abcdef01\",\"GECKO_HEAD_REPOSITORY\":\"https://hg.mozilla.org/mozilla-central\","
         "\"MOZHARNESS_CONFIG\":\"builds/releng_base_linux_64_builds.py\",\"TOOLTOOL_CACHE\":\"/builds/worker/tooltool-cache\"";
    if (!deps.empty()) {
      const std::string fetches = "[{\\\"artifact\\\": \\\"public/build/target.tar.bz2\\\", \\\"task\\\": \\\"" +
                                  in_string(0) + "\\\"}]";
      e += ",\"MOZ_FETCHES\":" + (full ? "{\"task-reference\":\"" + fetches + "\"}" : "\"" + fetches + "\"");
      e += ",\"INSTALLER_URL\":" +
           (full ? std::string("{\"artifact-reference\":\"<dep-0/public/build/target.tar.bz2>\"}")
                 : "\"https://firefox-ci-tc.services.mozilla.com/api/queue/v1/task/" + deps[0] +
                       "/artifacts/public/build/target.tar.bz2\"");
    }
    e += "},\"artifacts\":[{\"type\":\"directory\",\"name\":\"public/build\",\"path\":\"/builds/worker/artifacts\","
         "\"expires\":{\"relative-datestamp\":\"1 year\"}},{\"type\":\"directory\",\"name\":\"public/logs\","
         "\"path\":\"/builds/worker/logs\",\"expires\":{\"relative-datestamp\":\"1 year\"}}],";
    e += "\"command\":[\"/builds/worker/bin/run-task\",\"--gecko-checkout=/builds/worker/checkouts/gecko\",\"--\","
         "\"bash\",\"-cx\",\"/builds/worker/checkouts/gecko/taskcluster/scripts/builder/build-linux.sh\"]";
    if (scriptworker && !deps.empty()) {
      e += ",\"upstreamArtifacts\":[";
      for (size_t i = 0; i < deps.size(); ++i) {
        if (i) e += ",";
        e += "{\"taskId\":" + ref(i) + ",\"taskType\":\"build\",\"paths\":[\"public/build/target.tar.bz2\","
             "\"public/build/target.checksums\"],\"formats\":[\"autograph_gpg\"]}";
      }
      e += "]";
    }
    e += "},\"metadata\":{\"name\":\"" + label + "\",\"description\":\"" + kind + " task ([Treeherder push]"
         "(https://treeherder.mozilla.org/#/jobs?repo=mozilla-central&revision=abcdef))\",\"owner\":"
         "\"ffxbld@mozilla.com\",\"source\":\"https://hg.mozilla.org/mozilla-central/file/abcdef/taskcluster/ci/" +
         kind + "\"},";
    e += "\"tags\":{\"kind\":\"" + kind + "\",\"label\":\"" + label + "\",\"createdForUser\":\"ffxbld@mozilla.com\"" +
         (retrigger ? ",\"retrigger\":\"true\"" : "") + "},";
    e += "\"extra\":{\"index\":{\"rank\":1764126660},\"parent\":\"" + group_ + "\",\"treeherder\":{\"machine\":{"
         "\"platform\":\"linux64\"},\"symbol\":\"B\",\"tier\":1,\"jobKind\":\"build\",\"collection\":{\"opt\":true}}}";
    e += "}}";
    return e;
  }

  uint64_t seed_;
  std::mt19937_64 rng_{seed_};
  std::string out_, full_, l2t_, group_;
  std::unordered_map<std::string, std::string> label_of_;  // taskId -> label
  bool first_ = true;
  size_t count_ = 0;
  std::vector<std::string> ids_;
};

}  // namespace tctest
