/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <adwaita.h>

#include "tanba-i18n.h"
#include "tanba-gui-util.h"
#include "tanba-input-rules.h"
#include "tanba-key-file.h"
#include "tanba-wizard-page-data.h"

struct _TanbaWizardPageData
{
  TanbaWizardPage parent_instance;

  GtkWidget *heading;
  GtkWidget *intro;
  GtkWidget *user_id_label;
  GtkWidget *user_id_entry;
  GtkWidget *user_id_hint;
  GtkWidget *otp_pin_label;
  GtkWidget *otp_pin_entry;
  GtkWidget *show_pin_check;
  GtkWidget *otp_pin_hint;
  GtkWidget *key_file_label;
  GtkWidget *key_file_entry;
  GtkWidget *browse_button;
  GtkWidget *key_file_hint;
  GtkWidget *same_check;
  GtkWidget *key_password_label;
  GtkWidget *key_password_entry;
  GtkWidget *error_label;
  GtkWidget *details_expander;
  GtkWidget *details_label;

  GtkFileChooserNative *chooser;
};

G_DEFINE_FINAL_TYPE (TanbaWizardPageData, tanba_wizard_page_data, TANBA_TYPE_WIZARD_PAGE)

typedef struct
{
  char    *path;
  char    *user_id;
  char    *password;      /* secret: the OTP PIN or the key file password */
  gboolean same_as_pin;
  /* Results. */
  char    *opened_with;   /* secret: the look-alike PIN that opened the file */
  char    *certified_user_id;
  GError  *user_error;    /* the user ID check */
} OpenData;

static void
open_data_free (OpenData *od)
{
  g_free (od->path);
  g_free (od->user_id);
  tanba_wizard_data_set_secret (&od->password, NULL);
  if (od->opened_with != NULL)
    tanba_key_file_secret_free (od->opened_with);
  g_free (od->certified_user_id);
  g_clear_error (&od->user_error);
  g_free (od);
}

static void
show_error (TanbaWizardPageData *self,
            GtkWidget           *field,
            const char          *message,
            const char          *details)
{
  gtk_label_set_label (GTK_LABEL (self->error_label), message != NULL ? message : "");
  gtk_widget_set_visible (self->error_label, message != NULL);
  gtk_label_set_label (GTK_LABEL (self->details_label), details != NULL ? details : "");
  gtk_widget_set_visible (self->details_expander, details != NULL);
  gtk_expander_set_expanded (GTK_EXPANDER (self->details_expander), FALSE);

  tanba_gui_set_description (self->user_id_entry, NULL);
  tanba_gui_set_description (self->otp_pin_entry, NULL);
  tanba_gui_set_description (self->key_file_entry, NULL);
  tanba_gui_set_description (self->key_password_entry, NULL);
  if (field != NULL && message != NULL)
    {
      g_autofree char *spoken = NULL;

      if (details != NULL)
        /* Translators: an error, then a pointer to its details part. */
        spoken = g_strdup_printf (_("%s The Details part below says what to check."), message);
      tanba_gui_focus (field);
      tanba_gui_speak (field, spoken != NULL ? spoken : message);
    }
}

static const char *
password_text (TanbaWizardPageData *self)
{
  if (gtk_check_button_get_active (GTK_CHECK_BUTTON (self->same_check)))
    return gtk_editable_get_text (GTK_EDITABLE (self->otp_pin_entry));
  return gtk_editable_get_text (GTK_EDITABLE (self->key_password_entry));
}

static void
update_complete (TanbaWizardPageData *self)
{
  const char *user_id = gtk_editable_get_text (GTK_EDITABLE (self->user_id_entry));
  const char *pin = gtk_editable_get_text (GTK_EDITABLE (self->otp_pin_entry));
  g_autofree char *path = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->key_file_entry)));
  gboolean complete;

  g_strstrip (path);
  complete = tanba_user_id_validate (user_id, NULL)
             && tanba_otp_pin_validate (pin, NULL)
             && path[0] != '\0'
             && password_text (self)[0] != '\0';
  tanba_wizard_page_set_complete (TANBA_WIZARD_PAGE (self), complete);
}

static void
otp_insert_text_cb (GtkEditable         *editable,
                    const char          *text,
                    int                  length,
                    int                 *position,
                    TanbaWizardPageData *self)
{
  gsize len = length < 0 ? strlen (text) : (gsize) length;
  char *upper = g_strndup (text, len);

  /* The OTP PIN is upper-case: small letters become capitals as typed. */
  if (tanba_otp_pin_normalize (upper, -1))
    {
      g_signal_handlers_block_by_func (editable, otp_insert_text_cb, self);
      gtk_editable_insert_text (editable, upper, -1, position);
      g_signal_handlers_unblock_by_func (editable, otp_insert_text_cb, self);
      g_signal_stop_emission_by_name (editable, "insert-text");
    }
  explicit_bzero (upper, len);
  g_free (upper);
}

/* The GtkText inside the OTP PIN field, which holds its visibility. */
static GtkText *
otp_pin_text (TanbaWizardPageData *self)
{
  GtkEditable *delegate = gtk_editable_get_delegate (GTK_EDITABLE (self->otp_pin_entry));

  return GTK_IS_TEXT (delegate) ? GTK_TEXT (delegate) : NULL;
}

static void
show_pin_toggled_cb (TanbaWizardPageData *self)
{
  GtkText *text = otp_pin_text (self);

  /* GtkPasswordEntry has no visibility call of its own in GTK 4.8: its peek
   * icon (left out, it is not accessible there) sets the visibility of its
   * GtkText, as this check box does. The guide's advice for error 0200040 is
   * to read the PIN again for I/1 and O/0, which needs it visible. */
  if (text != NULL)
    gtk_text_set_visibility (text, gtk_check_button_get_active (GTK_CHECK_BUTTON (self->show_pin_check)));
}

static void
same_toggled_cb (TanbaWizardPageData *self)
{
  gboolean separate = !gtk_check_button_get_active (GTK_CHECK_BUTTON (self->same_check));

  gtk_widget_set_visible (self->key_password_label, separate);
  gtk_widget_set_visible (self->key_password_entry, separate);
  tanba_gui_set_required (self->key_password_entry, separate);
  if (!separate)
    gtk_editable_set_text (GTK_EDITABLE (self->key_password_entry), "");
  update_complete (self);
}

static void
chooser_response_cb (GtkNativeDialog     *dialog,
                     int                  response,
                     TanbaWizardPageData *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

      if (path != NULL)
        gtk_editable_set_text (GTK_EDITABLE (self->key_file_entry), path);
    }
  g_clear_object (&self->chooser);
  tanba_gui_focus (self->key_file_entry);
}

static void
browse_clicked_cb (TanbaWizardPageData *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
  g_autoptr(GtkFileFilter) all = gtk_file_filter_new ();

  if (self->chooser != NULL)
    return;

  /* The native chooser goes through the file chooser portal when there is one. */
  self->chooser = gtk_file_chooser_native_new (_("Choose the key file"),
                                               GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                               GTK_FILE_CHOOSER_ACTION_OPEN,
                                               _("_Open"), _("_Cancel"));
  gtk_file_filter_set_name (filter, _("Key files (PFX, PKCS#12)"));
  gtk_file_filter_add_suffix (filter, "pfx");
  gtk_file_filter_add_suffix (filter, "p12");
  gtk_file_filter_set_name (all, _("All files"));
  gtk_file_filter_add_pattern (all, "*");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), all);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  g_signal_connect (self->chooser, "response", G_CALLBACK (chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
open_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  OpenData *od = task_data;
  g_autoptr(TanbaKeyFile) key_file = NULL;
  g_autoptr(GError) error = NULL;

  if (od->same_as_pin)
    key_file = tanba_key_file_open_with_recovery (od->path, od->password, &od->opened_with, &error);
  else
    key_file = tanba_key_file_open (od->path, od->password, &error);
  if (key_file == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  od->certified_user_id = g_strdup (tanba_key_file_get_user_id (key_file));
  tanba_key_file_check_user_id (key_file, od->user_id, &od->user_error);
  g_task_return_boolean (task, TRUE);
}

static void
finish_ok (TanbaWizardPageData *self,
           OpenData            *od,
           GTask               *outer)
{
  TanbaWizardData *data = tanba_wizard_page_get_data (TANBA_WIZARD_PAGE (self));

  if (od->user_error != NULL)
    {
      show_error (self, self->user_id_entry, od->user_error->message, NULL);
      g_task_return_error (outer, g_error_copy (od->user_error));
      return;
    }

  show_error (self, NULL, NULL, NULL);
  g_free (data->user_id);
  data->user_id = tanba_user_id_normalize (od->user_id);
  tanba_wizard_data_set_secret (&data->otp_pin, gtk_editable_get_text (GTK_EDITABLE (self->otp_pin_entry)));
  tanba_wizard_data_set_string (&data->key_file, od->path);
  tanba_wizard_data_set_secret (&data->key_password, od->same_as_pin ? NULL : od->password);
  tanba_wizard_data_set_string (&data->certified_user_id, od->certified_user_id);
  /* Data asked for again to continue a registration: back to the run. */
  tanba_wizard_page_set_next (TANBA_WIZARD_PAGE (self), data->continuing ? "progress" : NULL);
  g_task_return_boolean (outer, TRUE);
}

static void
lookalike_response_cb (AdwMessageDialog *dialog,
                       const char       *response,
                       GTask            *outer)
{
  TanbaWizardPageData *self = g_task_get_source_object (outer);
  OpenData *od = g_task_get_task_data (outer);

  /* One answer per question. */
  g_signal_handlers_disconnect_by_func (dialog, lookalike_response_cb, outer);
  if (g_strcmp0 (response, "use") == 0)
    {
      gtk_editable_set_text (GTK_EDITABLE (self->otp_pin_entry), od->opened_with);
      finish_ok (self, od, outer);
    }
  else
    {
      gtk_editable_set_text (GTK_EDITABLE (self->otp_pin_entry), "");
      show_error (self, self->otp_pin_entry, _("Type the OTP PIN again, exactly as on the OTP card."), NULL);
      g_task_return_new_error (outer, G_IO_ERROR, G_IO_ERROR_CANCELLED, "%s", _("Cancelled."));
    }
  g_object_unref (outer);
}

static void
open_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  TanbaWizardPageData *self = TANBA_WIZARD_PAGE_DATA (source);
  g_autoptr(GTask) outer = user_data;
  OpenData *od = g_task_get_task_data (outer);
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (g_error_matches (error, TANBA_KEY_FILE_ERROR, TANBA_KEY_FILE_ERROR_BAD_PASSWORD))
        {
          GtkWidget *field = od->same_as_pin ? self->otp_pin_entry : self->key_password_entry;
          g_autofree char *message = NULL;

          /* Translators: the bank's error code, then the error. */
          message = g_strdup_printf (_("Error %s: invalid password or key container."), TANBA_KEY_FILE_BANK_CODE);
          /* A wrong secret is cleared, never shown again selected. */
          gtk_editable_set_text (GTK_EDITABLE (field), "");
          show_error (self, field, message, tanba_key_file_bad_password_details ());
        }
      else if (g_error_matches (error, TANBA_KEY_FILE_ERROR, TANBA_KEY_FILE_ERROR_WRONG_USER)
               || g_error_matches (error, TANBA_POLICY_ERROR, TANBA_POLICY_ERROR_USER_ID_MISMATCH))
        show_error (self, self->user_id_entry, error->message, NULL);
      else
        show_error (self, self->key_file_entry, error->message, NULL);
      g_task_return_error (outer, g_steal_pointer (&error));
      return;
    }

  if (od->opened_with != NULL)
    {
      GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
      GtkWidget *dialog;
      g_autofree char *body = NULL;

      /* Translators: %s is an OTP PIN with I/1 or O/0 swapped that opens the key file. */
      body = g_strdup_printf (_("The key file does not open with the OTP PIN as typed, but it opens with the PIN %s, where a letter I or O was read as the digit 1 or 0, or the other way round. Use it?"),
                              od->opened_with);
      dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                       _("The key file opens with a similar PIN"), body);
      explicit_bzero (body, strlen (body));
      adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                        "retype", _("_Type it again"),
                                        "use", _("_Use this PIN"),
                                        NULL);
      adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "use", ADW_RESPONSE_SUGGESTED);
      adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "use");
      adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "retype");
      g_signal_connect (dialog, "response", G_CALLBACK (lookalike_response_cb), g_steal_pointer (&outer));
      tanba_gui_fix_mnemonic_names (GTK_WIDGET (dialog));
      gtk_window_present (GTK_WINDOW (dialog));
      return;
    }

  finish_ok (self, od, outer);
}

static void
tanba_wizard_page_data_apply (TanbaWizardPage     *page,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  TanbaWizardPageData *self = TANBA_WIZARD_PAGE_DATA (page);
  GTask *outer = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GTask) task = NULL;
  OpenData *od;

  g_task_set_source_tag (outer, tanba_wizard_page_data_apply);
  od = g_new0 (OpenData, 1);
  od->path = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->key_file_entry))));
  od->user_id = tanba_user_id_normalize (gtk_editable_get_text (GTK_EDITABLE (self->user_id_entry)));
  od->password = g_strdup (password_text (self));
  od->same_as_pin = gtk_check_button_get_active (GTK_CHECK_BUTTON (self->same_check));
  g_task_set_task_data (outer, od, (GDestroyNotify) open_data_free);

  task = g_task_new (self, cancellable, open_done_cb, outer);
  g_task_set_source_tag (task, open_thread);
  g_task_set_task_data (task, od, NULL);
  g_task_run_in_thread (task, open_thread);
}

static gboolean
tanba_wizard_page_data_apply_finish (TanbaWizardPage  *page,
                                     GAsyncResult     *result,
                                     GError          **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
tanba_wizard_page_data_shown (TanbaWizardPage *page)
{
  TanbaWizardPageData *self = TANBA_WIZARD_PAGE_DATA (page);
  TanbaWizardData *data = tanba_wizard_page_get_data (page);

  /* Continuing a registration: the user ID is the one it was started for. */
  if (data->continuing && data->marker != NULL && data->marker->user_id != NULL
      && gtk_editable_get_text (GTK_EDITABLE (self->user_id_entry))[0] == '\0')
    gtk_editable_set_text (GTK_EDITABLE (self->user_id_entry), data->marker->user_id);
}

static void
tanba_wizard_page_data_unmap (GtkWidget *widget)
{
  TanbaWizardPageData *self = TANBA_WIZARD_PAGE_DATA (widget);

  /* Leaving the page (another wizard page, or the window closed) hides the
   * OTP PIN again: it is shown only while asked for, on this page. */
  if (self->show_pin_check != NULL)
    gtk_check_button_set_active (GTK_CHECK_BUTTON (self->show_pin_check), FALSE);

  GTK_WIDGET_CLASS (tanba_wizard_page_data_parent_class)->unmap (widget);
}

static void
tanba_wizard_page_data_dispose (GObject *object)
{
  TanbaWizardPageData *self = TANBA_WIZARD_PAGE_DATA (object);

  if (self->chooser != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->chooser, self);
      gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
      g_clear_object (&self->chooser);
    }
  gtk_widget_dispose_template (GTK_WIDGET (object), TANBA_TYPE_WIZARD_PAGE_DATA);

  G_OBJECT_CLASS (tanba_wizard_page_data_parent_class)->dispose (object);
}

static void
tanba_wizard_page_data_class_init (TanbaWizardPageDataClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  TanbaWizardPageClass *page_class = TANBA_WIZARD_PAGE_CLASS (klass);

  object_class->dispose = tanba_wizard_page_data_dispose;
  widget_class->unmap = tanba_wizard_page_data_unmap;
  page_class->shown = tanba_wizard_page_data_shown;
  page_class->apply = tanba_wizard_page_data_apply;
  page_class->apply_finish = tanba_wizard_page_data_apply_finish;

  gtk_widget_class_set_template_from_resource (widget_class, "/kz/tanba/Tanba/ui/pages/tanba-wizard-page-data.ui");
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPageData, heading);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPageData, intro);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPageData, user_id_label);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPageData, user_id_entry);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPageData, user_id_hint);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPageData, otp_pin_label);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPageData, otp_pin_entry);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPageData, show_pin_check);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPageData, otp_pin_hint);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPageData, key_file_label);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPageData, key_file_entry);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPageData, browse_button);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPageData, key_file_hint);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPageData, same_check);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPageData, key_password_label);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPageData, key_password_entry);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPageData, error_label);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPageData, details_expander);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPageData, details_label);
  gtk_widget_class_bind_template_callback (widget_class, update_complete);
  gtk_widget_class_bind_template_callback (widget_class, same_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, show_pin_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, browse_clicked_cb);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
tanba_wizard_page_data_init (TanbaWizardPageData *self)
{
  TanbaWizardPage *page = TANBA_WIZARD_PAGE (self);
  GtkEditable *pin_text;

  gtk_widget_init_template (GTK_WIDGET (self));

  tanba_wizard_page_set_title (page, _("Registration data"));
  tanba_wizard_page_set_heading (page, self->heading);
  tanba_gui_described_by (GTK_WIDGET (self), self->intro);

  tanba_gui_label_for (self->user_id_label, self->user_id_entry);
  tanba_gui_described_by (self->user_id_entry, self->user_id_hint);
  tanba_gui_set_required (self->user_id_entry, TRUE);

  tanba_gui_label_for (self->otp_pin_label, self->otp_pin_entry);
  tanba_gui_described_by (self->otp_pin_entry, self->otp_pin_hint);
  tanba_gui_set_required (self->otp_pin_entry, TRUE);
  pin_text = gtk_editable_get_delegate (GTK_EDITABLE (self->otp_pin_entry));
  g_signal_connect (pin_text != NULL ? pin_text : GTK_EDITABLE (self->otp_pin_entry),
                    "insert-text", G_CALLBACK (otp_insert_text_cb), self);
  /* "Show the OTP PIN" (the guide's «Отображать»): off, so the PIN is hidden. */
  tanba_gui_fix_mnemonic_name (self->show_pin_check);
  /* Translators: accessible description of the "Show the OTP PIN" check box. */
  tanba_gui_set_description (self->show_pin_check, _("Shows the OTP PIN as typed, to check it against the OTP card: a digit 1 may be the letter I, a digit 0 the letter O."));
  gtk_accessible_update_relation (GTK_ACCESSIBLE (self->show_pin_check),
                                  GTK_ACCESSIBLE_RELATION_CONTROLS, self->otp_pin_entry, NULL,
                                  -1);

  tanba_gui_label_for (self->key_file_label, self->key_file_entry);
  tanba_gui_described_by (self->key_file_entry, self->key_file_hint);
  tanba_gui_set_required (self->key_file_entry, TRUE);
  tanba_gui_fix_mnemonic_name (self->browse_button);
  /* Translators: accessible description of the Browse… button. */
  tanba_gui_set_description (self->browse_button, _("Choose the key file in a file chooser"));

  tanba_gui_fix_mnemonic_name (self->same_check);
  tanba_gui_label_for (self->key_password_label, self->key_password_entry);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->details_expander),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Details"),
                                  -1);
  tanba_gui_described_by (self->details_expander, self->details_label);

  tanba_wizard_page_set_first_focus (page, self->user_id_entry);
}

TanbaWizardPage *
tanba_wizard_page_data_new (TanbaWizardData *data)
{
  TanbaWizardPage *page;

  g_return_val_if_fail (data != NULL, NULL);

  page = g_object_new (TANBA_TYPE_WIZARD_PAGE_DATA, NULL);
  tanba_wizard_page_set_data (page, data);
  return page;
}
