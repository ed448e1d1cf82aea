#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The installed Tanba: `meson install` into a temporary prefix, then the
installed programs started the way a desktop starts them.

1. A fresh build of the source tree configured with --prefix=TMP/prefix
   (only the installed targets are built), then `meson install`: the compiled
   GSettings schema (gnome.post_install), the .mo files, the desktop entry,
   the AppStream metadata and the icons must be where the desktop looks.
2. Outside a display: `gsettings` finds kz.tanba.Tanba through XDG_DATA_DIRS;
   gettext's own tool reads the installed catalogues (ru, kk); the installed
   tanba-cli and tanba-refserver answer --version; `tanba-cli --help` and
   `tanba --help` speak Russian with LANGUAGE=ru; tanba-cli obeys the
   pkcs11-module setting read through the installed schema.
3. Under Xvfb and a private session bus: the INSTALLED desktop file's Exec
   line (and its control-panel action's) is resolved through PATH to
   PREFIX/bin and run with XDG_DATA_DIRS=PREFIX/share:/usr/share. The window
   must appear, its title must be the Russian (main entry) or Kazakh (action)
   translation from po/LANG.po, the process must have loaded the prefix's
   gschemas.compiled and tanba.mo, and it must exit with status 0 when the
   window is closed the way a window manager closes it (WM_DELETE_WINDOW).

The locale is C.UTF-8 with LANGUAGE=ru/kk: glibc uses LANGUAGE there, so no
ru_RU.UTF-8 locale needs to be generated on the machine.

Usage: test-installed.py SOURCE-ROOT   (meson runs it; TAP on stdout)
Environment: MESON, NINJA (programs), TANBA_INSTALL_JOBS (default 1),
TANBA_TEST_KEEP=1 keeps the temporary directory.
"""

import configparser
import ctypes
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

APP_ID = 'kz.tanba.Tanba'

tap_count = 0
failed = False


def tap(ok, description, diagnostics=()):
    global tap_count, failed
    tap_count += 1
    print('%s %d - %s' % ('ok' if ok else 'not ok', tap_count, description), flush=True)
    if not ok:
        failed = True
        for line in diagnostics:
            for sub in str(line).splitlines():
                print('# ' + sub, flush=True)
    return ok


def bail(reason, diagnostics=()):
    tap(False, reason, diagnostics)
    print('1..%d' % tap_count, flush=True)
    sys.exit(1)


def run(argv, env=None, timeout=600, **kwargs):
    return subprocess.run(argv, env=env, timeout=timeout, capture_output=True, text=True, **kwargs)


def tail(text, lines=30):
    return (text or '').strip().splitlines()[-lines:]


# --- PO files: the expected translations come from the sources ----------

def po_unquote(s):
    return json.loads(s) if s.startswith('"') else ''


def read_po(path):
    """{msgid: msgstr} of a PO file (singular messages without context,
    not fuzzy, translated)."""
    catalogue = {}
    entry = {}
    key = None
    fuzzy = False

    def flush():
        nonlocal entry, fuzzy
        if entry.get('msgid') and entry.get('msgstr') and 'msgctxt' not in entry and not fuzzy:
            catalogue[entry['msgid']] = entry['msgstr']
        entry, fuzzy = {}, False

    with open(path, encoding='utf-8') as f:
        for line in f:
            line = line.rstrip('\n')
            if not line.strip():
                flush()
                key = None
            elif line.startswith('#,') and 'fuzzy' in line:
                fuzzy = True
            elif line.startswith('#'):
                continue
            elif line.startswith('"') and key:
                entry[key] += po_unquote(line)
            else:
                word, _, rest = line.partition(' ')
                if word in ('msgid', 'msgstr', 'msgctxt', 'msgid_plural'):
                    if word == 'msgid' and 'msgid' in entry:
                        flush()
                    key = word
                    entry[key] = po_unquote(rest.strip())
                else:
                    key = None  # msgstr[n]: plurals are not used here
    flush()
    return catalogue


def printf_regex(fmt):
    """A regex matching the output of a printf format of %d and %s."""
    parts = re.split(r'(%[ds])', fmt)
    out = ''
    for p in parts:
        out += {'%d': r'(\d+)', '%s': r'(.+)'}.get(p, re.escape(p))
    return '^' + out + '$'


# --- X11: close a window the way a window manager does --------------------

class XClientMessageEvent(ctypes.Structure):
    _fields_ = [('type', ctypes.c_int), ('serial', ctypes.c_ulong), ('send_event', ctypes.c_int),
                ('display', ctypes.c_void_p), ('window', ctypes.c_ulong),
                ('message_type', ctypes.c_ulong), ('format', ctypes.c_int),
                ('data', ctypes.c_long * 5)]


class XEvent(ctypes.Union):
    _fields_ = [('xclient', XClientMessageEvent), ('pad', ctypes.c_long * 24)]


def send_wm_delete(window_id):
    """Sends WM_PROTOCOLS/WM_DELETE_WINDOW to @window_id (what a window
    manager's close button does). Needs DISPLAY."""
    x = ctypes.cdll.LoadLibrary('libX11.so.6')
    x.XOpenDisplay.restype = ctypes.c_void_p
    x.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x.XInternAtom.restype = ctypes.c_ulong
    x.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    x.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long,
                             ctypes.POINTER(XEvent)]
    x.XFlush.argtypes = [ctypes.c_void_p]
    x.XCloseDisplay.argtypes = [ctypes.c_void_p]
    display = x.XOpenDisplay(None)
    if not display:
        raise RuntimeError('cannot open display %s' % os.environ.get('DISPLAY'))
    event = XEvent()
    event.xclient.type = 33  # ClientMessage
    event.xclient.window = window_id
    event.xclient.message_type = x.XInternAtom(display, b'WM_PROTOCOLS', 0)
    event.xclient.format = 32
    event.xclient.data[0] = x.XInternAtom(display, b'WM_DELETE_WINDOW', 0)
    event.xclient.data[1] = 0  # CurrentTime
    status = x.XSendEvent(display, window_id, 0, 0, ctypes.byref(event))
    x.XFlush(display)
    x.XCloseDisplay(display)
    if status == 0:
        raise RuntimeError('XSendEvent failed')


# --- the desktop entry -----------------------------------------------------

def desktop_exec(entry_file, group):
    """The Exec line of @group as argv, field codes removed."""
    parser = configparser.RawConfigParser(strict=False, delimiters=('=',), comment_prefixes=('#',))
    parser.optionxform = str
    parser.read(entry_file, encoding='utf-8')
    line = parser.get(group, 'Exec')
    argv = [a for a in shlex.split(line) if not re.match(r'^%[fFuUdDnNickvm]$', a)]
    return line, argv


def window_ids(proc, timeout):
    """Visible, named X windows of @proc, polled until one appears, the
    process ends or @timeout seconds pass."""
    end = time.monotonic() + timeout
    while time.monotonic() < end and proc.poll() is None:
        out = subprocess.run(['xdotool', 'search', '--onlyvisible', '--pid', str(proc.pid)],
                             capture_output=True, text=True, timeout=10).stdout
        named = [(int(w), window_name(int(w))) for w in out.split()]
        named = [(w, t) for w, t in named if t]
        if named:
            return named
        time.sleep(0.2)
    return []


def window_name(window_id):
    return subprocess.run(['xdotool', 'getwindowname', str(window_id)],
                          capture_output=True, text=True, timeout=10).stdout.rstrip('\n')


def mapped_files(pid):
    try:
        with open('/proc/%d/maps' % pid) as f:
            return {line.split(None, 5)[5].strip() for line in f if len(line.split(None, 5)) == 6}
    except OSError:
        return set()


def run_gui(name, argv, env, prefix, language, title_ok, log_dir):
    """Runs one desktop entry under the display; checks window, title,
    loaded schema and catalogue, clean close. TAP lines."""
    log_path = os.path.join(log_dir, name + '.log')
    log = open(log_path, 'w')
    proc = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        titled = window_ids(proc, 60)

        def log_text():
            log.flush()
            with open(log_path, encoding='utf-8', errors='replace') as f:
                return f.read()

        if not tap(titled, '%s: `%s` shows a window' % (name, ' '.join(argv)),
                   ['no visible window of pid %d within 60 s; exit status %r' % (proc.pid, proc.poll())]
                   + tail(log_text())):
            return
        window, title = titled[0]
        tap(title_ok(title), '%s: the window title is translated (%s): «%s»' % (name, language, title),
            ['title «%s» is not the %s translation' % (title, language)])

        maps = mapped_files(proc.pid)
        compiled = os.path.join(prefix, 'share', 'glib-2.0', 'schemas', 'gschemas.compiled')
        tap(compiled in maps, '%s: the program loaded the installed schemas %s' % (name, compiled),
            ['%s is not mapped by the program: the GSettings schema was not found through '
             'XDG_DATA_DIRS' % compiled] + sorted(m for m in maps if 'gschemas' in m))
        mo = os.path.join(prefix, 'share', 'locale', language, 'LC_MESSAGES', 'tanba.mo')
        tap(mo in maps, '%s: the program loaded the installed catalogue %s' % (name, mo),
            ['%s is not mapped by the program: translations are looked for elsewhere '
             '(LOCALEDIR)' % mo] + sorted(m for m in maps if m.endswith('.mo')))

        send_wm_delete(window)
        try:
            status = proc.wait(30)
        except subprocess.TimeoutExpired:
            status = None
        text = log_text()
        bad = [l for l in text.splitlines() if re.search(r'CRITICAL|ERROR|Gtk-WARNING|GLib-GIO-WARNING', l)]
        tap(status == 0 and not bad,
            '%s: closing the window (WM_DELETE_WINDOW) ends the program with status 0, no warnings' % name,
            ['exit status %r' % (status,)] + bad + tail(text))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()


def main():
    if len(sys.argv) != 2:
        print('usage: %s SOURCE-ROOT' % sys.argv[0], file=sys.stderr)
        return 2
    source = os.path.abspath(sys.argv[1])
    meson = shlex.split(os.environ.get('MESON') or 'meson')
    ninja = os.environ.get('NINJA') or 'ninja'
    missing = [tool for tool in (meson[0], ninja, 'xvfb-run', 'xdotool', 'dbus-run-session',
                                 'gsettings', 'gettext') if not shutil.which(tool)]
    if missing:
        print('1..0 # SKIP not installed: %s' % ', '.join(missing))
        return 0
    jobs = os.environ.get('TANBA_INSTALL_JOBS', '1')
    tmp = tempfile.mkdtemp(prefix='tanba-install-')
    try:
        return check(source, meson, ninja, jobs, tmp)
    finally:
        if os.environ.get('TANBA_TEST_KEEP'):
            print('# kept %s' % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def clean_env(tmp):
    """The environment of a user's session, not the build tree's."""
    env = dict(os.environ)
    for var in ('GSETTINGS_SCHEMA_DIR', 'TANBA_LOCALEDIR', 'TANBA_PKCS11_MODULE', 'LANG',
                'LANGUAGE', 'LC_MESSAGES', 'GTK_A11Y', 'MALLOC_CHECK_', 'MALLOC_PERTURB_'):
        env.pop(var, None)
    env['LC_ALL'] = 'C.UTF-8'
    for var, sub in (('HOME', 'home'), ('XDG_CONFIG_HOME', 'home/.config'),
                     ('XDG_STATE_HOME', 'home/.local/state'), ('XDG_CACHE_HOME', 'home/.cache'),
                     ('XDG_DATA_HOME', 'home/.local/share')):
        env[var] = os.path.join(tmp, sub)
        os.makedirs(env[var], exist_ok=True)
    # The p11-kit proxy (the default module) loads SoftHSM if it is
    # registered: give it an empty token directory of its own.
    tokens = os.path.join(tmp, 'tokens')
    os.makedirs(tokens, exist_ok=True)
    conf = os.path.join(tmp, 'softhsm2.conf')
    with open(conf, 'w') as f:
        f.write('directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' % tokens)
    env['SOFTHSM2_CONF'] = conf
    return env


def check(source, meson, ninja, jobs, tmp):
    build = os.path.join(tmp, 'build')
    prefix = os.path.join(tmp, 'prefix')
    share = os.path.join(prefix, 'share')
    bindir = os.path.join(prefix, 'bin')

    # 1. Configure, build what is installed, install. -----------------------
    r = run(meson + ['setup', '--prefix', prefix, '--buildtype', 'plain', build, source])
    if r.returncode != 0:
        bail('meson setup --prefix %s' % prefix, tail(r.stdout + r.stderr))
    r = run(meson + ['introspect', '--targets', build])
    targets = json.loads(r.stdout)
    outputs = sorted({os.path.relpath(f, build) for t in targets if t.get('installed')
                      for f in t['filename']})
    r = run([ninja, '-C', build, '-j', jobs] + outputs, timeout=1200)
    if r.returncode != 0:
        bail('building the installed targets', tail(r.stdout + r.stderr))
    r = run(meson + ['install', '--no-rebuild', '-C', build])
    tap(r.returncode == 0, 'meson install into a temporary prefix (%d targets)' % len(outputs),
        tail(r.stdout + r.stderr))
    if r.returncode != 0:
        bail('nothing to check without an installation')

    expected = {
        'bin/tanba': 'the GUI',
        'bin/tanba-cli': 'the command line',
        'bin/tanba-refserver': 'the reference server',
        'share/applications/%s.desktop' % APP_ID: 'the desktop entry',
        'share/metainfo/%s.metainfo.xml' % APP_ID: 'the AppStream metadata',
        'share/glib-2.0/schemas/%s.gschema.xml' % APP_ID: 'the GSettings schema',
        'share/glib-2.0/schemas/gschemas.compiled':
            'the compiled schemas (gnome.post_install runs glib-compile-schemas)',
        'share/icons/hicolor/scalable/apps/%s.svg' % APP_ID: 'the icon',
        'share/icons/hicolor/symbolic/apps/%s-symbolic.svg' % APP_ID: 'the symbolic icon',
        'share/locale/ru/LC_MESSAGES/tanba.mo': 'the Russian catalogue',
        'share/locale/kk/LC_MESSAGES/tanba.mo': 'the Kazakh catalogue',
    }
    missing = ['%s (%s) is not installed' % (p, what) for p, what in expected.items()
               if not os.path.isfile(os.path.join(prefix, p))]
    tap(not missing, 'the installed files are in PREFIX: programs, desktop entry, metainfo, '
        'schema (compiled), icons, ru and kk catalogues', missing)
    entry_file = os.path.join(share, 'applications', APP_ID + '.desktop')
    metainfo = os.path.join(share, 'metainfo', APP_ID + '.metainfo.xml')
    for tool, args, path in (('desktop-file-validate', [], entry_file),
                             ('appstreamcli', ['validate', '--no-net'], metainfo)):
        if shutil.which(tool) and os.path.isfile(path):
            r = run([tool] + args + [path], timeout=60)
            tap(r.returncode == 0, '%s accepts the installed %s' % (tool, os.path.basename(path)),
                tail(r.stdout + r.stderr))
    for program in ('tanba', 'tanba-cli', 'tanba-refserver'):
        if not os.access(os.path.join(bindir, program), os.X_OK):
            bail('%s is not an executable in %s' % (program, bindir))

    env = clean_env(tmp)
    env['XDG_DATA_DIRS'] = '%s:/usr/share' % share
    env['PATH'] = '%s:%s' % (bindir, os.environ.get('PATH', '/usr/bin:/bin'))
    env['GSETTINGS_BACKEND'] = 'memory'

    # 2. Schema, catalogues and programs without a display. ---------------------
    r = run(['gsettings', 'list-keys', APP_ID], env=env, timeout=30)
    keys = r.stdout.split()
    tap(r.returncode == 0 and 'pkcs11-module' in keys,
        'gsettings finds the schema %s through XDG_DATA_DIRS=%s' % (APP_ID, env['XDG_DATA_DIRS']),
        ['the schema %s was not found in %s/glib-2.0/schemas (is gschemas.compiled there and '
         'up to date?)' % (APP_ID, share)] + tail(r.stdout + r.stderr))

    catalogues = {lang: read_po(os.path.join(source, 'po', lang + '.po')) for lang in ('ru', 'kk')}
    for lang, msgid in (('ru', 'Token registration'), ('kk', 'Token Control Panel')):
        r = run(['gettext', '-d', 'tanba', msgid], timeout=30,
                env=dict(env, TEXTDOMAINDIR=os.path.join(share, 'locale'), LANGUAGE=lang))
        want = catalogues[lang].get(msgid)
        tap(want and r.stdout == want,
            'gettext reads the installed %s catalogue: «%s» → «%s»' % (lang, msgid, r.stdout),
            ['expected «%s» (po/%s.po), got «%s»: the catalogue %s/locale/%s/LC_MESSAGES/tanba.mo '
             'is missing or stale' % (want, lang, r.stdout, share, lang)])

    project = json.loads(run(meson + ['introspect', '--projectinfo', build]).stdout)
    for program in ('tanba-cli', 'tanba-refserver'):
        r = run([program, '--version'], env=env, timeout=30)
        want = '%s %s' % (program, project['version'])
        tap(r.returncode == 0 and r.stdout.strip() == want,
            'the installed %s --version prints «%s»' % (program, want),
            ['exit status %d' % r.returncode, shutil.which(program, path=env['PATH']) or '?']
            + tail(r.stdout + r.stderr))

    for program in ('tanba', 'tanba-cli'):
        english = run([program, '--help'], env=env, timeout=30).stdout
        r = run([program, '--help'], env=dict(env, LANGUAGE='ru'), timeout=30)
        found = [m for m, s in catalogues['ru'].items()
                 if len(m) > 12 and m in english and s in r.stdout and s != m]
        tap(r.returncode == 0 and len(found) >= 3 and r.stdout != english,
            'the installed %s --help speaks Russian with LANGUAGE=ru (%d strings of po/ru.po)'
            % (program, len(found)),
            ['exit status %d; translated strings found: %r' % (r.returncode, found)]
            + tail(r.stdout, 10))

    # tanba-cli reads the pkcs11-module setting through the installed schema.
    keyfile_env = dict(env, GSETTINGS_BACKEND='keyfile')
    bogus = '/nonexistent/tanba-install-check.so'
    r1 = run(['gsettings', 'set', APP_ID, 'pkcs11-module', bogus], env=keyfile_env, timeout=30)
    r2 = run(['tanba-cli', 'token', 'list'], env=keyfile_env, timeout=60)
    tap(r1.returncode == 0 and r2.returncode != 0 and bogus in r2.stderr,
        'the installed tanba-cli obeys the pkcs11-module setting (keyfile backend)',
        ['gsettings set: %d %s' % (r1.returncode, r1.stderr.strip()),
         'tanba-cli token list: exit %d' % r2.returncode] + tail(r2.stdout + r2.stderr, 5))
    run(['gsettings', 'reset', APP_ID, 'pkcs11-module'], env=keyfile_env, timeout=30)

    # 3. The desktop entry and its action, under a display. ---------------------
    entry = entry_file
    runs = []
    for name, group, lang in (('main entry', 'Desktop Entry', 'ru'),
                              ('control-panel action', 'Desktop Action control-panel', 'kk')):
        try:
            line, argv = desktop_exec(entry, group)
        except (configparser.Error, KeyError, ValueError) as e:
            tap(False, '%s: the installed desktop file has an Exec line' % name, [str(e)])
            continue
        resolved = shutil.which(argv[0], path=env['PATH']) if argv else None
        if not tap(resolved and os.path.realpath(resolved) == os.path.realpath(os.path.join(bindir, 'tanba')),
                   '%s: Exec=%s resolves to PREFIX/bin/tanba' % (name, line),
                   ['resolved to %r' % (resolved,)]):
            continue
        runs.append((name, [resolved] + argv[1:], lang))

    session = os.path.join(tmp, 'session')
    os.makedirs(session, mode=0o700)
    with open(os.path.join(tmp, 'runs.json'), 'w') as f:
        json.dump({'runs': runs, 'prefix': prefix, 'env': env, 'tmp': tmp, 'source': source}, f)
    # One private session bus and one Xvfb display for both runs.
    inner = subprocess.run(
        ['dbus-run-session', '--', 'xvfb-run', '-a', '-s', '-screen 0 1280x1024x24',
         sys.executable, os.path.abspath(__file__), '--gui', os.path.join(tmp, 'runs.json'),
         str(tap_count)],
        env=dict(env, XDG_RUNTIME_DIR=session), capture_output=True, text=True, timeout=600)
    # The inner process prints TAP lines numbered after ours.
    count = tap_count
    inner_failed = inner.returncode != 0
    for line in inner.stdout.splitlines():
        if re.match(r'^(ok|not ok) \d+', line) or line.startswith('#'):
            print(line, flush=True)
            if not line.startswith('#'):
                count += 1
        else:
            print('# ' + line, flush=True)
    if count == tap_count:
        inner_failed = True
        print('not ok %d - the GUI checks ran under dbus-run-session + xvfb-run' % (count + 1))
        for line in tail(inner.stderr):
            print('# ' + line)
        count += 1
    globals()['tap_count'] = count
    if inner.returncode != 0 or inner_failed:
        globals()['failed'] = True
    print('1..%d' % tap_count, flush=True)
    return 1 if failed else 0


def gui_main(runs_file, first):
    global tap_count
    tap_count = int(first)
    with open(runs_file) as f:
        spec = json.load(f)
    source = spec['source']
    ru = read_po(os.path.join(source, 'po', 'ru.po'))
    kk = read_po(os.path.join(source, 'po', 'kk.po'))
    step = re.compile(printf_regex(ru['Step %d of %d — %s']))
    ru_titles = set(ru.values())

    def wizard_title_ok(title):
        m = step.match(title)
        return bool(m) and m.group(3) in ru_titles and m.group(3) not in ru

    def panel_title_ok(title):
        return title == kk['Token Control Panel']

    for name, argv, lang in spec['runs']:
        env = dict(spec['env'], LANGUAGE=lang, GDK_BACKEND='x11', GSK_RENDERER='cairo',
                   G_DEBUG='fatal-criticals', NO_AT_BRIDGE='1', GTK_A11Y='none',
                   DISPLAY=os.environ['DISPLAY'], XAUTHORITY=os.environ.get('XAUTHORITY', ''),
                   DBUS_SESSION_BUS_ADDRESS=os.environ.get('DBUS_SESSION_BUS_ADDRESS', ''),
                   XDG_RUNTIME_DIR=os.environ.get('XDG_RUNTIME_DIR', ''))
        run_gui(name, argv, env, spec['prefix'], lang,
                wizard_title_ok if lang == 'ru' else panel_title_ok, spec['tmp'])
    return 1 if failed else 0


if __name__ == '__main__':
    if len(sys.argv) == 4 and sys.argv[1] == '--gui':
        sys.exit(gui_main(sys.argv[2], sys.argv[3]))
    sys.exit(main())
