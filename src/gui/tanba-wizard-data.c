/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "tanba-i18n.h"
#include "tanba-wizard-data.h"

G_DEFINE_BOXED_TYPE (TanbaWizardData, tanba_wizard_data,
                     tanba_wizard_data_ref, tanba_wizard_data_unref)

static void
wipe_string (char **slot)
{
  if (*slot != NULL)
    {
      explicit_bzero (*slot, strlen (*slot));
      g_clear_pointer (slot, g_free);
    }
}

static void
tanba_wizard_data_clear (TanbaWizardData *data)
{
  g_clear_object (&data->monitor);
  g_clear_pointer (&data->module, tanba_module_unref);
  g_clear_pointer (&data->module_error, g_free);
  g_clear_pointer (&data->server_url, g_free);
  g_clear_pointer (&data->ca_url, g_free);
  g_clear_pointer (&data->bank_url, g_free);
  g_clear_pointer (&data->trust_anchor, g_free);
  g_clear_pointer (&data->token, tanba_token_unref);
  g_clear_pointer (&data->token_info, tanba_token_info_free);
  wipe_string (&data->current_pin);
  g_clear_pointer (&data->marker, tanba_registration_marker_free);
  g_clear_pointer (&data->user_id, g_free);
  wipe_string (&data->otp_pin);
  g_clear_pointer (&data->key_file, g_free);
  wipe_string (&data->key_password);
  g_clear_pointer (&data->certified_user_id, g_free);
  g_clear_pointer (&data->token_name, g_free);
  wipe_string (&data->new_pin);
  wipe_string (&data->admin_pin);
  g_clear_pointer (&data->result, tanba_registration_marker_free);
}

TanbaWizardData *
tanba_wizard_data_new (void)
{
  TanbaWizardData *data = g_atomic_rc_box_new0 (TanbaWizardData);

  data->term_years = 1;
  data->algorithm = TANBA_KEY_RSA2048;
  return data;
}

TanbaWizardData *
tanba_wizard_data_ref (TanbaWizardData *data)
{
  g_return_val_if_fail (data != NULL, NULL);

  return g_atomic_rc_box_acquire (data);
}

void
tanba_wizard_data_unref (TanbaWizardData *data)
{
  g_return_if_fail (data != NULL);

  g_atomic_rc_box_release_full (data, (GDestroyNotify) tanba_wizard_data_clear);
}

void
tanba_wizard_data_set_secret (char       **slot,
                              const char  *value)
{
  g_return_if_fail (slot != NULL);

  wipe_string (slot);
  if (value != NULL)
    *slot = g_strdup (value);
}

void
tanba_wizard_data_set_string (char       **slot,
                              const char  *value)
{
  g_return_if_fail (slot != NULL);

  g_free (*slot);
  *slot = g_strdup (value);
}

void
tanba_wizard_data_set_token (TanbaWizardData      *data,
                             TanbaToken           *token,
                             const TanbaTokenInfo *info)
{
  TanbaToken *new_token;
  TanbaTokenInfo *new_info;

  g_return_if_fail (data != NULL);

  /* @token or @info may be the ones held now: take the new ones first. */
  new_token = token != NULL ? tanba_token_ref (token) : NULL;
  new_info = info != NULL ? tanba_token_info_copy (info) : NULL;

  g_clear_pointer (&data->token, tanba_token_unref);
  g_clear_pointer (&data->token_info, tanba_token_info_free);
  data->token = new_token;
  data->token_info = new_info;
}

char *
tanba_wizard_data_dup_token_title (TanbaWizardData *data)
{
  g_autofree char *label = NULL;

  g_return_val_if_fail (data != NULL, NULL);

  if (data->token_info == NULL)
    return g_strdup (_("No token chosen"));
  label = tanba_token_info_dup_display_label (data->token_info);
  if (data->token_info->model != NULL && data->token_info->model[0] != '\0')
    /* Translators: a token: its model, then its label, e.g. "KAZTOKEN <no label>". */
    return g_strdup_printf (_("%s %s"), data->token_info->model, label);
  return g_steal_pointer (&label);
}

char *
tanba_wizard_data_dup_expiry_date (TanbaWizardData *data)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) expiry = NULL;

  g_return_val_if_fail (data != NULL, NULL);

  expiry = g_date_time_add_years (now, (int) data->term_years);
  /* Translators: the certificates' expiry date, see strftime(3): "28 November 2027". */
  return g_date_time_format (expiry, _("%-d %B %Y"));
}

TanbaRegistrationParams *
tanba_wizard_data_build_params (TanbaWizardData *data)
{
  TanbaRegistrationParams *params = tanba_registration_params_new ();

  g_return_val_if_fail (data != NULL, NULL);

  if (data->user_id != NULL)
    tanba_registration_params_set_user_id (params, data->user_id);
  else if (data->marker != NULL && data->marker->user_id != NULL)
    tanba_registration_params_set_user_id (params, data->marker->user_id);
  if (data->key_file != NULL)
    tanba_registration_params_set_key_file (params, data->key_file);
  tanba_registration_params_set_key_password (params, data->key_password);
  if (data->otp_pin != NULL)
    tanba_registration_params_set_otp_pin (params, data->otp_pin);
  if (data->current_pin != NULL)
    tanba_registration_params_set_current_pin (params, data->current_pin);
  if (data->new_pin != NULL)
    tanba_registration_params_set_new_pin (params, data->new_pin);
  if (data->admin_pin != NULL)
    tanba_registration_params_set_admin_pin (params, data->admin_pin);
  if (data->token_name != NULL)
    tanba_registration_params_set_token_name (params, data->token_name);
  tanba_registration_params_set_algorithm (params, data->algorithm);
  tanba_registration_params_set_term_years (params, data->term_years);
  if (data->server_url != NULL)
    tanba_registration_params_set_server (params, data->server_url);
  if (data->ca_url != NULL)
    tanba_registration_params_set_ca_url (params, data->ca_url);
  if (data->bank_url != NULL)
    tanba_registration_params_set_bank_url (params, data->bank_url);
  if (data->trust_anchor != NULL)
    tanba_registration_params_set_trust_anchor (params, data->trust_anchor);
  return params;
}
