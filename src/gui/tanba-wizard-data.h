/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-wizard-data.h: what the registration wizard's pages collect and share.
 *
 * Reference-counted, so that a page's asynchronous work can outlive the
 * window. Secrets (passwords, OTP PIN) are set through
 * tanba_wizard_data_set_secret() and wiped when replaced or freed. */
#pragma once

#include <glib-object.h>

#include "tanba-module.h"
#include "tanba-registration.h"
#include "tanba-token-monitor.h"

G_BEGIN_DECLS

typedef struct
{
  /* Where. */
  TanbaModule             *module;         /* NULL when it did not load */
  char                    *module_error;   /* why, in words */
  TanbaTokenMonitor       *monitor;
  char                    *server_url;     /* --server: CA = URL/pkix/, bank = URL */
  char                    *ca_url;
  char                    *bank_url;
  char                    *trust_anchor;
  TanbaKeyAlgorithm        algorithm;

  /* Page 1: the token and the term. */
  TanbaToken              *token;
  TanbaTokenInfo          *token_info;     /* as it was when chosen */
  guint                    term_years;

  /* Page 2: its password now, and what is on it. */
  char                    *current_pin;    /* secret */
  TanbaRegistrationState   state;
  TanbaRegistrationMarker *marker;         /* of an unfinished registration, or NULL */
  gboolean                 continuing;     /* "Continue registration" chosen */

  /* Page 4: registration data. */
  char                    *user_id;
  char                    *otp_pin;        /* secret */
  char                    *key_file;
  char                    *key_password;   /* secret; NULL: the OTP PIN */
  char                    *certified_user_id; /* the ID in the init certificate */

  /* Page 5: personalization. */
  char                    *token_name;
  char                    *new_pin;        /* secret */

  /* Page 7: the administrator PIN, asked for only when the token refused
   * the factory one (87654321). */
  char                    *admin_pin;      /* secret; wiped once personalization used it */
  gboolean                 admin_pin_needed; /* refused once: the factory PIN is never sent again */

  /* Page 7: the result. */
  TanbaRegistrationMarker *result;
} TanbaWizardData;

#define TANBA_TYPE_WIZARD_DATA (tanba_wizard_data_get_type ())
GType            tanba_wizard_data_get_type    (void) G_GNUC_CONST;

TanbaWizardData *tanba_wizard_data_new         (void);
TanbaWizardData *tanba_wizard_data_ref         (TanbaWizardData *data);
void             tanba_wizard_data_unref       (TanbaWizardData *data);

/* Replaces *@slot with a copy of @value (NULL clears), wiping the old one. */
void             tanba_wizard_data_set_secret  (char           **slot,
                                                const char      *value);
/* Replaces *@slot with a copy of @value. */
void             tanba_wizard_data_set_string  (char           **slot,
                                                const char      *value);
/* Takes a reference to @token (NULL clears) and a copy of @info. */
void             tanba_wizard_data_set_token   (TanbaWizardData *data,
                                                TanbaToken      *token,
                                                const TanbaTokenInfo *info);
/* The display name of the chosen token: "KAZTOKEN <no label>" style. */
char            *tanba_wizard_data_dup_token_title (TanbaWizardData *data);
/* The expiry date of certificates requested today for the chosen term,
 * formatted for people ("28 November 2027"). */
char            *tanba_wizard_data_dup_expiry_date (TanbaWizardData *data);
/* The parameters of a registration run from what was collected. The
 * administrator PIN goes in only when one was typed (else the run tries the
 * factory one): callers check admin_pin_needed first. */
TanbaRegistrationParams *tanba_wizard_data_build_params (TanbaWizardData *data);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TanbaWizardData, tanba_wizard_data_unref)

G_END_DECLS
