#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs the registration wizard on the embedded default: a SoftHSM token in
# factory state and the reference server with its demo users, all in a
# private directory. Prints what to type (demo user ID, OTP PIN, key file).
#
# Usage: tests/gui/run-wizard-demo.sh [BUILDDIR] [DEMO-DIR]
# .ci/demo can end with: exec tests/gui/run-wizard-demo.sh _build "$demo"
set -eu
build=${1:-_build}
demo=${2:-${TANBA_DEMO_DIR:-${XDG_RUNTIME_DIR:-/tmp}/tanba-demo}}
softhsm=${SOFTHSM2_MODULE:-/usr/lib/softhsm/libsofthsm2.so}

mkdir -p "$demo/tokens"
if [ ! -f "$demo/softhsm2.conf" ]; then
  printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nslots.removable = true\n' "$demo" > "$demo/softhsm2.conf"
fi
export SOFTHSM2_CONF="$demo/softhsm2.conf"
export GSETTINGS_SCHEMA_DIR="$PWD/$build/data"
if ! softhsm2-util --show-slots 2>/dev/null | grep -q 'Token initialized: *yes'; then
  softhsm2-util --init-token --free --label "" --so-pin 87654321 --pin 12345678 >/dev/null
fi

rm -rf "$demo/server"
"$build/src/server/tanba-refserver" --init-demo "$demo/server" --users 1 > "$demo/users.txt"
"$build/src/server/tanba-refserver" --data "$demo/server" --listen 127.0.0.1:0 > "$demo/server.url" 2> "$demo/server.log" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT INT TERM
i=0
while [ ! -s "$demo/server.url" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
url=$(head -n 1 "$demo/server.url")

echo "Reference server: $url (log: $demo/server.log)"
echo "Token: SoftHSM in $demo, factory state, password 12345678."
echo "Type in the wizard:"
cat "$demo/users.txt"
echo
"$build/src/gui/tanba" --module "$softhsm" --server "$url" --trust-anchor "$demo/server/ca.crt"
