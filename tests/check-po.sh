#!/bin/sh
# Check one translation: po/LANG.po must be valid, complete (nothing
# untranslated or fuzzy) and up to date with the sources listed in
# po/POTFILES.in.
#
# Usage: check-po.sh SRCROOT LANG
#
# The template is extracted afresh into a temporary directory with the same
# xgettext arguments as meson's i18n.gettext(preset: 'glib'), so a string
# added to a source file makes this test fail until it is translated; the
# source tree is not written to.
set -u

if [ $# -ne 2 ]; then
  echo "usage: $0 SRCROOT LANG" >&2
  exit 2
fi
srcroot=$1
lang=$2
po="$srcroot/po/$lang.po"
potfiles="$srcroot/po/POTFILES.in"
status=0

for tool in msgfmt msgcmp xgettext; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "$tool not found: install gettext." >&2
    exit 77
  fi
done
if [ ! -f "$po" ]; then
  echo "FAIL: $po does not exist." >&2
  exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-po.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

# 1. Valid, and every message translated.
echo "== msgfmt --check --statistics $lang.po"
if ! msgfmt --check --statistics -o /dev/null "$po" >"$tmp/msgfmt.out" 2>&1; then
  cat "$tmp/msgfmt.out"
  echo "FAIL: msgfmt rejects $lang.po (see above)."
  status=1
else
  cat "$tmp/msgfmt.out"
  if grep -q -e untranslated -e fuzzy "$tmp/msgfmt.out"; then
    echo "FAIL: $lang.po has untranslated or fuzzy messages."
    echo "      Run 'meson compile -C BUILDDIR tanba-pot', then"
    echo "      'msgmerge --update --no-fuzzy-matching po/$lang.po po/tanba.pot', and translate them."
    echo "      List them with 'msgattrib --untranslated po/$lang.po'"
    echo "      and 'msgattrib --only-fuzzy po/$lang.po'."
    status=1
  fi
fi

# 2. Up to date: every string of the sources has a translation.
# Mirrors mesonbuild/modules/i18n.py PRESET_ARGS['glib'].
echo "== xgettext (sources of po/POTFILES.in) and msgcmp $lang.po"
if ! xgettext --package-name=tanba --output="$tmp/tanba.pot" \
    --directory="$srcroot" --files-from="$potfiles" \
    --from-code=UTF-8 --add-comments \
    --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 \
    --keyword=g_dcgettext:2 --keyword=g_dngettext:2,3 \
    --keyword=g_dpgettext2:2c,3 \
    --flag=N_:1:pass-c-format --flag=C_:2:pass-c-format \
    --flag=NC_:2:pass-c-format --flag=g_dngettext:2:pass-c-format \
    --flag=g_strdup_printf:1:c-format --flag=g_string_printf:2:c-format \
    --flag=g_string_append_printf:2:c-format --flag=g_error_new:3:c-format \
    --flag=g_set_error:4:c-format --flag=g_markup_printf_escaped:1:c-format \
    --flag=g_log:3:c-format --flag=g_print:1:c-format \
    --flag=g_printerr:1:c-format --flag=g_printf:1:c-format \
    --flag=g_fprintf:2:c-format --flag=g_sprintf:2:c-format \
    --flag=g_snprintf:3:c-format \
    >"$tmp/xgettext.out" 2>&1; then
  cat "$tmp/xgettext.out"
  echo "FAIL: xgettext could not extract the strings of po/POTFILES.in."
  status=1
elif [ ! -f "$tmp/tanba.pot" ]; then
  echo "FAIL: xgettext found no translatable strings."
  status=1
else
  n=$(grep -c '^msgid ' "$tmp/tanba.pot")
  echo "$((n - 1)) messages in the sources."
  # msgcmp ignores untranslated and fuzzy entries of the .po, so a
  # message of the sources without a usable translation is reported here.
  if msgcmp "$po" "$tmp/tanba.pot" >"$tmp/msgcmp.out" 2>&1; then
    echo "$lang.po covers every message of the sources."
  else
    cat "$tmp/msgcmp.out"
    echo "FAIL: $lang.po lacks translations of the messages above (new or changed source strings)."
    echo "      Run 'meson compile -C BUILDDIR tanba-pot', then"
    echo "      'msgmerge --update --no-fuzzy-matching po/$lang.po po/tanba.pot', and translate them."
    status=1
  fi
  # Messages of the .po no longer in the sources: harmless, only noted.
  if msgcmp "$tmp/tanba.pot" "$po" --use-untranslated --use-fuzzy \
      >/dev/null 2>&1; then :; else
    echo "note: $lang.po has messages that are no longer in the sources (msgmerge will make them obsolete)."
  fi
fi

# 3. Source files with translatable strings missing from po/POTFILES.in
# (their strings would never reach translators): noted, not failed.
listed="$tmp/listed"
sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$potfiles" | sort -u >"$listed"
(cd "$srcroot" &&
 { grep -rlE '(^|[^A-Za-z0-9_])(_|N_|C_|NC_|g_dngettext|g_dpgettext2)[[:space:]]*\(' \
     --include='*.c' src 2>/dev/null
   grep -rl 'translatable="yes"' --include='*.ui' --include='*.blp' src ui 2>/dev/null
 } | sort -u) >"$tmp/marked"
unlisted=$(comm -23 "$tmp/marked" "$listed")
if [ -n "$unlisted" ]; then
  echo "note: these files have translatable strings but are not in po/POTFILES.in:"
  echo "$unlisted" | sed 's/^/      /'
fi

if [ $status -eq 0 ]; then
  echo "PASS: $lang.po"
fi
exit $status
