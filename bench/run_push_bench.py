#!/usr/bin/env python3
"""tc-action against the real taskgraph 24.2.0 on one Firefox-shaped push.

    bench/run_push_bench.py WORLD_DIR [--runs 3] [--build build] [--only tc-action|taskgraph]
                            [--actions retrigger-multiple,retrigger-downstream,add-new-jobs]
                            [--dry-run] [--json FILE] [--keep DIR]

WORLD_DIR is what bench/make_push_world.py wrote. One build/tc-emulator serves
the world (and a taskcluster-proxy listener acting as the action task's client,
as an action task reaches Taskcluster); each run is its own running action task
(TASK_ID), with the environment an action hook gives it (TASK_ID,
ACTION_TASK_GROUP_ID, ACTION_TASK_ID, ACTION_INPUT, ACTION_CALLBACK,
TASKCLUSTER_PROXY_URL/ROOT_URL). The implementations alternate run by run.
Measured per process with wait4(): wall time, CPU (user+sys) and peak RSS
(ru_maxrss) of the process itself (taskgraph: the Python interpreter,
started as run-action.sh starts it, without the bash wrapper).
BENCH_TC_ACTION_WRAP="perf record -g -o FILE --" (for instance) runs tc-action
under a profiler (the numbers are then the wrapper's). From the
emulator's journal: the createTask calls of the run (cleared before each
run) and the labels they created (metadata.name), compared between the two.
Exit status 1 when a run fails or the two create different tasks.
"""
import argparse
import hashlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
TG_ROOT = os.path.join(REPO, "tests", "differential", "project", "taskcluster")
sys.path.insert(0, os.path.join(REPO, "tests", "support"))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from emulator_process import Emulator  # noqa: E402
TG_MAIN = 'import sys; from taskgraph.main import main; sys.argv[0] = "taskgraph"; sys.exit(main(sys.argv[1:]))'


class BenchEmulator(Emulator):
    """The emulator of a benchmark world (up to 1 GiB: it may take a while to load; the journal of
    30k createTask bodies is large), with the journal's createTask count."""

    def __init__(self, binary, world, proxy_client, log):
        super().__init__(binary, world, proxy_client, log, start_timeout_s=None, control_timeout_s=120)

    def creates(self):
        """createTask calls in the journal: (accepted, all, digest of the sorted labels accepted)."""
        j = self.control("journal")
        c = [r for r in j if r["method"] == "PUT" and re.match(r"^/api/queue/v1/task/[^/?]+$", r["path"].split("?")[0])]
        ok = [r for r in c if r["status"] == 200]
        labels = sorted(((r.get("body") or {}).get("metadata") or {}).get("name", "?") for r in ok)
        return len(ok), len(c), hashlib.sha1("\n".join(labels).encode()).hexdigest()[:10]


def taskgraph_env():
    """TASKGRAPH_PY and PYTHONPATH as /tmp/taskgraph-reference/env.sh sets them (after setup.sh)."""
    state = os.environ.get("TASKGRAPH_REF_DIR", "/tmp/taskgraph-reference")
    out = subprocess.run(["bash", "-c", f'. "{state}/env.sh" && echo "$TASKGRAPH_PY" && echo "$PYTHONPATH"'],
                         capture_output=True, text=True, check=True).stdout.split("\n")
    return out[0], out[1]


def run_one(side, args_env, work, cfg):
    """One process: (exit, wall s, cpu s, peak RSS MB)."""
    os.makedirs(work, exist_ok=True)
    env = dict(args_env)
    if side == "taskgraph":
        py, pypath = cfg["taskgraph"]
        env.update(PYTHONPATH=pypath, PYTHONDONTWRITEBYTECODE="1")
        argv = [py, "-c", TG_MAIN, "action-callback", "--root", TG_ROOT]
    else:
        argv = [cfg["tc_action"], "run", "--artifacts", os.path.join(work, "artifacts")] + cfg["tc_flags"]
        argv = os.environ.get("BENCH_TC_ACTION_WRAP", "").split() + argv
    with open(os.path.join(work, "stdout"), "w") as out, open(os.path.join(work, "stderr"), "w") as err:
        t0 = time.monotonic()
        p = subprocess.Popen(argv, env=env, cwd=work, stdout=out, stderr=err)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.monotonic() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
    return p.returncode, wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024.0


def phases(stderr_path):
    """tc-action's progress lines: read (ms), plan (ms: read line to planned line), planned ops, submit (ms)."""
    out, ts = {}, {}
    try:
        text = open(stderr_path, errors="replace").read()
    except OSError:
        return out
    for line in text.splitlines():
        m = re.match(r"^\d{4}-\d\d-\d\dT(\d\d):(\d\d):(\d\d\.\d+)Z progress (.*)$", line)
        if not m:
            continue
        t = (int(m.group(1)) * 60 + int(m.group(2))) * 60 + float(m.group(3))
        msg = m.group(4)
        if msg.startswith("read "):
            ts["read"] = t
            r = re.search(r" in ([\d,.]+) (ms|s)$", msg)
            if r:
                out["readMs"] = float(r.group(1).replace(",", "")) * (1000 if r.group(2) == "s" else 1)
        elif msg.startswith("planned "):
            ts["planned"] = t
            r = re.match(r"planned ([\d,]+) operation", msg)
            if r:
                out["planned"] = int(r.group(1).replace(",", ""))
        elif "done in" in msg:
            ts["done"] = t
    if "read" in ts and "planned" in ts:
        out["planMs"] = round((ts["planned"] - ts["read"]) * 1000)
    if "planned" in ts and "done" in ts:
        out["submitMs"] = round((ts["done"] - ts["planned"]) * 1000)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("world_dir")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--build", default=os.environ.get("BUILD_DIR", os.path.join(REPO, "build")))
    ap.add_argument("--only", choices=("tc-action", "taskgraph"))
    ap.add_argument("--actions", default="retrigger-multiple,retrigger-downstream,add-new-jobs")
    ap.add_argument("--dry-run", action="store_true",
                    help="tc-action run --dry-run (plans, creates nothing; the downstream curve)")
    ap.add_argument("--json")
    ap.add_argument("--keep", help="keep each run's work dir (stdout, stderr, artifacts) under DIR")
    a = ap.parse_args()

    b = json.load(open(os.path.join(a.world_dir, "bench.json")))
    sides = [a.only] if a.only else ["taskgraph", "tc-action"]
    if a.dry_run and a.only != "tc-action":
        sys.exit("run_push_bench: --dry-run is for tc-action only (--only tc-action)")
    cfg = {"tc_action": os.path.abspath(os.path.join(a.build, "tc-action")),
           "tc_flags": ["--dry-run"] if a.dry_run else []}
    if "taskgraph" in sides:
        cfg["taskgraph"] = taskgraph_env()
    actions = {
        "retrigger-multiple": ("retrigger-multiple", None,
                               {"requests": [{"tasks": b["retriggerMultiple"]["labels"], "times": 1}]},
                               b["retriggerMultiple"]["creates"],
                               f'retrigger-multiple, {len(b["retriggerMultiple"]["labels"])} labels'),
        "retrigger-downstream": ("retrigger", b["bigBuild"]["taskId"], {"downstream": True},
                                 b["bigBuild"]["creates"],
                                 f'retrigger with downstream ({b["bigBuild"]["downstream"]:,} tasks)'),
        "add-new-jobs": ("add-new-jobs", None, {"tasks": b["addNewJobs"]["labels"], "times": 1},
                         b["addNewJobs"]["creates"], f'add-new-jobs, {len(b["addNewJobs"]["labels"])} labels'),
    }
    chosen = [x for x in a.actions.split(",") if x]
    need = len(chosen) * len(sides) * a.runs
    if need > len(b["actionTaskIds"]):
        sys.exit(f"run_push_bench: {need} runs need {need} action tasks; the world has {len(b['actionTaskIds'])}"
                 " (make_push_world.py --actions N)")
    tmp = a.keep or tempfile.mkdtemp(prefix="push-bench-")
    os.makedirs(tmp, exist_ok=True)
    t0 = time.monotonic()
    emu = BenchEmulator(os.path.join(a.build, "tc-emulator"), os.path.join(a.world_dir, "world.json"),
                   b["proxyClientId"], os.path.join(tmp, "emulator.log"))
    print(f"emulator up in {time.monotonic() - t0:.1f} s: {b['fullGraphTasks']:,} tasks in the full graph "
          f"({b['bytes']['full-task-graph.json'] / 1e6:.0f} MB), {b['pushTasks']:,} in the push", flush=True)
    results, failed = {}, False
    action_ids = iter(b["actionTaskIds"])
    try:
        for key in chosen:
            cb, target, inp, expect, title = actions[key]
            for i in range(a.runs):
                for side in sides:
                    tid = next(action_ids)
                    env = {k: v for k, v in os.environ.items()
                           if not k.startswith(("TASKCLUSTER_", "ACTION_", "TC_ACTION_")) and k != "TASK_ID"}
                    env.update(TASKCLUSTER_ROOT_URL=emu.root_url, TASKCLUSTER_PROXY_URL=emu.proxy_url, TASK_ID=tid,
                               ACTION_TASK_GROUP_ID=b["decisionTaskId"], ACTION_TASK_ID=json.dumps(target),
                               ACTION_INPUT=json.dumps(inp), ACTION_CALLBACK=cb)
                    emu.control("journal", "DELETE")
                    work = os.path.join(tmp, f"{key}-{side}-{i}")
                    code, wall, cpu, rss = run_one(side, env, work, cfg)
                    ok_creates, all_creates, labels = emu.creates()
                    r = {"exit": code, "wall": wall, "cpu": cpu, "rss": rss, "creates": ok_creates,
                         "createCalls": all_creates, "labels": labels}
                    if side == "tc-action":
                        r.update(phases(os.path.join(work, "stderr")))
                    if a.dry_run:  # nothing created; the plan must hold every copy
                        expect = 0
                        if r.get("planned") != actions[key][3]:
                            print(f"  planned {r.get('planned')} operations, expected {actions[key][3]}")
                            code = code or 99
                    results.setdefault(key, {}).setdefault(side, []).append(r)
                    bad = code != 0 or ok_creates != expect
                    failed |= bad
                    print(f"  {key:22} {side:9} run {i + 1}: exit {code}, {wall:6.2f} s wall, {cpu:6.2f} s CPU, "
                          f"{rss:6.0f} MB, {ok_creates} created ({all_creates} calls, labels {labels})"
                          + (f"; read {r['readMs']:.0f} ms, plan {r['planMs']} ms" if "planMs" in r else "")
                          + (f", submit {r['submitMs']} ms" if "submitMs" in r else "")
                          + (f"  <- expected exit 0 and {expect} creates; see {work}" if bad else ""), flush=True)
    finally:
        emu.stop(timeout_s=30)

    med = lambda rs, k: statistics.median(r[k] for r in rs)
    print(f"\nmedian of {a.runs} runs; wall/CPU/peak RSS of each process; creates counted in the emulator's journal"
          + (" (DIFFERENT: the counts or the created labels differ)" if len(sides) == 2 else ""))
    if len(sides) == 2:
        print("| action | tasks created (taskgraph / tc-action) | taskgraph wall | tc-action wall | wall ratio "
              "| taskgraph CPU | tc-action CPU | CPU ratio | taskgraph RSS | tc-action RSS | RSS ratio |")
        print("|---|---|---|---|---|---|---|---|---|---|---|")
    else:
        print(f"| action | tasks created | {sides[0]} wall | CPU | peak RSS |")
        print("|---|---|---|---|---|")
    table = []
    for key in chosen:
        title = actions[key][4]
        row = {"action": key, "title": title}
        for side in sides:
            rs = results[key][side]
            row[side] = {"wall": med(rs, "wall"), "cpu": med(rs, "cpu"), "rss": med(rs, "rss"),
                         "creates": sorted({r["creates"] for r in rs}), "labels": sorted({r["labels"] for r in rs}),
                         "runs": rs}
        table.append(row)
        if len(sides) == 2:
            tg, tc = row["taskgraph"], row["tc-action"]
            same = tg["creates"] == tc["creates"] and tg["labels"] == tc["labels"] and len(tc["labels"]) == 1
            failed |= not same
            print(f'| {title} | {"/".join(map(str, tg["creates"]))} / {"/".join(map(str, tc["creates"]))}'
                  f'{"" if same else " (DIFFERENT)"} | {tg["wall"]:.2f} s | {tc["wall"]:.2f} s | '
                  f'{tg["wall"] / tc["wall"]:.1f}x | {tg["cpu"]:.2f} s | {tc["cpu"]:.2f} s | {tg["cpu"] / tc["cpu"]:.1f}x | '
                  f'{tg["rss"]:.0f} MB | '
                  f'{tc["rss"]:.0f} MB | {tg["rss"] / tc["rss"]:.1f}x |')
        else:
            s = row[sides[0]]
            print(f'| {title} | {"/".join(map(str, s["creates"]))} | {s["wall"]:.2f} s | {s["cpu"]:.2f} s | {s["rss"]:.0f} MB |')
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"bench": {k: v for k, v in b.items() if k not in ("actionTaskIds",)}, "runs": a.runs,
                       "results": table}, f, indent=1)
    if not a.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
