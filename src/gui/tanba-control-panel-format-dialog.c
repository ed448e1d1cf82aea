/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-control-panel-format-dialog.c: confirming or refusing to format a token. */
#include "config.h"

#include "tanba-i18n.h"
#include "tanba-control-panel-format-dialog.h"
#include "tanba-control-panel-private.h"
#include "tanba-gui-util.h"

static void
check_toggled_cb (GtkCheckButton   *check,
                  AdwMessageDialog *dialog)
{
  adw_message_dialog_set_response_enabled (dialog, TANBA_FORMAT_RESPONSE_FORMAT,
                                           gtk_check_button_get_active (check));
}

AdwMessageDialog *
tanba_control_panel_format_dialog_new (GtkWindow  *parent,
                                       const char *token_name,
                                       const char *serial,
                                       int         n_certificates)
{
  AdwMessageDialog *dialog;
  g_autofree char *body = NULL;
  g_autofree char *certificates = NULL;
  GtkWidget *check;

  if (n_certificates > 0)
    certificates = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                 "It holds %d certificate now.",
                                                 "It holds %d certificates now.",
                                                 n_certificates),
                                    n_certificates);
  /* Translators: the first %s is the token's name, the second its serial number,
   * the third a sentence on how many certificates it holds (or nothing). */
  body = g_strdup_printf (_("Formatting destroys everything on the token “%s” (serial number %s): "
                            "every key, every certificate and the registration record. %s "
                            "You will not be able to sign or to sign in to the bank with it until "
                            "you register again. The name is cleared and the user PIN becomes the "
                            "factory PIN 12345678; the administrator PIN stays as it is."),
                          token_name != NULL ? token_name : "", serial != NULL ? serial : "",
                          certificates != NULL ? certificates : "");
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (parent, _("Format the Token?"), body));
  adw_message_dialog_add_responses (dialog,
                                    TANBA_FORMAT_RESPONSE_CANCEL, _("_Cancel"),
                                    TANBA_FORMAT_RESPONSE_FORMAT, _("_Format and Destroy Keys"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, TANBA_FORMAT_RESPONSE_FORMAT,
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_response_enabled (dialog, TANBA_FORMAT_RESPONSE_FORMAT, FALSE);
  adw_message_dialog_set_default_response (dialog, TANBA_FORMAT_RESPONSE_CANCEL);
  adw_message_dialog_set_close_response (dialog, TANBA_FORMAT_RESPONSE_CANCEL);

  check = gtk_check_button_new_with_mnemonic (_("I _understand that the keys and certificates on this token will be destroyed"));
  tanba_gui_fix_mnemonic_name (check);
  g_signal_connect_object (check, "toggled", G_CALLBACK (check_toggled_cb), dialog, 0);
  adw_message_dialog_set_extra_child (dialog, check);
  g_object_set_data (G_OBJECT (dialog), "tanba-format-check", check);
  tanba_gui_set_description (check, body);

  tanba_control_panel_fix_button_names (GTK_WIDGET (dialog));
  return dialog;
}

GtkWidget *
tanba_control_panel_format_dialog_get_check (AdwMessageDialog *dialog)
{
  g_return_val_if_fail (ADW_IS_MESSAGE_DIALOG (dialog), NULL);

  return g_object_get_data (G_OBJECT (dialog), "tanba-format-check");
}

AdwMessageDialog *
tanba_control_panel_format_refused_dialog_new (GtkWindow  *parent,
                                               const char *reason,
                                               const char *user_id)
{
  AdwMessageDialog *dialog;
  g_autofree char *body = NULL;

  if (user_id != NULL && user_id[0] != '\0')
    /* Translators: the first %s is the reason, the second a user ID. */
    body = g_strdup_printf (_("%s The unfinished registration is for the user %s."), reason, user_id);
  else
    body = g_strdup (reason);

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (parent, _("The Token Cannot Be Formatted"), body));
  adw_message_dialog_add_responses (dialog,
                                    TANBA_FORMAT_RESPONSE_CLOSE, _("_Close"),
                                    TANBA_FORMAT_RESPONSE_CONTINUE, _("C_ontinue Registration"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, TANBA_FORMAT_RESPONSE_CONTINUE,
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, TANBA_FORMAT_RESPONSE_CONTINUE);
  adw_message_dialog_set_close_response (dialog, TANBA_FORMAT_RESPONSE_CLOSE);
  tanba_control_panel_fix_button_names (GTK_WIDGET (dialog));
  return dialog;
}
