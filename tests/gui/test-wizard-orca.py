#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Orca speech run of the whole registration wizard, keyboard only.

Orca 43 runs headless and speaks into a file (tanba_atspi.OrcaSpeech). The
wizard is driven with the keyboard only (xdotool, ~100 ms between keys):
Tab, Return, mnemonics; one wrong OTP PIN on the way. Then what Orca said is
checked: each page's heading, each field's name, the password rules with
their states, error 0200040, progress percentages and the final result. The
token is checked with pkcs11-tool afterwards (PIN through its environment).

Xvfb has no window manager: when a message dialog closes, the keyboard
focus is given back to the wizard window with xdotool (a window manager
would do that).

Run by meson; it runs itself again inside dbus-run-session + xvfb-run. TAP.
Environment: TANBA_GUI, TANBA_REFSERVER, SOFTHSM2_MODULE, GSETTINGS_SCHEMA_DIR.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tanba_atspi as t  # noqa: E402

SOFTHSM = os.environ.get('SOFTHSM2_MODULE', '/usr/lib/softhsm/libsofthsm2.so')
TANBA = os.environ['TANBA_GUI']
REFSERVER = os.environ['TANBA_REFSERVER']
NEW_PASSWORD = 'Tanba2026x'
TOKEN_NAME = 'Orca-1'

tap_count = 0


def ok(description):
    global tap_count
    tap_count += 1
    print('ok %d - %s' % (tap_count, description), flush=True)


def slow_keys(*keys):
    for k in keys:
        t.key(k)
        time.sleep(0.1)


def slow_type(text):
    t.type_text(text, delay_ms=100)


def focus_wizard(step, retab=False):
    """Gives the X focus back to the wizard (no window manager here); with
    @retab, Shift+Tab and Tab make Orca take the focused control again."""
    t.focus_window('^Step %d of 8' % step)
    if retab:
        time.sleep(0.5)
        slow_keys('shift+Tab', 'Tab')


def main():
    directory = tempfile.mkdtemp(prefix='tanba-wizard-orca-')
    server = None
    orca = None
    try:
        tokens = os.path.join(directory, 'tokens')
        os.mkdir(tokens)
        softhsm_conf = os.path.join(directory, 'softhsm2.conf')
        with open(softhsm_conf, 'w') as f:
            f.write('directories.tokendir = %s\nobjectstore.backend = file\n'
                    'log.level = ERROR\nslots.removable = true\n' % tokens)
        orca = t.OrcaSpeech(directory, {'SOFTHSM2_CONF': softhsm_conf, 'GSETTINGS_BACKEND': 'memory',
                                        'LANG': 'C.UTF-8', 'LC_ALL': 'C.UTF-8',
                                        'XDG_STATE_HOME': os.path.join(directory, 'state')})
        subprocess.run(['softhsm2-util', '--init-token', '--free', '--label', '',
                        '--so-pin', '87654321', '--pin', '12345678'],
                       env=orca.env, check=True, stdout=subprocess.DEVNULL)
        data = os.path.join(directory, 'server')
        demo = json.loads(subprocess.run([REFSERVER, '--init-demo', data, '--json'], check=True,
                                         capture_output=True, text=True).stdout.strip().splitlines()[-1])
        user = demo['users'][0]
        # The first certificate request is held 8 s: time for Orca to speak
        # the progress (SoftHSM makes keys in a blink).
        server = subprocess.Popen([REFSERVER, '--data', data, '--listen', '127.0.0.1:0', '--test-faults'],
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                  env=dict(os.environ, TANBA_REFSERVER_FAULTS=json.dumps(
                                      {'faults': [{'kind': 'stall', 'message': 'ir', 'count': 1, 'seconds': 8}]})))
        url = server.stdout.readline().strip()

        orca.start_orca()
        time.sleep(2)
        orca.start([TANBA, '--module', SOFTHSM, '--server', url, '--trust-anchor', demo['ca_certificate']])
        app = t.find_app('tanba')
        focus_wizard(1)
        # Without a window manager no window:activate reaches Orca: a Tab
        # there and back gives it the focus, as a user's first key would.
        time.sleep(1)
        slow_keys('shift+Tab', 'Tab')
        orca.wait_said(r'I have connected my token', timeout=60)
        ok('Orca runs headless and speaks into a file')

        # 1. The token list is live; the check box by its mnemonic, then Next (Alt+N).
        w = t.frame(app, '^Step 1 of 8')
        t.find(w, 'list item', match='empty, new token')
        slow_keys('alt+i')
        orca.wait_said(r'I have connected my token')
        slow_keys('alt+n')

        # 2. The password field has the focus: type, Enter.
        orca.wait_said(r'Password of the token')
        slow_type('12345678')
        slow_keys('Return')
        orca.wait_said(r'Create a new profile\?')
        slow_keys('Return')  # the dialog's default: Create a new profile
        focus_wizard(3, retab=True)

        # 3. Welcome: the text is read; Enter.
        orca.wait_said(r'Welcome to profile creation')
        slow_keys('Return')

        # 4. Registration data, with a wrong OTP PIN first.
        orca.wait_said(r'User ID')
        slow_type(user['user_id'])
        slow_keys('Tab')
        orca.wait_said(r'OTP PIN')
        slow_type('zzzzzzzzzz2')
        slow_keys('Tab')
        orca.wait_said(r'Key file')
        slow_type(user['key_file'])
        mark = orca.mark()
        slow_keys('Return')
        orca.wait_said(r'0200040', mark, timeout=60)
        ok('error 0200040 is spoken')
        slow_type(user['otp_pin'].lower())
        slow_keys('Return')

        # 5. Personalization: name, password, confirmation; the rules' states.
        orca.wait_said(r'Token name')
        slow_type(TOKEN_NAME)
        slow_keys('Tab')
        orca.wait_said(r'New password')
        mark = orca.mark()
        slow_type('abc')
        slow_keys('BackSpace', 'BackSpace', 'BackSpace')
        slow_type(NEW_PASSWORD)
        slow_keys('Tab')
        orca.wait_said(r'Confirmation', mark)
        slow_type(NEW_PASSWORD)
        slow_keys('shift+Tab')
        orca.wait_said(r'(All password rules are met|Not met)', mark)
        slow_keys('Return')

        # 6. Confirmation: the data is read; the check box by its mnemonic; Next.
        orca.wait_said(r'Confirm the data')
        slow_keys('alt+i')
        orca.wait_said(r'I confirm the data')
        slow_keys('alt+n')

        # 7. Progress: spoken through the focused progress bar.
        orca.wait_said(r'Creating the profile')
        orca.wait_said(r'\d+ percent complete', timeout=120)

        # 8. Done.
        orca.wait_said(r'The profile is ready', timeout=330)
        orca.wait_said(r'Your profile for user')
        slow_keys('Return')

        said = orca.said()
        expected = [
            # Page 1 is reached by Tab inside the first window: without a
            # window manager no window:activate makes Orca name the window
            # and the page there (its controls are checked below).
            ('page headings', [r'Token password', r'Welcome to profile creation',
                               r'Registration data', r'Token personalization', r'Confirm the data',
                               r'Creating the profile', r'The profile is ready']),
            ('field names', [r'Password of the token', r'User ID', r'OTP PIN', r'Key file', r'Token name',
                             r'New password', r'Confirmation', r'I confirm the data',
                             r'I have connected my token']),
            ('the error', [r'Error 0200040: invalid password or key container']),
            ('progress', [r'\d+ percent complete']),
            ('the result', [r'Your profile for user %s' % re.escape(user['user_id'])]),
        ]
        for what, patterns in expected:
            missing = [p for p in patterns if not re.search(p, said)]
            assert not missing, 'Orca did not say %s: %r' % (what, missing)
            ok('Orca said %s' % what)
        not_met = re.findall(r'Not met: [^\n]*', said)
        assert not_met and re.search(r'All password rules are met', said), 'the password rules were not spoken'
        ok('the password rules were spoken: %r, then "All password rules are met."' % not_met[0])

        env = dict(orca.env, TANBA_E2E_PIN=NEW_PASSWORD)
        out = subprocess.run(['pkcs11-tool', '--module', SOFTHSM, '--token-label', TOKEN_NAME, '--login',
                              '--pin', 'env:TANBA_E2E_PIN', '--list-objects', '--type', 'cert'],
                             env=env, check=True, capture_output=True, text=True).stdout
        assert out.count('Certificate Object') == 2, out
        ok('pkcs11-tool: 2 certificates on the token, which opens with the new password')
    except Exception:
        print('not ok %d - %s' % (tap_count + 1, traceback.format_exc().strip().splitlines()[-1]), flush=True)
        print('# ' + traceback.format_exc().replace('\n', '\n# '))
        if orca is not None:
            print('# Orca said:\n# ' + orca.said()[-4000:].replace('\n', '\n# '), flush=True)
        print('1..%d' % (tap_count + 1))
        return 1
    finally:
        if orca is not None:
            orca.close()
        if server is not None and server.poll() is None:
            server.send_signal(signal.SIGTERM)
            server.wait(10)
        if not os.environ.get('TANBA_TEST_KEEP'):
            shutil.rmtree(directory, ignore_errors=True)
    print('1..%d' % tap_count)
    return 0


if __name__ == '__main__':
    if os.environ.get('TANBA_E2E_INNER'):
        sys.exit(main())
    sys.exit(t.run_in_session(__file__))
