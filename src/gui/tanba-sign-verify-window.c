/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-sign-verify-window.c: "Verify a signature…". */
#include "config.h"

#include "tanba-i18n.h"
#include "tanba-control-panel-private.h"
#include "tanba-gui-util.h"
#include "tanba-settings.h"
#include "tanba-sign-verify-window.h"

struct _TanbaSignVerifyWindow
{
  AdwApplicationWindow parent_instance;

  GtkWidget *close_button;
  GtkWidget *verify_button;
  GtkWidget *content;
  GtkWidget *heading_label;
  GtkWidget *intro_label;
  GtkWidget *file_button;
  GtkWidget *file_label;
  GtkWidget *signature_button;
  GtkWidget *signature_label;
  GtkWidget *message_label;

  char      *trust_anchor;
  char      *file;
  char      *signature;

  GtkFileChooserNative *chooser;
  GCancellable *cancellable;
  gboolean      busy;
  char         *message;
  GtkWidget    *spoken;
};

G_DEFINE_FINAL_TYPE (TanbaSignVerifyWindow, tanba_sign_verify_window, ADW_TYPE_APPLICATION_WINDOW)

char *
tanba_sign_verification_text (const TanbaCmsVerification *v)
{
  GString *text = g_string_new (NULL);

  g_return_val_if_fail (v != NULL, NULL);

  if (v->verdict == TANBA_CMS_VALID)
    {
      /* The reason names the signer and the time already. */
      g_string_append (text, v->reason != NULL ? v->reason : _("The signature is valid."));
      if (v->signer_serial != NULL)
        {
          g_string_append_c (text, ' ');
          /* Translators: the signer's certificate serial number. */
          g_string_append_printf (text, _("Certificate %s."), v->signer_serial);
        }
      if (v->signing_time == NULL)
        {
          g_string_append_c (text, ' ');
          g_string_append (text, _("The signature does not say when it was made."));
        }
      return g_string_free (text, FALSE);
    }

  g_string_append (text, _("The signature is NOT valid."));
  if (v->reason != NULL)
    {
      g_string_append_c (text, ' ');
      g_string_append (text, v->reason);
    }
  if (v->signer_common_name != NULL)
    {
      g_string_append_c (text, ' ');
      if (v->signer_organization != NULL)
        /* Translators: the signer's name, organization and certificate serial number. */
        g_string_append_printf (text, _("Signed by %s, %s (certificate %s)."), v->signer_common_name,
                                v->signer_organization, v->signer_serial != NULL ? v->signer_serial : "?");
      else
        /* Translators: the signer's name and certificate serial number. */
        g_string_append_printf (text, _("Signed by %s (certificate %s)."), v->signer_common_name,
                                v->signer_serial != NULL ? v->signer_serial : "?");
    }
  if (v->signing_time != NULL)
    {
      g_autoptr(GDateTime) local = g_date_time_to_local (v->signing_time);
      g_autofree char *when = g_date_time_format (local, "%Y-%m-%d %H:%M:%S %Z");

      g_string_append_c (text, ' ');
      /* Translators: %s is a date and time. */
      g_string_append_printf (text, _("Signed on %s (the signer’s computer clock)."), when);
    }
  return g_string_free (text, FALSE);
}

/* ---- state ----------------------------------------------------------------- */

static void
speak (TanbaSignVerifyWindow *self,
       const char            *message)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));

  if (focus == NULL || !gtk_widget_is_ancestor (focus, GTK_WIDGET (self)))
    focus = self->verify_button;
  if (self->spoken != NULL && self->spoken != focus)
    tanba_gui_set_description (self->spoken, NULL);
  self->spoken = focus;
  tanba_gui_speak (focus, message);
}

static void
show_message (TanbaSignVerifyWindow *self,
              const char            *message,
              const char            *css_class)
{
  g_free (self->message);
  self->message = g_strdup (message);
  gtk_label_set_text (GTK_LABEL (self->message_label), message != NULL ? message : "");
  gtk_widget_set_visible (self->message_label, message != NULL);
  gtk_widget_remove_css_class (self->message_label, "error");
  gtk_widget_remove_css_class (self->message_label, "success");
  if (css_class != NULL)
    gtk_widget_add_css_class (self->message_label, css_class);
  if (message != NULL)
    speak (self, message);
}

static void
update (TanbaSignVerifyWindow *self)
{
  g_autofree char *file = self->file != NULL ? g_filename_display_name (self->file) : NULL;
  g_autofree char *signature = self->signature != NULL ? g_filename_display_name (self->signature) : NULL;

  gtk_label_set_text (GTK_LABEL (self->file_label), file != NULL ? file : _("No document is chosen."));
  gtk_label_set_text (GTK_LABEL (self->signature_label),
                      signature != NULL ? signature : _("No signature file is chosen."));
  tanba_gui_set_description (self->file_button, gtk_label_get_text (GTK_LABEL (self->file_label)));
  tanba_gui_set_description (self->signature_button, gtk_label_get_text (GTK_LABEL (self->signature_label)));
  gtk_widget_set_sensitive (self->verify_button, !self->busy && self->file != NULL && self->signature != NULL);
  gtk_widget_set_sensitive (self->file_button, !self->busy);
  gtk_widget_set_sensitive (self->signature_button, !self->busy);
}

/* ---- verifying ------------------------------------------------------------- */

typedef struct
{
  char *file;
  char *signature;
  char *trust_anchor;
} VerifyData;

static void
verify_data_free (VerifyData *data)
{
  g_free (data->file);
  g_free (data->signature);
  g_free (data->trust_anchor);
  g_free (data);
}

static void
verify_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  VerifyData *data = task_data;
  GError *error = NULL;
  TanbaCmsVerification *v = tanba_cms_verify_file (data->file, data->signature, data->trust_anchor,
                                                   cancellable, &error);

  if (v == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, v, (GDestroyNotify) tanba_cms_verification_free);
}

static void
verify_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  TanbaSignVerifyWindow *self = TANBA_SIGN_VERIFY_WINDOW (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(TanbaCmsVerification) v = g_task_propagate_pointer (G_TASK (result), &error);

  if (gtk_widget_in_destruction (GTK_WIDGET (self)) || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->busy = FALSE;
  update (self);
  if (v != NULL)
    {
      g_autofree char *text = tanba_sign_verification_text (v);

      show_message (self, text, v->verdict == TANBA_CMS_VALID ? "success" : "error");
    }
  else
    {
      /* Translators: %s says why. */
      g_autofree char *text = g_strdup_printf (_("The signature could not be checked. %s"), error->message);

      show_message (self, text, "error");
    }
}

static void
verify_clicked_cb (TanbaSignVerifyWindow *self)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *anchor = NULL;
  VerifyData *data;

  if (self->busy || self->file == NULL || self->signature == NULL)
    return;
  anchor = self->trust_anchor != NULL ? g_strdup (self->trust_anchor) : tanba_settings_dup_string ("trust-anchor");
  if (anchor == NULL)
    {
      show_message (self, _("Which certification authority do you trust? Set the bank’s root certificate (the trust anchor) in the control panel’s settings, then verify again."), "error");
      return;
    }
  data = g_new0 (VerifyData, 1);
  data->file = g_strdup (self->file);
  data->signature = g_strdup (self->signature);
  data->trust_anchor = g_steal_pointer (&anchor);
  self->busy = TRUE;
  update (self);
  show_message (self, _("Checking the signature…"), NULL);
  task = g_task_new (self, self->cancellable, verify_done_cb, NULL);
  g_task_set_task_data (task, data, (GDestroyNotify) verify_data_free);
  g_task_run_in_thread (task, verify_thread);
}

/* ---- choosing files -------------------------------------------------------- */

static void
chooser_response_cb (TanbaSignVerifyWindow *self,
                     int                    response,
                     GtkNativeDialog       *chooser)
{
  gboolean signature = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (chooser), "signature"));
  g_autoptr(GFile) file = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  g_clear_object (&self->chooser);
  if (file != NULL && g_file_peek_path (file) != NULL)
    {
      if (signature)
        tanba_sign_verify_window_set_signature (self, g_file_peek_path (file));
      else
        tanba_sign_verify_window_set_file (self, g_file_peek_path (file));
    }
  tanba_gui_focus (signature ? self->signature_button : self->file_button);
}

static void
choose (TanbaSignVerifyWindow *self,
        gboolean               signature)
{
  if (self->chooser != NULL)
    return;
  self->chooser = gtk_file_chooser_native_new (signature ? _("Choose the Signature File") : _("Choose the Signed Document"),
                                               GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_OPEN,
                                               _("_Choose"), _("_Cancel"));
  if (signature)
    {
      g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

      gtk_file_filter_set_name (filter, _("Signatures (.p7s)"));
      gtk_file_filter_add_pattern (filter, "*.p7s");
      gtk_file_filter_add_pattern (filter, "*.P7S");
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
    }
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  g_object_set_data (G_OBJECT (self->chooser), "signature", GINT_TO_POINTER (signature));
  g_signal_connect_swapped (self->chooser, "response", G_CALLBACK (chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
file_clicked_cb (TanbaSignVerifyWindow *self)
{
  choose (self, FALSE);
}

static void
signature_clicked_cb (TanbaSignVerifyWindow *self)
{
  choose (self, TRUE);
}

/* ---- overrides ------------------------------------------------------------- */

static void
tanba_sign_verify_window_dispose (GObject *object)
{
  TanbaSignVerifyWindow *self = TANBA_SIGN_VERIFY_WINDOW (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  if (self->chooser != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->chooser, self);
      gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
      g_clear_object (&self->chooser);
    }
  gtk_widget_dispose_template (GTK_WIDGET (object), TANBA_TYPE_SIGN_VERIFY_WINDOW);
  G_OBJECT_CLASS (tanba_sign_verify_window_parent_class)->dispose (object);
}

static void
tanba_sign_verify_window_finalize (GObject *object)
{
  TanbaSignVerifyWindow *self = TANBA_SIGN_VERIFY_WINDOW (object);

  g_clear_object (&self->cancellable);
  g_free (self->trust_anchor);
  g_free (self->file);
  g_free (self->signature);
  g_free (self->message);
  G_OBJECT_CLASS (tanba_sign_verify_window_parent_class)->finalize (object);
}

static void
tanba_sign_verify_window_class_init (TanbaSignVerifyWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tanba_sign_verify_window_dispose;
  object_class->finalize = tanba_sign_verify_window_finalize;

  gtk_widget_class_set_template_from_resource (widget_class, "/kz/tanba/Tanba/ui/tanba-sign-verify-window.ui");
  gtk_widget_class_bind_template_child (widget_class, TanbaSignVerifyWindow, close_button);
  gtk_widget_class_bind_template_child (widget_class, TanbaSignVerifyWindow, verify_button);
  gtk_widget_class_bind_template_child (widget_class, TanbaSignVerifyWindow, content);
  gtk_widget_class_bind_template_child (widget_class, TanbaSignVerifyWindow, heading_label);
  gtk_widget_class_bind_template_child (widget_class, TanbaSignVerifyWindow, intro_label);
  gtk_widget_class_bind_template_child (widget_class, TanbaSignVerifyWindow, file_button);
  gtk_widget_class_bind_template_child (widget_class, TanbaSignVerifyWindow, file_label);
  gtk_widget_class_bind_template_child (widget_class, TanbaSignVerifyWindow, signature_button);
  gtk_widget_class_bind_template_child (widget_class, TanbaSignVerifyWindow, signature_label);
  gtk_widget_class_bind_template_child (widget_class, TanbaSignVerifyWindow, message_label);
  gtk_widget_class_bind_template_callback (widget_class, verify_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, file_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, signature_clicked_cb);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
tanba_sign_verify_window_init (TanbaSignVerifyWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  tanba_gui_fix_mnemonic_name (self->close_button);
  tanba_gui_fix_mnemonic_name (self->verify_button);
  tanba_gui_fix_mnemonic_name (self->file_button);
  tanba_gui_fix_mnemonic_name (self->signature_button);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (self->content),
                                  GTK_ACCESSIBLE_RELATION_LABELLED_BY, self->heading_label, NULL,
                                  GTK_ACCESSIBLE_RELATION_DESCRIBED_BY, self->intro_label, NULL,
                                  -1);
  tanba_control_panel_refocus_on_activate (GTK_WINDOW (self));
  update (self);
}

/* ---- public API ------------------------------------------------------------ */

GtkWindow *
tanba_sign_verify_window_new (GtkApplication *app,
                              const char     *trust_anchor)
{
  TanbaSignVerifyWindow *self = g_object_new (TANBA_TYPE_SIGN_VERIFY_WINDOW, "application", app, NULL);

  self->trust_anchor = trust_anchor != NULL && trust_anchor[0] != '\0' ? g_strdup (trust_anchor) : NULL;
  gtk_widget_grab_focus (self->file_button);
  return GTK_WINDOW (self);
}

void
tanba_sign_verify_window_set_file (TanbaSignVerifyWindow *self,
                                   const char            *path)
{
  g_autofree char *signature = NULL;

  g_return_if_fail (TANBA_IS_SIGN_VERIFY_WINDOW (self));

  g_free (self->file);
  self->file = g_strdup (path);
  signature = path != NULL ? tanba_cms_default_signature_path (path) : NULL;
  if (signature != NULL && g_file_test (signature, G_FILE_TEST_IS_REGULAR))
    {
      g_free (self->signature);
      self->signature = g_steal_pointer (&signature);
    }
  show_message (self, NULL, NULL);
  update (self);
}

void
tanba_sign_verify_window_set_signature (TanbaSignVerifyWindow *self,
                                        const char            *path)
{
  g_return_if_fail (TANBA_IS_SIGN_VERIFY_WINDOW (self));

  g_free (self->signature);
  self->signature = g_strdup (path);
  show_message (self, NULL, NULL);
  update (self);
}

const char *
tanba_sign_verify_window_get_message (TanbaSignVerifyWindow *self)
{
  g_return_val_if_fail (TANBA_IS_SIGN_VERIFY_WINDOW (self), NULL);

  return self->message;
}

gboolean
tanba_sign_verify_window_is_busy (TanbaSignVerifyWindow *self)
{
  g_return_val_if_fail (TANBA_IS_SIGN_VERIFY_WINDOW (self), FALSE);

  return self->busy;
}
