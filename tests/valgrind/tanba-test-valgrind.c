/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "tanba-test-valgrind.h"

const char *const tanba_test_valgrind_env[] = {
  /* GLib's slice allocator would hide blocks from memcheck; gc-friendly
   * clears freed pointers so that stale ones do not keep blocks reachable. */
  "G_SLICE", "always-malloc",
  "G_DEBUG", "gc-friendly,fatal-criticals",
  NULL,
};

GPtrArray *
tanba_test_valgrind_argv (const char         *log_path,
                          const char * const *program_argv)
{
  const char *valgrind = g_getenv ("TANBA_VALGRIND");
  const char *suppressions = g_getenv ("TANBA_VALGRIND_SUPPRESSIONS");
  GPtrArray *argv = g_ptr_array_new_with_free_func (g_free);

  if (valgrind == NULL || *valgrind == '\0')
    g_error ("valgrind is not installed (Debian: apt-get install valgrind), "
             "then run `meson setup --reconfigure` on the build directory");
  g_assert_nonnull (suppressions);

  g_ptr_array_add (argv, g_strdup (valgrind));
  g_ptr_array_add (argv, g_strdup ("--tool=memcheck"));
  g_ptr_array_add (argv, g_strdup ("--leak-check=full"));
  g_ptr_array_add (argv, g_strdup ("--errors-for-leak-kinds=definite"));
  g_ptr_array_add (argv, g_strdup_printf ("--error-exitcode=%d", TANBA_TEST_VALGRIND_ERROR_EXIT));
  g_ptr_array_add (argv, g_strdup ("--track-origins=yes"));
  g_ptr_array_add (argv, g_strdup ("--num-callers=40"));
  g_ptr_array_add (argv, g_strdup ("--child-silent-after-fork=yes"));
  g_ptr_array_add (argv, g_strdup_printf ("--suppressions=%s", suppressions));
  g_ptr_array_add (argv, g_strdup_printf ("--log-file=%s", log_path));
  for (guint i = 0; program_argv[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (program_argv[i]));
  g_ptr_array_add (argv, NULL);
  return argv;
}

/* The first "==PID==   LABEL: TEXT" line of @log: TEXT, or NULL. */
static char *
summary_value (const char *log,
               const char *label)
{
  g_autofree char *pattern = g_strdup_printf ("^==\\d+==\\s+%s:\\s*(.*)$", label);
  g_autoptr(GRegex) regex = g_regex_new (pattern, G_REGEX_MULTILINE, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;

  g_assert_nonnull (regex);
  if (!g_regex_match (regex, log, 0, &match))
    return NULL;
  return g_match_info_fetch (match, 1);
}

/* Every error report of @log (the blocks that name an invalid access, an
 * uninitialised value or a definitely lost block), for the test's output. */
static gboolean
starts_error (const char *text)
{
  static const char *const starts[] = {
    "Invalid ", "Conditional jump", "Use of uninitialised", "Syscall param", "Mismatched free",
    "Source and destination overlap", "Argument 'size' of function",
  };

  for (guint i = 0; i < G_N_ELEMENTS (starts); i++)
    if (g_str_has_prefix (text, starts[i]))
      return TRUE;
  return strstr (text, "are definitely lost in loss record") != NULL;
}

static char *
error_blocks (const char *log)
{
  g_auto(GStrv) lines = g_strsplit (log, "\n", -1);
  GString *out = g_string_new (NULL);
  gboolean in_block = FALSE;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *text = strstr (lines[i], "== ");

      text = text != NULL ? text + 3 : lines[i];
      if (starts_error (text))
        in_block = TRUE;
      else if (*text == '\0')
        {
          if (in_block)
            g_string_append_c (out, '\n');
          in_block = FALSE;
        }
      if (in_block)
        g_string_append_printf (out, "%s\n", lines[i]);
    }
  return g_string_free (out, FALSE);
}

void
tanba_test_valgrind_check (const char         *what,
                           const char         *log_path,
                           int                 exit_status,
                           int                 expected_status,
                           const char * const *secrets)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *log = NULL;
  g_autofree char *errors = NULL;
  g_autofree char *heap = NULL;
  g_autofree char *definitely = NULL;
  g_autofree char *indirectly = NULL;
  g_autofree char *possibly = NULL;
  g_autofree char *reachable = NULL;
  g_autofree char *suppressed = NULL;
  g_autofree char *error_summary = NULL;
  gboolean all_freed;
  gboolean clean;

  g_file_get_contents (log_path, &log, NULL, &error);
  g_assert_no_error (error);

  heap = summary_value (log, "in use at exit");
  definitely = summary_value (log, "definitely lost");
  indirectly = summary_value (log, "indirectly lost");
  possibly = summary_value (log, "possibly lost");
  reachable = summary_value (log, "still reachable");
  suppressed = summary_value (log, "suppressed");
  error_summary = summary_value (log, "ERROR SUMMARY");
  all_freed = strstr (log, "All heap blocks were freed -- no leaks are possible") != NULL;

  g_test_message ("%s under memcheck: exit %d; in use at exit: %s; definitely lost: %s; "
                  "indirectly lost: %s; possibly lost: %s; still reachable: %s; "
                  "suppressed: %s; ERROR SUMMARY: %s",
                  what, exit_status, heap != NULL ? heap : "-",
                  definitely != NULL ? definitely : (all_freed ? "0 (all freed)" : "-"),
                  indirectly != NULL ? indirectly : "-", possibly != NULL ? possibly : "-",
                  reachable != NULL ? reachable : "-", suppressed != NULL ? suppressed : "-",
                  error_summary != NULL ? error_summary : "-");

  for (guint i = 0; secrets != NULL && secrets[i] != NULL; i++)
    if (strstr (log, secrets[i]) != NULL)
      g_error ("A secret appeared in valgrind's report %s", log_path);

  /* The leak check ran (the program ended by returning from main or exit),
   * and found nothing. */
  clean = error_summary != NULL && g_str_has_prefix (error_summary, "0 errors ")
          && (all_freed || (definitely != NULL && g_str_has_prefix (definitely, "0 bytes ")))
          && strstr (log, "Invalid read") == NULL && strstr (log, "Invalid write") == NULL;
  if (!clean || exit_status != expected_status)
    {
      g_autofree char *blocks = error_blocks (log);

      g_printerr ("valgrind's errors for %s (the whole report: %s):\n%s\n", what, log_path,
                  blocks[0] != '\0' ? blocks : log);
    }
  g_assert_cmpint (exit_status, !=, TANBA_TEST_VALGRIND_ERROR_EXIT);
  g_assert_cmpint (exit_status, ==, expected_status);
  g_assert_nonnull (error_summary);
  g_assert_true (g_str_has_prefix (error_summary, "0 errors "));
  g_assert_true (all_freed || (definitely != NULL && g_str_has_prefix (definitely, "0 bytes ")));
  g_assert_null (strstr (log, "Invalid read"));
  g_assert_null (strstr (log, "Invalid write"));
}
