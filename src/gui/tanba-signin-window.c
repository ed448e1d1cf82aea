/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-signin-window.c: the sign-in window. */
#include "config.h"

#include "tanba-i18n.h"
#include "tanba-gui-util.h"
#include "tanba-signin-window.h"
#include "tanba-token-password.h"

struct _TanbaSigninWindow
{
  AdwApplicationWindow parent_instance;

  GtkWidget *cancel_button;
  GtkWidget *signin_button;
  GtkWidget *result_label;

  TanbaTokenPassword tp; /* the profile chooser, password, message (and their widgets) */
  char              *bank_url;
  char              *trust_anchor;
  char              *result;
};

G_DEFINE_FINAL_TYPE (TanbaSigninWindow, tanba_signin_window, ADW_TYPE_APPLICATION_WINDOW)

/* ---- state ----------------------------------------------------------------- */

static void
update_sensitivity (TanbaSigninWindow *self)
{
  gtk_widget_set_sensitive (self->signin_button, tanba_token_password_update_sensitivity (&self->tp));
}

static void
sensitivity_cb (GtkWidget *window)
{
  update_sensitivity (TANBA_SIGNIN_WINDOW (window));
}

/* The profile in use went away (its token was pulled out). */
static void
profile_lost_cb (GtkWidget *window)
{
  TanbaSigninWindow *self = TANBA_SIGNIN_WINDOW (window);

  if (!self->tp.busy)
    tanba_token_password_show_message (&self->tp, _("The token was removed. Connect it again to sign in."), TRUE);
}

/* ---- signing in ------------------------------------------------------------ */

static void
signin_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  TanbaTokenPasswordJob *job = task_data;
  GError *error = NULL;
  TanbaBankSession *session;

  session = tanba_signin_run (job->module, job->serial, job->pin, job->argument,
                              job->trust_anchor, cancellable, &error);
  tanba_token_password_job_done (job, session != NULL);
  if (session == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, session, (GDestroyNotify) tanba_bank_session_free);
}

static void
signin_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  TanbaSigninWindow *self = TANBA_SIGNIN_WINDOW (source);
  TanbaTokenPasswordJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(TanbaBankSession) session = NULL;
  g_autoptr(GError) error = NULL;

  session = g_task_propagate_pointer (G_TASK (result), &error);
  if (!tanba_token_password_finish (&self->tp, error))
    return;

  if (session != NULL)
    {
      g_autofree char *text = tanba_signin_dup_result_text (session);

      g_free (self->result);
      self->result = g_strdup (text);
      tanba_token_password_show_message (&self->tp, NULL, FALSE);
      gtk_label_set_text (GTK_LABEL (self->result_label), text);
      gtk_widget_set_visible (self->result_label, TRUE);
      g_free (self->tp.message);
      self->tp.message = g_strdup (text);
      tanba_token_password_speak (&self->tp, text);
    }
  else
    {
      g_autofree char *message = NULL;
      TanbaSigninProblem problem = tanba_signin_explain (error, job->info, &message);

      if (problem == TANBA_SIGNIN_PROBLEM_TOKEN)
        tanba_token_password_schedule_scan (&self->tp);
      if (problem == TANBA_SIGNIN_PROBLEM_PASSWORD || problem == TANBA_SIGNIN_PROBLEM_OTHER
          || problem == TANBA_SIGNIN_PROBLEM_SERVER)
        tanba_gui_focus (self->tp.password_entry);
      tanba_token_password_show_message (&self->tp, message, TRUE);
    }
}

static void
signin_clicked_cb (TanbaSigninWindow *self)
{
  g_autoptr(GTask) task = NULL;
  TanbaTokenPasswordJob *job = tanba_token_password_job_new (&self->tp, self->bank_url, self->trust_anchor);

  if (job == NULL)
    return;
  g_clear_pointer (&self->result, g_free);
  gtk_widget_set_visible (self->result_label, FALSE);
  tanba_token_password_go_busy (&self->tp, _("Signing in to the bank…"));

  task = g_task_new (self, self->tp.cancellable, signin_done_cb, NULL);
  g_task_set_task_data (task, job, (GDestroyNotify) tanba_token_password_job_free);
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
  if (tanba_token_password_profile_selected (&self->tp))
    update_sensitivity (self);
}

/* ---- overrides ------------------------------------------------------------- */

static void
tanba_signin_window_dispose (GObject *object)
{
  TanbaSigninWindow *self = TANBA_SIGNIN_WINDOW (object);

  tanba_token_password_dispose (&self->tp);
  gtk_widget_dispose_template (GTK_WIDGET (object), TANBA_TYPE_SIGNIN_WINDOW);
  G_OBJECT_CLASS (tanba_signin_window_parent_class)->dispose (object);
}

static void
tanba_signin_window_finalize (GObject *object)
{
  TanbaSigninWindow *self = TANBA_SIGNIN_WINDOW (object);

  tanba_token_password_finalize (&self->tp);
  g_free (self->bank_url);
  g_free (self->trust_anchor);
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
  gtk_widget_class_bind_template_child (widget_class, TanbaSigninWindow, result_label);
  TANBA_TOKEN_PASSWORD_BIND (widget_class, TanbaSigninWindow, tp);
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

  self->tp.window = GTK_WIDGET (self);
  /* Outside the window, the message is spoken through the password field. */
  self->tp.fallback = self->tp.password_entry;
  self->tp.no_profile_hint = _("No registered token is connected. Connect your token; if it is new, register it first with the registration wizard.");
  self->tp.update_sensitivity = sensitivity_cb;
  self->tp.profile_lost = profile_lost_cb;
  tanba_token_password_init (&self->tp);
  tanba_gui_fix_mnemonic_name (self->cancel_button);
  tanba_gui_fix_mnemonic_name (self->signin_button);
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

  self->bank_url = g_strdup (bank_url);
  self->trust_anchor = g_strdup (trust_anchor);
  self->tp.wanted = g_strdup (serial);
  tanba_token_password_watch (&self->tp, module, module_error, monitor);
  update_sensitivity (self);
  /* The first control has the focus when the window opens. */
  gtk_widget_grab_focus (self->tp.profile_dropdown);
  return GTK_WINDOW (self);
}

void
tanba_signin_window_select (TanbaSigninWindow *self,
                            const char        *serial)
{
  g_return_if_fail (TANBA_IS_SIGNIN_WINDOW (self));

  tanba_token_password_select (&self->tp, serial);
}

GPtrArray *
tanba_signin_window_get_profiles (TanbaSigninWindow *self)
{
  g_return_val_if_fail (TANBA_IS_SIGNIN_WINDOW (self), NULL);

  return self->tp.profiles;
}

const char *
tanba_signin_window_get_selected (TanbaSigninWindow *self)
{
  g_return_val_if_fail (TANBA_IS_SIGNIN_WINDOW (self), NULL);

  return self->tp.selected;
}

const char *
tanba_signin_window_get_message (TanbaSigninWindow *self)
{
  g_return_val_if_fail (TANBA_IS_SIGNIN_WINDOW (self), NULL);

  return self->tp.message;
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

  return self->tp.busy;
}

void
tanba_signin_window_set_profiles (TanbaSigninWindow *self,
                                  GPtrArray         *profiles)
{
  g_return_if_fail (TANBA_IS_SIGNIN_WINDOW (self));

  tanba_token_password_set_profiles (&self->tp, profiles);
}
