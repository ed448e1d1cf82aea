/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-test-valgrind.h: running a program under valgrind's memcheck and
 * judging its report.
 *
 * valgrind is $TANBA_VALGRIND (set by tests/valgrind/meson.build when the
 * program is installed), the suppressions $TANBA_VALGRIND_SUPPRESSIONS. The
 * report goes to a log file, not to standard error, so that the program's own
 * output stays what it is. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The exit status valgrind gives a program in which it found an error. */
#define TANBA_TEST_VALGRIND_ERROR_EXIT 99

/* A new array (NULL-terminated, for g_subprocess_*) running @program_argv
 * under memcheck with its report in @log_path. Fails the test with what to
 * install when valgrind is missing. */
GPtrArray *tanba_test_valgrind_argv  (const char         *log_path,
                                      const char * const *program_argv);

/* The environment GLib needs to be checked (NAME, VALUE, …, NULL). */
extern const char *const tanba_test_valgrind_env[];

/* Reads the report in @log_path, shows its summary (g_test_message) and fails
 * the test, printing the errors, if the program did not exit with
 * @expected_status or valgrind found any invalid access or definitely lost
 * byte, or when a @secrets (NULL-terminated, may be NULL) appears in it. */
void       tanba_test_valgrind_check (const char         *what,
                                      const char         *log_path,
                                      int                 exit_status,
                                      int                 expected_status,
                                      const char * const *secrets);

G_END_DECLS
