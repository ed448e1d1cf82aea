/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-cli-common.c: options, secrets, output and exit codes shared by every command. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "tanba-cli-common.h"
#include "tanba-bank-client.h"
#include "tanba-cmp-client.h"
#include "tanba-http.h"
#include "tanba-key-file.h"
#include "tanba-registration.h"
#include "tanba-i18n.h"
#include "tanba-password-policy.h"
#include "tanba-token-error.h"

#define MAX_SECRET_LEN 256

int
tanba_cli_fail (const GError *error)
{
  g_printerr ("tanba-cli: %s\n", error->message);

  if (error->domain == TANBA_TOKEN_ERROR)
    switch ((TanbaTokenErrorCode) error->code)
      {
      case TANBA_TOKEN_ERROR_MODULE_NOT_FOUND:
      case TANBA_TOKEN_ERROR_MODULE_INVALID:
        return TANBA_EXIT_MODULE;
      case TANBA_TOKEN_ERROR_NO_TOKEN:
      case TANBA_TOKEN_ERROR_AMBIGUOUS:
      case TANBA_TOKEN_ERROR_TOKEN_REMOVED:
        return TANBA_EXIT_NO_TOKEN;
      case TANBA_TOKEN_ERROR_PIN_INCORRECT:
        return TANBA_EXIT_WRONG_PIN;
      case TANBA_TOKEN_ERROR_PIN_LOCKED:
        return TANBA_EXIT_PIN_LOCKED;
      case TANBA_TOKEN_ERROR_PIN_LENGTH:
      case TANBA_TOKEN_ERROR_PIN_INVALID:
      case TANBA_TOKEN_ERROR_RULE_VIOLATED:
      case TANBA_TOKEN_ERROR_REGISTRATION_UNFINISHED:
      case TANBA_TOKEN_ERROR_WRONG_ROLE:
      case TANBA_TOKEN_ERROR_NOT_LOGGED_IN:
        return TANBA_EXIT_REFUSED;
      default:
        return TANBA_EXIT_FAILURE;
      }
  if (error->domain == TANBA_POLICY_ERROR)
    return TANBA_EXIT_REFUSED;
  if (error->domain == TANBA_KEY_FILE_ERROR)
    {
      if (error->code == TANBA_KEY_FILE_ERROR_BAD_PASSWORD)
        {
          g_printerr ("%s\n", tanba_key_file_bad_password_details ());
          return TANBA_EXIT_WRONG_PIN;
        }
      return TANBA_EXIT_REFUSED;
    }
  if (error->domain == TANBA_HTTP_ERROR)
    return error->code == TANBA_HTTP_ERROR_INSECURE || error->code == TANBA_HTTP_ERROR_BAD_URL
           ? TANBA_EXIT_REFUSED : TANBA_EXIT_SERVER;
  if (error->domain == TANBA_CMP_ERROR || error->domain == TANBA_BANK_ERROR)
    return TANBA_EXIT_SERVER;
  if (error->domain == TANBA_REGISTRATION_ERROR)
    return error->code == TANBA_REGISTRATION_ERROR_FAILED ? TANBA_EXIT_FAILURE : TANBA_EXIT_REFUSED;
  return TANBA_EXIT_FAILURE;
}

int
tanba_cli_usage_error (GOptionContext *context,
                       const char     *message)
{
  g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);

  g_printerr ("tanba-cli: %s\n\n%s", message, help);
  return TANBA_EXIT_USAGE;
}

gboolean
tanba_cli_parse (GOptionContext *context,
                 int            *argc,
                 char         ***argv,
                 int            *exit_code)
{
  g_autoptr(GError) error = NULL;

  if (!g_option_context_parse (context, argc, argv, &error))
    {
      *exit_code = tanba_cli_usage_error (context, error->message);
      return FALSE;
    }
  return TRUE;
}

TanbaModule *
tanba_cli_open_module (TanbaCliOptions *options,
                       int             *exit_code)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = tanba_module_resolve_path (options->module_path);
  TanbaModule *module = tanba_module_open (path, &error);

  if (module == NULL)
    *exit_code = tanba_cli_fail (error);
  return module;
}

TanbaToken *
tanba_cli_open_token (TanbaCliOptions *options,
                      TanbaModule     *module,
                      int             *exit_code)
{
  g_autoptr(GError) error = NULL;
  TanbaToken *token = tanba_token_open (module, options->token, &error);

  if (token == NULL)
    *exit_code = tanba_cli_fail (error);
  return token;
}

void
tanba_cli_secret_free (char *secret)
{
  if (secret == NULL)
    return;
  explicit_bzero (secret, strlen (secret));
  g_free (secret);
}

/* read(2) byte by byte: no stdio buffer keeps a copy of the secret. */
static char *
read_line (int      fd,
           GError **error)
{
  char *buffer = g_malloc0 (MAX_SECRET_LEN + 1);
  gsize len = 0;

  for (;;)
    {
      char c;
      ssize_t n = read (fd, &c, 1);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;

          tanba_cli_secret_free (buffer);
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                       _("Could not read the PIN: %s"), g_strerror (saved));
          return NULL;
        }
      if (n == 0 && len == 0)
        {
          tanba_cli_secret_free (buffer);
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT,
                               _("Not enough input: a PIN or password is missing (give one per line on standard input or on --pin-fd)."));
          return NULL;
        }
      if (n == 0 || c == '\n')
        break;
      if (len == MAX_SECRET_LEN)
        {
          tanba_cli_secret_free (buffer);
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       _("A PIN or password longer than %d characters was given; it cannot be right."),
                       MAX_SECRET_LEN);
          return NULL;
        }
      buffer[len++] = c;
    }
  if (len > 0 && buffer[len - 1] == '\r')
    buffer[--len] = '\0';
  return buffer;
}

char *
tanba_cli_read_secret (TanbaCliOptions *options,
                       const char      *prompt,
                       GError         **error)
{
  struct termios saved, quiet;
  gboolean tty = isatty (options->pin_fd);
  char *secret;

  if (tty)
    {
      g_printerr ("%s ", prompt);
      if (tcgetattr (options->pin_fd, &saved) == 0)
        {
          quiet = saved;
          quiet.c_lflag &= ~(ECHO | ECHONL);
          tcsetattr (options->pin_fd, TCSAFLUSH, &quiet);
        }
      else
        tty = FALSE;
    }
  secret = read_line (options->pin_fd, error);
  if (tty)
    {
      tcsetattr (options->pin_fd, TCSAFLUSH, &saved);
      g_printerr ("\n");
    }
  return secret;
}

char *
tanba_cli_read_new_secret (TanbaCliOptions *options,
                           const char      *prompt,
                           const char      *confirm_prompt,
                           char           **confirmation,
                           GError         **error)
{
  g_autoptr(TanbaSecret) secret = tanba_cli_read_secret (options, prompt, error);

  if (secret == NULL)
    return NULL;
  if (isatty (options->pin_fd))
    {
      *confirmation = tanba_cli_read_secret (options, confirm_prompt, error);
      if (*confirmation == NULL)
        return NULL;
    }
  else
    *confirmation = g_strdup (secret);
  return g_steal_pointer (&secret);
}

void
tanba_cli_print_json (JsonBuilder *builder)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autofree char *text = NULL;

  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, FALSE);
  text = json_generator_to_data (generator, NULL);
  g_print ("%s\n", text);
}

void
tanba_cli_outlive_reader (void)
{
  signal (SIGPIPE, SIG_IGN);
}
