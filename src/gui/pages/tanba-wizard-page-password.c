/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <adwaita.h>

#include "tanba-i18n.h"
#include "tanba-gui-util.h"
#include "tanba-token-error.h"
#include "tanba-wizard-page-password.h"

struct _TanbaWizardPagePassword
{
  TanbaWizardPage parent_instance;

  GtkWidget *heading;
  GtkWidget *token_title;
  GtkWidget *password_label;
  GtkWidget *password_entry;
  GtkWidget *hint_label;
  GtkWidget *error_label;
};

G_DEFINE_FINAL_TYPE (TanbaWizardPagePassword, tanba_wizard_page_password, TANBA_TYPE_WIZARD_PAGE)

typedef struct
{
  char                    *pin;   /* secret */
  TanbaRegistrationState   state;
  TanbaRegistrationMarker *marker;
} CheckData;

static void
check_data_free (CheckData *cd)
{
  tanba_wizard_data_set_secret (&cd->pin, NULL);
  g_clear_pointer (&cd->marker, tanba_registration_marker_free);
  g_free (cd);
}

static void
show_error (TanbaWizardPagePassword *self,
            const char              *message)
{
  gtk_label_set_label (GTK_LABEL (self->error_label), message != NULL ? message : "");
  gtk_widget_set_visible (self->error_label, message != NULL);
  tanba_gui_speak (self->password_entry, message);
}

static void
password_changed_cb (TanbaWizardPagePassword *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->password_entry));

  tanba_wizard_page_set_complete (TANBA_WIZARD_PAGE (self), text[0] != '\0');
  if (text[0] != '\0' && gtk_widget_get_visible (self->error_label))
    show_error (self, NULL);
}

static void
check_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  TanbaWizardData *data = tanba_wizard_page_get_data (source_object);
  CheckData *cd = task_data;
  g_autoptr(GError) error = NULL;

  if (!tanba_token_login (data->token, TANBA_ROLE_USER, cd->pin, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  cd->state = tanba_registration_inspect (data->token, &cd->marker, &error);
  tanba_token_logout (data->token, NULL);
  if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
decision_response_cb (AdwMessageDialog *dialog,
                      const char       *response,
                      GTask            *task)
{
  TanbaWizardPagePassword *self = g_task_get_source_object (task);
  TanbaWizardData *data = tanba_wizard_page_get_data (TANBA_WIZARD_PAGE (self));

  /* One answer per question. */
  g_signal_handlers_disconnect_by_func (dialog, decision_response_cb, task);
  if (g_strcmp0 (response, "create") == 0)
    {
      data->continuing = FALSE;
      tanba_wizard_page_set_next (TANBA_WIZARD_PAGE (self), NULL);
      g_task_return_boolean (task, TRUE);
    }
  else if (g_strcmp0 (response, "continue") == 0)
    {
      data->continuing = TRUE;
      tanba_wizard_page_set_next (TANBA_WIZARD_PAGE (self), "progress");
      g_task_return_boolean (task, TRUE);
    }
  else
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "%s", _("Cancelled."));
      tanba_gui_focus (self->password_entry);
    }
  g_object_unref (task);
}

static void
ask (TanbaWizardPagePassword *self,
     GTask                   *task,
     const char              *heading,
     const char              *body,
     const char              *yes_id,
     const char              *yes_label,
     const char              *no_label)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *dialog;

  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, heading, body);
  if (no_label != NULL)
    adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "cancel", no_label);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), yes_id, yes_label);
  if (no_label != NULL)
    adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), yes_id, ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), yes_id);
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), no_label != NULL ? "cancel" : yes_id);
  g_signal_connect (dialog, "response", G_CALLBACK (decision_response_cb), g_object_ref (task));
  tanba_gui_fix_mnemonic_names (GTK_WIDGET (dialog));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
check_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  TanbaWizardPagePassword *self = TANBA_WIZARD_PAGE_PASSWORD (source);
  g_autoptr(GTask) outer = user_data;
  TanbaWizardData *data = tanba_wizard_page_get_data (TANBA_WIZARD_PAGE (self));
  CheckData *cd = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (g_error_matches (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_PIN_INCORRECT)
          || g_error_matches (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_PIN_LENGTH)
          || g_error_matches (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_PIN_LOCKED))
        {
          /* A wrong password is cleared, not re-focused selected. */
          gtk_editable_set_text (GTK_EDITABLE (self->password_entry), "");
          tanba_gui_focus (self->password_entry);
        }
      show_error (self, error->message);
      g_task_return_error (outer, g_steal_pointer (&error));
      return;
    }

  tanba_wizard_data_set_secret (&data->current_pin, cd->pin);
  data->state = cd->state;
  g_clear_pointer (&data->marker, tanba_registration_marker_free);
  data->marker = g_steal_pointer (&cd->marker);

  switch (data->state)
    {
    case TANBA_REGISTRATION_STATE_EMPTY:
      ask (self, outer, _("Create a new profile?"),
           _("The token is empty. A new profile will be created on it for your registration with the bank."),
           "create", _("C_reate a new profile"), _("_Cancel"));
      break;

    case TANBA_REGISTRATION_STATE_UNFINISHED:
      {
        g_autofree char *body = NULL;

        /* Translators: %s is the user ID of the registration found on the token. */
        body = g_strdup_printf (_("An unfinished registration of user %s is on this token. It continues where it stopped: nothing done already is done again."),
                                data->marker != NULL && data->marker->user_id != NULL ? data->marker->user_id : "");
        ask (self, outer, _("Continue registration?"), body,
             "continue", _("C_ontinue registration"), _("_Cancel"));
      }
      break;

    case TANBA_REGISTRATION_STATE_COMPLETE:
      {
        const char *message = _("This token already has a finished profile. The sign-in window opens for it: sign in to internet banking there.");
        GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
        GtkApplication *app = GTK_IS_WINDOW (root) ? gtk_window_get_application (GTK_WINDOW (root)) : NULL;

        show_error (self, message);
        /* A finished profile leads to sign-in (spec, page 2). */
        if (app != NULL && data->token != NULL
            && g_action_group_has_action (G_ACTION_GROUP (app), "sign-in"))
          g_action_group_activate_action (G_ACTION_GROUP (app), "sign-in",
                                          g_variant_new_string (tanba_token_get_serial (data->token)));
        ask (self, outer, _("The profile is ready"), message, "ok", _("_OK"), NULL);
        /* "ok" is not a way on: the task ends as cancelled below. */
      }
      break;

    case TANBA_REGISTRATION_STATE_OTHER:
    default:
      {
        const char *message = _("This token holds keys or a profile that were not made by a registration. Connect another token, or format this one in the token control panel first.");

        show_error (self, message);
        g_task_return_new_error (outer, G_IO_ERROR, G_IO_ERROR_EXISTS, "%s", message);
      }
      break;
    }
}

static void
tanba_wizard_page_password_apply (TanbaWizardPage     *page,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  TanbaWizardPagePassword *self = TANBA_WIZARD_PAGE_PASSWORD (page);
  TanbaWizardData *data = tanba_wizard_page_get_data (page);
  GTask *outer = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GTask) task = NULL;
  CheckData *cd;

  g_task_set_source_tag (outer, tanba_wizard_page_password_apply);
  if (data->token == NULL)
    {
      g_task_return_new_error (outer, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "%s", _("No token is chosen."));
      g_object_unref (outer);
      return;
    }
  show_error (self, NULL);
  cd = g_new0 (CheckData, 1);
  cd->pin = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->password_entry)));
  task = g_task_new (self, cancellable, check_done_cb, outer);
  g_task_set_source_tag (task, check_thread);
  g_task_set_task_data (task, cd, (GDestroyNotify) check_data_free);
  g_task_run_in_thread (task, check_thread);
}

static gboolean
tanba_wizard_page_password_apply_finish (TanbaWizardPage  *page,
                                         GAsyncResult     *result,
                                         GError          **error)
{
  TanbaWizardData *data = tanba_wizard_page_get_data (page);
  gboolean ok = g_task_propagate_boolean (G_TASK (result), error);

  /* "OK" on a finished profile leads nowhere. */
  if (ok && data->state == TANBA_REGISTRATION_STATE_COMPLETE)
    return FALSE;
  return ok;
}

static void
tanba_wizard_page_password_shown (TanbaWizardPage *page)
{
  TanbaWizardPagePassword *self = TANBA_WIZARD_PAGE_PASSWORD (page);
  TanbaWizardData *data = tanba_wizard_page_get_data (page);
  g_autofree char *token = tanba_wizard_data_dup_token_title (data);
  g_autofree char *title = NULL;
  GString *hint = g_string_new (NULL);
  const TanbaTokenInfo *info = data->token_info;

  /* Translators: %s is the token, e.g. "KAZTOKEN <no label>". */
  title = g_strdup_printf (_("Token: %s"), token);
  gtk_label_set_label (GTK_LABEL (self->token_title), title);

  if (info != NULL && tanba_token_info_is_factory_empty (info))
    g_string_append (hint, _("This is a new token: its password is the default one, 12345678."));
  else
    g_string_append (hint, _("Type the password you chose for this token."));
  if (info != NULL && tanba_token_info_user_pin_locked (info))
    {
      g_string_append_c (hint, ' ');
      g_string_append (hint, _("The password is locked after too many wrong tries: unblock it with the administrator PIN in the token control panel."));
    }
  else if (info != NULL && tanba_token_info_user_pin_final_try (info))
    {
      g_string_append_c (hint, ' ');
      g_string_append (hint, _("Careful: this is the last try before the password is locked."));
    }
  else if (info != NULL && tanba_token_info_user_pin_count_low (info))
    {
      g_string_append_c (hint, ' ');
      g_string_append (hint, _("A wrong password was typed before: few tries are left."));
    }
  gtk_label_set_label (GTK_LABEL (self->hint_label), hint->str);
  g_string_free (hint, TRUE);

  /* Never show an old password again. (Only when there is one: a text
   * change on the field about to be focused makes Orca take the focus
   * there silently, and then not announce it.) */
  if (gtk_editable_get_text (GTK_EDITABLE (self->password_entry))[0] != '\0')
    gtk_editable_set_text (GTK_EDITABLE (self->password_entry), "");
  show_error (self, NULL);
}

static void
tanba_wizard_page_password_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), TANBA_TYPE_WIZARD_PAGE_PASSWORD);

  G_OBJECT_CLASS (tanba_wizard_page_password_parent_class)->dispose (object);
}

static void
tanba_wizard_page_password_class_init (TanbaWizardPagePasswordClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  TanbaWizardPageClass *page_class = TANBA_WIZARD_PAGE_CLASS (klass);

  object_class->dispose = tanba_wizard_page_password_dispose;
  page_class->shown = tanba_wizard_page_password_shown;
  page_class->apply = tanba_wizard_page_password_apply;
  page_class->apply_finish = tanba_wizard_page_password_apply_finish;

  gtk_widget_class_set_template_from_resource (widget_class, "/kz/tanba/Tanba/ui/pages/tanba-wizard-page-password.ui");
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPagePassword, heading);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPagePassword, token_title);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPagePassword, password_label);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPagePassword, password_entry);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPagePassword, hint_label);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPagePassword, error_label);
  gtk_widget_class_bind_template_callback (widget_class, password_changed_cb);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
tanba_wizard_page_password_init (TanbaWizardPagePassword *self)
{
  TanbaWizardPage *page = TANBA_WIZARD_PAGE (self);

  gtk_widget_init_template (GTK_WIDGET (self));

  tanba_wizard_page_set_title (page, _("Token password"));
  tanba_wizard_page_set_heading (page, self->heading);
  tanba_gui_label_for (self->password_label, self->password_entry);
  tanba_gui_described_by (self->password_entry, self->hint_label);
  tanba_gui_set_required (self->password_entry, TRUE);
  tanba_wizard_page_set_first_focus (page, self->password_entry);
}

TanbaWizardPage *
tanba_wizard_page_password_new (TanbaWizardData *data)
{
  TanbaWizardPage *page;

  g_return_val_if_fail (data != NULL, NULL);

  page = g_object_new (TANBA_TYPE_WIZARD_PAGE_PASSWORD, NULL);
  tanba_wizard_page_set_data (page, data);
  return page;
}
