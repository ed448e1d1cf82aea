/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-test-token.h: SoftHSM tokens for tests, each in factory state, in a private directory.
 *
 * SoftHSM reads its configuration once, when the module is initialized, and
 * Tanba keeps the module loaded for the life of the process: a test program
 * makes all the tokens it needs first, then opens the module. */
#pragma once

#include <gio/gio.h>

#include "tanba-module.h"
#include "tanba-token.h"

G_BEGIN_DECLS

typedef struct
{
  char        *dir;         /* private directory, removed by _free */
  char        *conf_path;   /* SOFTHSM2_CONF */
  char        *module_path; /* the SoftHSM library */
  GPtrArray   *serials;     /* serial numbers of the factory tokens made */
  TanbaModule *module;
} TanbaTestSoftHsm;

/* Makes @n_tokens factory-state tokens (empty label, user PIN 12345678,
 * administrator PIN 87654321) and opens the module: SoftHSM, or the module
 * named by TANBA_PKCS11_MODULE (the hot-plug test module in front of it). */
TanbaTestSoftHsm *tanba_test_softhsm_new   (guint             n_tokens);
void              tanba_test_softhsm_free  (TanbaTestSoftHsm *hsm);
TanbaToken       *tanba_test_softhsm_token (TanbaTestSoftHsm *hsm,
                                            guint             index);
/* The slot of token @index (for pkcs11-tool). */
gulong            tanba_test_softhsm_slot  (TanbaTestSoftHsm *hsm,
                                            guint             index);

/* Runs @argv with @input on its standard input; returns the exit status and
 * the output (both optional). Secrets go through @input, never @argv. */
int               tanba_test_run           (const char *const *argv,
                                            const char        *input,
                                            char             **standard_output,
                                            char             **standard_error);

/* @input (may be NULL) as the standard input of the processes @launcher
 * starts: an in-memory file, not a pipe, so that a child that exits without
 * reading it cannot kill the test with SIGPIPE. */
void              tanba_test_launcher_set_input (GSubprocessLauncher *launcher,
                                                 const char          *input);

/* The same with environment variables added: @env is NAME, VALUE, …, NULL. */
int               tanba_test_run_env       (const char *const *argv,
                                            const char *const *env,
                                            const char        *input,
                                            char             **standard_output,
                                            char             **standard_error);

/* A program's exit status and output, for g_auto(). */
typedef struct
{
  int   status;
  char *out;
  char *err;
} CliResult;

void              tanba_test_cli_result_clear         (CliResult *result);

/* OpenSC's pkcs11-tool, the independent checker: logs in to the token in
 * @slot_id as user or administrator with @pin (given through its environment)
 * and returns its exit status; 0 means the PIN was accepted. */
int               tanba_test_pkcs11_tool_login (TanbaTestSoftHsm *hsm,
                                                gulong            slot_id,
                                                gboolean          admin,
                                                const char       *pin);
/* pkcs11-tool --list-objects (logged in as the user with @pin when not NULL). */
char             *tanba_test_pkcs11_tool_objects (TanbaTestSoftHsm *hsm,
                                                  gulong            slot_id,
                                                  const char       *pin);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TanbaTestSoftHsm, tanba_test_softhsm_free)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CliResult, tanba_test_cli_result_clear)

G_END_DECLS
