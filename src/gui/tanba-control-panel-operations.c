/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-control-panel-operations.c: token operations of the control panel in GTask workers. */
#include "config.h"

#include <string.h>

#include "tanba-i18n.h"
#include "tanba-control-panel-operations.h"
#include "tanba-token-error.h"

typedef enum
{
  OP_LOGIN,
  OP_LOGOUT,
  OP_CHANGE_PIN,
  OP_UNBLOCK,
  OP_RENAME,
  OP_FORMAT,
} Operation;

typedef struct
{
  Operation   operation;
  TanbaToken *token;
  TanbaRole   role;
  char       *pin;     /* secret */
  char       *new_pin; /* secret */
  char       *name;
} OperationData;

/* ---- helpers --------------------------------------------------------------- */

char *
tanba_control_panel_secret_dup (const char *secret)
{
  return g_strdup (secret);
}

void
tanba_control_panel_secret_free (char *secret)
{
  if (secret == NULL)
    return;
  explicit_bzero (secret, strlen (secret));
  g_free (secret);
}

void
tanba_control_panel_token_state_free (TanbaControlPanelTokenState *state)
{
  if (state == NULL)
    return;
  g_clear_pointer (&state->info, tanba_token_info_free);
  g_free (state->name);
  g_clear_pointer (&state->marker, tanba_registration_marker_free);
  g_free (state->marker_error);
  g_clear_pointer (&state->certificates, g_ptr_array_unref);
  g_free (state->certificates_error);
  g_free (state);
}

static void
operation_data_free (OperationData *data)
{
  g_clear_pointer (&data->token, tanba_token_unref);
  tanba_control_panel_secret_free (data->pin);
  tanba_control_panel_secret_free (data->new_pin);
  g_free (data->name);
  g_free (data);
}

/* ---- workers --------------------------------------------------------------- */

static void
read_state_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  TanbaToken *token = task_data;
  g_autoptr(TanbaControlPanelTokenState) state = g_new0 (TanbaControlPanelTokenState, 1);
  GError *error = NULL;

  state->info = tanba_token_get_info (token, &error);
  if (state->info == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  state->name = tanba_token_dup_name (token, NULL);
  if (state->name == NULL)
    state->name = tanba_token_info_dup_display_label (state->info);

  state->marker = tanba_registration_marker_read (token, &error);
  if (error != NULL)
    {
      state->marker_error = g_strdup (error->message);
      g_clear_error (&error);
    }

  state->certificates = tanba_token_list_certificates (token, &error);
  if (error != NULL)
    {
      state->certificates_error = g_strdup (error->message);
      g_clear_error (&error);
    }

  g_task_return_pointer (task, g_steal_pointer (&state),
                         (GDestroyNotify) tanba_control_panel_token_state_free);
}

static void
operation_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  OperationData *data = task_data;
  GError *error = NULL;
  gboolean ok = FALSE;

  switch (data->operation)
    {
    case OP_LOGIN:
      ok = tanba_token_login (data->token, data->role, data->pin, &error);
      break;

    case OP_LOGOUT:
      ok = tanba_token_logout (data->token, &error);
      break;

    case OP_CHANGE_PIN:
      ok = tanba_token_change_pin (data->token, data->role, data->pin, data->new_pin, &error);
      /* Logged in as before, with the PIN that was just set. */
      if (ok)
        tanba_token_login (data->token, data->role, data->new_pin, NULL);
      break;

    case OP_UNBLOCK:
      ok = tanba_token_unblock_user_pin (data->token, data->pin, data->new_pin, &error);
      if (ok)
        tanba_token_login (data->token, TANBA_ROLE_ADMIN, data->pin, NULL);
      break;

    case OP_RENAME:
      ok = tanba_token_set_name (data->token, data->name, &error);
      break;

    case OP_FORMAT:
      ok = tanba_token_format (data->token, data->pin, "", TANBA_FACTORY_USER_PIN, FALSE, &error);
      break;

    default:
      g_assert_not_reached ();
    }

  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/* Runs @operation on @token in a worker; @pin and @new_pin are copied into the
 * task data and wiped when it is freed. */
static void
run_operation (Operation            operation,
               TanbaToken          *token,
               TanbaRole            role,
               const char          *pin,
               const char          *new_pin,
               const char          *name,
               GCancellable        *cancellable,
               GAsyncReadyCallback  callback,
               gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  OperationData *data = g_new0 (OperationData, 1);

  data->operation = operation;
  data->token = tanba_token_ref (token);
  data->role = role;
  data->pin = tanba_control_panel_secret_dup (pin);
  data->new_pin = tanba_control_panel_secret_dup (new_pin);
  data->name = g_strdup (name);
  g_task_set_source_tag (task, run_operation);
  g_task_set_task_data (task, data, (GDestroyNotify) operation_data_free);
  g_task_run_in_thread (task, operation_thread);
}

/* ---- public API ------------------------------------------------------------ */

void
tanba_control_panel_read_state_async (TanbaToken          *token,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (token != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, tanba_control_panel_read_state_async);
  g_task_set_task_data (task, tanba_token_ref (token), (GDestroyNotify) tanba_token_unref);
  g_task_run_in_thread (task, read_state_thread);
}

TanbaControlPanelTokenState *
tanba_control_panel_read_state_finish (GAsyncResult  *result,
                                       GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tanba_control_panel_read_state_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
tanba_control_panel_login_async (TanbaToken          *token,
                                 TanbaRole            role,
                                 const char          *pin,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_return_if_fail (token != NULL);
  g_return_if_fail (role == TANBA_ROLE_USER || role == TANBA_ROLE_ADMIN);
  g_return_if_fail (pin != NULL);

  run_operation (OP_LOGIN, token, role, pin, NULL, NULL, cancellable, callback, user_data);
}

void
tanba_control_panel_logout_async (TanbaToken          *token,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_return_if_fail (token != NULL);

  run_operation (OP_LOGOUT, token, TANBA_ROLE_NONE, NULL, NULL, NULL, cancellable, callback, user_data);
}

void
tanba_control_panel_change_pin_async (TanbaToken          *token,
                                      TanbaRole            role,
                                      const char          *old_pin,
                                      const char          *new_pin,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_return_if_fail (token != NULL);
  g_return_if_fail (role == TANBA_ROLE_USER || role == TANBA_ROLE_ADMIN);
  g_return_if_fail (old_pin != NULL && new_pin != NULL);

  run_operation (OP_CHANGE_PIN, token, role, old_pin, new_pin, NULL, cancellable, callback, user_data);
}

void
tanba_control_panel_unblock_async (TanbaToken          *token,
                                   const char          *admin_pin,
                                   const char          *new_user_pin,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_return_if_fail (token != NULL);
  g_return_if_fail (admin_pin != NULL && new_user_pin != NULL);

  run_operation (OP_UNBLOCK, token, TANBA_ROLE_NONE, admin_pin, new_user_pin, NULL,
                 cancellable, callback, user_data);
}

void
tanba_control_panel_rename_async (TanbaToken          *token,
                                  const char          *name,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_return_if_fail (token != NULL);
  g_return_if_fail (name != NULL);

  run_operation (OP_RENAME, token, TANBA_ROLE_NONE, NULL, NULL, name, cancellable, callback, user_data);
}

void
tanba_control_panel_format_async (TanbaToken          *token,
                                  const char          *admin_pin,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_return_if_fail (token != NULL);
  g_return_if_fail (admin_pin != NULL);

  run_operation (OP_FORMAT, token, TANBA_ROLE_NONE, admin_pin, NULL, NULL, cancellable, callback, user_data);
}

gboolean
tanba_control_panel_operation_finish (GAsyncResult  *result,
                                      GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == run_operation, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
