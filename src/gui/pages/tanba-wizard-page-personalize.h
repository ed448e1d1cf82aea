/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-wizard-page-personalize.h: step 5, token name and new password with the rule checklist. */
#pragma once

#include "tanba-wizard-page.h"

G_BEGIN_DECLS

#define TANBA_TYPE_WIZARD_PAGE_PERSONALIZE (tanba_wizard_page_personalize_get_type ())
G_DECLARE_FINAL_TYPE (TanbaWizardPagePersonalize, tanba_wizard_page_personalize, TANBA, WIZARD_PAGE_PERSONALIZE, TanbaWizardPage)

TanbaWizardPage *tanba_wizard_page_personalize_new (TanbaWizardData *data);

G_END_DECLS
