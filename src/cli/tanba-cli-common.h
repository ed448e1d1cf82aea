/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-cli-common.h: what every tanba-cli command shares: options, secrets, output, exit codes. */
#pragma once

#include <json-glib/json-glib.h>

#include "tanba-module.h"
#include "tanba-token.h"

G_BEGIN_DECLS

/* Exit codes, as documented in `tanba-cli --help`. */
typedef enum
{
  TANBA_EXIT_OK = 0,
  TANBA_EXIT_FAILURE = 1,       /* anything not listed below */
  TANBA_EXIT_USAGE = 2,         /* wrong command line */
  TANBA_EXIT_NO_TOKEN = 3,      /* no token, several tokens, or the token was removed */
  TANBA_EXIT_WRONG_PIN = 4,     /* a PIN or password was wrong */
  TANBA_EXIT_PIN_LOCKED = 5,    /* the PIN is locked */
  TANBA_EXIT_REFUSED = 6,       /* input breaks a rule, or the operation is refused now */
  TANBA_EXIT_MODULE = 7,        /* the PKCS#11 module cannot be loaded */
  TANBA_EXIT_SERVER = 8,        /* the server refused or could not be reached */
} TanbaExit;

typedef struct
{
  char     *module_path;  /* --module */
  char     *token;        /* --token */
  int       pin_fd;       /* --pin-fd, default 0 */
  gboolean  json;         /* --json */
} TanbaCliOptions;

typedef int (*TanbaCliCommand) (TanbaCliOptions *options,
                                int              argc,
                                char           **argv);

/* Prints "tanba-cli: MESSAGE" to stderr and returns the exit code for @error. */
int          tanba_cli_fail           (const GError *error);
int          tanba_cli_usage_error    (GOptionContext *context,
                                       const char     *message);
/* Parses a subcommand's options; prints usage and returns FALSE on error. */
gboolean     tanba_cli_parse          (GOptionContext *context,
                                       int            *argc,
                                       char         ***argv,
                                       int            *exit_code);

TanbaModule *tanba_cli_open_module    (TanbaCliOptions *options,
                                       int             *exit_code);
TanbaToken  *tanba_cli_open_token     (TanbaCliOptions *options,
                                       TanbaModule     *module,
                                       int             *exit_code);

/* Reads one secret line from the PIN fd (stdin by default). On a terminal it
 * prompts on stderr with @prompt and does not echo. The result is wiped by
 * tanba_cli_secret_free(). NULL and an error on end of input. */
char        *tanba_cli_read_secret    (TanbaCliOptions *options,
                                       const char      *prompt,
                                       GError         **error);
/* A new password: on a terminal asked twice; from a pipe read once. */
char        *tanba_cli_read_new_secret (TanbaCliOptions *options,
                                        const char      *prompt,
                                        const char      *confirm_prompt,
                                        char           **confirmation,
                                        GError         **error);
void         tanba_cli_secret_free    (char *secret);

/* Prints what @builder built as one line of JSON on standard output. */
void         tanba_cli_print_json     (JsonBuilder *builder);

/* g_autoptr(TanbaSecret) wipes and frees a secret string. */
typedef char TanbaSecret;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TanbaSecret, tanba_cli_secret_free)

/* The commands. */
int tanba_cli_token_command (TanbaCliOptions *options, int argc, char **argv);
int tanba_cli_pin_command   (TanbaCliOptions *options, int argc, char **argv);
int tanba_cli_register_command (TanbaCliOptions *options, int argc, char **argv);
int tanba_cli_renew_command    (TanbaCliOptions *options, int argc, char **argv);
int tanba_cli_sign_command     (TanbaCliOptions *options, int argc, char **argv);
int tanba_cli_verify_command   (TanbaCliOptions *options, int argc, char **argv);
int tanba_cli_signin_command   (TanbaCliOptions *options, int argc, char **argv);

/* For commands that change the token over several steps (register, renew):
 * a reader of their output that goes away (`… --json register | head -n 3`)
 * no longer ends the process with SIGPIPE between two token operations;
 * output fails, the work goes on to its end, and the exit status says how it
 * ended. Other commands (token watch) still end with their reader. */
void tanba_cli_outlive_reader (void);

G_END_DECLS
