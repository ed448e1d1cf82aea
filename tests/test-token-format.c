/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Format (re-initialize) and the token's name, refusals leaving the token unchanged. */
#include "config.h"

#include <string.h>

#include "tanba-input-rules.h"
#include "tanba-password-policy.h"
#include "tanba-registration-marker.h"
#include "tanba-test-token.h"
#include "tanba-token-error.h"

static TanbaTestSoftHsm *hsm;

enum { TOKEN_UNFINISHED, TOKEN_IDLE, TOKEN_BAD_INPUT, TOKEN_NAME, N_TOKENS };

#define NEW_USER_PIN "Kt7m2q9w"

static TanbaKeyInfo *
make_key (TanbaToken *token)
{
  g_autoptr(GError) error = NULL;
  TanbaKeyInfo *key;

  g_assert_true (tanba_token_login (token, TANBA_ROLE_USER, TANBA_FACTORY_USER_PIN, &error));
  key = tanba_token_generate_key_pair (token, TANBA_KEY_P256, "signing", &error);
  g_assert_no_error (error);
  tanba_token_logout (token, NULL);
  return key;
}

static guint
count_keys (TanbaToken *token)
{
  g_autoptr(GPtrArray) keys = tanba_token_list_keys (token, NULL);

  return keys->len;
}

static void
test_refused_while_unfinished (void)
{
  g_autoptr(TanbaToken) token = tanba_test_softhsm_token (hsm, TOKEN_UNFINISHED);
  g_autoptr(TanbaRegistrationMarker) marker = tanba_registration_marker_new ();
  g_autoptr(TanbaKeyInfo) key = make_key (token);
  g_autoptr(GError) error = NULL;

  marker->user_id = g_strdup ("qq111111_qwertyui");
  g_free (marker->step);
  marker->step = g_strdup ("signing-key-generated");
  g_assert_true (tanba_registration_marker_write (token, marker, &error));

  g_assert_false (tanba_token_format (token, TANBA_FACTORY_ADMIN_PIN, "NEWLABEL", NEW_USER_PIN, FALSE, &error));
  g_assert_error (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_REGISTRATION_UNFINISHED);
  g_assert_nonnull (strstr (error->message, "Continue the registration"));
  g_clear_error (&error);

  /* Unchanged: the key, the marker and the PIN are all still there. */
  g_assert_cmpuint (count_keys (token), ==, 1);
  g_assert_cmpint (tanba_test_pkcs11_tool_login (hsm, tanba_token_get_slot_id (token), FALSE, TANBA_FACTORY_USER_PIN), ==, 0);

  /* Once finished, formatting is allowed. */
  g_free (marker->step);
  marker->step = g_strdup ("done");
  g_assert_true (tanba_registration_marker_write (token, marker, &error));
  g_assert_true (tanba_token_format (token, TANBA_FACTORY_ADMIN_PIN, "", NEW_USER_PIN, FALSE, &error));
  g_assert_no_error (error);
}

static void
test_format_idle (void)
{
  g_autoptr(TanbaToken) token = tanba_test_softhsm_token (hsm, TOKEN_IDLE);
  g_autoptr(TanbaKeyInfo) key = make_key (token);
  g_autoptr(GError) error = NULL;
  g_autoptr(TanbaTokenInfo) info = NULL;
  g_autofree char *listing = NULL;
  const char *serial = tanba_token_get_serial (token);

  g_assert_true (tanba_token_format (token, TANBA_FACTORY_ADMIN_PIN, "Accounting-1", NEW_USER_PIN, FALSE, &error));
  g_assert_no_error (error);

  info = tanba_token_get_info (token, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (info->label, ==, "Accounting-1");
  g_assert_cmpstr (info->serial, ==, serial);
  g_assert_false (tanba_token_info_is_factory_empty (info));

  /* pkcs11-tool: the new user PIN logs in, the old does not, the key is gone. */
  g_assert_cmpint (tanba_test_pkcs11_tool_login (hsm, info->slot_id, FALSE, NEW_USER_PIN), ==, 0);
  g_assert_cmpint (tanba_test_pkcs11_tool_login (hsm, info->slot_id, FALSE, TANBA_FACTORY_USER_PIN), !=, 0);
  listing = tanba_test_pkcs11_tool_objects (hsm, info->slot_id, NEW_USER_PIN);
  g_assert_null (strstr (listing, "Private Key Object"));

  /* The token still works through Tanba after moving slots. */
  g_assert_true (tanba_token_login (token, TANBA_ROLE_USER, NEW_USER_PIN, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_keys (token), ==, 0);
}

static void
test_bad_input (void)
{
  g_autoptr(TanbaToken) token = tanba_test_softhsm_token (hsm, TOKEN_BAD_INPUT);
  g_autoptr(TanbaKeyInfo) key = make_key (token);
  g_autoptr(TanbaTokenInfo) info = NULL;
  const char *labels[] = { "has space", "Кириллица", "toolong-toolong-toolong-toolong-x", "semi;colon" };

  for (gsize i = 0; i < G_N_ELEMENTS (labels); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (tanba_token_format (token, TANBA_FACTORY_ADMIN_PIN, labels[i], NEW_USER_PIN, FALSE, &error));
      g_assert_error (error, TANBA_POLICY_ERROR, error->code);
    }
  {
    g_autoptr(GError) error = NULL;

    g_assert_false (tanba_token_format (token, "11111111", "GOOD", NEW_USER_PIN, FALSE, &error));
    g_assert_error (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_PIN_INCORRECT);
    g_assert_nonnull (strstr (error->message, "administrator"));
  }
  {
    g_autoptr(GError) error = NULL;

    g_assert_false (tanba_token_format (token, TANBA_FACTORY_ADMIN_PIN, "GOOD", "x1", FALSE, &error));
    g_assert_error (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_PIN_LENGTH);
  }

  /* Nothing of that touched the token. */
  info = tanba_token_get_info (token, NULL);
  g_assert_cmpstr (info->label, ==, "");
  g_assert_cmpuint (count_keys (token), ==, 1);
  g_assert_cmpint (tanba_test_pkcs11_tool_login (hsm, info->slot_id, FALSE, TANBA_FACTORY_USER_PIN), ==, 0);
}

static void
test_name (void)
{
  g_autoptr(TanbaToken) token = tanba_test_softhsm_token (hsm, TOKEN_NAME);
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;

  name = tanba_token_dup_name (token, &error);
  g_assert_cmpstr (name, ==, "<no label>");
  g_clear_pointer (&name, g_free);

  g_assert_true (tanba_token_set_name (token, "Director_2=main", &error));
  g_assert_no_error (error);
  name = tanba_token_dup_name (token, &error);
  g_assert_cmpstr (name, ==, "Director_2=main");
  g_clear_pointer (&name, g_free);

  g_assert_false (tanba_token_set_name (token, "Директор", &error));
  g_assert_error (error, TANBA_POLICY_ERROR, TANBA_POLICY_ERROR_TOKEN_NAME_INVALID_CHARACTER);
  g_clear_error (&error);
  name = tanba_token_dup_name (token, &error);
  g_assert_cmpstr (name, ==, "Director_2=main");
  g_clear_pointer (&name, g_free);

  g_assert_true (tanba_token_set_name (token, "", &error));
  name = tanba_token_dup_name (token, &error);
  g_assert_cmpstr (name, ==, "<no label>");
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  hsm = tanba_test_softhsm_new (N_TOKENS);
  g_test_add_func ("/token-format/refused-while-unfinished", test_refused_while_unfinished);
  g_test_add_func ("/token-format/idle", test_format_idle);
  g_test_add_func ("/token-format/bad-input", test_bad_input);
  g_test_add_func ("/token-format/name", test_name);
  status = g_test_run ();
  tanba_test_softhsm_free (hsm);
  return status;
}
