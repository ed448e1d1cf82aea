/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-wizard-page.h: the base class of the registration wizard's pages
 * (the GNOME Initial Setup pattern).
 *
 * A page says whether it is "complete" (Next can be pressed) and whether it
 * is "applying" (its apply runs; the window then blocks navigation). Next
 * calls the asynchronous apply; when it succeeds the window goes on to the
 * page that tanba_wizard_page_get_next() names (by default the following
 * one). Each page is an accessible GROUP labelled by its heading, and names
 * the widget that gets the focus when it is shown. */
#pragma once

#include <gtk/gtk.h>

#include "tanba-wizard-data.h"

G_BEGIN_DECLS

#define TANBA_TYPE_WIZARD_PAGE (tanba_wizard_page_get_type ())
G_DECLARE_DERIVABLE_TYPE (TanbaWizardPage, tanba_wizard_page, TANBA, WIZARD_PAGE, GtkWidget)

/* Where Next goes after a successful apply. */
#define TANBA_WIZARD_PAGE_NEXT_DEFAULT NULL

struct _TanbaWizardPageClass
{
  GtkWidgetClass parent_class;

  /* The page is about to be shown (data from earlier pages may have changed). */
  void     (*shown)        (TanbaWizardPage     *self);
  /* Next was pressed on a complete page. The default succeeds at once. */
  void     (*apply)        (TanbaWizardPage     *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data);
  gboolean (*apply_finish) (TanbaWizardPage     *self,
                            GAsyncResult        *result,
                            GError             **error);

  gpointer padding[8];
};

const char      *tanba_wizard_page_get_title       (TanbaWizardPage *self);
void             tanba_wizard_page_set_title       (TanbaWizardPage *self,
                                                    const char      *title);
gboolean         tanba_wizard_page_get_complete    (TanbaWizardPage *self);
void             tanba_wizard_page_set_complete    (TanbaWizardPage *self,
                                                    gboolean         complete);
gboolean         tanba_wizard_page_get_applying    (TanbaWizardPage *self);
void             tanba_wizard_page_set_applying    (TanbaWizardPage *self,
                                                    gboolean         applying);
/* Whether Back is offered from this page (default TRUE). */
gboolean         tanba_wizard_page_get_can_go_back (TanbaWizardPage *self);
void             tanba_wizard_page_set_can_go_back (TanbaWizardPage *self,
                                                    gboolean         can_go_back);

/* The heading names the page (GROUP, LABELLED_BY). */
void             tanba_wizard_page_set_heading     (TanbaWizardPage *self,
                                                    GtkWidget       *heading);
GtkWidget       *tanba_wizard_page_get_heading     (TanbaWizardPage *self);
/* The widget focused when the page is shown. */
GtkWidget       *tanba_wizard_page_get_first_focus (TanbaWizardPage *self);
void             tanba_wizard_page_set_first_focus (TanbaWizardPage *self,
                                                    GtkWidget       *widget);

/* The shared data (a reference is held). */
TanbaWizardData *tanba_wizard_page_get_data        (TanbaWizardPage *self);
void             tanba_wizard_page_set_data        (TanbaWizardPage *self,
                                                    TanbaWizardData *data);

/* The page name Next leads to after apply; NULL: the following page. Pages
 * set it in apply (e.g. "Continue registration" jumps to "progress"). */
const char      *tanba_wizard_page_get_next        (TanbaWizardPage *self);
void             tanba_wizard_page_set_next        (TanbaWizardPage *self,
                                                    const char      *page_name);

/* Asks the window to go to the next page now, as if Next had been applied
 * (the progress page when the run succeeded). */
void             tanba_wizard_page_request_next    (TanbaWizardPage *self);

void             tanba_wizard_page_shown           (TanbaWizardPage     *self);
void             tanba_wizard_page_apply           (TanbaWizardPage     *self,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
gboolean         tanba_wizard_page_apply_finish    (TanbaWizardPage     *self,
                                                    GAsyncResult        *result,
                                                    GError             **error);

G_END_DECLS
