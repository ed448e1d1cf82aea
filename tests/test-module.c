/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Loading PKCS#11 modules: the default, the overrides, and clear errors. */
#include "config.h"

#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "tanba-module.h"
#include "tanba-token-error.h"

static void
test_resolve_order (void)
{
  g_autofree char *from_override = NULL;
  g_autofree char *from_env = NULL;
  g_autofree char *from_default = NULL;

  g_setenv ("TANBA_PKCS11_MODULE", "/from/env.so", TRUE);
  from_override = tanba_module_resolve_path ("/from/option.so");
  from_env = tanba_module_resolve_path (NULL);
  g_unsetenv ("TANBA_PKCS11_MODULE");
  from_default = tanba_module_resolve_path (NULL);

  g_assert_cmpstr (from_override, ==, "/from/option.so");
  g_assert_cmpstr (from_env, ==, "/from/env.so");
  /* The schema's default is empty: the p11-kit proxy. */
  g_assert_cmpstr (from_default, ==, TANBA_DEFAULT_PKCS11_MODULE);
  g_assert_true (g_str_has_suffix (from_default, "p11-kit-proxy.so"));
}

static void
test_missing_file (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TanbaModule) module = tanba_module_open ("/nonexistent/libtoken.so", &error);

  g_assert_null (module);
  g_assert_error (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_MODULE_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "/nonexistent/libtoken.so"));
}

static void
test_not_pkcs11 (void)
{
  g_autoptr(GError) error = NULL;
  /* A real shared library that is not a PKCS#11 module. */
  g_autoptr(TanbaModule) module = tanba_module_open ("/usr/lib/x86_64-linux-gnu/libz.so.1", &error);

  g_assert_null (module);
  g_assert_error (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_MODULE_INVALID);
  g_assert_nonnull (strstr (error->message, "C_GetFunctionList"));
}

static void
test_not_a_library (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autoptr(TanbaModule) module = NULL;
  int fd = g_file_open_tmp ("tanba-not-a-module-XXXXXX.so", &path, &error);

  g_assert_no_error (error);
  g_assert_cmpint (write (fd, "hello\n", 6), ==, 6);
  close (fd);
  module = tanba_module_open (path, &error);
  g_unlink (path);
  g_assert_null (module);
  g_assert_error (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_MODULE_INVALID);
}

static void
test_loaded_once (void)
{
  g_autoptr(GError) error = NULL;
  const char *path = g_getenv ("SOFTHSM2_MODULE");
  g_autoptr(TanbaModule) a = tanba_module_open (path, &error);
  g_autoptr(TanbaModule) b = NULL;

  g_assert_no_error (error);
  b = tanba_module_open (path, &error);
  g_assert_no_error (error);
  g_assert_true (a == b);
  g_assert_nonnull (tanba_module_get_functions (a));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/module/resolve-order", test_resolve_order);
  g_test_add_func ("/module/missing-file", test_missing_file);
  g_test_add_func ("/module/not-pkcs11", test_not_pkcs11);
  g_test_add_func ("/module/not-a-library", test_not_a_library);
  g_test_add_func ("/module/loaded-once", test_loaded_once);
  return g_test_run ();
}
