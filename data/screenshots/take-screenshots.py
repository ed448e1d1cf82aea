#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Takes the screenshots in data/screenshots/ (README and AppStream).

Not a test. The real `tanba` of a build tree is driven over AT-SPI (the
helpers of tests/gui/tanba_atspi.py) through a registration against the
reference server, with a SoftHSM token in factory state, under Xvfb and a
private session bus; each window is captured from the X server (XGetImage)
and written as PNG (zlib, then optipng -o7 where installed).

  data/screenshots/take-screenshots.py BUILD-DIR OUT-DIR

Shots: wizard-connect (the new token found), wizard-data-error (a wrong OTP
PIN: error 0200040), wizard-personalize (the password rules' checklist, half
met), wizard-done, control-panel (the registered token). English (C.UTF-8).
Needs: xvfb-run, dbus-run-session, xdotool, python3-pyatspi, softhsm2.
"""

import ctypes
import json
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


def shoot(t, title_regex, out_dir, name):
    time.sleep(0.8)  # animations (page transitions, focus rings) settle
    ids = subprocess.run(['xdotool', 'search', '--onlyvisible', '--name', title_regex],
                         capture_output=True, text=True).stdout.split()
    if not ids:
        raise RuntimeError('no window titled %r' % title_regex)
    w, h, rgb = capture(int(ids[-1]))
    write_png(os.path.join(out_dir, name + '.png'), w, h, rgb)


# --- the run ---------------------------------------------------------------

def inner(build, out_dir):
    import tanba_atspi as t
    import pyatspi

    tanba = os.path.join(build, 'src', 'gui', 'tanba')
    refserver = os.path.join(build, 'src', 'server', 'tanba-refserver')
    tmp = tempfile.mkdtemp(prefix='tanba-shots-')
    procs = []
    usb = None
    try:
        tokens = os.path.join(tmp, 'tokens')
        os.mkdir(tokens)
        conf = os.path.join(tmp, 'softhsm2.conf')
        with open(conf, 'w') as f:
            f.write('directories.tokendir = %s\nobjectstore.backend = file\n'
                    'log.level = ERROR\nslots.removable = true\n' % tokens)
        env = dict(os.environ, SOFTHSM2_CONF=conf, LC_ALL='C.UTF-8', GDK_BACKEND='x11',
                   GSK_RENDERER='cairo', GSETTINGS_BACKEND='memory',
                   GSETTINGS_SCHEMA_DIR=os.path.join(build, 'data'),
                   XDG_STATE_HOME=os.path.join(tmp, 'state'),
                   XDG_CONFIG_HOME=os.path.join(tmp, 'config'), GTK_A11Y='atspi')
        for var in ('LANGUAGE', 'LANG', 'NO_AT_BRIDGE'):
            env.pop(var, None)
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
        server = subprocess.Popen([refserver, '--data', data, '--listen', '127.0.0.1:0'],
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        procs.append(server)
        url = server.stdout.readline().strip()
        log = open(os.path.join(tmp, 'tanba.log'), 'w')
        app_proc = subprocess.Popen([tanba, '--module', SOFTHSM, '--server', url,
                                     '--trust-anchor', demo['ca_certificate']],
                                    env=env, stdout=log, stderr=subprocess.STDOUT)
        procs.append(app_proc)
        app = t.find_app('tanba')
        # Taller than the default, so that the password checklist fits.
        t.xdotool('windowsize', '--sync', t.focus_window('^Step 1 of 8'), '640', '720')

        def page(step, heading):
            w = t.frame(app, '^Step %d of 8' % step, timeout=60)
            t.find(w, None, heading, timeout=20)
            return w

        def next_button(w):
            button = t.find(w, 'push button', 'Next')
            t.wait_for(lambda: button.getState().contains(pyatspi.STATE_SENSITIVE), 10)
            return button

        w = page(1, 'Connect your token')
        t.find(w, 'list item', match=r'empty, new token', timeout=10)
        t.click(t.find(w, 'check box', 'I have connected my token'))
        shoot(t, '^Step 1 of 8', out_dir, 'wizard-connect')
        t.click(next_button(w))

        w = page(2, 'Token password')
        t.fill(t.find(w, 'password text', 'Password of the token:'), '12345678')
        t.key('Return')
        d = t.dialog(app, 'Create a new profile?')
        t.click(t.find(d, 'push button', 'Create a new profile'))
        t.focus_window('^Step 3 of 8')
        page(3, 'Welcome to profile creation')
        t.key('Return')

        w = page(4, 'Registration data')
        t.fill(t.find(w, 'text', 'User ID:'), user['user_id'])
        pin = t.find(w, 'password text', 'OTP PIN:')
        t.fill(pin, 'ZZZZZZZZZZ2')
        t.fill(t.find(w, 'text', 'Key file:'), key_file)
        t.click(next_button(w))
        t.find(w, 'label', 'Error 0200040: invalid password or key container.', timeout=30)
        shoot(t, '^Step 4 of 8', out_dir, 'wizard-data-error')
        t.fill(pin, user['otp_pin'])
        t.click(next_button(w))

        w = page(5, 'Token personalization')
        t.fill(t.find(w, 'text', 'Token name (optional):'), TOKEN_NAME)
        password = t.find(w, 'password text', 'New password:')
        t.fill(password, 'Tanba123')
        shoot(t, '^Step 5 of 8', out_dir, 'wizard-personalize')
        t.fill(password, NEW_PASSWORD)
        t.fill(t.find(w, 'password text', 'Confirmation:'), NEW_PASSWORD)
        t.key('Return')

        w = page(6, 'Confirm the data')
        t.click(t.find(w, 'check box', 'I confirm the data'))
        t.click(next_button(w))
        t.wait_for(lambda: [c for c in t.children(app) if re.search('^Step 8 of 8', t.name(c))],
                   330, interval=0.3, what='the registration to finish')
        w = page(8, 'The profile is ready')
        window = t.focus_window('^Step 8 of 8')
        # The summary is a selectable label that selects all of itself when
        # it takes the focus: a click in it leaves a caret instead, then the
        # focus goes to Finish.
        t.xdotool('mousemove', '--window', window, '80', '122', 'click', '1')
        t.grab_focus(t.find(w, 'push button', 'Finish'))
        t.xdotool('mousemove', '--window', window, '600', '700')
        shoot(t, '^Step 8 of 8', out_dir, 'wizard-done')
        app_proc.terminate()
        app_proc.wait(20)

        # The control panel with the registered token.
        app_proc = subprocess.Popen([tanba, '--module', SOFTHSM, '--control-panel'],
                                    env=env, stdout=log, stderr=subprocess.STDOUT)
        procs.append(app_proc)
        app = t.find_app('tanba')
        w = t.frame(app, '^Token Control Panel$', timeout=30)
        t.find(w, None, match=re.escape(TOKEN_NAME), timeout=20)
        t.focus_window('^Token Control Panel$')
        shoot(t, '^Token Control Panel$', out_dir, 'control-panel')
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


def main():
    if len(sys.argv) == 4 and sys.argv[1] == '--inner':
        return inner(sys.argv[2], sys.argv[3])
    if len(sys.argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    build, out_dir = (os.path.abspath(a) for a in sys.argv[1:])
    os.makedirs(out_dir, exist_ok=True)
    runtime = tempfile.mkdtemp(prefix='tanba-shots-session-')
    env = dict(os.environ, XDG_RUNTIME_DIR=runtime)
    try:
        return subprocess.run(['dbus-run-session', '--', 'xvfb-run', '-a', '-s', '-screen 0 1280x1024x24',
                               sys.executable, os.path.abspath(__file__), '--inner', build, out_dir],
                              env=env).returncode
    finally:
        shutil.rmtree(runtime, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
