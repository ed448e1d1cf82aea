/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-expiry.c: expiry warnings as desktop notifications. */
#include "config.h"

#include "tanba-i18n.h"
#include "tanba-expiry.h"
#include "tanba-renewal.h"
#include "tanba-settings.h"
#include "tanba-token.h"

void
tanba_expiry_warning_free (TanbaExpiryWarning *warning)
{
  if (warning == NULL)
    return;
  g_free (warning->serial);
  g_free (warning->token_name);
  g_free (warning);
}

GPtrArray *
tanba_expiry_collect (TanbaModule *module,
                      guint        warn_days,
                      GError     **error)
{
  g_autoptr(GPtrArray) tokens = NULL;
  GPtrArray *warnings;

  g_return_val_if_fail (module != NULL, NULL);

  tokens = tanba_token_info_list (module, error);
  if (tokens == NULL)
    return NULL;
  warnings = g_ptr_array_new_with_free_func ((GDestroyNotify) tanba_expiry_warning_free);
  for (guint i = 0; i < tokens->len; i++)
    {
      TanbaTokenInfo *info = g_ptr_array_index (tokens, i);
      g_autoptr(TanbaToken) token = NULL;
      g_autoptr(GPtrArray) statuses = NULL;
      g_autoptr(GError) local = NULL;
      g_autofree char *name = NULL;

      if (!tanba_token_info_is_initialized (info))
        continue;
      token = tanba_token_open (module, info->serial, &local);
      if (token != NULL)
        statuses = tanba_renewal_list_certificates (token, &local);
      if (statuses == NULL)
        {
          g_debug ("Expiry check: token %s skipped: %s", info->serial, local != NULL ? local->message : "?");
          continue;
        }
      for (guint j = 0; j < statuses->len; j++)
        {
          TanbaCertificateStatus *status = g_ptr_array_index (statuses, j);
          TanbaExpiryWarning *warning;

          if (!tanba_certificate_status_is_due (status, warn_days))
            continue;
          if (name == NULL)
            {
              name = tanba_token_dup_name (token, NULL);
              if (name == NULL || name[0] == '\0')
                {
                  g_free (name);
                  name = tanba_token_info_dup_display_label (info);
                }
            }
          warning = g_new0 (TanbaExpiryWarning, 1);
          warning->serial = g_strdup (info->serial);
          warning->token_name = g_strdup (name);
          warning->profile = status->profile;
          warning->days_left = status->days_left;
          g_ptr_array_add (warnings, warning);
        }
    }
  return warnings;
}

char *
tanba_expiry_warning_text (const TanbaExpiryWarning *w)
{
  gboolean signing;

  g_return_val_if_fail (w != NULL, NULL);

  signing = w->profile == TANBA_CERT_PROFILE_SIGNING;
  if (w->days_left < 0)
    return g_strdup_printf (signing ? _("The signing certificate on %s has expired. Renew it.")
                                    : _("The authentication certificate on %s has expired. Renew it."),
                            w->token_name);
  if (w->days_left == 0)
    return g_strdup_printf (signing ? _("The signing certificate on %s expires today. Renew it.")
                                    : _("The authentication certificate on %s expires today. Renew it."),
                            w->token_name);
  /* Translators: %s is the token's name, %d the days left. */
  return g_strdup_printf (signing ? g_dngettext (GETTEXT_PACKAGE,
                                                 "The signing certificate on %s expires in %d day. Renew it.",
                                                 "The signing certificate on %s expires in %d days. Renew it.",
                                                 w->days_left)
                                  : g_dngettext (GETTEXT_PACKAGE,
                                                 "The authentication certificate on %s expires in %d day. Renew it.",
                                                 "The authentication certificate on %s expires in %d days. Renew it.",
                                                 w->days_left),
                          w->token_name, w->days_left);
}

char *
tanba_expiry_notification_id (const TanbaExpiryWarning *w)
{
  return g_strdup_printf ("tanba-expiry-%s-%s", w->serial,
                          w->profile == TANBA_CERT_PROFILE_SIGNING ? "signing" : "authentication");
}

void
tanba_expiry_withdraw (GApplication *app,
                       const char   *serial)
{
  static const TanbaCertProfile profiles[] = { TANBA_CERT_PROFILE_SIGNING, TANBA_CERT_PROFILE_AUTHENTICATION };

  g_return_if_fail (G_IS_APPLICATION (app));
  g_return_if_fail (serial != NULL);

  for (guint i = 0; i < G_N_ELEMENTS (profiles); i++)
    {
      TanbaExpiryWarning w = { (char *) serial, NULL, profiles[i], 0 };
      g_autofree char *id = tanba_expiry_notification_id (&w);

      g_application_withdraw_notification (app, id);
    }
}

GNotification *
tanba_expiry_notification_new (const TanbaExpiryWarning *w)
{
  g_autofree char *body = tanba_expiry_warning_text (w);
  GNotification *notification;

  notification = g_notification_new (w->days_left < 0 ? _("Certificate expired") : _("Certificate expires soon"));
  g_notification_set_body (notification, body);
  g_notification_set_priority (notification, w->days_left <= 7 ? G_NOTIFICATION_PRIORITY_HIGH
                                                                : G_NOTIFICATION_PRIORITY_NORMAL);
  g_notification_add_button_with_target (notification, _("Renew"), TANBA_EXPIRY_RENEW_ACTION, "s", w->serial);
  g_notification_set_default_action_and_target (notification, TANBA_EXPIRY_RENEW_ACTION, "s", w->serial);
  return notification;
}

typedef struct
{
  TanbaModule *module;
  guint        warn_days;
} CheckData;

static void
check_data_free (CheckData *data)
{
  g_clear_pointer (&data->module, tanba_module_unref);
  g_free (data);
}

static void
check_thread (GTask        *task,
              gpointer      source,
              gpointer      task_data,
              GCancellable *cancellable)
{
  CheckData *data = task_data;
  GError *error = NULL;
  GPtrArray *warnings = tanba_expiry_collect (data->module, data->warn_days, &error);

  if (warnings == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, warnings, (GDestroyNotify) g_ptr_array_unref);
}

typedef struct
{
  GAsyncReadyCallback callback;
  gpointer            user_data;
} Forward;

static void
check_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  GApplication *app = G_APPLICATION (source);
  Forward *forward = user_data;
  GPtrArray *warnings = g_task_propagate_pointer (G_TASK (result), NULL);

  for (guint i = 0; warnings != NULL && i < warnings->len; i++)
    {
      TanbaExpiryWarning *w = g_ptr_array_index (warnings, i);
      g_autoptr(GNotification) notification = tanba_expiry_notification_new (w);
      g_autofree char *id = tanba_expiry_notification_id (w);
      g_autofree char *text = tanba_expiry_warning_text (w);

      g_message ("%s", text);
      g_application_send_notification (app, id, notification);
    }
  if (forward->callback != NULL)
    {
      /* Hand the same result on, through a task of our own. */
      g_autoptr(GTask) task = g_task_new (source, NULL, forward->callback, forward->user_data);

      g_task_set_source_tag (task, tanba_expiry_check_async);
      g_task_return_pointer (task, warnings, (GDestroyNotify) g_ptr_array_unref);
      warnings = NULL;
    }
  g_clear_pointer (&warnings, g_ptr_array_unref);
  g_free (forward);
}

void
tanba_expiry_check_async (GApplication        *app,
                          TanbaModule         *module,
                          guint                warn_days,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  CheckData *data;
  Forward *forward;

  g_return_if_fail (G_IS_APPLICATION (app));
  g_return_if_fail (module != NULL);

  data = g_new0 (CheckData, 1);
  data->module = tanba_module_ref (module);
  data->warn_days = warn_days > 0 ? warn_days : (guint) MAX (tanba_settings_get_int ("expiry-warning-days", 30), 0);
  forward = g_new0 (Forward, 1);
  forward->callback = callback;
  forward->user_data = user_data;
  task = g_task_new (app, cancellable, check_done_cb, forward);
  g_task_set_task_data (task, data, (GDestroyNotify) check_data_free);
  g_task_run_in_thread (task, check_thread);
}

GPtrArray *
tanba_expiry_check_finish (GAsyncResult *result,
                           GError      **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

typedef struct
{
  GApplication *app; /* weak */
  TanbaModule  *module;
} Schedule;

static void
schedule_free (gpointer data)
{
  Schedule *schedule = data;

  if (schedule->app != NULL)
    g_object_remove_weak_pointer (G_OBJECT (schedule->app), (gpointer *) &schedule->app);
  g_clear_pointer (&schedule->module, tanba_module_unref);
  g_free (schedule);
}

static gboolean
schedule_tick_cb (gpointer data)
{
  Schedule *schedule = data;

  if (schedule->app != NULL)
    tanba_expiry_check_async (schedule->app, schedule->module, 0, NULL, NULL, NULL);
  return G_SOURCE_CONTINUE;
}

guint
tanba_expiry_schedule (GApplication *app,
                       TanbaModule  *module,
                       guint         interval_seconds)
{
  Schedule *schedule;

  g_return_val_if_fail (G_IS_APPLICATION (app), 0);
  g_return_val_if_fail (module != NULL, 0);

  schedule = g_new0 (Schedule, 1);
  schedule->app = app;
  g_object_add_weak_pointer (G_OBJECT (app), (gpointer *) &schedule->app);
  schedule->module = tanba_module_ref (module);
  tanba_expiry_check_async (app, module, 0, NULL, NULL, NULL);
  return g_timeout_add_seconds_full (G_PRIORITY_LOW, interval_seconds > 0 ? interval_seconds : 24 * 60 * 60,
                                     schedule_tick_cb, schedule, schedule_free);
}
