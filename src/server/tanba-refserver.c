/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-refserver.c: the reference CA/RA + bank server, main program.
 *
 *   tanba-refserver --init-demo DIR [--json] [--users N] [--key-type ec|rsa]
 *   tanba-refserver --data DIR --listen ADDR:PORT [--tls] [--test-faults]
 *
 * See src/server/README.md for the interfaces. */

#include "config.h"

#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include <glib.h>
#include <glib-unix.h>
#include <openssl/err.h>
#include <openssl/provider.h>

#include "tanba-i18n.h"
#include "tanba-process.h"
#include "tanba-server-demo.h"
#include "tanba-server-http.h"

static char *opt_init_demo = NULL;
static char *opt_data = NULL;
static char *opt_listen = NULL;
static char *opt_key_type = NULL;
static gboolean opt_json = FALSE;
static gboolean opt_tls = FALSE;
static gboolean opt_test_faults = FALSE;
static gboolean opt_version = FALSE;
static int opt_users = 3;

static GOptionEntry entries[] = {
  { "init-demo", 0, 0, G_OPTION_ARG_FILENAME, &opt_init_demo,
    N_("Create a demo data directory (CA, TLS certificate, users) in DIR"), N_("DIR") },
  { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json,
    N_("With --init-demo: print the result as JSON"), NULL },
  { "users", 0, 0, G_OPTION_ARG_INT, &opt_users,
    N_("With --init-demo: number of demo users (default 3)"), N_("N") },
  { "key-type", 0, 0, G_OPTION_ARG_STRING, &opt_key_type,
    N_("With --init-demo: key type of the CA and init keys, ec (P-256, default) or rsa (2048)"),
    N_("TYPE") },
  { "data", 0, 0, G_OPTION_ARG_FILENAME, &opt_data,
    N_("Serve from the data directory DIR"), N_("DIR") },
  { "listen", 0, 0, G_OPTION_ARG_STRING, &opt_listen,
    N_("Address and port to listen on, e.g. 127.0.0.1:0 (0 picks a free port)"),
    N_("ADDR:PORT") },
  { "tls", 0, 0, G_OPTION_ARG_NONE, &opt_tls,
    N_("Serve HTTPS with the bank TLS certificate of the data directory"), NULL },
  { "test-faults", 0, 0, G_OPTION_ARG_NONE, &opt_test_faults,
    N_("Enable test-only fault switches (POST /test/faults from loopback)"), NULL },
  { "version", 0, 0, G_OPTION_ARG_NONE, &opt_version,
    N_("Print the version and exit"), NULL },
  { NULL }
};

static gboolean
quit_cb (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_CONTINUE;
}

static int
run_init_demo (void)
{
  g_autoptr(TanbaDemoResult) result = NULL;
  g_autoptr(GError) error = NULL;
  TanbaKeyType key_type = TANBA_KEY_TYPE_EC_P256;

  if (opt_key_type != NULL && g_str_equal (opt_key_type, "rsa"))
    key_type = TANBA_KEY_TYPE_RSA_2048;
  else if (opt_key_type != NULL && !g_str_equal (opt_key_type, "ec"))
    {
      g_printerr (_("tanba-refserver: --key-type must be ec or rsa\n"));
      return 2;
    }
  if (opt_users < 1 || opt_users > 100000)
    {
      g_printerr (_("tanba-refserver: --users must be between 1 and 100000\n"));
      return 2;
    }

  result = tanba_server_demo_create (opt_init_demo, key_type, opt_users, &error);
  if (result == NULL)
    {
      g_printerr (_("tanba-refserver: cannot create the demo data: %s\n"), error->message);
      return 1;
    }
  tanba_server_demo_print (result, opt_json);
  return 0;
}

static int
run_server (void)
{
  g_autoptr(TanbaServerHttp) service = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  guint term_id, int_id;

  if (opt_listen == NULL)
    {
      g_printerr (_("tanba-refserver: --data needs --listen ADDR:PORT\n"));
      return 2;
    }

  service = tanba_server_http_new (opt_data, opt_test_faults, &error);
  if (service == NULL)
    {
      g_printerr (_("tanba-refserver: cannot load %s: %s\n"), opt_data, error->message);
      return 1;
    }

  url = tanba_server_http_listen (service, opt_listen, opt_tls, &error);
  if (url == NULL)
    {
      g_printerr (_("tanba-refserver: cannot listen on %s: %s\n"), opt_listen, error->message);
      return 1;
    }

  /* SIGTERM and SIGINT handled before the URL is out: whoever reads the URL
   * may stop the server at once (a test's fixture did, and the server died
   * of the signal instead of shutting down). */
  loop = g_main_loop_new (NULL, FALSE);
  term_id = g_unix_signal_add (SIGTERM, quit_cb, loop);
  int_id = g_unix_signal_add (SIGINT, quit_cb, loop);

  /* The first line of output: scripts and tests read the URL from it. */
  printf ("%s\n", url);
  fflush (stdout);

  g_main_loop_run (loop);
  g_source_remove (term_id);
  g_source_remove (int_id);

  tanba_server_http_shutdown (service);
  return 0;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  OSSL_PROVIDER *default_provider, *legacy_provider;
  int status;

  tanba_process_protect_secrets ();
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  /* Logs go to stderr: the first line of stdout is the URL. */
  g_log_writer_default_set_use_stderr (TRUE);

  /* A broken pipe (a client gone) must not kill the server. */
  signal (SIGPIPE, SIG_IGN);

  context = g_option_context_new (NULL);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_summary (context,
                                _("Reference CA/RA and bank server for Tanba: CMP over HTTP(S), "
                                  "SQLite store. For tests and demonstrations."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("tanba-refserver: %s\n", error->message);
      return 2;
    }

  if (opt_version)
    {
      printf ("tanba-refserver %s\n", PACKAGE_VERSION);
      return 0;
    }

  /* "legacy" (RC2, used by old PKCS#12 files) does not replace "default". */
  default_provider = OSSL_PROVIDER_load (NULL, "default");
  if (default_provider == NULL)
    {
      g_printerr (_("tanba-refserver: cannot load the OpenSSL default provider\n"));
      return 1;
    }
  legacy_provider = OSSL_PROVIDER_load (NULL, "legacy");
  if (legacy_provider == NULL)
    {
      ERR_clear_error ();
      g_warning ("The OpenSSL legacy provider is not available: "
                 "legacy (RC2) PKCS#12 files cannot be written");
    }

  if (opt_init_demo != NULL && opt_data == NULL)
    status = run_init_demo ();
  else if (opt_data != NULL && opt_init_demo == NULL)
    status = run_server ();
  else
    {
      g_printerr (_("tanba-refserver: give either --init-demo DIR or --data DIR --listen "
                    "ADDR:PORT (see --help)\n"));
      status = 2;
    }

  if (legacy_provider != NULL)
    OSSL_PROVIDER_unload (legacy_provider);
  OSSL_PROVIDER_unload (default_provider);
  return status;
}
