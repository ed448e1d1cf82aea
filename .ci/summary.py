#!/usr/bin/env python3
"""Prints the test totals of a meson run, counting TAP subtests, as one line."""
import json
import sys

passed = failed = skipped = 0
with open(sys.argv[1], encoding="utf-8") as log:
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
print(f"{passed} passed, {failed} failed, {skipped} skipped")
