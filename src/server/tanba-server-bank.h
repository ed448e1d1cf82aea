/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-server-bank.h: the bank's JSON endpoints (spec section 2):
 * registering the two certificates with the bank, and the sign-in that
 * requires the registered authentication certificate as TLS client
 * certificate. The JSON is described in src/server/README.md. */
#pragma once

#include <glib.h>
#include <libsoup/soup.h>

#include "tanba-server-ca.h"
#include "tanba-server-faults.h"
#include "tanba-server-store.h"

G_BEGIN_DECLS

typedef struct _TanbaServerBank TanbaServerBank;

/* The arguments are borrowed and must outlive the bank. */
TanbaServerBank *tanba_server_bank_new          (TanbaServerCa    *ca,
                                                 TanbaServerStore *store);
void             tanba_server_bank_free         (TanbaServerBank  *self);

/* Test faults for the registration request (NULL: none); borrowed. */
void             tanba_server_bank_set_faults   (TanbaServerBank   *self,
                                                 TanbaServerFaults *faults);

/* Adds /bank/... handlers. With @tls, TLS client certificates are
 * requested (not required) on every connection. */
void             tanba_server_bank_add_handlers (TanbaServerBank  *self,
                                                 SoupServer       *server,
                                                 gboolean          tls);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TanbaServerBank, tanba_server_bank_free)

G_END_DECLS
