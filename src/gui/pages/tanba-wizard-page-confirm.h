/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-wizard-page-confirm.h: step 6, confirm the data. */
#pragma once

#include "tanba-wizard-page.h"

G_BEGIN_DECLS

#define TANBA_TYPE_WIZARD_PAGE_CONFIRM (tanba_wizard_page_confirm_get_type ())
G_DECLARE_FINAL_TYPE (TanbaWizardPageConfirm, tanba_wizard_page_confirm, TANBA, WIZARD_PAGE_CONFIRM, TanbaWizardPage)

TanbaWizardPage *tanba_wizard_page_confirm_new (TanbaWizardData *data);

G_END_DECLS
