/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-signing.c: document signing throughput and sign-in round trip
 * (issue 6, "Benchmarks"), on a SoftHSM token registered with the reference
 * server over TLS by `tanba-cli register`.
 *
 *  - signing: N small files (1 KiB each) signed
 *      Tanba:   in one process, `tanba-cli --token SERIAL sign --trust-anchor CA F1 … FN`
 *               (one login, the key used N times, CAdES-BES detached, chain included);
 *      OpenSSL: `openssl cms -sign -binary -cades -outform DER -signer CERT -certfile CA
 *               -engine pkcs11 -keyform ENGINE -inkey "pkcs11:serial=…;id=…;type=private"
 *               -passin env:VAR`, one process per file (it signs one file a run), the
 *               same key on the same token through libp11's engine;
 *    same run, files per second of each and the ratio; one signature of each
 *    is checked with `openssl cms -verify` against the bank's CA;
 *  - sign-in: the GUI's sign-in (tanba_signin_run: the token's own login,
 *    TLS client authentication with the key on the token through GnuTLS and
 *    p11-kit, GET bank/whoami, logout) M times in this process, median, and
 *    `tanba-cli signin` M times (process start included), median.
 * The PIN reaches the tools through stdin or the environment, never argv.
 * Prints figures; asserts nothing about time (a failed run makes the exit
 * status 1). Environment: TANBA_BENCH_FILES (default 200), TANBA_BENCH_RUNS
 * (sign-ins, default 20).
 * Run: meson test -C BUILD --benchmark --suite bench-signing -v */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include "tanba-signin-profile.h"
#include "tanba-test-refserver.h"
#include "tanba-test-token.h"

#define PASSWORD "Kt7m2q9w"
#define PIN_VARIABLE "TANBA_BENCH_PIN"
#define SOFTHSM "/usr/lib/softhsm/libsofthsm2.so"

static char *dir;
static int failures;

static guint
env_uint (const char *name,
          guint       fallback)
{
  const char *value = g_getenv (name);
  guint64 n;

  if (value == NULL || !g_ascii_string_to_unsigned (value, 10, 1, 100000, &n, NULL))
    return fallback;
  return (guint) n;
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
median (GArray *values)
{
  g_array_sort (values, compare_double);
  if (values->len == 0)
    return 0;
  if (values->len % 2 == 1)
    return g_array_index (values, double, values->len / 2);
  return (g_array_index (values, double, values->len / 2 - 1) + g_array_index (values, double, values->len / 2)) / 2;
}

static int
run (const char *const *argv,
     const char        *input,
     char             **out)
{
  g_autofree char *err = NULL;
  int status = tanba_test_run (argv, input, out, &err);

  if (status != 0)
    g_printerr ("%s failed (%d): %s\n", argv[0], status, err);
  return status;
}

/* The serial of the first initialized SoftHSM token. */
static char *
token_serial (void)
{
  const char *argv[] = { "softhsm2-util", "--show-slots", NULL };
  g_autofree char *out = NULL;
  g_autoptr(GRegex) regex = g_regex_new ("Serial number:\\s+(\\S+)", 0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;

  g_assert_cmpint (run (argv, NULL, &out), ==, 0);
  g_assert_true (g_regex_match (regex, out, 0, &match));
  return g_match_info_fetch (match, 1);
}

/* The ID (hex) of the certificate whose label contains @label_part. */
static char *
certificate_id (const char *label_part)
{
  const char *argv[] = { "pkcs11-tool", "--module", SOFTHSM, "--list-objects", "--type", "cert", NULL };
  g_autofree char *out = NULL;
  g_auto(GStrv) lines = NULL;
  gboolean wanted = FALSE;

  g_assert_cmpint (run (argv, NULL, &out), ==, 0);
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = g_strstrip (lines[i]);

      if (g_str_has_prefix (line, "label:"))
        wanted = strstr (line, label_part) != NULL;
      else if (wanted && g_str_has_prefix (line, "ID:"))
        return g_strdup (g_strstrip ((char *) line + 3));
    }
  g_error ("no certificate labelled %s", label_part);
  return NULL;
}

static char *
uri_id (const char *hex)
{
  GString *s = g_string_new (NULL);

  for (const char *p = hex; p[0] != '\0' && p[1] != '\0'; p += 2)
    g_string_append_printf (s, "%%%c%c", p[0], p[1]);
  return g_string_free (s, FALSE);
}

static gboolean
openssl_verifies (const char *file,
                  const char *signature,
                  const char *ca)
{
  const char *argv[] = { "openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", signature,
                         "-content", file, "-CAfile", ca, "-purpose", "any", "-out", "/dev/null", NULL };

  return run (argv, NULL, NULL) == 0;
}

int
main (int   argc,
      char *argv[])
{
  guint n_files = env_uint ("TANBA_BENCH_FILES", 200);
  guint n_runs = env_uint ("TANBA_BENCH_RUNS", 20);
  const char *cli = g_getenv ("TANBA_CLI");
  g_autofree char *conf = NULL;
  g_autofree char *tokens = NULL;
  g_autofree char *serial = NULL;
  g_autofree char *signing_id = NULL;
  g_autofree char *cert_der = NULL;
  g_autofree char *cert_pem = NULL;
  g_autofree char *key_uri = NULL;
  g_autofree char *id = NULL;
  g_autofree char *secrets = NULL;
  g_autoptr(TanbaTestDemo) demo = NULL;
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) sign_argv = g_ptr_array_new ();
  g_autoptr(GArray) signin_times = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) cli_times = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(TanbaModule) module = NULL;
  g_autoptr(GError) error = NULL;
  TanbaTestRefserver *server;
  TanbaTestDemoUser *user;
  gint64 start;
  double tanba_seconds, openssl_seconds;
  guint openssl_ok = 0;

  g_test_init (&argc, &argv, NULL);
  if (cli == NULL)
    g_error ("TANBA_CLI is not set");

  /* A factory token in a private SoftHSM, and the bank over TLS. */
  dir = tanba_test_make_tmp_dir ();
  tokens = g_build_filename (dir, "tokens", NULL);
  g_assert_cmpint (g_mkdir (tokens, 0700), ==, 0);
  conf = g_build_filename (dir, "softhsm2.conf", NULL);
  {
    g_autofree char *text = g_strdup_printf ("directories.tokendir = %s\nobjectstore.backend = file\n"
                                             "log.level = ERROR\nslots.removable = true\n", tokens);
    const char *init[] = { "softhsm2-util", "--init-token", "--free", "--label", "", "--so-pin",
                           "87654321", "--pin", "12345678", NULL };

    g_assert_true (g_file_set_contents (conf, text, -1, NULL));
    g_setenv ("SOFTHSM2_CONF", conf, TRUE);
    g_assert_cmpint (run (init, NULL, NULL), ==, 0);
  }
  serial = token_serial ();
  {
    g_autofree char *data = g_build_filename (dir, "server", NULL);
    const char *extra[] = { "--users", "1", NULL };

    demo = tanba_test_demo_new (data, extra);
  }
  server = tanba_test_refserver_start (demo->dir, TRUE, FALSE);
  user = g_ptr_array_index (demo->users, 0);

  /* Registered by tanba-cli, secrets on its standard input. */
  secrets = g_strdup_printf ("%s\n12345678\n%s\n", user->otp_pin, PASSWORD);
  {
    const char *reg[] = { cli, "--module", SOFTHSM, "--token", serial, "register", "--server", server->url,
                          "--trust-anchor", demo->ca_certificate, "--user-id", user->user_id,
                          "--key-file", user->key_file, "--name", "Bench-1", NULL };

    start = g_get_monotonic_time ();
    g_assert_cmpint (run (reg, secrets, NULL), ==, 0);
    g_print ("# registration (tanba-cli register, for the setup): %.2f s\n",
             (g_get_monotonic_time () - start) / 1e6);
  }

  /* The files. */
  for (guint i = 0; i < n_files; i++)
    {
      char *path = g_strdup_printf ("%s/doc-%04u.txt", dir, i);
      g_autofree char *text = g_strnfill (1023, 'a' + (char) (i % 26));

      g_assert_true (g_file_set_contents (path, text, -1, NULL));
      g_ptr_array_add (files, path);
    }

  /* Tanba: one process for all files. */
  g_ptr_array_add (sign_argv, (char *) cli);
  g_ptr_array_add (sign_argv, "--module");
  g_ptr_array_add (sign_argv, SOFTHSM);
  g_ptr_array_add (sign_argv, "--token");
  g_ptr_array_add (sign_argv, serial);
  g_ptr_array_add (sign_argv, "sign");
  g_ptr_array_add (sign_argv, "--trust-anchor");
  g_ptr_array_add (sign_argv, demo->ca_certificate);
  for (guint i = 0; i < files->len; i++)
    g_ptr_array_add (sign_argv, g_ptr_array_index (files, i));
  g_ptr_array_add (sign_argv, NULL);
  start = g_get_monotonic_time ();
  if (run ((const char *const *) sign_argv->pdata, PASSWORD "\n", NULL) != 0)
    failures++;
  tanba_seconds = (g_get_monotonic_time () - start) / 1e6;
  {
    g_autofree char *signature = g_strconcat (g_ptr_array_index (files, 0), ".p7s", NULL);

    if (!openssl_verifies (g_ptr_array_index (files, 0), signature, demo->ca_certificate))
      failures++;
  }

  /* OpenSSL with libp11's engine: the same key, one process per file. */
  signing_id = certificate_id ("signing");
  cert_der = g_build_filename (dir, "signing.der", NULL);
  cert_pem = g_build_filename (dir, "signing.pem", NULL);
  {
    const char *read_cert[] = { "pkcs11-tool", "--module", SOFTHSM, "--read-object", "--type", "cert",
                                "--id", signing_id, "-o", cert_der, NULL };
    const char *to_pem[] = { "openssl", "x509", "-inform", "DER", "-in", cert_der, "-out", cert_pem, NULL };

    g_assert_cmpint (run (read_cert, NULL, NULL), ==, 0);
    g_assert_cmpint (run (to_pem, NULL, NULL), ==, 0);
  }
  id = uri_id (signing_id);
  key_uri = g_strdup_printf ("pkcs11:serial=%s;id=%s;type=private", serial, id);
  g_setenv ("PKCS11_MODULE_PATH", SOFTHSM, TRUE);
  g_setenv (PIN_VARIABLE, PASSWORD, TRUE);
  start = g_get_monotonic_time ();
  for (guint i = 0; i < files->len; i++)
    {
      g_autofree char *out = g_strconcat (g_ptr_array_index (files, i), ".openssl.p7s", NULL);
      const char *sign[] = { "openssl", "cms", "-sign", "-binary", "-cades", "-outform", "DER",
                             "-in", g_ptr_array_index (files, i), "-out", out, "-signer", cert_pem,
                             "-certfile", demo->ca_certificate, "-engine", "pkcs11", "-keyform", "ENGINE",
                             "-inkey", key_uri, "-passin", "env:" PIN_VARIABLE, NULL };

      if (run (sign, NULL, NULL) == 0)
        openssl_ok++;
    }
  openssl_seconds = (g_get_monotonic_time () - start) / 1e6;
  g_unsetenv (PIN_VARIABLE);
  {
    g_autofree char *signature = g_strconcat (g_ptr_array_index (files, 0), ".openssl.p7s", NULL);

    if (openssl_ok != files->len || !openssl_verifies (g_ptr_array_index (files, 0), signature, demo->ca_certificate))
      failures++;
  }

  g_print ("# signing %u files of 1 KiB with the token's signing key (SoftHSM):\n", n_files);
  g_print ("#   tanba-cli sign, one process:          %7.3f s  %8.1f files/s\n",
           tanba_seconds, n_files / tanba_seconds);
  g_print ("#   openssl cms -sign + libp11 engine:     %7.3f s  %8.1f files/s  (%u processes)\n",
           openssl_seconds, openssl_ok / openssl_seconds, n_files);
  g_print ("#   ratio (Tanba files/s / OpenSSL files/s): %.2f\n",
           (n_files / tanba_seconds) / (openssl_ok / openssl_seconds));

  /* Sign-in round trips: in this process (the GUI's path), and tanba-cli. */
  module = tanba_module_open (SOFTHSM, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < n_runs; i++)
    {
      g_autoptr(TanbaBankSession) session = NULL;
      g_autoptr(GError) local = NULL;
      double seconds;

      start = g_get_monotonic_time ();
      session = tanba_signin_run (module, serial, PASSWORD, server->url, demo->ca_certificate, NULL, &local);
      seconds = (g_get_monotonic_time () - start) / 1e6;
      if (session == NULL)
        {
          g_printerr ("sign-in %u failed: %s\n", i, local->message);
          failures++;
          continue;
        }
      g_array_append_val (signin_times, seconds);
    }
  for (guint i = 0; i < n_runs; i++)
    {
      const char *signin[] = { cli, "--module", SOFTHSM, "--token", serial, "signin", "--server", server->url,
                               "--trust-anchor", demo->ca_certificate, NULL };
      double seconds;

      start = g_get_monotonic_time ();
      if (run (signin, PASSWORD "\n", NULL) != 0)
        {
          failures++;
          continue;
        }
      seconds = (g_get_monotonic_time () - start) / 1e6;
      g_array_append_val (cli_times, seconds);
    }
  {
    double m1 = median (signin_times), m2 = median (cli_times); /* sorts them */

    g_print ("# sign-in (TLS client auth with the token key, GET bank/whoami), %u runs each:\n", n_runs);
    g_print ("#   in process (tanba_signin_run: login, TLS, whoami, logout): median %.1f ms (min %.1f, max %.1f)\n",
             m1 * 1000, signin_times->len ? g_array_index (signin_times, double, 0) * 1000 : 0,
             signin_times->len ? g_array_index (signin_times, double, signin_times->len - 1) * 1000 : 0);
    g_print ("#   tanba-cli signin (a process each):                        median %.1f ms (min %.1f, max %.1f)\n",
             m2 * 1000, cli_times->len ? g_array_index (cli_times, double, 0) * 1000 : 0,
             cli_times->len ? g_array_index (cli_times, double, cli_times->len - 1) * 1000 : 0);
  }
  g_print ("# failures: %d\n", failures);

  tanba_test_refserver_stop (server);
  if (g_getenv ("TANBA_TEST_KEEP") == NULL)
    tanba_test_remove_tree (dir);
  return failures == 0 ? 0 : 1;
}
