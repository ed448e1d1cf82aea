/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-token-monitor.h: tells when tokens are connected, removed or change.
 *
 * Polls raw PKCS#11 (C_GetSlotList (TRUE), C_GetTokenInfo) in a worker thread,
 * never through libp11 (which would log every token out), and emits
 * "token-added", "token-removed" and "token-changed" on the main context that
 * was the thread-default when the monitor was created. */
#pragma once

#include <glib-object.h>

#include "tanba-module.h"
#include "tanba-token-info.h"

G_BEGIN_DECLS

#define TANBA_TYPE_TOKEN_MONITOR (tanba_token_monitor_get_type ())
G_DECLARE_FINAL_TYPE (TanbaTokenMonitor, tanba_token_monitor, TANBA, TOKEN_MONITOR, GObject)

#define TANBA_TOKEN_MONITOR_DEFAULT_INTERVAL_MS 250

TanbaTokenMonitor *tanba_token_monitor_new          (TanbaModule       *module,
                                                     guint              interval_ms);
/* The tokens seen at the last poll (element type TanbaTokenInfo, owned by the
 * monitor and valid until the main loop runs again: copy what you keep). */
GPtrArray         *tanba_token_monitor_get_tokens   (TanbaTokenMonitor *self);
/* Polls now, on the calling thread, and emits what changed. */
void               tanba_token_monitor_poll_now     (TanbaTokenMonitor *self);

G_END_DECLS
