/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-control-panel-window.h: the token control panel window
 * (Administration / Certificates / Settings / About).
 *
 * Administration: the connected tokens (live, hot-plug), "Enter PIN…" as the
 * user or the administrator and "Log out", the token's information, unblocking
 * the user PIN, changing the PIN of the role logged in, the token's name and
 * formatting. An action that needs a role not logged in asks for it. While a
 * role is logged in the panel holds its PIN (the token layer takes the PIN with
 * each operation); it is wiped on logout, when the token goes away and when the
 * window closes.
 *
 * "Continue Registration" (formatting refused during an unfinished
 * registration) activates the application action "app.continue-registration"
 * with the token's serial number (type "s"). */
#pragma once

#include <adwaita.h>

#include "tanba-registration-marker.h"
#include "tanba-token-info.h"
#include "tanba-token.h"

G_BEGIN_DECLS

#define TANBA_TYPE_CONTROL_PANEL_WINDOW (tanba_control_panel_window_get_type ())
G_DECLARE_FINAL_TYPE (TanbaControlPanelWindow, tanba_control_panel_window,
                      TANBA, CONTROL_PANEL_WINDOW, AdwApplicationWindow)

/* Opens the PKCS#11 module of tanba_module_resolve_path(): the --module
 * option if the application set it as TANBA_PKCS11_MODULE (or as the
 * application's object data "tanba-module-path"), else the setting, else the
 * p11-kit proxy. */
GtkWindow *tanba_control_panel_window_new             (AdwApplication *app);
/* The same with an explicit module path (NULL: as above). */
GtkWindow *tanba_control_panel_window_new_for_module  (AdwApplication *app,
                                                       const char     *module_path);

/* Opened to renew @serial's certificates (the expiry notification's
 * "Renew"): the Certificates tab, that token chosen (now, or when it is
 * connected) and "Renew…" focused once its certificates are read. */
void       tanba_control_panel_window_show_renewal    (TanbaControlPanelWindow *self,
                                                       const char              *serial);

/* Words for the panel's information rows (also used by tests). */
char      *tanba_control_panel_pin_state_text         (const TanbaTokenInfo          *info,
                                                       TanbaRole                      role);
char      *tanba_control_panel_registration_text      (const TanbaRegistrationMarker *marker,
                                                       const char                    *error);
char      *tanba_control_panel_free_space_text        (const TanbaTokenInfo          *info);

/* For tests: the role logged in now, and the last result said. */
TanbaRole   tanba_control_panel_window_get_role       (TanbaControlPanelWindow *self);
const char *tanba_control_panel_window_get_result     (TanbaControlPanelWindow *self);

G_END_DECLS
