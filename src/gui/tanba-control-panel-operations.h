/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-control-panel-operations.h: the control panel's token operations, run
 * off the main thread (GTask) so that the window never freezes.
 *
 * The token layer is thread-safe (every call takes the module lock). PINs
 * passed in are copied into task data and wiped when the task is freed; none
 * is logged. The program never retries a PIN by itself: each PIN is tried
 * once (after a PIN change or an unblock, the new PIN the user just set logs
 * the same role in again so the panel stays logged in as it was). */
#pragma once

#include <gio/gio.h>

#include "tanba-registration-marker.h"
#include "tanba-token.h"

G_BEGIN_DECLS

/* What the panel shows about one token, read in one go. */
typedef struct
{
  TanbaTokenInfo          *info;
  char                    *name;          /* display name (object or label) */
  TanbaRegistrationMarker *marker;        /* NULL: no registration on the token */
  char                    *marker_error;  /* the marker is there but unreadable */
  GPtrArray               *certificates;  /* TanbaCertInfo; NULL when listing failed */
  char                    *certificates_error;
} TanbaControlPanelTokenState;

void      tanba_control_panel_token_state_free (TanbaControlPanelTokenState *state);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TanbaControlPanelTokenState, tanba_control_panel_token_state_free)

/* Secrets held by the panel while a role is logged in: copied, wiped on free. */
char     *tanba_control_panel_secret_dup  (const char *secret);
void      tanba_control_panel_secret_free (char       *secret);

void      tanba_control_panel_read_state_async  (TanbaToken          *token,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
TanbaControlPanelTokenState *
          tanba_control_panel_read_state_finish (GAsyncResult        *result,
                                                 GError             **error);

void      tanba_control_panel_login_async       (TanbaToken          *token,
                                                 TanbaRole            role,
                                                 const char          *pin,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
void      tanba_control_panel_logout_async      (TanbaToken          *token,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
/* Changes the PIN of @role, then logs @role in again with the new PIN. */
void      tanba_control_panel_change_pin_async  (TanbaToken          *token,
                                                 TanbaRole            role,
                                                 const char          *old_pin,
                                                 const char          *new_pin,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
/* Sets a new user PIN with the administrator PIN (which clears a lock), then
 * logs the administrator in again. */
void      tanba_control_panel_unblock_async     (TanbaToken          *token,
                                                 const char          *admin_pin,
                                                 const char          *new_user_pin,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
void      tanba_control_panel_rename_async      (TanbaToken          *token,
                                                 const char          *name,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
/* Formats the token back to its factory state: empty name, the factory user
 * PIN, no keys, certificates or data objects. Refused while a registration is
 * unfinished (TANBA_TOKEN_ERROR_REGISTRATION_UNFINISHED). Leaves it logged out. */
void      tanba_control_panel_format_async      (TanbaToken          *token,
                                                 const char          *admin_pin,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
/* The finish call of login, logout, change_pin, unblock, rename and format. */
gboolean  tanba_control_panel_operation_finish  (GAsyncResult        *result,
                                                 GError             **error);

G_END_DECLS
