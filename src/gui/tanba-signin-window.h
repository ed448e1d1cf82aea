/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-signin-window.h: the sign-in window (the guide's last figure):
 * profile (a connected token whose registration is finished, by name; the
 * list follows tokens as they are connected and removed) and the token
 * password → TLS sign-in to the bank in a worker → "Signed in as NAME,
 * ORGANIZATION".
 *
 * Errors are shown under the password field and spoken through the
 * DESCRIPTION of the focused control (GTK 4.8 has no announce call); a wrong
 * password is cleared from the field, which keeps the focus. */
#pragma once

#include <adwaita.h>

#include "tanba-module.h"
#include "tanba-signin-profile.h"
#include "tanba-token-monitor.h"

G_BEGIN_DECLS

#define TANBA_TYPE_SIGNIN_WINDOW (tanba_signin_window_get_type ())
G_DECLARE_FINAL_TYPE (TanbaSigninWindow, tanba_signin_window, TANBA, SIGNIN_WINDOW, AdwApplicationWindow)

/* @app may be NULL (tests). @module NULL: @module_error says why (shown).
 * @monitor NULL: one is made for @module. @bank_url and @trust_anchor NULL:
 * the settings. @serial: the profile to select (the wizard's new one), or
 * NULL. */
GtkWindow  *tanba_signin_window_new (GtkApplication    *app,
                                     TanbaModule       *module,
                                     const char        *module_error,
                                     TanbaTokenMonitor *monitor,
                                     const char        *bank_url,
                                     const char        *trust_anchor,
                                     const char        *serial);

/* Selects the profile on the token @serial (now, or once it is seen). */
void        tanba_signin_window_select       (TanbaSigninWindow *self,
                                              const char        *serial);
/* For tests: the profiles listed (TanbaSigninProfile), the serial selected,
 * the last message (error or progress) and the sign-in result. */
GPtrArray  *tanba_signin_window_get_profiles (TanbaSigninWindow *self);
const char *tanba_signin_window_get_selected (TanbaSigninWindow *self);
const char *tanba_signin_window_get_message  (TanbaSigninWindow *self);
const char *tanba_signin_window_get_result   (TanbaSigninWindow *self);
gboolean    tanba_signin_window_is_busy      (TanbaSigninWindow *self);
/* Replaces the profiles as a scan would (tests). */
void        tanba_signin_window_set_profiles (TanbaSigninWindow *self,
                                              GPtrArray         *profiles);

G_END_DECLS
