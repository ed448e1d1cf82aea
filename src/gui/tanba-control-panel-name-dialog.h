/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-control-panel-name-dialog.h: set the token's name under the name rules
 * (tanba_token_name_validate()). "submit" is emitted only for a valid name;
 * the window saves it off the main thread and closes the dialog or calls
 * show_error(). */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define TANBA_TYPE_CONTROL_PANEL_NAME_DIALOG (tanba_control_panel_name_dialog_get_type ())
G_DECLARE_FINAL_TYPE (TanbaControlPanelNameDialog, tanba_control_panel_name_dialog,
                      TANBA, CONTROL_PANEL_NAME_DIALOG, AdwWindow)

/* @current_name: the name to start from ("" or NULL: none). */
TanbaControlPanelNameDialog *tanba_control_panel_name_dialog_new (GtkWindow  *parent,
                                                                  const char *current_name);
const char *tanba_control_panel_name_dialog_get_name    (TanbaControlPanelNameDialog *self);
/* The name rule broken by the text typed now (NULL: valid). */
const char *tanba_control_panel_name_dialog_get_message (TanbaControlPanelNameDialog *self);
void        tanba_control_panel_name_dialog_set_busy    (TanbaControlPanelNameDialog *self,
                                                         gboolean                     busy);
void        tanba_control_panel_name_dialog_show_error  (TanbaControlPanelNameDialog *self,
                                                         const char                  *message);

G_END_DECLS
