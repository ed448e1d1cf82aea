/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-token-password.c: the profile chooser, password field and message
 * line of the sign-in and signing windows. */
#include "config.h"

#include <string.h>

#include "tanba-i18n.h"
#include "tanba-control-panel-private.h"
#include "tanba-gui-util.h"
#include "tanba-token-password.h"
#include "tanba-token.h"

/* ---- speaking -------------------------------------------------------------- */

/* GTK 4.8: through the DESCRIPTION of the focused control (field notes). */
void
tanba_token_password_speak (TanbaTokenPassword *tp,
                            const char         *message)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (tp->window));

  /* The focus may sit in a control's internal child (a password entry's
   * text, a drop-down's button): speak through the control. */
  if (focus != NULL && gtk_widget_is_ancestor (focus, tp->password_entry))
    focus = tp->password_entry;
  else if (focus == NULL || !gtk_widget_is_ancestor (focus, tp->window))
    focus = tp->fallback;
  if (tp->spoken != NULL && tp->spoken != focus)
    tanba_gui_set_description (tp->spoken, NULL);
  tp->spoken = focus;
  tanba_gui_speak (focus, message);
}

void
tanba_token_password_show_message (TanbaTokenPassword *tp,
                                   const char         *message,
                                   gboolean            error)
{
  g_free (tp->message);
  tp->message = g_strdup (message);
  tanba_gui_show_message (tp->message_label, message, error);
  if (message != NULL)
    tanba_token_password_speak (tp, message);
}

/* ---- state ----------------------------------------------------------------- */

TanbaSigninProfile *
tanba_token_password_get_profile (TanbaTokenPassword *tp)
{
  guint index = gtk_drop_down_get_selected (GTK_DROP_DOWN (tp->profile_dropdown));

  if (tp->profiles == NULL || index == GTK_INVALID_LIST_POSITION || index >= tp->profiles->len)
    return NULL;
  return g_ptr_array_index (tp->profiles, index);
}

gboolean
tanba_token_password_update_sensitivity (TanbaTokenPassword *tp)
{
  const char *password = gtk_editable_get_text (GTK_EDITABLE (tp->password_entry));

  gtk_widget_set_sensitive (tp->profile_dropdown, !tp->busy);
  /* The focused field stays sensitive while the token works (an
   * insensitive widget loses the focus, and Orca with it). */
  gtk_editable_set_editable (GTK_EDITABLE (tp->password_entry), !tp->busy);
  gtk_widget_set_visible (tp->spinner, tp->busy);
  gtk_spinner_set_spinning (GTK_SPINNER (tp->spinner), tp->busy);
  return !tp->busy && tanba_token_password_get_profile (tp) != NULL
         && password != NULL && password[0] != '\0';
}

void
tanba_token_password_update_hint (TanbaTokenPassword *tp)
{
  const char *hint;

  if (tp->module == NULL)
    hint = tp->module_error != NULL ? tp->module_error : _("The token library could not be loaded.");
  else if (!tp->scanned)
    hint = _("Looking for connected tokens…");
  else if (tp->profiles == NULL || tp->profiles->len == 0)
    hint = tp->no_profile_hint;
  else
    hint = NULL;
  gtk_label_set_text (GTK_LABEL (tp->profile_hint), hint != NULL ? hint : "");
  gtk_widget_set_visible (tp->profile_hint, hint != NULL);
}

static void
set_profiles (TanbaTokenPassword *tp,
              GPtrArray          *profiles)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *keep = tp->wanted != NULL ? tp->wanted : tp->selected;
  guint selected = GTK_INVALID_LIST_POSITION;
  g_autofree char *previous = g_strdup (tp->selected);

  g_clear_pointer (&tp->profiles, g_ptr_array_unref);
  tp->profiles = profiles != NULL ? g_ptr_array_ref (profiles)
                                  : g_ptr_array_new_with_free_func ((GDestroyNotify) tanba_signin_profile_free);
  for (guint i = 0; i < tp->profiles->len; i++)
    {
      TanbaSigninProfile *profile = g_ptr_array_index (tp->profiles, i);

      g_ptr_array_add (names, tanba_signin_profile_dup_display (profile));
      if (g_strcmp0 (profile->serial, keep) == 0)
        selected = i;
    }
  g_ptr_array_add (names, NULL);
  if (selected == GTK_INVALID_LIST_POSITION && tp->profiles->len > 0)
    selected = 0;
  else if (selected != GTK_INVALID_LIST_POSITION)
    g_clear_pointer (&tp->wanted, g_free);

  tp->updating = TRUE;
  gtk_string_list_splice (tp->names, 0, g_list_model_get_n_items (G_LIST_MODEL (tp->names)),
                          (const char *const *) names->pdata);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (tp->profile_dropdown), selected);
  tp->updating = FALSE;

  g_free (tp->selected);
  tp->selected = selected != GTK_INVALID_LIST_POSITION
                 ? g_strdup (((TanbaSigninProfile *) g_ptr_array_index (tp->profiles, selected))->serial)
                 : NULL;
  tanba_control_panel_name_drop_down (tp->profile_dropdown, tp->profile_label);
  tanba_token_password_update_hint (tp);
  tp->update_sensitivity (tp->window);

  if (previous != NULL && tp->selected == NULL && tp->profile_lost != NULL)
    tp->profile_lost (tp->window);
}

void
tanba_token_password_set_profiles (TanbaTokenPassword *tp,
                                   GPtrArray          *profiles)
{
  tp->scanned = TRUE;
  set_profiles (tp, profiles);
}

void
tanba_token_password_select (TanbaTokenPassword *tp,
                             const char         *serial)
{
  g_free (tp->wanted);
  tp->wanted = g_strdup (serial);
  if (tp->profiles != NULL)
    {
      g_autoptr(GPtrArray) profiles = g_ptr_array_ref (tp->profiles);

      set_profiles (tp, profiles);
    }
}

gboolean
tanba_token_password_profile_selected (TanbaTokenPassword *tp)
{
  TanbaSigninProfile *profile;

  if (tp->updating)
    return FALSE;
  profile = tanba_token_password_get_profile (tp);
  g_free (tp->selected);
  tp->selected = profile != NULL ? g_strdup (profile->serial) : NULL;
  tanba_control_panel_name_drop_down (tp->profile_dropdown, tp->profile_label);
  return TRUE;
}

/* ---- scanning the tokens --------------------------------------------------- */

typedef struct
{
  TanbaModule *module;
  GPtrArray   *tokens; /* TanbaTokenInfo copies */
  guint        serial;
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

/* The task holds the window, and so @tp, which the window embeds. */
static void
scan_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  TanbaTokenPassword *tp = user_data;
  ScanData *data = g_task_get_task_data (G_TASK (result));
  g_autoptr(GPtrArray) profiles = g_task_propagate_pointer (G_TASK (result), NULL);

  if (profiles == NULL || data->serial != tp->scan_serial || gtk_widget_in_destruction (GTK_WIDGET (source)))
    return;
  tanba_token_password_set_profiles (tp, profiles);
}

static gboolean
scan_idle_cb (gpointer user_data)
{
  TanbaTokenPassword *tp = user_data;
  g_autoptr(GTask) task = NULL;
  GPtrArray *tokens;
  ScanData *data;

  tp->scan_idle = 0;
  if (tp->module == NULL || tp->monitor == NULL)
    return G_SOURCE_REMOVE;
  tokens = tanba_token_monitor_get_tokens (tp->monitor);
  data = g_new0 (ScanData, 1);
  data->module = tanba_module_ref (tp->module);
  data->tokens = g_ptr_array_new_with_free_func ((GDestroyNotify) tanba_token_info_free);
  for (guint i = 0; tokens != NULL && i < tokens->len; i++)
    g_ptr_array_add (data->tokens, tanba_token_info_copy (g_ptr_array_index (tokens, i)));
  data->serial = ++tp->scan_serial;

  task = g_task_new (tp->window, tp->cancellable, scan_done_cb, tp);
  g_task_set_task_data (task, data, (GDestroyNotify) scan_data_free);
  g_task_run_in_thread (task, scan_thread);
  return G_SOURCE_REMOVE;
}

void
tanba_token_password_schedule_scan (TanbaTokenPassword *tp)
{
  if (tp->scan_idle == 0)
    tp->scan_idle = g_idle_add (scan_idle_cb, tp);
}

static void
tokens_changed_cb (TanbaTokenMonitor  *monitor,
                   gpointer            info,
                   TanbaTokenPassword *tp)
{
  tanba_token_password_schedule_scan (tp);
}

/* ---- the token work -------------------------------------------------------- */

TanbaTokenPasswordJob *
tanba_token_password_job_new (TanbaTokenPassword *tp,
                              const char         *argument,
                              const char         *trust_anchor)
{
  TanbaSigninProfile *profile = tanba_token_password_get_profile (tp);
  const char *password = gtk_editable_get_text (GTK_EDITABLE (tp->password_entry));
  TanbaTokenPasswordJob *job;

  if (tp->busy || profile == NULL || tp->module == NULL || password == NULL || password[0] == '\0')
    return NULL;
  job = g_new0 (TanbaTokenPasswordJob, 1);
  job->module = tanba_module_ref (tp->module);
  job->serial = g_strdup (profile->serial);
  job->pin = g_strdup (password);
  job->argument = g_strdup (argument);
  job->trust_anchor = g_strdup (trust_anchor);
  return job;
}

void
tanba_token_password_go_busy (TanbaTokenPassword *tp,
                              const char         *progress)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (tp->window));

  tp->busy = TRUE;
  if (focus == NULL || (focus != tp->password_entry && !gtk_widget_is_ancestor (focus, tp->password_entry)))
    tanba_gui_focus (tp->password_entry);
  tp->update_sensitivity (tp->window);
  tanba_token_password_show_message (tp, progress, FALSE);
}

void
tanba_token_password_job_done (TanbaTokenPasswordJob *job,
                               gboolean               ok)
{
  explicit_bzero (job->pin, strlen (job->pin));
  if (!ok)
    {
      g_autoptr(TanbaToken) token = tanba_token_open (job->module, job->serial, NULL);

      if (token != NULL)
        job->info = tanba_token_get_info (token, NULL);
    }
}

void
tanba_token_password_job_free (TanbaTokenPasswordJob *job)
{
  if (job->pin != NULL)
    explicit_bzero (job->pin, strlen (job->pin));
  g_free (job->pin);
  g_free (job->serial);
  g_free (job->argument);
  g_free (job->trust_anchor);
  g_clear_pointer (&job->info, tanba_token_info_free);
  g_clear_pointer (&job->module, tanba_module_unref);
  g_free (job);
}

gboolean
tanba_token_password_finish (TanbaTokenPassword *tp,
                             const GError       *error)
{
  if (gtk_widget_in_destruction (tp->window) || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return FALSE;
  tp->busy = FALSE;
  tp->update_sensitivity (tp->window);
  gtk_editable_set_text (GTK_EDITABLE (tp->password_entry), "");
  return TRUE;
}

/* ---- life ------------------------------------------------------------------ */

void
tanba_token_password_init (TanbaTokenPassword *tp)
{
  tp->cancellable = g_cancellable_new ();
  tp->names = gtk_string_list_new (NULL);
  gtk_drop_down_set_model (GTK_DROP_DOWN (tp->profile_dropdown), G_LIST_MODEL (tp->names));
  tanba_gui_label_for (tp->profile_label, tp->profile_dropdown);
  tanba_gui_label_for (tp->password_label, tp->password_entry);
  tanba_gui_described_by (tp->profile_dropdown, tp->profile_hint);
  tanba_gui_set_required (tp->password_entry, TRUE);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (tp->content),
                                  GTK_ACCESSIBLE_RELATION_LABELLED_BY, tp->heading_label, NULL,
                                  GTK_ACCESSIBLE_RELATION_DESCRIBED_BY, tp->intro_label, NULL,
                                  -1);
  tanba_control_panel_name_drop_down (tp->profile_dropdown, tp->profile_label);
  tanba_control_panel_refocus_on_activate (GTK_WINDOW (tp->window));
}

void
tanba_token_password_watch (TanbaTokenPassword *tp,
                            TanbaModule        *module,
                            const char         *module_error,
                            TanbaTokenMonitor  *monitor)
{
  tp->module = module != NULL ? tanba_module_ref (module) : NULL;
  tp->module_error = g_strdup (module_error);
  if (module != NULL)
    {
      tp->monitor = monitor != NULL ? g_object_ref (monitor)
                                    : tanba_token_monitor_new (module, TANBA_TOKEN_MONITOR_DEFAULT_INTERVAL_MS);
      g_signal_connect (tp->monitor, "token-added", G_CALLBACK (tokens_changed_cb), tp);
      g_signal_connect (tp->monitor, "token-removed", G_CALLBACK (tokens_changed_cb), tp);
      g_signal_connect (tp->monitor, "token-changed", G_CALLBACK (tokens_changed_cb), tp);
      tanba_token_password_schedule_scan (tp);
    }
  tanba_token_password_update_hint (tp);
}

void
tanba_token_password_dispose (TanbaTokenPassword *tp)
{
  if (tp->cancellable != NULL)
    g_cancellable_cancel (tp->cancellable);
  /* GTK 4.8: a password entry destroyed while focused leaves its caps-lock
   * watch behind (warnings on the next key). */
  if (tp->password_entry != NULL)
    gtk_window_set_focus (GTK_WINDOW (tp->window), NULL);
  g_clear_handle_id (&tp->scan_idle, g_source_remove);
  if (tp->monitor != NULL)
    g_signal_handlers_disconnect_by_data (tp->monitor, tp);
  g_clear_object (&tp->monitor);
}

void
tanba_token_password_finalize (TanbaTokenPassword *tp)
{
  g_clear_object (&tp->cancellable);
  g_clear_pointer (&tp->module, tanba_module_unref);
  g_clear_pointer (&tp->profiles, g_ptr_array_unref);
  g_clear_object (&tp->names);
  g_free (tp->module_error);
  g_free (tp->wanted);
  g_free (tp->selected);
  g_free (tp->message);
}
