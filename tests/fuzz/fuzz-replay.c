/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-replay.c: runs a fuzz target's LLVMFuzzerTestOneInput over files, for
 * builds without libFuzzer (gcc, the normal test run): each argument is a
 * file or a folder of files (its corpus, its crash regressions). Prints TAP,
 * one line per file; a crash or a sanitizer report fails the test. */
#include <string.h>

#include <glib.h>

#include "fuzz-common.h"

static gint
compare_paths (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(char * const *) a, *(char * const *) b);
}

static void
collect (const char *path,
         GPtrArray  *files)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        if (name[0] != '.' && strcmp (name, "README") != 0)
          g_ptr_array_add (names, g_build_filename (path, name, NULL));
      g_ptr_array_sort (names, compare_paths);
      for (guint i = 0; i < names->len; i++)
        collect (names->pdata[i], files);
    }
  else if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
    g_ptr_array_add (files, g_strdup (path));
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);

  LLVMFuzzerInitialize (&argc, &argv);
  for (int i = 1; i < argc; i++)
    collect (argv[i], files);

  g_print ("1..%u\n", files->len > 0 ? files->len : 1);
  if (files->len == 0)
    {
      g_print ("not ok 1 - no input files found\n");
      return 1;
    }
  for (guint i = 0; i < files->len; i++)
    {
      g_autofree char *data = NULL;
      g_autoptr(GError) error = NULL;
      gsize size = 0;

      if (!g_file_get_contents (files->pdata[i], &data, &size, &error))
        {
          g_print ("not ok %u - %s: %s\n", i + 1, (char *) files->pdata[i], error->message);
          continue;
        }
      LLVMFuzzerTestOneInput ((const guint8 *) data, size);
      g_print ("ok %u - %s\n", i + 1, (char *) files->pdata[i]);
    }
  return 0;
}
