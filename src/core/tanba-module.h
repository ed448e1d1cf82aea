/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-module.h: one loaded PKCS#11 module, shared by everything in the process.
 *
 * libp11 (for OpenSSL keys) and the raw function list (for presence polling,
 * token management and data objects) use the same module, initialized once
 * and never finalized while the program runs (see HACKING.md, "Tokens"). */
#pragma once

#include <glib.h>
#include <p11-kit/pkcs11.h>

G_BEGIN_DECLS

typedef struct _TanbaModule TanbaModule;

/* Which module to load: @override (from --module) if set, else the
 * TANBA_PKCS11_MODULE environment variable, else the "pkcs11-module" setting,
 * else the p11-kit proxy. Returns a newly allocated path. */
char        *tanba_module_resolve_path (const char *override);

TanbaModule *tanba_module_open       (const char  *path,
                                      GError     **error);
TanbaModule *tanba_module_ref        (TanbaModule *self);
void         tanba_module_unref      (TanbaModule *self);
const char  *tanba_module_get_path   (TanbaModule *self);

/* The raw function list. Callers that touch token state hold the module lock. */
CK_FUNCTION_LIST *tanba_module_get_functions (TanbaModule *self);
void         tanba_module_lock       (TanbaModule *self);
void         tanba_module_unlock     (TanbaModule *self);

/* Slots that hold a token now (C_GetSlotList (TRUE)). */
GArray      *tanba_module_get_token_slots (TanbaModule  *self,
                                           GError      **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TanbaModule, tanba_module_unref)

G_END_DECLS
