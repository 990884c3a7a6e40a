#!/usr/bin/env python3
"""A Firefox-shaped push for the benchmarks, as taskgraph publishes it.

    bench/make_push_world.py OUT [--tasks 30000] [--fanout 2000] [--seed 1] [--lean]

Writes into OUT/:
  world.json            a tc-emulator world (format: emulator/emulator.h): the
                        decision task (indexed as a git push's decision:
                        tcaction.v2.tcproj.revision.<rev>.taskgraph.decision),
                        every task of the push with its resolved definition and
                        a state, the running action task, the clients and roles
                        of the differential tier (action/generic); the decision's
                        artifacts are `contentFile`s naming the files below
  artifacts/            what the decision task publishes (as taskgraph's
                        decision.write_artifact writes it: json.dump(sort_keys,
                        indent=2); parameters.yml with yaml.safe_dump when PyYAML
                        is there): parameters.yml, full-task-graph.json,
                        task-graph.json, label-to-taskid.json, actions.json
  bench.json            what the benchmarks act on: --actions running action
                        tasks (each run is its own action task: TASK_ID), the big build (label,
                        taskId, downstream count), 50 scheduled retriggerable
                        test labels (retrigger-multiple), 50 labels of the full
                        graph that are not in the push (add-new-jobs), and the
                        createTask counts each action must make

Shape (trust domain tcaction, project tcproj, level 3: the graph config of
tests/differential/project, so the real taskgraph's action-callback loads it):
5 docker images and 20 toolchains (cached tasks: attributes.cached_task,
index-search optimization, indexed by their routes), builds on 8 platforms each
with a toolchain/docker dependency, per build 60 tests (attributes.retrigger:
true; 5 of them only in the full graph, not scheduled in the push) and a
release-like chain (build-signing on scriptworker, beetmover); build 0 (the
"big build") has --fanout downstream tasks: tests plus summary tasks that
depend on tests (a closure 3 levels deep) and no release tasks. Two builds are
only in the full graph (add-new-jobs creates one of them as a missing
dependency). Entries are modelled on what `taskgraph full` generated for
tests/differential/project: {task-reference}, {artifact-reference} and
{relative-datestamp} placeholders, routes, treeherder extra, tags.

--lean: one docker image, the big build and its --fanout tests only, and
compact artifacts (for the downstream curve at 100k dependents).
Python 3 standard library (PyYAML optional). Deterministic for a seed.
"""
import argparse
import hashlib
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "support"))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from world_tokens import now_token, slug_from  # noqa: E402

TRUST, PROJECT, LEVEL = "tcaction", "tcproj", "3"
REPO = "https://github.com/tc-action/tcproj"
REV = "2222222222222222222222222222222222222222"
ROLE_PREFIX = "repo:github.com/tc-action/tcproj"
PLATFORMS = ["linux64", "linux64-asan", "win64", "win32", "macosx64", "android-arm", "android-x86", "linux-aarch64"]
SUITES = ["mochitest", "reftest", "xpcshell", "web-platform-tests", "crashtest", "gtest", "jsreftest", "marionette"]
TESTS_PER_BUILD = 60
FULL_ONLY_TESTS = 5   # per build: in the full graph, not in the push
T_DECISION = -3 * 3600
PUBLIC_ROOT = "https://tc.example.invalid"   # the root URL baked into task-graph.json (informational)

PARAMETERS = {
    "base_repository": REPO, "base_ref": "refs/heads/main", "base_rev": "1" * 40,
    "build_date": 1735689600, "build_number": 1, "do_not_optimize": [], "enable_always_target": True,
    "existing_tasks": {}, "files_changed": [], "filters": ["target_tasks_method"],
    "head_ref": "refs/heads/main", "head_repository": REPO, "head_rev": REV, "head_tag": "",
    "level": LEVEL, "moz_build_date": "20250101000000", "next_version": None,
    "optimize_strategies": None, "optimize_target_tasks": True, "owner": "dev@tc-action.invalid",
    "project": PROJECT, "pushdate": 1735689600, "pushlog_id": "0", "repository_type": "git",
    "target_tasks_method": "default", "tasks_for": "github-push", "version": None,
}


class Ids:
    """taskIds of the push: "bench/<seed>/<n>" for n = 1, 2, ..."""

    def __init__(self, seed):
        self.seed, self.n = seed, 0

    def __call__(self):
        self.n += 1
        return slug_from(f"bench/{self.seed}/{self.n}")


REL = {"0 seconds": 0, "1 day": 86400, "1 year": 365 * 86400}


class Graph:
    """The full graph (label -> taskgraph entry) and the push (label -> taskId)."""

    def __init__(self, seed, lean):
        self.id = Ids(seed)
        self.lean = lean
        self.decision = self.id()
        self.full = {}
        self.push = {}     # label -> taskId, in creation order
        self.states = {}   # label -> state of its task in the push

    def add(self, kind, label, deps, in_push=True, retrigger=None, cached=False, worker=None, state="completed",
            extra_attrs=None):
        """deps: {name: label}. Returns the label."""
        pool = worker or ("t-linux" if kind in ("test", "summary") else "b-linux")
        prov = "tcaction-t" if pool == "t-linux" else f"tcaction-{LEVEL}"
        if worker and worker.startswith("scriptworker"):
            prov, pool = "scriptworker-k8s", f"tcaction-{LEVEL}-{worker.split(':')[1]}"
        attrs = {"always_target": False, "kind": kind, "run_on_projects": ["all"], "run_on_tasks_for": ["all"],
                 "shipping_phase": None}
        if retrigger is not None:
            attrs["retrigger"] = retrigger
        attrs.update(extra_attrs or {})
        digest = hashlib.sha256(label.encode()).hexdigest()[:16]
        routes = [f"tc-treeherder.v2.{PROJECT}.{REV}.0", "checks"]
        optimization = None
        if cached:
            attrs["cached_task"] = {"digest": digest, "name": label, "type": kind}
            ns = f"{TRUST}.cache.level-{LEVEL}.{kind}.{label}.hash.{digest}"
            routes = [f"index.{ns}", f"index.{TRUST}.cache.level-{LEVEL}.{kind}.{label}.latest"] + routes
            optimization = {"index-search": [ns]}
        elif kind == "build":
            routes = [f"index.{TRUST}.v2.{PROJECT}.revision.{REV}.{PROJECT}.{label.replace('/', '-')}",
                      f"index.{TRUST}.v2.{PROJECT}.latest.{PROJECT}.{label.replace('/', '-')}"] + routes
        names = sorted(deps)
        env = {"MOZ_AUTOMATION": "1", "MOZ_SCM_LEVEL": LEVEL, "GECKO_HEAD_REV": REV, "GECKO_HEAD_REPOSITORY": REPO}
        if not self.lean:
            env.update({"MOZHARNESS_CONFIG": f"{kind}/{label.split('/')[0]}.py", "SCCACHE_DISABLE": "1",
                        "TOOLTOOL_CACHE": "/builds/worker/tooltool-cache",
                        "DECISION_PARAMS": {"artifact-reference": "<decision/public/parameters.yml>"}})
        for n in names[:2]:
            key = n.upper().replace("-", "_")
            env[f"{key}_TASK"] = {"task-reference": f"<{n}>"}
            env[f"{key}_URL"] = {"artifact-reference": f"<{n}/public/build/target.tar.gz>"}
        payload = {"command": ["/builds/worker/bin/run-task", "--", "bash", "-cx", f"run-{kind}.sh"],
                   "env": env, "maxRunTime": 3600 if kind == "build" else 1800, "onExitStatus": {},
                   "image": ({"path": "public/image.tar.zst", "taskId": {"task-reference": "<docker-image>"},
                              "type": "task-image"} if "docker-image" in deps else "debian:12")}
        if not self.lean:
            payload["artifacts"] = {"public/build": {"expires": {"relative-datestamp": "1 year"},
                                                     "path": "/builds/worker/artifacts", "type": "directory"},
                                    "public/logs": {"expires": {"relative-datestamp": "1 year"},
                                                    "path": "/builds/worker/logs", "type": "directory"}}
            payload["features"] = {"chainOfTrust": True, "taskclusterProxy": True}
        if worker and worker.startswith("scriptworker"):
            payload = {"maxRunTime": 600, "upstreamArtifacts": [
                {"taskId": {"task-reference": f"<{n}>"}, "taskType": "build",
                 "paths": ["public/build/target.tar.gz", "public/build/target.checksums"],
                 "formats": ["autograph_gpg"]} for n in names]}
        platform = label.split("-", 1)[1].split("/")[0] if "/" in label else "linux64"
        task = {
            "created": {"relative-datestamp": "0 seconds"},
            "deadline": {"relative-datestamp": "1 day"},
            "expires": {"relative-datestamp": "1 year"},
            "extra": {"index": {"rank": 1735689600}, "parent": self.decision,
                      "treeherder": {"collection": {"opt": True}, "jobKind": "test" if kind == "test" else "build",
                                     "machine": {"platform": platform}, "symbol": kind[0].upper(), "tier": 1},
                      "treeherder-platform": f"{platform}/opt"},
            "metadata": {"description": f"{kind} {label} ([Treeherder push](https://treeherder.mozilla.org/#/jobs?"
                                        f"repo={PROJECT}&revision={REV}))",
                         "name": label, "owner": "dev@tc-action.invalid",
                         "source": f"{REPO}/blob/{REV}/taskcluster/kinds/{kind}"},
            "payload": payload,
            "priority": "low",
            "provisionerId": prov,
            "routes": routes,
            "scopes": [],
            "tags": {"createdForUser": "dev@tc-action.invalid", "kind": kind, "label": label, "os": "linux",
                     "project": PROJECT, "trust-domain": TRUST, "worker-implementation": "docker-worker"},
            "workerType": pool,
        }
        self.full[label] = {"attributes": attrs, "dependencies": dict(deps), "description": f"{kind} {label}",
                            "if_dependencies": [], "kind": kind, "label": label, "optimization": optimization,
                            "soft_dependencies": [], "task": task}
        if in_push:
            self.push[label] = self.id()
            self.states[label] = state
        return label


def build(tasks, fanout, seed, lean):
    g = Graph(seed, lean)
    docker = [g.add("docker-image", f"docker-image-{i}", {}, cached=True) for i in range(1 if lean else 5)]
    tools = [] if lean else [g.add("toolchain", f"toolchain-{i}", {"docker-image": docker[i % 5]}, cached=True)
                             for i in range(20)]

    def build_deps(b):
        d = {"docker-image": docker[b % len(docker)]}
        if tools:
            d.update({"toolchain-clang": tools[b % 20], "toolchain-rust": tools[(b + 7) % 20]})
        return d

    big = g.add("build", "build-linux64/opt-0", build_deps(0), retrigger=True)
    # the big build's downstream: tests, and summaries of 5 tests each (depth 3)
    n_summary = 0 if lean else max(1, fanout // 200)
    big_tests = []
    for t in range(fanout - n_summary):
        big_tests.append(g.add("test", f"test-linux64/opt-{SUITES[t % 8]}-{t}-b0", {"build": big}, retrigger=True,
                               state="failed" if t % 50 == 7 else "completed"))
    for s in range(n_summary):
        deps = {"build": big}
        deps.update({f"test-{k}": big_tests[(s * 5 + k) % len(big_tests)] for k in range(5)})
        g.add("summary", f"summary-linux64/opt-{s}-b0", deps, retrigger=False)
    full_only_builds = []
    b = 1
    while not lean and len(g.full) < tasks:
        platform = PLATFORMS[b % 8]
        in_push = b % 150 != 75          # a few builds only in the full graph
        lbl = g.add("build", f"build-{platform}/opt-{b}", build_deps(b), in_push=in_push, retrigger=True)
        if not in_push:
            full_only_builds.append(lbl)
        for t in range(TESTS_PER_BUILD):
            if len(g.full) >= tasks:
                break
            g.add("test", f"test-{platform}/opt-{SUITES[t % 8]}-{t}-b{b}", {"build": lbl}, retrigger=True,
                  in_push=in_push and t < TESTS_PER_BUILD - FULL_ONLY_TESTS,
                  state="failed" if t % 23 == 5 else "completed")
        if len(g.full) < tasks:
            sig = g.add("build-signing", f"build-signing-{platform}/opt-{b}", {"build": lbl}, in_push=in_push,
                        worker="scriptworker:signing")
            if len(g.full) < tasks:
                g.add("beetmover", f"beetmover-{platform}/opt-{b}", {"build": lbl, "build-signing": sig},
                      in_push=in_push, worker="scriptworker:beetmover")
        b += 1
    return g, big, full_only_builds


def resolve(g, label, task_id, root):
    """The definition create_tasks would send for a push task (timestamps as $now tokens)."""
    entry = g.full[label]
    deps = {n: g.push[l] for n, l in entry["dependencies"].items()}

    def ref(name):
        return {"decision": g.decision, "self": task_id}.get(name) or deps[name]

    def rec(v):
        if isinstance(v, dict):
            if len(v) == 1 and "task-reference" in v:
                s = v["task-reference"]
                for n in list(deps) + ["decision", "self"]:
                    s = s.replace(f"<{n}>", ref(n))
                return s
            if len(v) == 1 and "artifact-reference" in v:
                n, path = v["artifact-reference"][1:-1].split("/", 1)
                return f"{root}/api/queue/v1/task/{ref(n)}/artifacts/{path}"
            if len(v) == 1 and "relative-datestamp" in v:
                return now_token(T_DECISION + REL[v["relative-datestamp"]])
            return {k: rec(x) for k, x in v.items()}
        if isinstance(v, list):
            return [rec(x) for x in v]
        return v

    d = rec(entry["task"])
    d.update(taskGroupId=g.decision, schedulerId=f"{TRUST}-level-{LEVEL}",
             dependencies=sorted(set(deps.values())) or [g.decision])
    return d


def task_graph_json(g):
    """task-graph.json as the decision writes it: taskId-keyed, references resolved, datestamps not."""
    out = {}
    for label, tid in g.push.items():
        e = g.full[label]
        deps = {n: g.push[l] for n, l in e["dependencies"].items()}
        d = resolve(g, label, tid, PUBLIC_ROOT)
        for k in ("created", "deadline", "expires"):
            d[k] = e["task"][k]
        d.pop("taskGroupId")
        d.pop("schedulerId")
        out[tid] = dict(e, dependencies=deps, task=dict(d, dependencies=sorted(deps.values())), task_id=tid)
    return out


def write_yaml(path, params):
    try:
        import yaml
        text = yaml.safe_dump(params, allow_unicode=True, default_flow_style=False)
    except ImportError:  # the same keys, scalars only (what this file holds)
        def scalar(v):
            if v is None:
                return "null"
            if isinstance(v, bool):
                return "true" if v else "false"
            if isinstance(v, int):
                return str(v)
            return json.dumps(v) if (v == "" or v.isdigit() or ":" in v) else v
        lines = []
        for k in sorted(params):
            v = params[k]
            if isinstance(v, list):
                lines.append(f"{k}: []" if not v else f"{k}:\n" + "".join(f"- {scalar(x)}\n" for x in v).rstrip())
            elif isinstance(v, dict):
                lines.append(f"{k}: {{}}")
            else:
                lines.append(f"{k}: {scalar(v)}")
        text = "\n".join(lines) + "\n"
    with open(path, "w") as f:
        f.write(text)


def dump_artifact(path, value, lean):
    with open(path, "w") as f:
        if lean:
            json.dump(value, f, sort_keys=True, separators=(",", ":"))
        else:
            json.dump(value, f, sort_keys=True, indent=2)   # taskgraph's decision.write_artifact


def world_task(task_id, definition, state, artifacts=None):
    e = {"taskId": task_id, "task": definition, "state": state}
    if artifacts:
        e["artifacts"] = artifacts
    return e


def creator(task_id, name, kind, offset, routes=(), scopes=()):
    return {
        "provisionerId": f"{TRUST}-{LEVEL}", "workerType": "decision", "schedulerId": f"{TRUST}-level-{LEVEL}",
        "taskGroupId": task_id if kind == "decision-task" else None, "dependencies": [],
        "requires": "all-completed", "routes": list(routes), "priority": "lowest", "retries": 5,
        "created": now_token(offset), "deadline": now_token(offset + 86400),
        "expires": now_token(offset + 365 * 86400), "scopes": list(scopes),
        "payload": {"image": "mozillareleases/taskgraph:decision-v24", "maxRunTime": 1800,
                    "command": ["run-task", "--", "bash", "-cx", "taskgraph " + kind],
                    "env": {"TASKCLUSTER_ROOT_URL": "$rootUrl", "GECKO_HEAD_REPOSITORY": REPO, "GECKO_HEAD_REV": REV},
                    "features": {"taskclusterProxy": True, "chainOfTrust": True}},
        "metadata": {"name": name, "description": name, "owner": "dev@tc-action.invalid",
                     "source": f"{REPO}/raw-file/{REV}/.taskcluster.yml"},
        "tags": {"kind": kind, "createdForUser": "dev@tc-action.invalid"},
        "extra": {"tasks_for": "github-push" if kind == "decision-task" else "action"},
    }


def access(world_clients_roles):
    pre = ROLE_PREFIX
    generic = [
        f"queue:create-task:low:{TRUST}-{LEVEL}/*", f"queue:create-task:low:{TRUST}-t/*",
        f"queue:create-task:low:scriptworker-k8s/{TRUST}-{LEVEL}-*", f"queue:scheduler-id:{TRUST}-level-{LEVEL}",
        "queue:create-task:project:none", f"queue:rerun-task:{TRUST}-level-{LEVEL}/*",
        f"queue:cancel-task:{TRUST}-level-{LEVEL}/*", "queue:route:checks",
        f"queue:route:tc-treeherder.v2.{PROJECT}.*", f"queue:route:index.{TRUST}.v2.{PROJECT}.*",
        f"queue:route:index.{TRUST}.cache.level-{LEVEL}.*",
    ]
    world_clients_roles["roles"] = [{"roleId": f"{pre}:action:generic", "scopes": generic}]
    tok = hashlib.sha256(b"not-secret/action/generic").hexdigest()[:44]
    world_clients_roles["clients"] = [{"clientId": "action/generic", "accessToken": tok,
                                       "scopes": [f"assume:{pre}:action:generic"]}]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--tasks", type=int, default=30000, help="tasks in the full graph (default 30000)")
    ap.add_argument("--fanout", type=int, default=2000, help="downstream tasks of the big build (default 2000)")
    ap.add_argument("--seed", default="1")
    ap.add_argument("--actions", type=int, default=20, help="running action tasks (one per benchmark run)")
    ap.add_argument("--lean", action="store_true", help="the big build and its tests only, compact JSON")
    a = ap.parse_args()
    g, big, full_only_builds = build(a.tasks, a.fanout, a.seed, a.lean)
    os.makedirs(os.path.join(a.out, "artifacts"), exist_ok=True)
    art = lambda n: os.path.abspath(os.path.join(a.out, "artifacts", n))

    write_yaml(art("parameters.yml"), PARAMETERS)
    dump_artifact(art("full-task-graph.json"), g.full, a.lean)
    dump_artifact(art("task-graph.json"), task_graph_json(g), a.lean)
    dump_artifact(art("label-to-taskid.json"), g.push, a.lean)
    if not os.path.exists(art("actions.json")):  # push_bench.sh renders taskgraph's own when it can
        dump_artifact(art("actions.json"), {"version": 1, "variables": {}, "actions": []}, True)

    action_ids = [g.id() for _ in range(a.actions)]
    action_id = action_ids[0]
    rev_ns = f"{TRUST}.v2.{PROJECT}.revision.{REV}"
    tasks = []
    d = creator(g.decision, "Decision Task", "decision-task", T_DECISION,
                routes=[f"index.{rev_ns}.taskgraph.decision", f"index.{TRUST}.v2.{PROJECT}.latest.taskgraph.decision"],
                scopes=[f"assume:{ROLE_PREFIX}:branch:main"])
    tasks.append(world_task(g.decision, d, "completed", {
        f"public/{n}": {"contentFile": art(n), "contentType": "text/yaml" if n.endswith(".yml") else "application/json"}
        for n in ("parameters.yml", "full-task-graph.json", "task-graph.json", "label-to-taskid.json", "actions.json")}))
    for label, tid in g.push.items():   # dependencies before dependents (creation order)
        tasks.append(world_task(tid, resolve(g, label, tid, "$rootUrl"), g.states[label]))
    for i, aid in enumerate(action_ids):   # one running action task per run (a run creates as TASK_ID)
        ad = creator(aid, f"Action: bench {i}", "action-callback", -60,
                     routes=[f"index.{rev_ns}.actions.{aid}"], scopes=[f"assume:{ROLE_PREFIX}:action:generic"])
        ad["taskGroupId"] = g.decision
        tasks.append(world_task(aid, ad, "running"))
    world = {"format": "tc-action-bench-world/1", "generatedBy": "bench/make_push_world.py",
             "parameters": PARAMETERS, "decisionTaskId": g.decision, "actionTaskId": action_id,
             "rolePrefix": ROLE_PREFIX, "proxyClientId": "action/generic", "tasks": tasks}
    access(world)
    with open(os.path.join(a.out, "world.json"), "w") as f:
        json.dump(world, f, separators=(",", ":"))

    # what the benchmarks act on
    rdeps = {}
    for l, e in g.full.items():
        for x in e["dependencies"].values():
            rdeps.setdefault(x, []).append(l)
    seen, todo = set(), [big]
    while todo:
        for x in rdeps.get(todo.pop(), []):
            if x not in seen:
                seen.add(x)
                todo.append(x)
    downstream = sorted(seen)
    pushed_tests = [l for l in g.push if l.startswith("test-") and not l.endswith("-b0")]
    step = max(1, len(pushed_tests) // 50)
    retrigger_labels = pushed_tests[::step][:50]
    unscheduled = [l for l in g.full if l.startswith("test-") and l not in g.push]
    fo_build_tests = [l for l in unscheduled if any(l.endswith(f"-b{b.rsplit('-', 1)[1]}") for b in full_only_builds[:1])]
    other = [l for l in unscheduled if l not in fo_build_tests]
    new_jobs = (other[::max(1, len(other) // 45)][:45] + fo_build_tests[:5]) if not a.lean else []
    def created_by(labels):   # the labels, and every dependency (transitively) the push has no task for
        out, todo = set(labels), list(labels)
        while todo:
            for x in g.full[todo.pop()]["dependencies"].values():
                if x not in g.push and x not in out:
                    out.add(x)
                    todo.append(x)
        return len(out)

    bench = {
        "decisionTaskId": g.decision, "actionTaskIds": action_ids, "proxyClientId": "action/generic",
        "fullGraphTasks": len(g.full), "pushTasks": len(g.push),
        "bigBuild": {"label": big, "taskId": g.push[big], "downstream": len(downstream),
                     "creates": 1 + len([l for l in downstream if l in g.push])},
        "retriggerMultiple": {"labels": retrigger_labels, "creates": len(retrigger_labels)},
        "addNewJobs": {"labels": new_jobs, "creates": created_by(new_jobs)},
        "bytes": {n: os.path.getsize(art(n)) for n in ("full-task-graph.json", "task-graph.json",
                                                        "label-to-taskid.json")},
    }
    with open(os.path.join(a.out, "bench.json"), "w") as f:
        json.dump(bench, f, indent=1)
    print(f"{a.out}: {len(g.full)} tasks in the full graph ({bench['bytes']['full-task-graph.json'] / 1e6:.1f} MB), "
          f"{len(g.push)} in the push; big build {big}: {len(downstream)} downstream", file=sys.stderr)


if __name__ == "__main__":
    main()
