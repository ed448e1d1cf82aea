/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-wizard-page-connect.h: step 1, connect the token (live list) and choose the certificate term. */
#pragma once

#include "tanba-wizard-page.h"

G_BEGIN_DECLS

#define TANBA_TYPE_WIZARD_PAGE_CONNECT (tanba_wizard_page_connect_get_type ())
G_DECLARE_FINAL_TYPE (TanbaWizardPageConnect, tanba_wizard_page_connect, TANBA, WIZARD_PAGE_CONNECT, TanbaWizardPage)

TanbaWizardPage *tanba_wizard_page_connect_new (TanbaWizardData *data);
/* The number of tokens listed (tests). */
guint tanba_wizard_page_connect_get_n_tokens (TanbaWizardPageConnect *self);

G_END_DECLS
