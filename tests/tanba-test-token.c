/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE  /* memfd_create */
#endif
#include "config.h"

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <gio/gio.h>

#include "tanba-test-refserver.h"
#include "tanba-test-token.h"
#include "tanba-token-info.h"

static const char *
softhsm_module (void)
{
  const char *path = g_getenv ("SOFTHSM2_MODULE");

  return path != NULL ? path : "/usr/lib/softhsm/libsofthsm2.so";
}

void
tanba_test_launcher_set_input (GSubprocessLauncher *launcher,
                               const char          *input)
{
  int fd = memfd_create ("tanba-test-input", MFD_CLOEXEC);
  gsize length = input != NULL ? strlen (input) : 0;

  g_assert_cmpint (fd, >=, 0);
  for (gsize done = 0; done < length;)
    {
      gssize n = write (fd, input + done, length - done);

      g_assert_cmpint (n, >, 0);
      done += (gsize) n;
    }
  g_assert_cmpint (lseek (fd, 0, SEEK_SET), ==, 0);
  g_subprocess_launcher_take_stdin_fd (launcher, fd);
}

int
tanba_test_run_env (const char *const *argv,
                    const char *const *env,
                    const char        *input,
                    char             **standard_output,
                    char             **standard_error)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                        | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  tanba_test_launcher_set_input (launcher, input);
  for (guint i = 0; env != NULL && env[i] != NULL; i += 2)
    g_subprocess_launcher_setenv (launcher, env[i], env[i + 1], TRUE);
  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  if (standard_output != NULL)
    *standard_output = g_steal_pointer (&out);
  if (standard_error != NULL)
    *standard_error = g_steal_pointer (&err);
  if (!g_subprocess_get_if_exited (process))
    return -1;
  return g_subprocess_get_exit_status (process);
}

int
tanba_test_run (const char *const *argv,
                const char        *input,
                char             **standard_output,
                char             **standard_error)
{
  return tanba_test_run_env (argv, NULL, input, standard_output, standard_error);
}

TanbaTestSoftHsm *
tanba_test_softhsm_new (guint n_tokens)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) tokens = NULL;
  g_autofree char *conf = NULL;
  g_autofree char *tokendir = NULL;
  TanbaTestSoftHsm *hsm = g_new0 (TanbaTestSoftHsm, 1);

  hsm->dir = g_dir_make_tmp ("tanba-test-XXXXXX", &error);
  g_assert_no_error (error);
  tokendir = g_build_filename (hsm->dir, "tokens", NULL);
  g_assert_cmpint (g_mkdir (tokendir, 0700), ==, 0);
  hsm->conf_path = g_build_filename (hsm->dir, "softhsm2.conf", NULL);
  conf = g_strdup_printf ("directories.tokendir = %s\n"
                          "objectstore.backend = file\n"
                          "log.level = ERROR\n"
                          "slots.removable = true\n", tokendir);
  g_file_set_contents (hsm->conf_path, conf, -1, &error);
  g_assert_no_error (error);
  g_setenv ("SOFTHSM2_CONF", hsm->conf_path, TRUE);
  hsm->module_path = g_strdup (softhsm_module ());

  for (guint i = 0; i < n_tokens; i++)
    {
      /* The factory PINs are the documented defaults of a new token, not secrets. */
      const char *argv[] = { "softhsm2-util", "--init-token", "--free", "--label", "",
                             "--so-pin", TANBA_FACTORY_ADMIN_PIN, "--pin", TANBA_FACTORY_USER_PIN, NULL };
      g_autofree char *err = NULL;

      g_assert_cmpint (tanba_test_run (argv, NULL, NULL, &err), ==, 0);
    }

  /* Tests of hot-plug load SoftHSM through the test module (TANBA_PKCS11_MODULE);
   * pkcs11-tool always talks to SoftHSM itself. */
  hsm->module = tanba_module_open (g_getenv ("TANBA_PKCS11_MODULE") != NULL
                                   ? g_getenv ("TANBA_PKCS11_MODULE") : hsm->module_path, &error);
  g_assert_no_error (error);

  hsm->serials = g_ptr_array_new_with_free_func (g_free);
  tokens = tanba_token_info_list (hsm->module, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < tokens->len; i++)
    {
      TanbaTokenInfo *info = g_ptr_array_index (tokens, i);

      if (tanba_token_info_is_initialized (info))
        g_ptr_array_add (hsm->serials, g_strdup (info->serial));
    }
  g_assert_cmpuint (hsm->serials->len, ==, n_tokens);
  return hsm;
}

void
tanba_test_softhsm_free (TanbaTestSoftHsm *hsm)
{
  if (hsm == NULL)
    return;
  /* The module stays loaded (Tanba never unloads one); its files can go. */
  tanba_module_unref (hsm->module);
  if (g_getenv ("TANBA_TEST_KEEP") == NULL)
    tanba_test_remove_tree (hsm->dir);
  g_free (hsm->dir);
  g_free (hsm->conf_path);
  g_free (hsm->module_path);
  g_ptr_array_unref (hsm->serials);
  g_free (hsm);
}

TanbaToken *
tanba_test_softhsm_token (TanbaTestSoftHsm *hsm,
                          guint             index)
{
  g_autoptr(GError) error = NULL;
  TanbaToken *token;

  g_assert_cmpuint (index, <, hsm->serials->len);
  token = tanba_token_open (hsm->module, g_ptr_array_index (hsm->serials, index), &error);
  g_assert_no_error (error);
  return token;
}

int
tanba_test_pkcs11_tool_login (TanbaTestSoftHsm *hsm,
                              gulong            slot_id,
                              gboolean          admin,
                              const char       *pin)
{
  g_autofree char *slot = g_strdup_printf ("%lu", slot_id);
  /* pkcs11-tool takes the PIN from its environment ("env:"), not its argv. */
  const char *env[] = { "TANBA_TEST_PIN", pin, NULL };
  const char *argv[] = { "pkcs11-tool", "--module", hsm->module_path, "--slot", slot,
                         "--session-rw", "--login", "--login-type", admin ? "so" : "user",
                         admin ? "--so-pin" : "--pin", "env:TANBA_TEST_PIN",
                         "--list-objects", NULL };

  return tanba_test_run_env (argv, env, NULL, NULL, NULL);
}

char *
tanba_test_pkcs11_tool_objects (TanbaTestSoftHsm *hsm,
                                gulong            slot_id,
                                const char       *pin)
{
  g_autofree char *slot = g_strdup_printf ("%lu", slot_id);
  const char *env[] = { "TANBA_TEST_PIN", pin, NULL };
  const char *argv[] = { "pkcs11-tool", "--module", hsm->module_path, "--slot", slot,
                         "--list-objects", pin != NULL ? "--login" : NULL,
                         "--pin", "env:TANBA_TEST_PIN", NULL };
  char *out = NULL;

  g_assert_cmpint (tanba_test_run_env (argv, pin != NULL ? env : NULL, NULL, &out, NULL), ==, 0);
  return out;
}

void
tanba_test_cli_result_clear (CliResult *result)
{
  g_free (result->out);
  g_free (result->err);
}

gulong
tanba_test_softhsm_slot (TanbaTestSoftHsm *hsm,
                         guint             index)
{
  g_autoptr(TanbaToken) token = tanba_test_softhsm_token (hsm, index);

  return tanba_token_get_slot_id (token);
}
