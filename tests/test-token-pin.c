/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Login and PINs against SoftHSM, each result checked with OpenSC's pkcs11-tool. */
#include "config.h"

#include <string.h>

#include "tanba-test-token.h"
#include "tanba-token-error.h"
#include "tanba-token-info.h"

static TanbaTestSoftHsm *hsm;

enum { TOKEN_LOGIN, TOKEN_WRONG, TOKEN_CHANGE_USER, TOKEN_CHANGE_ADMIN, TOKEN_LENGTH, TOKEN_UNBLOCK, N_TOKENS };

#define NEW_USER_PIN  "Kt7m2q9w"
#define NEW_ADMIN_PIN "Adm4n7q2"

static void
test_login_logout (void)
{
  g_autoptr(TanbaToken) token = tanba_test_softhsm_token (hsm, TOKEN_LOGIN);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (tanba_token_get_role (token), ==, TANBA_ROLE_NONE);
  g_assert_true (tanba_token_login (token, TANBA_ROLE_USER, TANBA_FACTORY_USER_PIN, &error));
  g_assert_no_error (error);
  g_assert_cmpint (tanba_token_get_role (token), ==, TANBA_ROLE_USER);

  /* Switching role logs the user out first. */
  g_assert_true (tanba_token_login (token, TANBA_ROLE_ADMIN, TANBA_FACTORY_ADMIN_PIN, &error));
  g_assert_no_error (error);
  g_assert_cmpint (tanba_token_get_role (token), ==, TANBA_ROLE_ADMIN);

  g_assert_true (tanba_token_logout (token, &error));
  g_assert_no_error (error);
  g_assert_cmpint (tanba_token_get_role (token), ==, TANBA_ROLE_NONE);
  /* Logging out twice is harmless. */
  g_assert_true (tanba_token_logout (token, &error));
  g_assert_no_error (error);
}

static void
test_wrong_pin (void)
{
  g_autoptr(TanbaToken) token = tanba_test_softhsm_token (hsm, TOKEN_WRONG);
  g_autoptr(GError) error = NULL;
  g_autoptr(TanbaTokenInfo) before = tanba_token_get_info (token, NULL);
  g_autoptr(TanbaTokenInfo) after = NULL;

  g_assert_false (tanba_token_info_user_pin_count_low (before));
  g_assert_false (tanba_token_login (token, TANBA_ROLE_USER, "00000000", &error));
  g_assert_error (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_PIN_INCORRECT);
  g_assert_cmpint (tanba_token_get_role (token), ==, TANBA_ROLE_NONE);

  /* The token's flag is what the message reports; SoftHSM sets "count low"
   * after any wrong PIN. */
  after = tanba_token_get_info (token, NULL);
  g_assert_true (tanba_token_info_user_pin_count_low (after));
  g_assert_nonnull (strstr (error->message, "Few tries"));
  g_assert_null (strstr (error->message, "00000000"));

  /* Nothing changed: the right PIN still works, checked independently. */
  g_assert_cmpint (tanba_test_pkcs11_tool_login (hsm, tanba_token_get_slot_id (token), FALSE, TANBA_FACTORY_USER_PIN), ==, 0);
  g_clear_error (&error);

  /* A wrong administrator PIN says so too. */
  g_assert_false (tanba_token_login (token, TANBA_ROLE_ADMIN, "11111111", &error));
  g_assert_error (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_PIN_INCORRECT);
  g_assert_nonnull (strstr (error->message, "administrator"));
}

static void
test_change_user_pin (void)
{
  g_autoptr(TanbaToken) token = tanba_test_softhsm_token (hsm, TOKEN_CHANGE_USER);
  g_autoptr(GError) error = NULL;
  gulong slot;

  g_assert_true (tanba_token_change_pin (token, TANBA_ROLE_USER, TANBA_FACTORY_USER_PIN, NEW_USER_PIN, &error));
  g_assert_no_error (error);
  g_assert_cmpint (tanba_token_get_role (token), ==, TANBA_ROLE_NONE);

  slot = tanba_token_get_slot_id (token);
  g_assert_cmpint (tanba_test_pkcs11_tool_login (hsm, slot, FALSE, NEW_USER_PIN), ==, 0);
  g_assert_cmpint (tanba_test_pkcs11_tool_login (hsm, slot, FALSE, TANBA_FACTORY_USER_PIN), !=, 0);

  /* The old PIN no longer changes anything. */
  g_assert_false (tanba_token_change_pin (token, TANBA_ROLE_USER, TANBA_FACTORY_USER_PIN, "Zz9y8x7w", &error));
  g_assert_error (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_PIN_INCORRECT);
  g_assert_cmpint (tanba_test_pkcs11_tool_login (hsm, slot, FALSE, NEW_USER_PIN), ==, 0);
}

static void
test_change_admin_pin (void)
{
  g_autoptr(TanbaToken) token = tanba_test_softhsm_token (hsm, TOKEN_CHANGE_ADMIN);
  g_autoptr(GError) error = NULL;
  gulong slot;

  g_assert_true (tanba_token_change_pin (token, TANBA_ROLE_ADMIN, TANBA_FACTORY_ADMIN_PIN, NEW_ADMIN_PIN, &error));
  g_assert_no_error (error);
  slot = tanba_token_get_slot_id (token);
  g_assert_cmpint (tanba_test_pkcs11_tool_login (hsm, slot, TRUE, NEW_ADMIN_PIN), ==, 0);
  g_assert_cmpint (tanba_test_pkcs11_tool_login (hsm, slot, TRUE, TANBA_FACTORY_ADMIN_PIN), !=, 0);
  /* The user PIN is untouched. */
  g_assert_cmpint (tanba_test_pkcs11_tool_login (hsm, slot, FALSE, TANBA_FACTORY_USER_PIN), ==, 0);
}

static void
test_pin_length (void)
{
  g_autoptr(TanbaToken) token = tanba_test_softhsm_token (hsm, TOKEN_LENGTH);
  g_autoptr(GError) error = NULL;
  g_autofree char *too_long = g_strnfill (300, 'a');
  gulong slot = tanba_token_get_slot_id (token);

  /* SoftHSM allows 4 to 255 characters. */
  g_assert_false (tanba_token_change_pin (token, TANBA_ROLE_USER, TANBA_FACTORY_USER_PIN, "ab1", &error));
  g_assert_error (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_PIN_LENGTH);
  g_assert_nonnull (strstr (error->message, "4 to 255"));
  g_clear_error (&error);
  g_assert_false (tanba_token_change_pin (token, TANBA_ROLE_USER, TANBA_FACTORY_USER_PIN, too_long, &error));
  g_assert_error (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_PIN_LENGTH);
  g_clear_error (&error);
  g_assert_false (tanba_token_unblock_user_pin (token, TANBA_FACTORY_ADMIN_PIN, "ab1", &error));
  g_assert_error (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_PIN_LENGTH);

  /* Unchanged, and not even a wrong-PIN count was spent. */
  g_assert_cmpint (tanba_test_pkcs11_tool_login (hsm, slot, FALSE, TANBA_FACTORY_USER_PIN), ==, 0);
}

static void
test_unblock (void)
{
  g_autoptr(TanbaToken) token = tanba_test_softhsm_token (hsm, TOKEN_UNBLOCK);
  g_autoptr(GError) error = NULL;
  gulong slot = tanba_token_get_slot_id (token);

  /* A wrong administrator PIN leaves the user PIN as it was. */
  g_assert_false (tanba_token_unblock_user_pin (token, "11111111", NEW_USER_PIN, &error));
  g_assert_error (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_PIN_INCORRECT);
  g_clear_error (&error);
  g_assert_cmpint (tanba_test_pkcs11_tool_login (hsm, slot, FALSE, TANBA_FACTORY_USER_PIN), ==, 0);

  /* Forget the user PIN: wrong attempts, then the administrator sets a new one. */
  g_assert_false (tanba_token_login (token, TANBA_ROLE_USER, "99999999", NULL));
  g_assert_true (tanba_token_unblock_user_pin (token, TANBA_FACTORY_ADMIN_PIN, NEW_USER_PIN, &error));
  g_assert_no_error (error);
  g_assert_cmpint (tanba_token_get_role (token), ==, TANBA_ROLE_NONE);
  g_assert_cmpint (tanba_test_pkcs11_tool_login (hsm, slot, FALSE, NEW_USER_PIN), ==, 0);
  g_assert_cmpint (tanba_test_pkcs11_tool_login (hsm, slot, FALSE, TANBA_FACTORY_USER_PIN), !=, 0);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  hsm = tanba_test_softhsm_new (N_TOKENS);
  g_test_add_func ("/token-pin/login-logout", test_login_logout);
  g_test_add_func ("/token-pin/wrong-pin", test_wrong_pin);
  g_test_add_func ("/token-pin/change-user", test_change_user_pin);
  g_test_add_func ("/token-pin/change-admin", test_change_admin_pin);
  g_test_add_func ("/token-pin/length", test_pin_length);
  g_test_add_func ("/token-pin/unblock", test_unblock);
  status = g_test_run ();
  tanba_test_softhsm_free (hsm);
  return status;
}
