/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-sign-window.h: "Sign a document…": a document (file chooser), the
 * profile (token) whose signing key signs, and the token password → a
 * detached CAdES-BES signature FILE.p7s next to the document, the result in
 * words. The signing runs in a worker; the token is logged out afterwards. */
#pragma once

#include <adwaita.h>

#include "tanba-module.h"
#include "tanba-token-monitor.h"

G_BEGIN_DECLS

#define TANBA_TYPE_SIGN_WINDOW (tanba_sign_window_get_type ())
G_DECLARE_FINAL_TYPE (TanbaSignWindow, tanba_sign_window, TANBA, SIGN_WINDOW, AdwApplicationWindow)

/* @app may be NULL (tests); @module NULL: @module_error is shown.
 * @monitor NULL: one is made. @trust_anchor NULL: the setting (the bank's
 * root certificate, included in the signature's chain when found). */
GtkWindow  *tanba_sign_window_new (GtkApplication    *app,
                                   TanbaModule       *module,
                                   const char        *module_error,
                                   TanbaTokenMonitor *monitor,
                                   const char        *trust_anchor);

/* The document to sign (as if chosen), and the profile (token serial). */
void        tanba_sign_window_set_file    (TanbaSignWindow *self,
                                           const char      *path);
void        tanba_sign_window_select      (TanbaSignWindow *self,
                                           const char      *serial);
/* For tests. */
const char *tanba_sign_window_get_message (TanbaSignWindow *self);
gboolean    tanba_sign_window_is_busy     (TanbaSignWindow *self);
guint       tanba_sign_window_get_n_profiles (TanbaSignWindow *self);

/* The signing itself (synchronous, for a worker): @path signed with the
 * signing key of the profile on the token @serial into @path.p7s. Returns
 * the sentence for the user ("The signature is saved to …"), or NULL with
 * @error. */
char       *tanba_sign_document (TanbaModule  *module,
                                 const char   *serial,
                                 const char   *pin,
                                 const char   *path,
                                 const char   *trust_anchor,
                                 GCancellable *cancellable,
                                 GError      **error);

G_END_DECLS
