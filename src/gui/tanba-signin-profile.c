/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-signin-profile.c: profiles, the sign-in run and its errors in words. */
#include "config.h"

#include "tanba-i18n.h"
#include "tanba-control-panel-login-dialog.h"
#include "tanba-http.h"
#include "tanba-registration-marker.h"
#include "tanba-settings.h"
#include "tanba-signin-profile.h"
#include "tanba-token-error.h"
#include "tanba-token.h"

void
tanba_signin_profile_free (TanbaSigninProfile *profile)
{
  if (profile == NULL)
    return;
  g_free (profile->serial);
  g_free (profile->title);
  g_free (profile->user_id);
  g_clear_pointer (&profile->authentication_id, g_bytes_unref);
  g_clear_pointer (&profile->signing_id, g_bytes_unref);
  g_free (profile);
}

TanbaSigninProfile *
tanba_signin_profile_copy (const TanbaSigninProfile *profile)
{
  TanbaSigninProfile *copy;

  g_return_val_if_fail (profile != NULL, NULL);

  copy = g_new0 (TanbaSigninProfile, 1);
  copy->serial = g_strdup (profile->serial);
  copy->title = g_strdup (profile->title);
  copy->user_id = g_strdup (profile->user_id);
  copy->authentication_id = profile->authentication_id != NULL ? g_bytes_ref (profile->authentication_id) : NULL;
  copy->signing_id = profile->signing_id != NULL ? g_bytes_ref (profile->signing_id) : NULL;
  return copy;
}

TanbaSigninProfile *
tanba_signin_profile_read (TanbaModule          *module,
                           const TanbaTokenInfo *info,
                           GError              **error)
{
  g_autoptr(TanbaToken) token = NULL;
  g_autoptr(TanbaRegistrationMarker) marker = NULL;
  g_autoptr(GBytes) authentication_id = NULL;
  g_autofree char *name = NULL;
  TanbaSigninProfile *profile;

  g_return_val_if_fail (module != NULL, NULL);
  g_return_val_if_fail (info != NULL, NULL);

  if (!tanba_token_info_is_initialized (info))
    return NULL;
  token = tanba_token_open (module, info->serial, error);
  if (token == NULL)
    return NULL;
  marker = tanba_registration_marker_read (token, error);
  if (marker == NULL || !tanba_registration_marker_is_finished (marker))
    return NULL;
  authentication_id = tanba_id_from_hex (marker->authentication_key_id);
  if (authentication_id == NULL)
    return NULL;

  name = tanba_token_dup_name (token, NULL);
  profile = g_new0 (TanbaSigninProfile, 1);
  profile->serial = g_strdup (info->serial);
  profile->title = name != NULL && name[0] != '\0' ? g_steal_pointer (&name)
                                                   : tanba_token_info_dup_display_label (info);
  profile->user_id = g_strdup (marker->user_id);
  profile->authentication_id = g_steal_pointer (&authentication_id);
  profile->signing_id = tanba_id_from_hex (marker->signing_key_id);
  return profile;
}

GPtrArray *
tanba_signin_profile_list (TanbaModule *module,
                           GPtrArray   *tokens)
{
  GPtrArray *profiles = g_ptr_array_new_with_free_func ((GDestroyNotify) tanba_signin_profile_free);

  g_return_val_if_fail (module != NULL, profiles);

  for (guint i = 0; tokens != NULL && i < tokens->len; i++)
    {
      g_autoptr(GError) error = NULL;
      TanbaSigninProfile *profile = tanba_signin_profile_read (module, g_ptr_array_index (tokens, i), &error);

      if (profile != NULL)
        g_ptr_array_add (profiles, profile);
      else if (error != NULL)
        g_debug ("Sign-in: token %s left out: %s",
                 ((TanbaTokenInfo *) g_ptr_array_index (tokens, i))->serial, error->message);
    }
  return profiles;
}

char *
tanba_signin_profile_dup_display (const TanbaSigninProfile *profile)
{
  g_return_val_if_fail (profile != NULL, NULL);

  if (profile->user_id == NULL)
    return g_strdup (profile->title);
  /* Translators: a profile in the sign-in window: the token's name, then the user ID. */
  return g_strdup_printf (_("%s (user %s)"), profile->title, profile->user_id);
}

char *
tanba_signin_resolve_trust_anchor (const char *trust_anchor)
{
  g_autofree char *path = trust_anchor != NULL && trust_anchor[0] != '\0'
                          ? g_strdup (trust_anchor) : tanba_settings_dup_string ("trust-anchor");

  if (path != NULL && !g_path_is_absolute (path))
    return g_canonicalize_filename (path, NULL);
  return g_steal_pointer (&path);
}

TanbaBankSession *
tanba_signin_run (TanbaModule  *module,
                  const char   *serial,
                  const char   *pin,
                  const char   *bank_url,
                  const char   *trust_anchor,
                  GCancellable *cancellable,
                  GError      **error)
{
  g_autoptr(TanbaToken) token = NULL;
  g_autoptr(TanbaTokenInfo) info = NULL;
  g_autoptr(TanbaRegistrationMarker) marker = NULL;
  g_autoptr(TanbaBankClient) client = NULL;
  g_autoptr(GBytes) id = NULL;
  g_autofree char *url = NULL;
  g_autofree char *anchor = NULL;
  g_autofree char *certificate_uri = NULL;
  g_autofree char *key_uri = NULL;
  TanbaBankSession *session;
  GError *local = NULL;
  X509 *certificate;

  g_return_val_if_fail (module != NULL, NULL);
  g_return_val_if_fail (serial != NULL, NULL);
  g_return_val_if_fail (pin != NULL, NULL);

  url = bank_url != NULL && bank_url[0] != '\0' ? g_strdup (bank_url) : tanba_settings_dup_string ("bank-url");
  if (url == NULL)
    {
      g_set_error_literal (error, TANBA_HTTP_ERROR, TANBA_HTTP_ERROR_BAD_URL,
                           _("The bank’s address is not set. Enter the https:// address the bank gave you in the control panel’s settings."));
      return NULL;
    }
  anchor = tanba_signin_resolve_trust_anchor (trust_anchor);
  client = tanba_bank_client_new (url, anchor, error);
  if (client == NULL)
    return NULL;

  token = tanba_token_open (module, serial, &local);
  if (token == NULL)
    {
      if (g_error_matches (local, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_NO_TOKEN))
        local->code = TANBA_TOKEN_ERROR_TOKEN_REMOVED;
      g_propagate_error (error, local);
      return NULL;
    }
  if ((info = tanba_token_get_info (token, error)) == NULL)
    return NULL;
  marker = tanba_registration_marker_read (token, &local);
  if (local != NULL)
    {
      g_propagate_error (error, local);
      return NULL;
    }
  if (marker == NULL || !tanba_registration_marker_is_finished (marker)
      || (id = tanba_id_from_hex (marker->authentication_key_id)) == NULL)
    {
      g_set_error_literal (error, TANBA_BANK_ERROR, TANBA_BANK_ERROR_NOT_REGISTERED,
                           _("The registration of this token is not finished. Finish it with the registration wizard (“Continue registration”), then sign in."));
      return NULL;
    }
  certificate = tanba_token_find_certificate (token, id, &local);
  if (local != NULL)
    {
      g_propagate_error (error, local);
      return NULL;
    }
  if (certificate == NULL)
    {
      g_set_error_literal (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_NOT_FOUND,
                           _("The token holds no authentication certificate, although its registration is finished. Renew the certificates in the control panel, or register the token again."));
      return NULL;
    }
  X509_free (certificate);

  /* The password once, by Tanba: a wrong one is refused here with the
   * token's own flags, and never given to GnuTLS to try again. */
  if (!tanba_token_login (token, TANBA_ROLE_USER, pin, error))
    return NULL;

  certificate_uri = tanba_bank_pkcs11_uri (info->serial, info->label, id, FALSE);
  key_uri = tanba_bank_pkcs11_uri (info->serial, info->label, id, TRUE);
  g_debug ("Sign-in with %s", certificate_uri);
  session = tanba_bank_client_sign_in (client, certificate_uri, key_uri, pin, cancellable, error);

  /* GnuTLS's login (and ours) would outlive the sign-in: log out. */
  tanba_token_logout (token, NULL);
  return session;
}

char *
tanba_signin_dup_result_text (const TanbaBankSession *session)
{
  g_return_val_if_fail (session != NULL, NULL);

  if (session->organization != NULL && session->organization[0] != '\0')
    /* Translators: the bank's answer after sign-in: a person's name, then the organization. */
    return g_strdup_printf (_("Signed in as %s, %s."), session->name, session->organization);
  /* Translators: the bank's answer after sign-in: a person's name. */
  return g_strdup_printf (_("Signed in as %s."), session->name);
}

TanbaSigninProblem
tanba_signin_explain (const GError         *error,
                      const TanbaTokenInfo *info,
                      char                **message)
{
  TanbaSigninProblem problem = TANBA_SIGNIN_PROBLEM_OTHER;
  g_autofree char *status = NULL;
  gboolean locked = FALSE;

  g_return_val_if_fail (error != NULL, TANBA_SIGNIN_PROBLEM_OTHER);
  g_return_val_if_fail (message != NULL, TANBA_SIGNIN_PROBLEM_OTHER);

  status = tanba_control_panel_pin_status_text (info, TANBA_ROLE_USER, &locked);
  if (error->domain == TANBA_TOKEN_ERROR)
    switch (error->code)
      {
      case TANBA_TOKEN_ERROR_PIN_INCORRECT:
      case TANBA_TOKEN_ERROR_PIN_LENGTH:
      case TANBA_TOKEN_ERROR_PIN_INVALID:
        if (locked)
          {
            *message = g_strdup (status);
            return TANBA_SIGNIN_PROBLEM_LOCKED;
          }
        if (status != NULL)
          /* Translators: the wrong password message, then what the token says about tries left. */
          *message = g_strdup_printf (_("The password is wrong. Type it again. %s"), status);
        else
          *message = g_strdup (_("The password is wrong. Type it again: check the keyboard layout and Caps Lock."));
        return TANBA_SIGNIN_PROBLEM_PASSWORD;
      case TANBA_TOKEN_ERROR_PIN_LOCKED:
        *message = g_strdup (_("The token password is locked after too many wrong attempts. Unblock it with the administrator PIN in the token control panel."));
        return TANBA_SIGNIN_PROBLEM_LOCKED;
      case TANBA_TOKEN_ERROR_TOKEN_REMOVED:
      case TANBA_TOKEN_ERROR_NO_TOKEN:
        *message = g_strdup (_("The token was removed. Connect it again, choose its profile and sign in again."));
        return TANBA_SIGNIN_PROBLEM_TOKEN;
      case TANBA_TOKEN_ERROR_NOT_FOUND:
        problem = TANBA_SIGNIN_PROBLEM_TOKEN;
        break;
      default:
        break;
      }
  else if (error->domain == TANBA_BANK_ERROR
           && (error->code == TANBA_BANK_ERROR_NOT_REGISTERED || error->code == TANBA_BANK_ERROR_CERTIFICATE))
    problem = TANBA_SIGNIN_PROBLEM_CERTIFICATE;
  else if (error->domain == TANBA_HTTP_ERROR)
    {
      if (error->code == TANBA_HTTP_ERROR_UNTRUSTED)
        {
          /* Translators: %s is why the connection is not trusted. */
          *message = g_strdup_printf (_("The bank’s server is not the one Tanba trusts, so nothing was sent to it. Check the bank’s address and trust anchor in the control panel’s settings. (%s)"),
                                      error->message);
          return TANBA_SIGNIN_PROBLEM_SERVER;
        }
      problem = TANBA_SIGNIN_PROBLEM_SERVER;
    }

  *message = g_strdup (error->message);
  return problem;
}
