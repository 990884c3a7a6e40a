#!/usr/bin/env python3
"""The differential tier: tc-action against the real taskgraph 24.2.0.

For each scenario of scenarios.json: start build/tc-emulator on a fresh copy of
the scenario's world (patches applied: artifact and index edits in the world
before it is loaded, faults through the emulator's fault API), run the real
`taskgraph action-callback` (run-action.sh) when it is available, then, on
another fresh emulator, `tc-action run` with the SAME environment; read each
emulator's journal and compare every mutating call (createTask bodies
normalized as README.md "Normalization" says, rerunTask/cancelTask targets)
and the exit (taskgraph 0 = tc-action 0; taskgraph 1 = tc-action 1, 2 or 3
with a one-line error). tc-action is compared with the live taskgraph run and
with the recorded one (scenarios.json `taskgraph`, expected/<id>.json), so the
tier also runs without taskgraph. A difference is accepted only when
differences.json lists it for the scenario AND tc-action did exactly what the
entry says; `require` in a scenario adds checks tc-action must pass anyway.

    tests/differential/run.py [--only ID ...] [--taskgraph auto|yes|no] [--jobs N]
                              [--build DIR] [--json FILE] [--keep DIR] [-v]

Exit 0 when every scenario is identical or a listed deliberate difference,
1 otherwise (and on a stale allowlist entry). Python 3 standard library only.
"""
import argparse
import concurrent.futures
import copy
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "support"))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from emulator_process import Emulator  # noqa: E402
ISO_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
SLUG_RE = re.compile(r"[A-Za-z0-9_-]{8}[Q-T][A-Za-z0-9_-][CGKOSWaeimquy26-][A-Za-z0-9_-]{10}[AQgw]")
MUTATIONS = ("queue.createTask", "queue.rerunTask", "queue.cancelTask")


# --------------------------------------------------------------------------- setup

def find_reference():
    """The taskgraph-reference folder: $TASKGRAPH_REFERENCE, else ../shared
    next to the checkout (CI), or two levels up (a git worktree below it)."""
    cands = [os.environ.get("TASKGRAPH_REFERENCE", ""),
             os.path.join(os.path.dirname(REPO), "shared", "taskgraph-reference"),
             os.path.join(os.path.dirname(os.path.dirname(REPO)), "shared", "taskgraph-reference")]
    for c in cands:
        if c and os.path.isfile(os.path.join(c, "run-action.sh")):
            return os.path.abspath(c)
    return None


def load_json(path):
    with open(path) as f:
        return json.load(f)


def schema_defaults():
    """Top-level defaults of Taskcluster's create-task-request schema."""
    s = load_json(os.path.join(REPO, "schemas/taskcluster/queue/v1/create-task-request.json"))
    return {k: v["default"] for k, v in s["properties"].items() if "default" in v}


# --------------------------------------------------------------------------- worlds

def ref(world, r):
    if r is None:
        return None
    if r not in world["refs"]:
        raise KeyError(f"unknown ref {r}")
    return world["refs"][r]


def apply_patches(world, patches):
    """The world with the scenario's artifact/index edits; the faults to POST."""
    w = copy.deepcopy(world)
    faults = []
    by_id = {t["taskId"]: t for t in w["tasks"]}
    for p in patches or []:
        op = p["op"]
        if op in ("delete-artifact", "set-artifact", "set-json"):
            t = by_id[ref(w, p["task"])]
            arts = t.setdefault("artifacts", {})
            if op == "delete-artifact":
                del arts[p["name"]]
            elif op == "set-artifact":
                arts[p["name"]] = {"contentType": p.get("contentType", "application/octet-stream"),
                                   "content": p["content"]}
            else:
                node = arts[p["name"]]["content"]
                for k in p["path"][:-1]:
                    node = node[k]
                if p.get("delete"):
                    del node[p["path"][-1]]
                else:  # value, or valueRef: the taskId of a ref
                    node[p["path"][-1]] = ref(w, p["valueRef"]) if "valueRef" in p else p["value"]
        elif op == "delete-index":
            w["index"] = [e for e in w["index"] if not re.search(p["match"], e["namespace"])]
        elif op == "fault":
            faults.append({k: v for k, v in p.items() if k != "op"})
        elif op == "set-role":  # {roleId, scopes} replaces (or adds) a role; or {roleId, removeScopes}
            role = next((r for r in w["roles"] if r["roleId"] == p["roleId"]), None)
            if role is None:
                role = {"roleId": p["roleId"], "scopes": []}
                w["roles"].append(role)
            if "scopes" in p:
                role["scopes"] = list(p["scopes"])
            role["scopes"] = [x for x in role["scopes"] if x not in p.get("removeScopes", [])]
        else:
            raise ValueError(f"unknown patch op {op}")
    return w, faults


# --------------------------------------------------------------------------- journal -> result

def api_name(method, path):
    rules = [
        ("GET", r"^/api/queue/v1/task/[^/]+$", "queue.task"),
        ("GET", r"^/api/queue/v1/task/[^/]+/status$", "queue.status"),
        ("GET", r"^/api/queue/v1/task/[^/]+/artifacts/", "queue.getLatestArtifact"),
        ("PUT", r"^/api/queue/v1/task/[^/]+$", "queue.createTask"),
        ("POST", r"^/api/queue/v1/task/[^/]+/rerun$", "queue.rerunTask"),
        ("POST", r"^/api/queue/v1/task/[^/]+/cancel$", "queue.cancelTask"),
        ("GET", r"^/api/queue/v1/task-group/[^/]+/list$", "queue.listTaskGroup"),
        ("GET", r"^/api/queue/v1/task/[^/]+/dependents$", "queue.listDependentTasks"),
        ("POST", r"^/api/queue/v1/tasks/status$", "queue.statuses"),
        ("GET", r"^/api/index/v1/task/", "index.findTask"),
        ("GET", r"^/api/index/v1/tasks/", "index.listTasks"),
        ("POST", r"^/api/index/v1/tasks/indexes$", "index.findTasksAtIndex"),
        ("GET", r"^/api/auth/v1/scopes/current$", "auth.currentScopes"),
        ("POST", r"^/api/auth/v1/scopes/expand$", "auth.expandScopes"),
    ]
    for m, rx, n in rules:
        if m == method and re.search(rx, path):
            return n
    return f"{method} {path}"


def parse_iso(s):
    return dt.datetime.strptime(s.replace("Z", "+0000") if "." in s else s.replace("Z", ".000+0000"),
                                "%Y-%m-%dT%H:%M:%S.%f%z")


class Namer:
    """taskIds -> symbolic names: the world's, and new:<label> for created tasks."""

    def __init__(self, world, root_url, proxy_url, creates):
        self.names = dict(world["names"])
        self.root, self.proxy = root_url, proxy_url
        for tid, body in creates:
            if tid not in self.names and isinstance(body, dict):
                self.names[tid] = "new:" + (body.get("metadata") or {}).get("name", "?")

    def sub(self, s):
        if self.proxy and self.proxy != self.root:
            s = s.replace(self.proxy, "$proxyUrl")
        s = s.replace(self.root, "$rootUrl")
        return SLUG_RE.sub(lambda m: "<" + self.names.get(m.group(0), "unknown:" + m.group(0)) + ">", s)

    def name(self, tid):
        return self.names.get(tid, "unknown:" + tid)


def normalize_body(body, namer):
    """README "Normalization": taskIds -> <name>, timestamps -> offsets from created,
    URLs -> $rootUrl/$proxyUrl, dependencies sorted."""
    created = body.get("created")

    def rec(v, key=None):
        if isinstance(v, str):
            if ISO_RE.match(v) and created and ISO_RE.match(created):
                if key == "created" and v == created:
                    return "<created>"
                d = (parse_iso(v) - parse_iso(created)).total_seconds()
                return f"<created{d:+.3f}s>"
            return namer.sub(v)
        if isinstance(v, list):
            return [rec(x) for x in v]
        if isinstance(v, dict):
            return {namer.sub(k): rec(x, k) for k, x in v.items()}
        return v

    out = rec(body)
    if isinstance(out.get("dependencies"), list):
        out["dependencies"] = sorted(out["dependencies"])
    return out


def canonical_body(body, defaults):
    """What the queue stores: schema defaults filled, provisionerId/workerType as taskQueueId."""
    b = copy.deepcopy(body)
    for k, v in defaults.items():
        b.setdefault(k, copy.deepcopy(v))
    if "provisionerId" in b and "workerType" in b:
        b.setdefault("taskQueueId", f'{b.pop("provisionerId")}/{b.pop("workerType")}')
    b.pop("provisionerId", None)
    b.pop("workerType", None)
    if isinstance(b.get("dependencies"), list):
        b["dependencies"] = sorted(b["dependencies"])
    return b


def body_key(b):
    return json.dumps(b, sort_keys=True)


def result_from_journal(journal, world, root_url, proxy_url, exit_code, stderr):
    creates = []
    for r in journal:
        if api_name(r["method"], r["path"].split("?")[0]) == "queue.createTask":
            tid = urllib.parse.unquote(r["path"].split("?")[0].rsplit("/", 1)[1])
            creates.append((tid, r.get("body"), r["status"]))
    namer = Namer(world, root_url, proxy_url, [(t, b) for t, b, _ in creates])
    mutations = []
    calls = {}
    for r in journal:
        path = r["path"].split("?")[0]
        n = api_name(r["method"], path)
        tail = urllib.parse.unquote(path)
        m = re.match(r"^/api/(queue|index|auth)/v1/(.*)$", tail)
        key = f"{n} {namer.sub(m.group(2) if m else tail)}"
        if r["status"] not in (200, 303):
            key += f" -> {r['status'] or 'reset'}"
        calls[key] = calls.get(key, 0) + 1
        if n in MUTATIONS:
            tid = urllib.parse.unquote(path.split("/")[5])
            mutations.append({"call": n, "task": namer.name(tid), "status": r["status"]})
    # the bodies of the creates the queue accepted or refused (a reset sent nothing we can count)
    bodies = [normalize_body(b, namer) for _, b, st in creates if isinstance(b, dict) and st]
    err = error_line(stderr, exit_code)
    if err and "Known callbacks: " in err:  # taskgraph lists them in os.listdir() order
        head, known = err.split("Known callbacks: ", 1)
        err = head + "Known callbacks: " + ", ".join(sorted(known.split(", ")))
    return {
        "exit": exit_code,
        "error": namer.sub(re.sub(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ - \w+ - ", "", err)) if err else None,
        "mutations": sorted(mutations, key=lambda m: (m["call"], m["task"], m["status"])),
        "creates": sorted(bodies, key=body_key),
        "calls": [k if c == 1 else f"{k} (x{c})" for k, c in sorted(calls.items())],
        "stderr_tail": stderr.strip().splitlines()[-12:],
    }


def error_line(stderr, code):
    if not code:
        return None
    lines = [l for l in stderr.strip().splitlines() if l.strip()]
    for l in reversed(lines):  # tc-action's one-line error
        if l.startswith("tc-action: error: "):
            return l[len("tc-action: error: "):]
    for i in range(len(lines) - 1, -1, -1):  # a Python exception (taskgraph)
        if re.match(r"^[A-Za-z_][\w.]*(Error|Exception|Failure)\w*(:|$)", lines[i]):
            return " ".join(l.strip() for l in lines[i:])
    return lines[-1] if lines else ""


def read_artifacts(adir, world, emu, proxy_client, journal):
    """label-to-taskid.json (ids -> names) and to-run.json (as a set) when written."""
    out = {}
    creates = [(urllib.parse.unquote(r["path"].split("?")[0].rsplit("/", 1)[1]), r.get("body")) for r in journal
               if api_name(r["method"], r["path"].split("?")[0]) == "queue.createTask"]
    namer = Namer(world, emu.root_url, emu.proxy_url if proxy_client else emu.root_url, creates)
    for name in ("label-to-taskid.json", "to-run.json"):
        path = os.path.join(adir, name)
        if not os.path.exists(path):
            continue
        try:
            v = load_json(path)
        except ValueError:
            out[name] = "<not JSON>"
            continue
        if name == "label-to-taskid.json" and isinstance(v, dict):
            # a taskId this run planned but never sent is "planned" (tc-action derives ids; taskgraph's slugids)
            out[name] = {k: namer.names.get(x, "planned:" + k) if isinstance(x, str) else x for k, x in sorted(v.items())}
        elif isinstance(v, list):
            out[name] = sorted(set(map(str, v)))
        else:
            out[name] = v
    return out


# --------------------------------------------------------------------------- running one side

def scenario_env(sc, world, emu, work):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TASKCLUSTER_", "ACTION_", "TC_ACTION_")) and k != "TASK_ID"}
    env.update({
        "TASKCLUSTER_ROOT_URL": emu.root_url,
        "TASK_ID": world["actionTaskId"],
        "ACTION_TASK_GROUP_ID": ref(world, sc.get("taskGroup", "decision")),
        "ACTION_TASK_ID": json.dumps(ref(world, sc.get("target"))),
        "ACTION_INPUT": json.dumps(sc.get("input")),
        "ACTION_CALLBACK": sc["action"],
    })
    if sc.get("proxy", True):
        env["TASKCLUSTER_PROXY_URL"] = emu.proxy_url
    if sc.get("credentials"):
        c = next(c for c in world["clients"] if c["clientId"] == sc["credentials"])
        env["TASKCLUSTER_CLIENT_ID"] = c["clientId"]
        env["TASKCLUSTER_ACCESS_TOKEN"] = c["accessToken"]
    return env


def run_side(side, sc, world, faults, cfg, work):
    """One implementation on a fresh emulator: its normalized result."""
    os.makedirs(work, exist_ok=True)
    wpath = os.path.join(work, "world.json")
    with open(wpath, "w") as f:
        json.dump(world, f)
    proxy_client = sc.get("client", world["proxyClientId"]) if sc.get("proxy", True) else None
    emu = Emulator(cfg["emulator"], wpath, proxy_client, os.path.join(work, "emulator.log"))
    try:
        if faults:
            emu.control("faults", "POST", faults)
        env = scenario_env(sc, world, emu, work)
        adir = os.path.join(work, "artifacts")
        if side == "taskgraph":
            env["TASKGRAPH_ROOT"] = os.path.join(HERE, "project", "taskcluster")
            env["ACTION_WORKDIR"] = work
            args = [os.path.join(cfg["reference"], "run-action.sh")]
        else:
            args = [cfg["tc_action"], "run", "--artifacts", adir]
        t0 = time.monotonic()
        # repeat: the action task retried (same TASK_ID, same Taskcluster state), as a worker does after a crash
        for _ in range(int(sc.get("repeat", 1))):
            if os.path.isdir(adir) and side == "taskgraph":
                shutil.rmtree(adir)
            p = subprocess.run(args, env=env, capture_output=True, text=True, timeout=cfg["timeout"], cwd=work)
        wall = time.monotonic() - t0
        journal = emu.control("journal")
    finally:
        emu.stop()
    res = result_from_journal(journal, world, emu.root_url, emu.proxy_url if proxy_client else emu.root_url,
                              p.returncode, p.stderr)
    res["wall_s"] = round(wall, 2)
    res["artifacts"] = sorted(os.listdir(adir)) if os.path.isdir(adir) else []
    res["artifact_content"] = read_artifacts(adir, world, emu, proxy_client, journal)
    with open(os.path.join(work, "result.json"), "w") as f:
        json.dump(res, f, indent=1, sort_keys=True)
    with open(os.path.join(work, "stderr.txt"), "w") as f:
        f.write(p.stderr)
    return res


# --------------------------------------------------------------------------- comparing

def exit_class(side, code):
    if side == "taskgraph":
        return "ok" if code == 0 else "error" if code == 1 else f"exit{code}"
    return "ok" if code == 0 else "error" if code in (1, 2, 3) else f"exit{code}"


def mutation_keys(muts, with_status=True):
    return sorted(f'{m["call"]} {m["task"]}' + (f' -> {m["status"]}' if with_status and m["status"] not in (200,) else "")
                  for m in muts)


def compare(ref_res, tc, defaults, ref_side="taskgraph"):
    """Differences between a reference (taskgraph) result and tc-action's; [] when identical."""
    diffs = []
    if exit_class(ref_side, ref_res["exit"]) != exit_class("tc-action", tc["exit"]):
        diffs.append(f'exit: taskgraph {ref_res["exit"]}, tc-action {tc["exit"]}')
    if tc["exit"] and (not tc.get("error") or "\n" in tc["error"]):
        diffs.append("tc-action failed without a one-line error")
    a, b = mutation_keys(ref_res["mutations"]), mutation_keys(tc["mutations"])
    if a != b:
        only_a = [x for x in a if x not in b or a.count(x) > b.count(x)]
        only_b = [x for x in b if x not in a or b.count(x) > a.count(x)]
        diffs.append(f"mutations: taskgraph only {sorted(set(only_a))}, tc-action only {sorted(set(only_b))}")
    for name, want in (ref_res.get("artifact_content") or {}).items():
        got = (tc.get("artifact_content") or {}).get(name)
        if got != want:
            diffs.append(f"artifact {name}: taskgraph {json.dumps(want)[:300]}, tc-action {json.dumps(got)[:300]}")
    ca = sorted((canonical_body(x, defaults) for x in ref_res["creates"]), key=body_key)
    cb = sorted((canonical_body(x, defaults) for x in tc["creates"]), key=body_key)
    if ca != cb and len(ca) == len(cb):
        diffs.append("createTask bodies: " + first_body_diff(ca, cb))
    elif ca != cb:
        diffs.append(f"createTask bodies: taskgraph {len(ca)}, tc-action {len(cb)}")
    return diffs


def first_body_diff(ca, cb):
    by_name = {}
    for b in ca:
        by_name.setdefault(b.get("metadata", {}).get("name"), []).append(b)
    for b in cb:
        name = b.get("metadata", {}).get("name")
        cands = by_name.get(name) or []
        if b in cands:
            continue
        if not cands:
            return f"tc-action creates {name!r}, taskgraph does not"
        return f"{name}: " + "; ".join(json_diff(cands[0], b))[:600]
    return "same labels, different multiset"


def json_diff(a, b, path=""):
    out = []
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a:
                out.append(f"{path}.{k}: tc-action only {json.dumps(b[k])[:120]}")
            elif k not in b:
                out.append(f"{path}.{k}: taskgraph only {json.dumps(a[k])[:120]}")
            else:
                out += json_diff(a[k], b[k], f"{path}.{k}")
    elif a != b:
        out.append(f"{path}: taskgraph {json.dumps(a)[:120]} vs tc-action {json.dumps(b)[:120]}")
    return out


def record(doc, scenarios, results, path):
    """Writes what the live taskgraph did into scenarios.json and expected/<id>.json."""
    for sc in scenarios:
        live = results[sc["id"]].get("taskgraph")
        if live is None:
            continue
        sc["taskgraph"] = {"exit": live["exit"], "error": live["error"], "calls": live["calls"],
                           "mutations": live["mutations"], "artifacts": live["artifacts"]}
        exp = os.path.join(HERE, "expected", f'{sc["id"]}.json')
        if live["creates"]:
            with open(exp, "w") as f:
                json.dump(live["creates"], f, indent=1, sort_keys=True)
                f.write("\n")
        elif os.path.exists(exp):
            os.remove(exp)
    with open(path, "w") as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)
        f.write("\n")


def recorded_result(sc):
    """What taskgraph did when the scenario was recorded (None: never recorded)."""
    if "taskgraph" not in sc:
        return None
    tg = sc["taskgraph"]
    exp = os.path.join(HERE, "expected", f'{sc["id"]}.json')
    return {"exit": tg["exit"], "error": tg.get("error"), "mutations": tg["mutations"],
            "creates": load_json(exp) if os.path.exists(exp) else []}


def strip_paths(body, paths):
    b = copy.deepcopy(body)
    for p in paths:
        node, keys = b, p.split(".")
        for k in keys[:-1]:
            node = node.get(k) if isinstance(node, dict) else None
        if isinstance(node, dict):
            node.pop(keys[-1], None)
    return b


def check_listed(entry, tc, ref_res, defaults):
    """tc-action did exactly what the allowlist entry says it does instead."""
    want = entry["tcAction"]
    probs = []
    if "onlyBodyPaths" in want:
        strip = lambda bodies: sorted((canonical_body(strip_paths(x, want["onlyBodyPaths"]), defaults) for x in bodies),
                                      key=body_key)
        if strip(ref_res["creates"]) != strip(tc["creates"]):
            probs.append(f'createTask bodies differ beyond {want["onlyBodyPaths"]}')
    exits = want["exit"] if isinstance(want["exit"], list) else [want["exit"]]
    if tc["exit"] not in exits:
        probs.append(f'listed exit {want["exit"]}, got {tc["exit"]}')
    if "mutations" in want and sorted(want["mutations"]) != mutation_keys(tc["mutations"]):
        probs.append(f'listed mutations {sorted(want["mutations"])}, got {mutation_keys(tc["mutations"])}')
    if "error" in want and not re.search(want["error"], tc.get("error") or ""):
        probs.append(f'listed error /{want["error"]}/, got {tc.get("error")!r}')
    if "createsMatch" in want and not re.search(want["createsMatch"], json.dumps(tc["creates"], sort_keys=True)):
        probs.append(f'listed creates matching /{want["createsMatch"]}/, they do not')
    return probs


def check_required(req, tc):
    probs = []
    if "exit" in req and tc["exit"] not in req["exit"]:
        probs.append(f'required exit {req["exit"]}, got {tc["exit"]}')
    if "error" in req and not re.search(req["error"], tc.get("error") or ""):
        probs.append(f'required error /{req["error"]}/, got {tc.get("error")!r}')
    if req.get("nothingCreated") and tc["mutations"]:
        probs.append(f'required nothing changed, got {mutation_keys(tc["mutations"])}')
    return probs


def describe(res, side):
    if res is None:
        return "-"
    n = len(res["creates"])
    others = [m for m in res["mutations"] if m["call"] != "queue.createTask"]
    parts = [f'exit {res["exit"]}']
    if n:
        parts.append(f"{n} create")
    for m in others:
        parts.append(m["call"].split(".")[1].replace("Task", "") + (f'({m["status"]})' if m["status"] != 200 else ""))
    return " ".join(parts)


def run_scenario(sc, worlds, cfg, allow):
    world0 = worlds[sc.get("world", "git")]
    world, faults = apply_patches(world0, sc.get("patches"))
    base = tempfile.mkdtemp(prefix=f'diff-{sc["id"]}-', dir=cfg["tmp"])
    out = {"id": sc["id"], "problems": [], "notes": []}
    try:
        live = None
        if cfg["taskgraph"]:
            live = run_side("taskgraph", sc, world, faults, cfg, os.path.join(base, "taskgraph"))
        tc = run_side("tc-action", sc, world, faults, cfg, os.path.join(base, "tc-action"))
    except Exception as e:  # noqa: BLE001 - reported as a failure of this scenario
        out["problems"].append(f"runner: {type(e).__name__}: {e}")
        out["verdict"] = "ERROR"
        return out
    finally:
        if not cfg["keep"]:
            shutil.rmtree(base, ignore_errors=True)
    out["dir"] = base if cfg["keep"] else None
    rec = recorded_result(sc)
    out["taskgraph"], out["tc"], out["recorded"] = live, tc, rec
    defaults = cfg["defaults"]
    if rec is None and live is None:
        out["verdict"] = "MISMATCH"
        out["problems"].append("no recorded taskgraph result and taskgraph not run: record it (--record)")
        return out
    if rec is None:
        rec = live
    if live is not None:
        drift = compare(rec, live, defaults)  # the live run must still do what was recorded
        drift = [d for d in drift if not d.startswith("tc-action failed without")]
        if drift:
            out["notes"].append("live taskgraph differs from the recording: " + "; ".join(drift))
    diffs = compare(live if live is not None else rec, tc, defaults)
    rec_diffs = compare(rec, tc, defaults) if live is not None else diffs
    entry = allow.get(sc["id"])
    if not diffs and not rec_diffs:
        out["verdict"] = "identical"
        if entry:
            out["problems"].append("listed in differences.json but identical: remove the entry")
    elif entry:
        probs = check_listed(entry, tc, live if live is not None else rec, defaults)
        out["verdict"] = "deliberate" if not probs else "MISMATCH"
        out["problems"] += probs
        out["diffs"] = diffs or rec_diffs
    else:
        out["verdict"] = "MISMATCH"
        out["problems"] += diffs or rec_diffs
    if sc.get("require"):
        out["problems"] += check_required(sc["require"], tc)
    if out["problems"] and out["verdict"] in ("identical", "deliberate"):
        out["verdict"] = "MISMATCH"
    return out


# --------------------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", nargs="*", help="scenario ids")
    ap.add_argument("--scenarios", default=os.path.join(HERE, "scenarios.json"),
                    help="the scenarios file (default: scenarios.json next to run.py)")
    ap.add_argument("--taskgraph", choices=("auto", "yes", "no"), default="auto",
                    help="also run the real taskgraph (auto: when ../shared/taskgraph-reference is there)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--build", default=os.environ.get("BUILD_DIR", os.path.join(REPO, "build")))
    ap.add_argument("--json", help="write every result to this file")
    ap.add_argument("--keep", help="keep each run's work dir (worlds, artifacts, journals) under DIR")
    ap.add_argument("--timeout", type=int, default=120, help="per run, seconds")
    ap.add_argument("--record", action="store_true",
                    help="write the live taskgraph results of the scenarios run into scenarios.json and expected/")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()

    doc = load_json(a.scenarios)
    allow = load_json(os.path.join(HERE, "differences.json"))["differences"]
    worlds = {n: load_json(os.path.join(HERE, "worlds", f"{n}.json")) for n in ("git", "hg")}
    scenarios = [s for s in doc["scenarios"] if not a.only or s["id"] in a.only]
    unknown = sorted(set(allow) - {s["id"] for s in doc["scenarios"]}) if a.scenarios.endswith("/scenarios.json") else []
    cfg = {
        "emulator": os.path.abspath(os.path.join(a.build, "tc-emulator")),
        "tc_action": os.path.abspath(os.path.join(a.build, "tc-action")),
        "reference": None,
        "taskgraph": False,
        "timeout": a.timeout,
        "defaults": schema_defaults(),
        "keep": bool(a.keep),
        "tmp": a.keep or None,
    }
    for b in ("emulator", "tc_action"):
        if not os.access(cfg[b], os.X_OK):
            print(f"differential: {cfg[b]} is missing; build it (cmake --build build --target tc-action tc-emulator)")
            return 2
    if a.keep:
        os.makedirs(a.keep, exist_ok=True)
    if a.taskgraph != "no":
        cfg["reference"] = find_reference()
        if cfg["reference"]:
            setup = subprocess.run([os.path.join(cfg["reference"], "setup.sh")], capture_output=True, text=True)
            cfg["taskgraph"] = setup.returncode == 0
            if setup.returncode:
                print("differential: taskgraph-reference setup.sh failed:\n" + setup.stderr[-2000:])
        if (a.taskgraph == "yes" or a.record) and not cfg["taskgraph"]:
            print("differential: --taskgraph yes, but the taskgraph reference is not usable")
            return 2

    t0 = time.monotonic()
    lock = threading.Lock()
    results = {}

    def one(sc):
        r = run_scenario(sc, worlds, cfg, allow)
        with lock:
            results[sc["id"]] = r
            if a.verbose:
                print(f'  {sc["id"]}: {r["verdict"]} {"; ".join(r["problems"])}', flush=True)
        return r

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.jobs)) as pool:
        list(pool.map(one, scenarios))
    wall = time.monotonic() - t0

    if a.record:
        record(doc, scenarios, results, a.scenarios)
    rows = [results[s["id"]] for s in scenarios]
    w_id = max(len(r["id"]) for r in rows)
    tg_head = "taskgraph (live)" if cfg["taskgraph"] else "taskgraph (recorded)"
    print(f'{"scenario":{w_id}}  {tg_head:24}  {"tc-action":24}  verdict')
    for r in rows:
        tg = describe(r.get("taskgraph") or r.get("recorded"), "taskgraph")
        tc = describe(r.get("tc"), "tc-action")
        v = r["verdict"]
        if v == "deliberate":
            v += " (" + allow[r["id"]]["kind"] + ")"
        print(f'{r["id"]:{w_id}}  {tg:24}  {tc:24}  {v}')
        for p in r["problems"]:
            print(f'{"":{w_id}}    ! {p}')
        for n in r["notes"]:
            print(f'{"":{w_id}}    note: {n}')
    counts = {}
    for r in rows:
        counts[r["verdict"]] = counts.get(r["verdict"], 0) + 1
    ok = counts.get("identical", 0) + counts.get("deliberate", 0)
    print(f"\n{len(rows)} scenarios: {counts.get('identical', 0)} identical, {counts.get('deliberate', 0)} deliberate "
          f"differences, {len(rows) - ok} failing; taskgraph {'run live' if cfg['taskgraph'] else 'NOT run (recorded results only)'}; "
          f"{wall:.1f} s")
    if unknown:
        print(f"differences.json names unknown scenarios: {unknown}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"wall_s": round(wall, 1), "taskgraph": cfg["taskgraph"], "results": rows}, f, indent=1,
                      sort_keys=True, default=str)
    return 0 if ok == len(rows) and not unknown else 1


if __name__ == "__main__":
    sys.exit(main())
