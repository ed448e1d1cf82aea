/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-control-panel-private.h: what the control panel's files share. */
#pragma once

/* The panel's templates in the GResource (ui/control-panel/). */
#define TANBA_CONTROL_PANEL_UI(file) "/kz/tanba/Tanba/ui/control-panel/" file

#include <gtk/gtk.h>

/* Drops the raw LABEL property GTK 4.8 gives every button with a mnemonic
 * label under @root (message dialogs' response buttons). */
void tanba_control_panel_fix_button_names (GtkWidget *root);

/* GTK 4.8 leaves the toggle button inside a GtkDropDown unnamed
 * ("GtkToggleButton"): labels it by @label and describes it with the item
 * chosen. Call again when the choice changes. */
void tanba_control_panel_name_drop_down (GtkWidget *drop_down,
                                         GtkWidget *label);

/* GTK 4.8 sends no focus event when a window becomes active, so Orca does
 * not read the control that has the focus (a dialog's first field, or the
 * button the focus returns to after a dialog, with the result in its
 * description). This moves the focus out and back each time @window
 * becomes active. */
void tanba_control_panel_refocus_on_activate (GtkWindow *window);

/* A dialog's message line: shows @message in @label (hidden when NULL), as
 * an error or not, and keeps a copy in *@store. */
void tanba_control_panel_dialog_set_message (char      **store,
                                             GtkWidget  *label,
                                             const char *message,
                                             gboolean    is_error);

/* A dialog at work: its spinner turns and its OK button waits. */
void tanba_control_panel_dialog_set_busy (GtkWidget *spinner,
                                          GtkWidget *ok_button,
                                          gboolean   busy);
