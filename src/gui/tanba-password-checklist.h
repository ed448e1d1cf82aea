/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-password-checklist.h: the new-password rules as a live checklist.
 *
 * One row per rule of tanba-password-policy.h, each with its state (met, not
 * met, not checked yet) in its icon and in its accessible name, so a screen
 * reader reads "At least 8 characters: met". Used by the wizard's
 * personalization page and the control panel's PIN change. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define TANBA_TYPE_PASSWORD_CHECKLIST (tanba_password_checklist_get_type ())
G_DECLARE_FINAL_TYPE (TanbaPasswordChecklist, tanba_password_checklist, TANBA, PASSWORD_CHECKLIST, GtkWidget)

GtkWidget  *tanba_password_checklist_new            (void);
/* Re-evaluates the rules. @confirmation NULL: no confirmation rule. Neither
 * string is kept. */
void        tanba_password_checklist_update         (TanbaPasswordChecklist *self,
                                                     const char             *password,
                                                     const char             *confirmation);
/* Every rule met at the last update. */
gboolean    tanba_password_checklist_is_acceptable  (TanbaPasswordChecklist *self);
/* The token's longest PIN (ulMaxPinLen); 0: no maximum (default). */
void        tanba_password_checklist_set_max_length (TanbaPasswordChecklist *self,
                                                     gsize                   max_len);
/* One translated line for a screen reader about the last update: "All
 * password rules are met." or "Not met: At least 8 characters"; never quotes
 * the password. */
const char *tanba_password_checklist_get_summary    (TanbaPasswordChecklist *self);

G_END_DECLS
