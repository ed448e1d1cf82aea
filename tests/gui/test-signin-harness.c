/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-signin-harness.c: a small program that opens one of the sign-in,
 * "Sign a document" and "Verify a signature" windows (the real classes, the
 * real token module, the real bank), for the end-to-end and Orca tests until
 * the `tanba` program opens them by itself (the application's actions are in
 * helper "signin"'s report). With --expiry-check it runs the expiry check
 * once, sends its notifications and prints each warning on standard output.
 *
 *   test-signin-harness --module PATH [--server URL] [--trust-anchor FILE]
 *                       [--window signin|sign|verify] [--select SERIAL]
 *                       [--file PATH] [--expiry-check] */
#include "config.h"

#include <locale.h>

#include "tanba-i18n.h"
#include "tanba-expiry.h"
#include "tanba-sign-verify-window.h"
#include "tanba-sign-window.h"
#include "tanba-signin-window.h"
#include "tanba-token-monitor.h"

static char *module_path;
static char *server;
static char *trust_anchor;
static char *window_name;
static char *select_serial;
static char *file;
static gboolean expiry_check;

static const GOptionEntry entries[] = {
  { "module", 0, 0, G_OPTION_ARG_FILENAME, &module_path, "PKCS#11 module", "PATH" },
  { "server", 0, 0, G_OPTION_ARG_STRING, &server, "The bank's address", "URL" },
  { "trust-anchor", 0, 0, G_OPTION_ARG_FILENAME, &trust_anchor, "The bank's root certificate", "FILE" },
  { "window", 0, 0, G_OPTION_ARG_STRING, &window_name, "signin, sign or verify", "WINDOW" },
  { "select", 0, 0, G_OPTION_ARG_STRING, &select_serial, "The profile to select", "SERIAL" },
  { "file", 0, 0, G_OPTION_ARG_FILENAME, &file, "The document", "PATH" },
  { "expiry-check", 0, 0, G_OPTION_ARG_NONE, &expiry_check, "Check expiry once and quit", NULL },
  { NULL }
};

static TanbaModule *module;
static char *module_error;

static void
expiry_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  GApplication *app = G_APPLICATION (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) warnings = tanba_expiry_check_finish (result, &error);

  if (warnings == NULL)
    g_printerr ("expiry check failed: %s\n", error->message);
  for (guint i = 0; warnings != NULL && i < warnings->len; i++)
    {
      g_autofree char *text = tanba_expiry_warning_text (g_ptr_array_index (warnings, i));

      g_print ("warning: %s\n", text);
    }
  g_print ("checked: %u\n", warnings != NULL ? warnings->len : 0);
  /* Let the notifications leave before quitting. */
  g_application_release (app);
}

static void
activate_cb (GApplication *app)
{
  GtkWindow *window;

  if (expiry_check)
    {
      g_application_hold (app);
      tanba_expiry_check_async (app, module, 0, NULL, expiry_done_cb, NULL);
      return;
    }
  if (g_strcmp0 (window_name, "sign") == 0)
    {
      window = tanba_sign_window_new (GTK_APPLICATION (app), module, module_error, NULL, trust_anchor);
      if (select_serial != NULL)
        tanba_sign_window_select (TANBA_SIGN_WINDOW (window), select_serial);
      if (file != NULL)
        tanba_sign_window_set_file (TANBA_SIGN_WINDOW (window), file);
    }
  else if (g_strcmp0 (window_name, "verify") == 0)
    {
      window = tanba_sign_verify_window_new (GTK_APPLICATION (app), trust_anchor);
      if (file != NULL)
        tanba_sign_verify_window_set_file (TANBA_SIGN_VERIFY_WINDOW (window), file);
    }
  else
    window = tanba_signin_window_new (GTK_APPLICATION (app), module, module_error, NULL, server,
                                      trust_anchor, select_serial);
  gtk_window_present (window);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(AdwApplication) app = NULL;
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  int status;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_prgname ("tanba-signin-test");

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  module = tanba_module_open (module_path, &error);
  if (module == NULL)
    module_error = g_strdup (error->message);

  app = adw_application_new ("kz.tanba.Tanba.SigninTest", G_APPLICATION_NON_UNIQUE);
  g_object_set (app, "resource-base-path", "/kz/tanba/Tanba", NULL);
  g_signal_connect (app, "activate", G_CALLBACK (activate_cb), NULL);
  status = g_application_run (G_APPLICATION (app), 1, argv);
  g_clear_pointer (&module, tanba_module_unref);
  return status;
}
