/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-cli-sign.c: `tanba-cli sign`, `verify` and `signin`: document
 * signatures with the signing key on the token, their verification, and
 * sign-in to the bank with the authentication key. */
#include "config.h"

#include <string.h>

#include <openssl/x509v3.h>

#include "tanba-bank-client.h"
#include "tanba-cli-common.h"
#include "tanba-x509.h"
#include "tanba-cms.h"
#include "tanba-i18n.h"
#include "tanba-settings.h"
#include "tanba-token-error.h"

static void
x509_stack_free (STACK_OF (X509) *stack)
{
  sk_X509_pop_free (stack, X509_free);
}

/* ---- helpers ------------------------------------------------------------------- */

/* The trust anchor: the option, else the setting; NULL if neither. */
static char *
resolve_trust_anchor (const char *option)
{
  g_autofree char *path = option != NULL ? g_strdup (option)
                                         : tanba_settings_dup_string ("trust-anchor");

  if (path != NULL && !g_path_is_absolute (path))
    return g_canonicalize_filename (path, NULL);
  return g_steal_pointer (&path);
}

static gboolean
is_signing_certificate (X509 *certificate)
{
  return (X509_get_extension_flags (certificate) & EXFLAG_KUSAGE)
         && (X509_get_key_usage (certificate) & KU_NON_REPUDIATION);
}

static gboolean
is_authentication_certificate (X509 *certificate)
{
  return (X509_get_extension_flags (certificate) & EXFLAG_XKUSAGE)
         && (X509_get_extended_key_usage (certificate) & XKU_SSL_CLIENT)
         && !is_signing_certificate (certificate);
}

/* The certificate for @wanted among the token's: one valid now if there is
 * one, the latest issued among those. */
static TanbaCertInfo *
pick_certificate (GPtrArray *certificates,
                  gboolean (*wanted) (X509 *))
{
  TanbaCertInfo *best = NULL;
  gboolean best_current = FALSE;

  for (guint i = 0; i < certificates->len; i++)
    {
      TanbaCertInfo *info = g_ptr_array_index (certificates, i);
      gboolean current;

      if (info->certificate == NULL || info->id == NULL || !wanted (info->certificate))
        continue;
      current = X509_cmp_time (X509_get0_notBefore (info->certificate), NULL) < 0
                && X509_cmp_time (X509_get0_notAfter (info->certificate), NULL) > 0;
      if (best == NULL || (current && !best_current)
          || (current == best_current
              && ASN1_TIME_compare (X509_get0_notBefore (info->certificate),
                                    X509_get0_notBefore (best->certificate)) > 0))
        {
          best = info;
          best_current = current;
        }
    }
  return best;
}

static void
add_string (JsonBuilder *builder,
            const char  *name,
            const char  *value)
{
  json_builder_set_member_name (builder, name);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static void
add_time (JsonBuilder *builder,
          const char  *name,
          GDateTime   *value)
{
  g_autofree char *text = value != NULL ? g_date_time_format_iso8601 (value) : NULL;

  add_string (builder, name, text);
}

/* ---- sign ------------------------------------------------------------------------ */

int
tanba_cli_sign_command (TanbaCliOptions *options,
                        int              argc,
                        char           **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (_("FILE… — sign files with the signing key on the token (FILE.p7s next to each)"));
  g_autoptr(TanbaModule) module = NULL;
  g_autoptr(TanbaToken) token = NULL;
  g_autoptr(GPtrArray) certificates = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TanbaSecret) pin = NULL;
  g_autofree char *output = NULL;
  g_autofree char *trust_option = NULL;
  g_autofree char *trust_anchor = NULL;
  g_autofree char *signer_name = NULL;
  g_autofree char *signer_organization = NULL;
  g_autofree char *signer_serial = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  STACK_OF (X509) *candidates = NULL;
  STACK_OF (X509) *chain = NULL;
  TanbaCertInfo *signing;
  EVP_PKEY *key = NULL;
  int status = TANBA_EXIT_OK;
  GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
      N_("Where to write the signature (one FILE only; default: FILE.p7s)"), N_("SIGNATURE") },
    { "trust-anchor", 0, 0, G_OPTION_ARG_FILENAME, &trust_option,
      N_("The bank's root certificate, PEM, to include in the signature (default: the setting)"),
      N_("FILE") },
    { "json", 'j', 0, G_OPTION_ARG_NONE, &options->json, N_("Print JSON"), NULL },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!tanba_cli_parse (context, &argc, &argv, &status))
    return status;
  if (argc < 2)
    return tanba_cli_usage_error (context, _("Name the file to sign."));
  if (output != NULL && argc > 2)
    return tanba_cli_usage_error (context, _("--output names one signature: sign one file with it."));
  for (int i = 1; i < argc; i++)
    if (!g_file_test (argv[i], G_FILE_TEST_IS_REGULAR))
      {
        g_autofree char *message = g_strdup_printf (_("“%s” is not a file that can be signed."),
                                                    argv[i]);

        return tanba_cli_usage_error (context, message);
      }

  if ((module = tanba_cli_open_module (options, &status)) == NULL
      || (token = tanba_cli_open_token (options, module, &status)) == NULL)
    return status;

  /* the certificate first: no PIN is asked for a token that cannot sign */
  certificates = tanba_token_list_certificates (token, &error);
  if (certificates == NULL)
    return tanba_cli_fail (error);
  signing = pick_certificate (certificates, is_signing_certificate);
  if (signing == NULL)
    {
      g_printerr ("tanba-cli: %s\n",
                  _("The token holds no signing certificate. Register the token with the bank first (tanba-cli register)."));
      return TANBA_EXIT_REFUSED;
    }

  /* the chain: the issuers among the token's certificates and the trust anchor */
  candidates = sk_X509_new_null ();
  for (guint i = 0; i < certificates->len; i++)
    {
      TanbaCertInfo *info = g_ptr_array_index (certificates, i);

      if (info->certificate != NULL)
        {
          X509_up_ref (info->certificate);
          sk_X509_push (candidates, info->certificate);
        }
    }
  trust_anchor = resolve_trust_anchor (trust_option);
  if (trust_anchor != NULL)
    {
      STACK_OF (X509) *anchors = tanba_cms_read_certificates (trust_anchor, &error);

      if (anchors == NULL)
        {
          x509_stack_free (candidates);
          return tanba_cli_fail (error);
        }
      while (sk_X509_num (anchors) > 0)
        sk_X509_push (candidates, sk_X509_shift (anchors));
      sk_X509_free (anchors);
    }
  chain = tanba_cms_issuer_chain (signing->certificate, candidates);
  x509_stack_free (candidates);

  pin = tanba_cli_read_secret (options, _("Token password (user PIN):"), &error);
  if (pin == NULL || !tanba_token_login (token, TANBA_ROLE_USER, pin, &error))
    {
      x509_stack_free (chain);
      return tanba_cli_fail (error);
    }
  g_clear_pointer (&pin, tanba_cli_secret_free);
  key = tanba_token_get_private_key (token, signing->id, &error);
  if (key == NULL)
    {
      x509_stack_free (chain);
      tanba_token_logout (token, NULL);
      return tanba_cli_fail (error);
    }

  signer_name = tanba_x509_subject_entry (signing->certificate, NID_commonName);
  signer_organization = tanba_x509_subject_entry (signing->certificate, NID_organizationName);
  signer_serial = tanba_x509_serial_hex (signing->certificate);
  if (options->json)
    {
      builder = json_builder_new ();
      json_builder_begin_object (builder);
      add_string (builder, "signer", signer_name);
      add_string (builder, "organization", signer_organization);
      add_string (builder, "certificate_serial", signer_serial);
      json_builder_set_member_name (builder, "signatures");
      json_builder_begin_array (builder);
    }

  for (int i = 1; i < argc; i++)
    {
      g_autofree char *signature = output != NULL ? g_strdup (output)
                                                  : tanba_cms_default_signature_path (argv[i]);

      if (!tanba_cms_sign_file (signing->certificate, key, chain, argv[i], signature, NULL,
                                &error))
        {
          status = tanba_cli_fail (error);
          break;
        }
      if (builder != NULL)
        {
          json_builder_begin_object (builder);
          add_string (builder, "file", argv[i]);
          add_string (builder, "signature", signature);
          json_builder_end_object (builder);
        }
      else
        /* TRANSLATORS: file, signature file */
        g_print (_("Signed %s: %s\n"), argv[i], signature);
    }

  EVP_PKEY_free (key);
  x509_stack_free (chain);
  tanba_token_logout (token, NULL);
  if (status != TANBA_EXIT_OK)
    return status;
  if (builder != NULL)
    {
      json_builder_end_array (builder);
      json_builder_end_object (builder);
      tanba_cli_print_json (builder);
    }
  else if (signer_organization != NULL)
    /* TRANSLATORS: name, organization, certificate serial number */
    g_print (_("Signed by %s, %s (certificate %s).\n"), signer_name, signer_organization,
             signer_serial);
  else
    g_print (_("Signed by %s (certificate %s).\n"), signer_name, signer_serial);
  return TANBA_EXIT_OK;
}

/* ---- verify ------------------------------------------------------------------------ */

int
tanba_cli_verify_command (TanbaCliOptions *options,
                          int              argc,
                          char           **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (_("FILE [SIGNATURE] — check a file's signature (default: FILE.p7s)"));
  g_autoptr(TanbaCmsVerification) v = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *trust_option = NULL;
  g_autofree char *trust_anchor = NULL;
  g_autofree char *signature = NULL;
  int status = TANBA_EXIT_OK;
  GOptionEntry entries[] = {
    { "trust-anchor", 0, 0, G_OPTION_ARG_FILENAME, &trust_option,
      N_("The bank's root certificate, PEM (default: the setting)"), N_("FILE") },
    { "json", 'j', 0, G_OPTION_ARG_NONE, &options->json, N_("Print JSON"), NULL },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_summary (context, _("Exit status 0: the signature is valid; 1: it is not, or it could not be checked."));
  if (!tanba_cli_parse (context, &argc, &argv, &status))
    return status;
  if (argc < 2 || argc > 3)
    return tanba_cli_usage_error (context, _("Name the signed file and, if it is not FILE.p7s, its signature."));
  trust_anchor = resolve_trust_anchor (trust_option);
  if (trust_anchor == NULL)
    return tanba_cli_usage_error (context, _("Which certification authority do you trust? Give --trust-anchor FILE (the bank's root certificate) or set it in the control panel's settings."));
  signature = argc == 3 ? g_strdup (argv[2]) : tanba_cms_default_signature_path (argv[1]);

  v = tanba_cms_verify_file (argv[1], signature, trust_anchor, NULL, &error);
  if (v == NULL)
    return tanba_cli_fail (error);

  if (options->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "valid");
      json_builder_add_boolean_value (builder, v->verdict == TANBA_CMS_VALID);
      add_string (builder, "verdict", tanba_cms_verdict_to_string (v->verdict));
      add_string (builder, "reason", v->reason);
      add_string (builder, "file", argv[1]);
      add_string (builder, "signature", signature);
      add_string (builder, "signer", v->signer_common_name);
      add_string (builder, "organization", v->signer_organization);
      add_string (builder, "certificate_serial", v->signer_serial);
      add_time (builder, "signing_time", v->signing_time);
      json_builder_set_member_name (builder, "cades");
      json_builder_add_boolean_value (builder, v->cades);
      json_builder_end_object (builder);
      tanba_cli_print_json (builder);
    }
  else
    {
      g_print ("%s\n", v->reason);
      if (v->signer_certificate != NULL)
        {
          /* TRANSLATORS: a label, then the signer's name and organization */
          g_print (_("Signer: %s%s%s\n"), v->signer_common_name != NULL ? v->signer_common_name : "",
                   v->signer_organization != NULL ? ", " : "",
                   v->signer_organization != NULL ? v->signer_organization : "");
          g_print (_("Certificate: %s\n"), v->signer_serial);
        }
      if (v->signing_time != NULL)
        {
          g_autoptr(GDateTime) local = g_date_time_to_local (v->signing_time);
          g_autofree char *when = g_date_time_format (local, "%Y-%m-%d %H:%M:%S %Z");

          g_print (_("Signed at: %s\n"), when);
        }
    }
  return v->verdict == TANBA_CMS_VALID ? TANBA_EXIT_OK : TANBA_EXIT_FAILURE;
}

/* ---- signin -------------------------------------------------------------------------- */

int
tanba_cli_signin_command (TanbaCliOptions *options,
                          int              argc,
                          char           **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (_("— sign in to the bank with the authentication key on the token"));
  g_autoptr(TanbaModule) module = NULL;
  g_autoptr(TanbaToken) token = NULL;
  g_autoptr(TanbaTokenInfo) info = NULL;
  g_autoptr(GPtrArray) certificates = NULL;
  g_autoptr(TanbaBankClient) client = NULL;
  g_autoptr(TanbaBankSession) session = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TanbaSecret) pin = NULL;
  g_autofree char *server = NULL;
  g_autofree char *trust_option = NULL;
  g_autofree char *trust_anchor = NULL;
  g_autofree char *certificate_uri = NULL;
  g_autofree char *key_uri = NULL;
  TanbaCertInfo *authentication;
  int status = TANBA_EXIT_OK;
  GOptionEntry entries[] = {
    { "server", 's', 0, G_OPTION_ARG_STRING, &server,
      N_("The bank's address (default: the setting)"), N_("URL") },
    { "trust-anchor", 0, 0, G_OPTION_ARG_FILENAME, &trust_option,
      N_("The bank's root certificate, PEM (default: the setting)"), N_("FILE") },
    { "json", 'j', 0, G_OPTION_ARG_NONE, &options->json, N_("Print JSON"), NULL },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!tanba_cli_parse (context, &argc, &argv, &status))
    return status;
  if (argc > 1)
    return tanba_cli_usage_error (context, _("signin takes no arguments."));
  if (server == NULL)
    server = tanba_settings_dup_string ("bank-url");
  if (server == NULL)
    return tanba_cli_usage_error (context, _("Where is the bank? Give --server URL or set the bank's address in the control panel's settings."));
  trust_anchor = resolve_trust_anchor (trust_option);

  client = tanba_bank_client_new (server, trust_anchor, &error);
  if (client == NULL)
    return tanba_cli_fail (error);
  if ((module = tanba_cli_open_module (options, &status)) == NULL
      || (token = tanba_cli_open_token (options, module, &status)) == NULL)
    return status;
  if ((info = tanba_token_get_info (token, &error)) == NULL
      || (certificates = tanba_token_list_certificates (token, &error)) == NULL)
    return tanba_cli_fail (error);
  authentication = pick_certificate (certificates, is_authentication_certificate);
  if (authentication == NULL)
    {
      g_printerr ("tanba-cli: %s\n",
                  _("The token holds no authentication certificate. Register the token with the bank first (tanba-cli register)."));
      return TANBA_EXIT_REFUSED;
    }
  certificate_uri = tanba_bank_pkcs11_uri (info->serial, info->label, authentication->id, FALSE);
  key_uri = tanba_bank_pkcs11_uri (info->serial, info->label, authentication->id, TRUE);
  g_debug ("Sign-in with %s", certificate_uri);

  pin = tanba_cli_read_secret (options, _("Token password (user PIN):"), &error);
  if (pin == NULL)
    return tanba_cli_fail (error);
  session = tanba_bank_client_sign_in (client, certificate_uri, key_uri, pin, NULL, &error);
  g_clear_pointer (&pin, tanba_cli_secret_free);
  if (session == NULL)
    return tanba_cli_fail (error);

  if (options->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      add_string (builder, "user_id", session->user_id);
      add_string (builder, "name", session->name);
      add_string (builder, "organization", session->organization);
      add_string (builder, "certificate_serial", session->certificate_serial);
      add_time (builder, "certificate_not_after", session->certificate_not_after);
      add_time (builder, "registered_at", session->registered_at);
      add_time (builder, "signed_in_at", session->signed_in_at);
      json_builder_end_object (builder);
      tanba_cli_print_json (builder);
    }
  else if (session->organization != NULL)
    /* TRANSLATORS: the bank's answer: name, organization */
    g_print (_("Signed in as %s, %s\n"), session->name, session->organization);
  else
    g_print (_("Signed in as %s\n"), session->name);
  return TANBA_EXIT_OK;
}
