/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-sign-window.c: "Sign a document…". */
#include "config.h"

#include <string.h>

#include <openssl/bn.h>

#include "tanba-i18n.h"
#include "tanba-cms.h"
#include "tanba-control-panel-private.h"
#include "tanba-gui-util.h"
#include "tanba-settings.h"
#include "tanba-sign-window.h"
#include "tanba-x509.h"
#include "tanba-signin-profile.h"
#include "tanba-token-error.h"
#include "tanba-token.h"

struct _TanbaSignWindow
{
  AdwApplicationWindow parent_instance;

  GtkWidget *close_button;
  GtkWidget *sign_button;
  GtkWidget *content;
  GtkWidget *heading_label;
  GtkWidget *intro_label;
  GtkWidget *file_button;
  GtkWidget *file_label;
  GtkWidget *profile_label;
  GtkWidget *profile_dropdown;
  GtkWidget *profile_hint;
  GtkWidget *password_label;
  GtkWidget *password_entry;
  GtkWidget *spinner;
  GtkWidget *message_label;

  TanbaModule       *module;
  char              *module_error;
  TanbaTokenMonitor *monitor;
  char              *trust_anchor;
  char              *file;

  GtkStringList *names;
  GPtrArray     *profiles;
  char          *wanted;
  gboolean       scanned;
  guint          scan_serial;
  guint          scan_idle;
  gboolean       updating;

  GtkFileChooserNative *chooser;
  GCancellable *cancellable;
  gboolean      busy;
  char         *message;
  GtkWidget    *spoken;
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
  anchor = trust_anchor != NULL && trust_anchor[0] != '\0' ? g_strdup (trust_anchor)
                                                           : tanba_settings_dup_string ("trust-anchor");
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
speak (TanbaSignWindow *self,
       const char      *message)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));

  if (focus != NULL && gtk_widget_is_ancestor (focus, self->password_entry))
    focus = self->password_entry;
  else if (focus == NULL || !gtk_widget_is_ancestor (focus, GTK_WIDGET (self)))
    focus = self->sign_button;
  if (self->spoken != NULL && self->spoken != focus)
    tanba_gui_set_description (self->spoken, NULL);
  self->spoken = focus;
  tanba_gui_speak (focus, message);
}

static void
show_message (TanbaSignWindow *self,
              const char      *message,
              gboolean         error)
{
  g_free (self->message);
  self->message = g_strdup (message);
  tanba_gui_show_message (self->message_label, message, error);
  if (message != NULL)
    speak (self, message);
}

static TanbaSigninProfile *
selected_profile (TanbaSignWindow *self)
{
  guint index = gtk_drop_down_get_selected (GTK_DROP_DOWN (self->profile_dropdown));

  if (self->profiles == NULL || index == GTK_INVALID_LIST_POSITION || index >= self->profiles->len)
    return NULL;
  return g_ptr_array_index (self->profiles, index);
}

static void
update_sensitivity (TanbaSignWindow *self)
{
  const char *password = gtk_editable_get_text (GTK_EDITABLE (self->password_entry));

  gtk_widget_set_sensitive (self->sign_button, !self->busy && self->file != NULL
                            && selected_profile (self) != NULL && password != NULL && password[0] != '\0');
  gtk_widget_set_sensitive (self->file_button, !self->busy);
  gtk_widget_set_sensitive (self->profile_dropdown, !self->busy);
  gtk_editable_set_editable (GTK_EDITABLE (self->password_entry), !self->busy);
  gtk_widget_set_visible (self->spinner, self->busy);
  gtk_spinner_set_spinning (GTK_SPINNER (self->spinner), self->busy);
}

static void
update_hint (TanbaSignWindow *self)
{
  const char *hint = NULL;

  if (self->module == NULL)
    hint = self->module_error != NULL ? self->module_error : _("The token library could not be loaded.");
  else if (!self->scanned)
    hint = _("Looking for connected tokens…");
  else if (self->profiles == NULL || self->profiles->len == 0)
    hint = _("No registered token is connected. Connect the token that holds your signing certificate.");
  gtk_label_set_text (GTK_LABEL (self->profile_hint), hint != NULL ? hint : "");
  gtk_widget_set_visible (self->profile_hint, hint != NULL);
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

static void
set_profiles (TanbaSignWindow *self,
              GPtrArray       *profiles)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  TanbaSigninProfile *current = selected_profile (self);
  g_autofree char *keep = g_strdup (self->wanted != NULL ? self->wanted : current != NULL ? current->serial : NULL);
  guint selected = GTK_INVALID_LIST_POSITION;

  g_clear_pointer (&self->profiles, g_ptr_array_unref);
  self->profiles = g_ptr_array_ref (profiles);
  for (guint i = 0; i < profiles->len; i++)
    {
      TanbaSigninProfile *profile = g_ptr_array_index (profiles, i);

      g_ptr_array_add (names, tanba_signin_profile_dup_display (profile));
      if (g_strcmp0 (profile->serial, keep) == 0)
        selected = i;
    }
  g_ptr_array_add (names, NULL);
  if (selected == GTK_INVALID_LIST_POSITION && profiles->len > 0)
    selected = 0;
  else if (selected != GTK_INVALID_LIST_POSITION)
    g_clear_pointer (&self->wanted, g_free);
  self->updating = TRUE;
  gtk_string_list_splice (self->names, 0, g_list_model_get_n_items (G_LIST_MODEL (self->names)),
                          (const char *const *) names->pdata);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (self->profile_dropdown), selected);
  self->updating = FALSE;
  tanba_control_panel_name_drop_down (self->profile_dropdown, self->profile_label);
  update_hint (self);
  update_sensitivity (self);
}

typedef struct
{
  TanbaModule *module;
  GPtrArray   *tokens;
} ScanData;

static void
scan_data_free (ScanData *data)
{
  g_clear_pointer (&data->module, tanba_module_unref);
  g_clear_pointer (&data->tokens, g_ptr_array_unref);
  g_free (data);
}

static void
scan_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  ScanData *data = task_data;

  g_task_return_pointer (task, tanba_signin_profile_list (data->module, data->tokens),
                         (GDestroyNotify) g_ptr_array_unref);
}

static void
scan_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  TanbaSignWindow *self = TANBA_SIGN_WINDOW (source);
  g_autoptr(GPtrArray) profiles = g_task_propagate_pointer (G_TASK (result), NULL);

  if (profiles == NULL || GPOINTER_TO_UINT (user_data) != self->scan_serial
      || gtk_widget_in_destruction (GTK_WIDGET (self)))
    return;
  self->scanned = TRUE;
  set_profiles (self, profiles);
}

static gboolean
scan_idle_cb (gpointer user_data)
{
  TanbaSignWindow *self = user_data;
  g_autoptr(GTask) task = NULL;
  GPtrArray *tokens = tanba_token_monitor_get_tokens (self->monitor);
  ScanData *data = g_new0 (ScanData, 1);

  self->scan_idle = 0;
  data->module = tanba_module_ref (self->module);
  data->tokens = g_ptr_array_new_with_free_func ((GDestroyNotify) tanba_token_info_free);
  for (guint i = 0; tokens != NULL && i < tokens->len; i++)
    g_ptr_array_add (data->tokens, tanba_token_info_copy (g_ptr_array_index (tokens, i)));
  task = g_task_new (self, self->cancellable, scan_done_cb, GUINT_TO_POINTER (++self->scan_serial));
  g_task_set_task_data (task, data, (GDestroyNotify) scan_data_free);
  g_task_run_in_thread (task, scan_thread);
  return G_SOURCE_REMOVE;
}

static void
tokens_changed_cb (TanbaTokenMonitor *monitor,
                   gpointer           info,
                   TanbaSignWindow   *self)
{
  if (self->scan_idle == 0)
    self->scan_idle = g_idle_add (scan_idle_cb, self);
}

/* ---- signing --------------------------------------------------------------- */

typedef struct
{
  TanbaModule    *module;
  char           *serial;
  char           *pin;
  char           *path;
  char           *trust_anchor;
  TanbaTokenInfo *info;
} SignData;

static void
sign_data_free (SignData *data)
{
  if (data->pin != NULL)
    explicit_bzero (data->pin, strlen (data->pin));
  g_free (data->pin);
  g_free (data->serial);
  g_free (data->path);
  g_free (data->trust_anchor);
  g_clear_pointer (&data->info, tanba_token_info_free);
  g_clear_pointer (&data->module, tanba_module_unref);
  g_free (data);
}

static void
sign_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  SignData *data = task_data;
  GError *error = NULL;
  char *text = tanba_sign_document (data->module, data->serial, data->pin, data->path,
                                    data->trust_anchor, cancellable, &error);

  explicit_bzero (data->pin, strlen (data->pin));
  if (text == NULL)
    {
      g_autoptr(TanbaToken) token = tanba_token_open (data->module, data->serial, NULL);

      if (token != NULL)
        data->info = tanba_token_get_info (token, NULL);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, text, g_free);
}

static void
sign_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  TanbaSignWindow *self = TANBA_SIGN_WINDOW (source);
  SignData *data = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autofree char *text = g_task_propagate_pointer (G_TASK (result), &error);

  if (gtk_widget_in_destruction (GTK_WIDGET (self)) || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->busy = FALSE;
  gtk_editable_set_text (GTK_EDITABLE (self->password_entry), "");
  update_sensitivity (self);
  if (text != NULL)
    show_message (self, text, FALSE);
  else
    {
      g_autofree char *message = NULL;
      TanbaSigninProblem problem = tanba_signin_explain (error, data->info, &message);

      if (problem == TANBA_SIGNIN_PROBLEM_PASSWORD)
        tanba_gui_focus (self->password_entry);
      /* Translators: %s says why. */
      {
        g_autofree char *full = g_strdup_printf (_("The document was not signed. %s"), message);

        show_message (self, full, TRUE);
      }
    }
}

static void
sign_clicked_cb (TanbaSignWindow *self)
{
  TanbaSigninProfile *profile = selected_profile (self);
  const char *password = gtk_editable_get_text (GTK_EDITABLE (self->password_entry));
  g_autoptr(GTask) task = NULL;
  SignData *data;

  if (self->busy || profile == NULL || self->file == NULL || password == NULL || password[0] == '\0')
    return;
  data = g_new0 (SignData, 1);
  data->module = tanba_module_ref (self->module);
  data->serial = g_strdup (profile->serial);
  data->pin = g_strdup (password);
  data->path = g_strdup (self->file);
  data->trust_anchor = g_strdup (self->trust_anchor);
  self->busy = TRUE;
  if (gtk_root_get_focus (GTK_ROOT (self)) == NULL
      || !gtk_widget_is_ancestor (gtk_root_get_focus (GTK_ROOT (self)), self->password_entry))
    tanba_gui_focus (self->password_entry);
  update_sensitivity (self);
  show_message (self, _("Signing the document on the token…"), FALSE);

  task = g_task_new (self, self->cancellable, sign_done_cb, NULL);
  g_task_set_task_data (task, data, (GDestroyNotify) sign_data_free);
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
  if (self->updating)
    return;
  tanba_control_panel_name_drop_down (self->profile_dropdown, self->profile_label);
  update_sensitivity (self);
}

/* ---- overrides ------------------------------------------------------------- */

static void
tanba_sign_window_dispose (GObject *object)
{
  TanbaSignWindow *self = TANBA_SIGN_WINDOW (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  /* GTK 4.8: a password entry destroyed while focused leaves its caps-lock
   * watch behind (warnings on the next key). */
  if (self->password_entry != NULL)
    gtk_window_set_focus (GTK_WINDOW (self), NULL);
  if (self->chooser != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->chooser, self);
      gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
      g_clear_object (&self->chooser);
    }
  g_clear_handle_id (&self->scan_idle, g_source_remove);
  if (self->monitor != NULL)
    g_signal_handlers_disconnect_by_data (self->monitor, self);
  g_clear_object (&self->monitor);
  gtk_widget_dispose_template (GTK_WIDGET (object), TANBA_TYPE_SIGN_WINDOW);
  G_OBJECT_CLASS (tanba_sign_window_parent_class)->dispose (object);
}

static void
tanba_sign_window_finalize (GObject *object)
{
  TanbaSignWindow *self = TANBA_SIGN_WINDOW (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->module, tanba_module_unref);
  g_clear_pointer (&self->profiles, g_ptr_array_unref);
  g_clear_object (&self->names);
  g_free (self->module_error);
  g_free (self->trust_anchor);
  g_free (self->file);
  g_free (self->wanted);
  g_free (self->message);
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
  gtk_widget_class_bind_template_child (widget_class, TanbaSignWindow, content);
  gtk_widget_class_bind_template_child (widget_class, TanbaSignWindow, heading_label);
  gtk_widget_class_bind_template_child (widget_class, TanbaSignWindow, intro_label);
  gtk_widget_class_bind_template_child (widget_class, TanbaSignWindow, file_button);
  gtk_widget_class_bind_template_child (widget_class, TanbaSignWindow, file_label);
  gtk_widget_class_bind_template_child (widget_class, TanbaSignWindow, profile_label);
  gtk_widget_class_bind_template_child (widget_class, TanbaSignWindow, profile_dropdown);
  gtk_widget_class_bind_template_child (widget_class, TanbaSignWindow, profile_hint);
  gtk_widget_class_bind_template_child (widget_class, TanbaSignWindow, password_label);
  gtk_widget_class_bind_template_child (widget_class, TanbaSignWindow, password_entry);
  gtk_widget_class_bind_template_child (widget_class, TanbaSignWindow, spinner);
  gtk_widget_class_bind_template_child (widget_class, TanbaSignWindow, message_label);
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

  self->cancellable = g_cancellable_new ();
  self->names = gtk_string_list_new (NULL);
  gtk_drop_down_set_model (GTK_DROP_DOWN (self->profile_dropdown), G_LIST_MODEL (self->names));
  tanba_gui_fix_mnemonic_name (self->close_button);
  tanba_gui_fix_mnemonic_name (self->sign_button);
  tanba_gui_fix_mnemonic_name (self->file_button);
  tanba_gui_label_for (self->profile_label, self->profile_dropdown);
  tanba_gui_label_for (self->password_label, self->password_entry);
  tanba_gui_described_by (self->profile_dropdown, self->profile_hint);
  tanba_gui_set_required (self->password_entry, TRUE);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (self->content),
                                  GTK_ACCESSIBLE_RELATION_LABELLED_BY, self->heading_label, NULL,
                                  GTK_ACCESSIBLE_RELATION_DESCRIBED_BY, self->intro_label, NULL,
                                  -1);
  tanba_control_panel_name_drop_down (self->profile_dropdown, self->profile_label);
  tanba_control_panel_refocus_on_activate (GTK_WINDOW (self));
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

  self->module = module != NULL ? tanba_module_ref (module) : NULL;
  self->module_error = g_strdup (module_error);
  self->trust_anchor = g_strdup (trust_anchor);
  if (module != NULL)
    {
      self->monitor = monitor != NULL ? g_object_ref (monitor)
                                      : tanba_token_monitor_new (module, TANBA_TOKEN_MONITOR_DEFAULT_INTERVAL_MS);
      g_signal_connect (self->monitor, "token-added", G_CALLBACK (tokens_changed_cb), self);
      g_signal_connect (self->monitor, "token-removed", G_CALLBACK (tokens_changed_cb), self);
      g_signal_connect (self->monitor, "token-changed", G_CALLBACK (tokens_changed_cb), self);
      tokens_changed_cb (self->monitor, NULL, self);
    }
  update_hint (self);
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

  g_free (self->wanted);
  self->wanted = g_strdup (serial);
  if (self->profiles != NULL)
    {
      g_autoptr(GPtrArray) profiles = g_ptr_array_ref (self->profiles);

      set_profiles (self, profiles);
    }
}

const char *
tanba_sign_window_get_message (TanbaSignWindow *self)
{
  g_return_val_if_fail (TANBA_IS_SIGN_WINDOW (self), NULL);

  return self->message;
}

gboolean
tanba_sign_window_is_busy (TanbaSignWindow *self)
{
  g_return_val_if_fail (TANBA_IS_SIGN_WINDOW (self), FALSE);

  return self->busy;
}

guint
tanba_sign_window_get_n_profiles (TanbaSignWindow *self)
{
  g_return_val_if_fail (TANBA_IS_SIGN_WINDOW (self), 0);

  return self->profiles != NULL ? self->profiles->len : 0;
}
