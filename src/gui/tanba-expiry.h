/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-expiry.h: certificates about to expire on the connected tokens, told
 * with a desktop notification ("The signing certificate on TOKEN expires in
 * N days. Renew it.") whose "Renew" button activates the application action
 * "app.renew-certificates" with the token's serial number (type "s").
 *
 * The application checks on start and once a day while it runs
 * (tanba_expiry_schedule). Only registered certificates count (the
 * registration record names them), within the expiry-warning-days setting.
 * A renewal in the control panel takes the token's notifications back. */
#pragma once

#include <gio/gio.h>

#include "tanba-cmp-client.h"
#include "tanba-module.h"

G_BEGIN_DECLS

#define TANBA_EXPIRY_RENEW_ACTION "app.renew-certificates"

typedef struct
{
  char            *serial;
  char            *token_name;
  TanbaCertProfile profile;
  int              days_left;  /* negative once expired */
} TanbaExpiryWarning;

void       tanba_expiry_warning_free (TanbaExpiryWarning *warning);

/* The registered certificates due within @warn_days on every token present
 * (TanbaExpiryWarning). Touches the tokens: call from a worker. */
GPtrArray *tanba_expiry_collect      (TanbaModule *module,
                                      guint        warn_days,
                                      GError     **error);

/* The notification's words (translated). */
char      *tanba_expiry_warning_text (const TanbaExpiryWarning *warning);
/* The notification for @warning (title, body, "Renew" button). */
GNotification *tanba_expiry_notification_new (const TanbaExpiryWarning *warning);
/* Takes back the notifications about @serial's certificates (they were
 * renewed). */
void       tanba_expiry_withdraw     (GApplication *app,
                                      const char   *serial);
/* Its ID ("tanba-expiry-SERIAL-signing"): a later check replaces it. */
char      *tanba_expiry_notification_id (const TanbaExpiryWarning *warning);

/* Checks now, in a worker, and sends a notification per certificate due.
 * @warn_days 0: the setting. @callback (may be NULL) gets the warnings
 * (GPtrArray of TanbaExpiryWarning, from tanba_expiry_check_finish). */
void       tanba_expiry_check_async  (GApplication        *app,
                                      TanbaModule         *module,
                                      guint                warn_days,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
GPtrArray *tanba_expiry_check_finish (GAsyncResult        *result,
                                      GError             **error);

/* Checks now and then every @interval_seconds (0: once a day) while the
 * application runs. Returns the timeout source ID (g_source_remove it to stop). */
guint      tanba_expiry_schedule     (GApplication        *app,
                                      TanbaModule         *module,
                                      guint                interval_seconds);

G_END_DECLS
