/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-signin-window.c: the sign-in window. */
#include "config.h"

#include <string.h>

#include "tanba-i18n.h"
#include "tanba-control-panel-private.h"
#include "tanba-gui-util.h"
#include "tanba-signin-window.h"
#include "tanba-token.h"

struct _TanbaSigninWindow
{
  AdwApplicationWindow parent_instance;

  GtkWidget *cancel_button;
  GtkWidget *signin_button;
  GtkWidget *content;
  GtkWidget *heading_label;
  GtkWidget *intro_label;
  GtkWidget *profile_label;
  GtkWidget *profile_dropdown;
  GtkWidget *profile_hint;
  GtkWidget *password_label;
  GtkWidget *password_entry;
  GtkWidget *spinner;
  GtkWidget *message_label;
  GtkWidget *result_label;

  TanbaModule       *module;
  char              *module_error;
  TanbaTokenMonitor *monitor;
  char              *bank_url;
  char              *trust_anchor;

  GtkStringList *names;
  GPtrArray     *profiles;     /* TanbaSigninProfile */
  char          *wanted;       /* serial to select once seen */
  char          *selected;     /* serial selected */
  gboolean       scanned;      /* a scan has finished */
  guint          scan_serial;
  guint          scan_idle;
  gboolean       updating;

  GCancellable *cancellable;
  gboolean      busy;
  char         *message;
  char         *result;
  GtkWidget    *spoken;
};

G_DEFINE_FINAL_TYPE (TanbaSigninWindow, tanba_signin_window, ADW_TYPE_APPLICATION_WINDOW)

/* ---- speaking -------------------------------------------------------------- */

/* GTK 4.8: through the DESCRIPTION of the focused control (field notes). */
static void
speak (TanbaSigninWindow *self,
       const char        *message)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));

  /* The focus may sit in a control's internal child (a password entry's
   * text, a drop-down's button): speak through the control. */
  if (focus != NULL && gtk_widget_is_ancestor (focus, self->password_entry))
    focus = self->password_entry;
  else if (focus == NULL || !gtk_widget_is_ancestor (focus, GTK_WIDGET (self)))
    focus = self->password_entry;
  if (self->spoken != NULL && self->spoken != focus)
    tanba_gui_set_description (self->spoken, NULL);
  self->spoken = focus;
  tanba_gui_speak (focus, message);
}

static void
show_message (TanbaSigninWindow *self,
              const char        *message,
              gboolean           error)
{
  g_free (self->message);
  self->message = g_strdup (message);
  tanba_gui_show_message (self->message_label, message, error);
  if (message != NULL)
    speak (self, message);
}

/* ---- state ----------------------------------------------------------------- */

static TanbaSigninProfile *
selected_profile (TanbaSigninWindow *self)
{
  guint index = gtk_drop_down_get_selected (GTK_DROP_DOWN (self->profile_dropdown));

  if (self->profiles == NULL || index == GTK_INVALID_LIST_POSITION || index >= self->profiles->len)
    return NULL;
  return g_ptr_array_index (self->profiles, index);
}

static void
update_sensitivity (TanbaSigninWindow *self)
{
  const char *password = gtk_editable_get_text (GTK_EDITABLE (self->password_entry));

  gtk_widget_set_sensitive (self->signin_button,
                            !self->busy && selected_profile (self) != NULL
                            && password != NULL && password[0] != '\0');
  gtk_widget_set_sensitive (self->profile_dropdown, !self->busy);
  /* The focused field stays sensitive while the bank is asked (an
   * insensitive widget loses the focus, and Orca with it). */
  gtk_editable_set_editable (GTK_EDITABLE (self->password_entry), !self->busy);
  gtk_widget_set_visible (self->spinner, self->busy);
  gtk_spinner_set_spinning (GTK_SPINNER (self->spinner), self->busy);
}

static void
update_hint (TanbaSigninWindow *self)
{
  const char *hint;

  if (self->module == NULL)
    hint = self->module_error != NULL ? self->module_error : _("The token library could not be loaded.");
  else if (!self->scanned)
    hint = _("Looking for connected tokens…");
  else if (self->profiles == NULL || self->profiles->len == 0)
    hint = _("No registered token is connected. Connect your token; if it is new, register it first with the registration wizard.");
  else
    hint = NULL;
  gtk_label_set_text (GTK_LABEL (self->profile_hint), hint != NULL ? hint : "");
  gtk_widget_set_visible (self->profile_hint, hint != NULL);
}

static void
set_profiles (TanbaSigninWindow *self,
              GPtrArray         *profiles)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *keep = self->wanted != NULL ? self->wanted : self->selected;
  guint selected = GTK_INVALID_LIST_POSITION;
  g_autofree char *previous = g_strdup (self->selected);

  g_clear_pointer (&self->profiles, g_ptr_array_unref);
  self->profiles = profiles != NULL ? g_ptr_array_ref (profiles)
                                    : g_ptr_array_new_with_free_func ((GDestroyNotify) tanba_signin_profile_free);
  for (guint i = 0; i < self->profiles->len; i++)
    {
      TanbaSigninProfile *profile = g_ptr_array_index (self->profiles, i);

      g_ptr_array_add (names, tanba_signin_profile_dup_display (profile));
      if (g_strcmp0 (profile->serial, keep) == 0)
        selected = i;
    }
  g_ptr_array_add (names, NULL);
  if (selected == GTK_INVALID_LIST_POSITION && self->profiles->len > 0)
    selected = 0;
  else if (selected != GTK_INVALID_LIST_POSITION && self->wanted != NULL)
    g_clear_pointer (&self->wanted, g_free);

  self->updating = TRUE;
  gtk_string_list_splice (self->names, 0, g_list_model_get_n_items (G_LIST_MODEL (self->names)),
                          (const char *const *) names->pdata);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (self->profile_dropdown), selected);
  self->updating = FALSE;

  g_free (self->selected);
  self->selected = selected != GTK_INVALID_LIST_POSITION
                   ? g_strdup (((TanbaSigninProfile *) g_ptr_array_index (self->profiles, selected))->serial)
                   : NULL;
  tanba_control_panel_name_drop_down (self->profile_dropdown, self->profile_label);
  update_hint (self);
  update_sensitivity (self);

  /* The profile in use went away (its token was pulled out). */
  if (previous != NULL && self->selected == NULL && !self->busy)
    show_message (self, _("The token was removed. Connect it again to sign in."), TRUE);
}

/* ---- scanning the tokens --------------------------------------------------- */

typedef struct
{
  TanbaModule *module;
  GPtrArray   *tokens; /* TanbaTokenInfo copies */
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
  TanbaSigninWindow *self = TANBA_SIGNIN_WINDOW (source);
  g_autoptr(GPtrArray) profiles = g_task_propagate_pointer (G_TASK (result), NULL);
  guint serial = GPOINTER_TO_UINT (user_data);

  if (profiles == NULL || serial != self->scan_serial || gtk_widget_in_destruction (GTK_WIDGET (self)))
    return;
  self->scanned = TRUE;
  set_profiles (self, profiles);
}

static gboolean
scan_idle_cb (gpointer user_data)
{
  TanbaSigninWindow *self = user_data;
  g_autoptr(GTask) task = NULL;
  GPtrArray *tokens;
  ScanData *data;

  self->scan_idle = 0;
  if (self->module == NULL || self->monitor == NULL)
    return G_SOURCE_REMOVE;
  tokens = tanba_token_monitor_get_tokens (self->monitor);
  data = g_new0 (ScanData, 1);
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
schedule_scan (TanbaSigninWindow *self)
{
  if (self->scan_idle == 0)
    self->scan_idle = g_idle_add (scan_idle_cb, self);
}

static void
tokens_changed_cb (TanbaTokenMonitor *monitor,
                   gpointer           info,
                   TanbaSigninWindow *self)
{
  schedule_scan (self);
}

/* ---- signing in ------------------------------------------------------------ */

typedef struct
{
  TanbaModule    *module;
  char           *serial;
  char           *pin;
  char           *bank_url;
  char           *trust_anchor;
  TanbaTokenInfo *info; /* after a failure: the token's flags now */
} SigninData;

static void
signin_data_free (SigninData *data)
{
  if (data->pin != NULL)
    explicit_bzero (data->pin, strlen (data->pin));
  g_free (data->pin);
  g_free (data->serial);
  g_free (data->bank_url);
  g_free (data->trust_anchor);
  g_clear_pointer (&data->info, tanba_token_info_free);
  g_clear_pointer (&data->module, tanba_module_unref);
  g_free (data);
}

static void
signin_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  SigninData *data = task_data;
  GError *error = NULL;
  TanbaBankSession *session;

  session = tanba_signin_run (data->module, data->serial, data->pin, data->bank_url,
                              data->trust_anchor, cancellable, &error);
  explicit_bzero (data->pin, strlen (data->pin));
  if (session == NULL)
    {
      g_autoptr(TanbaToken) token = tanba_token_open (data->module, data->serial, NULL);

      if (token != NULL)
        data->info = tanba_token_get_info (token, NULL);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, session, (GDestroyNotify) tanba_bank_session_free);
}

static void
signin_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  TanbaSigninWindow *self = TANBA_SIGNIN_WINDOW (source);
  SigninData *data = g_task_get_task_data (G_TASK (result));
  g_autoptr(TanbaBankSession) session = NULL;
  g_autoptr(GError) error = NULL;

  session = g_task_propagate_pointer (G_TASK (result), &error);
  if (gtk_widget_in_destruction (GTK_WIDGET (self))
      || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->busy = FALSE;
  update_sensitivity (self);

  if (session != NULL)
    {
      g_autofree char *text = tanba_signin_dup_result_text (session);

      g_free (self->result);
      self->result = g_strdup (text);
      gtk_editable_set_text (GTK_EDITABLE (self->password_entry), "");
      show_message (self, NULL, FALSE);
      gtk_label_set_text (GTK_LABEL (self->result_label), text);
      gtk_widget_set_visible (self->result_label, TRUE);
      g_free (self->message);
      self->message = g_strdup (text);
      speak (self, text);
    }
  else
    {
      g_autofree char *message = NULL;
      TanbaSigninProblem problem = tanba_signin_explain (error, data->info, &message);

      /* Whatever went wrong, the password is not kept in the field: a
       * wrong one is typed again, and no screen reader reads it back. */
      gtk_editable_set_text (GTK_EDITABLE (self->password_entry), "");
      if (problem == TANBA_SIGNIN_PROBLEM_TOKEN)
        schedule_scan (self);
      if (problem == TANBA_SIGNIN_PROBLEM_PASSWORD || problem == TANBA_SIGNIN_PROBLEM_OTHER
          || problem == TANBA_SIGNIN_PROBLEM_SERVER)
        tanba_gui_focus (self->password_entry);
      show_message (self, message, TRUE);
    }
}

static void
signin_clicked_cb (TanbaSigninWindow *self)
{
  TanbaSigninProfile *profile = selected_profile (self);
  const char *password = gtk_editable_get_text (GTK_EDITABLE (self->password_entry));
  g_autoptr(GTask) task = NULL;
  SigninData *data;

  if (self->busy || profile == NULL || self->module == NULL || password == NULL || password[0] == '\0')
    return;

  data = g_new0 (SigninData, 1);
  data->module = tanba_module_ref (self->module);
  data->serial = g_strdup (profile->serial);
  data->pin = g_strdup (password);
  data->bank_url = g_strdup (self->bank_url);
  data->trust_anchor = g_strdup (self->trust_anchor);

  self->busy = TRUE;
  g_clear_pointer (&self->result, g_free);
  gtk_widget_set_visible (self->result_label, FALSE);
  if (!gtk_widget_has_focus (self->password_entry)
      && !gtk_widget_is_ancestor (gtk_root_get_focus (GTK_ROOT (self)), self->password_entry))
    tanba_gui_focus (self->password_entry);
  update_sensitivity (self);
  show_message (self, _("Signing in to the bank…"), FALSE);

  task = g_task_new (self, self->cancellable, signin_done_cb, NULL);
  g_task_set_task_data (task, data, (GDestroyNotify) signin_data_free);
  g_task_run_in_thread (task, signin_thread);
}

/* ---- callbacks ------------------------------------------------------------- */

static void
cancel_clicked_cb (TanbaSigninWindow *self)
{
  gtk_window_close (GTK_WINDOW (self));
}

static void
password_changed_cb (TanbaSigninWindow *self)
{
  update_sensitivity (self);
}

static void
profile_selected_cb (TanbaSigninWindow *self)
{
  TanbaSigninProfile *profile;

  if (self->updating)
    return;
  profile = selected_profile (self);
  g_free (self->selected);
  self->selected = profile != NULL ? g_strdup (profile->serial) : NULL;
  tanba_control_panel_name_drop_down (self->profile_dropdown, self->profile_label);
  update_sensitivity (self);
}

/* ---- overrides ------------------------------------------------------------- */

static void
tanba_signin_window_dispose (GObject *object)
{
  TanbaSigninWindow *self = TANBA_SIGNIN_WINDOW (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  /* GTK 4.8: a password entry destroyed while focused leaves its caps-lock
   * watch behind (warnings on the next key). */
  if (self->password_entry != NULL)
    gtk_window_set_focus (GTK_WINDOW (self), NULL);
  g_clear_handle_id (&self->scan_idle, g_source_remove);
  if (self->monitor != NULL)
    g_signal_handlers_disconnect_by_data (self->monitor, self);
  g_clear_object (&self->monitor);
  gtk_widget_dispose_template (GTK_WIDGET (object), TANBA_TYPE_SIGNIN_WINDOW);
  G_OBJECT_CLASS (tanba_signin_window_parent_class)->dispose (object);
}

static void
tanba_signin_window_finalize (GObject *object)
{
  TanbaSigninWindow *self = TANBA_SIGNIN_WINDOW (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->module, tanba_module_unref);
  g_clear_pointer (&self->profiles, g_ptr_array_unref);
  g_clear_object (&self->names);
  g_free (self->module_error);
  g_free (self->bank_url);
  g_free (self->trust_anchor);
  g_free (self->wanted);
  g_free (self->selected);
  g_free (self->message);
  g_free (self->result);
  G_OBJECT_CLASS (tanba_signin_window_parent_class)->finalize (object);
}

static void
tanba_signin_window_class_init (TanbaSigninWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tanba_signin_window_dispose;
  object_class->finalize = tanba_signin_window_finalize;

  gtk_widget_class_set_template_from_resource (widget_class, "/kz/tanba/Tanba/ui/tanba-signin-window.ui");
  gtk_widget_class_bind_template_child (widget_class, TanbaSigninWindow, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, TanbaSigninWindow, signin_button);
  gtk_widget_class_bind_template_child (widget_class, TanbaSigninWindow, content);
  gtk_widget_class_bind_template_child (widget_class, TanbaSigninWindow, heading_label);
  gtk_widget_class_bind_template_child (widget_class, TanbaSigninWindow, intro_label);
  gtk_widget_class_bind_template_child (widget_class, TanbaSigninWindow, profile_label);
  gtk_widget_class_bind_template_child (widget_class, TanbaSigninWindow, profile_dropdown);
  gtk_widget_class_bind_template_child (widget_class, TanbaSigninWindow, profile_hint);
  gtk_widget_class_bind_template_child (widget_class, TanbaSigninWindow, password_label);
  gtk_widget_class_bind_template_child (widget_class, TanbaSigninWindow, password_entry);
  gtk_widget_class_bind_template_child (widget_class, TanbaSigninWindow, spinner);
  gtk_widget_class_bind_template_child (widget_class, TanbaSigninWindow, message_label);
  gtk_widget_class_bind_template_child (widget_class, TanbaSigninWindow, result_label);
  gtk_widget_class_bind_template_callback (widget_class, cancel_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, signin_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, password_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, profile_selected_cb);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
tanba_signin_window_init (TanbaSigninWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->names = gtk_string_list_new (NULL);
  gtk_drop_down_set_model (GTK_DROP_DOWN (self->profile_dropdown), G_LIST_MODEL (self->names));

  tanba_gui_fix_mnemonic_name (self->cancel_button);
  tanba_gui_fix_mnemonic_name (self->signin_button);
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
}

/* ---- public API ------------------------------------------------------------ */

GtkWindow *
tanba_signin_window_new (GtkApplication    *app,
                         TanbaModule       *module,
                         const char        *module_error,
                         TanbaTokenMonitor *monitor,
                         const char        *bank_url,
                         const char        *trust_anchor,
                         const char        *serial)
{
  TanbaSigninWindow *self = g_object_new (TANBA_TYPE_SIGNIN_WINDOW,
                                          "application", app,
                                          NULL);

  self->module = module != NULL ? tanba_module_ref (module) : NULL;
  self->module_error = g_strdup (module_error);
  self->bank_url = g_strdup (bank_url);
  self->trust_anchor = g_strdup (trust_anchor);
  self->wanted = g_strdup (serial);
  if (module != NULL)
    {
      self->monitor = monitor != NULL ? g_object_ref (monitor)
                                      : tanba_token_monitor_new (module, TANBA_TOKEN_MONITOR_DEFAULT_INTERVAL_MS);
      g_signal_connect (self->monitor, "token-added", G_CALLBACK (tokens_changed_cb), self);
      g_signal_connect (self->monitor, "token-removed", G_CALLBACK (tokens_changed_cb), self);
      g_signal_connect (self->monitor, "token-changed", G_CALLBACK (tokens_changed_cb), self);
      schedule_scan (self);
    }
  update_hint (self);
  update_sensitivity (self);
  /* The first control has the focus when the window opens. */
  gtk_widget_grab_focus (self->profile_dropdown);
  return GTK_WINDOW (self);
}

void
tanba_signin_window_select (TanbaSigninWindow *self,
                            const char        *serial)
{
  g_return_if_fail (TANBA_IS_SIGNIN_WINDOW (self));

  g_free (self->wanted);
  self->wanted = g_strdup (serial);
  if (self->profiles != NULL)
    {
      g_autoptr(GPtrArray) profiles = g_ptr_array_ref (self->profiles);

      set_profiles (self, profiles);
    }
}

GPtrArray *
tanba_signin_window_get_profiles (TanbaSigninWindow *self)
{
  g_return_val_if_fail (TANBA_IS_SIGNIN_WINDOW (self), NULL);

  return self->profiles;
}

const char *
tanba_signin_window_get_selected (TanbaSigninWindow *self)
{
  g_return_val_if_fail (TANBA_IS_SIGNIN_WINDOW (self), NULL);

  return self->selected;
}

const char *
tanba_signin_window_get_message (TanbaSigninWindow *self)
{
  g_return_val_if_fail (TANBA_IS_SIGNIN_WINDOW (self), NULL);

  return self->message;
}

const char *
tanba_signin_window_get_result (TanbaSigninWindow *self)
{
  g_return_val_if_fail (TANBA_IS_SIGNIN_WINDOW (self), NULL);

  return self->result;
}

gboolean
tanba_signin_window_is_busy (TanbaSigninWindow *self)
{
  g_return_val_if_fail (TANBA_IS_SIGNIN_WINDOW (self), FALSE);

  return self->busy;
}

void
tanba_signin_window_set_profiles (TanbaSigninWindow *self,
                                  GPtrArray         *profiles)
{
  g_return_if_fail (TANBA_IS_SIGNIN_WINDOW (self));

  self->scanned = TRUE;
  set_profiles (self, profiles);
}
