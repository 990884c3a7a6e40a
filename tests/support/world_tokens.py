"""Deterministic values of the generated emulator worlds, shared by the
differential tier's tests/differential/gen_world.py and the benchmark's
bench/make_push_world.py (standard library only: gen_world runs under the
reference taskgraph's Python, make_push_world under the system's)."""

import base64
import hashlib


def slug_from(seed):
    """A v4-shaped "nice" slugid derived from `seed` (a string)."""
    b = bytearray(hashlib.sha256(seed.encode()).digest()[:16])
    b[6] = (b[6] & 0x0F) | 0x40
    b[8] = (b[8] & 0x3F) | 0x80
    b[0] &= 0x7F  # "nice" slugids never start with '-'
    return base64.urlsafe_b64encode(bytes(b)).decode().rstrip("=")


def now_token(offset):
    """A `$now+/-N<unit>` token (emulator world time) for an offset in (integer) seconds."""
    offset = int(offset)
    if offset == 0:
        return "$now"
    sign = "+" if offset > 0 else "-"
    a = abs(offset)
    for unit, n in (("d", 86400), ("h", 3600), ("m", 60)):
        if a % n == 0:
            return f"$now{sign}{a // n}{unit}"
    return f"$now{sign}{a}s"
