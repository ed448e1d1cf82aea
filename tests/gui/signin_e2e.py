#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Sign-in end to end over AT-SPI, and the signing windows with a token the
bank registered.

A SoftHSM token is registered with the reference server (over --tls) by
`tanba-cli register` (secrets on its standard input), as
tests/test-registration.c does. Then the sign-in window is driven through
AT-SPI by role and name only: a wrong password (refused, field cleared, the
error in the focused field's description), then the right one ("Signed in
as USER, Tanba Demo Bank."). Then "Sign a document"
signs a file with the token (`openssl cms -verify` accepts it against the
bank's CA), and "Verify a signature" says it is valid, and not valid once the
file is changed.

Run by meson; it runs itself again inside dbus-run-session + xvfb-run. TAP.
Then the real `tanba --control-panel`: "Renew…" in the Certificates tab
renews both certificates with new keys (kur) against the reference server;
the token then holds two new certificates and `tanba-cli signin` works; the
expiry notifications the application sent on start (to a test notification
server) are taken back. The expiry check sends a desktop notification per
certificate due. Last, with the authentication certificate revoked at
the bank, sign-in says so.

Environment: TANBA_SIGNIN_HARNESS, TANBA_GUI, TANBA_CLI, TANBA_REFSERVER,
SOFTHSM2_MODULE, GSETTINGS_SCHEMA_DIR.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pyatspi  # noqa: E402
import tanba_atspi as t  # noqa: E402

SOFTHSM = os.environ.get('SOFTHSM2_MODULE', '/usr/lib/softhsm/libsofthsm2.so')
HARNESS = os.environ.get('TANBA_SIGNIN_HARNESS')
CLI = os.environ.get('TANBA_CLI')
REFSERVER = os.environ.get('TANBA_REFSERVER')
PASSWORD = 'Tanba2026x'
WRONG = 'Wrong2026y'
TOKEN_NAME = 'Director-1'

tap_count = 0


def ok(description):
    global tap_count
    tap_count += 1
    print('ok %d - %s' % (tap_count, description), flush=True)


class Fixture:
    """A registered SoftHSM token and the reference server over TLS."""

    def __init__(self, prefix='tanba-signin-e2e-', env_extra=None):
        self.dir = tempfile.mkdtemp(prefix=prefix)
        self.processes = []
        self.softhsm_conf = t.softhsm_conf(self.dir)
        self.env = dict(os.environ, SOFTHSM2_CONF=self.softhsm_conf, GSETTINGS_BACKEND='memory',
                        XDG_STATE_HOME=os.path.join(self.dir, 'state'), LC_ALL='C.UTF-8', LANG='C.UTF-8')
        for variable in ('GTK_A11Y', 'NO_AT_BRIDGE'):
            self.env.pop(variable, None)
        self.env.update(env_extra or {})
        subprocess.run(['softhsm2-util', '--init-token', '--free', '--label', '',
                        '--so-pin', '87654321', '--pin', '12345678'],
                       env=self.env, check=True, stdout=subprocess.DEVNULL)
        self.serial = re.search(r'Serial number:\s+(\S+)',
                                subprocess.run(['softhsm2-util', '--show-slots'], env=self.env, check=True,
                                               capture_output=True, text=True).stdout).group(1)
        data = os.path.join(self.dir, 'server')
        out = subprocess.run([REFSERVER, '--init-demo', data, '--json', '--users', '1'],
                             check=True, capture_output=True, text=True).stdout
        self.demo = json.loads(out.strip().splitlines()[-1])
        self.user = self.demo['users'][0]
        self.db = os.path.join(data, 'tanba-refserver.db')
        self.server_log = open(os.path.join(self.dir, 'server.log'), 'a')
        self.server = subprocess.Popen([REFSERVER, '--data', data, '--listen', '127.0.0.1:0', '--tls'],
                                       stdout=subprocess.PIPE, stderr=self.server_log, text=True)
        self.processes.append(self.server)
        self.url = self.server.stdout.readline().strip()
        assert self.url.startswith('https://'), 'the server printed %r' % self.url

    def register(self):
        secrets = '%s\n12345678\n%s\n' % (self.user['otp_pin'], PASSWORD)
        result = subprocess.run([CLI, '--module', SOFTHSM, '--token', self.serial, 'register',
                                 '--server', self.url, '--trust-anchor', self.demo['ca_certificate'],
                                 '--user-id', self.user['user_id'], '--key-file', self.user['key_file'],
                                 '--name', TOKEN_NAME],
                                input=secrets, env=self.env, capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stderr[-2000:]
        assert PASSWORD not in result.stdout + result.stderr

    def start(self, argv, env=None):
        log = open(os.path.join(self.dir, 'app-%d.log' % len(self.processes)), 'w')
        process = subprocess.Popen(argv, env=env or self.env, stdout=log, stderr=subprocess.STDOUT)
        self.processes.append(process)
        return process

    def harness(self, window, *extra, env=None):
        return self.start([HARNESS, '--module', SOFTHSM, '--server', self.url,
                           '--trust-anchor', self.demo['ca_certificate'], '--window', window] + list(extra),
                          env=env)

    def sql(self, query):
        return subprocess.run(['sqlite3', self.db, query], check=True, capture_output=True,
                              text=True).stdout.strip()

    def close(self):
        for process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
        if os.environ.get('TANBA_TEST_KEEP'):
            print('# kept %s' % self.dir)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)


def inside_control(node):
    """Inside a button or combo box: GtkDropDown's own stack and list item,
    a button's label; the control presents them, they are no stops of their
    own (as in control_panel_e2e.py)."""
    return any(t.role(a) in ('push button', 'toggle button', 'combo box') for a in t.ancestors(node))


def assert_window_accessible(window, heading):
    """No focusable control without a name or named after a class, no
    class-named object outside the controls' insides, a group named by the
    heading, and the focus inside it."""
    problems = []
    for node in t.walk(window):
        if inside_control(node):
            continue
        if t.CLASS_NAME.match(t.name(node)) and t.role(node) != 'filler':
            problems.append('%s named after a class: %r' % (t.role(node), t.name(node)))
        if t.has_state(node, pyatspi.STATE_FOCUSABLE) and not t.name(node).strip():
            problems.append('focusable %s without a name' % t.role(node))
    group = t.page_group(window, heading)
    if group is None:
        problems.append('no group named %r' % heading)
    else:
        focus = t.wait_for(lambda: t.focused(window), 5, what='a focused object')
        if not any(a == group for a in t.ancestors(focus)):
            problems.append('the focus (%s %r) is outside %r' % (t.role(focus), t.name(focus), heading))
    if problems:
        raise t.Failure('%r:\n  %s\n%s' % (heading, '\n  '.join(problems), t.dump(window)))


def password_field(window):
    return t.find(window, 'password text', 'Password')


def wait_description(obj, pattern, timeout=60):
    return t.wait_for(lambda: re.search(pattern, t.description(obj)), timeout,
                      what='the description of %s %r to say %r (it says %r)' %
                      (t.role(obj), t.name(obj), pattern, t.description(obj)))


def main():
    print('1..11', flush=True)
    fx = Fixture()
    try:
        fx.register()
        ok('the token is registered with the bank by tanba-cli register')

        first = fx.harness('signin')
        assert fx.processes[1] is first
        window = t.frame(app_of(first, 'Sign In to Internet Banking'), '^Sign In to Internet Banking$')
        t.focus_window('^Sign In to Internet Banking$')
        # The profile chooser's button: named by "Profile", the choice its description.
        t.find(window, None, 'Profile', timeout=20)
        expected = '%s (user %s)' % (TOKEN_NAME, fx.user['user_id'])
        t.wait_for(lambda: any(t.description(n) == expected for n in t.find_all(window, None, 'Profile')), 30,
                   what='the profile %r chosen' % expected)
        assert_window_accessible(window, 'Sign in to internet banking')
        focus = t.focused(window)
        assert focus is not None and t.name(focus) == 'Profile', \
            'the first control (the profile) should have the focus, not %r' % (focus and t.name(focus))
        ok('the sign-in window lists the registered token by name, every control is named, '
           'the profile has the focus')

        # A wrong password.
        field = password_field(window)
        t.fill(field, WRONG)
        signin = t.find(window, 'push button', 'Sign In')
        t.click(signin)
        said = wait_description(field, r'^The password is wrong\. Type it again')
        assert t.char_count(field) == 0, 'the wrong password was left in the field'
        t.find(window, 'label', said.string)
        assert t.is_focused(field), 'the password field lost the focus'
        ok('a wrong password is refused, cleared, and said through the focused field: %r' % said.string)

        # The right one.
        t.fill(field, PASSWORD)
        t.click(signin)
        expected = 'Signed in as %s, Tanba Demo Bank.' % fx.user['user_id']
        wait_description(field, '^%s$' % re.escape(expected))
        t.find(window, 'label', expected)
        assert t.char_count(field) == 0, 'the password stayed in the field'
        ok('the right password signs in: %r shown and said' % expected)

        # Sign a document with the registered signing key.
        document = os.path.join(fx.dir, 'payment-order.txt')
        with open(document, 'w') as f:
            f.write('Pay 250 000 KZT to Tanba LLP.\n')
        process = fx.harness('sign', '--file', document, '--select', fx.serial)
        sign_window = t.frame(app_of(process, 'Sign a Document'), '^Sign a Document$')
        t.focus_window('^Sign a Document$')
        assert_window_accessible(sign_window, 'Sign a document')
        field = t.find(sign_window, 'password text', 'Token password')
        t.wait_for(lambda: any(t.description(n).startswith(TOKEN_NAME)
                               for n in t.find_all(sign_window, None, 'Token')), 30, what='the token chosen')
        t.fill(field, PASSWORD)
        t.click(t.find(sign_window, 'push button', 'Sign'))
        said = wait_description(field, r'^Signed\. The signature is saved to .*payment-order\.txt\.p7s\. '
                                r'Signed by %s, Tanba Demo Bank\.$' % re.escape(fx.user['user_id']))
        result = subprocess.run(['openssl', 'cms', '-verify', '-binary', '-inform', 'DER',
                                 '-in', document + '.p7s', '-content', document,
                                 '-CAfile', fx.demo['ca_certificate'], '-purpose', 'any', '-out', '/dev/null'],
                                capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        ok('a document is signed on the token (%r) and openssl cms -verify accepts it' % said.string)

        # Verify it, then a changed copy.
        process = fx.harness('verify', '--file', document)
        verify_window = t.frame(app_of(process, 'Verify a Signature'), '^Verify a Signature$')
        t.focus_window('^Verify a Signature$')
        assert_window_accessible(verify_window, 'Verify a signature')
        verify = t.find(verify_window, 'push button', 'Verify')
        t.click(verify)
        wait_description(verify, r'^The signature is valid: signed by %s' % re.escape(fx.user['user_id']))
        with open(document, 'a') as f:
            f.write('and 1 000 000 more.\n')
        t.click(verify)
        said = wait_description(verify, r'^The signature is NOT valid\. The file does not match')
        ok('the verify window says valid, then NOT valid for the changed file: %r' % said.string[:80])

        renew_in_control_panel(fx)
        expiry_notification(fx)
        revoked_certificate(fx)
        for name in sorted(os.listdir(fx.dir)):
            if name.startswith('app-') and name.endswith('.log'):
                with open(os.path.join(fx.dir, name), errors='replace') as f:
                    text = f.read()
                assert not re.search(r'CRITICAL|-WARNING', text), '%s:\n%s' % (name, text[-2000:])
    except Exception:
        print('not ok %d - %s' % (tap_count + 1, traceback.format_exc().replace('\n', '\n# ')), flush=True)
        for name in sorted(os.listdir(fx.dir)):
            if name.endswith('.log'):
                with open(os.path.join(fx.dir, name), errors='replace') as f:
                    print('# --- %s:\n# ' % name + f.read()[-2000:].replace('\n', '\n# '), flush=True)
        return 1
    finally:
        fx.close()
    return 0


def certificate_ids(fx):
    out = subprocess.run(['pkcs11-tool', '--module', SOFTHSM, '--list-objects', '--type', 'cert'],
                         env=fx.env, check=True, capture_output=True, text=True).stdout
    return sorted(re.findall(r'ID:\s+(\S+)', out))


def notification_server(fx):
    """Starts the test notification server once; the path of its record."""
    calls = os.path.join(fx.dir, 'notifications.jsonl')
    if not os.path.exists(calls):
        fx.start(['/usr/bin/python3', os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                   'signin_notify_server.py'), calls])
        t.wait_for(lambda: os.path.exists(calls) and 'ready' in open(calls).read(), 20,
                   what='the notification server')
    return calls


def notification_records(calls):
    with open(calls) as f:
        return [json.loads(line) for line in f if line.strip()]


def renew_in_control_panel(fx):
    """The real `tanba --control-panel`: the Certificates tab's Renew…,
    the token password in its dialog, tanba_renewal_run in a worker against
    the reference server (kur, new keys, bank registration). The addresses
    come from the settings (a keyfile GSettings backend)."""
    calls = notification_server(fx)
    config = os.path.join(fx.dir, 'config')
    os.makedirs(os.path.join(config, 'glib-2.0', 'settings'), exist_ok=True)
    base = fx.url if fx.url.endswith('/') else fx.url + '/'
    # expiry-warning-days at its maximum: the application warns of both
    # one-year certificates when it starts.
    with open(os.path.join(config, 'glib-2.0', 'settings', 'keyfile'), 'w') as f:
        f.write("[kz/tanba/Tanba]\nca-url='%spkix/'\nbank-url='%s'\ntrust-anchor='%s'\n"
                "expiry-warning-days=365\n" % (base, base, fx.demo['ca_certificate']))
    ids = {'tanba-expiry-%s-%s' % (fx.serial, which) for which in ('signing', 'authentication')}
    before = certificate_ids(fx)
    env = dict(fx.env, GSETTINGS_BACKEND='keyfile', XDG_CONFIG_HOME=config, TANBA_PKCS11_MODULE=SOFTHSM)
    fx.start([os.environ['TANBA_GUI'], '--control-panel', '--module', SOFTHSM], env=env)
    app = t.find_app('tanba')
    window = t.frame(app, '^Token Control Panel$', timeout=30)
    t.focus_window('^Token Control Panel$')
    t.find(window, 'page tab list').querySelection().selectChild(1)
    t.wait_for(lambda: t.has_state(t.find(window, 'page tab', 'Certificates'), pyatspi.STATE_SELECTED), 5,
               what='the Certificates tab')
    t.wait_for(lambda: {r.get('id') for r in notification_records(calls)
                        if r.get('app') == 'kz.tanba.Tanba'} >= ids, 30,
               what='the application\'s expiry notifications %s' % sorted(ids))
    renew = t.find(window, 'push button', 'Renew…', timeout=30)
    t.wait_for(lambda: renew.getState().contains(pyatspi.STATE_SENSITIVE), 30, what='Renew… enabled')
    t.click(renew)
    dialog = t.dialog(app, 'Renew the Certificates?')
    field = t.find(dialog, 'password text', 'Token password')
    t.fill(field, PASSWORD)
    t.key('Return')
    said = wait_description(renew, r'^The certificates were renewed: ', timeout=300)
    t.find(window, 'label', said.string)
    ok('Renew… in the control panel renews the certificates: %r' % said.string)
    t.wait_for(lambda: {r.get('removed') for r in notification_records(calls)
                        if r.get('app') == 'kz.tanba.Tanba'} >= ids, 30,
               what='the expiry notifications taken back')
    ok('the expiry notifications the application sent on start are taken back after the renewal')

    after = certificate_ids(fx)
    assert len(after) == 2 and not set(after) & set(before), 'certificates before %r, after %r' % (before, after)
    result = subprocess.run([CLI, '--module', SOFTHSM, '--token', fx.serial, 'signin', '--server', fx.url,
                             '--trust-anchor', fx.demo['ca_certificate']],
                            input=PASSWORD + '\n', env=fx.env, capture_output=True, text=True)
    assert result.returncode == 0 and 'Signed in as %s' % fx.user['user_id'] in result.stdout, result
    ok('two new certificates replaced the old ones on the token, and the bank signs in with them')


def expiry_notification(fx):
    """The expiry check (run once by the harness, as the application does
    on start) with expiry-warning-days at its maximum, 365: both one-year
    certificates are due. A test notification server takes the desktop
    notifications."""
    calls = notification_server(fx)
    config = os.path.join(fx.dir, 'config-expiry')
    os.makedirs(os.path.join(config, 'glib-2.0', 'settings'), exist_ok=True)
    with open(os.path.join(config, 'glib-2.0', 'settings', 'keyfile'), 'w') as f:
        f.write('[kz/tanba/Tanba]\nexpiry-warning-days=365\n')
    env = dict(fx.env, GSETTINGS_BACKEND='keyfile', XDG_CONFIG_HOME=config)
    result = subprocess.run([HARNESS, '--module', SOFTHSM, '--expiry-check'], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result
    warnings = re.findall(r'^warning: (.*)$', result.stdout, re.M)
    pattern = r'^The (signing|authentication) certificate on %s expires in 36[45] days\. Renew it\.$' % TOKEN_NAME
    assert len(warnings) == 2 and all(re.match(pattern, w) for w in warnings), result.stdout
    def notifications():
        return [r for r in notification_records(calls) if r.get('app') == 'kz.tanba.Tanba.SigninTest'
                and 'body' in r]
    sent = t.wait_for(lambda: len(notifications()) >= 2 and notifications(), 20, what='two notifications')
    bodies = sorted(n['body'] for n in sent)
    assert bodies == sorted(warnings), (bodies, warnings)
    assert all(n['summary'] == 'Certificate expires soon' and 'Renew' in n['actions'] for n in sent), sent
    ok('the expiry check sends a desktop notification per certificate due, with a Renew button: %r' % bodies[0])


def revoked_certificate(fx):
    """The bank revokes the authentication certificate (its database says
    so, as after a revocation request): sign-in says what happened and what
    to do."""
    fx.sql("UPDATE certificates SET status = 'revoked', revoked_at = strftime('%s', 'now'), "
           "revocation_reason = 1 WHERE profile = 'authentication' AND status = 'accepted'")
    # The first sign-in window goes; a new one comes.
    fx.processes[1].terminate()
    process = fx.harness('signin')
    window = t.frame(app_of(process, 'Sign In to Internet Banking'), '^Sign In to Internet Banking$')
    t.focus_window('^Sign In to Internet Banking$')
    t.wait_for(lambda: any(t.description(n).startswith(TOKEN_NAME) for n in t.find_all(window, None, 'Profile')),
               30, what='the profile chosen')
    field = password_field(window)
    t.fill(field, PASSWORD)
    t.click(t.find(window, 'push button', 'Sign In'))
    said = wait_description(field, r'^The certificate is revoked, replaced, expired, or its issue was never '
                                   r'confirmed\. Continue the registration or renew the certificate\.$')
    t.find(window, 'label', said.string)
    assert t.char_count(field) == 0
    ok('a revoked certificate: sign-in says %r' % said.string)


def app_of(process, title):
    """The harness instance @process (each window is its own process), once
    it shows a window titled @title."""
    def look():
        for app in pyatspi.Registry.getDesktop(0):
            try:
                if app is not None and app.get_process_id() == process.pid \
                   and any(t.name(child) == title for child in t.children(app)):
                    return app
            except Exception:
                pass
        return None
    return t.wait_for(look, 30, what='a window %r of process %d' % (title, process.pid))


if __name__ == '__main__':
    if os.environ.get('TANBA_E2E_INNER'):
        sys.exit(main())
    sys.exit(t.run_in_session(__file__))
