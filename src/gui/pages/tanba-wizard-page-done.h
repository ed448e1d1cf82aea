/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-wizard-page-done.h: step 8, what was created. */
#pragma once

#include "tanba-wizard-page.h"

G_BEGIN_DECLS

#define TANBA_TYPE_WIZARD_PAGE_DONE (tanba_wizard_page_done_get_type ())
G_DECLARE_FINAL_TYPE (TanbaWizardPageDone, tanba_wizard_page_done, TANBA, WIZARD_PAGE_DONE, TanbaWizardPage)

TanbaWizardPage *tanba_wizard_page_done_new (TanbaWizardData *data);

G_END_DECLS
