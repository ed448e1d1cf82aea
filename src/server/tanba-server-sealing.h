/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-server-sealing.h: the server's secrets at rest.
 *
 * MAC protection (PBM, RFC 4210 5.1.3.1) needs the shared secret itself on
 * the server, not a hash of it: the server recomputes the MAC. So the OTP
 * PIN is kept, but sealed: AES-256-GCM under a 32-byte master key in
 * private/sealing.key (0600), with the user ID as associated data, stored
 * as nonce (12) || ciphertext || tag (16). A copy of the database alone
 * reveals no PIN. A production RA would keep the master key in an HSM. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _TanbaServerSealer TanbaServerSealer;

/* Creates a new random master key at @path (which must not exist). */
gboolean           tanba_server_sealer_create_key (const char         *path,
                                                   GError            **error);
TanbaServerSealer *tanba_server_sealer_new        (const char         *key_path,
                                                   GError            **error);
void               tanba_server_sealer_free       (TanbaServerSealer  *self);

GBytes            *tanba_server_sealer_seal       (TanbaServerSealer  *self,
                                                   const char         *context,
                                                   const void         *data,
                                                   gsize               length,
                                                   GError            **error);
/* The plaintext; the returned bytes are wiped when freed. */
GBytes            *tanba_server_sealer_open       (TanbaServerSealer  *self,
                                                   const char         *context,
                                                   GBytes             *sealed,
                                                   GError            **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TanbaServerSealer, tanba_server_sealer_free)

G_END_DECLS
