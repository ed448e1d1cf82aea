/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-cli-token.c: `tanba-cli token …`. */
#include "config.h"

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <signal.h>
#include <string.h>
#include <glib-unix.h>

#include "tanba-cli-common.h"
#include "tanba-i18n.h"
#include "tanba-input-rules.h"
#include "tanba-password-policy.h"
#include "tanba-registration-marker.h"
#include "tanba-token-monitor.h"

/* ---- describing a token ---------------------------------------------------- */

static void
add_flag (JsonBuilder *builder,
          const char  *name,
          gboolean     value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_boolean_value (builder, value);
}

static void
build_token_json (JsonBuilder          *builder,
                  const TanbaTokenInfo *info)
{
  g_autofree char *display = tanba_token_info_dup_display_label (info);

  json_builder_set_member_name (builder, "slot");
  json_builder_add_int_value (builder, info->slot_id);
  json_builder_set_member_name (builder, "serial");
  json_builder_add_string_value (builder, info->serial);
  json_builder_set_member_name (builder, "label");
  json_builder_add_string_value (builder, info->label);
  json_builder_set_member_name (builder, "display_label");
  json_builder_add_string_value (builder, display);
  json_builder_set_member_name (builder, "manufacturer");
  json_builder_add_string_value (builder, info->manufacturer);
  json_builder_set_member_name (builder, "model");
  json_builder_add_string_value (builder, info->model);
  add_flag (builder, "removable", info->removable);
  add_flag (builder, "empty", tanba_token_info_is_factory_empty (info));
  json_builder_set_member_name (builder, "min_pin_length");
  json_builder_add_int_value (builder, info->min_pin_len);
  json_builder_set_member_name (builder, "max_pin_length");
  json_builder_add_int_value (builder, info->max_pin_len);
  json_builder_set_member_name (builder, "free_memory");
  json_builder_add_int_value (builder, info->free_memory);
  json_builder_set_member_name (builder, "flags");
  json_builder_begin_object (builder);
  add_flag (builder, "initialized", tanba_token_info_is_initialized (info));
  add_flag (builder, "user_pin_set", tanba_token_info_user_pin_set (info));
  add_flag (builder, "user_pin_count_low", tanba_token_info_user_pin_count_low (info));
  add_flag (builder, "user_pin_final_try", tanba_token_info_user_pin_final_try (info));
  add_flag (builder, "user_pin_locked", tanba_token_info_user_pin_locked (info));
  add_flag (builder, "user_pin_to_be_changed", tanba_token_info_user_pin_to_be_changed (info));
  add_flag (builder, "admin_pin_count_low", tanba_token_info_so_pin_count_low (info));
  add_flag (builder, "admin_pin_final_try", tanba_token_info_so_pin_final_try (info));
  add_flag (builder, "admin_pin_locked", tanba_token_info_so_pin_locked (info));
  add_flag (builder, "admin_pin_to_be_changed", tanba_token_info_so_pin_to_be_changed (info));
  json_builder_end_object (builder);
}

/* One line for people: what a screen reader user needs first. */
static char *
describe_pin_state (const TanbaTokenInfo *info)
{
  if (!tanba_token_info_is_initialized (info))
    return g_strdup (_("not initialized: format it before use"));
  if (tanba_token_info_user_pin_locked (info))
    return g_strdup (_("user PIN locked (unblock it with the administrator PIN)"));
  if (tanba_token_info_user_pin_final_try (info))
    return g_strdup (_("user PIN: last try left"));
  if (tanba_token_info_user_pin_count_low (info))
    return g_strdup (_("user PIN: few tries left"));
  if (!tanba_token_info_user_pin_set (info))
    return g_strdup (_("user PIN not set"));
  return g_strdup (_("user PIN set"));
}

static void
print_token_text (const TanbaTokenInfo *info)
{
  g_autofree char *display = tanba_token_info_dup_display_label (info);
  g_autofree char *pins = describe_pin_state (info);

  /* TRANSLATORS: slot number, label, serial number, manufacturer, model */
  g_print (_("Slot %lu: %s, serial %s (%s %s)"), info->slot_id, display, info->serial,
           info->manufacturer, info->model);
  if (tanba_token_info_is_factory_empty (info))
    g_print (" — %s", _("new token, as shipped"));
  g_print ("\n  %s", pins);
  if (!tanba_token_info_is_initialized (info))
    ;
  else if (tanba_token_info_so_pin_locked (info))
    g_print ("; %s", _("administrator PIN locked"));
  else if (tanba_token_info_so_pin_final_try (info))
    g_print ("; %s", _("administrator PIN: last try left"));
  else if (tanba_token_info_so_pin_count_low (info))
    g_print ("; %s", _("administrator PIN: few tries left"));
  g_print ("\n");
}

/* ---- token list / info / watch ------------------------------------------- */

static int
token_list (TanbaCliOptions *options,
            int              argc,
            char           **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (_("— list connected tokens"));
  g_autoptr(TanbaModule) module = NULL;
  g_autoptr(GPtrArray) tokens = NULL;
  g_autoptr(GError) error = NULL;
  GOptionEntry entries[] = {
    { "json", 'j', 0, G_OPTION_ARG_NONE, &options->json, N_("Print JSON"), NULL },
    { NULL }
  };
  int status = TANBA_EXIT_OK;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!tanba_cli_parse (context, &argc, &argv, &status))
    return status;
  module = tanba_cli_open_module (options, &status);
  if (module == NULL)
    return status;
  tokens = tanba_token_info_list (module, &error);
  if (tokens == NULL)
    return tanba_cli_fail (error);

  if (options->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_array (builder);
      for (guint i = 0; i < tokens->len; i++)
        {
          json_builder_begin_object (builder);
          build_token_json (builder, g_ptr_array_index (tokens, i));
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
      tanba_cli_print_json (builder);
      return TANBA_EXIT_OK;
    }

  if (tokens->len == 0)
    g_print ("%s\n", _("No token is connected."));
  for (guint i = 0; i < tokens->len; i++)
    print_token_text (g_ptr_array_index (tokens, i));
  return TANBA_EXIT_OK;
}

static const char *
registration_state (const TanbaRegistrationMarker *marker)
{
  if (marker == NULL)
    return "none";
  return tanba_registration_marker_is_finished (marker) ? "complete" : "unfinished";
}

static int
token_info (TanbaCliOptions *options,
            int              argc,
            char           **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (_("— show one token in detail"));
  g_autoptr(TanbaModule) module = NULL;
  g_autoptr(TanbaToken) token = NULL;
  g_autoptr(TanbaTokenInfo) info = NULL;
  g_autoptr(TanbaRegistrationMarker) marker = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  GOptionEntry entries[] = {
    { "json", 'j', 0, G_OPTION_ARG_NONE, &options->json, N_("Print JSON"), NULL },
    { NULL }
  };
  int status = TANBA_EXIT_OK;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!tanba_cli_parse (context, &argc, &argv, &status))
    return status;
  if ((module = tanba_cli_open_module (options, &status)) == NULL
      || (token = tanba_cli_open_token (options, module, &status)) == NULL)
    return status;
  if ((info = tanba_token_get_info (token, &error)) == NULL
      || (name = tanba_token_dup_name (token, &error)) == NULL)
    return tanba_cli_fail (error);
  marker = tanba_registration_marker_read (token, &error);
  if (error != NULL)
    {
      /* A damaged record is reported, not fatal: the rest is still useful. */
      g_printerr ("tanba-cli: %s\n", error->message);
      g_clear_error (&error);
    }

  if (options->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      build_token_json (builder, info);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, name);
      json_builder_set_member_name (builder, "registration");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "state");
      json_builder_add_string_value (builder, registration_state (marker));
      if (marker != NULL)
        {
          json_builder_set_member_name (builder, "step");
          json_builder_add_string_value (builder, marker->step);
          json_builder_set_member_name (builder, "user_id");
          json_builder_add_string_value (builder, marker->user_id);
        }
      json_builder_end_object (builder);
      json_builder_end_object (builder);
      tanba_cli_print_json (builder);
      return TANBA_EXIT_OK;
    }

  print_token_text (info);
  g_print ("  %s: %s\n", _("Name"), name);
  if (info->free_memory >= 0)
    g_print ("  %s: %" G_GINT64_FORMAT "\n", _("Free memory, bytes"), info->free_memory);
  g_print ("  %s: %lu–%lu\n", _("PIN length"), info->min_pin_len, info->max_pin_len);
  if (marker == NULL)
    g_print ("  %s\n", _("Registration: none"));
  else if (tanba_registration_marker_is_finished (marker))
    g_print ("  %s\n", _("Registration: complete"));
  else
    g_print ("  %s (%s)\n", _("Registration: unfinished — continue it before anything else"), marker->step);
  return TANBA_EXIT_OK;
}

static void
print_event (TanbaCliOptions      *options,
             const char           *event,
             const TanbaTokenInfo *info)
{
  if (options->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "event");
      json_builder_add_string_value (builder, event);
      json_builder_set_member_name (builder, "token");
      json_builder_begin_object (builder);
      build_token_json (builder, info);
      json_builder_end_object (builder);
      json_builder_end_object (builder);
      tanba_cli_print_json (builder);
    }
  else
    {
      g_autofree char *display = tanba_token_info_dup_display_label (info);

      if (g_str_equal (event, "added"))
        g_print (_("Connected: %s, serial %s\n"), display, info->serial);
      else if (g_str_equal (event, "removed"))
        g_print (_("Removed: %s, serial %s\n"), display, info->serial);
      else
        {
          g_autofree char *pins = describe_pin_state (info);
          g_print (_("Changed: %s, serial %s: %s\n"), display, info->serial, pins);
        }
    }
  fflush (stdout);
}

static void
token_added_cb (TanbaTokenMonitor *monitor,
                gpointer           info,
                gpointer           options)
{
  print_event (options, "added", info);
}

static void
token_removed_cb (TanbaTokenMonitor *monitor,
                  gpointer           info,
                  gpointer           options)
{
  print_event (options, "removed", info);
}

static void
token_changed_cb (TanbaTokenMonitor *monitor,
                  gpointer           info,
                  gpointer           options)
{
  print_event (options, "changed", info);
}

static gboolean
quit_cb (gpointer loop)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

static int
token_watch (TanbaCliOptions *options,
             int              argc,
             char           **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (_("— print tokens as they are connected and removed, until interrupted"));
  g_autoptr(TanbaModule) module = NULL;
  g_autoptr(TanbaTokenMonitor) monitor = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  GOptionEntry entries[] = {
    { "json", 'j', 0, G_OPTION_ARG_NONE, &options->json, N_("Print one JSON object a line"), NULL },
    { NULL }
  };
  int status = TANBA_EXIT_OK;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!tanba_cli_parse (context, &argc, &argv, &status))
    return status;
  module = tanba_cli_open_module (options, &status);
  if (module == NULL)
    return status;

  loop = g_main_loop_new (NULL, FALSE);
  monitor = tanba_token_monitor_new (module, TANBA_TOKEN_MONITOR_DEFAULT_INTERVAL_MS);
  g_signal_connect (monitor, "token-added", G_CALLBACK (token_added_cb), options);
  g_signal_connect (monitor, "token-removed", G_CALLBACK (token_removed_cb), options);
  g_signal_connect (monitor, "token-changed", G_CALLBACK (token_changed_cb), options);
  g_unix_signal_add (SIGINT, quit_cb, loop);
  g_unix_signal_add (SIGTERM, quit_cb, loop);
  g_main_loop_run (loop);
  return TANBA_EXIT_OK;
}

/* ---- keys and certificates ------------------------------------------------- */

static gboolean
parse_id (const char  *hex,
          GBytes     **id)
{
  gsize len = hex != NULL ? strlen (hex) : 0;
  g_autofree guint8 *bytes = NULL;

  if (len == 0 || len % 2 != 0 || len > 128)
    return FALSE;
  bytes = g_malloc (len / 2);
  for (gsize i = 0; i < len / 2; i++)
    {
      int hi = g_ascii_xdigit_value (hex[2 * i]);
      int lo = g_ascii_xdigit_value (hex[2 * i + 1]);

      if (hi < 0 || lo < 0)
        return FALSE;
      bytes[i] = (guint8) (hi << 4 | lo);
    }
  *id = g_bytes_new_take (g_steal_pointer (&bytes), len / 2);
  return TRUE;
}

static gboolean
login_user (TanbaCliOptions *options,
            TanbaToken      *token,
            int             *status)
{
  g_autoptr(TanbaSecret) pin = NULL;
  g_autoptr(GError) error = NULL;

  pin = tanba_cli_read_secret (options, _("Token password (user PIN):"), &error);
  if (pin == NULL || !tanba_token_login (token, TANBA_ROLE_USER, pin, &error))
    {
      *status = tanba_cli_fail (error);
      return FALSE;
    }
  return TRUE;
}

static int
token_keygen (TanbaCliOptions *options,
              int              argc,
              char           **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (_("— make a key pair on the token (reads the user PIN)"));
  g_autoptr(TanbaModule) module = NULL;
  g_autoptr(TanbaToken) token = NULL;
  g_autoptr(TanbaKeyInfo) key = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *algorithm = NULL;
  g_autofree char *label = NULL;
  g_autofree char *id = NULL;
  TanbaKeyAlgorithm algo;
  GOptionEntry entries[] = {
    { "algorithm", 'a', 0, G_OPTION_ARG_STRING, &algorithm, N_("rsa2048 (default) or p256"), N_("ALGORITHM") },
    { "label", 'l', 0, G_OPTION_ARG_STRING, &label, N_("What the key is for, e.g. “signing”"), N_("LABEL") },
    { "json", 'j', 0, G_OPTION_ARG_NONE, &options->json, N_("Print JSON"), NULL },
    { NULL }
  };
  int status = TANBA_EXIT_OK;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!tanba_cli_parse (context, &argc, &argv, &status))
    return status;
  if (algorithm == NULL || g_str_equal (algorithm, "rsa2048"))
    algo = TANBA_KEY_RSA2048;
  else if (g_str_equal (algorithm, "p256"))
    algo = TANBA_KEY_P256;
  else
    return tanba_cli_usage_error (context, _("The algorithm must be rsa2048 or p256."));
  if (label == NULL || label[0] == '\0')
    return tanba_cli_usage_error (context, _("Give the key a label with --label."));
  if (strlen (label) > 64 || !g_utf8_validate (label, -1, NULL))
    return tanba_cli_usage_error (context, _("The label must be text of at most 64 bytes."));

  if ((module = tanba_cli_open_module (options, &status)) == NULL
      || (token = tanba_cli_open_token (options, module, &status)) == NULL
      || !login_user (options, token, &status))
    return status;
  key = tanba_token_generate_key_pair (token, algo, label, &error);
  tanba_token_logout (token, NULL);
  if (key == NULL)
    return tanba_cli_fail (error);

  id = tanba_id_to_hex (key->id);
  if (options->json)
    g_print ("{\"id\":\"%s\",\"algorithm\":\"%s\",\"bits\":%u}\n", id,
             algo == TANBA_KEY_P256 ? "p256" : "rsa2048", key->bits);
  else
    g_print (_("Key pair made on the token: %s, identifier %s\n"),
             algo == TANBA_KEY_P256 ? "ECDSA P-256" : "RSA 2048", id);
  return TANBA_EXIT_OK;
}

static int
token_keys (TanbaCliOptions *options,
            int              argc,
            char           **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (_("— list key pairs"));
  g_autoptr(TanbaModule) module = NULL;
  g_autoptr(TanbaToken) token = NULL;
  g_autoptr(GPtrArray) keys = NULL;
  g_autoptr(GError) error = NULL;
  gboolean login = FALSE;
  GOptionEntry entries[] = {
    { "login", 0, 0, G_OPTION_ARG_NONE, &login, N_("Enter the user PIN first to see private keys"), NULL },
    { "json", 'j', 0, G_OPTION_ARG_NONE, &options->json, N_("Print JSON"), NULL },
    { NULL }
  };
  int status = TANBA_EXIT_OK;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!tanba_cli_parse (context, &argc, &argv, &status))
    return status;
  if ((module = tanba_cli_open_module (options, &status)) == NULL
      || (token = tanba_cli_open_token (options, module, &status)) == NULL
      || (login && !login_user (options, token, &status)))
    return status;
  keys = tanba_token_list_keys (token, &error);
  tanba_token_logout (token, NULL);
  if (keys == NULL)
    return tanba_cli_fail (error);

  if (options->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_array (builder);
      for (guint i = 0; i < keys->len; i++)
        {
          TanbaKeyInfo *key = g_ptr_array_index (keys, i);
          g_autofree char *id = tanba_id_to_hex (key->id);

          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "id");
          json_builder_add_string_value (builder, id);
          json_builder_set_member_name (builder, "label");
          json_builder_add_string_value (builder, key->label);
          json_builder_set_member_name (builder, "algorithm");
          json_builder_add_string_value (builder, key->algorithm == TANBA_KEY_P256 ? "p256" : "rsa");
          json_builder_set_member_name (builder, "bits");
          json_builder_add_int_value (builder, key->bits);
          add_flag (builder, "private", key->has_private);
          add_flag (builder, "certificate", key->has_certificate);
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
      tanba_cli_print_json (builder);
      return TANBA_EXIT_OK;
    }
  if (keys->len == 0)
    g_print ("%s\n", _("No keys on the token (private keys are listed after the PIN: --login)."));
  for (guint i = 0; i < keys->len; i++)
    {
      TanbaKeyInfo *key = g_ptr_array_index (keys, i);
      g_autofree char *id = tanba_id_to_hex (key->id);

      g_print ("%s  %s %u  %s%s%s\n", id, key->algorithm == TANBA_KEY_P256 ? "EC" : "RSA", key->bits,
               key->label, key->has_private ? "" : _(" (public key only)"),
               key->has_certificate ? _(" (with certificate)") : "");
    }
  return TANBA_EXIT_OK;
}

static char *
x509_name_text (const X509_NAME *name)
{
  BIO *bio = BIO_new (BIO_s_mem ());
  char *data = NULL;
  long len;
  char *text;

  X509_NAME_print_ex (bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  len = BIO_get_mem_data (bio, &data);
  text = g_strndup (data, len);
  BIO_free (bio);
  return text;
}

static char *
asn1_time_iso (const ASN1_TIME *time)
{
  struct tm tm;

  if (ASN1_TIME_to_tm (time, &tm) != 1)
    return g_strdup ("?");
  return g_strdup_printf ("%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                          tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static int
token_certs (TanbaCliOptions *options,
             int              argc,
             char           **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (_("— list certificates on the token"));
  g_autoptr(TanbaModule) module = NULL;
  g_autoptr(TanbaToken) token = NULL;
  g_autoptr(GPtrArray) certs = NULL;
  g_autoptr(GError) error = NULL;
  gboolean pem = FALSE;
  GOptionEntry entries[] = {
    { "json", 'j', 0, G_OPTION_ARG_NONE, &options->json, N_("Print JSON"), NULL },
    { "pem", 0, 0, G_OPTION_ARG_NONE, &pem, N_("Print the certificates in PEM"), NULL },
    { NULL }
  };
  int status = TANBA_EXIT_OK;
  JsonBuilder *builder = NULL;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!tanba_cli_parse (context, &argc, &argv, &status))
    return status;
  if ((module = tanba_cli_open_module (options, &status)) == NULL
      || (token = tanba_cli_open_token (options, module, &status)) == NULL)
    return status;
  certs = tanba_token_list_certificates (token, &error);
  if (certs == NULL)
    return tanba_cli_fail (error);

  if (options->json)
    {
      builder = json_builder_new ();
      json_builder_begin_array (builder);
    }
  else if (certs->len == 0)
    g_print ("%s\n", _("No certificates on the token."));

  for (guint i = 0; i < certs->len; i++)
    {
      TanbaCertInfo *cert = g_ptr_array_index (certs, i);
      g_autofree char *id = tanba_id_to_hex (cert->id);
      g_autofree char *subject = x509_name_text (X509_get_subject_name (cert->certificate));
      g_autofree char *issuer = x509_name_text (X509_get_issuer_name (cert->certificate));
      g_autofree char *not_after = asn1_time_iso (X509_get0_notAfter (cert->certificate));

      if (builder != NULL)
        {
          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "id");
          json_builder_add_string_value (builder, id);
          json_builder_set_member_name (builder, "label");
          json_builder_add_string_value (builder, cert->label);
          json_builder_set_member_name (builder, "subject");
          json_builder_add_string_value (builder, subject);
          json_builder_set_member_name (builder, "issuer");
          json_builder_add_string_value (builder, issuer);
          json_builder_set_member_name (builder, "not_after");
          json_builder_add_string_value (builder, not_after);
          json_builder_end_object (builder);
        }
      else
        {
          g_print ("%s  %s\n  %s: %s\n  %s: %s\n  %s: %s\n", id, cert->label, _("Subject"), subject,
                   _("Issuer"), issuer, _("Valid until"), not_after);
          if (pem)
            {
              BIO *out = BIO_new_fp (stdout, BIO_NOCLOSE);
              PEM_write_bio_X509 (out, cert->certificate);
              BIO_free (out);
            }
        }
    }
  if (builder != NULL)
    {
      json_builder_end_array (builder);
      tanba_cli_print_json (builder);
      g_object_unref (builder);
    }
  return TANBA_EXIT_OK;
}

static int
token_delete (TanbaCliOptions *options,
              int              argc,
              char           **argv,
              gboolean         certificate)
{
  g_autoptr(GOptionContext) context = g_option_context_new (certificate
                                                            ? _("— remove a certificate (reads the user PIN)")
                                                            : _("— remove a key pair (reads the user PIN)"));
  g_autoptr(TanbaModule) module = NULL;
  g_autoptr(TanbaToken) token = NULL;
  g_autoptr(GBytes) id = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *hex = NULL;
  GOptionEntry entries[] = {
    { "id", 0, 0, G_OPTION_ARG_STRING, &hex, N_("The identifier, in hex, as listed"), N_("HEX") },
    { NULL }
  };
  int status = TANBA_EXIT_OK;
  gboolean ok;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!tanba_cli_parse (context, &argc, &argv, &status))
    return status;
  if (!parse_id (hex, &id))
    return tanba_cli_usage_error (context, _("Give the identifier in hex with --id (see “token keys” or “token certs”)."));
  if ((module = tanba_cli_open_module (options, &status)) == NULL
      || (token = tanba_cli_open_token (options, module, &status)) == NULL
      || !login_user (options, token, &status))
    return status;
  ok = certificate ? tanba_token_delete_certificate (token, id, &error)
                   : tanba_token_delete_key (token, id, &error);
  tanba_token_logout (token, NULL);
  if (!ok)
    return tanba_cli_fail (error);
  g_print ("%s\n", certificate ? _("Certificate removed.") : _("Key pair removed."));
  return TANBA_EXIT_OK;
}

static int
token_delete_key (TanbaCliOptions *options, int argc, char **argv)
{
  return token_delete (options, argc, argv, FALSE);
}

static int
token_delete_cert (TanbaCliOptions *options, int argc, char **argv)
{
  return token_delete (options, argc, argv, TRUE);
}

/* ---- name and format ------------------------------------------------------- */

static int
token_rename (TanbaCliOptions *options,
              int              argc,
              char           **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (_("NAME — the name Tanba shows for the token (empty to clear)"));
  g_autoptr(TanbaModule) module = NULL;
  g_autoptr(TanbaToken) token = NULL;
  g_autoptr(GError) error = NULL;
  int status = TANBA_EXIT_OK;

  if (!tanba_cli_parse (context, &argc, &argv, &status))
    return status;
  if (argc != 2)
    return tanba_cli_usage_error (context, _("Give exactly one name (in quotes if needed; \"\" clears it)."));
  if ((module = tanba_cli_open_module (options, &status)) == NULL
      || (token = tanba_cli_open_token (options, module, &status)) == NULL)
    return status;
  if (!tanba_token_set_name (token, argv[1], &error))
    return tanba_cli_fail (error);
  g_print (_("The token is now named “%s”.\n"), argv[1]);
  return TANBA_EXIT_OK;
}

static int
token_format (TanbaCliOptions *options,
              int              argc,
              char           **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (_("— destroy every key and certificate on the token and set its label (reads the administrator PIN, then the new user PIN)"));
  g_autoptr(TanbaModule) module = NULL;
  g_autoptr(TanbaToken) token = NULL;
  g_autoptr(TanbaTokenInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TanbaSecret) admin_pin = NULL;
  g_autoptr(TanbaSecret) user_pin = NULL;
  g_autoptr(TanbaSecret) confirmation = NULL;
  g_autofree char *label = NULL;
  GOptionEntry entries[] = {
    { "label", 'l', 0, G_OPTION_ARG_STRING, &label, N_("The token's new label (Latin letters, digits, - _ =; at most 32)"), N_("LABEL") },
    { NULL }
  };
  int status = TANBA_EXIT_OK;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!tanba_cli_parse (context, &argc, &argv, &status))
    return status;
  if (label != NULL && !tanba_token_name_validate (label, &error))
    return tanba_cli_fail (error);
  if ((module = tanba_cli_open_module (options, &status)) == NULL
      || (token = tanba_cli_open_token (options, module, &status)) == NULL
      || (info = tanba_token_get_info (token, &error)) == NULL)
    return info == NULL && error != NULL ? tanba_cli_fail (error) : status;

  admin_pin = tanba_cli_read_secret (options, _("Administrator PIN (87654321 on a new token):"), &error);
  if (admin_pin != NULL)
    user_pin = tanba_cli_read_new_secret (options, _("New user PIN:"), _("New user PIN again:"), &confirmation, &error);
  if (user_pin == NULL)
    return tanba_cli_fail (error);
  if (!tanba_password_policy_check (user_pin, confirmation, info->max_pin_len, &error)
      || !tanba_token_format (token, admin_pin, label, user_pin, FALSE, &error))
    return tanba_cli_fail (error);
  g_print ("%s\n", _("The token was formatted: its keys and certificates are gone and the new user PIN is set."));
  return TANBA_EXIT_OK;
}

/* ---- dispatch -------------------------------------------------------------- */

int
tanba_cli_token_command (TanbaCliOptions *options,
                         int              argc,
                         char           **argv)
{
  static const struct
  {
    const char     *name;
    TanbaCliCommand run;
  } subcommands[] = {
    { "list", token_list },
    { "info", token_info },
    { "watch", token_watch },
    { "keys", token_keys },
    { "certs", token_certs },
    { "keygen", token_keygen },
    { "delete-key", token_delete_key },
    { "delete-cert", token_delete_cert },
    { "rename", token_rename },
    { "format", token_format },
  };

  if (argc >= 2)
    for (gsize i = 0; i < G_N_ELEMENTS (subcommands); i++)
      if (g_str_equal (argv[1], subcommands[i].name))
        return subcommands[i].run (options, argc - 1, argv + 1);

  g_printerr ("tanba-cli: %s\n", _("Say what to do with the token: list, info, watch, keys, certs, keygen, delete-key, delete-cert, rename or format."));
  return TANBA_EXIT_USAGE;
}
