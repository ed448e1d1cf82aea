#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Takes the screenshots in data/screenshots/ (README and AppStream).

Not a test. The real `tanba` of a build tree is driven over AT-SPI (the
helpers of tests/gui/tanba_atspi.py) through a registration against the
reference server, with a SoftHSM token in factory state, under Xvfb and a
private session bus; each window is captured from the X server (XGetImage)
and written as PNG (zlib, then optipng -o7 where installed).

  data/screenshots/take-screenshots.py BUILD-DIR OUT-DIR [en] [ru]

Shots, one per wizard page and the control panel:
  wizard-1-connect      the new token found
  wizard-2-password     the token's password typed in
  wizard-3-welcome      what the registration needs
  wizard-4-data         the registration data filled in
  wizard-4-data-error   a wrong OTP PIN: error 0200040
  wizard-5-personalize  the password rules' checklist, half met
  wizard-6-confirm      the data to confirm
  wizard-7-progress     the registration running (the reference server's
                        "stall" test fault holds the first certificate
                        request a while)
  wizard-8-done         the profile is ready
  control-panel         the registered token
in English (C.UTF-8, no suffix) and in Russian (ru_RU.UTF-8, suffix -ru:
wizard-1-connect-ru.png; the build tree's translations, TANBA_LOCALEDIR).
Without a language argument, both. Needs: xvfb-run, dbus-run-session,
xdotool, python3-pyatspi, softhsm2, the locale ru_RU.UTF-8 for Russian.
"""

import ctypes
import gettext
import json
import locale
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(SOURCE, 'tests', 'gui'))

SOFTHSM = '/usr/lib/softhsm/libsofthsm2.so'
NEW_PASSWORD = 'Tanba2026x'
TOKEN_NAME = 'Director-1'
# How long the first certificate request is held (the progress page).
STALL_SECONDS = 10
# The control panel's size in the shot (larger than its contents need).
CONTROL_PANEL_SIZE = (800, 910)


# --- capture ---------------------------------------------------------------

class XImage(ctypes.Structure):
    _fields_ = [('width', ctypes.c_int), ('height', ctypes.c_int), ('xoffset', ctypes.c_int),
                ('format', ctypes.c_int), ('data', ctypes.c_void_p), ('byte_order', ctypes.c_int),
                ('bitmap_unit', ctypes.c_int), ('bitmap_bit_order', ctypes.c_int),
                ('bitmap_pad', ctypes.c_int), ('depth', ctypes.c_int),
                ('bytes_per_line', ctypes.c_int), ('bits_per_pixel', ctypes.c_int),
                ('red_mask', ctypes.c_ulong), ('green_mask', ctypes.c_ulong),
                ('blue_mask', ctypes.c_ulong)]


class XWindowAttributes(ctypes.Structure):
    _fields_ = [('x', ctypes.c_int), ('y', ctypes.c_int), ('width', ctypes.c_int),
                ('height', ctypes.c_int), ('border_width', ctypes.c_int), ('depth', ctypes.c_int),
                ('pad', ctypes.c_char * 256)]


def capture(window_id):
    """(width, height, RGB bytes) of an X window (24-bit TrueColor, 32 bpp)."""
    x = ctypes.cdll.LoadLibrary('libX11.so.6')
    x.XOpenDisplay.restype = ctypes.c_void_p
    x.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x.XGetWindowAttributes.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.POINTER(XWindowAttributes)]
    x.XGetImage.restype = ctypes.POINTER(XImage)
    x.XGetImage.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_int,
                            ctypes.c_uint, ctypes.c_uint, ctypes.c_ulong, ctypes.c_int]
    x.XFree.argtypes = [ctypes.c_void_p]
    x.XCloseDisplay.argtypes = [ctypes.c_void_p]
    display = x.XOpenDisplay(None)
    attributes = XWindowAttributes()
    x.XGetWindowAttributes(display, window_id, ctypes.byref(attributes))
    w, h = attributes.width, attributes.height
    image = x.XGetImage(display, window_id, 0, 0, w, h, 0xFFFFFFFF, 2)  # ZPixmap
    if not image:
        raise RuntimeError('XGetImage failed on window %d' % window_id)
    img = image.contents
    if img.bits_per_pixel != 32 or img.red_mask != 0xFF0000:
        raise RuntimeError('unexpected visual: %d bpp, red mask %x' % (img.bits_per_pixel, img.red_mask))
    raw = ctypes.string_at(img.data, img.bytes_per_line * h)
    stride = img.bytes_per_line
    x.XFree(ctypes.cast(img.data, ctypes.c_void_p))
    x.XFree(ctypes.cast(image, ctypes.c_void_p))
    x.XCloseDisplay(display)
    rgb = bytearray(w * h * 3)
    for row in range(h):
        line = raw[row * stride: row * stride + w * 4]  # B G R X, little endian
        out = rgb[row * w * 3: (row + 1) * w * 3]
        out[0::3] = line[2::4]
        out[1::3] = line[1::4]
        out[2::3] = line[0::4]
        rgb[row * w * 3: (row + 1) * w * 3] = out
    return w, h, bytes(rgb)


def write_png(path, w, h, rgb):
    def chunk(kind, data):
        body = kind + data
        return struct.pack('>I', len(data)) + body + struct.pack('>I', zlib.crc32(body) & 0xffffffff)
    stride = w * 3
    # Filter "Up" on every row but the first: flat UI areas become zeros.
    rows = [b'\x00' + rgb[0:stride]]
    for r in range(1, h):
        cur = rgb[r * stride:(r + 1) * stride]
        prev = rgb[(r - 1) * stride:r * stride]
        rows.append(b'\x02' + bytes((a - b) & 0xff for a, b in zip(cur, prev)))
    data = zlib.compress(b''.join(rows), 9)
    with open(path, 'wb') as f:
        f.write(b'\x89PNG\r\n\x1a\n')
        f.write(chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0)))
        f.write(chunk(b'IDAT', data))
        f.write(chunk(b'IEND', b''))
    if shutil.which('optipng'):
        subprocess.run(['optipng', '-quiet', '-o7', '-strip', 'all', path], check=True)
    print('# %s: %dx%d, %d bytes' % (os.path.basename(path), w, h, os.path.getsize(path)), flush=True)


def shoot(title_regex, out_dir, name):
    time.sleep(0.8)  # animations (page transitions, focus rings) settle
    ids = subprocess.run(['xdotool', 'search', '--onlyvisible', '--name', title_regex],
                         capture_output=True, text=True).stdout.split()
    if not ids:
        raise RuntimeError('no window titled %r' % title_regex)
    w, h, rgb = capture(int(ids[-1]))
    write_png(os.path.join(out_dir, name + '.png'), w, h, rgb)


# --- the texts of a language ----------------------------------------------

# The languages shot: the locale each runs in, and the file name suffix.
LANGUAGES = {'en': ('C.UTF-8', ''), 'ru': ('ru_RU.UTF-8', '-ru')}


def unmnemonic(text):
    return re.sub(r'_(.)', r'\1', text)


class Texts:
    """The program's texts in one language, from the build tree's message
    catalog (po/LANG/LC_MESSAGES/tanba.mo): what AT-SPI names and window
    titles say there. A string the catalog does not translate stops the
    run: a screenshot would show English in a translated window."""

    def __init__(self, lang, localedir):
        self.lang = lang
        self.by_text = {}
        if lang == 'en':
            self.catalog = gettext.NullTranslations()
            return
        try:
            self.catalog = gettext.translation('tanba', localedir, languages=[lang])
        except OSError:
            raise RuntimeError('no %s/%s/LC_MESSAGES/tanba.mo: build the translations first' % (localedir, lang))
        for msgid in self.catalog._catalog:
            if isinstance(msgid, str) and msgid:
                self.by_text.setdefault(unmnemonic(msgid), msgid)

    def fmt(self, msgid):
        """The translation of @msgid as it is in the source (a format)."""
        text = self.catalog.gettext(msgid)
        if self.lang != 'en' and not self.catalog._catalog.get(msgid):
            raise RuntimeError('%r has no %s translation' % (msgid, self.lang))
        return text

    def __call__(self, english):
        """The translation of a text as shown (and named on AT-SPI), its
        mnemonic underscore left out: "Next" for "_Next"."""
        if self.lang == 'en':
            return english
        msgid = self.by_text.get(english)
        if msgid is None:
            raise RuntimeError('%r is in no msgid of the %s catalog' % (english, self.lang))
        return unmnemonic(self.fmt(msgid))

    def window(self, step):
        """A pattern for the wizard window's title at @step (Python's and
        xdotool's regular expressions alike)."""
        title = self.fmt('Step %d of %d — %s')
        return '^' + re.escape(title[:title.index('%s')] % (step, 8))


# --- the run ---------------------------------------------------------------

def run_language(build, out_dir, lang):
    import tanba_atspi as t
    import pyatspi

    locale_name, suffix = LANGUAGES[lang]
    _ = Texts(lang, os.path.join(build, 'po'))
    tanba = os.path.join(build, 'src', 'gui', 'tanba')
    refserver = os.path.join(build, 'src', 'server', 'tanba-refserver')
    tmp = tempfile.mkdtemp(prefix='tanba-shots-%s-' % lang)
    procs = []
    usb = None
    try:
        conf = t.softhsm_conf(tmp)
        env = dict(os.environ, SOFTHSM2_CONF=conf, LANG=locale_name, LC_ALL=locale_name, GDK_BACKEND='x11',
                   GSK_RENDERER='cairo', GSETTINGS_BACKEND='memory',
                   GSETTINGS_SCHEMA_DIR=os.path.join(build, 'data'),
                   XDG_STATE_HOME=os.path.join(tmp, 'state'),
                   XDG_CONFIG_HOME=os.path.join(tmp, 'config'), GTK_A11Y='atspi')
        for var in ('LANGUAGE', 'NO_AT_BRIDGE', 'TANBA_LOCALEDIR'):
            env.pop(var, None)
        if lang != 'en':
            env.update(LANGUAGE=lang, TANBA_LOCALEDIR=os.path.join(build, 'po'))
        subprocess.run(['softhsm2-util', '--init-token', '--free', '--label', '',
                        '--so-pin', '87654321', '--pin', '12345678'],
                       env=env, check=True, stdout=subprocess.DEVNULL)
        data = os.path.join(tmp, 'server')
        out = subprocess.run([refserver, '--init-demo', data, '--json'],
                             check=True, capture_output=True, text=True).stdout
        demo = json.loads(out.strip().splitlines()[-1])
        user = demo['users'][0]
        # The key file where the screenshot shows its whole (short) path.
        usb = tempfile.mkdtemp(prefix='usb-')
        key_file = os.path.join(usb, 'Key.pfx')
        shutil.copyfile(user['key_file'], key_file)
        # The first certificate request is answered after a while, which
        # holds the progress page on the screen (SoftHSM makes keys in a
        # blink): the reference server's test fault switch "stall".
        faults = {'faults': [{'kind': 'stall', 'message': 'ir', 'count': 1, 'seconds': STALL_SECONDS}]}
        server = subprocess.Popen([refserver, '--data', data, '--listen', '127.0.0.1:0', '--test-faults'],
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                  env=dict(os.environ, TANBA_REFSERVER_FAULTS=json.dumps(faults)))
        procs.append(server)
        url = server.stdout.readline().strip()
        log = open(os.path.join(tmp, 'tanba.log'), 'w')
        app_proc = subprocess.Popen([tanba, '--module', SOFTHSM, '--server', url,
                                     '--trust-anchor', demo['ca_certificate']],
                                    env=env, stdout=log, stderr=subprocess.STDOUT)
        procs.append(app_proc)
        app = t.find_app('tanba')
        # Taller than the default, so that the password checklist fits.
        t.xdotool('windowsize', '--sync', t.focus_window(_.window(1)), '640', '720')

        def shot(step, name):
            shoot(_.window(step), out_dir, 'wizard-%d-%s%s' % (step, name, suffix))

        def page(step, heading):
            w = t.frame(app, _.window(step), timeout=60)
            t.find(w, None, _(heading), timeout=20)
            return w

        def unselect(w):
            """A selectable text that has the focus selects all of itself
            (the first control of pages 3 and 6): Left leaves a caret at its
            start instead, as it would in a text field."""
            focus = t.wait_for(lambda: t.focused(w), 10, what='the focus on the page')
            if t.role(focus) == 'label':
                t.key('Left')

        def next_button(w):
            button = t.find(w, 'push button', _('Next'))
            t.wait_for(lambda: button.getState().contains(pyatspi.STATE_SENSITIVE), 10)
            return button

        # 1. The new token is found; the check box ticked.
        w = page(1, 'Connect your token')
        empty = _.fmt('%s %s — empty, new token').split('%s')[-1].strip(' —')
        t.find(w, 'list item', match=re.escape(empty), timeout=10)
        t.click(t.find(w, 'check box', _('I have connected my token')))
        shot(1, 'connect')
        t.click(next_button(w))

        # 2. The token's password typed in.
        w = page(2, 'Token password')
        t.fill(t.find(w, 'password text', _('Password of the token:')), '12345678')
        shot(2, 'password')
        t.key('Return')
        d = t.dialog(app, _('Create a new profile?'))
        t.click(t.find(d, 'push button', _('Create a new profile')))

        # 3. Welcome.
        t.focus_window(_.window(3))
        w = page(3, 'Welcome to profile creation')
        unselect(w)
        t.grab_focus(next_button(w))
        shot(3, 'welcome')
        t.key('Return')

        # 4. Registration data: filled in, then the error of a wrong OTP PIN.
        w = page(4, 'Registration data')
        t.fill(t.find(w, 'text', _('User ID:')), user['user_id'])
        pin = t.find(w, 'password text', _('OTP PIN:'))
        t.fill(pin, 'ZZZZZZZZZZ2')
        t.fill(t.find(w, 'text', _('Key file:')), key_file)
        shot(4, 'data')
        t.click(next_button(w))
        t.find(w, 'label', _.fmt('Error %s: invalid password or key container.') % '0200040', timeout=30)
        shot(4, 'data-error')
        t.fill(pin, user['otp_pin'])
        t.click(next_button(w))

        # 5. Personalization: the password rules' checklist, half met.
        w = page(5, 'Token personalization')
        t.fill(t.find(w, 'text', _('Token name (optional):')), TOKEN_NAME)
        password = t.find(w, 'password text', _('New password:'))
        t.fill(password, 'Tanba123')
        shot(5, 'personalize')
        t.fill(password, NEW_PASSWORD)
        t.fill(t.find(w, 'password text', _('Confirmation:')), NEW_PASSWORD)
        t.key('Return')

        # 6. Confirmation, ticked.
        w = page(6, 'Confirm the data')
        unselect(w)
        t.click(t.find(w, 'check box', _('I confirm the data')))
        shot(6, 'confirm')
        t.click(next_button(w))

        # 7. Progress, while the signing certificate is being requested
        # (the stalled ir).
        w = page(7, 'Creating the profile')
        running = _.fmt('%s: %s') % (_('Request the signing certificate'), _('in progress'))
        t.find(w, None, running, timeout=60)
        shot(7, 'progress')

        # 8. Done.
        t.wait_for(lambda: [c for c in t.children(app) if re.search(_.window(8), t.name(c))],
                   330, interval=0.3, what='the registration to finish')
        w = page(8, 'The profile is ready')
        window = t.focus_window(_.window(8))
        # The summary is a selectable label that selects all of itself when
        # it takes the focus: a click in it leaves a caret instead, then the
        # focus goes to Finish.
        t.xdotool('mousemove', '--window', window, '80', '122', 'click', '1')
        t.grab_focus(t.find(w, 'push button', _('Finish')))
        t.xdotool('mousemove', '--window', window, '600', '700')
        shot(8, 'done')
        app_proc.terminate()
        app_proc.wait(20)

        # The control panel with the registered token.
        app_proc = subprocess.Popen([tanba, '--module', SOFTHSM, '--control-panel'],
                                    env=env, stdout=log, stderr=subprocess.STDOUT)
        procs.append(app_proc)
        app = t.find_app('tanba')
        title = '^%s$' % re.escape(_('Token Control Panel'))
        w = t.frame(app, title, timeout=30)
        t.find(w, None, match=re.escape(TOKEN_NAME), timeout=20)
        window = t.focus_window(title)
        # Larger than the default, so that the administration tab is seen
        # whole (the Russian texts take more room), and the same size in
        # every language and run (the metainfo gives it).
        t.xdotool('windowsize', '--sync', window, *(str(n) for n in CONTROL_PANEL_SIZE))
        shoot(title, out_dir, 'control-panel' + suffix)
        app_proc.terminate()
        app_proc.wait(20)
        return 0
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
        shutil.rmtree(tmp, ignore_errors=True)
        if usb:
            shutil.rmtree(usb, ignore_errors=True)


def inner(build, out_dir, languages):
    for lang in languages:
        print('# %s (%s)' % (lang, LANGUAGES[lang][0]), flush=True)
        run_language(build, out_dir, lang)
    return 0


def check_locale(name):
    """None if the locale @name exists, else what to do about it."""
    try:
        locale.setlocale(locale.LC_ALL, name)
    except locale.Error:
        return ('the locale %s is missing (locale -a): install the Debian package locales, then '
                "sed -i 's/^# *%s/%s/' /etc/locale.gen && locale-gen (as root)" % (name, name, name))
    finally:
        locale.setlocale(locale.LC_ALL, 'C.UTF-8')
    return None


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == '--inner':
        return inner(sys.argv[2], sys.argv[3], sys.argv[4:])
    args = sys.argv[1:]
    if len(args) < 2 or any(a not in LANGUAGES for a in args[2:]):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    build, out_dir = (os.path.abspath(a) for a in args[:2])
    languages = args[2:] or list(LANGUAGES)
    for lang in languages:
        problem = check_locale(LANGUAGES[lang][0])
        if problem:
            print(problem, file=sys.stderr)
            return 1
    os.makedirs(out_dir, exist_ok=True)
    runtime = tempfile.mkdtemp(prefix='tanba-shots-session-')
    env = dict(os.environ, XDG_RUNTIME_DIR=runtime)
    try:
        return subprocess.run(['dbus-run-session', '--', 'xvfb-run', '-a', '-s', '-screen 0 1280x1024x24',
                               sys.executable, os.path.abspath(__file__), '--inner', build, out_dir]
                              + languages, env=env).returncode
    finally:
        shutil.rmtree(runtime, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
