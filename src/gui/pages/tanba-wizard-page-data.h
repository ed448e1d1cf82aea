/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-wizard-page-data.h: step 4, registration data: user ID, OTP PIN, key file. */
#pragma once

#include "tanba-wizard-page.h"

G_BEGIN_DECLS

#define TANBA_TYPE_WIZARD_PAGE_DATA (tanba_wizard_page_data_get_type ())
G_DECLARE_FINAL_TYPE (TanbaWizardPageData, tanba_wizard_page_data, TANBA, WIZARD_PAGE_DATA, TanbaWizardPage)

TanbaWizardPage *tanba_wizard_page_data_new (TanbaWizardData *data);

G_END_DECLS
