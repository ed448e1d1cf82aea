/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-control-panel-format-dialog.h: the two message dialogs of formatting:
 * the explicit confirmation that names what will be destroyed (the "format"
 * response stays disabled until the user ticks that they understand), and the
 * refusal while a registration is unfinished, with the reason and a "continue"
 * response (Continue Registration). */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define TANBA_FORMAT_RESPONSE_CANCEL   "cancel"
#define TANBA_FORMAT_RESPONSE_FORMAT   "format"
#define TANBA_FORMAT_RESPONSE_CLOSE    "close"
#define TANBA_FORMAT_RESPONSE_CONTINUE "continue"

/* @n_certificates: how many certificates the token holds now (-1: not known). */
AdwMessageDialog *tanba_control_panel_format_dialog_new  (GtkWindow  *parent,
                                                          const char *token_name,
                                                          const char *serial,
                                                          int         n_certificates);
/* The "I understand" check button of a format dialog. */
GtkWidget        *tanba_control_panel_format_dialog_get_check (AdwMessageDialog *dialog);

/* @reason: why (the token layer's message); @user_id: whose registration it is, or NULL. */
AdwMessageDialog *tanba_control_panel_format_refused_dialog_new (GtkWindow  *parent,
                                                                 const char *reason,
                                                                 const char *user_id);

G_END_DECLS
