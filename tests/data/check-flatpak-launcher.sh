#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Tests flatpak/tanba-launcher.sh outside a sandbox, in a fake /app prefix:
# it registers the bundled OpenSC module with p11-kit in the user's
# configuration directory, keeps it up to date, and runs the program named
# like itself with all its arguments. Prints TAP.
#
# Usage: check-flatpak-launcher.sh LAUNCHER OPENSC-MODULE

launcher=$1
module=$2
if [ ! -f "$launcher" ] || [ ! -f "$module" ]; then
  echo "usage: $0 LAUNCHER OPENSC-MODULE" >&2
  exit 2
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

n=0
failed=0
check () {
  # check DESCRIPTION COMMAND...
  description=$1
  shift
  n=$((n + 1))
  if "$@"; then
    echo "ok $n - $description"
  else
    echo "not ok $n - $description"
    failed=1
  fi
}

prefix="$tmp/app"
mkdir -p "$prefix/bin" "$prefix/libexec/tanba" "$prefix/share/p11-kit/modules"
cp "$launcher" "$prefix/bin/tanba"
chmod +x "$prefix/bin/tanba"
ln -s tanba "$prefix/bin/tanba-cli"
cp "$module" "$prefix/share/p11-kit/modules/opensc.module"
for program in tanba tanba-cli; do
  cat > "$prefix/libexec/tanba/$program" <<EOF
#!/bin/sh
printf '%s\n' "$program" "\$@" > "$tmp/ran"
EOF
  chmod +x "$prefix/libexec/tanba/$program"
done

config="$tmp/config"
registered="$config/pkcs11/modules/opensc.module"

XDG_CONFIG_HOME="$config" "$prefix/bin/tanba" --control-panel "two words"
check "the launcher runs the program" test -f "$tmp/ran"
check "tanba runs libexec/tanba/tanba with its arguments" \
  test "$(cat "$tmp/ran" 2>/dev/null)" = "$(printf 'tanba\n--control-panel\ntwo words')"
check "OpenSC is registered in XDG_CONFIG_HOME/pkcs11/modules" \
  cmp -s "$registered" "$module"
check "the registration names the module by absolute path" \
  grep -qs '^module: /' "$registered"

echo "module: stale.so" > "$registered"
rm -f "$tmp/ran"
XDG_CONFIG_HOME="$config" PATH="$prefix/bin:$PATH" tanba-cli token list
check "tanba-cli (found through PATH) runs libexec/tanba/tanba-cli" \
  test "$(cat "$tmp/ran" 2>/dev/null)" = "$(printf 'tanba-cli\ntoken\nlist')"
check "a stale registration is replaced" cmp -s "$registered" "$module"
check "no temporary file is left behind" \
  test "$(ls "$config/pkcs11/modules")" = "opensc.module"

# An unwritable configuration directory must not stop the program.
rm -f "$tmp/ran"
touch "$tmp/not-a-directory"
XDG_CONFIG_HOME="$tmp/not-a-directory" "$prefix/bin/tanba" 2> "$tmp/stderr"
check "the program still runs when registration fails" test -f "$tmp/ran"
check "a failed registration is reported on stderr" \
  grep -q "could not register OpenSC" "$tmp/stderr"

echo "1..$n"
exit $failed
