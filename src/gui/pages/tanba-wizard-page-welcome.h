/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-wizard-page-welcome.h: step 3, welcome to profile creation. */
#pragma once

#include "tanba-wizard-page.h"

G_BEGIN_DECLS

#define TANBA_TYPE_WIZARD_PAGE_WELCOME (tanba_wizard_page_welcome_get_type ())
G_DECLARE_FINAL_TYPE (TanbaWizardPageWelcome, tanba_wizard_page_welcome, TANBA, WIZARD_PAGE_WELCOME, TanbaWizardPage)

TanbaWizardPage *tanba_wizard_page_welcome_new (TanbaWizardData *data);

G_END_DECLS
