/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-gui-util.h: small accessibility helpers shared by the GUI's widgets.
 *
 * GTK 4.8 facts behind them are in field-notes ("GTK 4.8 accessibility"):
 * a mnemonic button is named "_Next Next" unless its LABEL property is reset;
 * there is no announce call before 4.14, so errors and progress are spoken
 * through the DESCRIPTION of the focused widget. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* @label names @widget: LABELLED_BY, and @label's mnemonic widget. */
void tanba_gui_label_for         (GtkWidget  *label,
                                  GtkWidget  *widget);
/* @hint describes @widget: DESCRIBED_BY, and (a label) its text as the
 * DESCRIPTION, kept up to date, unless a message is spoken. */
void tanba_gui_described_by      (GtkWidget  *widget,
                                  GtkWidget  *hint);
/* Marks @widget REQUIRED. */
void tanba_gui_set_required      (GtkWidget  *widget,
                                  gboolean    required);
/* Sets the button's (or check button's) mnemonic label and drops the raw
 * LABEL property GTK 4.8 sets from it. */
void tanba_gui_button_set_label  (GtkWidget  *button,
                                  const char *mnemonic_label);
/* Fixes the name of a button built from a template with a mnemonic label:
 * a button's raw LABEL property is dropped (its label child names it), a
 * check button's LABEL is set to the label without the underscore. */
void tanba_gui_fix_mnemonic_name (GtkWidget  *button);
/* Fixes the names of every mnemonic button under @root (an AdwMessageDialog
 * builds its response buttons with mnemonics): call after adding them. */
void tanba_gui_fix_mnemonic_names (GtkWidget *root);
/* Sets the accessible name (LABEL property) of a widget that has no label. */
void tanba_gui_set_name          (GtkWidget  *widget,
                                  const char *name);
/* Sets the accessible description; NULL goes back to the hint's text. */
void tanba_gui_set_description   (GtkWidget  *widget,
                                  const char *description);
/* Speaks @message: on GTK ≥ 4.14 with gtk_accessible_announce(), on older
 * GTK through the DESCRIPTION of @focus (the widget that has or gets focus),
 * so a screen reader reads the change. @message NULL clears. */
void tanba_gui_speak             (GtkWidget  *focus,
                                  const char *message);
/* Shows @message in @label (hidden when NULL), styled as an error or not. */
void tanba_gui_show_message      (GtkWidget  *label,
                                  const char *message,
                                  gboolean    error);
/* Moves the keyboard focus to @widget (its text when it is an entry). */
void tanba_gui_focus             (GtkWidget  *widget);
/* Makes Alt+letter work for mnemonics outside Latin-1 (Russian, Kazakh) in
 * every window. GTK 4.8's GtkLabel takes the mnemonic's keyval from the raw
 * character ("_Я" gets 0x42f), which no keyboard sends (the key sends the
 * keysym Cyrillic_ya, 0x6d1), so such a mnemonic never fires by itself.
 * Call once, after gtk_init (). */
void tanba_gui_mnemonic_keys_init (void);

G_END_DECLS
