/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-cli-register.c: `tanba-cli register`: the registration wizard's work,
 * scriptable. Secrets come from stdin (or --pin-fd), one per line, in a fixed
 * order; progress goes to stdout (JSON lines with --json). */
#include "config.h"

#include <string.h>

#include "tanba-cli-common.h"
#include "tanba-bank-client.h"
#include "tanba-cmp-client.h"
#include "tanba-http.h"
#include "tanba-i18n.h"
#include "tanba-input-rules.h"
#include "tanba-key-file.h"
#include "tanba-registration.h"
#include "tanba-settings.h"

typedef struct
{
  char    *server;
  char    *ca_url;
  char    *bank_url;
  char    *trust_anchor;
  char    *user_id;
  char    *key_file;
  char    *name;
  char    *algorithm;
  int      term;
  gboolean mac;
  gboolean key_password_differs;
  gboolean admin_pin_differs;
  gboolean resume;
} RegisterOptions;

static void
register_options_clear (RegisterOptions *o)
{
  g_free (o->server);
  g_free (o->ca_url);
  g_free (o->bank_url);
  g_free (o->trust_anchor);
  g_free (o->user_id);
  g_free (o->key_file);
  g_free (o->name);
  g_free (o->algorithm);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (RegisterOptions, register_options_clear)

static const char *
state_name (TanbaStepState state)
{
  switch (state)
    {
    case TANBA_STEP_STATE_PENDING: return "pending";
    case TANBA_STEP_STATE_RUNNING: return "running";
    case TANBA_STEP_STATE_DONE: return "done";
    case TANBA_STEP_STATE_SKIPPED: return "skipped";
    case TANBA_STEP_STATE_FAILED: return "failed";
    default: return "unknown";
    }
}

static void
print_progress (TanbaRegistrationStep step,
                TanbaStepState        state,
                double                fraction,
                const char           *text,
                gpointer              user_data)
{
  TanbaCliOptions *options = user_data;

  if (options->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "event");
      json_builder_add_string_value (builder, "progress");
      json_builder_set_member_name (builder, "step");
      json_builder_add_string_value (builder, tanba_registration_step_to_string (step));
      json_builder_set_member_name (builder, "state");
      json_builder_add_string_value (builder, state_name (state));
      json_builder_set_member_name (builder, "fraction");
      json_builder_add_double_value (builder, (double) (int) (fraction * 1000 + 0.5) / 1000);
      json_builder_set_member_name (builder, "text");
      json_builder_add_string_value (builder, text);
      json_builder_end_object (builder);
      tanba_cli_print_json (builder);
      fflush (stdout);
      return;
    }
  if (state == TANBA_STEP_STATE_RUNNING)
    g_print ("[%3d%%] %s…\n", (int) (fraction * 100 + 0.5), text);
  else if (state == TANBA_STEP_STATE_SKIPPED)
    /* TRANSLATORS: a registration step an earlier run had done. */
    g_print ("[%3d%%] %s: %s\n", (int) (fraction * 100 + 0.5), text, _("done before"));
  else if (state == TANBA_STEP_STATE_FAILED)
    g_print ("[%3d%%] %s\n", (int) (fraction * 100 + 0.5), _("Failed."));
  else if (state == TANBA_STEP_STATE_DONE && step == TANBA_REGISTRATION_STEP_DONE)
    g_print ("[100%%] %s\n", _("The registration is complete."));
  fflush (stdout);
}

/* Says which look-alike characters were swapped, without showing the PIN. */
static void
report_lookalike (const char *typed,
                  const char *opened_with)
{
  g_autoptr(GString) positions = g_string_new (NULL);

  for (gsize i = 0; typed[i] != '\0' && opened_with[i] != '\0'; i++)
    if (typed[i] != opened_with[i])
      g_string_append_printf (positions, "%s%zu", positions->len > 0 ? ", " : "", i + 1);
  g_printerr ("tanba-cli: %s\n", positions->str);
  /* TRANSLATORS: %s lists positions, e.g. "3, 7". */
  g_printerr (_("tanba-cli: the key file opened only after swapping look-alike characters (I and 1, O and 0) at position(s) %s of the OTP PIN. The registration goes on with the corrected PIN; check your OTP card.\n"),
              positions->str);
}

static gboolean
resolve_locations (RegisterOptions *o,
                   GError         **error)
{
  if (o->server != NULL)
    return TRUE;
  if (o->ca_url == NULL)
    o->ca_url = tanba_settings_dup_string ("ca-url");
  if (o->bank_url == NULL)
    o->bank_url = tanba_settings_dup_string ("bank-url");
  if (o->ca_url == NULL || o->bank_url == NULL)
    {
      g_set_error_literal (error, TANBA_REGISTRATION_ERROR, TANBA_REGISTRATION_ERROR_MISSING_INPUT,
                           _("Where is the bank? Give --server URL, or --ca-url and --bank-url, or set them in the control panel's settings."));
      return FALSE;
    }
  return TRUE;
}

int
tanba_cli_register_command (TanbaCliOptions *options,
                            int              argc,
                            char           **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (_("— register the token with the bank (reads, one per line: the OTP PIN, the key file password if it differs, the token's current password, the new password, the administrator PIN if it differs)"));
  g_auto(RegisterOptions) o = { .term = 0 };
  g_autoptr(TanbaRegistrationParams) params = NULL;
  g_autoptr(TanbaModule) module = NULL;
  g_autoptr(TanbaToken) token = NULL;
  g_autoptr(TanbaRegistrationMarker) marker = NULL;
  g_autoptr(TanbaRegistrationMarker) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TanbaSecret) otp_pin = NULL;
  g_autoptr(TanbaSecret) key_password = NULL;
  g_autoptr(TanbaSecret) current_pin = NULL;
  g_autoptr(TanbaSecret) new_pin = NULL;
  g_autoptr(TanbaSecret) confirmation = NULL;
  g_autoptr(TanbaSecret) admin_pin = NULL;
  g_autoptr(TanbaKeyFile) key_file = NULL;
  TanbaRegistrationState state;
  TanbaKeyAlgorithm algorithm = TANBA_KEY_RSA2048;
  GOptionEntry entries[] = {
    { "server", 's', 0, G_OPTION_ARG_STRING, &o.server, N_("The bank's reference server: CA at URL/pkix/, bank at URL"), N_("URL") },
    { "ca-url", 0, 0, G_OPTION_ARG_STRING, &o.ca_url, N_("The CA's CMP address (default: the setting)"), N_("URL") },
    { "bank-url", 0, 0, G_OPTION_ARG_STRING, &o.bank_url, N_("The bank's address (default: the setting)"), N_("URL") },
    { "trust-anchor", 0, 0, G_OPTION_ARG_FILENAME, &o.trust_anchor, N_("The bank's root certificate, PEM (default: the setting)"), N_("FILE") },
    { "user-id", 'u', 0, G_OPTION_ARG_STRING, &o.user_id, N_("The user ID from the contract, e.g. qq111111_qwertyui"), N_("ID") },
    { "key-file", 'k', 0, G_OPTION_ARG_FILENAME, &o.key_file, N_("The primary initialization key file (PKCS#12) from the bank"), N_("FILE") },
    { "mac", 0, 0, G_OPTION_ARG_NONE, &o.mac, N_("No key file: protect the requests with the user ID and the OTP PIN"), NULL },
    { "key-password-differs", 0, 0, G_OPTION_ARG_NONE, &o.key_password_differs, N_("The key file's password is not the OTP PIN: read it after the OTP PIN"), NULL },
    { "term", 0, 0, G_OPTION_ARG_INT, &o.term, N_("Certificate term in years: 1, 2 or 3 (default: the setting)"), N_("N") },
    { "algorithm", 0, 0, G_OPTION_ARG_STRING, &o.algorithm, N_("Key algorithm: rsa2048 or p256 (default: the setting)"), N_("ALG") },
    { "name", 'n', 0, G_OPTION_ARG_STRING, &o.name, N_("The token's new name (letters, digits, - _ =; up to 32)"), N_("NAME") },
    { "admin-pin-differs", 0, 0, G_OPTION_ARG_NONE, &o.admin_pin_differs, N_("The administrator PIN is not the factory one: read it last"), NULL },
    { "continue", 'c', 0, G_OPTION_ARG_NONE, &o.resume, N_("Continue the unfinished registration on the token"), NULL },
    { NULL }
  };
  int status = TANBA_EXIT_OK;

  tanba_cli_outlive_reader ();

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!tanba_cli_parse (context, &argc, &argv, &status))
    return status;
  if (argc > 1)
    return tanba_cli_usage_error (context, _("register takes no arguments besides its options."));
  if (o.term == 0)
    o.term = tanba_settings_get_int ("certificate-term", 1);
  if (o.term < 1 || o.term > 3)
    return tanba_cli_usage_error (context, _("The term must be 1, 2 or 3 years."));
  if (o.algorithm == NULL)
    {
      g_autofree char *setting = tanba_settings_dup_string ("key-algorithm");
      o.algorithm = g_strdup (setting != NULL ? setting : "rsa2048");
    }
  if (g_str_equal (o.algorithm, "p256"))
    algorithm = TANBA_KEY_P256;
  else if (!g_str_equal (o.algorithm, "rsa2048"))
    return tanba_cli_usage_error (context, _("The algorithm must be rsa2048 or p256."));
  if (!o.resume && o.user_id == NULL)
    return tanba_cli_usage_error (context, _("Give the user ID (--user-id)."));
  if (!o.resume && !o.mac && o.key_file == NULL)
    return tanba_cli_usage_error (context, _("Give the key file (--key-file), or --mac if the bank issued none."));
  if (o.user_id != NULL && !tanba_user_id_validate (o.user_id, &error))
    return tanba_cli_fail (error);
  if (o.trust_anchor == NULL)
    o.trust_anchor = tanba_settings_dup_string ("trust-anchor");
  if (o.trust_anchor != NULL && !g_path_is_absolute (o.trust_anchor))
    {
      g_autofree char *relative = o.trust_anchor;

      o.trust_anchor = g_canonicalize_filename (relative, NULL);
    }
  if (!resolve_locations (&o, &error))
    return tanba_cli_fail (error);

  if ((module = tanba_cli_open_module (options, &status)) == NULL
      || (token = tanba_cli_open_token (options, module, &status)) == NULL)
    return status;

  /* Where the token stands decides what may happen, before any secret is read. */
  state = tanba_registration_inspect (token, &marker, &error);
  if (error != NULL)
    return tanba_cli_fail (error);
  if (state == TANBA_REGISTRATION_STATE_UNFINISHED && !o.resume)
    {
      g_printerr (_("tanba-cli: this token has an unfinished registration (user %s, last step: %s). Run the same command with --continue to finish it.\n"),
                  marker->user_id != NULL ? marker->user_id : "?", marker->step);
      return TANBA_EXIT_REFUSED;
    }
  if (state == TANBA_REGISTRATION_STATE_EMPTY && o.resume)
    {
      g_printerr ("tanba-cli: %s\n", _("This token has no unfinished registration to continue: it is empty. Run register without --continue."));
      return TANBA_EXIT_REFUSED;
    }
  if (o.resume && o.user_id == NULL && marker != NULL)
    o.user_id = g_strdup (marker->user_id);

  /* Secrets, in the documented order. */
  otp_pin = tanba_cli_read_secret (options, _("OTP PIN:"), &error);
  if (otp_pin == NULL)
    return tanba_cli_fail (error);
  tanba_otp_pin_normalize (otp_pin, -1);
  if (!tanba_otp_pin_validate (otp_pin, &error))
    return tanba_cli_fail (error);
  if (o.key_password_differs
      && (key_password = tanba_cli_read_secret (options, _("Key file password:"), &error)) == NULL)
    return tanba_cli_fail (error);
  current_pin = tanba_cli_read_secret (options, o.resume ? _("Token password:") : _("Current token password (12345678 on a new token):"), &error);
  if (current_pin == NULL)
    return tanba_cli_fail (error);
  if (o.resume)
    {
      /* Optional here: needed only if the token was not personalized yet. */
      new_pin = tanba_cli_read_secret (options, _("New token password (empty if already set):"), NULL);
      if (new_pin != NULL && new_pin[0] == '\0')
        g_clear_pointer (&new_pin, tanba_cli_secret_free);
    }
  else if ((new_pin = tanba_cli_read_new_secret (options, _("New token password:"), _("New token password again:"),
                                                 &confirmation, &error)) == NULL)
    return tanba_cli_fail (error);
  if (confirmation != NULL && g_strcmp0 (new_pin, confirmation) != 0)
    {
      g_printerr ("tanba-cli: %s\n", _("The two new passwords differ. Nothing was changed."));
      return TANBA_EXIT_REFUSED;
    }
  if (o.admin_pin_differs
      && (admin_pin = tanba_cli_read_secret (options, _("Administrator PIN:"), &error)) == NULL)
    return tanba_cli_fail (error);

  /* Look-alike characters: tried on the key file only, never on the server. */
  if (!o.mac && o.key_file != NULL && key_password == NULL)
    {
      char *opened_with = NULL;

      key_file = tanba_key_file_open_with_recovery (o.key_file, otp_pin, &opened_with, &error);
      if (key_file == NULL)
        return tanba_cli_fail (error);
      if (o.user_id != NULL && !tanba_key_file_check_user_id (key_file, o.user_id, &error))
        {
          tanba_key_file_secret_free (opened_with);
          return tanba_cli_fail (error);
        }
      if (opened_with != NULL)
        {
          report_lookalike (otp_pin, opened_with);
          explicit_bzero (otp_pin, strlen (otp_pin));
          g_free (otp_pin);
          otp_pin = g_strdup (opened_with);
          tanba_key_file_secret_free (opened_with);
        }
    }

  params = tanba_registration_params_new ();
  tanba_registration_params_set_user_id (params, o.user_id);
  tanba_registration_params_set_key_file (params, o.key_file);
  /* Opened above: the registration does not open it again. */
  tanba_registration_params_take_opened_key_file (params, g_steal_pointer (&key_file));
  tanba_registration_params_set_key_password (params, key_password);
  tanba_registration_params_set_use_mac (params, o.mac);
  tanba_registration_params_set_otp_pin (params, otp_pin);
  tanba_registration_params_set_current_pin (params, current_pin);
  tanba_registration_params_set_new_pin (params, new_pin);
  tanba_registration_params_set_admin_pin (params, admin_pin);
  tanba_registration_params_set_token_name (params, o.name);
  tanba_registration_params_set_algorithm (params, algorithm);
  tanba_registration_params_set_term_years (params, (guint) o.term);
  tanba_registration_params_set_trust_anchor (params, o.trust_anchor);
  if (o.server != NULL)
    tanba_registration_params_set_server (params, o.server);
  else
    {
      tanba_registration_params_set_ca_url (params, o.ca_url);
      tanba_registration_params_set_bank_url (params, o.bank_url);
    }

  result = tanba_registration_run (token, params, print_progress, options, NULL, &error);
  if (result == NULL && g_error_matches (error, TANBA_REGISTRATION_ERROR, TANBA_REGISTRATION_ERROR_ADMIN_PIN))
    {
      /* The token refused the administrator PIN and is unchanged. The PIN
       * is never sent again by itself: say how to give the right one. */
      g_printerr ("tanba-cli: %s\n", error->message);
      g_printerr ("tanba-cli: %s\n",
                  o.admin_pin_differs
                  ? _("Check the administrator PIN, then run the same command again with --admin-pin-differs and the administrator PIN as the last line of the input.")
                  : _("Run the same command again with --admin-pin-differs and give the token’s administrator PIN as the last line of the input."));
      return TANBA_EXIT_WRONG_PIN;
    }
  if (result == NULL && g_error_matches (error, TANBA_REGISTRATION_ERROR, TANBA_REGISTRATION_ERROR_ADMIN_PIN_LOCKED))
    {
      g_printerr ("tanba-cli: %s\n", error->message);
      return TANBA_EXIT_PIN_LOCKED;
    }
  if (result == NULL)
    {
      int code = tanba_cli_fail (error);
      g_autoptr(TanbaRegistrationMarker) after = NULL;

      if (tanba_registration_inspect (token, &after, NULL) == TANBA_REGISTRATION_STATE_UNFINISHED)
        g_printerr ("tanba-cli: %s\n", _("Nothing done so far is lost: run the same command with --continue to finish the registration."));
      return code;
    }
  if (options->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "event");
      json_builder_add_string_value (builder, "done");
      json_builder_set_member_name (builder, "token");
      json_builder_add_string_value (builder, tanba_token_get_serial (token));
      json_builder_set_member_name (builder, "user_id");
      json_builder_add_string_value (builder, result->user_id);
      json_builder_set_member_name (builder, "signing_key_id");
      json_builder_add_string_value (builder, result->signing_key_id);
      json_builder_set_member_name (builder, "authentication_key_id");
      json_builder_add_string_value (builder, result->authentication_key_id);
      json_builder_set_member_name (builder, "term_years");
      json_builder_add_int_value (builder, result->term_years);
      json_builder_end_object (builder);
      tanba_cli_print_json (builder);
    }
  return TANBA_EXIT_OK;
}
