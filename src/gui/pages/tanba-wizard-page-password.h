/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-wizard-page-password.h: step 2, the token password; what is on the token decides the way on. */
#pragma once

#include "tanba-wizard-page.h"

G_BEGIN_DECLS

#define TANBA_TYPE_WIZARD_PAGE_PASSWORD (tanba_wizard_page_password_get_type ())
G_DECLARE_FINAL_TYPE (TanbaWizardPagePassword, tanba_wizard_page_password, TANBA, WIZARD_PAGE_PASSWORD, TanbaWizardPage)

TanbaWizardPage *tanba_wizard_page_password_new (TanbaWizardData *data);

G_END_DECLS
