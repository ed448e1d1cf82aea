#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Orca speech run of the token control panel: a keyboard-only change of the
user PIN with one policy violation, with Orca 43 speaking into a file.

Orca runs headless with a private HOME (tanba_atspi.OrcaSpeech; field
notes: "Orca headless with captured speech"). The panel is driven with the keyboard only (mnemonics, Tab, Enter,
~100 ms between keys). Checked in what Orca said: the field names, the rule
that failed, and the success message. The token is then checked with
pkcs11-tool (PIN through its environment).

Run by meson; it runs itself again inside dbus-run-session + xvfb-run. TAP.
Environment: TANBA_GUI, SOFTHSM2_MODULE, GSETTINGS_SCHEMA_DIR.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tanba_atspi as t  # noqa: E402

SOFTHSM = os.environ.get('SOFTHSM2_MODULE', '/usr/lib/softhsm/libsofthsm2.so')
TANBA = os.environ['TANBA_GUI']
USER_PIN = '12345678'
BAD_PIN = 'Abc12399'
NEW_PIN = 'Kt7m2q9w'

tap_count = 0


def ok(description):
    global tap_count
    tap_count += 1
    print('ok %d - %s' % (tap_count, description), flush=True)


class Fixture(t.OrcaSpeech):
    """A factory-state SoftHSM token, and Orca speaking (tanba_atspi.OrcaSpeech)."""

    def __init__(self):
        directory = tempfile.mkdtemp(prefix='tanba-panel-orca-')
        self.softhsm_conf = t.softhsm_conf(directory)
        super().__init__(directory, {'SOFTHSM2_CONF': self.softhsm_conf, 'GSETTINGS_BACKEND': 'memory',
                                     'LANG': 'C.UTF-8', 'LC_ALL': 'C.UTF-8'})
        subprocess.run(['softhsm2-util', '--init-token', '--free', '--label', '',
                        '--so-pin', '87654321', '--pin', USER_PIN],
                       env=self.env, check=True, stdout=subprocess.DEVNULL)

    def pin_works(self, pin):
        env = dict(self.env, TANBA_E2E_PIN=pin)
        return subprocess.run(['pkcs11-tool', '--module', SOFTHSM, '--login', '--pin', 'env:TANBA_E2E_PIN',
                               '--list-objects'], env=env, capture_output=True).returncode == 0

    def close(self):
        super().close()
        if os.environ.get('TANBA_TEST_KEEP') is None:
            shutil.rmtree(self.dir, ignore_errors=True)


def focus_x_window(title):
    out = t.wait_for(lambda: subprocess.run(['xdotool', 'search', '--onlyvisible', '--name', '^%s$' % title],
                                            capture_output=True, text=True).stdout.split(),
                     20, what='the X window %r' % title)
    t.xdotool('windowfocus', '--sync', out[-1])


def back_to_main_window(app_acc, title):
    """Without a window manager nobody activates the main window when a
    dialog closes: do what a window manager does."""
    t.wait_for(lambda: not [c for c in t.children(app_acc) if t.name(c) == title], 30,
               what='the dialog %r to close' % title)
    focus_x_window('Token Control Panel')


def slow_keys(*keys):
    for key in keys:
        t.key(key)
        time.sleep(0.1)


def slow_type(text):
    t.type_text(text, delay_ms=100)


def wait_said(fx, pattern, since, timeout=60):
    return t.wait_for(lambda: re.search(pattern, fx.said()[since:]), timeout,
                      what='Orca to say %r (it said: %r)' % (pattern, fx.said()[since:][-600:]))


def main():
    print('1..3', flush=True)
    fx = Fixture()
    try:
        orca = fx.start_orca()
        assert orca.poll() is None
        app = fx.start([TANBA, '--control-panel', '--module', SOFTHSM], env=dict(fx.env, TANBA_PKCS11_MODULE=SOFTHSM))
        app_acc = t.find_app('tanba')
        focus_x_window('Token Control Panel')
        ok('Orca runs headless and speaks into a file')

        # Keyboard only: Alt+E is "Enter PIN…"; the PIN field has the focus.
        mark = len(fx.said())
        slow_keys('alt+e')
        wait_said(fx, r'PIN', mark)
        slow_type(USER_PIN)
        slow_keys('Return')
        back_to_main_window(app_acc, 'Enter PIN')
        wait_said(fx, 'Logged in as the user', mark)

        # Alt+H is "Change PIN…": a PIN that breaks a rule first.
        mark = len(fx.said())
        slow_keys('alt+h')
        wait_said(fx, 'New user PIN', mark)
        slow_type(BAD_PIN)
        slow_keys('Tab')
        wait_said(fx, 'Confirm the new user PIN', mark)
        slow_type(BAD_PIN)
        refused = len(fx.said())
        slow_keys('Return')
        said = wait_said(fx, r'No three consecutive letters or digits', mark)
        assert fx.pin_works(USER_PIN), 'the PIN changed although a rule was broken'
        ok('the field names and the rule that failed are spoken: %r' % said.group(0))

        mark = len(fx.said())
        slow_type(NEW_PIN)
        slow_keys('Tab')
        slow_type(NEW_PIN)
        slow_keys('Return')
        back_to_main_window(app_acc, 'Change the User PIN')
        wait_said(fx, 'PIN changed', mark, timeout=30)
        assert t.wait_for(lambda: fx.pin_works(NEW_PIN), 10, what='the new PIN on the token')
        # The refused PIN was never read back (the fields were cleared, not re-focused with it).
        assert BAD_PIN[:3] not in fx.said()[refused:], fx.said()[refused:]
        ok('the success is spoken ("PIN changed"), and pkcs11-tool logs in with the new PIN')
    except Exception:
        print('not ok %d - %s' % (tap_count + 1, traceback.format_exc().replace('\n', '\n# ')), flush=True)
        print('# Orca said:\n# ' + fx.said()[-3000:].replace('\n', '\n# '), flush=True)
        return 1
    finally:
        fx.close()
    return 0



if __name__ == '__main__':
    if os.environ.get('TANBA_E2E_INNER'):
        sys.exit(main())
    sys.exit(t.run_in_session(__file__))
