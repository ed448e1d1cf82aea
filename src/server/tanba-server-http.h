/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-server-http.h: the HTTP(S) front of the reference server (SoupServer):
 *
 *   POST /pkix/        CMP over HTTP (RFC 6712), Content-Type application/pkixcmp
 *   /bank/...          bank registration and sign-in (tanba-server-bank.h)
 *   GET  /             "tanba-refserver VERSION" (a liveness check)
 *   GET, POST /test/faults   test-only fault switches (with --test-faults,
 *                      loopback clients only; see tanba-server-faults.h) */
#pragma once

#include <glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct _TanbaServerHttp TanbaServerHttp;

/* Loads the data directory (CA, database, sealing key). */
TanbaServerHttp *tanba_server_http_new      (const char       *data_dir,
                                             gboolean          test_faults,
                                             GError          **error);
void             tanba_server_http_free     (TanbaServerHttp  *self);

/* Listens on @address ("127.0.0.1:0", "[::1]:8080", "localhost:0"; port 0
 * picks a free one); HTTPS with the data directory's tls.crt if @tls.
 * Returns the URL served, e.g. "http://127.0.0.1:41234/". */
char            *tanba_server_http_listen   (TanbaServerHttp  *self,
                                             const char       *address,
                                             gboolean          tls,
                                             GError          **error);

/* Stops listening and closes the database cleanly. */
void             tanba_server_http_shutdown (TanbaServerHttp  *self);

/* The TLS client certificate of @msg's connection (NULL: none, or not TLS)
 * and its verification errors against the server's TLS database (0: it
 * verifies). Use this, not soup_server_message_get_tls_peer_certificate(),
 * which knows nothing of the connections the server accepts itself. */
GTlsCertificate *tanba_server_http_get_tls_peer_certificate (SoupServerMessage    *msg,
                                                             GTlsCertificateFlags *errors);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TanbaServerHttp, tanba_server_http_free)

G_END_DECLS
