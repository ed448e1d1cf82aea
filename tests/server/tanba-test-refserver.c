/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-test-refserver.c: test fixture for the reference server. */

#include "config.h"

#include "tanba-test-refserver.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

static void
demo_user_free (TanbaTestDemoUser *user)
{
  g_free (user->user_id);
  g_free (user->otp_pin);
  g_free (user->key_file);
  g_free (user);
}

const char *
tanba_test_refserver_path (void)
{
  static char *path = NULL;

  if (path == NULL)
    {
      const char *env = g_getenv ("TANBA_REFSERVER");
      const char *builddir = g_getenv ("TANBA_TEST_BUILDDIR");

      if (env != NULL && *env != '\0')
        path = g_strdup (env);
      else
        {
          g_assert_nonnull (builddir);
          path = g_build_filename (builddir, "..", "src", "server", "tanba-refserver", NULL);
        }
    }
  return path;
}

char *
tanba_test_make_tmp_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("tanba-refserver-test-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

void
tanba_test_remove_tree (const char *path)
{
  GDir *dir;
  const char *name;

  if (path == NULL)
    return;
  if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      dir = g_dir_open (path, 0, NULL);
      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          tanba_test_remove_tree (child);
        }
      if (dir != NULL)
        g_dir_close (dir);
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

int
tanba_test_run_in (const char          *cwd,
                const char * const  *argv,
                char               **out,
                char               **err)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE
                               | G_SUBPROCESS_FLAGS_STDIN_INHERIT);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *stdout_text = NULL;
  g_autofree char *stderr_text = NULL;

  if (cwd != NULL)
    g_subprocess_launcher_set_cwd (launcher, cwd);
  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &stdout_text, &stderr_text, &error);
  g_assert_no_error (error);

  if (out != NULL)
    *out = g_steal_pointer (&stdout_text);
  if (err != NULL)
    *err = g_steal_pointer (&stderr_text);
  if (!g_subprocess_get_if_exited (process))
    return -1;
  return g_subprocess_get_exit_status (process);
}

TanbaTestDemo *
tanba_test_demo_new (const char          *dir,
                     const char * const  *extra_args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  TanbaTestDemo *demo;
  JsonObject *root;
  JsonArray *users;
  int status;

  g_ptr_array_add (argv, (gpointer) tanba_test_refserver_path ());
  g_ptr_array_add (argv, (gpointer) "--init-demo");
  g_ptr_array_add (argv, (gpointer) dir);
  g_ptr_array_add (argv, (gpointer) "--json");
  for (guint i = 0; extra_args != NULL && extra_args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) extra_args[i]);
  g_ptr_array_add (argv, NULL);

  status = tanba_test_run_in (NULL, (const char * const *) argv->pdata, &out, &err);
  if (status != 0)
    g_error ("tanba-refserver --init-demo failed (%d): %s", status, err);

  json_parser_load_from_data (parser, out, -1, &error);
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));

  demo = g_new0 (TanbaTestDemo, 1);
  demo->dir = g_strdup (dir);
  demo->ca_certificate = g_strdup (json_object_get_string_member (root, "ca_certificate"));
  demo->users = g_ptr_array_new_with_free_func ((GDestroyNotify) demo_user_free);
  users = json_object_get_array_member (root, "users");
  for (guint i = 0; i < json_array_get_length (users); i++)
    {
      JsonObject *object = json_array_get_object_element (users, i);
      TanbaTestDemoUser *user = g_new0 (TanbaTestDemoUser, 1);

      user->user_id = g_strdup (json_object_get_string_member (object, "user_id"));
      user->otp_pin = g_strdup (json_object_get_string_member (object, "otp_pin"));
      user->key_file = g_strdup (json_object_get_string_member (object, "key_file"));
      g_ptr_array_add (demo->users, user);
    }
  return demo;
}

void
tanba_test_demo_free (TanbaTestDemo *demo)
{
  if (demo == NULL)
    return;
  g_free (demo->dir);
  g_free (demo->ca_certificate);
  g_ptr_array_unref (demo->users);
  g_free (demo);
}

/* In the child: die with the test, even if the test aborts on a failed
 * assertion before it could stop the server. */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

TanbaTestRefserver *
tanba_test_refserver_start (const char *data_dir,
                            gboolean    tls,
                            gboolean    test_faults)
{
  static guint counter = 0;
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GDataInputStream) lines = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *log_name = g_strdup_printf ("server-%u.log", ++counter);
  TanbaTestRefserver *server = g_new0 (TanbaTestRefserver, 1);
  const char *argv[9] = { tanba_test_refserver_path (), "--data", data_dir,
                          "--listen", "127.0.0.1:0", NULL };
  const char *start;
  guint argc = 5;

  if (tls)
    argv[argc++] = "--tls";
  if (test_faults)
    argv[argc++] = "--test-faults";

  server->log_path = g_build_filename (data_dir, log_name, NULL);
  g_subprocess_launcher_set_stderr_file_path (launcher, server->log_path);
  g_subprocess_launcher_setenv (launcher, "G_MESSAGES_DEBUG", "all", TRUE);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  server->process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);

  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server->process));
  server->url = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, &error);
  g_assert_no_error (error);
  if (server->url == NULL)
    {
      g_autofree char *log = NULL;

      g_file_get_contents (server->log_path, &log, NULL, NULL);
      g_error ("tanba-refserver printed no URL; its log:\n%s", log);
    }

  g_assert_true (g_str_has_prefix (server->url, tls ? "https://127.0.0.1:" : "http://127.0.0.1:"));
  g_assert_true (g_str_has_suffix (server->url, "/"));
  start = strstr (server->url, "://") + 3;
  server->host_port = g_strndup (start, strlen (start) - 1);
  return server;
}

void
tanba_test_refserver_stop (TanbaTestRefserver *server)
{
  g_autoptr(GError) error = NULL;

  if (server == NULL)
    return;
  g_subprocess_send_signal (server->process, SIGTERM);
  g_subprocess_wait (server->process, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (server->process));
  g_assert_cmpint (g_subprocess_get_exit_status (server->process), ==, 0);

  g_object_unref (server->process);
  g_free (server->url);
  g_free (server->host_port);
  g_free (server->log_path);
  g_free (server);
}

char *
tanba_test_write_secret (const char *dir,
                         const char *name,
                         const char *secret)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (dir, name, NULL);

  g_unlink (path);
  g_file_set_contents_full (path, secret, -1, G_FILE_SET_CONTENTS_NONE, 0600, &error);
  g_assert_no_error (error);
  return path;
}
