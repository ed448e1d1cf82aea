/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-http.h: the one way Tanba talks HTTP(S) to the CA and the bank.
 *
 * TLS verification is always on. With a trust anchor file, the server's
 * certificate must chain to it (and only to it: the bank's CA is pinned);
 * without one, the system's trust store is used. Plain HTTP is allowed only
 * to a loopback address (tests, the local reference server). Proxies come
 * from the desktop's settings (GProxyResolver, libsoup's default).
 *
 * The calls are synchronous and meant for worker threads: each thread makes
 * its own session. */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

#define TANBA_HTTP_ERROR (tanba_http_error_quark ())

typedef enum
{
  TANBA_HTTP_ERROR_BAD_URL,       /* not an http(s) URL */
  TANBA_HTTP_ERROR_INSECURE,      /* plain HTTP to an address that is not loopback */
  TANBA_HTTP_ERROR_TRUST_ANCHOR,  /* the trust anchor file cannot be read */
  TANBA_HTTP_ERROR_UNTRUSTED,     /* the server's certificate does not chain to the anchor */
  TANBA_HTTP_ERROR_UNREACHABLE,   /* no connection (refused, no route, DNS, dropped) */
  TANBA_HTTP_ERROR_TIMEOUT,       /* no answer in time */
  TANBA_HTTP_ERROR_STATUS,        /* an HTTP error status (message names it) */
  TANBA_HTTP_ERROR_BAD_RESPONSE,  /* wrong content type, empty or oversized body */
} TanbaHttpErrorCode;

GQuark       tanba_http_error_quark (void);

/* HTTPS anywhere, HTTP only to 127.0.0.0/8, ::1 or "localhost". */
gboolean     tanba_http_check_url   (const char   *url,
                                     GError      **error);

/* @trust_anchor: a PEM file with the CA certificate(s) to trust, or NULL for
 * the system store. @timeout_seconds: I/O timeout (0: 60 s). */
SoupSession *tanba_http_session_new (const char   *trust_anchor,
                                     guint         timeout_seconds,
                                     GError      **error);

/* Sends @body (may be NULL for an empty POST) with @content_type and returns
 * the response body. An HTTP status outside 2xx is TANBA_HTTP_ERROR_STATUS;
 * @status_out (may be NULL) receives the status either way and @error_body
 * (may be NULL) the body of an error answer (the bank explains in JSON).
 * Responses larger than @max_size bytes (0: 1 MiB) are refused. */
GBytes      *tanba_http_post        (SoupSession  *session,
                                     const char   *url,
                                     const char   *content_type,
                                     GBytes       *body,
                                     gsize         max_size,
                                     guint        *status_out,
                                     GBytes      **error_body,
                                     GCancellable *cancellable,
                                     GError      **error);
GBytes      *tanba_http_get         (SoupSession  *session,
                                     const char   *url,
                                     gsize         max_size,
                                     guint        *status_out,
                                     GBytes      **error_body,
                                     GCancellable *cancellable,
                                     GError      **error);

/* Same, on a prepared message (e.g. one carrying a TLS client certificate). */
GBytes      *tanba_http_send        (SoupSession  *session,
                                     SoupMessage  *message,
                                     gsize         max_size,
                                     GBytes      **error_body,
                                     GCancellable *cancellable,
                                     GError      **error);

/* @base with @path appended (one "/" between them). */
char        *tanba_http_join        (const char   *base,
                                     const char   *path);

G_END_DECLS
