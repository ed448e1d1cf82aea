/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Listing tokens: a factory-state token is recognised and described. */
#include "config.h"

#include "tanba-test-token.h"
#include "tanba-token-error.h"
#include "tanba-token-info.h"

static TanbaTestSoftHsm *hsm;

static void
test_factory_token (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) tokens = tanba_token_info_list (hsm->module, &error);
  TanbaTokenInfo *factory = NULL;
  g_autofree char *display = NULL;

  g_assert_no_error (error);
  for (guint i = 0; i < tokens->len; i++)
    {
      TanbaTokenInfo *info = g_ptr_array_index (tokens, i);

      if (g_strcmp0 (info->serial, g_ptr_array_index (hsm->serials, 0)) == 0)
        factory = info;
    }
  g_assert_nonnull (factory);
  g_assert_cmpstr (factory->label, ==, "");
  g_assert_cmpstr (factory->manufacturer, ==, "SoftHSM project");
  g_assert_true (factory->removable);
  g_assert_true (tanba_token_info_is_initialized (factory));
  g_assert_true (tanba_token_info_user_pin_set (factory));
  g_assert_false (tanba_token_info_user_pin_locked (factory));
  g_assert_false (tanba_token_info_user_pin_count_low (factory));
  g_assert_true (tanba_token_info_is_factory_empty (factory));
  display = tanba_token_info_dup_display_label (factory);
  g_assert_cmpstr (display, ==, "<no label>");
}

static void
test_copy_equal (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TanbaToken) token = tanba_test_softhsm_token (hsm, 0);
  g_autoptr(TanbaTokenInfo) info = tanba_token_get_info (token, &error);
  g_autoptr(TanbaTokenInfo) copy = NULL;

  g_assert_no_error (error);
  copy = tanba_token_info_copy (info);
  g_assert_true (tanba_token_info_equal (info, copy));
  copy->flags |= 1UL << 20;
  g_assert_false (tanba_token_info_equal (info, copy));
}

static void
test_select (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TanbaToken) by_serial = tanba_test_softhsm_token (hsm, 1);
  g_autofree char *slot = g_strdup_printf ("slot:%lu", tanba_token_get_slot_id (by_serial));
  g_autoptr(TanbaToken) by_slot = tanba_token_open (hsm->module, slot, &error);
  g_autoptr(TanbaToken) none = NULL;
  g_autoptr(TanbaToken) ambiguous = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (tanba_token_get_serial (by_slot), ==, g_ptr_array_index (hsm->serials, 1));

  none = tanba_token_open (hsm->module, "no-such-serial", &error);
  g_assert_null (none);
  g_assert_error (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_NO_TOKEN);
  g_clear_error (&error);

  /* Two factory tokens share the empty label. */
  ambiguous = tanba_token_open (hsm->module, NULL, &error);
  g_assert_null (ambiguous);
  g_assert_error (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_AMBIGUOUS);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  hsm = tanba_test_softhsm_new (2);
  g_test_add_func ("/token-info/factory-token", test_factory_token);
  g_test_add_func ("/token-info/copy-equal", test_copy_equal);
  g_test_add_func ("/token-info/select", test_select);
  status = g_test_run ();
  tanba_test_softhsm_free (hsm);
  return status;
}
