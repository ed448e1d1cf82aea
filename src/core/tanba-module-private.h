/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-module-private.h: what the token layer shares about the module inside the core. */
#pragma once

#include <libp11.h>

#include "tanba-module.h"

G_BEGIN_DECLS

/* The libp11 slot for @slot_id, with its token; re-enumerates libp11's slot list
 * once when the slot is unknown or had no token at the last enumeration.
 * Re-enumerating closes libp11's sessions on every slot, so it only happens
 * when the list is stale. Caller holds the module lock. */
PKCS11_SLOT *tanba_module_find_p11_slot   (TanbaModule  *self,
                                           gulong        slot_id,
                                           GError      **error);
/* Forget libp11's slot list (after a token was re-initialized). Caller holds the lock. */
void         tanba_module_forget_p11_slots (TanbaModule *self);

G_END_DECLS
