"""A scripted hostile Taskcluster queue for the hostile tier (Python 3 stdlib only).

One server per case, on 127.0.0.1 and a free port, in threads of the runner's
process. A case gives a list of routes (method, regex on the path after
/api/queue/v1/, handler); a handler answers with one of the behaviours below,
from a well-formed JSON reply to a body that never ends. Everything the client
sends is journaled (method, path, Authorization header, body), so a case can
assert what was (not) called and that no secret or invalid UTF-8 was sent.

Nothing here is random: ids are derived from fixed names, bodies are built
from fixed templates, timestamps are relative to the server's start.
"""

import base64
import gzip
import hashlib
import http.server
import json
import os
import re
import socket
import socketserver
import threading
import time
import zlib

API = "/api/queue/v1/"

# ---------------------------------------------------------------------------
# ids and timestamps

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def slugid(name):
    """A valid v4 "nice" slugid derived from a name (as tc's EncodeSlugid)."""
    b = bytearray(hashlib.sha256(name.encode()).digest()[:16])
    b[0] &= 0x7F
    b[6] = (b[6] & 0x0F) | 0x40
    b[8] = (b[8] & 0x3F) | 0x80
    return base64.urlsafe_b64encode(bytes(b)).decode().rstrip("=")


def iso(ms):
    t = time.gmtime(ms / 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", t) + ".%03dZ" % (int(ms) % 1000)


def now_ms():
    return int(time.time() * 1000)


GROUP = slugid("decision")  # the decision task = the task group
TASK = slugid("target")  # the task the action acts on
ACTION = slugid("action")  # the action task itself (TASK_ID)
TASK_B = slugid("target-b")  # a second task (rerun-sequence)

# ---------------------------------------------------------------------------
# fixtures


def task_definition(label="test-linux64/opt-mochitest-1", retrigger=True, group=GROUP, deps=(), extra=None,
                    kind="test"):
    n = now_ms()
    d = {
        "taskQueueId": "proj-gecko/t-linux",
        "schedulerId": "gecko-level-1",
        "projectId": "none",
        "taskGroupId": group,
        "dependencies": list(deps),
        "requires": "all-completed",
        "routes": ["tc-treeherder.v2.try.0123456789abcdef0123456789abcdef01234567"],
        "priority": "low",
        "retries": 5,
        "created": iso(n - 3600_000),
        "deadline": iso(n + 23 * 3600_000),
        "expires": iso(n + 28 * 86400_000),
        "scopes": [],
        "payload": {
            "image": "mozillareleases/gecko-test:latest",
            "maxRunTime": 3600,
            "command": ["/builds/worker/bin/run-task", "--", "./mach", "test"],
            "env": {"MOZ_SCM_LEVEL": "1"},
        },
        "metadata": {
            "name": label,
            "description": "a task served by the hostile test server",
            "owner": "releng@example.com",
            "source": "https://hg.example.com/try/file/0123456789ab/taskcluster/kinds/test",
        },
        "tags": {"kind": kind, "label": label, "createdForUser": "releng@example.com"},
        "extra": extra if extra is not None else {"treeherder": {"symbol": "M1"}},
    }
    if retrigger:
        d["tags"]["retrigger"] = "true"
    return d


def task_status(task_id, state, group=GROUP, runs=None):
    n = now_ms()
    if runs is None:
        runs = []
        if state != "unscheduled":
            run = {"runId": 0, "state": state, "reasonCreated": "scheduled", "scheduled": iso(n - 3000_000)}
            if state in ("running", "completed", "failed", "exception"):
                run.update(workerGroup="wg", workerId="w1", takenUntil=iso(n + 600_000), started=iso(n - 2900_000))
            if state in ("completed", "failed", "exception"):
                run.update(resolved=iso(n - 2000_000), reasonResolved=state if state != "exception" else "worker-shutdown")
                if state == "completed":
                    run["reasonResolved"] = "completed"
            runs.append(run)
    return {
        "status": {
            "taskId": task_id,
            "provisionerId": "proj-gecko",
            "workerType": "t-linux",
            "taskQueueId": "proj-gecko/t-linux",
            "schedulerId": "gecko-level-1",
            "projectId": "none",
            "taskGroupId": group,
            "deadline": iso(n + 23 * 3600_000),
            "expires": iso(n + 28 * 86400_000),
            "retriesLeft": 5,
            "state": state,
            "runs": runs,
        }
    }


def not_found(what="task"):
    return {"code": "ResourceNotFound", "message": "%s not found\n---\n* method: x" % what, "requestInfo": {}}


def deep_json(levels, inner=b"[", outer=b"]", prefix=b'{"x":', suffix=b"}"):
    return prefix + inner * levels + outer * levels + suffix


def deep_object(levels):
    """{"n":{"n":...{}...}} nested `levels` objects deep, as text."""
    return '{"n":' * levels + "{}" + "}" * levels


# ---------------------------------------------------------------------------
# a gzip bomb: identical gzip members concatenated (decoders must accept
# concatenated members, so GBs come out of a few MB on the wire)

_BOMB_CACHE = {}


def gzip_bomb(decoded_gib=4):
    if decoded_gib not in _BOMB_CACHE:
        member = gzip.compress(b" " * (64 << 20), compresslevel=9, mtime=0)  # 64 MiB of spaces
        _BOMB_CACHE[decoded_gib] = member * (decoded_gib * 16)
    return _BOMB_CACHE[decoded_gib]


# ---------------------------------------------------------------------------
# the server


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "hostile"
    sys_version = ""

    def log_message(self, fmt, *args):  # quiet
        pass

    def do_GET(self):
        self._dispatch()

    def do_PUT(self):
        self._dispatch()

    def do_POST(self):
        self._dispatch()

    def do_DELETE(self):
        self._dispatch()

    def do_HEAD(self):
        self._dispatch()

    def _dispatch(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        path = self.path.split("?", 1)[0]
        query = self.path.split("?", 1)[1] if "?" in self.path else ""
        rec = {
            "method": self.command,
            "path": path,
            "query": query,
            "auth": self.headers.get("Authorization", ""),
            "body": body,
            "t": time.monotonic(),
        }
        srv = self.server.hostile
        srv.record(rec)
        rel = path[len(API):] if path.startswith(API) else None
        for method, rx, fn in srv.routes:
            if method != self.command and method != "*":
                continue
            m = re.fullmatch(rx, rel if rel is not None else path)
            if m:
                try:
                    fn(self, rec, m)
                except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, socket.timeout, OSError):
                    self.close_connection = True
                return
        reply(self, 404, not_found(path))

    # -- raw writing helpers
    def send_raw(self, data):
        self.wfile.write(data)


def reply(h, status, body, headers=None, reason=None):
    """One response in one write (no Nagle/delayed-ACK stalls)."""
    if not isinstance(body, (bytes, bytearray)):
        body = json.dumps(body).encode()
    if reason is None:
        reason = http.HTTPStatus(status).phrase if status in http.HTTPStatus._value2member_map_ else "Status"
    head = ["HTTP/1.1 %d %s" % (status, reason)]
    hdrs = {"Content-Type": "application/json; charset=utf-8", "Content-Length": str(len(body))}
    hdrs.update(headers or {})
    for k, v in hdrs.items():
        if v is not None:
            head.append("%s: %s" % (k, v))
    data = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1", "replace") + bytes(body)
    h.wfile.write(data)


def reply_raw_reason(h, status, reason_bytes, body=b""):
    """A status line whose reason phrase is arbitrary bytes (latin-1 on the wire)."""
    data = b"HTTP/1.1 %d " % status + reason_bytes + b"\r\nContent-Length: %d\r\n\r\n" % len(body) + body
    h.wfile.write(data)


def slowloris(h, stop, declared=100000, start_json=b'{"taskGroupId":"'):
    """Headers at once, then one body byte per second, until stopped or the peer goes."""
    h.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % declared)
    payload = start_json + b"x" * declared
    for i in range(declared):
        if stop.wait(1.0):
            break
        h.wfile.write(payload[i:i + 1])
    h.close_connection = True


def endless_chunked(h, stop, chunk=1 << 20):
    """A chunked body that never ends: '{"x":"xxxx....' at full speed."""
    h.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
    first = b'{"x":"'
    h.wfile.write(b"%x\r\n%s\r\n" % (len(first), first))
    block = b"x" * chunk
    framed = b"%x\r\n" % len(block) + block + b"\r\n"
    while not stop.is_set():
        h.wfile.write(framed)
    h.close_connection = True


def huge_content_length(h, stop, declared=5 << 30, chunk=1 << 20):
    """Declares a body far above any sane cap, then sends it at full speed."""
    h.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % declared)
    block = b'{"x":"' + b"x" * (chunk - 6)
    sent = 0
    while sent < declared and not stop.is_set():
        n = min(chunk, declared - sent)
        h.wfile.write(block[:n])
        sent += n
        block = b"x" * chunk
    h.close_connection = True


class _ThreadingServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request, client_address):
        # a client that goes away mid-request (killed at the cap, refused a
        # body) is expected here; anything else is printed
        import sys
        if not isinstance(sys.exc_info()[1], (ConnectionError, socket.timeout, BrokenPipeError)):
            super().handle_error(request, client_address)


class HostileServer:
    """A scripted queue. routes: [(method, regex, fn(handler, rec, match))]."""

    def __init__(self, routes):
        self.routes = list(routes)
        self.journal = []
        self.lock = threading.Lock()
        self.stop_event = threading.Event()
        self.state = {}  # scratch for stateful scripts
        self._srv = _ThreadingServer(("127.0.0.1", 0), Handler)
        self._srv.hostile = self
        self.port = self._srv.server_address[1]
        self._thread = threading.Thread(target=self._srv.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)

    @property
    def root_url(self):
        return "http://127.0.0.1:%d" % self.port

    def record(self, rec):
        with self.lock:
            self.journal.append(rec)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self.stop_event.set()
        self._srv.shutdown()
        self._srv.server_close()

    # -- journal queries
    def calls(self, method=None, path_rx=None):
        with self.lock:
            out = list(self.journal)
        return [r for r in out if (method is None or r["method"] == method)
                and (path_rx is None or re.search(path_rx, r["path"]))]

    def mutations(self):
        return [r for r in self.calls() if r["method"] in ("PUT", "POST", "DELETE")]


class HungServer:
    """Accepts connections and reads what comes, never answers a byte."""

    def __init__(self):
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(128)
        self._sock.settimeout(0.1)
        self.port = self._sock.getsockname()[1]
        self.stop_event = threading.Event()
        self.conns = []
        self.accepted = 0
        self.journal = []
        self._thread = threading.Thread(target=self._loop, daemon=True)

    @property
    def root_url(self):
        return "http://127.0.0.1:%d" % self.port

    def start(self):
        self._thread.start()
        return self

    def _loop(self):
        while not self.stop_event.is_set():
            try:
                c, _ = self._sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            c.setblocking(False)
            self.conns.append(c)
            self.accepted += 1
            # drain what the client sends (so its writes never block), answer nothing
            for conn in list(self.conns):
                try:
                    conn.recv(65536)
                except (BlockingIOError, OSError):
                    pass

    def stop(self):
        self.stop_event.set()
        for c in self.conns:
            try:
                c.close()
            except OSError:
                pass
        self._sock.close()

    def calls(self, method=None, path_rx=None):
        return []

    def mutations(self):
        return []


# ---------------------------------------------------------------------------
# the push of the downstream cases, as a taskgraph decision publishes it

ROOT_LABEL = "build-linux64/opt"
PARAMETERS = (b"base_repository: https://hg.example.com/mozilla-unified\n"
              b"head_repository: https://hg.example.com/try\n"
              b"head_rev: 0123456789abcdef0123456789abcdef01234567\n"
              b"level: '1'\nproject: try\npushlog_id: '4242'\nrepository_type: hg\n"
              b"trust-domain: gecko\ntasks_for: hg-push\n")


def push_artifacts(root_id, dependents, self_dependent=None):
    """The decision's public/full-task-graph.json and public/label-to-taskid.json:
    ROOT_LABEL (root_id, a retriggerable build) and `dependents` test tasks
    depending on it (each names the build in a task-reference artifact URL, as
    gecko's tests do; ~1.5 KB per entry). self_dependent: the index of a
    dependent that also depends on itself. Returns (full graph bytes,
    label-to-taskid bytes)."""
    ids = [slugid("dep-%d" % i) for i in range(dependents)]

    def entry(label, kind, deps, env_extra):
        d = {
            "label": label,
            "kind": kind,
            "attributes": {"retrigger": True, "build_platform": "linux64", "build_type": "opt", "kind": kind},
            "dependencies": deps,
            "soft_dependencies": [],
            "if_dependencies": [],
            "optimization": None,
            "task": {
                "taskQueueId": "proj-gecko/t-linux",
                "schedulerId": "gecko-level-1",
                "projectId": "none",
                "requires": "all-completed",
                "routes": ["tc-treeherder.v2.try.0123456789abcdef0123456789abcdef01234567"],
                "priority": "low",
                "retries": 5,
                "created": {"relative-datestamp": "0 seconds"},
                "deadline": {"relative-datestamp": "1 day"},
                "expires": {"relative-datestamp": "28 days"},
                "scopes": [],
                "payload": {
                    "image": "mozillareleases/gecko-test:latest",
                    "maxRunTime": 3600,
                    "command": ["/builds/worker/bin/run-task", "--", "./mach", "test", label],
                    "env": dict({"MOZ_SCM_LEVEL": "1", "GECKO_HEAD_REV": "0123456789abcdef0123456789abcdef01234567"},
                                **env_extra),
                    "artifacts": {"public/logs": {"type": "directory", "path": "/builds/worker/logs",
                                                  "expires": {"relative-datestamp": "28 days"}}},
                },
                "metadata": {"name": label, "description": "generated by the hostile tier",
                             "owner": "releng@example.com",
                             "source": "https://hg.example.com/try/file/0123456789ab/taskcluster/kinds/" + kind},
                "tags": {"kind": kind, "label": label, "createdForUser": "releng@example.com"},
                "extra": {"treeherder": {"symbol": "M", "collection": {"opt": True}}},
            },
        }
        return json.dumps(label) + ":" + json.dumps(d, separators=(",", ":"))

    env = {"MOZ_FETCHES": {"task-reference":
                           "https://queue.example.com/api/queue/v1/task/<build>/artifacts/public/build/target.tar.bz2"}}
    parts = [entry(ROOT_LABEL, "build", {}, {})]
    labels = {ROOT_LABEL: root_id}
    # one template for the dependents (fast for 100k): @N@ substituted
    template = entry("test-linux64/opt-mochitest-@N@", "test", {"build": ROOT_LABEL}, env)
    for i, tid in enumerate(ids):
        label = "test-linux64/opt-mochitest-%d" % i
        labels[label] = tid
        if i == self_dependent:
            parts.append(entry(label, "test", {"build": ROOT_LABEL, "self": label}, env))
        else:
            parts.append(template.replace("@N@", str(i)))
    graph = ("{" + ",".join(parts) + "}").encode()
    return graph, json.dumps(labels, separators=(",", ":")).encode()
