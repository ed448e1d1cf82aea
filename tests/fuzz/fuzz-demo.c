/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-demo.c: see fuzz-demo.h. */
#include "config.h"

#include "fuzz-demo.h"

#include <stdlib.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

static const char *const user_ids[] = { "ck069447_ywpqunep", "vx845010_mvdgwjvh",
                                        "kr990480_btchpmzn" };
static const char *const otp_pins[] = { "3Z25LNVUHMQ", "7K5OXL7T1Q5", "5RGT82EJRH9" };

static char *demo_dir;

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static void
remove_demo (void)
{
  if (demo_dir != NULL && g_getenv ("TANBA_FUZZ_KEEP") == NULL)
    remove_tree (demo_dir);
}

static void
copy_tree (const char *from,
           const char *to)
{
  g_autoptr(GDir) dir = g_dir_open (from, 0, NULL);
  const char *name;

  g_assert_nonnull (dir);
  g_assert_cmpint (g_mkdir_with_parents (to, 0700), ==, 0);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *source = g_build_filename (from, name, NULL);
      g_autofree char *target = g_build_filename (to, name, NULL);
      g_autofree char *contents = NULL;
      gsize length = 0;

      if (g_file_test (source, G_FILE_TEST_IS_DIR))
        {
          copy_tree (source, target);
          continue;
        }
      g_assert_true (g_file_get_contents (source, &contents, &length, NULL));
      g_assert_true (g_file_set_contents_full (target, contents, length,
                                               G_FILE_SET_CONTENTS_NONE, 0600, NULL));
    }
}

const char *
fuzz_demo_dir (void)
{
  g_autofree char *sql = NULL;
  g_autofree char *sql_path = NULL;
  g_autofree char *db_path = NULL;
  sqlite3 *db = NULL;

  if (demo_dir != NULL)
    return demo_dir;

  demo_dir = g_dir_make_tmp ("tanba-fuzz-XXXXXX", NULL);
  g_assert_nonnull (demo_dir);
  atexit (remove_demo);
  copy_tree (TANBA_FUZZ_DATA_DIR "/demo", demo_dir);

  sql_path = g_build_filename (demo_dir, "demo.sql", NULL);
  db_path = g_build_filename (demo_dir, "tanba-refserver.db", NULL);
  g_assert_true (g_file_get_contents (sql_path, &sql, NULL, NULL));
  g_assert_cmpint (sqlite3_open (db_path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  return demo_dir;
}

const char *
fuzz_demo_user_id (guint index)
{
  return user_ids[index % G_N_ELEMENTS (user_ids)];
}

const char *
fuzz_demo_otp_pin (guint index)
{
  return otp_pins[index % G_N_ELEMENTS (otp_pins)];
}
