/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-sign-window.c: "Sign a document…". */
#include "config.h"

#include <openssl/bn.h>

#include "tanba-i18n.h"
#include "tanba-cms.h"
#include "tanba-gui-util.h"
#include "tanba-sign-window.h"
#include "tanba-x509.h"
#include "tanba-signin-profile.h"
#include "tanba-token-error.h"
#include "tanba-token-password.h"
#include "tanba-token.h"

struct _TanbaSignWindow
{
  AdwApplicationWindow parent_instance;

  GtkWidget *close_button;
  GtkWidget *sign_button;
  GtkWidget *file_button;
  GtkWidget *file_label;

  TanbaTokenPassword tp; /* the profile chooser, password, message (and their widgets) */
  char              *trust_anchor;
  char              *file;

  GtkFileChooserNative *chooser;
};

G_DEFINE_FINAL_TYPE (TanbaSignWindow, tanba_sign_window, ADW_TYPE_APPLICATION_WINDOW)

/* ---- the signing ----------------------------------------------------------- */

static void
x509_stack_free (STACK_OF (X509) *stack)
{
  sk_X509_pop_free (stack, X509_free);
}

char *
tanba_sign_document (TanbaModule  *module,
                     const char   *serial,
                     const char   *pin,
                     const char   *path,
                     const char   *trust_anchor,
                     GCancellable *cancellable,
                     GError      **error)
{
  g_autoptr(TanbaToken) token = NULL;
  g_autoptr(GPtrArray) certificates = NULL;
  g_autoptr(TanbaTokenInfo) info = NULL;
  g_autoptr(TanbaSigninProfile) profile = NULL;
  g_autofree char *anchor = NULL;
  g_autofree char *signature = NULL;
  g_autofree char *name = NULL;
  g_autofree char *organization = NULL;
  g_autofree char *display = NULL;
  STACK_OF (X509) *candidates = NULL;
  STACK_OF (X509) *chain = NULL;
  X509 *certificate = NULL;
  EVP_PKEY *key;
  gboolean replaced;
  gboolean ok;

  g_return_val_if_fail (module != NULL && serial != NULL && pin != NULL && path != NULL, NULL);

  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, TANBA_CMS_ERROR, TANBA_CMS_ERROR_IO,
                   _("“%s” is not a file that can be signed. Choose the document again."), path);
      return NULL;
    }
  token = tanba_token_open (module, serial, error);
  if (token == NULL || (info = tanba_token_get_info (token, error)) == NULL)
    return NULL;
  profile = tanba_signin_profile_read (module, info, error);
  if (profile == NULL)
    {
      if (error == NULL || *error == NULL)
        g_set_error_literal (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_NOT_FOUND,
                             _("The registration of this token is not finished: it holds no signing certificate yet. Finish the registration, then sign."));
      return NULL;
    }
  certificates = tanba_token_list_certificates (token, error);
  if (certificates == NULL)
    return NULL;
  candidates = sk_X509_new_null ();
  for (guint i = 0; i < certificates->len; i++)
    {
      TanbaCertInfo *c = g_ptr_array_index (certificates, i);

      if (c->certificate == NULL)
        continue;
      if (certificate == NULL && profile->signing_id != NULL && c->id != NULL
          && g_bytes_equal (c->id, profile->signing_id))
        certificate = c->certificate;
      X509_up_ref (c->certificate);
      sk_X509_push (candidates, c->certificate);
    }
  if (certificate == NULL)
    {
      x509_stack_free (candidates);
      g_set_error_literal (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_NOT_FOUND,
                           _("The token holds no signing certificate. Renew the certificates in the control panel, or register the token again."));
      return NULL;
    }
  anchor = tanba_signin_resolve_trust_anchor (trust_anchor);
  if (anchor != NULL)
    {
      STACK_OF (X509) *anchors = tanba_cms_read_certificates (anchor, NULL);

      /* The root only completes the chain: a missing one does not stop signing. */
      while (anchors != NULL && sk_X509_num (anchors) > 0)
        sk_X509_push (candidates, sk_X509_shift (anchors));
      if (anchors != NULL)
        sk_X509_free (anchors);
    }
  chain = tanba_cms_issuer_chain (certificate, candidates);

  if (!tanba_token_login (token, TANBA_ROLE_USER, pin, error))
    {
      x509_stack_free (chain);
      x509_stack_free (candidates);
      return NULL;
    }
  key = tanba_token_get_private_key (token, profile->signing_id, error);
  signature = tanba_cms_default_signature_path (path);
  replaced = g_file_test (signature, G_FILE_TEST_EXISTS);
  ok = key != NULL && tanba_cms_sign_file (certificate, key, chain, path, signature, cancellable, error);
  EVP_PKEY_free (key);
  tanba_token_logout (token, NULL);

  name = tanba_x509_subject_entry (certificate, NID_commonName);
  organization = tanba_x509_subject_entry (certificate, NID_organizationName);
  x509_stack_free (chain);
  x509_stack_free (candidates);
  if (!ok)
    return NULL;

  display = g_filename_display_name (signature);
  if (organization != NULL)
    /* Translators: the signature file, then the signer's name and organization. */
    return g_strdup_printf (replaced ? _("Signed. The signature is saved to %s (the earlier signature file was replaced). Signed by %s, %s.")
                                     : _("Signed. The signature is saved to %s. Signed by %s, %s."),
                            display, name != NULL ? name : "?", organization);
  /* Translators: the signature file, then the signer's name. */
  return g_strdup_printf (replaced ? _("Signed. The signature is saved to %s (the earlier signature file was replaced). Signed by %s.")
                                   : _("Signed. The signature is saved to %s. Signed by %s."),
                          display, name != NULL ? name : "?");
}

/* ---- state ----------------------------------------------------------------- */

static void
update_sensitivity (TanbaSignWindow *self)
{
  gboolean ready = tanba_token_password_update_sensitivity (&self->tp);

  gtk_widget_set_sensitive (self->sign_button, ready && self->file != NULL);
  gtk_widget_set_sensitive (self->file_button, !self->tp.busy);
}

static void
sensitivity_cb (GtkWidget *window)
{
  update_sensitivity (TANBA_SIGN_WINDOW (window));
}

static void
update_file (TanbaSignWindow *self)
{
  g_autofree char *display = self->file != NULL ? g_filename_display_name (self->file) : NULL;

  gtk_label_set_text (GTK_LABEL (self->file_label),
                      display != NULL ? display : _("No document is chosen."));
  /* The button says which document is chosen. */
  tanba_gui_set_description (self->file_button, gtk_label_get_text (GTK_LABEL (self->file_label)));
}

/* ---- signing --------------------------------------------------------------- */

static void
sign_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  TanbaTokenPasswordJob *job = task_data;
  GError *error = NULL;
  char *text = tanba_sign_document (job->module, job->serial, job->pin, job->argument,
                                    job->trust_anchor, cancellable, &error);

  tanba_token_password_job_done (job, text != NULL);
  if (text == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, text, g_free);
}

static void
sign_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  TanbaSignWindow *self = TANBA_SIGN_WINDOW (source);
  TanbaTokenPasswordJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autofree char *text = g_task_propagate_pointer (G_TASK (result), &error);

  if (!tanba_token_password_finish (&self->tp, error))
    return;
  if (text != NULL)
    tanba_token_password_show_message (&self->tp, text, FALSE);
  else
    {
      g_autofree char *message = NULL;
      TanbaSigninProblem problem = tanba_signin_explain (error, job->info, &message);

      if (problem == TANBA_SIGNIN_PROBLEM_PASSWORD)
        tanba_gui_focus (self->tp.password_entry);
      /* Translators: %s says why. */
      {
        g_autofree char *full = g_strdup_printf (_("The document was not signed. %s"), message);

        tanba_token_password_show_message (&self->tp, full, TRUE);
      }
    }
}

static void
sign_clicked_cb (TanbaSignWindow *self)
{
  g_autoptr(GTask) task = NULL;
  TanbaTokenPasswordJob *job;

  if (self->file == NULL)
    return;
  job = tanba_token_password_job_new (&self->tp, self->file, self->trust_anchor);
  if (job == NULL)
    return;
  tanba_token_password_go_busy (&self->tp, _("Signing the document on the token…"));

  task = g_task_new (self, self->tp.cancellable, sign_done_cb, NULL);
  g_task_set_task_data (task, job, (GDestroyNotify) tanba_token_password_job_free);
  g_task_run_in_thread (task, sign_thread);
}

/* ---- callbacks ------------------------------------------------------------- */

static void
chooser_response_cb (TanbaSignWindow *self,
                     int              response,
                     GtkNativeDialog *chooser)
{
  g_autoptr(GFile) file = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  g_clear_object (&self->chooser);
  if (file != NULL && g_file_peek_path (file) != NULL)
    tanba_sign_window_set_file (self, g_file_peek_path (file));
  tanba_gui_focus (self->file_button);
}

static void
file_clicked_cb (TanbaSignWindow *self)
{
  if (self->chooser != NULL)
    return;
  self->chooser = gtk_file_chooser_native_new (_("Choose the Document to Sign"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_OPEN, _("_Choose"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  g_signal_connect_swapped (self->chooser, "response", G_CALLBACK (chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
password_changed_cb (TanbaSignWindow *self)
{
  update_sensitivity (self);
}

static void
profile_selected_cb (TanbaSignWindow *self)
{
  if (tanba_token_password_profile_selected (&self->tp))
    update_sensitivity (self);
}

/* ---- overrides ------------------------------------------------------------- */

static void
tanba_sign_window_dispose (GObject *object)
{
  TanbaSignWindow *self = TANBA_SIGN_WINDOW (object);

  tanba_token_password_dispose (&self->tp);
  if (self->chooser != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->chooser, self);
      gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
      g_clear_object (&self->chooser);
    }
  gtk_widget_dispose_template (GTK_WIDGET (object), TANBA_TYPE_SIGN_WINDOW);
  G_OBJECT_CLASS (tanba_sign_window_parent_class)->dispose (object);
}

static void
tanba_sign_window_finalize (GObject *object)
{
  TanbaSignWindow *self = TANBA_SIGN_WINDOW (object);

  tanba_token_password_finalize (&self->tp);
  g_free (self->trust_anchor);
  g_free (self->file);
  G_OBJECT_CLASS (tanba_sign_window_parent_class)->finalize (object);
}

static void
tanba_sign_window_class_init (TanbaSignWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tanba_sign_window_dispose;
  object_class->finalize = tanba_sign_window_finalize;

  gtk_widget_class_set_template_from_resource (widget_class, "/kz/tanba/Tanba/ui/tanba-sign-window.ui");
  gtk_widget_class_bind_template_child (widget_class, TanbaSignWindow, close_button);
  gtk_widget_class_bind_template_child (widget_class, TanbaSignWindow, sign_button);
  gtk_widget_class_bind_template_child (widget_class, TanbaSignWindow, file_button);
  gtk_widget_class_bind_template_child (widget_class, TanbaSignWindow, file_label);
  TANBA_TOKEN_PASSWORD_BIND (widget_class, TanbaSignWindow, tp);
  gtk_widget_class_bind_template_callback (widget_class, sign_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, file_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, password_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, profile_selected_cb);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
tanba_sign_window_init (TanbaSignWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->tp.window = GTK_WIDGET (self);
  self->tp.fallback = self->sign_button;
  self->tp.no_profile_hint = _("No registered token is connected. Connect the token that holds your signing certificate.");
  self->tp.update_sensitivity = sensitivity_cb;
  tanba_token_password_init (&self->tp);
  tanba_gui_fix_mnemonic_name (self->close_button);
  tanba_gui_fix_mnemonic_name (self->sign_button);
  tanba_gui_fix_mnemonic_name (self->file_button);
  update_file (self);
}

/* ---- public API ------------------------------------------------------------ */

GtkWindow *
tanba_sign_window_new (GtkApplication    *app,
                       TanbaModule       *module,
                       const char        *module_error,
                       TanbaTokenMonitor *monitor,
                       const char        *trust_anchor)
{
  TanbaSignWindow *self = g_object_new (TANBA_TYPE_SIGN_WINDOW, "application", app, NULL);

  self->trust_anchor = g_strdup (trust_anchor);
  tanba_token_password_watch (&self->tp, module, module_error, monitor);
  update_sensitivity (self);
  gtk_widget_grab_focus (self->file_button);
  return GTK_WINDOW (self);
}

void
tanba_sign_window_set_file (TanbaSignWindow *self,
                            const char      *path)
{
  g_return_if_fail (TANBA_IS_SIGN_WINDOW (self));

  g_free (self->file);
  self->file = g_strdup (path);
  update_file (self);
  update_sensitivity (self);
}

void
tanba_sign_window_select (TanbaSignWindow *self,
                          const char      *serial)
{
  g_return_if_fail (TANBA_IS_SIGN_WINDOW (self));

  tanba_token_password_select (&self->tp, serial);
}

const char *
tanba_sign_window_get_message (TanbaSignWindow *self)
{
  g_return_val_if_fail (TANBA_IS_SIGN_WINDOW (self), NULL);

  return self->tp.message;
}

gboolean
tanba_sign_window_is_busy (TanbaSignWindow *self)
{
  g_return_val_if_fail (TANBA_IS_SIGN_WINDOW (self), FALSE);

  return self->tp.busy;
}

guint
tanba_sign_window_get_n_profiles (TanbaSignWindow *self)
{
  g_return_val_if_fail (TANBA_IS_SIGN_WINDOW (self), 0);

  return self->tp.profiles != NULL ? self->tp.profiles->len : 0;
}
