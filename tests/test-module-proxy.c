/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The default module, the p11-kit proxy, in front of SoftHSM (registered
 * with p11-kit by Debian's softhsm2 package): tokens are listed and logged
 * in to through it, and tanba-cli works with no --module at all. */
#include "config.h"

#include <string.h>

#include "tanba-test-token.h"
#include "tanba-token-error.h"

static TanbaTestSoftHsm *hsm;

static void
test_token_through_proxy (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TanbaToken) token = NULL;
  g_autoptr(TanbaTokenInfo) info = NULL;
  const char *serial = g_ptr_array_index (hsm->serials, 0);

  g_assert_true (g_str_has_suffix (tanba_module_get_path (hsm->module), "p11-kit-proxy.so"));
  token = tanba_token_open (hsm->module, serial, &error);
  g_assert_no_error (error);
  info = tanba_token_get_info (token, &error);
  g_assert_no_error (error);
  g_assert_true (tanba_token_info_is_factory_empty (info));
  g_assert_true (tanba_token_login (token, TANBA_ROLE_USER, TANBA_FACTORY_USER_PIN, &error));
  g_assert_no_error (error);
  g_assert_true (tanba_token_logout (token, &error));
  g_assert_no_error (error);
}

static void
test_cli_default_module (void)
{
  const char *serial = g_ptr_array_index (hsm->serials, 0);
  const char *argv[] = { g_getenv ("TANBA_CLI"), "--token", serial, "--json", "token", "info", NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  /* No --module, no TANBA_PKCS11_MODULE: the schema's default, the proxy. */
  g_unsetenv ("TANBA_PKCS11_MODULE");
  g_assert_cmpint (tanba_test_run (argv, NULL, &out, &err), ==, 0);
  g_assert_nonnull (strstr (out, serial));
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  if (!g_file_test ("/usr/share/p11-kit/modules/softhsm2.module", G_FILE_TEST_EXISTS))
    g_error ("SoftHSM is not registered with p11-kit (/usr/share/p11-kit/modules/softhsm2.module): install softhsm2-common");
  g_setenv ("TANBA_PKCS11_MODULE", TANBA_DEFAULT_PKCS11_MODULE, TRUE);
  hsm = tanba_test_softhsm_new (1);
  g_test_add_func ("/module-proxy/token", test_token_through_proxy);
  g_test_add_func ("/module-proxy/cli-default", test_cli_default_module);
  status = g_test_run ();
  tanba_test_softhsm_free (hsm);
  return status;
}
