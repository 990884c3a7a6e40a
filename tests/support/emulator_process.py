"""build/tc-emulator as a child process, for the Python scripts that start one
(tests/differential/run.py, bench/run_push_bench.py).

The emulator prints "Taskcluster emulator: <root URL>", then, with
--proxy-port, "taskcluster-proxy (as <client>): <proxy URL>", then a line
starting "clients:" once it serves. Its control API is /__emulator/<what>."""

import json
import re
import signal
import subprocess
import time
import urllib.request


def read_banner(stdout, timeout_s=None):
    """Reads the banner from the emulator's stdout (text mode): returns
    (root URL or None, proxy URL or None); None for the root when the stream
    ended or timeout_s passed first."""
    root = proxy = None
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    while deadline is None or time.monotonic() < deadline:
        line = stdout.readline()
        if not line:
            return None, proxy
        m = re.match(r"^Taskcluster emulator: (\S+)", line)
        if m:
            root = m.group(1)
        m = re.match(r"^taskcluster-proxy \(as [^)]*\): (\S+)", line)
        if m:
            proxy = m.group(1)
        if line.startswith("clients:"):
            return root, proxy
    return None, proxy


class Emulator:
    """build/tc-emulator on a world file, with a proxy listener acting as
    `proxy_client` (proxy_url is the root URL without one). Its stderr goes to
    log_path; control calls wait up to control_timeout_s."""

    def __init__(self, binary, world_path, proxy_client, log_path, start_timeout_s=20, control_timeout_s=30):
        args = [binary, "--world", world_path, "--port", "0"]
        if proxy_client:
            args += ["--proxy-port", "0", "--proxy-client", proxy_client]
        self.log_path = log_path
        self.control_timeout_s = control_timeout_s
        with open(log_path, "w") as log:
            self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=log, text=True)
        self.root_url, self.proxy_url = read_banner(self.proc.stdout, timeout_s=start_timeout_s)
        if not self.root_url:
            self.stop()
            with open(self.log_path) as log:
                raise RuntimeError("tc-emulator did not start: " + log.read().strip()[-2000:])
        if not self.proxy_url:
            self.proxy_url = self.root_url

    def control(self, what, method="GET", body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(f"{self.root_url}/__emulator/{what}", data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=self.control_timeout_s) as r:
            return json.loads(r.read() or b"null")

    def stop(self, timeout_s=10):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()
