/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-wizard-page-progress.h: step 7, the registration run with its steps and progress. */
#pragma once

#include "tanba-wizard-page.h"

G_BEGIN_DECLS

#define TANBA_TYPE_WIZARD_PAGE_PROGRESS (tanba_wizard_page_progress_get_type ())
G_DECLARE_FINAL_TYPE (TanbaWizardPageProgress, tanba_wizard_page_progress, TANBA, WIZARD_PAGE_PROGRESS, TanbaWizardPage)

TanbaWizardPage *tanba_wizard_page_progress_new (TanbaWizardData *data);
/* Stops the registration run (it can be continued). */
void tanba_wizard_page_progress_cancel (TanbaWizardPageProgress *self);
/* The token refused the administrator PIN (@reason says so, shown and
 * spoken; NULL: no new reason): shows the administrator PIN field with the
 * token's tries left, focused, and never lets the factory PIN be sent again.
 * "Continue registration" (or Enter in the field) runs with the PIN typed. */
void tanba_wizard_page_progress_ask_admin_pin (TanbaWizardPageProgress *self,
                                               const char              *reason);

G_END_DECLS
