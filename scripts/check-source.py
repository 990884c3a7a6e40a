#!/usr/bin/env python3
"""Source-tree rules that keep the folder tree the architecture diagram.

  1. No source file lies directly in action/: every file is in its layer's folder.
  2. Layers include only themselves and the layers below them
       core -> jsone -> taskcluster -> actions -> run -> registration -> cli
     (jsone is self-contained: it includes nothing of ours), and nothing in
     action/ includes the emulator or the tests.
  3. No function in action/ is longer than 80 lines, unless the line before it
     says why in a comment containing "long:".

Exit status 1 with one line per violation; 0 when the tree follows the rules.
Usage: scripts/check-source.py [ROOT]
"""
import os
import re
import sys

LAYERS = ["core", "jsone", "taskcluster", "actions", "run", "registration", "cli"]
# What each layer may include besides itself (jsone stands alone).
ALLOWED = {
    "core": set(),
    "jsone": set(),
    "taskcluster": {"core"},
    "actions": {"core"},
    "run": {"core", "taskcluster", "actions"},
    "registration": {"core", "jsone", "taskcluster", "actions"},
    "cli": {"core", "jsone", "taskcluster", "actions", "run", "registration"},
}
MAX_LINES = 80
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
# A function definition starts at column 0 with its name and "(", its
# signature may span lines, and its body opens on a line ending with "{"; it
# ends at the next "}" in column 0.
SIGNATURE = re.compile(r"^[A-Za-z_~][\w:<>,*&~ ]*\(")
KEYWORDS = ("namespace", "struct", "class", "enum", "union", "extern", "typedef", "using", "return", "if", "for",
            "while", "switch", "static_assert", "#")

def sources(root):
    for dirpath, _, files in os.walk(os.path.join(root, "action")):
        for f in sorted(files):
            if f.endswith((".h", ".cc")):
                yield os.path.join(dirpath, f)


def layer_of(root, path):
    rel = os.path.relpath(path, os.path.join(root, "action"))
    parts = rel.split(os.sep)
    return parts[0] if len(parts) > 1 else None


def check_includes(root, path, layer, errors):
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            target = m.group(1).split("/")[0]
            if target == layer:
                continue
            if target not in LAYERS:
                errors.append(f"{path}:{n}: includes \"{m.group(1)}\", which is not a product layer")
            elif target not in ALLOWED[layer]:
                errors.append(f"{path}:{n}: layer {layer} includes \"{m.group(1)}\" (layer {target} is not below it)")


def body_start(lines, i):
    """The index of the line that opens the body of a function whose signature starts at i, or None."""
    if not SIGNATURE.match(lines[i]) or lines[i].startswith(KEYWORDS):
        return None
    for j in range(i, min(i + 8, len(lines))):
        if ";" in lines[j] and not lines[j].rstrip().endswith("{"):
            return None
        if lines[j].rstrip().endswith("{"):
            return j
    return None


def check_function_lengths(path, errors):
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    i = 0
    while i < len(lines):
        if body_start(lines, i) is None:
            i += 1
            continue
        start = i
        j = i + 1
        while j < len(lines) and not lines[j].startswith("}"):
            j += 1
        length = j - start + 1
        justified = start > 0 and "long:" in lines[start - 1]
        if length > MAX_LINES and not justified:
            name = lines[start].split("(")[0].split()[-1]
            errors.append(f"{path}:{start + 1}: function {name} is {length} lines (at most {MAX_LINES})")
        i = j + 1

def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), ".."))
    errors = []
    for path in sources(root):
        layer = layer_of(root, path)
        if layer is None:
            errors.append(f"{path}: lies directly in action/; put it in its layer's folder")
            continue
        if layer not in LAYERS:
            errors.append(f"{path}: action/{layer}/ is not a layer ({', '.join(LAYERS)})")
            continue
        check_includes(root, path, layer, errors)
        if path.endswith(".cc"):
            check_function_lengths(path, errors)
    for e in errors:
        print(e)
    if errors:
        print(f"check-source: {len(errors)} violation(s)")
        return 1
    print("check-source: layers, includes and function lengths OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
