/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-cli token/pin commands as a script uses them: exit codes, JSON, secrets
 * only on standard input, and no secret in any output even with debug logging. */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "tanba-registration-marker.h"
#include "tanba-test-refserver.h"
#include "tanba-test-token.h"

static TanbaTestSoftHsm *hsm;

enum { TOKEN_READ, TOKEN_KEYGEN, TOKEN_PIN, TOKEN_UNBLOCK, TOKEN_FORMAT, TOKEN_UNFINISHED, N_TOKENS };

#define NEW_USER_PIN "Kt7m2q9w"
#define NEW_ADMIN_PIN "Qw7adm9Zk"

/* Runs tanba-cli on token @index (-1: none chosen) with debug logging on. */
static void
run_cli (CliResult   *result,
         int          index,
         const char  *module,
         const char  *input,
         const char  *first,
         ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  const char *env[] = { "G_MESSAGES_DEBUG", "all", NULL };
  const char *arg;
  va_list args;

  g_ptr_array_add (argv, (char *) g_getenv ("TANBA_CLI"));
  g_ptr_array_add (argv, "--module");
  g_ptr_array_add (argv, (char *) (module != NULL ? module : hsm->module_path));
  if (index >= 0)
    {
      g_ptr_array_add (argv, "--token");
      g_ptr_array_add (argv, g_ptr_array_index (hsm->serials, index));
    }
  va_start (args, first);
  for (arg = first; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (char *) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  result->status = tanba_test_run_env ((const char *const *) argv->pdata, env, input,
                                       &result->out, &result->err);
  g_test_message ("exit %d\nstdout: %s\nstderr: %s", result->status, result->out, result->err);
}

static void
assert_no_secret (const CliResult *result,
                  const char      *secret)
{
  g_assert_null (strstr (result->out, secret));
  g_assert_null (strstr (result->err, secret));
}

static void
test_list_json (void)
{
  g_auto (CliResult) result = { 0, };
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonArray *tokens;
  guint factory = 0;

  run_cli (&result, -1, NULL, NULL, "token", "list", "--json", NULL);
  g_assert_cmpint (result.status, ==, 0);
  g_assert_true (json_parser_load_from_data (parser, result.out, -1, &error));
  g_assert_no_error (error);
  tokens = json_node_get_array (json_parser_get_root (parser));
  for (guint i = 0; i < json_array_get_length (tokens); i++)
    {
      JsonObject *token = json_array_get_object_element (tokens, i);

      if (json_object_get_boolean_member (token, "empty"))
        {
          factory++;
          g_assert_cmpstr (json_object_get_string_member (token, "display_label"), ==, "<no label>");
          g_assert_true (json_object_get_boolean_member (json_object_get_object_member (token, "flags"), "user_pin_set"));
        }
    }
  g_assert_cmpuint (factory, ==, N_TOKENS);
}

static void
test_info_json (void)
{
  g_auto (CliResult) result = { 0, };
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *info;

  run_cli (&result, TOKEN_READ, NULL, NULL, "token", "info", "--json", NULL);
  g_assert_cmpint (result.status, ==, 0);
  g_assert_true (json_parser_load_from_data (parser, result.out, -1, &error));
  info = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (info, "serial"), ==, g_ptr_array_index (hsm->serials, TOKEN_READ));
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (info, "registration"), "state"), ==, "none");
}

/* One factory token beside SoftHSM's free, uninitialized slot: with no
 * --token, the token is chosen (not "2 tokens are connected"). */
static void
test_only_initialized (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("tanba-test-one-XXXXXX", &error);
  g_autofree char *tokens = g_build_filename (dir, "tokens", NULL);
  g_autofree char *conf = g_build_filename (dir, "softhsm2.conf", NULL);
  g_autofree char *conf_text = g_strdup_printf ("directories.tokendir = %s\nobjectstore.backend = file\n"
                                                "log.level = ERROR\n", tokens);
  const char *init[] = { "softhsm2-util", "--init-token", "--free", "--label", "",
                         "--so-pin", TANBA_FACTORY_ADMIN_PIN, "--pin", TANBA_FACTORY_USER_PIN, NULL };
  const char *list[] = { g_getenv ("TANBA_CLI"), "--module", hsm->module_path, "token", "list", "--json", NULL };
  const char *info[] = { g_getenv ("TANBA_CLI"), "--module", hsm->module_path, "token", "info", "--json", NULL };
  const char *env[] = { "SOFTHSM2_CONF", conf, NULL };
  g_auto (CliResult) listed = { 0, };
  g_auto (CliResult) chosen = { 0, };
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonArray *all;
  g_autofree char *serial = NULL;
  guint uninitialized = 0;

  g_assert_no_error (error);
  g_assert_cmpint (g_mkdir (tokens, 0700), ==, 0);
  g_assert_true (g_file_set_contents (conf, conf_text, -1, NULL));
  g_assert_cmpint (tanba_test_run_env (init, env, NULL, NULL, NULL), ==, 0);

  listed.status = tanba_test_run_env (list, env, NULL, &listed.out, &listed.err);
  g_assert_cmpint (listed.status, ==, 0);
  g_assert_true (json_parser_load_from_data (parser, listed.out, -1, &error));
  all = json_node_get_array (json_parser_get_root (parser));
  g_assert_cmpuint (json_array_get_length (all), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      JsonObject *token = json_array_get_object_element (all, i);

      if (json_object_get_boolean_member (json_object_get_object_member (token, "flags"), "initialized"))
        serial = g_strdup (json_object_get_string_member (token, "serial"));
      else
        uninitialized++;
    }
  g_assert_cmpuint (uninitialized, ==, 1);
  g_assert_nonnull (serial);

  chosen.status = tanba_test_run_env (info, env, NULL, &chosen.out, &chosen.err);
  g_test_message ("exit %d\nstdout: %s\nstderr: %s", chosen.status, chosen.out, chosen.err);
  g_assert_cmpint (chosen.status, ==, 0);
  g_assert_true (json_parser_load_from_data (parser, chosen.out, -1, &error));
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (json_parser_get_root (parser)), "serial"),
                   ==, serial);
  tanba_test_remove_tree (dir);
}

static void
test_keygen (void)
{
  g_auto (CliResult) result = { 0, };
  g_auto (CliResult) keys = { 0, };
  g_autofree char *listing = NULL;

  run_cli (&result, TOKEN_KEYGEN, NULL, TANBA_FACTORY_USER_PIN "\n", "token", "keygen",
           "--algorithm", "p256", "--label", "Tanba signing key", NULL);
  g_assert_cmpint (result.status, ==, 0);
  assert_no_secret (&result, TANBA_FACTORY_USER_PIN);

  listing = tanba_test_pkcs11_tool_objects (hsm, tanba_test_softhsm_slot (hsm, TOKEN_KEYGEN), TANBA_FACTORY_USER_PIN);
  g_assert_nonnull (strstr (listing, "Private Key Object; EC"));
  g_assert_nonnull (strstr (listing, "Tanba signing key"));

  run_cli (&keys, TOKEN_KEYGEN, NULL, NULL, "token", "keys", "--json", NULL);
  g_assert_cmpint (keys.status, ==, 0);
  g_assert_nonnull (strstr (keys.out, "\"algorithm\":\"p256\""));

  /* Wrong PIN: exit 4, and the message reports the token's flags. */
  tanba_test_cli_result_clear (&result);
  run_cli (&result, TOKEN_KEYGEN, NULL, "00000000\n", "token", "keygen", "--label", "x", NULL);
  g_assert_cmpint (result.status, ==, 4);
  g_assert_nonnull (strstr (result.err, "PIN is wrong"));
  assert_no_secret (&result, "00000000");

  /* A bad algorithm is a usage error. */
  tanba_test_cli_result_clear (&result);
  run_cli (&result, TOKEN_KEYGEN, NULL, NULL, "token", "keygen", "--algorithm", "dsa", "--label", "x", NULL);
  g_assert_cmpint (result.status, ==, 2);
}

static void
test_pin_change (void)
{
  g_auto (CliResult) result = { 0, };
  gulong slot = tanba_test_softhsm_slot (hsm, TOKEN_PIN);

  /* A password breaking the rules is refused before the token is touched. */
  run_cli (&result, TOKEN_PIN, NULL, TANBA_FACTORY_USER_PIN "\nabc12345\n", "pin", "change", NULL);
  g_assert_cmpint (result.status, ==, 6);
  g_assert_nonnull (strstr (result.err, "“123”"));
  g_assert_cmpint (tanba_test_pkcs11_tool_login (hsm, slot, FALSE, TANBA_FACTORY_USER_PIN), ==, 0);

  tanba_test_cli_result_clear (&result);
  run_cli (&result, TOKEN_PIN, NULL, TANBA_FACTORY_USER_PIN "\n" NEW_USER_PIN "\n", "pin", "change", "--role", "user", NULL);
  g_assert_cmpint (result.status, ==, 0);
  assert_no_secret (&result, TANBA_FACTORY_USER_PIN);
  assert_no_secret (&result, NEW_USER_PIN);
  g_assert_cmpint (tanba_test_pkcs11_tool_login (hsm, slot, FALSE, NEW_USER_PIN), ==, 0);
  g_assert_cmpint (tanba_test_pkcs11_tool_login (hsm, slot, FALSE, TANBA_FACTORY_USER_PIN), !=, 0);

  /* The administrator PIN follows the same rules (as in the control panel):
   * digits only are refused before the token is touched. */
  tanba_test_cli_result_clear (&result);
  run_cli (&result, TOKEN_PIN, NULL, TANBA_FACTORY_ADMIN_PIN "\n11223344\n", "pin", "change", "--role", "admin", NULL);
  g_assert_cmpint (result.status, ==, 6);
  g_assert_cmpint (tanba_test_pkcs11_tool_login (hsm, slot, TRUE, TANBA_FACTORY_ADMIN_PIN), ==, 0);

  tanba_test_cli_result_clear (&result);
  run_cli (&result, TOKEN_PIN, NULL, TANBA_FACTORY_ADMIN_PIN "\n" NEW_ADMIN_PIN "\n", "pin", "change", "--role", "admin", NULL);
  g_assert_cmpint (result.status, ==, 0);
  assert_no_secret (&result, NEW_ADMIN_PIN);
  g_assert_cmpint (tanba_test_pkcs11_tool_login (hsm, slot, TRUE, NEW_ADMIN_PIN), ==, 0);

  /* Missing input: a clear message, not a hang. */
  tanba_test_cli_result_clear (&result);
  run_cli (&result, TOKEN_PIN, NULL, NEW_USER_PIN "\n", "pin", "change", NULL);
  g_assert_cmpint (result.status, ==, 1);
  g_assert_nonnull (strstr (result.err, "missing"));

  tanba_test_cli_result_clear (&result);
  run_cli (&result, TOKEN_PIN, NULL, NULL, "pin", "change", "--role", "boss", NULL);
  g_assert_cmpint (result.status, ==, 2);
}

static void
test_pin_unblock (void)
{
  g_auto (CliResult) result = { 0, };
  gulong slot = tanba_test_softhsm_slot (hsm, TOKEN_UNBLOCK);

  run_cli (&result, TOKEN_UNBLOCK, NULL, "11111111\n" NEW_USER_PIN "\n", "pin", "unblock", NULL);
  g_assert_cmpint (result.status, ==, 4);
  g_assert_cmpint (tanba_test_pkcs11_tool_login (hsm, slot, FALSE, TANBA_FACTORY_USER_PIN), ==, 0);

  tanba_test_cli_result_clear (&result);
  run_cli (&result, TOKEN_UNBLOCK, NULL, TANBA_FACTORY_ADMIN_PIN "\n" NEW_USER_PIN "\n", "pin", "unblock", NULL);
  g_assert_cmpint (result.status, ==, 0);
  g_assert_nonnull (strstr (result.out, "PIN unblocked"));
  assert_no_secret (&result, TANBA_FACTORY_ADMIN_PIN);
  assert_no_secret (&result, NEW_USER_PIN);
  g_assert_cmpint (tanba_test_pkcs11_tool_login (hsm, slot, FALSE, NEW_USER_PIN), ==, 0);
}

static void
test_format (void)
{
  g_auto (CliResult) result = { 0, };
  g_autoptr(TanbaToken) token = NULL;
  g_autoptr(TanbaTokenInfo) info = NULL;

  run_cli (&result, TOKEN_FORMAT, NULL, TANBA_FACTORY_ADMIN_PIN "\n" NEW_USER_PIN "\n",
           "token", "format", "--label", "bad label", NULL);
  g_assert_cmpint (result.status, ==, 6);

  tanba_test_cli_result_clear (&result);
  run_cli (&result, TOKEN_FORMAT, NULL, TANBA_FACTORY_ADMIN_PIN "\n" NEW_USER_PIN "\n",
           "token", "format", "--label", "Accounting", NULL);
  g_assert_cmpint (result.status, ==, 0);
  assert_no_secret (&result, NEW_USER_PIN);

  token = tanba_test_softhsm_token (hsm, TOKEN_FORMAT);
  info = tanba_token_get_info (token, NULL);
  g_assert_cmpstr (info->label, ==, "Accounting");
  g_assert_cmpint (tanba_test_pkcs11_tool_login (hsm, info->slot_id, FALSE, NEW_USER_PIN), ==, 0);

  tanba_test_cli_result_clear (&result);
  run_cli (&result, TOKEN_FORMAT, NULL, NULL, "token", "rename", "Main_1", NULL);
  g_assert_cmpint (result.status, ==, 0);
  tanba_test_cli_result_clear (&result);
  run_cli (&result, TOKEN_FORMAT, NULL, NULL, "token", "info", NULL);
  g_assert_nonnull (strstr (result.out, "Main_1"));
  tanba_test_cli_result_clear (&result);
  run_cli (&result, TOKEN_FORMAT, NULL, NULL, "token", "rename", "Главный", NULL);
  g_assert_cmpint (result.status, ==, 6);
}

static void
test_format_unfinished (void)
{
  g_auto (CliResult) result = { 0, };
  g_autoptr(TanbaToken) token = tanba_test_softhsm_token (hsm, TOKEN_UNFINISHED);
  g_autoptr(TanbaRegistrationMarker) marker = tanba_registration_marker_new ();
  g_autoptr(TanbaTokenInfo) info = NULL;

  g_assert_true (tanba_registration_marker_write (token, marker, NULL));
  run_cli (&result, TOKEN_UNFINISHED, NULL, TANBA_FACTORY_ADMIN_PIN "\n" NEW_USER_PIN "\n",
           "token", "format", "--label", "X", NULL);
  g_assert_cmpint (result.status, ==, 6);
  g_assert_nonnull (strstr (result.err, "unfinished"));

  info = tanba_token_get_info (token, NULL);
  g_assert_cmpstr (info->label, ==, "");
  g_assert_cmpint (tanba_test_pkcs11_tool_login (hsm, info->slot_id, FALSE, TANBA_FACTORY_USER_PIN), ==, 0);

  tanba_test_cli_result_clear (&result);
  run_cli (&result, TOKEN_UNFINISHED, NULL, NULL, "token", "info", "--json", NULL);
  g_assert_nonnull (strstr (result.out, "\"state\":\"unfinished\""));
}

static void
test_bad_module (void)
{
  g_auto (CliResult) result = { 0, };

  run_cli (&result, -1, "/nonexistent/pkcs11.so", NULL, "token", "list", NULL);
  g_assert_cmpint (result.status, ==, 7);
  g_assert_nonnull (strstr (result.err, "does not exist"));

  tanba_test_cli_result_clear (&result);
  run_cli (&result, -1, "/usr/lib/x86_64-linux-gnu/libz.so.1", NULL, "token", "list", NULL);
  g_assert_cmpint (result.status, ==, 7);
  g_assert_nonnull (strstr (result.err, "not a PKCS#11 module"));

  tanba_test_cli_result_clear (&result);
  run_cli (&result, -1, NULL, NULL, "token", "info", NULL);
  g_assert_cmpint (result.status, ==, 3);

  tanba_test_cli_result_clear (&result);
  run_cli (&result, -1, NULL, NULL, "frobnicate", NULL);
  g_assert_cmpint (result.status, ==, 2);
}

/* --pin-fd: the PIN comes from another descriptor; standard input stays unused. */
static void
test_pin_fd (void)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                                                      | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int fds[2];
  const char *argv[] = { g_getenv ("TANBA_CLI"), "--module", hsm->module_path,
                         "--token", g_ptr_array_index (hsm->serials, TOKEN_READ),
                         "--pin-fd", "5", "token", "keys", "--login", "--json", NULL };

  g_assert_cmpint (pipe (fds), ==, 0);
  g_assert_cmpint (write (fds[1], TANBA_FACTORY_USER_PIN "\n", 9), ==, 9);
  close (fds[1]);
  g_subprocess_launcher_take_fd (launcher, fds[0], 5);
  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);
  g_assert_true (g_str_has_prefix (out, "["));
  g_assert_null (strstr (out, TANBA_FACTORY_USER_PIN));
  g_assert_null (strstr (err, TANBA_FACTORY_USER_PIN));
}

/* token watch prints the tokens present as "added" events, one JSON object a line. */
static void
test_watch (void)
{
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) lines = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  const char *argv[] = { g_getenv ("TANBA_CLI"), "--module", hsm->module_path,
                         "token", "watch", "--json", NULL };
  guint added = 0;

  process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  g_assert_no_error (error);
  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  /* N_TOKENS factory tokens and SoftHSM's spare slot. */
  while (added < N_TOKENS + 1)
    {
      g_autofree char *line = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, &error);
      JsonObject *event;

      g_assert_no_error (error);
      g_assert_nonnull (line);
      g_assert_true (json_parser_load_from_data (parser, line, -1, &error));
      event = json_node_get_object (json_parser_get_root (parser));
      g_assert_cmpstr (json_object_get_string_member (event, "event"), ==, "added");
      g_assert_true (json_object_has_member (event, "token"));
      added++;
    }
  g_subprocess_send_signal (process, SIGTERM);
  g_subprocess_wait (process, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  hsm = tanba_test_softhsm_new (N_TOKENS);
  g_test_add_func ("/cli/token-list-json", test_list_json);
  g_test_add_func ("/cli/token-info-json", test_info_json);
  g_test_add_func ("/cli/only-initialized", test_only_initialized);
  g_test_add_func ("/cli/keygen", test_keygen);
  g_test_add_func ("/cli/pin-change", test_pin_change);
  g_test_add_func ("/cli/pin-unblock", test_pin_unblock);
  g_test_add_func ("/cli/format", test_format);
  g_test_add_func ("/cli/format-unfinished", test_format_unfinished);
  g_test_add_func ("/cli/bad-module", test_bad_module);
  g_test_add_func ("/cli/pin-fd", test_pin_fd);
  g_test_add_func ("/cli/watch", test_watch);
  status = g_test_run ();
  tanba_test_softhsm_free (hsm);
  return status;
}
