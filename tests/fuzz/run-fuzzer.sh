#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# A short libFuzzer run of one target for the 'fuzz' test suite:
#   run-fuzzer.sh FUZZER SOURCE_DIR NAME
# Starts from a scratch copy of corpus/NAME (the seeds in the tree stay as
# they are) plus regressions/NAME, for $TANBA_FUZZ_SECONDS (default 20)
# seconds. A crash, a sanitizer report, a leak or a time-out fails the test;
# the input is kept in $TANBA_FUZZ_ARTIFACTS (default: the build directory's
# fuzz-artifacts/NAME/) — add it to regressions/NAME/ once fixed.
set -eu
# loopback only; see meson.build
export GIO_USE_PROXY_RESOLVER=dummy
fuzzer=$1
src=$2
name=$3
seconds=${TANBA_FUZZ_SECONDS:-20}
artifacts=${TANBA_FUZZ_ARTIFACTS:-$(dirname "$fuzzer")/fuzz-artifacts}/$name
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
mkdir -p "$work/corpus" "$artifacts"
if [ -d "$src/corpus/$name" ]; then
  cp "$src/corpus/$name"/* "$work/corpus/" 2>/dev/null || true
fi
dirs="$work/corpus"
if [ -d "$src/regressions/$name" ]; then
  dirs="$dirs $src/regressions/$name"
fi
dict=
if [ -f "$src/dict/$name.dict" ]; then
  dict="-dict=$src/dict/$name.dict"
fi
# shellcheck disable=SC2086
# libFuzzer exits 77 on a crash by default, which meson reads as "skipped":
# make every finding a failure.
exec "$fuzzer" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2560 \
  -error_exitcode=1 -timeout_exitcode=1 \
  -print_final_stats=1 -artifact_prefix="$artifacts/" $dict $dirs
