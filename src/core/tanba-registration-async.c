/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-registration-async.c: tanba_registration_run() in a GTask thread,
 * its progress delivered on the caller's main context. */
#include "config.h"

#include "tanba-registration.h"

typedef struct
{
  TanbaToken                    *token;
  TanbaRegistrationParams       *params;
  TanbaRegistrationProgressFunc  progress;
  gpointer                       progress_data;
  GDestroyNotify                 progress_data_free;
  GMainContext                  *context;
} AsyncData;

typedef struct
{
  AsyncData             *data;
  TanbaRegistrationStep  step;
  TanbaStepState         state;
  double                 fraction;
  char                  *text;
} ProgressEvent;

static void
async_data_free (AsyncData *data)
{
  tanba_token_unref (data->token);
  tanba_registration_params_free (data->params);
  if (data->progress_data_free != NULL)
    data->progress_data_free (data->progress_data);
  g_main_context_unref (data->context);
  g_free (data);
}

static gboolean
deliver_progress (gpointer user_data)
{
  ProgressEvent *event = user_data;

  event->data->progress (event->step, event->state, event->fraction, event->text,
                         event->data->progress_data);
  return G_SOURCE_REMOVE;
}

static void
progress_event_free (gpointer user_data)
{
  ProgressEvent *event = user_data;

  g_free (event->text);
  g_free (event);
}

static void
forward_progress (TanbaRegistrationStep  step,
                  TanbaStepState         state,
                  double                 fraction,
                  const char            *text,
                  gpointer               user_data)
{
  AsyncData *data = user_data;
  ProgressEvent *event = g_new0 (ProgressEvent, 1);

  event->data = data;
  event->step = step;
  event->state = state;
  event->fraction = fraction;
  event->text = g_strdup (text);
  /* Always through a source on the caller's context, never called here:
   * g_main_context_invoke() would run it in this worker thread whenever it
   * can acquire the context (before the caller's loop runs, or when the
   * caller uses the global default context). Same priority as the GTask's
   * completion and queued before it: the caller sees every step before the
   * result. */
  {
    GSource *source = g_idle_source_new ();

    g_source_set_priority (source, G_PRIORITY_DEFAULT);
    g_source_set_callback (source, deliver_progress, event, progress_event_free);
    g_source_set_static_name (source, "[tanba] registration progress");
    g_source_attach (source, data->context);
    g_source_unref (source);
  }
}

static void
run_in_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  AsyncData *data = task_data;
  GError *error = NULL;
  TanbaRegistrationMarker *marker;

  marker = tanba_registration_run (data->token, data->params,
                                   data->progress != NULL ? forward_progress : NULL, data,
                                   cancellable, &error);
  if (marker == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, marker, (GDestroyNotify) tanba_registration_marker_free);
}

void
tanba_registration_run_async (TanbaToken                    *token,
                              TanbaRegistrationParams       *params,
                              TanbaRegistrationProgressFunc  progress,
                              gpointer                       progress_data,
                              GDestroyNotify                 progress_data_free,
                              GCancellable                  *cancellable,
                              GAsyncReadyCallback            callback,
                              gpointer                       user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  AsyncData *data = g_new0 (AsyncData, 1);

  data->token = tanba_token_ref (token);
  data->params = params;
  data->progress = progress;
  data->progress_data = progress_data;
  data->progress_data_free = progress_data_free;
  data->context = g_main_context_ref_thread_default ();
  g_task_set_source_tag (task, tanba_registration_run_async);
  g_task_set_task_data (task, data, (GDestroyNotify) async_data_free);
  g_task_run_in_thread (task, run_in_thread);
}

TanbaRegistrationMarker *
tanba_registration_run_finish (GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
