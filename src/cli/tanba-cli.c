/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-cli.c: the scriptable command line, with the powers of the GUI. */
#include "config.h"

#include <locale.h>
#include <stdlib.h>
#include <openssl/provider.h>

#include "tanba-cli-common.h"
#include "tanba-i18n.h"
#include "tanba-process.h"

static const struct
{
  const char     *name;
  TanbaCliCommand run;
} commands[] = {
  { "token", tanba_cli_token_command },
  { "pin", tanba_cli_pin_command },
  { "register", tanba_cli_register_command },
  { "renew", tanba_cli_renew_command },
  { "sign", tanba_cli_sign_command },
  { "verify", tanba_cli_verify_command },
  { "signin", tanba_cli_signin_command },
};

static const char *
describe (void)
{
  return _("Commands:\n"
           "  token list [--json]                  connected tokens and their PIN states\n"
           "  token info [--json]                  one token in detail, with registration state\n"
           "  token watch [--json]                 print tokens as they are connected and removed\n"
           "  token keys [--login] [--json]        key pairs (private keys after the PIN)\n"
           "  token certs [--json]                 certificates on the token\n"
           "  token keygen --algorithm rsa2048|p256 --label LABEL\n"
           "  token delete-key --id HEX            remove a key pair\n"
           "  token delete-cert --id HEX           remove a certificate\n"
           "  token rename NAME                    the name Tanba shows for the token\n"
           "  token format [--label LABEL]         destroy all keys and certificates\n"
           "  pin change --role user|admin         change the user or administrator PIN\n"
           "  pin unblock                          set a new user PIN with the administrator PIN\n"
           "  register --user-id ID --key-file FILE|--mac [--term N] [--continue]\n"
           "                                       register the token with the bank (see register --help)\n"
           "  renew [--list] [--which signing|authentication|both]\n"
           "                                       certificates' days left; renew them with new keys\n"
           "  sign FILE… [--output SIGNATURE]      sign files with the signing key (FILE.p7s)\n"
           "  verify FILE [SIGNATURE]              check a signature against the trust anchor\n"
           "  signin [--server URL]                sign in to the bank with the authentication key\n"
           "\n"
           "PINs and passwords are read from standard input, one per line (or from --pin-fd),\n"
           "never from the command line; on a terminal they are asked for without echo.\n"
           "\n"
           "Exit status:\n"
           "  0 success    1 failure           2 wrong command line   3 no token or token removed\n"
           "  4 wrong PIN  5 PIN locked        6 refused by a rule     7 PKCS#11 module unusable\n"
           "  8 server refused or unreachable\n");
}

/* Loaded for the life of the process and unloaded at exit (before OpenSSL's
 * own clean-up, which would otherwise leave them and their caches allocated). */
static OSSL_PROVIDER *default_provider;
static OSSL_PROVIDER *legacy_provider;

static void
unload_providers (void)
{
  if (legacy_provider != NULL)
    OSSL_PROVIDER_unload (legacy_provider);
  if (default_provider != NULL)
    OSSL_PROVIDER_unload (default_provider);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  TanbaCliOptions options = { NULL, NULL, 0, FALSE };
  gboolean version = FALSE;
  int status = TANBA_EXIT_USAGE;
  GOptionEntry entries[] = {
    { "module", 'm', 0, G_OPTION_ARG_FILENAME, &options.module_path,
      N_("PKCS#11 module to use (default: setting, $TANBA_PKCS11_MODULE, or the p11-kit proxy)"), N_("PATH") },
    { "token", 't', 0, G_OPTION_ARG_STRING, &options.token,
      N_("Token to use: serial number, label or slot:N (default: the only token connected)"), N_("TOKEN") },
    { "pin-fd", 0, 0, G_OPTION_ARG_INT, &options.pin_fd,
      N_("Read PINs and passwords from this file descriptor instead of standard input"), N_("FD") },
    { "json", 'j', 0, G_OPTION_ARG_NONE, &options.json, N_("Print JSON"), NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, N_("Print the version"), NULL },
    { NULL }
  };

  tanba_process_protect_secrets ();
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_prgname ("tanba-cli");
  /* Standard output is for results (JSON); every log message goes to stderr. */
  g_log_writer_default_set_use_stderr (TRUE);

  /* Key files from banks may use the legacy PKCS#12 ciphers. */
  default_provider = OSSL_PROVIDER_load (NULL, "default");
  legacy_provider = OSSL_PROVIDER_load (NULL, "legacy");
  atexit (unload_providers);

  context = g_option_context_new (_("COMMAND [ARGUMENTS…] — token registration, certificates and PINs"));
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_description (context, describe ());
  g_option_context_set_strict_posix (context, TRUE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return tanba_cli_usage_error (context, error->message);

  if (version)
    {
      g_print ("tanba-cli %s\n", PACKAGE_VERSION);
      return TANBA_EXIT_OK;
    }
  if (argc < 2)
    return tanba_cli_usage_error (context, _("Say what to do: a command is missing."));

  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (argv[1], commands[i].name))
      {
        status = commands[i].run (&options, argc - 1, argv + 1);
        goto out;
      }
  {
    g_autofree char *message = g_strdup_printf (_("Unknown command “%s”."), argv[1]);
    status = tanba_cli_usage_error (context, message);
  }

out:
  g_free (options.module_path);
  g_free (options.token);
  return status;
}
