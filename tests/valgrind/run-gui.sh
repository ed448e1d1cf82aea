#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs a GUI test (the arguments) in a private session bus and X display, with
# a private XDG_RUNTIME_DIR: the accessibility bus that GTK starts on demand
# puts its socket there (else in ~/.cache/at-spi/, shared with every other
# session on the machine, whose bus launchers replace and remove it).
# The services the session bus starts write to its standard output: that goes
# to standard error here, so that the test's standard output is TAP only.
set -u
dir=$(mktemp -d "${TMPDIR:-/tmp}/tanba-runtime-XXXXXX") || exit 99
trap 'rm -rf "$dir"' EXIT
exec 3>&1
XDG_RUNTIME_DIR=$dir dbus-run-session -- \
  sh -c 'exec "$@" 1>&3 3>&-' sh \
  xvfb-run -a -s '-screen 0 1280x1024x24' "$@" 1>&2
