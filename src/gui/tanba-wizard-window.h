/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-wizard-window.h: the registration wizard: one window, a GtkStack of
 * pages (tanba-wizard-page.h), Back / Next / Cancel in the header bar, the
 * window title naming the step ("Step 4 of 8 — Registration data"). */
#pragma once

#include <adwaita.h>

#include "tanba-wizard-data.h"
#include "tanba-wizard-page.h"

G_BEGIN_DECLS

#define TANBA_TYPE_WIZARD_WINDOW (tanba_wizard_window_get_type ())
G_DECLARE_FINAL_TYPE (TanbaWizardWindow, tanba_wizard_window, TANBA, WIZARD_WINDOW, AdwApplicationWindow)

/* The pages' names, in order. */
#define TANBA_WIZARD_N_PAGES 8

/* @app may be NULL (tests). */
TanbaWizardWindow *tanba_wizard_window_new              (AdwApplication    *app,
                                                         TanbaWizardData   *data);
TanbaWizardData   *tanba_wizard_window_get_data         (TanbaWizardWindow *self);
TanbaWizardPage   *tanba_wizard_window_get_page         (TanbaWizardWindow *self,
                                                         const char        *name);
TanbaWizardPage   *tanba_wizard_window_get_current_page (TanbaWizardWindow *self);
/* Shows the page @name as if reached by Next (tests, "Continue registration"). */
void               tanba_wizard_window_go_to            (TanbaWizardWindow *self,
                                                         const char        *name);
/* Whether closing now would interrupt a registration (the window then asks). */
gboolean           tanba_wizard_window_is_registering   (TanbaWizardWindow *self);

G_END_DECLS
