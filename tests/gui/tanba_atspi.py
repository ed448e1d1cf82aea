# SPDX-License-Identifier: GPL-3.0-or-later
"""Reusable AT-SPI helpers for Tanba's end-to-end GUI tests (pyatspi).

Controls are found only by role and accessible name, as a screen reader
user finds them. Keys go through xdotool (Xvfb); text that is a secret is
given to xdotool on its standard input, never on its command line.

Used by test-wizard-e2e.py and the control panel's tests.
"""

import os
import re
import subprocess
import time

import pyatspi

CLASS_NAME = re.compile(r'^(Gtk|Adw|Gdk|Tanba)[A-Z][A-Za-z]+$')


class Failure(AssertionError):
    pass


def wait_for(predicate, timeout=10.0, interval=0.05, what='condition'):
    """Polls predicate() until it returns something true; returns it."""
    end = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < end:
        try:
            value = predicate()
            if value:
                return value
        except Exception as e:  # the tree changes under us: try again
            last_error = e
        time.sleep(interval)
    raise Failure('timed out after %.0f s waiting for %s%s' %
                  (timeout, what, (' (last error: %s)' % last_error) if last_error else ''))


def softhsm_conf(directory):
    """A SoftHSM configuration in @directory (field notes: SoftHSM in
    tests): its tokens in directory/tokens, removable slots (the hot-plug
    tests pull them out). Returns the configuration file's path."""
    tokens = os.path.join(directory, 'tokens')
    os.mkdir(tokens)
    conf = os.path.join(directory, 'softhsm2.conf')
    with open(conf, 'w') as f:
        f.write('directories.tokendir = %s\nobjectstore.backend = file\n'
                'log.level = ERROR\nslots.removable = true\n' % tokens)
    return conf


def find_app(name, timeout=30.0):
    """The application called @name on the accessibility bus, once it shows a window."""
    def look():
        desktop = pyatspi.Registry.getDesktop(0)
        for app in desktop:
            if app is not None and app.name == name and app.childCount > 0:
                return app
        return None
    return wait_for(look, timeout, what='application %s on the bus' % name)


def children(obj):
    try:
        return [obj.getChildAtIndex(i) for i in range(obj.childCount)]
    except Exception:
        return []


def walk(obj, showing_only=True, skip=None):
    """Every object under @obj (itself included), depth first. GTK 4.8 sets
    SHOWING on windows only: "showing" here means VISIBLE. @skip(node) may
    leave out a subtree."""
    stack = [obj]
    while stack:
        node = stack.pop()
        if node is None:
            continue
        try:
            states = node.getState()
        except Exception:
            continue
        if showing_only and node is not obj and not states.contains(pyatspi.STATE_VISIBLE):
            continue
        if skip is not None and node is not obj and skip(node):
            continue
        yield node
        stack.extend(reversed(children(node)))


def role(obj):
    return obj.getRoleName()


def name(obj):
    return obj.name or ''


def description(obj):
    return obj.description or ''


def has_state(obj, state):
    return obj.getState().contains(state)


def find_all(root, role_name=None, name_=None, match=None, showing_only=True, skip=None):
    result = []
    for node in walk(root, showing_only, skip):
        if role_name is not None and role(node) != role_name:
            continue
        if name_ is not None and name(node) != name_:
            continue
        if match is not None and not re.search(match, name(node)):
            continue
        result.append(node)
    return result


def find(root, role_name=None, name_=None, match=None, timeout=10.0, skip=None):
    """The one showing object with @role_name and @name_ (or a name matching @match)."""
    def look():
        found = find_all(root, role_name, name_, match, skip=skip)
        return found[0] if found else None
    return wait_for(look, timeout, what='%s named %r' % (role_name, name_ if name_ is not None else match))


def frame(app, title_match, timeout=10.0):
    """The application's window whose title matches @title_match."""
    def look():
        for child in children(app):
            if role(child) in ('frame', 'window', 'dialog', 'alert') and re.search(title_match, name(child)):
                return child
        return None
    return wait_for(look, timeout, what='a window titled %r' % title_match)


def dialog(app, heading, timeout=20.0):
    """A message dialog of @app that shows @heading."""
    def look():
        for child in children(app):
            if role(child) in ('dialog', 'alert', 'frame', 'window') and find_all(child, 'label', heading):
                return child
        return None
    return wait_for(look, timeout, what='a dialog saying %r' % heading)


def focused(root):
    for node in walk(root, showing_only=False):
        if has_state(node, pyatspi.STATE_FOCUSED):
            return node
    return None


def ancestors(obj):
    node = obj.parent
    while node is not None:
        yield node
        node = node.parent


def click(obj):
    """Activates a button, check box or radio button: through its AT-SPI
    action where it has one, else (GTK 4.8 check buttons have none) by
    focusing it and pressing Space, as a keyboard user does."""
    try:
        action = obj.queryAction()
        n = action.nActions
    except NotImplementedError:
        n = 0
    for i in range(n):
        if action.getName(i) in ('click', 'activate', 'press', 'toggle'):
            action.doAction(i)
            return
    grab_focus(obj)
    key('space')


def is_focused(obj):
    return has_state(obj, pyatspi.STATE_FOCUSED) or \
        any(has_state(c, pyatspi.STATE_FOCUSED) for c in walk(obj, showing_only=False))


def grab_focus(obj, max_tabs=60):
    """Moves the keyboard focus to @obj with Tab (GTK 4.8 does not implement
    Component.grabFocus), as a keyboard user does."""
    if is_focused(obj):
        return
    for _ in range(max_tabs):
        key('Tab')
        try:
            wait_for(lambda: is_focused(obj), 0.4, interval=0.05)
            return
        except Failure:
            pass
    raise Failure('Tab never reached %s %r' % (role(obj), name(obj)))


def xdotool(*args, stdin=None):
    subprocess.run(['xdotool'] + list(args), input=stdin, check=True,
                   stdout=subprocess.DEVNULL)


def focus_window(title_regex):
    """Gives the X keyboard focus to the window whose title matches
    @title_regex (keys go there). Without a window manager (the default of
    run_in_session), the focus must be given back to the main window this
    way after a dialog closes."""
    out = wait_for(lambda: subprocess.run(['xdotool', 'search', '--onlyvisible', '--name', title_regex],
                                          capture_output=True, text=True, timeout=10).stdout.split(),
                   20, what='an X window titled %r' % title_regex)
    xdotool('windowfocus', '--sync', out[-1])
    return out[-1]


def reactivate_window(title_regex):
    """Switches away from the window whose title matches @title_regex and
    back to it through the window manager (minimize, then activate, as a
    user does with the task bar), waiting for each; returns its X id.

    GTK 4.8 joins the accessibility bus only once its first window is
    realized, and the window is active (GTK asks the window manager to
    activate it when it is presented) before that is done: the events sent
    until then name objects not yet on the bus, and Orca drops them ("Event
    is from potentially-defunct source" in its debug log), so it may never
    hear that the first window became active. Switching back to the window
    once the program is on the bus is what a user who hears nothing does."""
    out = wait_for(lambda: subprocess.run(['xdotool', 'search', '--onlyvisible', '--name', title_regex],
                                          capture_output=True, text=True, timeout=10).stdout.split(),
                   20, what='an X window titled %r' % title_regex)
    xdotool('windowminimize', '--sync', out[-1])
    xdotool('windowactivate', '--sync', out[-1])
    return out[-1]


def key(*keys):
    xdotool('key', '--delay', '60', *keys)
    time.sleep(0.05)


def type_text(text, delay_ms=30):
    """Types @text with xdotool, reading it from standard input (no secret on argv)."""
    xdotool('type', '--delay', str(delay_ms), '--file', '-', stdin=text.encode())


def fill(obj, text, delay_ms=30):
    """Focuses the entry @obj, clears it and types @text."""
    grab_focus(obj)
    key('ctrl+a', 'BackSpace')
    type_text(text, delay_ms)
    wait_for(lambda: obj.queryText().characterCount == len(text), 10,
             what='%d characters in %r' % (len(text), name(obj)))


def char_count(obj):
    return obj.queryText().characterCount


def page_group(window, page_heading):
    """The page: a panel (GROUP) named by its heading."""
    roles = ('panel', 'grouping', 'section')
    pages = [n for n in find_all(window, None, page_heading) if role(n) in roles]
    # The innermost: a GtkStack page may carry the same name as its group.
    pages = [p for p in pages if not any(name(c) == page_heading and role(c) in roles for c in children(p))]
    return pages[0] if pages else None


def other_pages(window, page_heading):
    """A skip predicate leaving out the pages beside @page_heading's (the
    inactive pages of a GtkStack are VISIBLE to AT-SPI in GTK 4.8)."""
    group = page_group(window, page_heading)
    if group is None or group.parent is None or group.parent.parent is None:
        return None
    current = group.parent
    siblings = [c for c in children(current.parent) if c != current]
    return lambda node: any(node == s for s in siblings)


def assert_page_accessible(window, page_heading):
    """What every wizard page (or any window) must satisfy:
    - no focusable control without a name,
    - no name that is a class name ("GtkStackPage") -- GTK's own internal
      fillers (AdwGizmo, GtkBuiltinIcon), which no screen reader presents,
      aside,
    - the focus is inside the page, a group named by its heading."""
    problems = []
    skip = other_pages(window, page_heading)
    for node in walk(window, skip=skip):
        states = node.getState()
        if CLASS_NAME.match(name(node)) and role(node) != 'filler':
            problems.append('%s named after a class: %r' % (role(node), name(node)))
        if states.contains(pyatspi.STATE_FOCUSABLE) and not name(node).strip():
            problems.append('focusable %s without a name' % role(node))
    group = page_group(window, page_heading)
    if group is None:
        problems.append('no group named %r' % page_heading)
    else:
        focus = wait_for(lambda: focused(window), 5, what='a focused object')
        if not any(a == group for a in ancestors(focus)):
            problems.append('the focus (%s %r) is outside the page %r' %
                            (role(focus), name(focus), page_heading))
    if problems:
        raise Failure('page %r:\n  ' % page_heading + '\n  '.join(problems))


def dump(obj, depth=0, out=None):
    """The tree as text, for failure messages."""
    lines = [] if out is None else out
    try:
        states = obj.getState().getStates()
    except Exception:
        states = []
    flags = ''.join(f for s, f in ((pyatspi.STATE_FOCUSABLE, 'F'), (pyatspi.STATE_FOCUSED, '*'),
                                   (pyatspi.STATE_SHOWING, 's')) if s in states)
    lines.append('%s%s %r [%s] %r' % ('  ' * depth, role(obj), name(obj), flags, description(obj)))
    for child in children(obj):
        dump(child, depth + 1, lines)
    return '\n'.join(lines) if out is None else None


# One utterance in Orca's debug log: "HH:MM:SS.micro - SPEECH OUTPUT: 'text'"
# then, for a text of several lines, its other lines indented by 18 spaces;
# the last one ends with the quote and Orca's voice settings ({...}).
SPEECH_OUTPUT = re.compile(r"^\d\d:\d\d:\d\d\.\d+ - SPEECH OUTPUT: '(.*)$")
SPEECH_CONTINUED = ' ' * 18
SPEECH_END = re.compile(r"'\s*(\{.*\})?\s*$", re.S)


class OrcaSpeech:
    """Orca 43 headless, its speech captured (field notes: "Orca headless
    with captured speech"): a private HOME whose speech-dispatcher has one
    output module, an sd_generic one appending each utterance to a file
    (speech.log), and ALSA to a null device. @env_extra goes into the
    environment of Orca and of the programs started with start().

    What the tests read (said()) is every utterance Orca hands to
    speech-dispatcher, from Orca's own debug log ("SPEECH OUTPUT"), one a
    line: sd_generic drops an utterance that arrives while it is still
    finishing the one before (its module_speak() returns 0 while
    generic_speaking is set), which lost the done page's summary in about one
    run in four. speech.log stays as what that module wrote."""

    def __init__(self, directory, env_extra=None, language='en'):
        self.dir = directory
        self.processes = []
        self.home = os.path.join(directory, 'home')
        self.runtime = os.path.join(directory, 'runtime')
        self.speech = os.path.join(directory, 'speech.log')
        self.orca_log = os.path.join(directory, 'orca.log')
        # what said() has read of orca_log: the utterances, the one being
        # read, the offset
        self._spoken, self._entry, self._log_pos = [], None, 0
        for d in (self.home, self.runtime):
            os.makedirs(d, mode=0o700, exist_ok=True)
        open(self.speech, 'w').close()
        with open(os.path.join(self.home, '.asoundrc'), 'w') as f:
            f.write('pcm.!default { type null }\nctl.!default { type hw card 0 }\n')
        speechd = os.path.join(self.home, '.config', 'speech-dispatcher')
        os.makedirs(os.path.join(speechd, 'modules'), exist_ok=True)
        with open(os.path.join(speechd, 'speechd.conf'), 'w') as f:
            f.write('AddModule "capture" "sd_generic" "capture.conf"\n'
                    'DefaultModule capture\nDefaultLanguage "%s"\nTimeout 0\n'
                    'LogLevel 1\nAudioOutputMethod "alsa"\n' % language)
        with open(os.path.join(speechd, 'modules', 'capture.conf'), 'w') as f:
            f.write('GenericExecuteSynth "echo \\\'$DATA\\\' >> %s"\n' % self.speech +
                    'GenericCmdDependency "echo"\n'
                    'AddVoice "%s" "MALE1" "capture"\n' % language +
                    'GenericLanguage "%s" "%s" "utf-8"\n' % (language, language))
        self.env = dict(os.environ, HOME=self.home, XDG_CONFIG_HOME=os.path.join(self.home, '.config'),
                        XDG_DATA_HOME=os.path.join(self.home, '.local', 'share'),
                        XDG_CACHE_HOME=os.path.join(self.home, '.cache'),
                        XDG_RUNTIME_DIR=self.runtime)
        for variable in ('GTK_A11Y', 'NO_AT_BRIDGE'):
            self.env.pop(variable, None)
        self.env.update(env_extra or {})

    def start(self, argv, env=None):
        process = subprocess.Popen(argv, env=env or self.env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        self.processes.append(process)
        return process

    def start_orca(self, ready_text='Screen reader on'):
        """Orca 43 through its Python module, in a process not named "orca":
        the /usr/bin/orca wrapper refuses to run beside another Orca of this
        user (pgrep, machine-wide) and its --replace SIGKILLs them all, so
        two test runs at once would break each other. The same start-up,
        braille off, debug log on."""
        launcher = os.path.join(self.dir, 'orca-launcher.py')
        with open(launcher, 'w') as f:
            f.write('import sys\n'
                    'from orca import debug\n'
                    'debug.debugLevel = debug.LEVEL_ALL\n'
                    'debug.eventDebugLevel = debug.LEVEL_OFF\n'
                    'debug.debugFile = open(%r, "w", buffering=1)\n'
                    'from orca import orca\n'
                    'manager = orca.getSettingsManager()\n'
                    'manager.activate(None, {"enableBraille": False})\n'
                    'sys.path.insert(0, manager.getPrefsDir())\n'
                    'sys.exit(orca.main())\n' % self.orca_log)
        orca = self.start(['/usr/bin/python3', launcher])
        wait_for(lambda: ready_text in self.said() or orca.poll() is not None, 60, what='Orca to start')
        if orca.poll() is not None:
            raise Failure('Orca exited with status %d (log: %s)' % (orca.returncode, self.orca_log))
        return orca

    def said(self):
        """Everything Orca has said so far, an utterance a line (read on from
        where the last call stopped: the debug log grows by megabytes)."""
        try:
            with open(self.orca_log, 'rb') as f:
                f.seek(self._log_pos)
                chunk = f.read()
        except FileNotFoundError:
            chunk = b''
        complete = chunk[:chunk.rfind(b'\n') + 1]
        self._log_pos += len(complete)
        for line in complete.decode('utf-8', errors='replace').split('\n')[:-1]:
            if self._entry is not None:
                if line.startswith(SPEECH_CONTINUED):
                    self._entry.append(line[len(SPEECH_CONTINUED):])
                    continue
                self._spoken.append(SPEECH_END.sub('', '\n'.join(self._entry)) + '\n')
                self._entry = None
            match = SPEECH_OUTPUT.match(line)
            if match:
                self._entry = [match.group(1)]
        return ''.join(self._spoken)

    def mark(self):
        return len(self.said())

    def wait_said(self, pattern, since=0, timeout=60):
        return wait_for(lambda: re.search(pattern, self.said()[since:]), timeout,
                        what='Orca to say %r (it said: %r)' % (pattern, self.said()[since:][-600:]))

    def close(self):
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
        # speech-dispatcher was started by Orca's client library: stop it by its pid file.
        for root, _, files in os.walk(self.runtime):
            for file_name in files:
                if file_name == 'speech-dispatcher.pid':
                    try:
                        with open(os.path.join(root, file_name)) as f:
                            os.kill(int(f.read().strip()), 15)
                    except (OSError, ValueError):
                        pass


# Openbox as a desktop's window manager would behave, and nothing more: it
# focuses each new window (window:activate reaches Orca, which then names the
# window and its focused control), gives the focus back to the window below
# when a dialog closes, and binds no key or mouse button (every key the test
# presses goes to the program, Alt+letters included).
OPENBOX_RC = """<?xml version="1.0" encoding="UTF-8"?>
<openbox_config xmlns="http://openbox.org/3.4/rc">
  <focus>
    <focusNew>yes</focusNew>
    <followMouse>no</followMouse>
    <focusLast>yes</focusLast>
    <underMouse>no</underMouse>
  </focus>
  <placement><policy>Smart</policy><center>yes</center></placement>
  <desktops><number>1</number></desktops>
  <keyboard></keyboard>
  <mouse></mouse>
</openbox_config>
"""


def with_window_manager(argv):
    """Runs @argv under Openbox on $DISPLAY: starts the window manager, waits
    until it manages the screen, runs @argv, stops it. Returns @argv's exit
    status."""
    import shutil
    import tempfile
    directory = tempfile.mkdtemp(prefix='tanba-wm-')
    try:
        rc = os.path.join(directory, 'rc.xml')
        ready = os.path.join(directory, 'ready')
        with open(rc, 'w') as f:
            f.write(OPENBOX_RC)
        env = dict(os.environ, HOME=directory, XDG_CONFIG_HOME=directory, XDG_CACHE_HOME=directory,
                   XDG_DATA_HOME=directory)
        # --startup runs once Openbox manages the screen.
        wm = subprocess.Popen(['openbox', '--sm-disable', '--config-file', rc, '--startup', 'touch ' + ready],
                              env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
        try:
            wait_for(lambda: os.path.exists(ready) or wm.poll() is not None, 30,
                     what='the window manager (openbox) to start')
            if wm.poll() is not None:
                print('Bail out! openbox exited with status %d: install the Debian package openbox'
                      % wm.returncode, flush=True)
                return 1
            return subprocess.run(argv, env=dict(os.environ, TANBA_E2E_WM='openbox')).returncode
        finally:
            if wm.poll() is None:
                wm.terminate()
                try:
                    wm.wait(10)
                except subprocess.TimeoutExpired:
                    wm.kill()
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def run_in_session(script, extra_env=None, window_manager=False):
    """Re-runs @script inside dbus-run-session + xvfb-run with
    TANBA_E2E_INNER=1, keeping only TAP lines on standard output (the
    accessibility registry prints to it too). With @window_manager, Openbox
    manages the display as on a desktop (TANBA_E2E_WM=openbox is then set):
    windows are activated, and focus returns to a window when its dialog
    closes. Returns the exit status."""
    import shutil
    import sys
    import tempfile
    # A private runtime directory: the accessibility bus puts its socket
    # there (else in ~/.cache/at-spi/, shared with every other session).
    runtime = tempfile.mkdtemp(prefix='tanba-session-')
    env = dict(os.environ, TANBA_E2E_INNER='1', XDG_RUNTIME_DIR=runtime)
    env.pop('NO_AT_BRIDGE', None)
    env.pop('GTK_A11Y', None)
    env.update(extra_env or {})
    argv = [sys.executable, os.path.abspath(script)]
    if window_manager:
        argv = [sys.executable, os.path.abspath(__file__), '--window-manager'] + argv
    inner = subprocess.Popen(['dbus-run-session', '--', 'xvfb-run', '-a', '-s', '-screen 0 1280x1024x24'] + argv,
                             env=env, stdout=subprocess.PIPE, text=True)
    for line in inner.stdout:
        if re.match(r'^(ok |not ok |1\.\.|#|Bail out!)', line):
            sys.stdout.write(line)
        else:
            sys.stdout.write('# ' + line)
        sys.stdout.flush()
    status = inner.wait()
    shutil.rmtree(runtime, ignore_errors=True)
    return status


if __name__ == '__main__':
    import sys
    if len(sys.argv) > 2 and sys.argv[1] == '--window-manager':
        sys.exit(with_window_manager(sys.argv[2:]))
    print('usage: %s --window-manager PROGRAM [ARGUMENT...]' % sys.argv[0], file=sys.stderr)
    sys.exit(2)
