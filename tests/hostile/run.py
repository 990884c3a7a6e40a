#!/usr/bin/env python3
"""The hostile tier: runs tc-action against scripted hostile servers and hostile local input.

    tests/hostile/run.py [--bin PATH] [--cap S] [--json OUT] [--markdown OUT] [--keep] CASE... | all | list

--bin defaults to $TC_ACTION_BIN, else build/tc-action. Per case: a fresh
server and work directory, `tc-action run --artifacts DIR` with the case's
environment, a wall-clock cap (--cap, default: the case's time bound x2 + 10 s;
the process is killed at the cap or above 4 GiB RSS, and that is recorded), then
the checks: exit code, one-line error, report.json, time, peak RSS (wait4 of
that child), no secret in any output, clean output bytes, and the case's own.
Exit status 0 when every case passed. Python 3 stdlib only.
"""

import argparse
import base64
import dataclasses
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in the source tree

import cases as C  # noqa: E402
import hostile_server as hs  # noqa: E402

REPO = os.path.dirname(os.path.dirname(HERE))

# The binary is started by a small intermediate Python (-S, ~9 MB) that forks
# it and reports wait4's status and ru_maxrss on fd N. Started straight from
# this process, the child's ru_maxrss would include this process's own RSS at
# fork (Linux keeps the pre-exec high-water mark), which is hundreds of MB once
# a case has built a 150 MB task-graph.json. Signals the runner sends go to the
# binary itself; the intermediate ignores them, the binary gets default ones
# (even if the runner was started with SIGINT ignored, as background jobs are).
SPAWN = r"""
import os, signal, sys
fd, uid = int(sys.argv[1]), int(sys.argv[2])
for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
    signal.signal(s, signal.SIG_IGN)
pid = os.fork()
if pid == 0:
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGPIPE):
        signal.signal(s, signal.SIG_DFL)
    os.close(fd)
    try:
        if uid >= 0:  # run the binary as this uid/gid (nobody)
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
        os.execv(sys.argv[3], sys.argv[3:])
    finally:
        os._exit(127)
os.write(fd, b"%d\n" % pid)
while True:
    try:
        _, st, ru = os.wait4(pid, 0)
        break
    except InterruptedError:
        pass
os.write(fd, b"%d %d\n" % (st, ru.ru_maxrss))
"""
RSS_KILL_KB = 4 * 1024 * 1024  # 4 GiB
WINDOW = 16  # a leak is any 16 consecutive characters of a secret


# ---------------------------------------------------------------------------
# fake credentials: a client id, an access token and a temporary-credentials
# certificate, fixed strings (the token and the certificate's seed and
# signature are what must never be printed)


def b64u(raw):
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def fake_creds():
    import hashlib
    token = b64u(hashlib.sha256(b"hostile-tier access token").digest())
    seed = b64u(hashlib.sha256(b"hostile-tier seed 1").digest()) + b64u(hashlib.sha256(b"seed 2").digest())[:1]
    sig = base64.b64encode(hashlib.sha256(b"hostile-tier signature").digest()).decode()
    n = hs.now_ms()
    cert = json.dumps({"version": 1, "scopes": ["queue:*"], "start": n - 60_000, "expiry": n + 3_600_000,
                       "seed": seed, "signature": sig, "issuer": "hostile/issuer"}, separators=(",", ":"))
    return {"client_id": "hostile/fake-client", "token": token, "certificate": cert, "seed": seed, "signature": sig}


PASSWORD = "Pw-" + b64u(__import__("hashlib").sha256(b"hostile-tier url password").digest())[:24]


# ---------------------------------------------------------------------------


class Ctx:
    def __init__(self, case, bin_path, workdir):
        self.case = case
        self.bin = bin_path
        self.repo = REPO
        self.workdir = workdir
        self.artifacts = os.path.join(workdir, "artifacts")
        self.server = None
        self.creds = fake_creds()
        self.password = PASSWORD
        self.data = {}


@dataclasses.dataclass
class Result:
    name: str
    exit: object = None  # int, or "killed: ..." text
    signal: int = 0
    wall: float = 0.0
    rss_mb: float = 0.0
    stdout: bytes = b""
    stderr: bytes = b""
    report: object = None
    killed: str = ""
    failures: list = dataclasses.field(default_factory=list)
    note: str = ""

    @property
    def stdout_text(self):
        return self.stdout.decode("utf-8", "replace")

    @property
    def stderr_text(self):
        return self.stderr.decode("utf-8", "replace")

    @property
    def passed(self):
        return not self.failures


def base_env(ctx):
    c = ctx.creds
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": ctx.workdir,
        "LANG": "C.UTF-8",
        "TASK_ID": hs.ACTION,
        "ACTION_TASK_GROUP_ID": hs.GROUP,
        "ACTION_TASK_ID": json.dumps(ctx.case.task),
        "ACTION_INPUT": json.dumps(ctx.case.input),
        "ACTION_CALLBACK": ctx.case.action,
        "TASKCLUSTER_ROOT_URL": ctx.server.root_url if ctx.server else "http://127.0.0.1:9",
        "TASKCLUSTER_CLIENT_ID": c["client_id"],
        "TASKCLUSTER_ACCESS_TOKEN": c["token"],
        "TASKCLUSTER_CERTIFICATE": c["certificate"],
        # the proposed budgets (README): per request and per run, in seconds
        "TASKCLUSTER_REQUEST_TIMEOUT": str(C.REQUEST_TIMEOUT_S),
        "TC_ACTION_RUN_BUDGET": str(C.RUN_BUDGET_S),
    }
    for k, v in ctx.case.env.items():
        v = v(ctx) if callable(v) else v
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    return {os.fsencode(k): os.fsencode(v) for k, v in env.items()}


def secrets_of(ctx):
    """Strings no output may contain any 16-character piece of."""
    c = ctx.creds
    out = {"access token": c["token"], "certificate seed": c["seed"], "certificate signature": c["signature"],
           "certificate (base64)": base64.b64encode(c["certificate"].encode()).decode(),
           "ext (computed)": base64.b64encode(json.dumps({"certificate": json.loads(c["certificate"])},
                                                         separators=(",", ":")).encode()).decode(),
           "URL password": ctx.password}
    if ctx.case.env.get("TASKCLUSTER_ACCESS_TOKEN"):
        out["access token (case)"] = ctx.case.env["TASKCLUSTER_ACCESS_TOKEN"]
    if ctx.server is not None:
        for i, r in enumerate(ctx.server.calls()):
            for key in ("ext", "mac"):
                m = re.search(key + r'="([^"]*)"', r["auth"])
                if m and len(m.group(1)) >= WINDOW:
                    out["Authorization %s of request %d" % (key, i)] = m.group(1)
    return out


_RUN = re.compile(rb"[A-Za-z0-9+/=_-]{%d,}" % WINDOW)


def find_secret(blob, windows):
    """The name of a secret a 16-char window of which is in blob (secrets are base64-alphabet strings, so
    only runs of that alphabet are looked at), or None."""
    for m in _RUN.finditer(blob):
        run = m.group(0)
        for i in range(len(run) - WINDOW + 1):
            name = windows.get(run[i:i + WINDOW])
            if name:
                return name
    return None


def self_test():
    """The leak detector must see what the cases plant, and nothing else."""
    c = fake_creds()
    ext = base64.b64encode(json.dumps({"certificate": json.loads(c["certificate"])},
                                      separators=(",", ":")).encode()).decode()
    windows = {}
    for name, s in {"ext": ext, "token": c["token"], "seed": c["seed"]}.items():
        for i in range(len(s) - WINDOW + 1):
            windows.setdefault(s[i:i + WINDOW].encode(), name)
    must = {"ext shifted": ("was " + ext[1:] + " ok"), "ext cut": 'ext="' + ext[:40] + '...',
            "token": "x" + c["token"] + "y", "seed in json": json.dumps(json.loads(c["certificate"]), indent=1)}
    for what, text in must.items():
        assert find_secret(text.encode(), windows), "self-test: the leak detector misses " + what
    clean = "tc-action rerun on %s (group %s): done ext=\"<redacted>\" %s" % (hs.TASK, hs.GROUP, ext[:WINDOW - 1])
    assert find_secret(clean.encode(), windows) is None, "self-test: the leak detector flags a clean line"


def check_secrets(ctx, res):
    windows = {}
    for name, s in secrets_of(ctx).items():
        b = s.encode()
        for i in range(len(b) - WINDOW + 1):
            windows.setdefault(b[i:i + WINDOW], name)
    blobs = [("stdout", res.stdout), ("stderr", res.stderr)]
    if os.path.isdir(ctx.artifacts):
        for root, _, files in os.walk(ctx.artifacts):
            for f in files:
                p = os.path.join(root, f)
                try:
                    with open(p, "rb") as fh:
                        blobs.append((os.path.relpath(p, ctx.artifacts), fh.read()))
                except OSError:
                    pass
    out = []
    for where, blob in blobs:
        if ctx.creds["certificate"].encode() in blob:
            out.append("secret in %s: the certificate" % where)
            continue
        name = find_secret(blob, windows)
        if name:
            out.append("secret in %s: %s" % (where, name))
    return out


_BAD_BYTES = re.compile(rb"[\x00-\x08\x0b-\x1f\x7f]")


def check_output_bytes(res):
    out = []
    for name, blob in (("stdout", res.stdout), ("stderr", res.stderr)):
        try:
            blob.decode("utf-8")
        except UnicodeDecodeError as e:
            out.append("%s is not valid UTF-8 (byte %d)" % (name, e.start))
        m = _BAD_BYTES.search(blob)
        if m:
            out.append("%s has a control byte 0x%02x" % (name, m.group(0)[0]))
    return out


def run_case(case, bin_path, cap=None, keep=False, verbose=False):
    workdir = tempfile.mkdtemp(prefix="hostile-%s-" % case.name)
    ctx = Ctx(case, bin_path, workdir)
    res = Result(case.name)
    try:
        if case.server:
            ctx.server = case.server(ctx)
            ctx.server.start()
        if case.setup:
            case.setup(ctx)
        # -v/-vv are the program's global flags: before the subcommand
        argv = [bin_path] + [a for a in case.args if re.fullmatch(r"-v+", a)] + ["run"]
        if not any(a == "--artifacts" for a in case.args):
            argv += ["--artifacts", ctx.artifacts]
        argv += [a for a in case.args if not re.fullmatch(r"-v+", a)]
        env = base_env(ctx)
        cap_s = cap if cap else max(case.time_bound * 2, case.time_bound + 10)
        out_f = open(os.path.join(workdir, "stdout"), "wb")
        err_f = open(os.path.join(workdir, "stderr"), "wb")

        uid = 65534 if case.as_nobody and os.geteuid() == 0 else -1
        rfd, wfd = os.pipe()
        proc = subprocess.Popen([sys.executable, "-S", "-c", SPAWN, str(wfd), str(uid)] + argv, env=env,
                                stdout=out_f, stderr=err_f, stdin=subprocess.DEVNULL, start_new_session=True,
                                cwd=workdir, pass_fds=(wfd,))
        os.close(wfd)
        line = b""
        while not line.endswith(b"\n"):
            chunk = os.read(rfd, 1)
            if not chunk:
                break
            line += chunk
        t0 = time.monotonic()  # the binary was just forked
        child = int(line) if line.strip() else None
        sent_signal = False
        polled_hwm = 0
        final = b""
        while child:
            # the spawner writes "<status> <maxrss>" the moment wait4 returns
            if select.select([rfd], [], [], 0.02)[0]:
                chunk = os.read(rfd, 4096)
                final += chunk
                if not chunk or final.endswith(b"\n"):
                    break
            el = time.monotonic() - t0
            if case.signal_after and not sent_signal and el >= case.signal_after[1]:
                try:
                    os.kill(child, case.signal_after[0])
                except ProcessLookupError:
                    pass
                sent_signal = True
            if not res.killed:
                rss, hwm = _rss_kb(child)
                polled_hwm = max(polled_hwm, hwm)
                if el > cap_s:
                    res.killed = "killed at the %.0f s cap" % cap_s
                elif rss > RSS_KILL_KB:
                    res.killed = "killed at RSS %.1f GB" % (rss / 1048576)
                if res.killed:
                    os.killpg(proc.pid, signal.SIGKILL)
        res.wall = time.monotonic() - t0
        proc.wait()
        os.close(rfd)
        out_f.close()
        err_f.close()
        final = final.split()
        if len(final) == 2:  # the spawner's wait4 of the child: its status and ru_maxrss (KB)
            status, maxrss = int(final[0]), int(final[1])
        else:  # killed with the spawner: what /proc showed last
            status, maxrss = 9, polled_hwm  # SIGKILL
        if child is None:
            raise RuntimeError("the spawner did not start the binary")
        res.rss_mb = max(maxrss, polled_hwm) / 1024.0
        if os.WIFSIGNALED(status):
            res.signal = os.WTERMSIG(status)
            res.exit = 128 + res.signal
        else:
            res.exit = os.WEXITSTATUS(status)
        with open(os.path.join(workdir, "stdout"), "rb") as f:
            res.stdout = f.read()
        with open(os.path.join(workdir, "stderr"), "rb") as f:
            res.stderr = f.read()
        rp = os.path.join(ctx.artifacts, "report.json")
        if os.path.exists(rp):
            try:
                with open(rp, "rb") as f:
                    res.report = json.loads(f.read().decode("utf-8"))
            except (ValueError, UnicodeDecodeError) as e:
                res.report = "invalid: %s" % e
        res.failures = evaluate(ctx, res)
        if "graph_bytes" in ctx.data:
            res.note = "task-graph.json %.1f MB, RSS bound %.0f MB" % (ctx.data["graph_bytes"] / 1048576,
                                                                        rss_bound_mb(ctx))
    except Exception as e:  # a harness error is a failure of the case, never a pass
        res.failures.append("harness error: %r" % e)
    finally:
        if ctx.server is not None:
            try:
                ctx.server.stop()
            except Exception:
                pass
        if keep:
            print("  kept %s" % workdir, file=sys.stderr)
        else:
            _rmtree(workdir)
    return res


def _rss_kb(pid):
    """(VmRSS, VmHWM) of a process, in KB."""
    rss = hwm = 0
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
                elif line.startswith("VmHWM:"):
                    hwm = int(line.split()[1])
    except (OSError, ValueError):
        pass
    return rss, hwm


def _rmtree(path):
    for root, dirs, _ in os.walk(path):
        for d in dirs:
            try:
                os.chmod(os.path.join(root, d), 0o755)
            except OSError:
                pass
    shutil.rmtree(path, ignore_errors=True)


def rss_bound_mb(ctx):
    b = ctx.case.rss_bound_mb
    if b is None:  # downstream cases: a small multiple of the artifact
        size_mb = ctx.data.get("graph_bytes", 0) / 1048576
        b = 100 + C.GRAPH_RSS_FACTOR * size_mb
    return b


def evaluate(ctx, res):
    case = ctx.case
    f = []
    if res.killed:
        f.append(res.killed)
    elif res.signal:
        f.append("died of signal %d%s" % (res.signal, " (crash)" if res.signal in (6, 7, 11) else ""))
    if not res.killed and res.exit not in case.expect_exit:
        f.append("exit %s, expected %s" % (res.exit, "/".join(map(str, case.expect_exit))))
    errs = [l for l in res.stderr_text.splitlines() if l.startswith("tc-action: error: ")]
    if not res.killed and not res.signal:
        if res.exit != 0 and len(errs) != 1:
            f.append("stderr has %d 'tc-action: error:' lines, expected exactly 1" % len(errs))
        if res.exit == 0 and errs:
            f.append("exit 0 with an error line on stderr")
    if case.expect_report:
        if res.report is None:
            f.append("no report.json")
        elif not isinstance(res.report, dict):
            f.append("report.json %s" % res.report)
        elif not res.killed and res.report.get("exitCode") != res.exit:
            f.append("report.json exitCode %s != exit %s" % (res.report.get("exitCode"), res.exit))
    if res.wall > case.time_bound:
        f.append("took %.1f s, bound %.0f s" % (res.wall, case.time_bound))
    bound = rss_bound_mb(ctx)
    if res.rss_mb > bound:
        f.append("peak RSS %.0f MB, bound %.0f MB" % (res.rss_mb, bound))
    f += check_secrets(ctx, res)
    f += check_output_bytes(res)
    for chk in case.checks:
        f += chk(ctx, res)
    return f


# ---------------------------------------------------------------------------


def fmt_row(case, res):
    exit_s = res.killed or ("%s" % res.exit) + (" (signal %d)" % res.signal if res.signal else "")
    return "| %s | %d | %s | %s | %.1f | %.0f | %s | %s |" % (
        case.name, case.item, "/".join(map(str, case.expect_exit)), exit_s, res.wall, res.rss_mb,
        "pass" if res.passed else "FAIL",
        "; ".join(([res.note] if res.note else []) + res.failures).replace("|", "\\|") or "-")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("cases", nargs="*", help="case names, 'all' (default) or 'list'")
    ap.add_argument("--bin", default=os.environ.get("TC_ACTION_BIN", os.path.join(REPO, "build", "tc-action")))
    ap.add_argument("--cap", type=float, default=None, help="wall-clock cap per case, s (default: bound x2 + 10)")
    ap.add_argument("--json", help="write the results as JSON here")
    ap.add_argument("--markdown", help="write the results table (markdown) here")
    ap.add_argument("--keep", action="store_true", help="keep the work directories")
    ap.add_argument("--skip", action="append", default=[], help="skip a case (repeatable)")
    a = ap.parse_args()
    names = a.cases or ["all"]
    if names == ["list"]:
        for c in C.CASES:
            print("%-30s item %d  expect exit %-5s %s" % (c.name, c.item, "/".join(map(str, c.expect_exit)), c.what))
        return 0
    selected = C.CASES if names == ["all"] else []
    for n in names:
        if n == "all":
            continue
        if n not in C.BY_NAME:
            print("unknown case %r (try: list)" % n, file=sys.stderr)
            return 2
        selected.append(C.BY_NAME[n])
    selected = [c for c in selected if c.name not in a.skip]
    a.bin = os.path.abspath(a.bin)  # each case runs in its own work directory
    self_test()
    if not os.access(a.bin, os.X_OK):
        print("no tc-action binary at %s (--bin or TC_ACTION_BIN)" % a.bin, file=sys.stderr)
        return 2
    print("hostile tier: %d case(s) against %s" % (len(selected), a.bin))
    header = ("| case | item | expected exit | exit | time s | peak RSS MB | result | failures |\n"
              "| --- | --- | --- | --- | --- | --- | --- | --- |")
    rows, results = [], []
    for c in selected:
        res = run_case(c, a.bin, cap=a.cap, keep=a.keep)
        rows.append(fmt_row(c, res))
        results.append((c, res))
        print("%-30s %-4s exit %-22s %6.1f s %7.0f MB  %s" % (
            c.name, "ok" if res.passed else "FAIL", res.killed or res.exit, res.wall, res.rss_mb,
            "; ".join(res.failures)[:300]), flush=True)
    failed = [c.name for c, r in results if not r.passed]
    print("hostile tier: %d passed, %d failed%s" % (len(results) - len(failed), len(failed),
                                                   (": " + ", ".join(failed)) if failed else ""))
    if a.markdown:
        with open(a.markdown, "w") as f:
            f.write(header + "\n" + "\n".join(rows) + "\n")
    if a.json:
        with open(a.json, "w") as f:
            json.dump([{"case": c.name, "item": c.item, "expect_exit": list(c.expect_exit), "exit": r.exit,
                        "killed": r.killed, "signal": r.signal, "wall_s": round(r.wall, 2),
                        "peak_rss_mb": round(r.rss_mb, 1), "passed": r.passed, "failures": r.failures,
                        "time_bound_s": c.time_bound, "note": r.note, "contract": c.contract} for c, r in results], f, indent=1)
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
