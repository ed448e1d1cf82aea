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

G_END_DECLS
