#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A desktop notification server for tests: owns org.gtk.Notifications (what
GNOME Shell serves, and what GLib prefers) and org.freedesktop.Notifications
on the session bus, and appends each notification added, and each one taken
back, as one JSON line to the file named on the command line. Used by
signin_e2e.py to see the expiry warnings Tanba sends through GNotification
and takes back after a renewal."""

import json
import sys

import gi
gi.require_version('Gio', '2.0')
from gi.repository import Gio, GLib  # noqa: E402

XML = '''
<node>
  <interface name="org.freedesktop.Notifications">
    <method name="Notify">
      <arg type="s" direction="in"/><arg type="u" direction="in"/><arg type="s" direction="in"/>
      <arg type="s" direction="in"/><arg type="s" direction="in"/><arg type="as" direction="in"/>
      <arg type="a{sv}" direction="in"/><arg type="i" direction="in"/><arg type="u" direction="out"/>
    </method>
    <method name="CloseNotification"><arg type="u" direction="in"/></method>
    <method name="GetCapabilities"><arg type="as" direction="out"/></method>
    <method name="GetServerInformation">
      <arg type="s" direction="out"/><arg type="s" direction="out"/>
      <arg type="s" direction="out"/><arg type="s" direction="out"/>
    </method>
    <signal name="ActionInvoked"><arg type="u"/><arg type="s"/></signal>
    <signal name="NotificationClosed"><arg type="u"/><arg type="u"/></signal>
  </interface>
</node>
'''

GTK_XML = '''
<node>
  <interface name="org.gtk.Notifications">
    <method name="AddNotification">
      <arg type="s" direction="in"/><arg type="s" direction="in"/><arg type="a{sv}" direction="in"/>
    </method>
    <method name="RemoveNotification">
      <arg type="s" direction="in"/><arg type="s" direction="in"/>
    </method>
  </interface>
</node>
'''

out_path = sys.argv[1]
counter = [0]


def on_call(connection, sender, path, interface, method, params, invocation):
    if method == 'Notify':
        app, replaces, icon, summary, body, actions, hints, timeout = params.unpack()
        counter[0] += 1
        with open(out_path, 'a') as f:
            f.write(json.dumps({'app': app, 'summary': summary, 'body': body, 'actions': actions}) + '\n')
        invocation.return_value(GLib.Variant('(u)', (counter[0],)))
    elif method == 'GetCapabilities':
        invocation.return_value(GLib.Variant('(as)', (['actions', 'body'],)))
    elif method == 'GetServerInformation':
        invocation.return_value(GLib.Variant('(ssss)', ('test', 'tanba', '1', '1.2')))
    else:
        invocation.return_value(None)


def write(record):
    with open(out_path, 'a') as f:
        f.write(json.dumps(record) + '\n')


def on_gtk_call(connection, sender, path, interface, method, params, invocation):
    if method == 'AddNotification':
        app, id_, notification = params.unpack()
        write({'app': app, 'id': id_, 'summary': notification.get('title', ''),
               'body': notification.get('body', ''),
               'actions': [button.get('label', '') for button in notification.get('buttons', [])]})
    elif method == 'RemoveNotification':
        app, id_ = params.unpack()
        write({'app': app, 'removed': id_})
    invocation.return_value(None)


def on_gtk_bus(connection, name):
    info = Gio.DBusNodeInfo.new_for_xml(GTK_XML)
    connection.register_object('/org/gtk/Notifications', info.interfaces[0], on_gtk_call, None, None)


def on_bus(connection, name):
    info = Gio.DBusNodeInfo.new_for_xml(XML)
    connection.register_object('/org/freedesktop/Notifications', info.interfaces[0], on_call, None, None)


def on_name(connection, name):
    with open(out_path, 'a') as f:
        f.write('{"ready": true}\n')


Gio.bus_own_name(Gio.BusType.SESSION, 'org.gtk.Notifications', Gio.BusNameOwnerFlags.NONE,
                 on_gtk_bus, None, None)
Gio.bus_own_name(Gio.BusType.SESSION, 'org.freedesktop.Notifications', Gio.BusNameOwnerFlags.NONE,
                 on_bus, on_name, None)
GLib.MainLoop().run()
