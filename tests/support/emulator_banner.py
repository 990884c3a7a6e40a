"""What build/tc-emulator prints when it is ready (Python scripts that start it:
tests/differential/run.py, bench/run_push_bench.py).

The emulator prints "Taskcluster emulator: <root URL>", then, with
--proxy-port, "taskcluster-proxy (as <client>): <proxy URL>", then a line
starting "clients:" once it serves."""

import re
import time


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
