#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""End to end over AT-SPI: the token control panel (tanba --control-panel),
found and driven only by role and accessible name, with the keyboard for
typing, against SoftHSM tokens behind the hot-plug test module (which
counts wrong PINs as a hardware token does and plugs tokens in and out).
Every result is checked independently with pkcs11-tool, the PIN given
through its environment (--pin env:NAME), never its argv.

Token A: log in as the user, change the user PIN (one policy violation
first, said in the field), rename the token, format it (the administrator
is asked for), and the token is back in factory state.
Token B (plugged in while the panel runs): a registration is unfinished
(marker written with pkcs11-tool): formatting is refused with the reason
and a "Continue Registration" button; nothing on the token changes.
Token C: a wrong administrator PIN once -> "few tries left" reported before
the next try; the user PIN locked by three wrong PINs (few tries, last try,
locked, each shown before typing) -> unblocked with the administrator PIN
("PIN unblocked"). On every tab and every dialog: no focusable control
without a name.

Run by meson; it runs itself again inside dbus-run-session + xvfb-run. TAP output. Environment:
TANBA_GUI, TANBA_HOTPLUG_MODULE, SOFTHSM2_MODULE, GSETTINGS_SCHEMA_DIR.
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
import pyatspi  # noqa: E402

SOFTHSM = os.environ.get('SOFTHSM2_MODULE', '/usr/lib/softhsm/libsofthsm2.so')
HOTPLUG = os.environ['TANBA_HOTPLUG_MODULE']
TANBA = os.environ['TANBA_GUI']
APP_ID = 'kz.tanba.Tanba'
USER_PIN = '12345678'
ADMIN_PIN = '87654321'
NEW_USER_PIN = 'Kt7m2q9w'
UNBLOCKED_PIN = 'Nq4x8r2m'
MARKER = ('[registration]\nversion=1\nstep=signing-key-generated\n'
          'user-id=qq111111_qwertyui\nstarted=2026-11-28T10:00:00Z\nterm-years=1\n')

tap_count = 0


def ok(description):
    global tap_count
    tap_count += 1
    print('ok %d - %s' % (tap_count, description), flush=True)


class Fixture:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix='tanba-panel-e2e-')
        self.app = None
        self.softhsm_conf = t.softhsm_conf(self.dir)
        self.control = os.path.join(self.dir, 'hotplug-control')
        self.env = dict(os.environ, SOFTHSM2_CONF=self.softhsm_conf, SOFTHSM2_MODULE=SOFTHSM,
                        TANBA_HOTPLUG_CONTROL=self.control, TANBA_HOTPLUG_PIN_TRIES='3',
                        GSETTINGS_BACKEND='memory')
        for variable in ('GTK_A11Y', 'NO_AT_BRIDGE'):
            self.env.pop(variable, None)
        # Three tokens in factory state (field notes: SoftHSM in tests).
        for _ in range(3):
            subprocess.run(['softhsm2-util', '--init-token', '--free', '--label', '',
                            '--so-pin', ADMIN_PIN, '--pin', USER_PIN],
                           env=self.env, check=True, stdout=subprocess.DEVNULL)
        self.serials = sorted(self.slots().keys())
        assert len(self.serials) == 3, self.serials

    def slots(self):
        """serial -> slot ID of the initialized tokens, as SoftHSM says now."""
        out = subprocess.run(['softhsm2-util', '--show-slots'], env=self.env, check=True,
                             capture_output=True, text=True).stdout
        result = {}
        for block in re.split(r'\n(?=Slot \d+)', out):
            slot = re.match(r'Slot (\d+)', block.strip())
            serial = re.search(r'Serial number:\s*(\S+)', block)
            if slot and serial and re.search(r'Initialized:\s*yes', block):
                result[serial.group(1)] = slot.group(1)
        return result

    def plug(self, present):
        """Only @present is plugged in (the others are "removed"), written atomically."""
        temporary = self.control + '.new'
        with open(temporary, 'w') as f:
            f.write(''.join(s + '\n' for s in self.serials if s != present))
        os.rename(temporary, self.control)

    def pkcs11_tool(self, serial, *args, pin=None, module=SOFTHSM):
        env = dict(self.env)
        argv = ['pkcs11-tool', '--module', module, '--slot', self.slots()[serial]]
        if pin is not None:
            env['TANBA_E2E_PIN'] = pin
            argv += ['--login', '--pin', 'env:TANBA_E2E_PIN']
        return subprocess.run(argv + list(args), env=env, capture_output=True, text=True)

    def pin_works(self, serial, pin, admin=False):
        args = ['--login-type', 'so'] if admin else []
        return self.pkcs11_tool(serial, *args, '--list-objects', pin=pin).returncode == 0

    def start_app(self):
        self.app = subprocess.Popen([TANBA, '--control-panel', '--module', HOTPLUG],
                                    env=dict(self.env, TANBA_PKCS11_MODULE=HOTPLUG))

    def close(self):
        if self.app is not None and self.app.poll() is None:
            self.app.terminate()
            try:
                self.app.wait(10)
            except subprocess.TimeoutExpired:
                self.app.kill()
        if os.environ.get('TANBA_TEST_KEEP') is None:
            shutil.rmtree(self.dir, ignore_errors=True)


# ---- finding things ---------------------------------------------------------

def inside_control(node):
    """Inside a button or combo box: its parts are presented by the control
    itself (GtkDropDown's own list item, a button's label) and are not
    separate stops in the tab order."""
    return any(t.role(a) in ('push button', 'toggle button', 'combo box') for a in t.ancestors(node))


def assert_named(window, where):
    """No focusable control without a name, and none named after a class."""
    problems = []
    for node in t.walk(window):
        if not t.has_state(node, pyatspi.STATE_FOCUSABLE) or inside_control(node):
            continue
        if not t.name(node).strip():
            problems.append('focusable %s without a name' % t.role(node))
        elif t.CLASS_NAME.match(t.name(node)):
            problems.append('focusable %s named after a class: %r' % (t.role(node), t.name(node)))
    if problems:
        raise t.Failure('%s:\n  %s\n%s' % (where, '\n  '.join(problems), t.dump(window)))


def info_row(window, title):
    """The value of the information row @title ("Serial number: ...")."""
    row = t.find(window, 'list item', match='^%s: ' % re.escape(title))
    return t.name(row)[len(title) + 2:]


def wait_info(window, title, pattern, timeout=15):
    return t.wait_for(lambda: re.search(pattern, info_row(window, title)), timeout,
                      what='information %r matching %r' % (title, pattern))


def result_text(window):
    """The last result the panel said (the line under the actions)."""
    labels = [t.name(n) for n in t.find_all(window, 'label')
              if re.search(r'^(PIN |Logged |The token |Formatting|The registration wizard|Wait)', t.name(n))]
    return labels[-1] if labels else ''


def wait_result(window, pattern, timeout=30):
    try:
        before = result_text(window)
    except Exception as e:  # the tree changes under us (wait_for retries the same)
        before = '? (%s)' % e
    return t.wait_for(lambda: re.search(pattern, result_text(window)), timeout,
                      what='the result %r (it was %r)' % (pattern, before))


def button(window, label):
    return t.find(window, 'push button', label)


def focus_x_window(title):
    out = t.wait_for(lambda: subprocess.run(['xdotool', 'search', '--onlyvisible', '--name', '^%s$' % title],
                                            capture_output=True, text=True).stdout.split(),
                     20, what='the X window %r' % title)
    t.xdotool('windowfocus', '--sync', out[-1])


def open_dialog(app, title):
    try:
        dialog = t.frame(app, '^%s$' % re.escape(title), timeout=20)
    except t.Failure as e:
        raise t.Failure('%s; the windows: %s' % (e, [(t.role(c), t.name(c)) for c in t.children(app)]))
    focus_x_window(title)
    return dialog


def wait_closed(app, title, timeout=30):
    t.wait_for(lambda: not [c for c in t.children(app) if t.name(c) == title
                            and t.has_state(c, pyatspi.STATE_SHOWING)],
               timeout, what='the window %r to close' % title)


def choose_radio(dialog, label):
    """Chooses the radio button @label as a keyboard user does: Tab reaches
    the checked one of the group, the arrow keys move the choice."""
    target = t.find(dialog, 'radio button', label)
    if t.has_state(target, pyatspi.STATE_CHECKED):
        return
    checked = [r for r in t.find_all(dialog, 'radio button') if t.has_state(r, pyatspi.STATE_CHECKED)]
    t.grab_focus(checked[0])
    for _ in range(4):
        t.key('Down')
        try:
            t.wait_for(lambda: t.has_state(target, pyatspi.STATE_CHECKED), 1)
            return
        except t.Failure:
            pass
    raise t.Failure('the arrow keys never chose %r' % label)


def type_pin(entry, pin):
    t.fill(entry, pin)


def choose_token(window, serial):
    wait_info(window, 'Serial number', '^%s$' % serial)


# ---- scenarios --------------------------------------------------------------

def token_a(fx, app, window):
    serial = fx.serials[0]
    choose_token(window, serial)
    for index, tab in enumerate(('Administration', 'Certificates', 'Settings', 'About')):
        tabs = t.find(window, 'page tab list')
        tabs.querySelection().selectChild(index)
        t.wait_for(lambda: t.has_state(t.find(window, 'page tab', tab), pyatspi.STATE_SELECTED), 5,
                   what='the tab %s' % tab)
        assert_named(window, 'the %s tab' % tab)
    t.find(window, 'page tab list').querySelection().selectChild(0)
    ok('every tab: no focusable control without a name; tabs are page tabs named by their titles')

    # Log in as the user; the PIN dialog shows the token's state before typing.
    t.click(button(window, 'Enter PIN…'))
    dialog = open_dialog(app, 'Enter PIN')
    assert_named(dialog, 'the Enter PIN dialog')
    entry = t.find(dialog, 'password text', 'PIN')
    t.wait_for(lambda: t.has_state(entry, pyatspi.STATE_FOCUSED), 5, what='focus in the PIN field')
    type_pin(entry, USER_PIN)
    t.key('Return')
    wait_closed(app, 'Enter PIN')
    wait_result(window, '^Logged in as the user')
    t.wait_for(lambda: t.name(button(window, 'Log Out')), 5, what='the Log Out button')
    ok('log in as the user; the button becomes "Log Out"')

    # Change the user PIN: one rule broken first, said in the field.
    t.click(button(window, 'Change PIN…'))
    dialog = open_dialog(app, 'Change the User PIN')
    assert_named(dialog, 'the Change PIN dialog')
    new = t.find(dialog, 'password text', 'New user PIN')
    confirm = t.find(dialog, 'password text', 'Confirm the new user PIN')
    t.find(dialog, 'list', 'Password rules')
    t.fill(new, 'Abc12399')
    t.fill(confirm, 'Abc12399')
    t.key('Return')
    t.wait_for(lambda: re.search('row|sequence|123', t.description(new)), 10,
               what='the broken rule in the New PIN field (%r)' % t.description(new))
    assert t.has_state(new, pyatspi.STATE_FOCUSED)
    assert fx.pin_works(serial, USER_PIN), 'the PIN changed although a rule was broken'
    t.fill(new, NEW_USER_PIN)
    t.fill(confirm, NEW_USER_PIN)
    t.key('Return')
    wait_closed(app, 'Change the User PIN')
    wait_result(window, '^PIN changed')
    # Spoken on GTK 4.8 through the description of the button the focus returns to.
    assert t.description(button(window, 'Change PIN…')).startswith('PIN changed'), \
        t.description(button(window, 'Change PIN…'))
    assert fx.pin_works(serial, NEW_USER_PIN), 'pkcs11-tool: the new user PIN does not work'
    assert not fx.pin_works(serial, USER_PIN), 'pkcs11-tool: the old user PIN still works'
    ok('change the user PIN: the broken rule is said in the field, then "PIN changed"; pkcs11-tool agrees')

    # Rename: the user is logged in, so the name dialog opens at once.
    t.click(button(window, 'Rename…'))
    dialog = open_dialog(app, 'Token Name')
    assert_named(dialog, 'the Token Name dialog')
    t.fill(t.find(dialog, 'text', 'Token name'), 'Director_1')
    t.key('Return')
    wait_closed(app, 'Token Name')
    wait_result(window, '^The token name was saved')
    wait_info(window, 'Name', '^Director_1$')
    out = fx.pkcs11_tool(serial, '--read-object', '--type', 'data', '--label', 'tanba-display-name')
    assert out.returncode == 0 and 'Director_1' in out.stdout, out
    ok('rename: "The token name was saved", the name object on the token says Director_1')

    # Format: needs the administrator, who is asked for (the user is logged in).
    t.click(button(window, 'Format…'))
    dialog = open_dialog(app, 'Enter PIN')
    admin = t.find(dialog, 'radio button', 'Administrator')
    t.wait_for(lambda: t.has_state(admin, pyatspi.STATE_CHECKED), 5, what='Administrator chosen')
    t.find(dialog, 'label', match='^Formatting needs the administrator')
    type_pin(t.find(dialog, 'password text', 'PIN'), ADMIN_PIN)
    t.key('Return')
    wait_closed(app, 'Enter PIN')
    confirm_dialog = t.dialog(app, 'Format the Token?')
    body = ' '.join(t.name(n) for n in t.find_all(confirm_dialog, 'label'))
    assert 'every key, every certificate and the registration record' in body, body
    assert_named(confirm_dialog, 'the format confirmation')
    destroy = t.find(confirm_dialog, 'push button', 'Format and Destroy Keys')
    assert not t.has_state(destroy, pyatspi.STATE_SENSITIVE), 'Format is possible without the confirmation'
    t.click(t.find(confirm_dialog, 'check box', match='^I understand'))
    t.wait_for(lambda: t.has_state(destroy, pyatspi.STATE_SENSITIVE), 5, what='Format enabled')
    t.click(destroy)
    wait_result(window, '^The token was formatted', timeout=60)
    wait_info(window, 'Name', '<no label>')
    t.wait_for(lambda: fx.pin_works(serial, USER_PIN), 10, what='the factory user PIN')
    assert not fx.pin_works(serial, NEW_USER_PIN)
    objects = fx.pkcs11_tool(serial, '--list-objects', pin=USER_PIN).stdout
    assert 'tanba-display-name' not in objects, objects
    ok('format an idle token: confirmation names what is destroyed; the token is in factory state (pkcs11-tool)')


def token_b(fx, app, window):
    serial = fx.serials[1]
    marker = os.path.join(fx.dir, 'marker.ini')
    with open(marker, 'w') as f:
        f.write(MARKER)
    out = fx.pkcs11_tool(serial, '--write-object', marker, '--type', 'data', '--label', 'tanba-registration',
                         '--application-label', 'tanba', pin=USER_PIN)
    assert out.returncode == 0, out
    # A signing certificate that expires in 10 days, made by openssl.
    key, pem, der = (os.path.join(fx.dir, n) for n in ('key.pem', 'cert.pem', 'cert.der'))
    subprocess.run(['openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256',
                    '-nodes', '-keyout', key, '-out', pem, '-days', '10', '-subj', '/CN=Director Signing',
                    '-addext', 'keyUsage=critical,digitalSignature,nonRepudiation'],
                   check=True, capture_output=True)
    subprocess.run(['openssl', 'x509', '-in', pem, '-outform', 'DER', '-out', der], check=True)
    out = fx.pkcs11_tool(serial, '--write-object', der, '--type', 'cert', '--id', '01', '--label', 'signing',
                         pin=USER_PIN)
    assert out.returncode == 0, out
    fx.plug(serial)
    choose_token(window, serial)
    t.find(window, 'label', match='^The token was removed')
    wait_info(window, 'Registration', '^unfinished, for the user qq111111_qwertyui')
    ok('hot-plug: token A pulled out and B plugged in; B shows an unfinished registration')

    tabs = t.find(window, 'page tab list')
    tabs.querySelection().selectChild(1)
    row = t.find(window, 'list item', match=r'^Director Signing\. Purpose: Signing\. Issuer: CN=Director Signing\. '
                                            r'Valid until: \d{4}-\d\d-\d\d\. Expires soon: (9|10) days left$', timeout=15)
    t.find(window, 'label', '1 certificate. 1 expires soon.')
    assert t.has_state(row, pyatspi.STATE_FOCUSABLE)
    assert_named(window, 'the Certificates tab with a certificate')
    tabs.querySelection().selectChild(0)
    ok('certificates: subject, purpose, issuer, valid until and "Expires soon" in words, read as one row')

    t.click(button(window, 'Format…'))
    refusal = t.dialog(app, 'The Token Cannot Be Formatted')
    body = ' '.join(t.name(n) for n in t.find_all(refusal, 'label'))
    assert 'registration on it is unfinished' in body and 'qq111111_qwertyui' in body, body
    t.find(refusal, 'push button', 'Continue Registration')
    assert_named(refusal, 'the refusal')
    assert not [c for c in t.children(app) if t.name(c) == 'Enter PIN'], 'a PIN was asked before refusing'
    t.click(t.find(refusal, 'push button', 'Close'))
    out = fx.pkcs11_tool(serial, '--read-object', '--type', 'data', '--label', 'tanba-registration')
    assert out.returncode == 0 and 'signing-key-generated' in out.stdout, out
    assert fx.pin_works(serial, USER_PIN)
    ok('format refused during an unfinished registration, with "Continue Registration"; the marker is intact')


def token_c(fx, app, window):
    serial = fx.serials[2]
    fx.plug(serial)
    choose_token(window, serial)

    # One wrong administrator PIN.
    t.click(button(window, 'Enter PIN…'))
    dialog = open_dialog(app, 'Enter PIN')
    choose_radio(dialog, 'Administrator')
    entry = t.find(dialog, 'password text', 'PIN')
    type_pin(entry, '11111111')
    t.key('Return')
    t.find(dialog, 'label', match='^The administrator PIN is wrong', timeout=20)
    t.wait_for(lambda: t.char_count(entry) == 0, 5, what='the wrong PIN cleared')
    t.find(dialog, 'label', match='^Few tries left')
    assert re.search('Few tries left', t.description(entry)), t.description(entry)
    t.key('Escape')
    wait_closed(app, 'Enter PIN')
    wait_info(window, 'Administrator PIN', '^few tries left$')
    flags = fx.pkcs11_tool(serial, '-L', module=HOTPLUG).stdout
    assert 'SO PIN count low' in flags, flags
    ok('a wrong administrator PIN: "few tries left" in the dialog and the information (pkcs11-tool -L agrees)')

    # The user PIN: few tries, last try, locked, each shown before the next try.
    t.click(button(window, 'Enter PIN…'))
    dialog = open_dialog(app, 'Enter PIN')
    entry = t.find(dialog, 'password text', 'PIN')
    for expected in ('^Few tries left', '^Last try', '^The user PIN is locked'):
        type_pin(entry, '00000000')
        t.key('Return')
        t.find(dialog, 'label', match=expected, timeout=20)
        t.wait_for(lambda: t.char_count(entry) == 0, 5, what='the wrong PIN cleared')
    login_button = t.find(dialog, 'push button', 'Log In')
    assert not t.has_state(login_button, pyatspi.STATE_SENSITIVE), 'a locked PIN can still be tried'
    t.key('Escape')
    wait_closed(app, 'Enter PIN')
    wait_info(window, 'User PIN', '^locked')
    flags = fx.pkcs11_tool(serial, '-L', module=HOTPLUG).stdout
    assert 'user PIN locked' in flags, flags
    ok('the user PIN: few tries left, last try, locked, each said before typing; pkcs11-tool -L says locked')

    # Unblock: the administrator is asked for, then the new user PIN.
    t.click(button(window, 'Unblock…'))
    dialog = open_dialog(app, 'Enter PIN')
    t.find(dialog, 'label', match='^Unblocking the user PIN needs the administrator')
    t.find(dialog, 'label', match='^Few tries left')
    type_pin(t.find(dialog, 'password text', 'PIN'), ADMIN_PIN)
    t.key('Return')
    wait_closed(app, 'Enter PIN')
    dialog = open_dialog(app, 'Unblock the User PIN')
    assert_named(dialog, 'the Unblock dialog')
    t.fill(t.find(dialog, 'password text', 'New user PIN'), UNBLOCKED_PIN)
    t.fill(t.find(dialog, 'password text', 'Confirm the new user PIN'), UNBLOCKED_PIN)
    t.key('Return')
    wait_closed(app, 'Unblock the User PIN')
    wait_result(window, '^PIN unblocked')
    assert t.description(button(window, 'Unblock…')).startswith('PIN unblocked'), \
        t.description(button(window, 'Unblock…'))
    wait_info(window, 'User PIN', '^all tries left$')
    assert fx.pin_works(serial, UNBLOCKED_PIN), 'pkcs11-tool: the new user PIN does not work'
    flags = fx.pkcs11_tool(serial, '-L', module=HOTPLUG).stdout
    assert 'user PIN locked' not in flags, flags
    ok('unblock a locked user PIN: "PIN unblocked"; pkcs11-tool logs in with the new PIN')


def renew_from_notification(fx, app, window):
    """The expiry notification's "Renew" activates the application's action
    "renew-certificates" with the token's serial number over D-Bus, as the
    notification server does: a control panel opens on the Certificates tab,
    on that token (not the one chosen in the open window), with "Renew…"
    focused and saying what is due."""
    serial_b, serial_c = fx.serials[1], fx.serials[2]
    temporary = fx.control + '.new'
    with open(temporary, 'w') as f:
        f.write(fx.serials[0] + '\n')         # B and C connected, C chosen
    os.rename(temporary, fx.control)
    choose_token(window, serial_c)
    out = subprocess.run(['gdbus', 'call', '--session', '--dest', APP_ID, '--object-path',
                          '/' + APP_ID.replace('.', '/'), '--method',
                          'org.freedesktop.Application.ActivateAction', 'renew-certificates',
                          "[<'%s'>]" % serial_b, '{}'], env=fx.env, capture_output=True, text=True)
    assert out.returncode == 0, out
    t.wait_for(lambda: len([c for c in t.children(app) if t.name(c) == 'Token Control Panel']) == 2,
               20, what='a second control panel')
    focus_x_window('Token Control Panel')

    def renew_focused():
        for frame in t.children(app):
            if t.name(frame) != 'Token Control Panel':
                continue
            node = t.focused(frame)
            if node is not None and t.role(node) == 'push button' and t.name(node) == 'Renew…':
                return frame, node
        return None
    panel, renew = t.wait_for(renew_focused, 20, what='"Renew…" focused in the new control panel')
    assert re.match(r'^The signing certificate expires in (9|10) days — renew it\.$', t.description(renew)), \
        t.description(renew)
    tab = t.find(panel, 'page tab', 'Certificates')
    assert t.has_state(tab, pyatspi.STATE_SELECTED), 'the Certificates tab is not the one shown'
    t.find(panel, 'list item', match=r'^Director Signing\. Purpose: Signing\.')
    # The window that was open keeps its own choice.
    wait_info(window, 'Serial number', '^%s$' % serial_c)
    ok('the notification\'s Renew: the Certificates tab of the notified token, "Renew…" focused and saying what is due')


def main():
    print('1..12', flush=True)
    fx = Fixture()
    try:
        fx.plug(fx.serials[0])
        fx.start_app()
        app = t.find_app('tanba')
        window = t.frame(app, '^Token Control Panel$')
        token_a(fx, app, window)
        token_b(fx, app, window)
        token_c(fx, app, window)
        renew_from_notification(fx, app, window)
    except Exception:
        print('not ok %d - %s' % (tap_count + 1, traceback.format_exc().replace('\n', '\n# ')), flush=True)
        try:
            for window in t.children(t.find_app('tanba', timeout=1)):
                print('# ' + t.dump(window).replace('\n', '\n# '), flush=True)
        except Exception:
            pass
        return 1
    finally:
        fx.close()
    return 0



if __name__ == '__main__':
    if os.environ.get('TANBA_E2E_INNER'):
        sys.exit(main())
    sys.exit(t.run_in_session(__file__))
