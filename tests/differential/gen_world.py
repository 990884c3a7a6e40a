#!/usr/bin/env python3
"""Generate the decision worlds of the differential tier with the REAL taskgraph.

Run with the reference taskgraph's Python (../shared/taskgraph-reference):

    /work/shared/taskgraph-reference/setup.sh          # once; state in /tmp/taskgraph-reference
    . /tmp/taskgraph-reference/env.sh
    "$TASKGRAPH_PY" tests/differential/gen_world.py     # writes tests/differential/worlds/
    "$TASKGRAPH_PY" tests/differential/gen_world.py --check   # regenerate in memory, compare bytes

What is taskgraph's own doing (nothing re-implemented):
  * the full graph: TaskGraphGenerator(...).full_task_graph, as `taskgraph full`;
  * the decision's graph: target set, target graph, optimize_task_graph (the real
    index-search strategy), morph, label_to_taskid; task definitions as
    taskgraph.create.create_tasks builds them (schedulerId, taskGroupId, decision
    dependency, task_duplicates);
  * earlier action tasks and a cron task: taskgraph.actions.util.create_tasks
    (add-new-jobs / retrigger / cron-like) with TASK_ID set to their taskId, and
    their task-graph.json / label-to-taskid.json / to-run.json artifacts.
Replaced for determinism and to run offline (monkeypatched, see `_patch`):
  * slugid() -> taskIds derived from a seed ("<world>/<creator>/<n>");
  * the Taskcluster calls of the index-search optimization
    (find_task_id_batched, status_task_batched) -> answered from this world's
    index and queue;
  * createTask -> the definition is recorded; `{relative-datestamp}` is resolved
    to `$now+/-N<unit>` tokens relative to the creator's creation time;
  * root URL / proxy URL -> the tokens `$rootUrl` / `$proxyUrl`.
The world format is documented in tests/differential/README.md.
"""
import argparse
import copy
import datetime as dt
import hashlib
import io
import json
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "support"))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from world_tokens import now_token, slug_from  # noqa: E402
PROJECT = os.path.join(HERE, "project")
OUT = os.path.join(HERE, "worlds")
FORMAT = "tc-action-differential-world/1"

try:
    import taskgraph  # noqa: F401
    import yaml
except ImportError:  # pragma: no cover
    sys.exit("gen_world.py: run with the reference taskgraph's Python: "
             ". /tmp/taskgraph-reference/env.sh; \"$TASKGRAPH_PY\" " + sys.argv[0])

import taskgraph.create as tg_create
import taskgraph.optimize.base as tg_optbase
from taskgraph.actions import util as tg_actutil
from taskgraph.generator import TaskGraphGenerator
from taskgraph.parameters import Parameters
from taskgraph.taskgraph import TaskGraph
from taskgraph.util import taskcluster as tg_tc
from taskgraph.util.parameterization import resolve_task_references
from taskgraph.util.time import value_of

ROOT_URL = "$rootUrl"
PROXY_URL = "$proxyUrl"

# --------------------------------------------------------------------------- variants
VARIANTS = {
    # a GitHub project at level 3, pushed to main (decision indexed by revision)
    "git": {
        "params": {
            "base_repository": "https://github.com/tc-action/tcproj",
            "base_ref": "refs/heads/main",
            "base_rev": "1111111111111111111111111111111111111111",
            "head_ref": "refs/heads/main",
            "head_repository": "https://github.com/tc-action/tcproj",
            "head_rev": "2222222222222222222222222222222222222222",
            "level": "3",
            "project": "tcproj",
            "pushlog_id": "0",
            "repository_type": "git",
            "tasks_for": "github-push",
        },
        "role_prefix": "repo:github.com/tc-action/tcproj",
        "decision_scopes": ["assume:repo:github.com/tc-action/tcproj:branch:main"],
    },
    # an hg.mozilla.org project at level 1 (three index-search paths per cached task;
    # decision indexed by pushlog-id)
    "hg": {
        "params": {
            "base_repository": "https://hg.mozilla.org/projects/tcproj",
            "base_ref": "",
            "base_rev": "3333333333333333333333333333333333333333",
            "head_ref": "4444444444444444444444444444444444444444",
            "head_repository": "https://hg.mozilla.org/projects/tcproj",
            "head_rev": "4444444444444444444444444444444444444444",
            "level": "1",
            "project": "tcproj",
            "pushlog_id": "42",
            "repository_type": "hg",
            "tasks_for": "hg-push",
        },
        "role_prefix": "repo:hg.mozilla.org/projects/tcproj",
        "decision_scopes": ["assume:repo:hg.mozilla.org/projects/tcproj:branch:default"],
    },
}

COMMON_PARAMS = {
    "build_date": 1735689600,
    "build_number": 1,
    "do_not_optimize": [],
    "enable_always_target": True,
    "existing_tasks": {},
    "files_changed": [],
    "filters": ["target_tasks_method"],
    "head_tag": "",
    "moz_build_date": "20250101000000",
    "next_version": None,
    "optimize_strategies": None,
    "optimize_target_tasks": True,
    "owner": "dev@tc-action.invalid",
    "pushdate": 1735689600,
    "target_tasks_method": "default",
    "version": None,
}

# Offsets (seconds, relative to the moment the world is loaded) at which each
# creator created its tasks.
T_OLD = -30 * 86400       # the earlier push that built the indexed cached tasks
T_DECISION = -3 * 3600
T_CRON = -150 * 60
T_ACTION1 = -2 * 3600
T_ACTION2 = -1 * 3600
T_ACTION = -60            # the action task under test (running)

# State of the last run of each task the decision created (others: completed).
DECISION_STATES = {
    "build-linux64/debug": "failed",
    "test-linux64/opt-unit-1": "failed",
    "test-linux64/opt-unit-flaky": "completed",   # its task_duplicates copy: failed
    "test-linux64/debug-unit-1": "unscheduled",   # its build failed
    "test-linux64/opt-lint": "failed",
    "summary-tests": "unscheduled",
    "upload-symbols-linux64/opt": "running",
    "signing-linux64/opt": "failed",
    "beetmover-linux64/opt": "exception",         # past its 2-hour deadline
}
DUPLICATE_STATE = "failed"

# Cached tasks found in the index from an earlier push, per variant level.
# (label, state, expires offset, index levels it is found at)
OLD_CACHED = [
    ("docker-image-base", "completed", 335 * 86400, None),
    ("toolchain-linux64-gcc", "completed", 200 * 86400, None),
    ("toolchain-node", "completed", 200 * 86400, None),
    ("toolchain-mingw", "completed", 6 * 3600, None),     # expires before its dependents' deadline
    ("toolchain-linux64-zig", "failed", 200 * 86400, None),
]


# --------------------------------------------------------------------------- helpers
def resolve_datestamps(task_def, base_offset):
    """taskgraph.util.parameterization.resolve_timestamps, but to `$now` tokens."""
    def rec(v):
        if isinstance(v, list):
            return [rec(x) for x in v]
        if isinstance(v, dict):
            if len(v) == 1 and "relative-datestamp" in v:
                rel = v["relative-datestamp"]
                return now_token(base_offset + value_of(rel).total_seconds())
            return {k: rec(x) for k, x in v.items()}
        return v
    return rec(task_def)


def real_time(token, real_now):
    """Resolve a `$now...` token against the real clock (for index-search checks)."""
    if token == "$now":
        off = 0
    else:
        sign = 1 if token[4] == "+" else -1
        num = int(token[5:-1]) if token[-1] in "dhm" else int(token[5:-1])
        unit = {"d": 86400, "h": 3600, "m": 60, "s": 1}[token[-1]]
        off = sign * num * unit
    t = real_now + dt.timedelta(seconds=off)
    return t.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


class World:
    def __init__(self, name, variant):
        self.name = name
        self.v = variant
        self.params = dict(COMMON_PARAMS, **variant["params"])
        self.trust = "tcaction"
        self.tasks = {}        # taskId -> world task entry
        self.index = {}        # namespace -> entry
        self.refs = {}         # symbolic name -> taskId
        self.counters = {}
        self.real_now = dt.datetime.now(dt.timezone.utc)

    # deterministic taskIds --------------------------------------------------
    def new_id(self, creator):
        n = self.counters.get(creator, 0)
        self.counters[creator] = n + 1
        return slug_from(f"{self.name}/{creator}/{n}")

    def add_task(self, task_id, definition, state, ref=None, artifacts=None, runs=None, reason=None):
        e = {"taskId": task_id, "task": definition, "state": state}
        if runs:
            e["runs"] = runs
        if reason:
            e["reason"] = reason
        if artifacts:
            e["artifacts"] = artifacts
        self.tasks[task_id] = e
        if ref:
            assert ref not in self.refs, ref
            self.refs[ref] = task_id
        return e

    def add_index(self, namespace, task_id, expires, rank=0):
        self.index[namespace] = {"namespace": namespace, "taskId": task_id, "rank": rank,
                                 "expires": expires, "data": {}}

    def index_routes_of(self, task_id):
        d = self.tasks[task_id]["task"]
        for r in d.get("routes", []):
            if r.startswith("index."):
                self.add_index(r[len("index."):], task_id, d["expires"],
                               rank=d.get("extra", {}).get("index", {}).get("rank", 0))

    # what the index-search optimization asks Taskcluster ---------------------
    def find_task_id_batched(self, paths):
        return {p: self.index[p]["taskId"] for p in paths if p in self.index}

    def status_task_batched(self, task_ids):
        out = {}
        for t in task_ids:
            e = self.tasks.get(t)
            if e:
                out[t] = {"taskId": t, "state": e["state"],
                          "expires": real_time(e["task"]["expires"], self.real_now),
                          "deadline": real_time(e["task"]["deadline"], self.real_now)}
        return out


def _patch(world, creator, base_offset, created):
    """Point taskgraph's Taskcluster-facing functions at the world (see module doc)."""
    tg_optbase.find_task_id_batched = world.find_task_id_batched
    tg_optbase.status_task_batched = world.status_task_batched
    tg_optbase.slugid = lambda: world.new_id(creator)
    tg_create.slugid = lambda: world.new_id(creator)

    def create_task(session, task_id, label, task_def):
        created.append((task_id, label, resolve_datestamps(task_def, base_offset)))

    tg_create.create_task = create_task
    tg_create.testing = False


def _env(task_id):
    os.environ["TASK_ID"] = task_id
    os.environ["TASKCLUSTER_ROOT_URL"] = ROOT_URL
    os.environ["TASKCLUSTER_PROXY_URL"] = PROXY_URL
    tg_tc.get_root_url.cache_clear()


def json_artifact(value):
    return {"contentType": "application/json", "content": value}


def creator_task(world, task_id, name, kind, offset, extra_env=None, routes=(), scopes=(),
                 group=None, description=""):
    """A decision / action / cron task definition like taskgraph's .taskcluster.yml makes."""
    p = world.params
    lvl = p["level"]
    env = {"TASKCLUSTER_ROOT_URL": ROOT_URL, "GECKO_HEAD_REPOSITORY": p["head_repository"],
           "GECKO_HEAD_REV": p["head_rev"]}
    env.update(extra_env or {})
    return {
        "provisionerId": f"tcaction-{lvl}",
        "workerType": "decision",
        "schedulerId": f"tcaction-level-{lvl}",
        "taskGroupId": group or task_id,
        "dependencies": [],
        "requires": "all-completed",
        "routes": list(routes),
        "priority": "lowest",
        "retries": 5,
        "created": now_token(offset),
        "deadline": now_token(offset + 86400),
        "expires": now_token(offset + 365 * 86400),
        "scopes": list(scopes),
        "payload": {
            "image": "mozillareleases/taskgraph:decision-v24",
            "command": ["run-task", "--", "bash", "-cx", "taskgraph " + kind],
            "env": env,
            "maxRunTime": 1800,
            "features": {"taskclusterProxy": True, "chainOfTrust": True},
            "artifacts": {"public": {"type": "directory", "path": "/builds/worker/artifacts",
                                     "expires": now_token(offset + 365 * 86400)}},
        },
        "metadata": {"name": name, "description": description or name, "owner": p["owner"],
                     "source": f"{p['head_repository']}/raw-file/{p['head_rev']}/.taskcluster.yml"},
        "tags": {"kind": kind, "createdForUser": p["owner"]},
        "extra": {"tasks_for": p["tasks_for"] if kind == "decision-task" else "action"},
    }


# --------------------------------------------------------------------------- generation
def build_world(name):
    v = VARIANTS[name]
    w = World(name, v)
    p = w.params
    td, proj, rev, lvl = w.trust, p["project"], p["head_rev"], p["level"]
    rev_ns = f"{td}.v2.{proj}.revision.{rev}"
    push_ns = f"{td}.v2.{proj}.pushlog-id.{p['pushlog_id']}"
    decision_id = w.new_id("decision-task")
    w.refs["decision"] = decision_id

    cwd = os.getcwd()
    os.chdir(PROJECT)  # metadata.source paths relative to the repository, as in a decision task
    try:
        _env(decision_id)
        params = Parameters(**p)
        params.check()
        tgg = TaskGraphGenerator(root_dir="taskcluster", parameters=params,
                                 decision_task_id=decision_id)
        full = tgg.full_task_graph
        # serialized now, as decision.py writes it before optimizing: the optimizer
        # resolves references in place in the very Task objects of the full graph
        full_json = copy.deepcopy(full.to_json())
        full = TaskGraph.from_json(copy.deepcopy(full_json))[1]

        # ---- the earlier push whose cached tasks are in the index ----
        old_group = w.new_id("old-push")
        old_ids = {}
        for label, state, exp, _ in OLD_CACHED:
            t = full[label]
            tid = w.new_id("old-push")
            old_ids[label] = tid
            deps = {n: old_ids[l] for n, l in t.dependencies.items()}
            d = resolve_task_references(label, copy.deepcopy(t.task), task_id=tid,
                                        decision_task_id=old_group, dependencies=deps)
            d = resolve_datestamps(d, T_OLD)
            d["expires"] = now_token(exp)
            for a in d.get("payload", {}).get("artifacts", {}).values():
                a["expires"] = d["expires"]
            d.update(taskGroupId=old_group, schedulerId=f"tcaction-level-{lvl}",
                     dependencies=sorted(deps.values()))
            d["extra"]["parent"] = old_group
            w.add_task(tid, d, state, ref=f"{label}@old")
            paths = t.optimization["index-search"]
            # an hg/level-1 world finds its hits at the lowest-priority path only
            w.add_index(paths[-1], tid, d["expires"])

        # ---- the decision task ----
        created = []
        _patch(w, "decision-task", T_DECISION, created)
        morphed = tgg.morphed_task_graph
        label_to_taskid = tgg.label_to_taskid
        tg_create.create_tasks(tgg.graph_config, morphed, label_to_taskid, params,
                               decision_task_id=decision_id)
        decision_routes = [f"index.{rev_ns}.taskgraph.decision",
                           f"index.{td}.v2.{proj}.latest.taskgraph.decision",
                           f"index.{td}.v2.{proj}.pushdate.2025.01.01.20250101000000.taskgraph.decision"]
        if p["repository_type"] == "hg":
            decision_routes.append(f"index.{push_ns}.decision")
        params_yml = yaml.safe_dump(dict(**params), allow_unicode=True, default_flow_style=False)
        dd = creator_task(w, decision_id, "Decision Task", "decision-task", T_DECISION,
                          routes=decision_routes, scopes=v["decision_scopes"],
                          description="the push's decision task")
        w.add_task(decision_id, dd, "completed", artifacts={
            "public/parameters.yml": {"contentType": "text/yaml", "content": params_yml},
            "public/full-task-graph.json": json_artifact(full_json),
            "public/task-graph.json": json_artifact(morphed.to_json()),
            "public/label-to-taskid.json": json_artifact(label_to_taskid),
            "public/target-tasks.json": json_artifact(sorted(tgg.target_task_set.tasks)),
        })
        w.index_routes_of(decision_id)
        seen = set()
        for tid, label, d in sorted(created, key=lambda c: (c[1], c[0])):
            dup = label in seen
            seen.add(label)
            if dup:
                state = DUPLICATE_STATE
            else:
                state = DECISION_STATES.get(label, "completed")
            reason = "deadline-exceeded" if state == "exception" else None
            w.add_task(tid, d, state, ref=f"{label}@decision" + ("#dup" if dup else ""), reason=reason)
            if state == "completed":
                w.index_routes_of(tid)

        # ---- earlier action tasks and a cron task (taskgraph's create_tasks) ----
        def run_creator(creator, offset, to_run, base_map, group, ref, tags_kind,
                        index_namespaces, env, states, default_state="completed"):
            tid = w.new_id(creator)
            w.refs[ref] = tid
            if group == "self":
                group = tid
            out = []
            _patch(w, creator, offset, out)
            _env(tid)
            with tempfile.TemporaryDirectory() as tmp:
                os.chdir(tmp)
                try:
                    # as fetch_graph_and_labels: the graph as read from the artifact
                    graph = TaskGraph.from_json(copy.deepcopy(full_json))[1]
                    new_map = tg_actutil.create_tasks(tgg.graph_config, to_run, graph, base_map,
                                                      params, group, suffix="0")
                    tg_actutil.combine_task_graph_files(["0"])
                    arts = {}
                    for f in ("task-graph.json", "label-to-taskid.json", "to-run.json"):
                        with open(os.path.join("artifacts", f)) as fh:
                            arts["public/" + f] = json_artifact(json.load(fh))
                finally:
                    os.chdir(PROJECT)
            routes = [f"index.{ns}.{tid}" for ns in index_namespaces]
            d = creator_task(w, tid, f"Action: {creator}" if tags_kind != "cron-task" else "Cron: nightly",
                             tags_kind, offset, extra_env=env, routes=routes, group=group,
                             scopes=[f"assume:{v['role_prefix']}:action:generic"] if tags_kind == "action-callback" else v["decision_scopes"])
            w.add_task(tid, d, "completed", artifacts=arts)
            for ns in index_namespaces:
                w.add_index(f"{ns}.{tid}", tid, d["expires"])
            for ctid, label, cd in sorted(out, key=lambda c: (c[1], c[0])):
                st = states.get(label, default_state)
                w.add_task(ctid, cd, st, ref=f"{label}@{ref}")
                if st == "completed":
                    w.index_routes_of(ctid)
            return new_map

        # cron: a nightly-like graph of its own (own task group), indexed under .cron
        # (approximation: a cron decision generates its own graph; here taskgraph's
        # create_tasks builds it in the cron task's own group, reusing the push's tasks)
        run_creator("cron", T_CRON, ["build-linux64-asan/opt"], label_to_taskid, "self", "cron1",
                    "cron-task", [f"{rev_ns}.cron"], {}, {})

        merged = dict(label_to_taskid)
        # action 1 (both namespaces, as taskgraph's .taskcluster.yml indexes actions):
        # add-new-jobs of the gcc test; its build failed
        m1 = run_creator("action1", T_ACTION1, ["test-linux64-gcc/opt-unit"], merged, decision_id,
                         "action1", "action-callback", [f"{push_ns}.actions", f"{rev_ns}.actions"],
                         {"ACTION_CALLBACK": "add-new-jobs",
                          "ACTION_INPUT": json.dumps({"tasks": ["test-linux64-gcc/opt-unit"]})},
                         {"build-linux64-gcc/opt": "failed", "test-linux64-gcc/opt-unit": "unscheduled"})
        merged.update(m1)
        # action 2 (pushlog-id namespace only, as older templates did): retrigger of unit-1
        run_creator("action2", T_ACTION2, ["test-linux64/opt-unit-1"], merged, decision_id,
                    "action2", "action-callback", [f"{push_ns}.actions"],
                    {"ACTION_CALLBACK": "retrigger", "ACTION_INPUT": json.dumps({})}, {})

        # ---- the action task under test (running; not indexed until it completes) ----
        action_id = w.new_id("action-under-test")
        w.refs["action"] = action_id
        ad = creator_task(w, action_id, "Action: under test", "action-callback", T_ACTION,
                          group=decision_id, scopes=[f"assume:{v['role_prefix']}:action:generic"],
                          routes=[f"index.{rev_ns}.actions.{action_id}", f"index.{push_ns}.actions.{action_id}"])
        w.add_task(action_id, ad, "running")
    finally:
        os.chdir(cwd)

    return finish(w)


def finish(w):
    v = w.v
    pre = v["role_prefix"]
    lvl = w.params["level"]
    generic = [
        f"queue:create-task:low:tcaction-{lvl}/*", "queue:create-task:low:tcaction-t/*",
        f"queue:create-task:low:scriptworker-k8s/tcaction-{lvl}-*",
        f"queue:scheduler-id:tcaction-level-{lvl}",
        "queue:create-task:project:none",  # the genuine queue requires it (projectId defaults to "none")
        f"queue:rerun-task:tcaction-level-{lvl}/*", f"queue:cancel-task:tcaction-level-{lvl}/*",
        "queue:route:checks", "queue:route:tc-treeherder.v2.tcproj.*",
        "queue:route:index.tcaction.v2.tcproj.*",
        # cached tasks an action creates (add-new-jobs, retrigger of a test whose toolchain is rebuilt)
        f"queue:route:index.tcaction.cache.level-{lvl}.*",
        "project:tcaction:releng:signing:cert:release-signing",
    ]
    roles = [
        {"roleId": f"{pre}:action:generic", "scopes": generic},
        {"roleId": f"{pre}:pr-action:generic", "scopes": generic},
        {"roleId": f"{pre}:action:rebuild-cached-tasks",
         "scopes": generic + [f"queue:route:index.tcaction.cache.level-{lvl}.*"]},
        {"roleId": f"{pre}:action:retrigger-decision",
         "scopes": generic + [f"queue:create-task:lowest:tcaction-{lvl}/decision",
                              f"assume:{pre}:branch:*",
                              # a copy of an action task runs with the action's scopes
                              f"assume:{pre}:action:generic"]},
    ]

    def client(cid, scopes):
        tok = hashlib.sha256(("not-secret/" + cid).encode()).hexdigest()[:44]
        return {"clientId": cid, "accessToken": tok, "scopes": scopes}

    clients = [
        client("action/generic", [f"assume:{pre}:action:generic"]),
        client("action/rebuild-cached-tasks", [f"assume:{pre}:action:rebuild-cached-tasks"]),
        client("action/retrigger-decision", [f"assume:{pre}:action:retrigger-decision"]),
        client("action/pr-generic", [f"assume:{pre}:pr-action:generic"]),
        client("action/star", [f"assume:{pre}:action:*"]),
        client("action/none", []),
    ]
    names = {}
    for ref, tid in w.refs.items():
        names.setdefault(tid, ref)
    tasks = sorted(w.tasks.values(), key=lambda e: (e["task"]["created"], e["task"]["metadata"]["name"], e["taskId"]))
    return {
        "format": FORMAT,
        "variant": w.name,
        "generatedBy": {"tool": "tests/differential/gen_world.py", "taskgraph": "24.2.0",
                        "graphConfig": "tests/differential/project/taskcluster"},
        "parameters": w.params,
        "decisionTaskId": w.refs["decision"],
        "actionTaskId": w.refs["action"],
        "rolePrefix": pre,
        "proxyClientId": "action/generic",
        "pageSize": 1,
        "refs": dict(sorted(w.refs.items())),
        "names": dict(sorted(names.items())),
        "clients": clients,
        "roles": roles,
        "tasks": tasks,
        "index": [w.index[k] for k in sorted(w.index)],
    }


def dump(obj):
    return json.dumps(obj, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=OUT)
    ap.add_argument("--variant", choices=sorted(VARIANTS), action="append")
    ap.add_argument("--check", action="store_true",
                    help="regenerate and compare with the files in --out (exit 1 on a difference)")
    a = ap.parse_args()
    import logging
    logging.basicConfig(level=logging.WARNING)
    t0 = time.monotonic()
    bad = 0
    for name in a.variant or sorted(VARIANTS):
        # every variant starts from a clean taskgraph (module-level caches)
        data = dump(build_world(name))
        path = os.path.join(a.out, f"{name}.json")
        if a.check:
            same = os.path.exists(path) and open(path, encoding="utf-8").read() == data
            print(f"{path}: {'identical' if same else 'DIFFERS'}")
            bad += not same
        else:
            os.makedirs(a.out, exist_ok=True)
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(data)
            print(f"wrote {path} ({len(data)} bytes)")
    print(f"{time.monotonic() - t0:.2f} s", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
