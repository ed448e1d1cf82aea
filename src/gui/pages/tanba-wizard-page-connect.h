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
/* How long the live list may stay empty before the page says what to check
 * (the token plugged in, its driver, pcscd, the module in the settings);
 * 5 seconds by default, shorter in tests. */
void     tanba_wizard_page_connect_set_no_token_delay      (TanbaWizardPageConnect *self,
                                                            guint                   delay_ms);
gboolean tanba_wizard_page_connect_get_no_token_hint_shown (TanbaWizardPageConnect *self);

G_END_DECLS
