#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Orca speech run of the whole registration wizard, keyboard only.

Orca 43 runs headless and speaks into a file (tanba_atspi.OrcaSpeech). The
wizard is driven with the keyboard only (xdotool, ~100 ms between keys):
Tab, Return, mnemonics; one wrong OTP PIN on the way. Then what Orca said is
checked: each page's heading, each field's name, the password rules with
their states, error 0200040, progress percentages and the final result. The
token is checked with pkcs11-tool afterwards (PIN through its environment).

Openbox manages the display as on a desktop (tanba_atspi.run_in_session
with window_manager=True): it focuses the dialog when it appears and gives
the focus back to the wizard when it closes; Orca then names the window
("Step 3 of 8 — Welcome") and the page. Once the program is on the
accessibility bus, the test switches away from the new wizard window and
back (tanba_atspi.reactivate_window says why): Orca names step 1's window and
page there. Each step's title and page heading is checked in what Orca said.

The same run in another language: --lang ru runs Orca, the wizard and
everything else under LANG=ru_RU.UTF-8 with the translations of the build
tree (TANBA_LOCALEDIR). What Orca must say, the window titles and the Alt+
letters pressed all come from the .mo file through Python's gettext, so the
expectations are the real translations; every string used must be translated
there.

Run by meson; it runs itself again inside dbus-run-session + xvfb-run. TAP.
Environment: TANBA_GUI, TANBA_REFSERVER, SOFTHSM2_MODULE, GSETTINGS_SCHEMA_DIR;
for --lang other than en, TANBA_LOCALEDIR (the build tree's po/).
"""

import argparse
import gettext
import json
import locale
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
# The languages this run knows: the locale it runs in.
LOCALES = {'en': 'C.UTF-8', 'ru': 'ru_RU.UTF-8'}
LANG = os.environ.get('TANBA_ORCA_LANG', 'en')

# Each step's title (in the window title) and its page's heading.
STEP_TITLES = ('Connect the token', 'Token password', 'Welcome', 'Registration data',
               'Token personalization', 'Confirmation', 'Creating the profile', 'Done')
STEP_HEADINGS = ('Connect your token', 'Token password', 'Welcome to profile creation', 'Registration data',
                 'Token personalization', 'Confirm the data', 'Creating the profile', 'The profile is ready')

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


class Texts:
    """The program's texts in the run's language, from its message catalog
    (the .mo file of the build tree) through gettext. For a translated run,
    a string that the catalog does not translate is a failure: the
    expectations must be the translations, never the English fallback."""

    def __init__(self, lang):
        self.lang = lang
        if lang == 'en':
            self.catalog = gettext.NullTranslations()
            orca = gettext.NullTranslations()
        else:
            localedir = os.environ.get('TANBA_LOCALEDIR')
            if not localedir:
                raise t.Failure('TANBA_LOCALEDIR is not set: it names the build tree\'s po/ directory')
            try:
                self.catalog = gettext.translation('tanba', localedir, languages=[lang])
            except OSError:
                raise t.Failure('no %s/%s/LC_MESSAGES/tanba.mo: build the translations first' % (localedir, lang))
            orca = gettext.translation('orca', languages=[lang], fallback=True)
        # Orca speaks its own messages in the session's language too.
        self.orca_ready = orca.gettext('Screen reader on.').rstrip('.')
        # A check box's state "checked" at the end of a line (not "not checked").
        self.orca_checked = r'(?m)^(?!.*%s\.?\s*$).*%s\.?\s*$' % (
            re.escape(orca.pgettext('checkbox', 'not checked')), re.escape(orca.pgettext('checkbox', 'checked')))

    def __call__(self, msgid):
        text = self.catalog.gettext(msgid)
        if self.lang != 'en' and text == msgid:
            raise t.Failure('%r has no %s translation in tanba.mo (a changed source string, or po/%s.po '
                            'incomplete)' % (msgid, self.lang, self.lang))
        return text

    def label(self, msgid):
        """A label as spoken: without its mnemonic underscore, and without
        a parenthesis ("Token name (optional):" is "Token name"). A field's
        label keeps its colon, which tells it from a heading with the same
        words ("Token password" and "Password of the token:" are one in
        Russian: "Пароль токена")."""
        text = re.sub(r'_(.)', r'\1', self(msgid))
        return re.split(r'\s*\(', text)[0].strip()

    def said(self, msgid):
        """A pattern for a whole text as spoken (a final full stop aside)."""
        return re.escape(self.label(msgid) if '_' in msgid else self(msgid).rstrip('.'))

    def printf(self, msgid, *patterns):
        """A pattern for a printf format: each conversion becomes the next of
        @patterns (regular expressions); a final full stop aside."""
        parts = re.split(r'%[ds]', self(msgid).rstrip('.'))
        assert len(parts) == len(patterns) + 1, (msgid, self(msgid))
        return ''.join(re.escape(part) + (patterns[i] if i < len(patterns) else '')
                       for i, part in enumerate(parts))

    def printf_plural(self, msgid, msgid_plural, pattern):
        """A pattern for a number's plural message: any of its forms (the
        numbers 1, 2, 5 reach every form in English, Russian and Kazakh),
        the %d replaced by @pattern; a final full stop aside."""
        forms = []
        for n in (1, 2, 5):
            text = self.catalog.ngettext(msgid, msgid_plural, n)
            if self.lang != 'en' and text in (msgid, msgid_plural):
                raise t.Failure('%r has no %s translation in tanba.mo' % (msgid, self.lang))
            parts = re.split(r'%d', text.rstrip('.'))
            assert len(parts) == 2, (msgid, text)
            form = re.escape(parts[0]) + pattern + re.escape(parts[1])
            if form not in forms:
                forms.append(form)
        return '(?:' + '|'.join(forms) + ')'

    def prefix(self, msgid):
        """The text of a format up to its first conversion, escaped."""
        return re.escape(re.split(r'%[ds]', self(msgid))[0])

    def mnemonic(self, msgid):
        """The xdotool key pressing the label's Alt+letter."""
        match = re.search(r'_(.)', self(msgid))
        if match is None:
            raise t.Failure('%r has no mnemonic in the %s translation %r' % (msgid, self.lang, self(msgid)))
        import gi
        gi.require_version('Gdk', '4.0')
        from gi.repository import Gdk
        return 'alt+' + Gdk.keyval_name(Gdk.unicode_to_keyval(ord(match.group(1).lower())))

    def window(self, step):
        """A pattern for the wizard window's title at @step."""
        title = self('Step %d of %d — %s')
        return '^' + re.escape(title[:title.index('%s')] % (step, 8))

    def window_title(self, step):
        """A pattern for the whole title of the wizard window at @step."""
        return re.escape(self('Step %d of %d — %s') % (step, 8, self(STEP_TITLES[step - 1])))


_ = None  # the Texts of the run, made in main()


def main():
    global _
    directory = tempfile.mkdtemp(prefix='tanba-wizard-orca-%s-' % LANG)
    server = None
    orca = None
    try:
        _ = Texts(LANG)
        ok('the %s texts: %s' % (LANG, 'the program\'s own' if LANG == 'en' else 'tanba.mo of the build tree'))
        softhsm_conf = t.softhsm_conf(directory)
        session = {'SOFTHSM2_CONF': softhsm_conf, 'GSETTINGS_BACKEND': 'memory',
                   'LANG': LOCALES[LANG], 'LC_ALL': LOCALES[LANG],
                   'XDG_STATE_HOME': os.path.join(directory, 'state')}
        if LANG != 'en':
            session['LANGUAGE'] = LANG
        orca = t.OrcaSpeech(directory, session, language=LANG)
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

        orca.start_orca(ready_text=_.orca_ready)
        time.sleep(2)
        orca.start([TANBA, '--module', SOFTHSM, '--server', url, '--trust-anchor', demo['ca_certificate']])
        app = t.find_app('tanba')
        # The user switches away and back to the new window (why:
        # t.reactivate_window): Orca names the window, the page and the
        # control with the focus.
        start = orca.mark()
        heard_first_title = False
        t.reactivate_window(_.window(1))
        try:
            orca.wait_said(_.window_title(1), start, timeout=15)
            heard_first_title = True
        except t.Failure:
            # Orca may learn of the new window from its first focus event
            # before its activation; it then takes the activation for that of
            # the window it has and names only the control (GTK 4.8 start-up
            # race, about 1 run in 8; its debug log says "Setting locusOfFocus
            # to existing locusOfFocus"). A user who hears only "I have
            # connected my token" moves out of the page and back (Shift+Tab
            # to the header bar, then Tab): Orca names the page on the way in.
            # The step's title is checked as the page's name below either way.
            print('# Orca did not name the window: out to the header bar and back', flush=True)
            window = t.frame(app, _.window(1))
            page = t.page_group(window, _('Connect your token'))
            for _i in range(20):
                slow_keys('shift+Tab')
                focus = t.focused(window)
                if focus is not None and page not in list(t.ancestors(focus)):
                    break
            slow_keys('Tab')
        orca.wait_said(_.said('Connect your token'), start)
        if heard_first_title:
            # The control with the focus (after the way back from the header
            # bar, the page's first control instead: the check box is pressed
            # by its mnemonic below in either case).
            orca.wait_said(_.said('_I have connected my token'), start)
        ok('Orca runs headless and speaks into a file')

        # Each wait looks only at what was said after the keys that cause it
        # (press() returns the mark): a field's name may have been said
        # before in a page's text ("ID пользователя" is in the welcome text).
        def press(*keys):
            mark = orca.mark()
            slow_keys(*keys)
            return mark

        # 1. The token list is live; the check box by its mnemonic, then Next (Alt+N).
        w = t.frame(app, _.window(1))
        t.find(w, 'list item', match=re.escape(_('%s %s — empty, new token').split('%s')[-1].strip(' —')))
        orca.wait_said(_.orca_checked, press(_.mnemonic('_I have connected my token')))

        # 2. The password field has the focus: type, Enter.
        orca.wait_said(_.said('_Password of the token:'), press(_.mnemonic('_Next')))
        slow_type('12345678')
        orca.wait_said(_.said('Create a new profile?'), press('Return'))
        # The dialog's default: Create a new profile. The window manager gives
        # the focus back to the wizard; Orca names it and reads the page.
        mark = press('Return')

        # 3. Welcome: the text is read; Enter.
        orca.wait_said(_.window_title(3), mark)
        orca.wait_said(_.said('Welcome to profile creation'), mark)

        # 4. Registration data, with a wrong OTP PIN first.
        orca.wait_said(_.said('_User ID:'), press('Return'))
        slow_type(user['user_id'])
        orca.wait_said(_.said('OTP _PIN:'), press('Tab'))
        slow_type('zzzzzzzzzz2')
        orca.wait_said(_.said('_Key file:'), press(_.mnemonic('_Key file:')))
        slow_type(user['key_file'])
        orca.wait_said(r'0200040', press('Return'), timeout=60)
        ok('error 0200040 is spoken')
        slow_type(user['otp_pin'].lower())

        # 5. Personalization: name, password, confirmation; the rules' states.
        rules = '(%s|%s)' % (_.said('All password rules are met.'), _.prefix('Not met: %s'))
        orca.wait_said(_.said('Token na_me (optional):'), press('Return'))
        slow_type(TOKEN_NAME)
        orca.wait_said(_.said('New _password:'), press('Tab'))
        mark = orca.mark()
        slow_type('abc')
        slow_keys('BackSpace', 'BackSpace', 'BackSpace')
        slow_type(NEW_PASSWORD)
        orca.wait_said(_.said('Con_firmation:'), press('Tab'))
        slow_type(NEW_PASSWORD)
        slow_keys('shift+Tab')
        orca.wait_said(rules, mark)

        # 6. Confirmation: the data is read; the check box by its mnemonic; Next.
        orca.wait_said(_.said('Confirm the data'), press('Return'))
        orca.wait_said(_.orca_checked, press(_.mnemonic('_I confirm the data')))
        mark = press(_.mnemonic('_Next'))

        # 7. Progress: spoken through the focused progress bar.
        percent = _.printf_plural('%d percent complete', '%d percent complete', r'\d+')
        orca.wait_said(_.said('Creating the profile'), mark)
        orca.wait_said(percent, mark, timeout=120)

        # 8. Done.
        result = _.prefix('Your profile for user %s is on the token %s:\n'
                          '• a signing key and its signing certificate;\n'
                          '• an authentication key and its authentication certificate;\n'
                          'both certificates are registered with the bank’s internet banking.\n'
                          '\n'
                          'Use the token and its new password to sign in and to sign payment orders. '
                          'Finish opens the sign-in window with this profile.')
        orca.wait_said(_.said('The profile is ready'), timeout=330)
        orca.wait_said(result)
        slow_keys('Return')

        said = orca.said()
        expected = [
            # Each step's title names its page (a GtkStackPage) where the
            # focus enters it; the whole window title is said where the
            # window is activated: step 3 after the dialog, and step 1 unless
            # the start-up race above kept Orca from naming the window.
            ('step titles', [r'(?m)^' + _.said(m) for m in STEP_TITLES]),
            ('window titles', ([_.window_title(1)] if heard_first_title else []) + [_.window_title(3)]),
            ('page headings', [_.said(m) for m in STEP_HEADINGS]),
            ('field names', [_.said(m) for m in ('_Password of the token:', '_User ID:', 'OTP _PIN:', '_Key file:',
                                                 'Token na_me (optional):', 'New _password:', 'Con_firmation:',
                                                 '_I confirm the data', '_I have connected my token')]),
            ('the error', [_.printf('Error %s: invalid password or key container.', '0200040')]),
            ('progress', [percent]),
            ('the result', [result + re.escape(user['user_id'])]),
        ]
        for what, patterns in expected:
            missing = [p for p in patterns if not re.search(p, said)]
            assert not missing, 'Orca did not say %s: %r' % (what, missing)
            ok('Orca said %s: %s' % (what, ' | '.join(re.search(p, said).group(0) for p in patterns)))
        # The progress in the order it was made: steps milliseconds apart
        # once reached Orca as a burst read out of order (82 before 70).
        during = said[re.search(_.said('Creating the profile'), said).end():]
        during = during[:re.search(_.said('The profile is ready'), during).start()]
        numbers = [int(next(g for g in m.groups() if g is not None)) for m in
                   re.finditer(_.printf_plural('%d percent complete', '%d percent complete', r'(\d+)'), during)]
        assert numbers and numbers == sorted(numbers), 'the progress was said out of order: %s' % numbers
        ok('Orca said the progress in order: %s percent' % ', '.join(map(str, numbers)))
        not_met = re.findall(_.prefix('Not met: %s') + r'[^\n]*', said)
        all_met = _.said('All password rules are met.')
        assert not_met and re.search(all_met, said), 'the password rules were not spoken'
        ok('the password rules were spoken: %r, then %r' % (not_met[0], re.search(all_met, said).group(0)))

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


def check_locale(lang):
    """None if the run's locale exists, else what to do about it."""
    try:
        locale.setlocale(locale.LC_ALL, LOCALES[lang])
    except locale.Error:
        return ('the locale %s is missing (locale -a): install the Debian package locales, then '
                "sed -i 's/^# *%s/%s/' /etc/locale.gen && locale-gen (as root; .ci/setup-debian does it)"
                % (LOCALES[lang], LOCALES[lang], LOCALES[lang]))
    finally:
        locale.setlocale(locale.LC_ALL, 'C.UTF-8')
    return None


if __name__ == '__main__':
    if os.environ.get('TANBA_E2E_INNER'):
        sys.exit(main())
    parser = argparse.ArgumentParser(description='The registration wizard spoken by Orca, keyboard only.')
    parser.add_argument('--lang', choices=sorted(LOCALES), default='en',
                        help='the language of the session (en: C.UTF-8, ru: ru_RU.UTF-8)')
    args = parser.parse_args()
    problem = check_locale(args.lang)
    if problem is not None:
        print('1..1\nnot ok 1 - %s' % problem, flush=True)
        sys.exit(1)
    sys.exit(t.run_in_session(__file__, {'TANBA_ORCA_LANG': args.lang}, window_manager=True))
