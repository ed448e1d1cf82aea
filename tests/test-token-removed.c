/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A token pulled out during an operation: a clear error, nothing half-done,
 * and the token usable again once it is back. Uses the hot-plug test module. */
#include "config.h"

#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "tanba-test-token.h"
#include "tanba-token-error.h"

static TanbaTestSoftHsm *hsm;
static char *control_path;

static void
set_removed (const char *serial)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (control_path, serial != NULL ? serial : "", -1, &error);
  g_assert_no_error (error);
}

static void
test_removed_during_operation (void)
{
  g_autoptr(TanbaToken) token = tanba_test_softhsm_token (hsm, 0);
  g_autoptr(TanbaToken) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TanbaKeyInfo) key = NULL;
  g_autoptr(GPtrArray) keys = NULL;
  g_autoptr(TanbaTokenInfo) info = NULL;
  const char *serial = tanba_token_get_serial (token);

  g_assert_true (tanba_token_login (token, TANBA_ROLE_USER, TANBA_FACTORY_USER_PIN, &error));
  g_assert_no_error (error);
  key = tanba_token_generate_key_pair (token, TANBA_KEY_P256, "before", &error);
  g_assert_no_error (error);

  set_removed (serial);

  g_assert_null (tanba_token_generate_key_pair (token, TANBA_KEY_P256, "after", &error));
  g_assert_error (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_TOKEN_REMOVED);
  g_assert_nonnull (strstr (error->message, "Connect it again"));
  g_clear_error (&error);
  g_assert_null (tanba_token_get_info (token, &error));
  g_assert_error (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_TOKEN_REMOVED);
  g_clear_error (&error);
  g_assert_false (tanba_token_change_pin (token, TANBA_ROLE_USER, TANBA_FACTORY_USER_PIN, "Kt7m2q9w", &error));
  g_assert_error (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_TOKEN_REMOVED);
  g_clear_error (&error);
  g_assert_null (tanba_token_open (hsm->module, serial, &error));
  g_assert_error (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_NO_TOKEN);
  g_clear_error (&error);

  set_removed (NULL);

  /* Back: logged out, as after pulling a real token; the PIN was not changed
   * and the key made before is still there, nothing from after. */
  info = tanba_token_get_info (token, &error);
  g_assert_no_error (error);
  g_assert_cmpint (tanba_token_get_role (token), ==, TANBA_ROLE_NONE);
  g_assert_true (tanba_token_login (token, TANBA_ROLE_USER, TANBA_FACTORY_USER_PIN, &error));
  g_assert_no_error (error);
  keys = tanba_token_list_keys (token, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (keys->len, ==, 1);
  g_assert_cmpstr (((TanbaKeyInfo *) g_ptr_array_index (keys, 0))->label, ==, "before");

  again = tanba_token_open (hsm->module, serial, &error);
  g_assert_no_error (error);
}

/* A token that allows one session at a time: the two key pairs that are
 * made at the same time elsewhere are made one after the other, both. */
static void
test_one_session_keygen (void)
{
  static const char * const labels[] = { "signing", "authentication" };
  g_autoptr(TanbaToken) token = tanba_test_softhsm_token (hsm, 2);
  g_autoptr(GPtrArray) keys = NULL;
  g_autoptr(GError) error = NULL;
  TanbaKeyInfo *made[2] = { NULL, NULL };

  g_assert_true (tanba_token_login (token, TANBA_ROLE_USER, TANBA_FACTORY_USER_PIN, &error));
  set_removed ("!one-session");
  g_assert_true (tanba_token_generate_key_pairs (token, TANBA_KEY_P256, labels, 2, made, &error));
  g_assert_no_error (error);
  set_removed (NULL);
  g_assert_nonnull (made[0]);
  g_assert_nonnull (made[1]);
  g_assert_false (g_bytes_equal (made[0]->id, made[1]->id));
  keys = tanba_token_list_keys (token, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (keys->len, ==, 2);
  for (guint i = 0; i < keys->len; i++)
    g_assert_true (((TanbaKeyInfo *) g_ptr_array_index (keys, i))->has_private);
  tanba_key_info_free (made[0]);
  tanba_key_info_free (made[1]);

  /* The switch works: a second session is refused while it is on. */
  {
    CK_FUNCTION_LIST *f = tanba_module_get_functions (hsm->module);
    CK_SESSION_HANDLE second;

    set_removed ("!one-session");
    g_assert_cmpint (f->C_OpenSession (tanba_token_get_slot_id (token), CKF_SERIAL_SESSION, NULL, NULL, &second),
                     ==, CKR_SESSION_COUNT);
    set_removed (NULL);
    g_assert_cmpint (f->C_OpenSession (tanba_token_get_slot_id (token), CKF_SERIAL_SESSION, NULL, NULL, &second),
                     ==, CKR_OK);
    g_assert_cmpint (f->C_CloseSession (second), ==, CKR_OK);
  }
}

static void
test_cli_removed (void)
{
  const char *serial = g_ptr_array_index (hsm->serials, 1);
  const char *argv[] = { g_getenv ("TANBA_CLI"), "--token", serial, "token", "info", NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  set_removed (serial);
  g_assert_cmpint (tanba_test_run (argv, NULL, &out, &err), ==, 3);
  g_assert_nonnull (strstr (err, "No connected token matches"));
  set_removed (NULL);
  g_clear_pointer (&err, g_free);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (tanba_test_run (argv, NULL, &out, &err), ==, 0);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  close (g_file_open_tmp ("tanba-hotplug-XXXXXX", &control_path, &error));
  g_assert_no_error (error);
  g_setenv ("TANBA_HOTPLUG_CONTROL", control_path, TRUE);
  hsm = tanba_test_softhsm_new (3);
  g_test_add_func ("/token-removed/during-operation", test_removed_during_operation);
  g_test_add_func ("/token-removed/cli", test_cli_removed);
  g_test_add_func ("/token-removed/one-session-keygen", test_one_session_keygen);
  status = g_test_run ();
  tanba_test_softhsm_free (hsm);
  g_unlink (control_path);
  g_free (control_path);
  return status;
}
