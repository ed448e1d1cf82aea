/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-sign-verify-window.h: "Verify a signature…": a document and its
 * signature (FILE.p7s by default) → who signed, when, and whether the
 * signature holds against the bank's trust anchor, with the reason when it
 * does not. */
#pragma once

#include <adwaita.h>

#include "tanba-cms.h"

G_BEGIN_DECLS

#define TANBA_TYPE_SIGN_VERIFY_WINDOW (tanba_sign_verify_window_get_type ())
G_DECLARE_FINAL_TYPE (TanbaSignVerifyWindow, tanba_sign_verify_window, TANBA, SIGN_VERIFY_WINDOW,
                      AdwApplicationWindow)

/* @trust_anchor NULL: the setting. */
GtkWindow  *tanba_sign_verify_window_new (GtkApplication *app,
                                          const char     *trust_anchor);

/* As if chosen; setting the document also picks DOCUMENT.p7s when it exists. */
void        tanba_sign_verify_window_set_file      (TanbaSignVerifyWindow *self,
                                                    const char            *path);
void        tanba_sign_verify_window_set_signature (TanbaSignVerifyWindow *self,
                                                    const char            *path);
/* For tests. */
const char *tanba_sign_verify_window_get_message   (TanbaSignVerifyWindow *self);
gboolean    tanba_sign_verify_window_is_busy       (TanbaSignVerifyWindow *self);

/* The verification in words: the verdict and its reason, who signed, when. */
char       *tanba_sign_verification_text (const TanbaCmsVerification *verification);

G_END_DECLS
