#!/bin/sh
# Flatpak launcher for tanba and tanba-cli (installed under both names).
#
# The runtime's p11-kit reads module registrations from /usr and /etc of the
# runtime and from the user's configuration, never from /app. This registers
# the OpenSC module bundled under /app in the app's own configuration
# directory (~/.var/app/kz.tanba.Tanba/config/pkcs11/modules in the sandbox),
# then runs the program of the same name from libexec.
prefix=$(dirname "$(dirname "$0")")
name=$(basename "$0")
src="$prefix/share/p11-kit/modules/opensc.module"
dir="${XDG_CONFIG_HOME:-$HOME/.config}/pkcs11/modules"
dst="$dir/opensc.module"

if [ -r "$src" ] && { [ ! -f "$dst" ] || [ "$(cat "$dst")" != "$(cat "$src")" ]; }; then
  # Best effort: a failure here must not stop the program, which then
  # reports that no token is visible.
  { mkdir -p "$dir" && cp "$src" "$dst.tmp.$$" && mv -f "$dst.tmp.$$" "$dst"; } ||
    { rm -f "$dst.tmp.$$"; echo "$name: could not register OpenSC with p11-kit in $dir" >&2; }
fi

exec "$prefix/libexec/tanba/$name" "$@"
