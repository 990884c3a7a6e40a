"""The cases of the hostile tier (issue 13, items 1-8), each with its after-fix contract.

A case says how to run `tc-action run` (action, target, input, flags, extra
environment), which server plays against it, and what a correct tc-action does:
`expect_exit`, a report or not, a wall-time bound and a peak-RSS bound, plus
case-specific checks (no mutation reached the queue, a planted symlink's target
untouched, ...). The common checks (no crash, one-line error, report valid,
no secret anywhere, clean output bytes) are in run.py.

Budgets: the runner sets TASKCLUSTER_REQUEST_TIMEOUT=5 and TC_ACTION_RUN_BUDGET=12
(seconds) for every case (see README.md); the deadline cases' bounds follow from them.
"""

import json
import os
import re
import signal
import subprocess
import time
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Tuple

import hostile_server as hs
from hostile_server import ACTION, API, GROUP, TASK, TASK_B, reply

REQUEST_TIMEOUT_S = 5
RUN_BUDGET_S = 12
BUDGET_BOUND_S = RUN_BUDGET_S + 6  # the budget, plus writing the report, plus a loaded machine

MB = 1
GB = 1024


@dataclass
class Case:
    name: str
    item: int  # issue 13 item
    what: str
    server: Callable  # ctx -> server (started by the runner), or None
    action: str = "rerun"
    task: Optional[str] = TASK  # ACTION_TASK_ID; None = null (group action)
    input: dict = field(default_factory=dict)
    args: List[str] = field(default_factory=list)
    env: dict = field(default_factory=dict)  # overrides; a callable value gets ctx
    expect_exit: Tuple[int, ...] = (3,)
    expect_report: bool = True
    time_bound: float = 10.0  # seconds
    rss_bound_mb: float = 200.0
    checks: List[Callable] = field(default_factory=list)  # (ctx, res) -> [failure, ...]
    setup: Optional[Callable] = None  # ctx -> None, before the run
    signal_after: Optional[Tuple[int, float]] = None  # (signum, seconds after start)
    as_nobody: bool = False  # run the binary as uid/gid 65534 (when the runner is root)
    contract: str = ""  # the after-fix contract, in words (README / table)


# ---------------------------------------------------------------------------
# scripted routes


def route(method, rx, fn):
    return (method, rx, fn)


def json_route(method, rx, body, status=200, headers=None):
    def fn(h, rec, m):
        b = body(rec) if callable(body) else body
        reply(h, status, b, headers)

    return route(method, rx, fn)


def target_routes(state="failed", definition=None, group=hs.GROUP, task=TASK):
    """GET task/<task>, its status, the action task (404: created time falls back
    to now), and rerun/cancel that succeed."""
    d = definition if definition is not None else hs.task_definition(group=group)
    return [
        json_route("GET", r"task/%s" % task, d),
        json_route("GET", r"task/%s/status" % task, hs.task_status(task, state, group)),
        json_route("GET", r"task/%s" % ACTION, hs.not_found("task " + ACTION), status=404),
        json_route("POST", r"task/[^/]+/rerun", lambda rec: hs.task_status(rec["path"].split("/")[-2], "pending")),
        json_route("POST", r"task/[^/]+/cancel", lambda rec: hs.task_status(rec["path"].split("/")[-2], "exception")),
        json_route("PUT", r"task/[^/]+", lambda rec: hs.task_status(rec["path"].split("/")[-1], "unscheduled")),
    ]


def server(routes_fn):
    """A case's server factory: routes_fn(ctx) -> routes (first match wins)."""

    def make(ctx):
        return hs.HostileServer(routes_fn(ctx))

    return make


def first(*routes_or_lists):
    out = []
    for r in routes_or_lists:
        out.extend(r if isinstance(r, list) else [r])
    return out


def artifact_rx(name):
    """GET of the decision's public/<name> (the slash may come encoded)."""
    return r"task/%s/artifacts/public(?:%%2F|/)%s" % (GROUP, re.escape(name))


ARTIFACT_RX = artifact_rx("full-task-graph.json")


def push_routes(graph=None, labels=b"{}"):
    """The decision's definition (its schedulerId names the trust domain),
    parameters.yml, label-to-taskid.json and, when given, full-task-graph.json.
    The index holds nothing: findTask answers 404 (the action's task group is
    the decision, as taskgraph falls back) and listTasks an empty list, as the
    real index does for a namespace with no tasks."""
    decision = hs.task_definition(label="Gecko Decision Task", retrigger=False, kind="decision")
    out = [json_route("GET", r"task/%s" % GROUP, decision),
           json_route("GET", r"/api/index/v1/tasks/.+", {"namespace": "", "tasks": []}),
           json_route("GET", artifact_rx("parameters.yml"), hs.PARAMETERS),
           json_route("GET", artifact_rx("label-to-taskid.json"), labels)]
    if graph is not None:
        out.append(json_route("GET", ARTIFACT_RX, graph))
    return out


DEEP = 1_000_000


# ---------------------------------------------------------------------------
# case-specific checks


def no_mutation(ctx, res):
    muts = ctx.server.mutations() if ctx.server else []
    return ["%d mutating call(s) reached the queue (first: %s %s)" % (len(muts), muts[0]["method"], muts[0]["path"])] \
        if muts else []


def no_create(ctx, res):
    puts = ctx.server.calls("PUT", r"/task/")
    return ["createTask was called %d time(s): the copy was sent" % len(puts)] if puts else []


def at_most(method, rx, n, what):
    def check(ctx, res):
        c = len(ctx.server.calls(method, rx))
        return ["%s: %d requests, expected at most %d (no retry of a refused response)" % (what, c, n)] if c > n else []

    return check


def bodies_valid_utf8(ctx, res):
    bad = []
    for r in ctx.server.calls():
        try:
            r["body"].decode("utf-8")
        except UnicodeDecodeError:
            bad.append("%s %s" % (r["method"], r["path"]))
    return ["request body with invalid UTF-8 forwarded to the queue: " + bad[0]] if bad else []


def report_error_contains(word):
    def check(ctx, res):
        rep = res.report
        if not isinstance(rep, dict):
            return []  # the common report check already failed
        err = str(rep.get("error", ""))
        return [] if word in err.lower() else ["report.error does not say %r: %r" % (word, err[:160])]

    return check


def report_op(task_id, status):
    def check(ctx, res):
        rep = res.report
        if not isinstance(rep, dict):
            return []
        for op in rep.get("operations", []):
            if op.get("taskId") == task_id and op.get("status") == status:
                return []
        return ["report does not list the %s operation on %s done so far" % (status, task_id)]

    return check


def stderr_lacks(text):
    def check(ctx, res):
        return ["stderr says %r (a misleading message)" % text] if text in res.stderr_text else []

    return check


def victim_untouched(ctx, res):
    out = []
    try:
        with open(ctx.data["victim"], "rb") as f:
            if f.read() != b"precious\n":
                out.append("the planted symlink's target was overwritten")
    except OSError as e:
        out.append("the planted symlink's target is gone: %s" % e)
    rp = os.path.join(ctx.artifacts, "report.json")
    if os.path.islink(rp):
        out.append("report.json is a symlink (the planted link was renamed into place)")
    return out


def no_injected_line(ctx, res):
    out = []
    for name, text in (("stdout", res.stdout_text), ("stderr", res.stderr_text)):
        for line in text.splitlines():
            if line.lstrip().startswith("FAKE-LINE"):
                out.append("%s: a label/callback newline started a line of its own: %r" % (name, line[:80]))
                break
    return out


# ---------------------------------------------------------------------------
# item 1: deeply nested JSON


def _deep_task(ctx):
    return first(route("GET", r"task/%s" % TASK, lambda h, rec, m: reply(h, 200, hs.deep_json(DEEP))),
                 target_routes())


def _deep_404(ctx):
    body = b'{"code":"ResourceNotFound","message":"gone","x":' + b"[" * DEEP + b"]" * DEEP + b"}"
    return first(route("GET", r"task/%s/status" % TASK, lambda h, rec, m: reply(h, 404, body)), target_routes())


def _deep_create(ctx):
    return first(route("PUT", r"task/[^/]+", lambda h, rec, m: reply(h, 200, hs.deep_json(DEEP))),
                 target_routes())


def _deep_extra(levels):
    def routes(ctx):
        d = hs.task_definition(extra={"treeherder": {"symbol": "M1"}, "deep": "@DEEP@"})
        text = json.dumps(d).replace('"@DEEP@"', hs.deep_object(levels)).encode()
        return first(json_route("GET", r"task/%s" % TASK, text), target_routes())

    return routes


# ---------------------------------------------------------------------------
# item 2: no bound on a call or a run


def _slowloris(ctx):
    return first(route("GET", r"task/%s" % TASK, lambda h, rec, m: hs.slowloris(h, ctx.server.stop_event)),
                 target_routes())


def _hung(ctx):
    return hs.HungServer()


def _dependent_entry(i):
    tid = hs.slugid("paged-%d" % i)
    st = hs.task_status(tid, "completed")["status"]
    return {"status": st, "task": {"taskGroupId": GROUP, "dependencies": [TASK], "tags": {"label": "t-%d" % i},
                                   "payload": {}}}


def _paging(kind, endless):
    def page(h, rec, m):
        q = dict(p.split("=", 1) for p in rec["query"].split("&") if "=" in p)
        n = int(q.get("continuationToken", "page-0").split("-")[-1]) if endless else 0
        body = {"tasks": [_dependent_entry(n)],
                "continuationToken": ("page-%d" % (n + 1)) if endless else "the-same-token"}
        if kind == "dependents":
            body["taskId"] = TASK
        else:
            body["taskGroupId"] = GROUP
        reply(h, 200, body)

    def routes(ctx):
        rx = r"task/%s/dependents" % TASK if kind == "dependents" else r"task-group/%s/list" % GROUP
        return first(route("GET", rx, page), target_routes())

    return routes


# ---------------------------------------------------------------------------
# item 3: oversized bodies


def _content_length(ctx):
    return first(route("GET", r"task/%s" % TASK, lambda h, rec, m: hs.huge_content_length(h, ctx.server.stop_event)),
                 target_routes())


def _endless_body(ctx):
    return first(route("GET", r"task/%s" % TASK, lambda h, rec, m: hs.endless_chunked(h, ctx.server.stop_event)),
                 target_routes())


def _gzip_bomb(ctx):
    bomb = hs.gzip_bomb(4)

    def fn(h, rec, m):
        reply(h, 200, bomb, {"Content-Encoding": "gzip", "Content-Type": "application/json"})

    _, labels = hs.push_artifacts(TASK, 0)
    build = hs.task_definition(label=hs.ROOT_LABEL, kind="build")
    return first(route("GET", ARTIFACT_RX, fn), push_routes(None, labels),
                 target_routes(state="completed", definition=build))


# ---------------------------------------------------------------------------
# item 4: downstream planning curve


def _graph_routes(n, self_dependent=None):
    def routes(ctx):
        graph, labels = hs.push_artifacts(TASK, n, self_dependent=self_dependent)
        ctx.data["graph_bytes"] = len(graph)
        build = hs.task_definition(label=hs.ROOT_LABEL, kind="build")
        return first(push_routes(graph, labels), target_routes(state="completed", definition=build))

    return routes


# ---------------------------------------------------------------------------
# item 5: files and signals


def _plant_symlink(ctx):
    os.makedirs(ctx.artifacts, exist_ok=True)
    victim = os.path.join(ctx.workdir, "victim.txt")
    with open(victim, "wb") as f:
        f.write(b"precious\n")
    os.symlink(victim, os.path.join(ctx.artifacts, ".report.json.tmp"))
    ctx.data["victim"] = victim


def _readonly_artifacts(ctx):
    os.chmod(ctx.workdir, 0o755)
    os.makedirs(ctx.artifacts, exist_ok=True)
    os.chmod(ctx.artifacts, 0o555)


def _sequence(ctx):
    """rerun-sequence [TASK, TASK_B], both failed; after the rerun TASK stays running forever."""
    reran = {"a": False}

    def status_a(h, rec, m):
        if reran["a"]:
            reply(h, 200, hs.task_status(TASK, "running"))
        else:
            reply(h, 200, hs.task_status(TASK, "failed"))

    def rerun_a(h, rec, m):
        reran["a"] = True
        reply(h, 200, hs.task_status(TASK, "pending"))

    return first(route("GET", r"task/%s/status" % TASK, status_a),
                 route("POST", r"task/%s/rerun" % TASK, rerun_a),
                 json_route("GET", r"task/%s" % TASK_B, hs.task_definition(label="test-b")),
                 json_route("GET", r"task/%s/status" % TASK_B, hs.task_status(TASK_B, "failed")),
                 target_routes())


# ---------------------------------------------------------------------------
# item 6: secrets and bytes in output


def _ext_of(rec):
    import re
    m = re.search(r'ext="([^"]*)"', rec["auth"])
    return m.group(1) if m else ""


def _echo(kind):
    def fn(h, rec, m):
        ext = _ext_of(rec)
        if kind == "ext-shifted":
            reply(h, 403, {"code": "InsufficientScopes",
                           "message": "Client ext was %s (checked)\n---\n* requestInfo" % ext[1:]})
        elif kind == "reason-cut":
            hs.reply_raw_reason(h, 403, rec["auth"][:400].encode("latin-1", "replace"))
        elif kind == "authorization":
            reply(h, 401, {"code": "AuthenticationFailed",
                           "message": "Bad mac for Authorization: %s\n---\n* method: task" % rec["auth"]})
        elif kind == "cert-decoded":
            import base64
            try:
                cert = json.loads(base64.b64decode(ext))
            except ValueError:
                cert = {"ext": ext}
            reply(h, 403, {"code": "InsufficientScopes", "message": "scopes of certificate %s are not enough"
                                                                      % json.dumps(cert)})

    def routes(ctx):
        return first(route("GET", r"task/%s" % TASK, fn), target_routes())

    return routes


def _redirect_userinfo(ctx):
    def fn(h, rec, m):
        reply(h, 302, b"", {"Location": "http://hostile-user:%s@127.0.0.1:%d%stask/%s"
                                        % (ctx.password, ctx.server.port, API, hs.TASK_B)})

    return first(route("GET", r"task/%s" % TASK, fn), target_routes())


BAD_LABEL_TOKEN = "@BADLABEL@"
# newline + a fake summary line, ANSI escape, NUL (as \u0000), a DEL, then raw invalid UTF-8 bytes
BAD_LABEL_JSON = b'"test\\nFAKE-LINE: rerun done\\u001b[31m red\\u0000nul\\u007f\\r\xfe\xff\xc0\xaf end"'


def _bad_label(state):
    def routes(ctx):
        d = hs.task_definition(label=BAD_LABEL_TOKEN)
        text = json.dumps(d).encode().replace(b'"' + BAD_LABEL_TOKEN.encode() + b'"', BAD_LABEL_JSON)
        return first(json_route("GET", r"task/%s" % TASK, text), target_routes(state=state))

    return routes


# ---------------------------------------------------------------------------
# item 7: misleading outcomes


def _body(text):
    def routes(ctx):
        return first(json_route("GET", r"task/%s" % TASK, text), target_routes())

    return routes


# ---------------------------------------------------------------------------
# item 8: the emulator


class EmulatorServer:
    """`tc-emulator --world demo/world.json` as the server: the emulator built beside the binary under test
    (build/tc-emulator), else the binary's own `emulator` subcommand (builds before the emulator had its own)."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.port_file = os.path.join(ctx.workdir, "emulator.port")
        self.log = open(os.path.join(ctx.workdir, "emulator.log"), "wb")
        world = os.path.join(ctx.repo, "demo", "world.json")
        emulator = os.path.join(os.path.dirname(os.path.abspath(ctx.bin)), "tc-emulator")
        cmd = [emulator] if os.access(emulator, os.X_OK) else [ctx.bin, "emulator"]
        self.proc = subprocess.Popen(cmd + ["--world", world, "--port", "0", "--port-file", self.port_file],
                                     stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self.port = None

    def start(self):
        for _ in range(200):
            if os.path.exists(self.port_file) and os.path.getsize(self.port_file) > 0:
                self.port = int(open(self.port_file).read().strip())
                return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError("the emulator did not start (see %s)" % self.log.name)

    @property
    def root_url(self):
        return "http://127.0.0.1:%d" % self.port

    def stop(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()

    def calls(self, method=None, path_rx=None):
        return []

    def mutations(self):
        return []


EMULATOR_ENV = {
    "TASKCLUSTER_CLIENT_ID": "project/gecko/action-hook-1",
    "TASKCLUSTER_ACCESS_TOKEN": "demo-token-only-for-the-local-emulator-000",
    "TASKCLUSTER_CERTIFICATE": None,
    "ACTION_TASK_GROUP_ID": "Dec1s10nQ2a0000000000A",
    "TASK_ID": "Act10nRtQ2a0000000002A",
}

# ---------------------------------------------------------------------------

GRAPH_RSS_FACTOR = 12  # downstream cases: peak RSS <= 100 MB + 12 x task-graph.json (today: ~9x, linear)

CURVE = [(1_000, 4.0), (10_000, 6.0), (30_000, 10.0), (100_000, 20.0)]

def exactly_one_rerun(ctx, res):
    n = len(ctx.server.calls("POST", r"/rerun$"))
    return [] if n == 1 else ["%d rerunTask calls, expected 1" % n]


def _forbidden(ctx):
    return first(json_route("GET", r"task/%s" % TASK, {"code": "InsufficientScopes", "message":
                                                        "You do not have sufficient scopes.\n---\n* method: task"},
                            status=403), target_routes())


CASES = [
    # -- controls: a well-behaved queue; they pass today and show the checks can pass
    Case("control-rerun", 0, "a well-behaved queue: rerun of a failed task", server(lambda ctx: target_routes()),
         args=["-vv"], expect_exit=(0,), checks=[exactly_one_rerun], contract="exit 0, one rerunTask"),
    Case("control-403", 0, "a well-behaved queue answering 403 (no secret in the message)", server(_forbidden),
         args=["-vv"], checks=[no_mutation], contract="exit 3, one-line error, report"),
    # -- item 1
    Case("deep-task-definition", 1, "GET task answers 200 with a body nested 10^6 levels", server(_deep_task),
         contract="exit 3 (malformed response), no crash"),
    Case("deep-error-body", 1, "GET task/status answers 404 with an error body nested 10^6 levels",
         server(_deep_404), contract="exit 3, no crash"),
    Case("deep-create-reply", 1, "retrigger: createTask answers 200 with a body nested 10^6 levels",
         server(_deep_create), action="retrigger", input={"times": 1},
         contract="exit 3 (the create failed: malformed reply), no crash"),
    Case("deep-extra-50k", 1, "retrigger: the task definition's extra is nested 50,000 levels",
         server(_deep_extra(50_000)), action="retrigger", input={"times": 1}, checks=[no_create],
         contract="exit 3 (response deeper than the limit), no crash, nothing created"),
    Case("deep-extra-20k", 1, "retrigger: the task definition's extra is nested 20,000 levels",
         server(_deep_extra(20_000)), action="retrigger", input={"times": 1}, checks=[no_create],
         contract="exit 3 (response deeper than the limit), nothing created (today: copied into a new task)"),
    # -- item 2
    Case("slowloris", 2, "GET task: headers, then one body byte per second", server(_slowloris),
         time_bound=BUDGET_BOUND_S, rss_bound_mb=100,
         contract="exit 3 within the run budget (per-request deadline covers the whole response)"),
    Case("hung-server", 2, "the server accepts and never answers", _hung, time_bound=BUDGET_BOUND_S, rss_bound_mb=100,
         contract="exit 3 within the run budget"),
    Case("paging-endless-dependents", 2, "rerun-dependents: listDependentTasks hands out a new continuationToken "
         "forever", server(_paging("dependents", True)), action="rerun-dependents", time_bound=BUDGET_BOUND_S,
         rss_bound_mb=400, checks=[no_mutation],
         contract="exit 3 (page limit or run budget), nothing canceled/rerun"),
    Case("paging-repeat-dependents", 2, "rerun-dependents: listDependentTasks repeats the same continuationToken",
         server(_paging("dependents", False)), action="rerun-dependents", time_bound=5, rss_bound_mb=100,
         checks=[no_mutation, at_most("GET", r"/dependents$", 3, "listDependentTasks")],
         contract="exit 3 at the repeated token (2nd page), nothing canceled/rerun"),
    Case("paging-endless-cancel-all", 2, "cancel-all: listTaskGroup hands out a new continuationToken forever",
         server(_paging("group", True)), action="cancel-all", task=None, time_bound=BUDGET_BOUND_S,
         rss_bound_mb=400, checks=[no_mutation],
         contract="exit 3 (page limit or run budget), nothing canceled"),
    Case("paging-repeat-cancel-all", 2, "cancel-all: listTaskGroup repeats the same continuationToken",
         server(_paging("group", False)), action="cancel-all", task=None, time_bound=5, rss_bound_mb=100,
         checks=[no_mutation, at_most("GET", r"/list$", 3, "listTaskGroup")],
         contract="exit 3 at the repeated token, nothing canceled"),
    # -- item 3
    Case("content-length-5gib", 3, "GET task declares Content-Length: 5 GiB and streams it", server(_content_length),
         time_bound=5, rss_bound_mb=200, checks=[at_most("GET", r"/task/%s$" % TASK, 1, "GET task")],
         contract="exit 3, refused from the header before reading, not retried"),
    Case("huge-body-chunked", 3, "GET task: a chunked body that never ends, at full speed", server(_endless_body),
         time_bound=BUDGET_BOUND_S, rss_bound_mb=1536, checks=[at_most("GET", r"/task/%s$" % TASK, 1, "GET task")],
         contract="exit 3 at the body cap, not retried, RSS <= 1.5 GiB (1.5x the 1 GiB cap)"),
    Case("gzip-bomb", 3, "retrigger downstream: full-task-graph.json is a 4 MB gzip expanding to 4 GiB",
         server(_gzip_bomb), action="retrigger", input={"downstream": True},
         # the cap, not the request deadline, must end it: inflating 1 GiB takes seconds on a loaded machine
         env={"TASKCLUSTER_REQUEST_TIMEOUT": "60", "TC_ACTION_RUN_BUDGET": "60"},
         time_bound=60, rss_bound_mb=1536, checks=[no_create, at_most("GET", ARTIFACT_RX, 1, "GET full-task-graph.json")],
         contract="exit 3, decoded bytes counted, not retried, RSS <= 1.5 GiB"),
    Case("context-dev-zero", 3, "--context /dev/zero", None, args=["--context", "/dev/zero"], expect_exit=(2,),
         time_bound=5, rss_bound_mb=300, contract="exit 2 (input too large), bounded read"),
    # -- item 4
    *[Case("downstream-%dk" % (n // 1000), 4, "retrigger downstream --dry-run of a task with %d dependents" % n,
           server(_graph_routes(n)), action="retrigger", input={"downstream": True}, args=["--dry-run"],
           expect_exit=(0,), time_bound=bound, rss_bound_mb=None, env={"TC_ACTION_RUN_BUDGET": "120"},
           checks=[no_mutation], contract="exit 0, near-linear: within %.0f s" % bound) for n, bound in CURVE],
    # -- item 5
    Case("symlink-report-tmp", 5, "artifacts/.report.json.tmp is a planted symlink to another file",
         server(lambda ctx: target_routes()), setup=_plant_symlink, expect_exit=(0,), checks=[victim_untouched],
         contract="exit 0, the link's target untouched, report.json a regular file"),
    Case("artifacts-readonly", 5, "--artifacts is an existing directory the process cannot write (mode 0555)",
         server(lambda ctx: target_routes()), setup=_readonly_artifacts, as_nobody=True, expect_exit=(2,),
         expect_report=False, checks=[no_mutation], contract="exit 2 before any mutation"),
    Case("artifacts-uncreatable", 5, "--artifacts cannot be created (under /proc)",
         server(lambda ctx: target_routes()), args=["--artifacts", "/proc/tc-action-hostile/artifacts"],
         expect_exit=(2,), expect_report=False, checks=[no_mutation], contract="exit 2 before any mutation"),
    Case("sigterm-sequence-wait", 5, "rerun-sequence waiting for a run that never ends; SIGTERM after 3 s",
         server(_sequence), action="rerun-sequence", task=None, input={"tasks": [TASK, TASK_B]},
         signal_after=(signal.SIGTERM, 3.0), time_bound=8,
         checks=[report_error_contains("terminated"), report_op(TASK, "done")],
         contract="exit 3 within 5 s of the signal, report says terminated and lists the rerun done"),
    Case("sigint-sequence-wait", 5, "the same, SIGINT", server(_sequence), action="rerun-sequence", task=None,
         input={"tasks": [TASK, TASK_B]}, signal_after=(signal.SIGINT, 3.0), time_bound=8,
         checks=[report_error_contains("terminated"), report_op(TASK, "done")],
         contract="exit 3 within 5 s of the signal, report says terminated"),
    Case("sigterm-hung-server", 5, "rerun against a hung server; SIGTERM after 2 s", _hung,
         signal_after=(signal.SIGTERM, 2.0), time_bound=7, checks=[report_error_contains("terminated")],
         contract="exit 3 within 5 s of the signal, report says terminated"),
    # -- item 6
    Case("echo-ext-shifted", 6, "403 whose message echoes the Hawk ext minus its first character",
         server(_echo("ext-shifted")), args=["-vv"], contract="exit 3, no part of the ext printed"),
    Case("echo-reason-cut", 6, "403 whose reason phrase is the Authorization header (cut to 400 chars)",
         server(_echo("reason-cut")), args=["-vv"], contract="exit 3, no part of the ext printed"),
    Case("echo-authorization", 6, "401 whose message echoes the whole Authorization header",
         server(_echo("authorization")), args=["-vv"], contract="exit 3, no mac/ext printed"),
    Case("echo-certificate", 6, "403 whose message echoes the certificate JSON (decoded ext, reformatted)",
         server(_echo("cert-decoded")), args=["-vv"], contract="exit 3, no seed/signature printed"),
    Case("root-url-userinfo", 6, "TASKCLUSTER_ROOT_URL=http://user:password@host:port",
         server(lambda ctx: target_routes()), args=["-vv"], expect_exit=(2,),
         env={"TASKCLUSTER_ROOT_URL": lambda ctx: "http://hostile-user:%s@127.0.0.1:%d" % (ctx.password,
                                                                                          ctx.server.port)},
         checks=[no_mutation], contract="exit 2, the password never printed"),
    Case("redirect-userinfo", 6, "GET task redirects to http://user:password@...", server(_redirect_userinfo),
         args=["-vv"], checks=[no_mutation], contract="exit 3, the password never printed"),
    Case("label-control-bytes", 6, "rerun: the label has a newline + fake line, ESC, NUL, DEL, CR, invalid UTF-8",
         server(_bad_label("failed")), args=["-v"], expect_exit=(0, 3), checks=[no_injected_line],
         contract="exit 0 with the label escaped, or 3 (response not UTF-8); no control byte printed"),
    Case("label-invalid-utf8-retrigger", 6, "retrigger: the label has invalid UTF-8 (and control bytes)",
         server(_bad_label("failed")), action="retrigger", input={"times": 1}, expect_exit=(0, 3),
         checks=[bodies_valid_utf8, no_injected_line],
         contract="exit 3 (response not UTF-8) or 0, never invalid UTF-8 in a createTask body"),
    Case("callback-control-bytes", 6, "ACTION_CALLBACK with a newline + fake line, ESC and invalid UTF-8",
         server(lambda ctx: target_routes()), expect_exit=(2,), checks=[no_mutation, no_injected_line],
         env={"ACTION_CALLBACK": "rerun\nFAKE-LINE: done\x1b[2J\x7f\udcff\udcfe"},
         contract="exit 2, the value escaped in stdout/stderr"),
    # -- item 7
    Case("empty-task-body", 7, "GET task answers 200 with an empty body", server(_body(b"")),
         checks=[stderr_lacks("task group ,"), no_mutation], contract="exit 3 (malformed response), not 2"),
    Case("array-task-body", 7, "GET task answers 200 with a JSON array", server(_body(b"[1, 2, 3]")),
         checks=[stderr_lacks("task group ,"), no_mutation], contract="exit 3 (malformed response), not 2"),
    Case("self-dependent-entry", 7, "retrigger downstream: a full-task-graph.json entry depends on itself",
         server(_graph_routes(3, self_dependent=1)), action="retrigger", input={"downstream": True},
         expect_exit=(1, 2), checks=[no_create], contract="exit 1 or 2 with the reason, nothing created"),
    # -- item 8
    Case("emulator-concurrency", 8, "the emulator (demo world): retrigger times 20 at the default concurrency 50",
         lambda ctx: EmulatorServer(ctx), action="retrigger", task="TestMoc1Q2a0000000004A", input={"times": 20},
         env=EMULATOR_ENV, expect_exit=(0,), time_bound=4, contract="exit 0 within 4 s"),
]

BY_NAME = {c.name: c for c in CASES}
