#!/usr/bin/env python3
"""Prints the test totals of one or more meson runs (testlog.json files),
counting TAP subtests, as one line: "N passed, N failed, N skipped".
With --label TEXT the line starts with "TEXT: "."""
import json
import sys

args = sys.argv[1:]
label = None
if len(args) >= 2 and args[0] == "--label":
    label = args[1]
    args = args[2:]

passed = failed = skipped = 0
for path in args:
    with open(path, encoding="utf-8") as log:
        for line in log:
            result = json.loads(line)
            if result.get("is_parallel") is None and "result" not in result:
                continue
            outcome = result["result"]
            if outcome in ("OK", "EXPECTEDFAIL"):
                passed += 1
            elif outcome == "SKIP":
                skipped += 1
            else:
                failed += 1
line = f"{passed} passed, {failed} failed, {skipped} skipped"
print(f"{label}: {line}" if label else line)
