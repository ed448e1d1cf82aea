/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-registration-params.c: what a registration is run with. Secrets are
 * copied in and wiped when replaced or freed. */
#include "config.h"

#include <string.h>

#include "tanba-input-rules.h"
#include "tanba-registration-private.h"

static void
wipe_free (char *secret)
{
  if (secret != NULL)
    {
      explicit_bzero (secret, strlen (secret));
      g_free (secret);
    }
}

static void
replace_secret (char      **slot,
                const char *value)
{
  wipe_free (*slot);
  *slot = g_strdup (value);
}

TanbaRegistrationParams *
tanba_registration_params_new (void)
{
  TanbaRegistrationParams *params = g_new0 (TanbaRegistrationParams, 1);

  params->term_years = 1;
  params->algorithm = TANBA_KEY_RSA2048;
  return params;
}

void
tanba_registration_params_free (TanbaRegistrationParams *params)
{
  if (params == NULL)
    return;
  g_free (params->user_id);
  g_free (params->key_file);
  tanba_key_file_free (params->opened_key_file);
  wipe_free (params->key_password);
  wipe_free (params->otp_pin);
  wipe_free (params->current_pin);
  wipe_free (params->new_pin);
  wipe_free (params->admin_pin);
  g_free (params->token_name);
  g_free (params->ca_url);
  g_free (params->bank_url);
  g_free (params->trust_anchor);
  g_free (params);
}

void
tanba_registration_params_set_user_id (TanbaRegistrationParams *params, const char *user_id)
{
  g_free (params->user_id);
  params->user_id = user_id != NULL ? tanba_user_id_normalize (user_id) : NULL;
}

void
tanba_registration_params_set_key_file (TanbaRegistrationParams *params, const char *path)
{
  g_free (params->key_file);
  params->key_file = g_strdup (path);
}

void
tanba_registration_params_take_opened_key_file (TanbaRegistrationParams *params, TanbaKeyFile *key_file)
{
  tanba_key_file_free (params->opened_key_file);
  params->opened_key_file = key_file;
}

void
tanba_registration_params_set_key_password (TanbaRegistrationParams *params, const char *password)
{
  replace_secret (&params->key_password, password);
}

void
tanba_registration_params_set_use_mac (TanbaRegistrationParams *params, gboolean use_mac)
{
  params->use_mac = use_mac;
}

void
tanba_registration_params_set_otp_pin (TanbaRegistrationParams *params, const char *otp_pin)
{
  replace_secret (&params->otp_pin, otp_pin);
  if (params->otp_pin != NULL)
    tanba_otp_pin_normalize (params->otp_pin, -1);
}

void
tanba_registration_params_set_current_pin (TanbaRegistrationParams *params, const char *pin)
{
  replace_secret (&params->current_pin, pin);
}

void
tanba_registration_params_set_new_pin (TanbaRegistrationParams *params, const char *pin)
{
  replace_secret (&params->new_pin, pin);
}

void
tanba_registration_params_set_admin_pin (TanbaRegistrationParams *params, const char *pin)
{
  replace_secret (&params->admin_pin, pin);
}

void
tanba_registration_params_set_token_name (TanbaRegistrationParams *params, const char *name)
{
  g_free (params->token_name);
  params->token_name = g_strdup (name);
}

void
tanba_registration_params_set_algorithm (TanbaRegistrationParams *params, TanbaKeyAlgorithm algorithm)
{
  params->algorithm = algorithm;
  params->algorithm_set = TRUE;
}

void
tanba_registration_params_set_term_years (TanbaRegistrationParams *params, guint years)
{
  params->term_years = years;
}

void
tanba_registration_params_set_ca_url (TanbaRegistrationParams *params, const char *url)
{
  g_free (params->ca_url);
  params->ca_url = g_strdup (url);
}

void
tanba_registration_params_set_bank_url (TanbaRegistrationParams *params, const char *url)
{
  g_free (params->bank_url);
  params->bank_url = g_strdup (url);
}

void
tanba_registration_params_set_trust_anchor (TanbaRegistrationParams *params, const char *path)
{
  g_free (params->trust_anchor);
  params->trust_anchor = g_strdup (path);
}

void
tanba_registration_params_set_server (TanbaRegistrationParams *params, const char *url)
{
  g_autofree char *base = NULL;

  g_return_if_fail (url != NULL);
  base = g_str_has_suffix (url, "/") ? g_strdup (url) : g_strconcat (url, "/", NULL);
  g_free (params->ca_url);
  params->ca_url = g_strconcat (base, "pkix/", NULL);
  g_free (params->bank_url);
  params->bank_url = g_steal_pointer (&base);
}
