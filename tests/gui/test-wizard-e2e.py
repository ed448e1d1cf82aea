#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""End to end over AT-SPI: a whole registration in the wizard, found and
driven only by role and accessible name, against the reference server and a
SoftHSM token in factory state; the token and the server are checked
afterwards with pkcs11-tool and sqlite3.

On every page: no focusable control without a name, no name that is a class
name, the focus inside the page. Along the way: a wrong OTP PIN gives error
0200040 on the OTP PIN field (cleared), Enter activates Next, the password
rules are read as a list, the progress bar speaks its progress.

Run by meson inside dbus-run-session + xvfb-run (see meson.build). TAP output.
Environment: TANBA_GUI (the tanba program), TANBA_REFSERVER, SOFTHSM2_MODULE,
GSETTINGS_SCHEMA_DIR.
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

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tanba_atspi as t  # noqa: E402
import pyatspi  # noqa: E402

SOFTHSM = os.environ.get('SOFTHSM2_MODULE', '/usr/lib/softhsm/libsofthsm2.so')
TANBA = os.environ['TANBA_GUI']
REFSERVER = os.environ['TANBA_REFSERVER']
NEW_PASSWORD = 'Tanba2026x'
TOKEN_NAME = 'Tanba-E2E'
# 'restart': after the failure, close the window and continue in a new
# start; 'continue': the "Continue registration" button in the same window;
# 'admin-pin': the token's administrator PIN is not the factory one, so the
# run stops at personalization and asks for it (no server fault then).
MODE = os.environ.get('TANBA_E2E_MODE', 'restart')
# admin-pin mode: the administrator PIN set on the token, and a wrong one.
ADMIN_PIN = 'So7-Adm1n'
WRONG_ADMIN_PIN = 'Wr0ng-Adm'
# OpenSC's PKCS#11 spy between the wizard and SoftHSM (admin-pin mode): it
# logs every call, so the administrator PINs the token was sent can be counted.
SPY = '/usr/lib/x86_64-linux-gnu/pkcs11-spy.so'

tap_count = 0


def ok(description):
    global tap_count
    tap_count += 1
    print('ok %d - %s' % (tap_count, description), flush=True)


class Fixture:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix='tanba-e2e-')
        self.server = None
        self.app = None
        # SoftHSM with one token in factory state (field notes: SoftHSM in tests).
        self.softhsm_conf = t.softhsm_conf(self.dir)
        self.env = dict(os.environ, SOFTHSM2_CONF=self.softhsm_conf)
        # admin-pin mode: a new token whose administrator PIN was changed,
        # as the bank's guide teaches (the user PIN is still the factory one).
        so_pin = ADMIN_PIN if MODE == 'admin-pin' else '87654321'
        subprocess.run(['softhsm2-util', '--init-token', '--free', '--label', '',
                        '--so-pin', so_pin, '--pin', '12345678'],
                       env=self.env, check=True, stdout=subprocess.DEVNULL)
        self.spy_log = os.path.join(self.dir, 'pkcs11-spy.log')
        # The reference server with its demo users.
        self.data = os.path.join(self.dir, 'server')
        out = subprocess.run([REFSERVER, '--init-demo', self.data, '--json'],
                             check=True, capture_output=True, text=True).stdout
        self.demo = json.loads(out.strip().splitlines()[-1])
        self.server_log = open(os.path.join(self.dir, 'server.log'), 'a')
        if MODE == 'admin-pin':
            self.start_server('127.0.0.1:0')
        else:
            # The first CMP request (ir) stalls: time to look at the progress page.
            self.start_server('127.0.0.1:0', faults=[{'kind': 'stall', 'message': 'ir', 'count': 1, 'seconds': 60}])

    def start_server(self, listen, faults=None):
        env = dict(os.environ)
        args = [REFSERVER, '--data', self.data, '--listen', listen]
        if faults:
            args.append('--test-faults')
            env['TANBA_REFSERVER_FAULTS'] = json.dumps({'faults': faults})
        self.server = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self.server_log, text=True, env=env)
        self.url = self.server.stdout.readline().strip()
        assert self.url.startswith('http://'), 'the server printed %r' % self.url
        self.listen = re.match(r'http://([^/]+)/', self.url).group(1)

    def stop_server(self):
        self.server.send_signal(signal.SIGTERM)
        try:
            self.server.wait(5)
        except subprocess.TimeoutExpired:
            self.server.kill()
            self.server.wait()

    def start_app(self):
        env = dict(self.env,
                   GSETTINGS_BACKEND='memory',
                   XDG_STATE_HOME=os.path.join(self.dir, 'state'),
                   XDG_CONFIG_HOME=os.path.join(self.dir, 'config'),
                   GTK_A11Y='atspi')
        env.pop('NO_AT_BRIDGE', None)
        module = SOFTHSM
        if MODE == 'admin-pin':
            module = SPY
            env.update(PKCS11SPY=SOFTHSM, PKCS11SPY_OUTPUT=self.spy_log)
        self.app_log = open(os.path.join(self.dir, 'tanba.log'), 'w')
        self.app = subprocess.Popen([TANBA, '--module', module, '--server', self.url,
                                     '--trust-anchor', self.demo['ca_certificate']],
                                    env=env, stdout=self.app_log, stderr=subprocess.STDOUT)

    def close(self):
        for p in (self.app, self.server):
            if p is not None and p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
        if os.environ.get('TANBA_TEST_KEEP'):
            print('# kept %s' % self.dir)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)

    def pkcs11_objects(self, type_):
        env = dict(self.env, TANBA_E2E_PIN=NEW_PASSWORD)
        out = subprocess.run(['pkcs11-tool', '--module', SOFTHSM, '--token-label', TOKEN_NAME,
                              '--login', '--pin', 'env:TANBA_E2E_PIN', '--list-objects', '--type', type_],
                             env=env, check=True, capture_output=True, text=True).stdout
        return out


def spied_init_token_pins(path):
    """The PINs and results of every C_InitToken in a PKCS#11 spy log, in order.

    The token monitor's thread calls the module while the wizard's worker is
    in C_InitToken, and the spy writes a call's header and input when it
    starts and its "Returned:" when it ends: a short call of the other thread
    can fall between the two. A "Returned:" closes the latest call still
    open (the one started last), so such a nested call does not take
    C_InitToken's result."""
    calls = []
    open_calls = []
    with open(path, errors='replace') as f:
        for line in f:
            header = re.match(r'\d+: (C_\w+)$', line.rstrip('\n'))
            if header:
                call = {'name': header.group(1), 'text': '', 'result': None}
                open_calls.append(call)
                if call['name'] == 'C_InitToken':
                    calls.append(call)
                continue
            returned = re.match(r'Returned:\s+\d+ (\w+)', line)
            if returned and open_calls:
                open_calls.pop()['result'] = returned.group(1)
            elif open_calls:
                open_calls[-1]['text'] += line
    result = []
    for call in calls:
        dump = re.search(r'\[in\] pPin\[ulPinLen\][^\n]*\n((?:\s+[0-9a-fA-F]{8}  [^\n]*\n)+)', call['text'])
        pin = b''
        for line in (dump.group(1).splitlines() if dump else []):
            hex_bytes = re.match(r'\s+[0-9a-fA-F]{8}  ((?:[0-9a-fA-F]{2} )+)', line + ' ')
            pin += bytes(int(h, 16) for h in hex_bytes.group(1).split())
        result.append((pin.decode(errors='replace'), call['result']))
    return result


def admin_pin_refused(app, w):
    """admin-pin mode, step 7: the token refused the factory administrator
    PIN; the field asking for it is shown, focused, described with the tries
    left; a wrong PIN (Enter in the field) is refused in the same way; the
    right one and "Continue registration" let the registration go on."""
    entry = t.find(w, 'password text', 'Administrator PIN:', timeout=120)
    reason = t.find(w, 'label', match='^The registration stopped: ')
    print('# %s' % t.name(reason))
    assert 'did not accept the factory administrator PIN 87654321' in t.name(reason), t.name(reason)
    t.wait_for(lambda: t.is_focused(entry), 10, what='focus on the administrator PIN field')
    # (REQUIRED is checked in test-wizard-pages: GTK 4.8 does not pass it on to AT-SPI.)
    t.wait_for(lambda: t.description(entry).startswith(t.name(reason)), 10,
               what='the reason spoken on the administrator PIN field')
    description = t.description(entry)
    print('# described: %s' % description)
    assert 'Type the administrator PIN' in description, description
    # SoftHSM flags "count low" after a wrong administrator PIN: said before typing.
    assert 'Few tries left' in description, description
    t.find(w, 'push button', 'Continue registration')
    t.assert_page_accessible(w, 'Creating the profile')
    ok('the factory administrator PIN refused: the reason and the tries left on the focused '
       '"Administrator PIN:" field')

    # A wrong one: refused, the field emptied and focused again.
    t.fill(entry, WRONG_ADMIN_PIN)
    t.key('Return')
    t.wait_for(lambda: 'did not accept the administrator PIN that was entered' in t.description(entry), 120,
               what='the wrong administrator PIN refused')
    t.wait_for(lambda: t.is_focused(entry), 10, what='focus on the administrator PIN field again')
    assert t.char_count(entry) == 0, 'the refused administrator PIN was not cleared'
    second_error = t.name(t.find(w, 'label', match='^The registration stopped: '))
    ok('a wrong administrator PIN: refused, said on the emptied, focused field')

    # The right one, then "Continue registration".
    t.fill(entry, ADMIN_PIN)
    t.click(t.find(w, 'push button', 'Continue registration'))
    return second_error


def page(app, step, title, heading):
    """Waits for step @step, checks the title and the page's accessibility."""
    window = t.frame(app, '^Step %d of 8 — %s$' % (step, re.escape(title)), timeout=30)
    t.find(window, None, heading)
    time.sleep(0.3)
    t.assert_page_accessible(window, heading)
    ok('step %d "%s": named controls, no class names, focus inside the page' % (step, title))
    return window


def wait_finished(app, timeout=330, previous_error=None):
    """Waits for step 8; fails at once when the run stops with an error
    (other than @previous_error, still shown just after a click)."""
    def done():
        if [c for c in t.children(app) if re.search('^Step 8 of 8', t.name(c))]:
            return True
        for c in t.children(app):
            if re.search('^Step 7 of 8', t.name(c)):
                stopped = t.find_all(c, 'label', match='^The registration stopped')
                if stopped and t.name(stopped[0]) != previous_error:
                    raise t.Failure('the registration stopped again: %s' % t.name(stopped[0]))
        return False
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            if done():
                return
        except t.Failure:
            raise
        except Exception:
            pass
        time.sleep(0.2)
    raise t.Failure('the registration did not finish in %d s' % timeout)


def next_button(window):
    button = t.find(window, 'push button', 'Next')
    t.wait_for(lambda: button.getState().contains(pyatspi.STATE_SENSITIVE), 10, what='Next enabled')
    return button


def main():
    fx = Fixture()
    try:
        user = fx.demo['users'][0]
        fx.start_app()
        app = t.find_app('tanba')
        t.focus_window('^Step 1 of 8')

        # 1. Connect the token: the token shows up, marked empty.
        w = page(app, 1, 'Connect the token', 'Connect your token')
        row = t.find(w, 'list item', match=r'empty, new token', timeout=10)
        assert 'Serial number' in t.description(row)
        t.find(w, 'grouping', 'Certificate term')
        t.click(t.find(w, 'check box', 'I have connected my token'))
        t.click(next_button(w))

        # 2. Token password: the default password is told; Enter activates Next.
        w = page(app, 2, 'Token password', 'Token password')
        entry = t.find(w, 'password text', 'Password of the token:')
        assert '12345678' in t.description(entry), t.description(entry)
        t.fill(entry, '12345678')
        t.key('Return')
        d = t.dialog(app, 'Create a new profile?')
        t.click(t.find(d, 'push button', 'Create a new profile'))
        t.focus_window('^Step 3 of 8')
        ok('a new token leads to "Create a new profile?"')

        # 3. Welcome.
        w = page(app, 3, 'Welcome', 'Welcome to profile creation')
        t.key('Return')

        # 4. Registration data, first with a wrong OTP PIN.
        w = page(app, 4, 'Registration data', 'Registration data')
        t.fill(t.find(w, 'text', 'User ID:'), user['user_id'])
        pin = t.find(w, 'password text', 'OTP PIN:')
        t.fill(pin, 'zzzzzzzzzz2')
        t.fill(t.find(w, 'text', 'Key file:'), user['key_file'])
        t.click(next_button(w))
        t.find(w, 'label', 'Error 0200040: invalid password or key container.', timeout=30)
        t.wait_for(lambda: '0200040' in t.description(pin), 10, what='0200040 on the OTP PIN field')
        assert t.char_count(pin) == 0, 'the wrong OTP PIN was not cleared'
        assert t.has_state(pin, pyatspi.STATE_FOCUSED) or any(
            t.has_state(c, pyatspi.STATE_FOCUSED) for c in t.walk(pin)), 'focus not on the OTP PIN'
        t.find(w, None, 'Details')
        t.assert_page_accessible(w, 'Registration data')
        ok('a wrong OTP PIN: error 0200040 on the cleared, focused field, with Details')
        # Typed in small letters: upper-cased as typed.
        t.fill(pin, user['otp_pin'].lower())
        t.click(next_button(w))

        # 5. Personalization: the password rules are a list read with their states.
        w = page(app, 5, 'Token personalization', 'Token personalization')
        t.fill(t.find(w, 'text', 'Token name (optional):'), TOKEN_NAME)
        password = t.find(w, 'password text', 'New password:')
        t.fill(password, 'abc')
        t.find(w, 'list item', 'At least 8 characters: not met')
        t.fill(password, NEW_PASSWORD)
        t.find(w, 'list item', 'At least 8 characters: met')
        t.find(w, 'list item', match=r'^No three consecutive .*: met$')
        t.fill(t.find(w, 'password text', 'Confirmation:'), NEW_PASSWORD)
        rules = t.find_all(t.find(w, 'list', 'Password rules'), 'list item')
        assert len(rules) >= 7 and all(r.name.endswith(': met') for r in rules), [r.name for r in rules]
        ok('the password rules are read as a list, each with its state')
        t.key('Return')

        # 6. Confirmation.
        w = page(app, 6, 'Confirmation', 'Confirm the data')
        summary = t.find(w, 'label', match=re.escape(user['user_id']))
        year = time.localtime().tm_year + 1
        assert str(year) in summary.name and TOKEN_NAME in summary.name, summary.name
        t.click(t.find(w, 'check box', 'I confirm the data'))
        t.click(next_button(w))

        # 7. Progress: steps, a named focusable progress bar that speaks.
        w = page(app, 7, 'Creating the profile', 'Creating the profile')
        bar = t.find(w, 'progress bar', 'Registration progress')
        if MODE == 'admin-pin':
            first_error = admin_pin_refused(app, w)
            wait_finished(app, previous_error=first_error)
            ok('with the administrator PIN typed, "Continue registration" completes the registration')
            return finish(fx, app, user)
        assert t.has_state(bar, pyatspi.STATE_FOCUSED), 'the progress bar has not the focus'
        t.find(w, 'label', 'Key generation may take up to 5 minutes.')
        steps = t.find(w, 'list', 'Steps')
        t.find(steps, 'list item', 'Generate the signing key: done')
        t.find(steps, 'list item', 'Request the signing certificate: in progress', timeout=30)
        t.wait_for(lambda: re.search(r'\d+ percent complete', t.description(bar)), 10,
                   what='the progress in the bar\'s description')
        print('# progress spoken: %s' % t.description(bar))
        ok('progress: steps with their states, the focused bar describes "%s"' % t.description(bar))

        # The server goes down in the middle: the reason in words, and
        # "Continue registration" finishes once it is back.
        fx.stop_server()
        button = t.find(w, 'push button', 'Continue registration', timeout=120)
        reason = t.find(w, 'label', match='^The registration stopped: ')
        print('# %s' % t.name(reason))
        t.wait_for(lambda: t.is_focused(button), 10, what='focus on Continue registration')
        assert t.description(button) == t.name(reason), (t.description(button), t.name(reason))
        t.assert_page_accessible(w, 'Creating the profile')
        ok('server down: the reason is shown and spoken on the focused "Continue registration"')
        fx.start_server(fx.listen)
        first_error = t.name(reason)
        if MODE == 'continue':
            # Continue in the same window.
            t.click(button)
        else:
            # Close the window: it asks first; the next start continues.
            t.click(t.find(w, 'push button', 'Cancel'))
            d = t.dialog(app, 'Stop the registration?')
            t.click(t.find(d, 'push button', 'Stop and close'))
            fx.app.wait(20)
            ok('closing mid-registration asks "Stop the registration?" and then closes')
            fx.start_app()
            app = t.find_app('tanba')
            t.focus_window('^Step 1 of 8')
            w = page(app, 1, 'Connect the token', 'Connect your token')
            t.find(w, 'list item', match=r'%s$' % TOKEN_NAME, timeout=10)
            t.click(t.find(w, 'check box', 'I have connected my token'))
            t.click(next_button(w))
            w = page(app, 2, 'Token password', 'Token password')
            t.fill(t.find(w, 'password text', 'Password of the token:'), NEW_PASSWORD)
            t.key('Return')
            d = t.dialog(app, 'Continue registration?')
            assert t.find_all(d, 'label', match=re.escape(user['user_id'])), 'the user is not named'
            t.click(t.find(d, 'push button', 'Continue registration'))
            t.focus_window('^Step 7 of 8')
            ok('the next start finds the unfinished registration and offers to continue it')
            w = t.frame(app, '^Step [78] of 8', timeout=30)
            if re.search('^Step 7', t.name(w)):
                # The signing certificate is still to be fetched: the init
                # key file and OTP PIN are asked for again.
                data_button = t.find(w, 'push button', 'Enter registration data', timeout=120)
                t.click(data_button)
                w = page(app, 4, 'Registration data', 'Registration data')
                t.fill(t.find(w, 'password text', 'OTP PIN:'), user['otp_pin'])
                t.fill(t.find(w, 'text', 'Key file:'), user['key_file'])
                t.click(next_button(w))
        wait_finished(app, previous_error=first_error)
        ok('the interrupted registration completes')
        return finish(fx, app, user)
    except Exception:
        return fail(fx)


def finish(fx, app, user):
    """Step 8, then the token and the server checked independently."""
    try:
        # 8. Done.
        w = page(app, 8, 'Done', 'The profile is ready')
        t.find(w, None, match=re.escape(user['user_id']))
        t.click(t.find(w, 'push button', 'Finish'))
        # Finish opens the sign-in window with the new profile selected.
        # (Xvfb has no window manager: the new window is not "showing" on
        # AT-SPI until activated, so look at every node.)
        t.wait_for(lambda: [l for l in t.find_all(app, 'label', showing_only=False)
                            if re.search(re.escape(TOKEN_NAME), t.name(l) or '')
                            and t.find_all(app, 'combo box', 'Profile', showing_only=False)],
                   20, what='the sign-in window with the profile "%s"' % TOKEN_NAME)
        ok('Finish opens the sign-in window with the new profile "%s" selected' % TOKEN_NAME)
        fx.app.terminate()
        fx.app.wait(20)

        # The token and the server, checked independently.
        certs = fx.pkcs11_objects('cert')
        keys = fx.pkcs11_objects('privkey')
        assert certs.count('Certificate Object') == 2, certs
        assert keys.count('Private Key Object') == 2, keys
        ok('pkcs11-tool: the token "%s" opens with the new password and holds 2 keys and 2 certificates'
           % TOKEN_NAME)
        db = os.path.join(fx.data, 'tanba-refserver.db')
        status = subprocess.run(['sqlite3', db, "SELECT status FROM registrations WHERE user_id = '%s'"
                                 % user['user_id']], check=True, capture_output=True, text=True).stdout.strip()
        assert status == 'complete', status
        ok('the reference server says the registration is complete')
        if MODE == 'admin-pin':
            # The wizard sent the factory administrator PIN once, never again.
            calls = spied_init_token_pins(fx.spy_log)
            expected = [('87654321', 'CKR_PIN_INCORRECT'), (WRONG_ADMIN_PIN, 'CKR_PIN_INCORRECT'),
                        (ADMIN_PIN, 'CKR_OK')]
            assert calls == expected, 'C_InitToken calls: %r' % [(len(p), r) for p, r in calls]
            ok('pkcs11-spy: the token was sent the factory administrator PIN once, then only what was typed')
    except Exception:
        return fail(fx)
    fx.close()
    print('1..%d' % tap_count)
    return 0


def fail(fx):
    """Reports the exception being handled as TAP, with the AT-SPI tree and the app's log."""
    import traceback
    print('not ok %d - %s' % (tap_count + 1, traceback.format_exc().strip().splitlines()[-1]))
    for line in traceback.format_exc().splitlines():
        print('# ' + line)
    try:
        for line in t.dump(t.find_app('tanba', 2)).splitlines():
            print('# ' + line)
    except Exception:
        pass
    try:
        with open(os.path.join(fx.dir, 'tanba.log')) as f:
            sys.stdout.write(''.join('# app: ' + x for x in f.readlines()[-30:]))
    except Exception:
        pass
    fx.close()
    print('1..%d' % (tap_count + 1))
    return 1


if __name__ == '__main__':
    if os.environ.get('TANBA_E2E_INNER'):
        sys.exit(main())
    sys.exit(t.run_in_session(__file__))
