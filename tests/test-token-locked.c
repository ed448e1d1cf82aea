/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Few tries left, last try, locked, unblocked: the token's retry flags as a
 * hardware token sets them (SoftHSM never locks, so the hot-plug test module
 * counts wrong PINs in front of it: TANBA_HOTPLUG_PIN_TRIES=3). */
#include "config.h"

#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "tanba-test-token.h"
#include "tanba-token-error.h"

static TanbaTestSoftHsm *hsm;

#define NEW_USER_PIN "Kt7m2q9w"

static void
test_lock_and_unblock (void)
{
  g_autoptr(TanbaToken) token = tanba_test_softhsm_token (hsm, 0);
  g_autoptr(GError) error = NULL;
  g_autoptr(TanbaTokenInfo) info = NULL;

  /* First wrong PIN: few tries left. */
  g_assert_false (tanba_token_login (token, TANBA_ROLE_USER, "00000000", &error));
  g_assert_error (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_PIN_INCORRECT);
  g_assert_nonnull (strstr (error->message, "Few tries"));
  g_clear_error (&error);
  info = tanba_token_get_info (token, NULL);
  g_assert_true (tanba_token_info_user_pin_count_low (info));
  g_assert_false (tanba_token_info_user_pin_final_try (info));
  g_clear_pointer (&info, tanba_token_info_free);

  /* Second: the last try, said before the user types again. */
  g_assert_false (tanba_token_login (token, TANBA_ROLE_USER, "00000000", &error));
  g_assert_nonnull (strstr (error->message, "Only one try is left"));
  g_clear_error (&error);
  info = tanba_token_get_info (token, NULL);
  g_assert_true (tanba_token_info_user_pin_final_try (info));
  g_clear_pointer (&info, tanba_token_info_free);

  /* Third: locked, and the way out is named. */
  g_assert_false (tanba_token_login (token, TANBA_ROLE_USER, "00000000", &error));
  g_assert_error (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_PIN_LOCKED);
  g_assert_nonnull (strstr (error->message, "Unblock"));
  g_clear_error (&error);
  info = tanba_token_get_info (token, NULL);
  g_assert_true (tanba_token_info_user_pin_locked (info));
  g_clear_pointer (&info, tanba_token_info_free);

  /* Even the right PIN is refused now. */
  g_assert_false (tanba_token_login (token, TANBA_ROLE_USER, TANBA_FACTORY_USER_PIN, &error));
  g_assert_error (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_PIN_LOCKED);
  g_clear_error (&error);
  g_assert_false (tanba_token_change_pin (token, TANBA_ROLE_USER, TANBA_FACTORY_USER_PIN, NEW_USER_PIN, &error));
  g_assert_error (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_PIN_LOCKED);
  g_clear_error (&error);

  /* The administrator unblocks it with a new user PIN. */
  g_assert_true (tanba_token_unblock_user_pin (token, TANBA_FACTORY_ADMIN_PIN, NEW_USER_PIN, &error));
  g_assert_no_error (error);
  info = tanba_token_get_info (token, NULL);
  g_assert_false (tanba_token_info_user_pin_locked (info));
  g_assert_false (tanba_token_info_user_pin_count_low (info));
  g_assert_true (tanba_token_login (token, TANBA_ROLE_USER, NEW_USER_PIN, &error));
  g_assert_no_error (error);
  tanba_token_logout (token, NULL);

  /* Checked independently against SoftHSM itself. */
  g_assert_cmpint (tanba_test_pkcs11_tool_login (hsm, tanba_token_get_slot_id (token), FALSE, NEW_USER_PIN), ==, 0);
}

static void
test_cli_locked (void)
{
  const char *serial = g_ptr_array_index (hsm->serials, 1);
  const char *login[] = { g_getenv ("TANBA_CLI"), "--token", serial, "token", "keys", "--login", NULL };
  const char *list[] = { g_getenv ("TANBA_CLI"), "--token", serial, "token", "info", NULL };
  const char *unblock[] = { g_getenv ("TANBA_CLI"), "--token", serial, "pin", "unblock", NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  for (int i = 0; i < 2; i++)
    g_assert_cmpint (tanba_test_run (login, "00000000\n", NULL, NULL), ==, 4);
  g_assert_cmpint (tanba_test_run (login, "00000000\n", NULL, &err), ==, 5);
  g_assert_nonnull (strstr (err, "locked"));
  g_assert_cmpint (tanba_test_run (list, NULL, &out, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "user PIN locked"));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (tanba_test_run (unblock, TANBA_FACTORY_ADMIN_PIN "\n" NEW_USER_PIN "\n", &out, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "PIN unblocked"));
  g_assert_cmpint (tanba_test_run (login, NEW_USER_PIN "\n", NULL, NULL), ==, 0);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_autoptr(GError) error = NULL;
  g_autofree char *control = NULL;
  g_autofree char *pins = NULL;

  g_test_init (&argc, &argv, NULL);
  /* The test module keeps its counts beside its control file, as a token keeps them. */
  close (g_file_open_tmp ("tanba-locked-XXXXXX", &control, &error));
  g_assert_no_error (error);
  g_setenv ("TANBA_HOTPLUG_CONTROL", control, TRUE);
  hsm = tanba_test_softhsm_new (2);
  g_test_add_func ("/token-locked/lock-and-unblock", test_lock_and_unblock);
  g_test_add_func ("/token-locked/cli", test_cli_locked);
  status = g_test_run ();
  tanba_test_softhsm_free (hsm);
  pins = g_strconcat (control, ".pins", NULL);
  g_unlink (pins);
  g_unlink (control);
  return status;
}
