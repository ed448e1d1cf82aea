/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-control-panel-pin-dialog.h: a new PIN under the password policy, with
 * its confirmation and the live rule checklist: for changing the user PIN or
 * the administrator PIN, and for unblocking the user PIN (the administrator
 * sets a new one).
 *
 * "submit" is emitted only when every rule is met; otherwise the dialog says
 * which rule failed (visibly, and spoken through the focused field). The
 * window runs the operation and then closes the dialog or calls show_error(),
 * which clears both fields. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

typedef enum
{
  TANBA_CONTROL_PANEL_PIN_CHANGE_USER,
  TANBA_CONTROL_PANEL_PIN_CHANGE_ADMIN,
  TANBA_CONTROL_PANEL_PIN_UNBLOCK_USER,
} TanbaControlPanelPinMode;

#define TANBA_TYPE_CONTROL_PANEL_PIN_DIALOG (tanba_control_panel_pin_dialog_get_type ())
G_DECLARE_FINAL_TYPE (TanbaControlPanelPinDialog, tanba_control_panel_pin_dialog,
                      TANBA, CONTROL_PANEL_PIN_DIALOG, AdwWindow)

/* @max_len: the token's ulMaxPinLen (0: none). */
TanbaControlPanelPinDialog *tanba_control_panel_pin_dialog_new (GtkWindow               *parent,
                                                                TanbaControlPanelPinMode mode,
                                                                const char              *token_name,
                                                                gsize                    max_len);
TanbaControlPanelPinMode tanba_control_panel_pin_dialog_get_mode (TanbaControlPanelPinDialog *self);
/* A copy of the new PIN: free with tanba_control_panel_secret_free(). */
char    *tanba_control_panel_pin_dialog_dup_pin    (TanbaControlPanelPinDialog *self);
gboolean tanba_control_panel_pin_dialog_is_acceptable (TanbaControlPanelPinDialog *self);
void     tanba_control_panel_pin_dialog_set_busy   (TanbaControlPanelPinDialog *self,
                                                    gboolean                    busy);
void     tanba_control_panel_pin_dialog_show_error (TanbaControlPanelPinDialog *self,
                                                    const char                 *message);
/* The message on show now (NULL: none). */
const char *tanba_control_panel_pin_dialog_get_message (TanbaControlPanelPinDialog *self);

G_END_DECLS
