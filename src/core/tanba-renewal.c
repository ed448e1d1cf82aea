/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-renewal.c: expiry and renewal of the registered certificates.
 *
 * The state on the token (data object "tanba-renewal"), per profile:
 *   NAME-old-key-id  the key being replaced
 *   NAME-new-key-id  the key made for the renewal
 *   NAME-certified   true once the new certificate is stored and confirmed
 * plus "bank-registered". The registration marker switches to the new key IDs
 * only after the bank accepted the new set; the old keys go last. */
#include "config.h"

#include <string.h>

#include "tanba-bank-client.h"
#include "tanba-http.h"
#include "tanba-i18n.h"
#include "tanba-openssl-autoptr.h"
#include "tanba-registration-marker.h"
#include "tanba-renewal.h"
#include "tanba-token-error.h"

#define GROUP "renewal"

static const char *const profile_names[] = { "signing", "authentication" };
static const char *const key_labels[] = { "Tanba signing key", "Tanba authentication key" };
static const char *const cert_labels[] = { "Tanba signing certificate", "Tanba authentication certificate" };

void
tanba_certificate_status_free (TanbaCertificateStatus *status)
{
  if (status == NULL)
    return;
  X509_free (status->certificate);
  g_bytes_unref (status->key_id);
  g_free (status);
}

static int
days_left (X509 *certificate)
{
  int days = 0, seconds = 0;

  if (!ASN1_TIME_diff (&days, &seconds, NULL, X509_get0_notAfter (certificate)))
    return 0;
  return days;
}

static char **
marker_id_slot (TanbaRegistrationMarker *marker,
                TanbaCertProfile         profile)
{
  return profile == TANBA_CERT_PROFILE_SIGNING ? &marker->signing_key_id : &marker->authentication_key_id;
}

GPtrArray *
tanba_renewal_list_certificates (TanbaToken *token,
                                 GError    **error)
{
  g_autoptr(TanbaRegistrationMarker) marker = NULL;
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) tanba_certificate_status_free);
  GError *local_error = NULL;

  marker = tanba_registration_marker_read (token, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }
  if (marker == NULL || !tanba_registration_marker_is_finished (marker))
    return g_steal_pointer (&list);
  for (int p = TANBA_CERT_PROFILE_SIGNING; p <= TANBA_CERT_PROFILE_AUTHENTICATION; p++)
    {
      g_autoptr(GBytes) id = tanba_id_from_hex (*marker_id_slot (marker, p));
      TanbaCertificateStatus *status;
      X509 *cert;

      if (id == NULL)
        continue;
      cert = tanba_token_find_certificate (token, id, &local_error);
      if (local_error != NULL)
        {
          g_propagate_error (error, local_error);
          return NULL;
        }
      if (cert == NULL)
        continue;
      status = g_new0 (TanbaCertificateStatus, 1);
      status->profile = p;
      status->certificate = cert;
      status->key_id = g_steal_pointer (&id);
      status->days_left = days_left (cert);
      g_ptr_array_add (list, status);
    }
  return g_steal_pointer (&list);
}

gboolean
tanba_certificate_status_is_due (const TanbaCertificateStatus *status,
                                 guint                         warn_days)
{
  return status->days_left <= (int) warn_days;
}

/* The renewal record */

static GKeyFile *
state_read (TanbaToken *token,
            GError    **error)
{
  g_autoptr(GBytes) data = NULL;
  g_autoptr(GKeyFile) state = g_key_file_new ();
  GError *local_error = NULL;

  data = tanba_token_read_data (token, TANBA_DATA_RENEWAL, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }
  if (data != NULL)
    {
      gsize size = 0;
      const char *bytes = g_bytes_get_data (data, &size);

      /* A damaged record is started afresh: the new keys it named are then
       * orphans, found by their labels below. */
      if (size > 4096 || bytes == NULL
          || !g_key_file_load_from_data (state, bytes, size, G_KEY_FILE_NONE, NULL))
        g_debug ("renewal: the record on the token is damaged; starting it again");
    }
  return g_steal_pointer (&state);
}

static gboolean
state_write (TanbaToken *token,
             GKeyFile   *state,
             GError    **error)
{
  gsize length = 0;
  char *text = g_key_file_to_data (state, &length, NULL);
  g_autoptr(GBytes) data = g_bytes_new_take (text, length);

  return tanba_token_write_data (token, TANBA_DATA_RENEWAL, data, error);
}

static char *
state_get (GKeyFile         *state,
           TanbaCertProfile  profile,
           const char       *what)
{
  g_autofree char *key = g_strdup_printf ("%s-%s", profile_names[profile], what);

  return g_key_file_get_string (state, GROUP, key, NULL);
}

static void
state_set (GKeyFile         *state,
           TanbaCertProfile  profile,
           const char       *what,
           const char       *value)
{
  g_autofree char *key = g_strdup_printf ("%s-%s", profile_names[profile], what);

  g_key_file_set_string (state, GROUP, key, value);
}

gboolean
tanba_renewal_is_unfinished (TanbaToken *token)
{
  g_autoptr(GBytes) data = tanba_token_read_data (token, TANBA_DATA_RENEWAL, NULL);

  return data != NULL;
}

/* The run */

typedef struct
{
  TanbaToken               *token;
  const TanbaRenewalParams *params;
  TanbaRenewalProgressFunc  progress;
  gpointer                  progress_data;
  GCancellable             *cancellable;
  TanbaRegistrationMarker  *marker;
  GKeyFile                 *state;
  GBytes                   *new_id;
  const char               *label;
} Renewal;

static void
say (Renewal    *r,
     double      fraction,
     const char *text)
{
  g_debug ("renewal: %s", text);
  if (r->progress != NULL)
    r->progress (fraction, text, r->progress_data);
}

static gboolean
store_renewed (X509     *certificate,
               gpointer  user_data,
               GError  **error)
{
  Renewal *r = user_data;
  g_autoptr(X509) existing = NULL;
  GError *local_error = NULL;

  existing = tanba_token_find_certificate (r->token, r->new_id, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  if (existing != NULL && X509_cmp (existing, certificate) == 0)
    return TRUE;
  if (existing != NULL && !tanba_token_delete_certificate (r->token, r->new_id, error))
    return FALSE;
  return tanba_token_store_certificate (r->token, certificate, r->new_id, r->label, error);
}

/* A new key and certificate for @profile, or what an earlier run made. */
static gboolean
renew_profile (Renewal         *r,
               TanbaCertProfile profile,
               double           fraction,
               GError         **error)
{
  const TanbaRenewalParams *p = r->params;
  g_autofree char *old_hex = g_strdup (*marker_id_slot (r->marker, profile));
  g_autofree char *new_hex = state_get (r->state, profile, "new-key-id");
  g_autofree char *certified = state_get (r->state, profile, "certified");
  g_autoptr(GBytes) old_id = tanba_id_from_hex (old_hex);
  g_autoptr(GBytes) new_id = NULL;
  g_autoptr(X509) old_cert = NULL;
  g_autoptr(X509) issued = NULL;
  g_autoptr(EVP_PKEY) old_key = NULL;
  g_autoptr(EVP_PKEY) new_key = NULL;
  g_autoptr(TanbaCmpClient) cmp = NULL;
  g_autoptr(TanbaKeyInfo) made = NULL;
  GError *local_error = NULL;

  if (g_strcmp0 (certified, "true") == 0)
    return TRUE;
  /* The marker already names the new key: an earlier run got this far. */
  if (new_hex != NULL && g_strcmp0 (new_hex, old_hex) == 0)
    return TRUE;
  if (old_id == NULL)
    {
      g_set_error_literal (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_NOT_FOUND,
                           _("The token's registration record names no certificate to renew. Register the token again."));
      return FALSE;
    }
  old_cert = tanba_token_find_certificate (r->token, old_id, error);
  if (old_cert == NULL)
    {
      if (error == NULL || *error == NULL)
        g_set_error_literal (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_NOT_FOUND,
                             _("The certificate to renew is not on the token any more. Register the token again."));
      return FALSE;
    }

  new_id = new_hex != NULL ? tanba_id_from_hex (new_hex) : NULL;
  if (new_id != NULL)
    {
      new_key = tanba_token_get_public_key (r->token, new_id, &local_error);
      if (new_key == NULL)
        {
          g_debug ("renewal: the new key of an earlier run is gone (%s)", local_error->message);
          g_clear_error (&local_error);
          g_clear_pointer (&new_id, g_bytes_unref);
        }
      g_clear_pointer (&new_key, EVP_PKEY_free);
    }
  if (new_id == NULL)
    {
      say (r, fraction, profile == TANBA_CERT_PROFILE_SIGNING ? _("Generating a new signing key")
                                                              : _("Generating a new authentication key"));
      made = tanba_token_generate_key_pair (r->token,
                                            EVP_PKEY_get_base_id (X509_get0_pubkey (old_cert)) == EVP_PKEY_EC
                                            ? TANBA_KEY_P256 : TANBA_KEY_RSA2048,
                                            key_labels[profile], error);
      if (made == NULL)
        return FALSE;
      new_id = g_bytes_ref (made->id);
      g_free (new_hex);
      new_hex = tanba_id_to_hex (new_id);
      state_set (r->state, profile, "old-key-id", old_hex);
      state_set (r->state, profile, "new-key-id", new_hex);
      if (!state_write (r->token, r->state, error))
        return FALSE;
    }

  say (r, fraction + 0.15, profile == TANBA_CERT_PROFILE_SIGNING ? _("Requesting the new signing certificate")
                                                                 : _("Requesting the new authentication certificate"));
  old_key = tanba_token_get_private_key (r->token, old_id, error);
  if (old_key == NULL)
    return FALSE;
  new_key = tanba_token_get_private_key (r->token, new_id, error);
  if (new_key == NULL)
    return FALSE;
  cmp = tanba_cmp_client_new (p->ca_url, p->trust_anchor, error);
  if (cmp == NULL)
    return FALSE;
  tanba_cmp_client_set_signature_protection (cmp, old_key, old_cert, NULL);
  r->new_id = new_id;
  r->label = cert_labels[profile];
  issued = tanba_cmp_client_renew (cmp, old_cert, new_key, tanba_cmp_term_days (p->term_years),
                                   store_renewed, r, r->cancellable, &local_error);
  if (issued == NULL)
    {
      g_autoptr(X509) stored = tanba_token_find_certificate (r->token, new_id, NULL);

      /* Confirmed by an earlier run whose answer was lost: the CA then
       * refuses the old certificate (superseded), and the new one is here. */
      if (stored != NULL && local_error->domain == TANBA_CMP_ERROR
          && (local_error->code == TANBA_CMP_ERROR_REJECTED || local_error->code == TANBA_CMP_ERROR_NOT_AUTHORIZED))
        {
          g_debug ("renewal: the CA already confirmed the new certificate (%s)", local_error->message);
          g_clear_error (&local_error);
        }
      else
        {
          g_propagate_error (error, local_error);
          return FALSE;
        }
    }
  state_set (r->state, profile, "certified", "true");
  return state_write (r->token, r->state, error);
}

/* The new set with the bank, then the marker, then the old keys away. */
static gboolean
finish (Renewal *r,
        GError **error)
{
  const TanbaRenewalParams *p = r->params;
  g_autofree char *registered = g_key_file_get_string (r->state, GROUP, "bank-registered", NULL);
  char *ids[2] = { NULL, NULL };
  g_autoptr(GBytes) signing_id = NULL;
  g_autoptr(GBytes) authentication_id = NULL;
  g_autoptr(X509) signing = NULL;
  g_autoptr(X509) authentication = NULL;

  for (int profile = TANBA_CERT_PROFILE_SIGNING; profile <= TANBA_CERT_PROFILE_AUTHENTICATION; profile++)
    {
      char *renewed = state_get (r->state, profile, "new-key-id");

      ids[profile] = renewed != NULL ? renewed : g_strdup (*marker_id_slot (r->marker, profile));
    }
  signing_id = tanba_id_from_hex (ids[0]);
  authentication_id = tanba_id_from_hex (ids[1]);
  if (signing_id == NULL || authentication_id == NULL)
    {
      g_set_error_literal (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_NOT_FOUND,
                           _("The token's registration record names no certificate to renew. Register the token again."));
      goto fail;
    }

  if (g_strcmp0 (registered, "true") != 0)
    {
      g_autoptr(TanbaBankClient) bank = NULL;
      g_autoptr(TanbaBankRegistration) result = NULL;
      g_autoptr(EVP_PKEY) key = NULL;

      say (r, 0.8, _("Registering the new certificates with the bank"));
      signing = tanba_token_find_certificate (r->token, signing_id, error);
      authentication = signing != NULL ? tanba_token_find_certificate (r->token, authentication_id, error) : NULL;
      if (signing == NULL || authentication == NULL)
        {
          if (error == NULL || *error == NULL)
            g_set_error_literal (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_NOT_FOUND,
                                 _("A renewed certificate is missing on the token. Renew again."));
          goto fail;
        }
      key = tanba_token_get_private_key (r->token, signing_id, error);
      if (key == NULL
          || (bank = tanba_bank_client_new (p->bank_url, p->trust_anchor, error)) == NULL
          || (result = tanba_bank_client_register (bank, signing, key, authentication,
                                                   r->cancellable, error)) == NULL)
        goto fail;
      g_key_file_set_string (r->state, GROUP, "bank-registered", "true");
      if (!state_write (r->token, r->state, error))
        goto fail;
    }

  /* The marker now names the new keys. */
  g_free (r->marker->signing_key_id);
  r->marker->signing_key_id = g_strdup (ids[0]);
  g_free (r->marker->authentication_key_id);
  r->marker->authentication_key_id = g_strdup (ids[1]);
  {
    g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

    g_free (r->marker->updated);
    r->marker->updated = g_date_time_format_iso8601 (now);
  }
  r->marker->term_years = (gint) p->term_years;
  if (!tanba_registration_marker_write (r->token, r->marker, error))
    goto fail;

  say (r, 0.9, _("Removing the old keys"));
  for (int profile = TANBA_CERT_PROFILE_SIGNING; profile <= TANBA_CERT_PROFILE_AUTHENTICATION; profile++)
    {
      g_autofree char *old_hex = state_get (r->state, profile, "old-key-id");
      g_autoptr(GBytes) old_id = tanba_id_from_hex (old_hex);
      g_autoptr(X509) old_cert = NULL;
      GError *local_error = NULL;

      if (old_id == NULL || g_strcmp0 (old_hex, ids[profile]) == 0)
        continue;
      old_cert = tanba_token_find_certificate (r->token, old_id, &local_error);
      if ((old_cert != NULL && !tanba_token_delete_certificate (r->token, old_id, &local_error))
          || local_error != NULL)
        {
          g_propagate_error (error, local_error);
          goto fail;
        }
      if (!tanba_token_delete_key (r->token, old_id, &local_error))
        {
          /* Already gone in an earlier run. */
          if (!g_error_matches (local_error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_NOT_FOUND))
            {
              g_propagate_error (error, local_error);
              goto fail;
            }
          g_clear_error (&local_error);
        }
    }
  g_free (ids[0]);
  g_free (ids[1]);
  return tanba_token_delete_data (r->token, TANBA_DATA_RENEWAL, error);

fail:
  g_free (ids[0]);
  g_free (ids[1]);
  return FALSE;
}

gboolean
tanba_renewal_run (TanbaToken               *token,
                   const TanbaRenewalParams *params,
                   TanbaRenewalProgressFunc  progress,
                   gpointer                  progress_data,
                   GCancellable             *cancellable,
                   GError                  **error)
{
  Renewal r = { token, params, progress, progress_data, cancellable, NULL, NULL, NULL, NULL };
  GError *local_error = NULL;
  gboolean ok = FALSE;

  g_return_val_if_fail (token != NULL && params != NULL, FALSE);

  if (params->term_years < 1 || params->term_years > 3)
    {
      g_set_error (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_RULE_VIOLATED,
                   _("The certificate term must be 1, 2 or 3 years, not %u."), params->term_years);
      return FALSE;
    }
  if (params->ca_url == NULL || params->bank_url == NULL || params->trust_anchor == NULL)
    {
      g_set_error_literal (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_RULE_VIOLATED,
                           _("Renewal needs the CA's and the bank's addresses and the bank's root certificate."));
      return FALSE;
    }
  if (!tanba_http_check_url (params->ca_url, error) || !tanba_http_check_url (params->bank_url, error))
    return FALSE;

  r.marker = tanba_registration_marker_read (token, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  if (r.marker == NULL || !tanba_registration_marker_is_finished (r.marker))
    {
      g_set_error_literal (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_REGISTRATION_UNFINISHED,
                           _("Only the certificates of a finished registration can be renewed. Finish the registration first."));
      goto out;
    }
  say (&r, 0.0, _("Logging in to the token"));
  if (!tanba_token_login (token, TANBA_ROLE_USER, params->pin, error))
    goto out;
  r.state = state_read (token, error);
  if (r.state == NULL)
    goto out;
  if ((params->which & TANBA_RENEW_SIGNING) && !renew_profile (&r, TANBA_CERT_PROFILE_SIGNING, 0.05, error))
    goto out;
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    goto out;
  if ((params->which & TANBA_RENEW_AUTHENTICATION)
      && !renew_profile (&r, TANBA_CERT_PROFILE_AUTHENTICATION, 0.4, error))
    goto out;
  if (g_cancellable_set_error_if_cancelled (cancellable, error) || !finish (&r, error))
    goto out;
  say (&r, 1.0, _("The certificates were renewed."));
  ok = TRUE;

out:
  tanba_token_logout (token, NULL);
  tanba_registration_marker_free (r.marker);
  if (r.state != NULL)
    g_key_file_unref (r.state);
  return ok;
}
