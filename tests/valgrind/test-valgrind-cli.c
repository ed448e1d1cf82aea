/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-cli under valgrind's memcheck: whole registrations against the
 * reference server over HTTPS on SoftHSM factory tokens (a key file and
 * P-256, the legacy key file and the default RSA 2048, MAC protection), then
 * `token list` and `renew --list`. Each run must end as it would without
 * valgrind, with no invalid read or write and no definitely lost byte
 * (tests/valgrind/tanba.supp lists the third-party allocations set aside).
 * Secrets go through standard input only; none may appear in any output. */
#include "config.h"

#include <string.h>

#include "tanba-test-refserver.h"
#include "tanba-test-token.h"
#include "tanba-test-valgrind.h"

#define NEW_PIN  "Kt7m2q9w"
#define N_TOKENS 3

static TanbaTestSoftHsm *hsm;
static TanbaTestDemo *demo;
static TanbaTestRefserver *server;
static char *work_dir;
static char *state_dir;
static GPtrArray *secrets;

static TanbaTestDemoUser *
user (guint index)
{
  return g_ptr_array_index (demo->users, index);
}

static void
assert_no_secret_in (const char *what,
                     const char *text)
{
  for (guint i = 0; text != NULL && i + 1 < secrets->len; i++)
    if (strstr (text, g_ptr_array_index (secrets, i)) != NULL)
      g_error ("A secret appeared in %s", what);
}

/* Runs `valgrind … tanba-cli --module SOFTHSM [--token SERIAL] --json ARGS…`
 * with @input on its standard input; checks valgrind's report (@name names
 * its log file) and that the command exited with @expected_status. */
static void
run_cli (CliResult          *result,
         const char         *name,
         int                 token_index,
         const char         *input,
         int                 expected_status,
         const char * const *args)
{
  g_autoptr(GPtrArray) cli = g_ptr_array_new ();
  g_autoptr(GPtrArray) argv = NULL;
  g_autoptr(GPtrArray) env = g_ptr_array_new ();
  g_autofree char *log_name = g_strdup_printf ("valgrind-%s.log", name);
  g_autofree char *log_path = g_build_filename (work_dir, log_name, NULL);
  g_autoptr(GTimer) timer = g_timer_new ();

  g_ptr_array_add (cli, (char *) g_getenv ("TANBA_CLI"));
  g_ptr_array_add (cli, "--module");
  g_ptr_array_add (cli, hsm->module_path);
  if (token_index >= 0)
    {
      g_ptr_array_add (cli, "--token");
      g_ptr_array_add (cli, g_ptr_array_index (hsm->serials, token_index));
    }
  g_ptr_array_add (cli, "--json");
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (cli, (char *) args[i]);
  g_ptr_array_add (cli, NULL);
  argv = tanba_test_valgrind_argv (log_path, (const char * const *) cli->pdata);
  for (guint i = 0; i + 1 < argv->len; i++)
    assert_no_secret_in ("the command line", g_ptr_array_index (argv, i));

  for (guint i = 0; tanba_test_valgrind_env[i] != NULL; i++)
    g_ptr_array_add (env, (char *) tanba_test_valgrind_env[i]);
  g_ptr_array_add (env, "XDG_STATE_HOME");
  g_ptr_array_add (env, state_dir);
  g_ptr_array_add (env, NULL);

  result->status = tanba_test_run_env ((const char * const *) argv->pdata,
                                       (const char * const *) env->pdata, input,
                                       &result->out, &result->err);
  g_test_message ("tanba-cli %s: %.1f s under valgrind, exit %d\nstdout (last part):\n%s\nstderr (last part):\n%s",
                  name, g_timer_elapsed (timer, NULL), result->status,
                  strlen (result->out) > 1500 ? result->out + strlen (result->out) - 1500 : result->out,
                  strlen (result->err) > 1500 ? result->err + strlen (result->err) - 1500 : result->err);
  assert_no_secret_in ("standard output", result->out);
  assert_no_secret_in ("standard error", result->err);
  tanba_test_valgrind_check (name, log_path, result->status, expected_status,
                             (const char * const *) secrets->pdata);
}

static guint
count (const char *text,
       const char *needle)
{
  guint n = 0;

  for (const char *p = text; (p = strstr (p, needle)) != NULL; p += strlen (needle))
    n++;
  return n;
}

/* A whole registration of @u on @token_index, checked from outside:
 * pkcs11-tool finds two key pairs and two certificates behind the new
 * password, and the server has the registration complete. */
static void
register_token (const char        *name,
                guint              token_index,
                TanbaTestDemoUser *u,
                gboolean           mac,
                const char        *algorithm)
{
  g_auto(CliResult) r = { 0 };
  g_autofree char *input = g_strdup_printf ("%s\n%s\n%s\n", u->otp_pin, TANBA_FACTORY_USER_PIN, NEW_PIN);
  g_autofree char *token_name = g_strdup_printf ("VG%u", token_index);
  g_autofree char *objects = NULL;
  const char *args[16] = { "register", "--server", server->url, "--trust-anchor", demo->ca_certificate,
                           "--user-id", u->user_id, "--name", token_name, NULL };
  guint n = 9;

  if (mac)
    args[n++] = "--mac";
  else
    {
      args[n++] = "--key-file";
      args[n++] = u->key_file;
    }
  if (algorithm != NULL)
    {
      args[n++] = "--algorithm";
      args[n++] = algorithm;
    }
  args[n] = NULL;

  run_cli (&r, name, (int) token_index, input, 0, args);
  g_assert_nonnull (strstr (r.out, "\"event\":\"done\""));
  g_assert_nonnull (strstr (r.out, u->user_id));

  objects = tanba_test_pkcs11_tool_objects (hsm, tanba_test_softhsm_slot (hsm, token_index), NEW_PIN);
  g_assert_cmpuint (count (objects, "Private Key Object"), ==, 2);
  g_assert_cmpuint (count (objects, "Certificate Object"), ==, 2);
  g_assert_nonnull (strstr (objects, algorithm == NULL || g_str_equal (algorithm, "rsa2048") ? "RSA" : "EC"));
}

static void
test_register_p256_key_file (void)
{
  register_token ("register-p256-key-file", 0, user (0), FALSE, "p256");
}

/* The default algorithm (the setting: RSA 2048) and the legacy key file
 * (OpenSSL's legacy provider, loaded and unloaded). */
static void
test_register_rsa_legacy_key_file (void)
{
  register_token ("register-rsa2048-legacy-key-file", 1, user (2), FALSE, NULL);
}

static void
test_register_mac (void)
{
  register_token ("register-mac", 2, user (3), TRUE, "p256");
}

static void
test_token_list (void)
{
  g_auto(CliResult) r = { 0 };

  run_cli (&r, "token-list", -1, NULL, 0, (const char * const[]) { "token", "list", NULL });
  for (guint i = 0; i < hsm->serials->len; i++)
    g_assert_nonnull (strstr (r.out, g_ptr_array_index (hsm->serials, i)));
  g_assert_nonnull (strstr (r.out, "\"label\":\"VG0\""));
}

static void
test_renew_list (void)
{
  g_auto(CliResult) r = { 0 };

  run_cli (&r, "renew-list", 0, NEW_PIN "\n", 0,
           (const char * const[]) { "renew", "--list", "--warn-days", "400", NULL });
  g_assert_nonnull (strstr (r.out, "\"profile\":\"signing\""));
  g_assert_nonnull (strstr (r.out, "\"profile\":\"authentication\""));
  g_assert_nonnull (strstr (r.out, "\"due\":true"));
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  work_dir = tanba_test_make_tmp_dir ();
  g_test_message ("valgrind's reports: %s/valgrind-*.log", work_dir);
  state_dir = g_build_filename (work_dir, "state", NULL);
  hsm = tanba_test_softhsm_new (N_TOKENS);
  {
    g_autofree char *demo_dir = g_build_filename (work_dir, "demo", NULL);

    demo = tanba_test_demo_new (demo_dir, (const char * const[]) { "--users", "4", NULL });
  }
  server = tanba_test_refserver_start (demo->dir, TRUE, FALSE);
  secrets = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (secrets, g_strdup (NEW_PIN));
  for (guint i = 0; i < demo->users->len; i++)
    g_ptr_array_add (secrets, g_strdup (user (i)->otp_pin));
  g_ptr_array_add (secrets, NULL);

  g_test_add_func ("/valgrind/cli/register-p256-key-file", test_register_p256_key_file);
  g_test_add_func ("/valgrind/cli/register-rsa2048-legacy-key-file", test_register_rsa_legacy_key_file);
  g_test_add_func ("/valgrind/cli/register-mac", test_register_mac);
  g_test_add_func ("/valgrind/cli/token-list", test_token_list);
  g_test_add_func ("/valgrind/cli/renew-list", test_renew_list);

  status = g_test_run ();

  tanba_test_refserver_stop (server);
  tanba_test_demo_free (demo);
  tanba_test_softhsm_free (hsm);
  if (g_getenv ("TANBA_TEST_KEEP") == NULL)
    tanba_test_remove_tree (work_dir);
  g_ptr_array_unref (secrets);
  g_free (work_dir);
  g_free (state_dir);
  return status;
}
