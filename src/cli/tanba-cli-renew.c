/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-cli-renew.c: `tanba-cli certs-due` and `tanba-cli renew`: which
 * registered certificates expire soon, and their renewal (kur) with new keys
 * on the token. The token password comes from stdin or --pin-fd. */
#include "config.h"

#include "tanba-cli-common.h"
#include "tanba-i18n.h"
#include "tanba-renewal.h"
#include "tanba-settings.h"

static const char *
profile_name (TanbaCertProfile profile)
{
  return profile == TANBA_CERT_PROFILE_SIGNING ? "signing" : "authentication";
}

static void
print_progress (double      fraction,
                const char *text,
                gpointer    user_data)
{
  TanbaCliOptions *options = user_data;

  if (options->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "event");
      json_builder_add_string_value (builder, "progress");
      json_builder_set_member_name (builder, "fraction");
      json_builder_add_double_value (builder, (double) (int) (fraction * 1000 + 0.5) / 1000);
      json_builder_set_member_name (builder, "text");
      json_builder_add_string_value (builder, text);
      json_builder_end_object (builder);
      tanba_cli_print_json (builder);
    }
  else
    g_print ("[%3d%%] %s\n", (int) (fraction * 100 + 0.5), text);
  fflush (stdout);
}

/* Lists the registered certificates with their days left. */
static int
list_due (TanbaCliOptions *options,
          TanbaToken      *token,
          guint            warn_days)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = tanba_renewal_list_certificates (token, &error);
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  if (list == NULL)
    return tanba_cli_fail (error);
  json_builder_begin_array (builder);
  for (guint i = 0; i < list->len; i++)
    {
      TanbaCertificateStatus *status = g_ptr_array_index (list, i);
      gboolean due = tanba_certificate_status_is_due (status, warn_days);

      if (options->json)
        {
          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "profile");
          json_builder_add_string_value (builder, profile_name (status->profile));
          json_builder_set_member_name (builder, "days_left");
          json_builder_add_int_value (builder, status->days_left);
          json_builder_set_member_name (builder, "due");
          json_builder_add_boolean_value (builder, due);
          json_builder_end_object (builder);
        }
      else if (status->days_left < 0)
        g_print (_("%s certificate: expired %d days ago — renew it (tanba-cli renew)\n"),
                 status->profile == TANBA_CERT_PROFILE_SIGNING ? _("Signing") : _("Authentication"),
                 -status->days_left);
      else
        g_print (due ? _("%s certificate: expires in %d days — renew it (tanba-cli renew)\n")
                     : _("%s certificate: valid for %d more days\n"),
                 status->profile == TANBA_CERT_PROFILE_SIGNING ? _("Signing") : _("Authentication"),
                 status->days_left);
    }
  json_builder_end_array (builder);
  if (options->json)
    tanba_cli_print_json (builder);
  else if (list->len == 0)
    g_print ("%s\n", _("This token has no registered certificates."));
  return TANBA_EXIT_OK;
}

int
tanba_cli_renew_command (TanbaCliOptions *options,
                         int              argc,
                         char           **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (_("— renew the token's certificates with new keys (reads the token password)"));
  g_autoptr(TanbaModule) module = NULL;
  g_autoptr(TanbaToken) token = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TanbaSecret) pin = NULL;
  g_autofree char *server = NULL;
  g_autofree char *ca_url = NULL;
  g_autofree char *bank_url = NULL;
  g_autofree char *trust_anchor = NULL;
  g_autofree char *which = NULL;
  gboolean list = FALSE;
  int term = 0;
  int warn_days = 0;
  TanbaRenewalParams params = { 0 };
  GOptionEntry entries[] = {
    { "list", 'l', 0, G_OPTION_ARG_NONE, &list, N_("Only list the certificates and the days they have left"), NULL },
    { "which", 0, 0, G_OPTION_ARG_STRING, &which, N_("signing, authentication or both (default)"), N_("WHICH") },
    { "server", 's', 0, G_OPTION_ARG_STRING, &server, N_("The bank's reference server: CA at URL/pkix/, bank at URL"), N_("URL") },
    { "ca-url", 0, 0, G_OPTION_ARG_STRING, &ca_url, N_("The CA's CMP address (default: the setting)"), N_("URL") },
    { "bank-url", 0, 0, G_OPTION_ARG_STRING, &bank_url, N_("The bank's address (default: the setting)"), N_("URL") },
    { "trust-anchor", 0, 0, G_OPTION_ARG_FILENAME, &trust_anchor, N_("The bank's root certificate, PEM (default: the setting)"), N_("FILE") },
    { "term", 0, 0, G_OPTION_ARG_INT, &term, N_("Certificate term in years: 1, 2 or 3 (default: the setting)"), N_("N") },
    { "warn-days", 0, 0, G_OPTION_ARG_INT, &warn_days, N_("With --list: days before expiry that count as due (default: the setting)"), N_("DAYS") },
    { NULL }
  };
  int status = TANBA_EXIT_OK;

  tanba_cli_outlive_reader ();

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!tanba_cli_parse (context, &argc, &argv, &status))
    return status;
  if (term == 0)
    term = tanba_settings_get_int ("certificate-term", 1);
  if (warn_days <= 0)
    warn_days = tanba_settings_get_int ("expiry-warning-days", 30);
  if (term < 1 || term > 3)
    return tanba_cli_usage_error (context, _("The term must be 1, 2 or 3 years."));
  if (which == NULL || g_str_equal (which, "both"))
    params.which = TANBA_RENEW_BOTH;
  else if (g_str_equal (which, "signing"))
    params.which = TANBA_RENEW_SIGNING;
  else if (g_str_equal (which, "authentication"))
    params.which = TANBA_RENEW_AUTHENTICATION;
  else
    return tanba_cli_usage_error (context, _("--which must be signing, authentication or both."));

  if ((module = tanba_cli_open_module (options, &status)) == NULL
      || (token = tanba_cli_open_token (options, module, &status)) == NULL)
    return status;
  if (list)
    return list_due (options, token, (guint) warn_days);

  if (server != NULL)
    {
      g_autofree char *base = g_str_has_suffix (server, "/") ? g_strdup (server) : g_strconcat (server, "/", NULL);

      g_free (ca_url);
      ca_url = g_strconcat (base, "pkix/", NULL);
      g_free (bank_url);
      bank_url = g_steal_pointer (&base);
    }
  if (ca_url == NULL)
    ca_url = tanba_settings_dup_string ("ca-url");
  if (bank_url == NULL)
    bank_url = tanba_settings_dup_string ("bank-url");
  if (trust_anchor == NULL)
    trust_anchor = tanba_settings_dup_string ("trust-anchor");
  if (trust_anchor != NULL && !g_path_is_absolute (trust_anchor))
    {
      g_autofree char *relative = g_steal_pointer (&trust_anchor);

      trust_anchor = g_canonicalize_filename (relative, NULL);
    }

  pin = tanba_cli_read_secret (options, _("Token password:"), &error);
  if (pin == NULL)
    return tanba_cli_fail (error);
  params.pin = pin;
  params.term_years = (guint) term;
  params.ca_url = ca_url;
  params.bank_url = bank_url;
  params.trust_anchor = trust_anchor;
  if (!tanba_renewal_run (token, &params, print_progress, options, NULL, &error))
    {
      int code = tanba_cli_fail (error);

      if (tanba_renewal_is_unfinished (token))
        g_printerr ("tanba-cli: %s\n", _("Nothing done so far is lost: run the same command again to finish the renewal."));
      return code;
    }
  return TANBA_EXIT_OK;
}
