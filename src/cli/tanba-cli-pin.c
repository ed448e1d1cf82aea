/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-cli-pin.c: `tanba-cli pin change|unblock`. */
#include "config.h"

#include "tanba-cli-common.h"
#include "tanba-i18n.h"
#include "tanba-password-policy.h"

static int
pin_change (TanbaCliOptions *options,
            int              argc,
            char           **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (_("— change a PIN (reads the current PIN, then the new one)"));
  g_autoptr(TanbaModule) module = NULL;
  g_autoptr(TanbaToken) token = NULL;
  g_autoptr(TanbaTokenInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TanbaSecret) old_pin = NULL;
  g_autoptr(TanbaSecret) new_pin = NULL;
  g_autoptr(TanbaSecret) confirmation = NULL;
  g_autofree char *role_name = NULL;
  TanbaRole role;
  GOptionEntry entries[] = {
    { "role", 'r', 0, G_OPTION_ARG_STRING, &role_name, N_("user (default) or admin"), N_("ROLE") },
    { NULL }
  };
  int status = TANBA_EXIT_OK;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!tanba_cli_parse (context, &argc, &argv, &status))
    return status;
  if (role_name == NULL || g_str_equal (role_name, "user"))
    role = TANBA_ROLE_USER;
  else if (g_str_equal (role_name, "admin"))
    role = TANBA_ROLE_ADMIN;
  else
    return tanba_cli_usage_error (context, _("The role must be user or admin."));

  if ((module = tanba_cli_open_module (options, &status)) == NULL
      || (token = tanba_cli_open_token (options, module, &status)) == NULL)
    return status;
  if ((info = tanba_token_get_info (token, &error)) == NULL)
    return tanba_cli_fail (error);

  /* Say how things stand before anything is typed: the program never retries. */
  if (role == TANBA_ROLE_USER && tanba_token_info_user_pin_final_try (info))
    g_printerr ("tanba-cli: %s\n", _("Warning: one try is left before the user PIN locks."));
  else if (role == TANBA_ROLE_ADMIN && tanba_token_info_so_pin_final_try (info))
    g_printerr ("tanba-cli: %s\n", _("Warning: one try is left before the administrator PIN locks."));

  old_pin = tanba_cli_read_secret (options, role == TANBA_ROLE_ADMIN
                                   ? _("Current administrator PIN:")
                                   : _("Current token password (user PIN):"), &error);
  if (old_pin != NULL)
    new_pin = tanba_cli_read_new_secret (options,
                                         role == TANBA_ROLE_ADMIN ? _("New administrator PIN:") : _("New token password:"),
                                         role == TANBA_ROLE_ADMIN ? _("New administrator PIN again:") : _("New token password again:"),
                                         &confirmation, &error);
  if (new_pin == NULL)
    return tanba_cli_fail (error);

  /* The bank's password rules, for either role: the administrator PIN
   * unblocks the user's, so it is no weaker (the control panel's rule too). */
  if (!tanba_password_policy_check (new_pin, confirmation, info->max_pin_len, &error))
    return tanba_cli_fail (error);
  if (!tanba_token_change_pin (token, role, old_pin, new_pin, &error))
    return tanba_cli_fail (error);
  g_print ("%s\n", role == TANBA_ROLE_ADMIN ? _("The administrator PIN was changed.")
                                            : _("The token password was changed."));
  return TANBA_EXIT_OK;
}

static int
pin_unblock (TanbaCliOptions *options,
             int              argc,
             char           **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (_("— unblock the user PIN (reads the administrator PIN, then the new user PIN)"));
  g_autoptr(TanbaModule) module = NULL;
  g_autoptr(TanbaToken) token = NULL;
  g_autoptr(TanbaTokenInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TanbaSecret) admin_pin = NULL;
  g_autoptr(TanbaSecret) new_pin = NULL;
  g_autoptr(TanbaSecret) confirmation = NULL;
  int status = TANBA_EXIT_OK;

  if (!tanba_cli_parse (context, &argc, &argv, &status))
    return status;
  if ((module = tanba_cli_open_module (options, &status)) == NULL
      || (token = tanba_cli_open_token (options, module, &status)) == NULL)
    return status;
  if ((info = tanba_token_get_info (token, &error)) == NULL)
    return tanba_cli_fail (error);
  if (tanba_token_info_so_pin_final_try (info))
    g_printerr ("tanba-cli: %s\n", _("Warning: one try is left before the administrator PIN locks."));

  admin_pin = tanba_cli_read_secret (options, _("Administrator PIN (87654321 on a new token):"), &error);
  if (admin_pin != NULL)
    new_pin = tanba_cli_read_new_secret (options, _("New token password:"), _("New token password again:"),
                                         &confirmation, &error);
  if (new_pin == NULL)
    return tanba_cli_fail (error);
  if (!tanba_password_policy_check (new_pin, confirmation, info->max_pin_len, &error)
      || !tanba_token_unblock_user_pin (token, admin_pin, new_pin, &error))
    return tanba_cli_fail (error);
  g_print ("%s\n", _("PIN unblocked: the user can sign in with the new password."));
  return TANBA_EXIT_OK;
}

int
tanba_cli_pin_command (TanbaCliOptions *options,
                       int              argc,
                       char           **argv)
{
  if (argc >= 2 && g_str_equal (argv[1], "change"))
    return pin_change (options, argc - 1, argv + 1);
  if (argc >= 2 && g_str_equal (argv[1], "unblock"))
    return pin_unblock (options, argc - 1, argv + 1);
  g_printerr ("tanba-cli: %s\n", _("Say what to do with the PIN: change or unblock."));
  return TANBA_EXIT_USAGE;
}
