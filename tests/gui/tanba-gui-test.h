/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-gui-test.h: helpers for GTK widget tests (run with GTK_A11Y=test
 * under Xvfb): finding widgets, waiting on the main loop, answering message
 * dialogs, and an accessibility sweep over a widget tree. */
#pragma once

#include <adwaita.h>

#include "tanba-wizard-page.h"

G_BEGIN_DECLS

/* gtk_init + adw_init + g_test_init; skips nothing: without a display it fails. */
void        tanba_gui_test_init            (int    *argc,
                                            char ***argv);

/* The first descendant of @root (itself included) of @type for which
 * @label_text is NULL or which shows @label_text (a GtkLabel's text, a
 * button's or check button's label, a GtkExpander's label). */
GtkWidget  *tanba_gui_test_find            (GtkWidget  *root,
                                            GType       type,
                                            const char *label_text);
/* The widget a GtkLabel showing @label_text is the mnemonic label of. */
GtkWidget  *tanba_gui_test_find_labelled   (GtkWidget  *root,
                                            const char *label_text);

/* Iterates the default main context until @done (a gboolean) is TRUE or
 * @timeout_ms passed; returns *@done. */
gboolean    tanba_gui_test_wait_flag       (gboolean   *done,
                                            guint       timeout_ms);
/* Iterates until an AdwMessageDialog is shown (or @timeout_ms); returns it. */
AdwMessageDialog *tanba_gui_test_wait_dialog (guint     timeout_ms);

/* Runs @page's apply and waits for it (up to @timeout_ms). With @answer, it
 * waits for the message dialog the apply shows, returns its heading and body
 * in @dialog_heading / @dialog_body (each may be NULL) and gives @answer as
 * the response. Returns the apply's result. */
gboolean    tanba_gui_test_apply_page      (TanbaWizardPage *page,
                                            const char      *answer,
                                            char           **dialog_heading,
                                            char           **dialog_body,
                                            guint            timeout_ms,
                                            GError         **error);

/* Types @text into an editable as a user would (through insert-text). */
void        tanba_gui_test_type            (GtkWidget  *editable,
                                            const char *text);

/* The accessibility sweep: every focusable widget under @root has a name
 * (LABEL, LABELLED_BY or a label of its own), no button or check button
 * keeps the raw mnemonic LABEL ("_Next"), and no name is a class name.
 * Fails the test with the offending widget's type otherwise. */
void        tanba_gui_test_assert_accessible (GtkWidget *root);

/* A GtkAccessible's name as GTK computes it for assistive technology is not
 * public in 4.8: this returns the LABEL property if set, else the text of
 * the LABELLED_BY widgets or of the widget's own label. */
char       *tanba_gui_test_dup_name        (GtkWidget  *widget);

G_END_DECLS
