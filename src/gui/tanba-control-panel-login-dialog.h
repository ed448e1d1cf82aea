/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-control-panel-login-dialog.h: "Enter PIN…": log in to a token as the
 * user or the administrator.
 *
 * The token's retry flags (few tries left, last try, locked) are shown for the
 * chosen role before anything is typed. The dialog only collects the role and
 * the PIN: the window runs the login (off the main thread) on "submit" and
 * then either closes the dialog or calls show_error(), which clears the PIN
 * field (it is never re-focused with the wrong PIN selected) and speaks the
 * error. */
#pragma once

#include <adwaita.h>

#include "tanba-token.h"

G_BEGIN_DECLS

#define TANBA_TYPE_CONTROL_PANEL_LOGIN_DIALOG (tanba_control_panel_login_dialog_get_type ())
G_DECLARE_FINAL_TYPE (TanbaControlPanelLoginDialog, tanba_control_panel_login_dialog,
                      TANBA, CONTROL_PANEL_LOGIN_DIALOG, AdwWindow)

TanbaControlPanelLoginDialog *tanba_control_panel_login_dialog_new (GtkWindow            *parent,
                                                                    const char           *token_name,
                                                                    const TanbaTokenInfo *info,
                                                                    TanbaRole             role);
/* The token's flags changed (after a wrong PIN, or from the monitor). */
void        tanba_control_panel_login_dialog_set_info   (TanbaControlPanelLoginDialog *self,
                                                         const TanbaTokenInfo         *info);
TanbaRole   tanba_control_panel_login_dialog_get_role   (TanbaControlPanelLoginDialog *self);
/* A copy of the PIN typed: free with tanba_control_panel_secret_free(). */
char       *tanba_control_panel_login_dialog_dup_pin    (TanbaControlPanelLoginDialog *self);
void        tanba_control_panel_login_dialog_set_busy   (TanbaControlPanelLoginDialog *self,
                                                         gboolean                      busy);
void        tanba_control_panel_login_dialog_show_error (TanbaControlPanelLoginDialog *self,
                                                         const char                   *message);
/* Why the login is asked for ("Unblocking needs the administrator PIN."). */
void        tanba_control_panel_login_dialog_set_reason (TanbaControlPanelLoginDialog *self,
                                                         const char                   *reason);
/* What the dialog says about the chosen role's tries now (NULL: nothing to say). */
const char *tanba_control_panel_login_dialog_get_status (TanbaControlPanelLoginDialog *self);

/* The words for @role's retry flags in @info: NULL when the token flags
 * nothing. @locked (optional) says whether the PIN is locked. */
char       *tanba_control_panel_pin_status_text (const TanbaTokenInfo *info,
                                                 TanbaRole             role,
                                                 gboolean             *locked);

G_END_DECLS
