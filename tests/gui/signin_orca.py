#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Orca speech run of sign-in, keyboard only: one wrong password, then the
right one, with Orca 43 speaking into a file.

The token is registered with the reference server (over --tls) by
`tanba-cli register`, as in signin_e2e.py. Orca runs headless with a private
HOME (tanba_atspi.OrcaSpeech: speech-dispatcher's only output module appends
each utterance to a file, ALSA goes to a null device), started through its
Python module under another process name, as control_panel_orca.py does
(/usr/bin/orca refuses to run beside another Orca). The sign-in window is
driven with the keyboard only (Tab, typing, Return; ~100 ms between keys).
Checked in what Orca said: the profile chooser and the token's name, the
password field, the wrong-password error, and "Signed in as USER, Tanba
Demo Bank."; and that no password is read back after it was sent (GTK 4.8
lets Orca echo characters as they are typed in a password field).

Run by meson; it runs itself again inside dbus-run-session + xvfb-run. TAP.
Environment: as signin_e2e.py.
"""

import os
import re
import sys
import time
import traceback

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tanba_atspi as t  # noqa: E402
from signin_e2e import PASSWORD, TOKEN_NAME, WRONG, Fixture  # noqa: E402


tap_count = 0


def ok(description):
    global tap_count
    tap_count += 1
    print('ok %d - %s' % (tap_count, description), flush=True)


def wait_said(speech, pattern, since, timeout=60):
    """Like OrcaSpeech.wait_said, with the utterances joined by spaces
    (speech-dispatcher gets a message a sentence at a time)."""
    def look():
        return re.search(pattern, re.sub(r'\s+', ' ', speech.said()[since:]))
    return t.wait_for(look, timeout, what='Orca to say %r (it said: %r)' % (pattern, speech.said()[since:][-600:]))


def compact(text):
    return re.sub(r'\s+', '', text)


def slow_keys(*keys):
    for key in keys:
        t.key(key)
        time.sleep(0.1)


def slow_type(text):
    t.type_text(text, delay_ms=100)


def main():
    print('1..4', flush=True)
    fx = Fixture(prefix='tanba-signin-orca-')
    speech = None
    try:
        fx.register()
        speech = t.OrcaSpeech(os.path.join(fx.dir, 'orca'),
                              {k: fx.env[k] for k in ('SOFTHSM2_CONF', 'GSETTINGS_BACKEND', 'XDG_STATE_HOME',
                                                     'LC_ALL', 'LANG')})
        speech.start_orca()
        ok('the token is registered; Orca runs headless and speaks into a file')

        mark = speech.mark()
        fx.harness('signin', env=speech.env)
        t.find_app('tanba-signin-test')
        time.sleep(1)
        t.focus_window('^Sign In to Internet Banking$')
        try:
            speech.wait_said(r'Profile', mark, timeout=10)
        except t.Failure:
            # The window became active before Orca knew the program: move
            # the focus away and back, as a user would (Tab, Shift+Tab).
            slow_keys('Tab', 'shift+Tab')
        # The first control: the profile chooser, and the token chosen in it.
        # (Xvfb has no window manager: no window activation for Orca to read
        # the title from.)
        speech.wait_said(r'Profile', mark)
        said = speech.wait_said(re.escape(TOKEN_NAME), mark, timeout=60)
        ok('Orca says the profile chooser and the token chosen: %r' % said.group(0))

        mark = speech.mark()
        slow_keys('Tab')
        speech.wait_said(r'Password', mark)
        slow_type(WRONG)
        refused = speech.mark()
        slow_keys('Return')
        said = wait_said(speech, r'The password is wrong\. Type it again\.[^.]*\.', refused)
        time.sleep(1)
        # Cleared, not read back (GTK 4.8 does let Orca echo each character
        # as it is typed: see the field notes).
        assert WRONG not in compact(speech.said()[refused:]), 'the wrong password was read back'
        ok('the password field is named and the error is spoken: %r' % said.group(0))

        typed = speech.mark()
        slow_type(PASSWORD)
        slow_keys('Return')
        expected = 'Signed in as %s, Tanba Demo Bank.' % fx.user['user_id']
        wait_said(speech, re.escape(expected), typed)
        after = speech.said()[typed:]
        assert PASSWORD not in compact(after[after.find('Signing in'):]), 'the password was read back'
        ok('the sign-in is spoken: %r; no password was read back' % expected)
    except Exception:
        print('not ok %d - %s' % (tap_count + 1, traceback.format_exc().replace('\n', '\n# ')), flush=True)
        if speech is not None:
            print('# Orca said:\n# ' + speech.said()[-3000:].replace('\n', '\n# '), flush=True)
        return 1
    finally:
        if speech is not None:
            speech.close()
        fx.close()
    return 0


if __name__ == '__main__':
    if os.environ.get('TANBA_E2E_INNER'):
        sys.exit(main())
    sys.exit(t.run_in_session(__file__))
