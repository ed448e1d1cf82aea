/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-server-http.c: the SoupServer of the reference server. */

#include "config.h"

#include "tanba-server-http.h"

#include <string.h>

#include <gio/gio.h>
#include <gio/gnetworking.h>
#include <libsoup/soup.h>

#include "tanba-server-bank.h"
#include "tanba-server-ca.h"
#include "tanba-server-cmp.h"
#include "tanba-server-error.h"
#include "tanba-server-faults.h"
#include "tanba-server-sealing.h"
#include "tanba-server-store.h"

#define CMP_CONTENT_TYPE     "application/pkixcmp"
#define MAX_CMP_REQUEST      (256 * 1024)
#define EXPIRE_INTERVAL      60  /* seconds between sweeps */
#define TRANSACTION_MAX_IDLE 600 /* seconds a certConf may come after ip */
#define LISTEN_BACKLOG       128
#define HANDSHAKE_TIMEOUT    30  /* seconds a client may take for its TLS handshake
                                  * (TANBA_REFSERVER_HANDSHAKE_TIMEOUT, for tests) */

struct _TanbaServerHttp
{
  char              *data_dir;
  TanbaServerCa     *ca;
  TanbaServerStore  *store;
  TanbaServerSealer *sealer;
  TanbaServerCmp    *cmp;
  TanbaServerBank   *bank;
  TanbaServerFaults *faults; /* NULL unless --test-faults */
  SoupServer        *server;
  GSocketService    *service;    /* our own listener (see own_listener) or NULL */
  GTlsCertificate   *tls_certificate; /* with --tls and our own listener */
  GList             *handshakes; /* Handshake, in progress */
  guint              handshake_timeout; /* seconds */
  guint              expire_id;
};

/* A TLS handshake of our own listener. */
typedef struct
{
  TanbaServerHttp   *owner;      /* NULL once the server shut down */
  GSocketConnection *connection;
  GIOStream         *tls;
  GCancellable      *cancellable;
  guint              timeout_id;
} Handshake;

/* The TLS client of a connection accepted by our own listener, kept on the
 * connection's remote address object (libsoup keeps the very object and
 * hands it out with soup_server_message_get_remote_address). */
typedef struct
{
  GTlsCertificate      *certificate; /* NULL: none was sent */
  GTlsCertificateFlags  errors;
} TlsPeer;

static GQuark
tls_peer_quark (void)
{
  return g_quark_from_static_string ("tanba-server-tls-peer");
}

typedef struct
{
  SoupServerMessage *msg;
  GBytes            *body;
} StalledAnswer;

/* --- helpers ------------------------------------------------------------ */

/* libsoup before 3.4 leaks one GSocket (some 400 bytes) per connection its
 * listener (SoupListener) accepts (fixed upstream by commit b545d5f0,
 * "soup-listener: Plug a leak"): the server's memory grew by that much per
 * connection, for ever (bench-refserver-load, valgrind massif). With such a
 * libsoup the server accepts connections itself (a GSocketService), does
 * the TLS handshake itself, and hands each connection to libsoup with
 * soup_server_accept_iostream(). libsoup keeps no connection alive that it
 * did not accept itself (soup-server.c, request_finished(): keep-alive
 * needs a listener of its own): every answer then says "Connection: close".
 * That also keeps clear of a bug of libsoup before 3.3, which never closed
 * a kept-alive connection its client closed while the server waited for
 * the next request (fixed upstream by commit d20c6601): with Tanba's
 * connection per request, such a server ran out of descriptors after some
 * thousand requests (found by bench-refserver-load).
 * Our handshake also has a time limit and is cancelled on shutdown: with
 * libsoup's own, a client that stopped in the middle of its handshake kept
 * the server from exiting on SIGTERM (soup_server_disconnect() closes the
 * TLS connection, which waits for the handshake). */
static gboolean
own_listener (void)
{
  return soup_get_major_version () == 3 && soup_get_minor_version () < 4;
}

static void
request_read_cb (SoupServer        *server,
                 SoupServerMessage *msg,
                 gpointer           user_data)
{
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection",
                                "close");
}

static void
answer_text (SoupServerMessage *msg,
             guint              status,
             const char        *text)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "text/plain; charset=utf-8", SOUP_MEMORY_COPY,
                                    text, strlen (text));
}

static void
answer_cmp (SoupServerMessage *msg,
            GBytes            *body)
{
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, CMP_CONTENT_TYPE, SOUP_MEMORY_COPY,
                                    g_bytes_get_data (body, NULL), g_bytes_get_size (body));
}

static gboolean
from_loopback (SoupServerMessage *msg)
{
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);

  return G_IS_INET_SOCKET_ADDRESS (remote)
         && g_inet_address_get_is_loopback (
              g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote)));
}

static GBytes *
corrupt (GBytes *body)
{
  gsize length = 0;
  guint8 *data = g_bytes_unref_to_data (g_bytes_ref (body), &length);

  /* flip bytes in the middle and the end: the DER no longer parses or
   * its protection no longer verifies */
  for (gsize i = length / 2; i < length && i < length / 2 + 8; i++)
    data[i] ^= 0xff;
  if (length > 0)
    data[length - 1] ^= 0x55;
  return g_bytes_new_take (data, length);
}

static gboolean
stall_done_cb (gpointer user_data)
{
  StalledAnswer *stalled = user_data;

  answer_cmp (stalled->msg, stalled->body);
  soup_server_message_unpause (stalled->msg);
  g_object_unref (stalled->msg);
  g_bytes_unref (stalled->body);
  g_free (stalled);
  return G_SOURCE_REMOVE;
}

static void
drop_connection (SoupServerMessage *msg)
{
  GIOStream *stream = soup_server_message_steal_connection (msg);

  if (stream != NULL)
    {
      g_io_stream_close (stream, NULL, NULL);
      g_object_unref (stream);
    }
}

/* --- handlers ----------------------------------------------------------- */

static void
pkix_cb (SoupServer        *server,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           user_data)
{
  TanbaServerHttp *self = user_data;
  const char *content_type;
  g_autoptr(GBytes) request = NULL;
  g_autoptr(GBytes) response = NULL;
  g_autoptr(GError) error = NULL;
  TanbaFaultKind fault = TANBA_FAULT_NONE;
  guint seconds = 0;

  if (soup_server_message_get_method (msg) != SOUP_METHOD_POST)
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Allow", "POST");
      answer_text (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "CMP requests are POSTed\n");
      return;
    }

  content_type = soup_message_headers_get_content_type (
                   soup_server_message_get_request_headers (msg), NULL);
  if (g_strcmp0 (content_type, CMP_CONTENT_TYPE) != 0)
    {
      answer_text (msg, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE,
                   "The Content-Type must be " CMP_CONTENT_TYPE "\n");
      return;
    }

  request = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  if (g_bytes_get_size (request) > MAX_CMP_REQUEST)
    {
      answer_text (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "The request is too large\n");
      return;
    }

  if (self->faults != NULL)
    fault = tanba_server_faults_take (self->faults,
                                      tanba_cmp_body_name (
                                        tanba_server_cmp_peek_body (request)),
                                      &seconds);
  if (fault == TANBA_FAULT_HTTP_500)
    {
      answer_text (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, "Injected fault (test only)\n");
      return;
    }

  response = tanba_server_cmp_handle (self->cmp, request, &error);
  if (response == NULL)
    {
      g_autofree char *text = g_strconcat (error->message, "\n", NULL);

      g_info ("HTTP: %s", error->message);
      answer_text (msg,
                   g_error_matches (error, TANBA_SERVER_ERROR, TANBA_SERVER_ERROR_INVALID)
                   ? SOUP_STATUS_BAD_REQUEST : SOUP_STATUS_INTERNAL_SERVER_ERROR,
                   text);
      return;
    }

  switch (fault)
    {
    case TANBA_FAULT_DROP:
      drop_connection (msg);
      return;

    case TANBA_FAULT_STALL:
      {
        StalledAnswer *stalled = g_new0 (StalledAnswer, 1);

        stalled->msg = g_object_ref (msg);
        stalled->body = g_steal_pointer (&response);
        soup_server_message_pause (msg);
        g_timeout_add_seconds (seconds, stall_done_cb, stalled);
        return;
      }

    case TANBA_FAULT_CORRUPT:
      {
        GBytes *broken = corrupt (response);

        g_bytes_unref (response);
        response = broken;
      }
      break;

    case TANBA_FAULT_NONE:
    case TANBA_FAULT_HTTP_500:
    default:
      break;
    }

  answer_cmp (msg, response);
}

static void
faults_cb (SoupServer        *server,
           SoupServerMessage *msg,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  TanbaServerHttp *self = user_data;
  const char *method = soup_server_message_get_method (msg);
  g_autofree char *json = NULL;

  if (self->faults == NULL || !from_loopback (msg))
    {
      answer_text (msg, SOUP_STATUS_NOT_FOUND, "Not found\n");
      return;
    }

  if (method == SOUP_METHOD_POST)
    {
      g_autoptr(GBytes) body = NULL;
      g_autoptr(GError) error = NULL;

      body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
      if (!tanba_server_faults_set (self->faults, g_bytes_get_data (body, NULL),
                                    g_bytes_get_size (body), &error))
        {
          g_autofree char *text = g_strconcat (error->message, "\n", NULL);

          answer_text (msg, SOUP_STATUS_BAD_REQUEST, text);
          return;
        }
    }
  else if (method != SOUP_METHOD_GET)
    {
      answer_text (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "GET or POST\n");
      return;
    }

  json = tanba_server_faults_to_json (self->faults);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY,
                                    json, strlen (json));
}

static void
root_cb (SoupServer        *server,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           user_data)
{
  if (g_strcmp0 (path, "/") != 0)
    {
      answer_text (msg, SOUP_STATUS_NOT_FOUND, "Not found\n");
      return;
    }
  answer_text (msg, SOUP_STATUS_OK, "tanba-refserver " PACKAGE_VERSION "\n");
}

static gboolean
expire_cb (gpointer user_data)
{
  TanbaServerHttp *self = user_data;

  tanba_server_cmp_expire (self->cmp, TRANSACTION_MAX_IDLE);
  return G_SOURCE_CONTINUE;
}

/* --- our own listener (libsoup < 3.4, see own_listener) ------------------ */

static void
tls_peer_free (gpointer data)
{
  TlsPeer *peer = data;

  g_clear_object (&peer->certificate);
  g_free (peer);
}

/* Hands an accepted connection (a GSocketConnection, or a GTlsConnection
 * over one, handshake done) to libsoup. */
static void
hand_over (TanbaServerHttp   *self,
           GSocketConnection *connection,
           GIOStream         *stream)
{
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GSocketAddress) remote = NULL;
  g_autoptr(GError) error = NULL;

  local = g_socket_connection_get_local_address (connection, &error);
  if (local != NULL)
    remote = g_socket_connection_get_remote_address (connection, &error);
  if (remote == NULL)
    {
      /* the client is gone already */
      g_debug ("HTTP: a connection ended before its first request: %s", error->message);
      g_io_stream_close (stream, NULL, NULL);
      return;
    }

  if (G_IS_TLS_CONNECTION (stream))
    {
      /* libsoup gives a message the peer certificate of a TLS connection
       * only if it did the handshake itself (soup-server-message.c,
       * re_emit_tls_certificate_changed): keep it where
       * tanba_server_http_get_tls_peer_certificate finds it */
      GTlsConnection *tls = G_TLS_CONNECTION (stream);
      TlsPeer *peer = g_new0 (TlsPeer, 1);
      GTlsCertificate *certificate = g_tls_connection_get_peer_certificate (tls);

      peer->certificate = certificate != NULL ? g_object_ref (certificate) : NULL;
      peer->errors = g_tls_connection_get_peer_certificate_errors (tls);
      g_object_set_qdata_full (G_OBJECT (remote), tls_peer_quark (), peer, tls_peer_free);
    }

  if (!soup_server_accept_iostream (self->server, stream, local, remote, &error))
    {
      g_info ("HTTP: cannot take a connection: %s", error->message);
      g_io_stream_close (stream, NULL, NULL);
    }
}

/* Any client certificate passes the handshake, as with libsoup's own
 * listener and the bank's "accept-certificate" handler there: the bank's
 * sign-in decides (tanba-server-bank.c, whoami_cb), so that the client gets
 * a JSON answer it can put into words, not a TLS alert. */
static gboolean
accept_any_certificate_cb (GTlsConnection       *connection,
                           GTlsCertificate      *certificate,
                           GTlsCertificateFlags  errors,
                           gpointer              user_data)
{
  return TRUE;
}

static void
handshake_free (Handshake *handshake)
{
  g_clear_handle_id (&handshake->timeout_id, g_source_remove);
  g_clear_object (&handshake->cancellable);
  g_clear_object (&handshake->tls);
  g_clear_object (&handshake->connection);
  g_free (handshake);
}

static gboolean
handshake_timeout_cb (gpointer user_data)
{
  Handshake *handshake = user_data;

  handshake->timeout_id = 0;
  g_cancellable_cancel (handshake->cancellable);
  return G_SOURCE_REMOVE;
}

static void
handshake_done_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Handshake *handshake = user_data;
  TanbaServerHttp *self = handshake->owner;
  g_autoptr(GError) error = NULL;

  if (g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, &error)
      && self != NULL)
    hand_over (self, handshake->connection, handshake->tls);
  else
    {
      if (self != NULL)
        g_debug ("HTTP: TLS handshake failed: %s",
                 handshake->timeout_id == 0 && g_error_matches (error, G_IO_ERROR,
                                                                G_IO_ERROR_CANCELLED)
                 ? "the client took too long" : error->message);
      /* close the socket, not the TLS connection (no close_notify to a
       * client that may not read any more) */
      g_io_stream_close (G_IO_STREAM (handshake->connection), NULL, NULL);
    }

  if (self != NULL)
    self->handshakes = g_list_remove (self->handshakes, handshake);
  handshake_free (handshake);
}

static gboolean
incoming_cb (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source_object,
             gpointer           user_data)
{
  TanbaServerHttp *self = user_data;
  static const char * const protocols[] = { "http/1.1", "http/1.0", NULL };
  g_autoptr(GError) error = NULL;
  Handshake *handshake;
  GIOStream *tls;

  g_socket_set_option (g_socket_connection_get_socket (connection), IPPROTO_TCP, TCP_NODELAY,
                       TRUE, NULL);

  if (self->tls_certificate == NULL)
    {
      hand_over (self, connection, G_IO_STREAM (connection));
      return TRUE;
    }

  /* as libsoup's listener does it (soup-server-connection.c,
   * soup_server_connection_accepted), with the server's TLS settings */
  tls = g_tls_server_connection_new (G_IO_STREAM (connection), self->tls_certificate, &error);
  if (tls == NULL)
    {
      g_warning ("HTTP: no TLS: %s", error->message);
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
      return TRUE;
    }
  g_tls_connection_set_database (G_TLS_CONNECTION (tls),
                                 soup_server_get_tls_database (self->server));
  g_object_set (tls, "authentication-mode", soup_server_get_tls_auth_mode (self->server), NULL);
  g_tls_connection_set_require_close_notify (G_TLS_CONNECTION (tls), FALSE);
  g_tls_connection_set_advertised_protocols (G_TLS_CONNECTION (tls), protocols);
  g_signal_connect (tls, "accept-certificate", G_CALLBACK (accept_any_certificate_cb), NULL);

  handshake = g_new0 (Handshake, 1);
  handshake->owner = self;
  handshake->connection = g_object_ref (connection);
  handshake->tls = tls;
  handshake->cancellable = g_cancellable_new ();
  handshake->timeout_id = g_timeout_add_seconds (self->handshake_timeout, handshake_timeout_cb,
                                                 handshake);
  self->handshakes = g_list_prepend (self->handshakes, handshake);
  g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT,
                                    handshake->cancellable, handshake_done_cb, handshake);
  return TRUE;
}

/* Listens on @socket (bound, listening) with a GSocketService. */
static gboolean
listen_own (TanbaServerHttp  *self,
            GSocket          *socket,
            gboolean          tls,
            GError          **error)
{
  const char *timeout = g_getenv ("TANBA_REFSERVER_HANDSHAKE_TIMEOUT");
  guint64 seconds = HANDSHAKE_TIMEOUT;

  if (timeout != NULL
      && !g_ascii_string_to_unsigned (timeout, 10, 1, 3600, &seconds, NULL))
    {
      g_set_error (error, TANBA_SERVER_ERROR, TANBA_SERVER_ERROR_INVALID,
                   "TANBA_REFSERVER_HANDSHAKE_TIMEOUT: \"%s\" is not a number of seconds "
                   "from 1 to 3600", timeout);
      return FALSE;
    }
  self->handshake_timeout = seconds;

  if (tls)
    {
      g_object_get (self->server, "tls-certificate", &self->tls_certificate, NULL);
      if (self->tls_certificate == NULL)
        {
          g_set_error_literal (error, TANBA_SERVER_ERROR, TANBA_SERVER_ERROR_FAILED,
                               "HTTPS without a TLS certificate");
          return FALSE;
        }
    }

  self->service = g_socket_service_new ();
  if (!g_socket_listener_add_socket (G_SOCKET_LISTENER (self->service), socket, NULL, error))
    {
      g_clear_object (&self->service);
      g_clear_object (&self->tls_certificate);
      return FALSE;
    }
  g_signal_connect (self->service, "incoming", G_CALLBACK (incoming_cb), self);
  g_socket_service_start (self->service);
  return TRUE;
}

/* The URL served by our own listener, as soup_server_get_uris() makes it. */
static char *
own_url (GSocket  *socket,
         gboolean  tls,
         GError  **error)
{
  g_autoptr(GSocketAddress) local = g_socket_get_local_address (socket, error);
  g_autofree char *host = NULL;
  g_autoptr(GUri) uri = NULL;

  if (local == NULL)
    return NULL;
  host = g_inet_address_to_string (
           g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (local)));
  uri = g_uri_build (G_URI_FLAGS_NONE, tls ? "https" : "http", NULL, host,
                     g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local)), "/",
                     NULL, NULL);
  return g_uri_to_string (uri);
}

/* --- public API --------------------------------------------------------- */

TanbaServerHttp *
tanba_server_http_new (const char  *data_dir,
                       gboolean     test_faults,
                       GError     **error)
{
  g_autoptr(TanbaServerHttp) self = g_new0 (TanbaServerHttp, 1);
  g_autofree char *db_path = NULL;
  g_autofree char *sealing_key = NULL;
  const char *env;

  self->data_dir = g_canonicalize_filename (data_dir, NULL);
  db_path = g_build_filename (self->data_dir, "tanba-refserver.db", NULL);
  sealing_key = g_build_filename (self->data_dir, "private", "sealing.key", NULL);

  if (!g_file_test (db_path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, TANBA_SERVER_ERROR, TANBA_SERVER_ERROR_INVALID,
                   "%s is not a data directory of tanba-refserver "
                   "(create one with --init-demo DIR)", self->data_dir);
      return NULL;
    }
  self->ca = tanba_server_ca_load (self->data_dir, error);
  if (self->ca == NULL)
    return NULL;
  self->store = tanba_server_store_open (db_path, FALSE, error);
  if (self->store == NULL)
    return NULL;
  self->sealer = tanba_server_sealer_new (sealing_key, error);
  if (self->sealer == NULL)
    return NULL;
  self->cmp = tanba_server_cmp_new (self->ca, self->store, self->sealer);
  self->bank = tanba_server_bank_new (self->ca, self->store);

  if (test_faults)
    {
      self->faults = tanba_server_faults_new ();
      env = g_getenv ("TANBA_REFSERVER_FAULTS");
      if (env != NULL && *env != '\0'
          && !tanba_server_faults_set (self->faults, env, -1, error))
        {
          g_prefix_error (error, "TANBA_REFSERVER_FAULTS: ");
          return NULL;
        }
      tanba_server_bank_set_faults (self->bank, self->faults);
    }

  return g_steal_pointer (&self);
}

void
tanba_server_http_free (TanbaServerHttp *self)
{
  if (self == NULL)
    return;
  tanba_server_http_shutdown (self);
  g_clear_pointer (&self->faults, tanba_server_faults_free);
  g_clear_pointer (&self->bank, tanba_server_bank_free);
  g_clear_pointer (&self->cmp, tanba_server_cmp_free);
  g_clear_pointer (&self->sealer, tanba_server_sealer_free);
  g_clear_pointer (&self->store, tanba_server_store_free);
  g_clear_pointer (&self->ca, tanba_server_ca_free);
  g_free (self->data_dir);
  g_free (self);
}

static GSocketAddress *
parse_address (const char  *text,
               GError     **error)
{
  g_autofree char *host = NULL;
  g_autoptr(GInetAddress) address = NULL;
  const char *port_text;
  guint64 port = 0;

  if (text[0] == '[')
    {
      const char *end = strchr (text, ']');

      if (end == NULL || end[1] != ':')
        goto invalid;
      host = g_strndup (text + 1, end - text - 1);
      port_text = end + 2;
    }
  else
    {
      const char *colon = strrchr (text, ':');

      if (colon == NULL)
        goto invalid;
      host = g_strndup (text, colon - text);
      port_text = colon + 1;
      if (strchr (host, ':') != NULL)
        goto invalid; /* IPv6 needs brackets */
    }

  if (!g_ascii_string_to_unsigned (port_text, 10, 0, 65535, &port, NULL))
    goto invalid;

  if (g_ascii_strcasecmp (host, "localhost") == 0)
    address = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  else
    address = g_inet_address_new_from_string (host);
  if (address == NULL)
    goto invalid;

  return g_inet_socket_address_new (address, port);

invalid:
  g_set_error (error, TANBA_SERVER_ERROR, TANBA_SERVER_ERROR_INVALID,
               "\"%s\" is not ADDRESS:PORT (a numeric address or localhost; "
               "IPv6 in brackets, e.g. [::1]:0)", text);
  return NULL;
}

char *
tanba_server_http_listen (TanbaServerHttp  *self,
                          const char       *address,
                          gboolean          tls,
                          GError          **error)
{
  g_autoptr(GSocketAddress) socket_address = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GSocket) socket = NULL;
  char *url;

  g_return_val_if_fail (self->server == NULL, NULL);

  socket_address = parse_address (address, error);
  if (socket_address == NULL)
    return NULL;

  if (tls)
    {
      certificate = g_tls_certificate_new_from_files (
                      tanba_server_ca_get_tls_cert_path (self->ca),
                      tanba_server_ca_get_tls_key_path (self->ca), error);
      if (certificate == NULL)
        return NULL;
    }

  self->server = soup_server_new ("server-header", "tanba-refserver/" PACKAGE_VERSION " ",
                                  "tls-certificate", certificate,
                                  NULL);
  if (own_listener ())
    g_signal_connect (self->server, "request-read", G_CALLBACK (request_read_cb), NULL);
  soup_server_add_handler (self->server, "/pkix", pkix_cb, self, NULL);
  soup_server_add_handler (self->server, "/test/faults", faults_cb, self, NULL);
  soup_server_add_handler (self->server, NULL, root_cb, self, NULL);
  tanba_server_bank_add_handlers (self->bank, self->server, tls);

  /* Our own socket for a listen backlog that takes a burst of clients: with
   * libsoup's default (10), the 11th of 16 clients connecting at once waits
   * a second for its SYN to be retried. */
  socket = g_socket_new (g_socket_address_get_family (socket_address), G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL)
    goto failed;
  g_socket_set_listen_backlog (socket, LISTEN_BACKLOG);
  if (!g_socket_bind (socket, socket_address, TRUE, error)
      || !g_socket_listen (socket, error))
    goto failed;

  if (own_listener ())
    {
      if (!listen_own (self, socket, tls, error))
        goto failed;
      url = own_url (socket, tls, error);
      if (url == NULL)
        goto failed;
    }
  else
    {
      GSList *uris;

      if (!soup_server_listen_socket (self->server, socket,
                                      tls ? SOUP_SERVER_LISTEN_HTTPS : 0, error))
        goto failed;
      uris = soup_server_get_uris (self->server);
      url = uris != NULL ? g_uri_to_string (uris->data) : NULL;
      g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
      if (url == NULL)
        {
          g_set_error_literal (error, TANBA_SERVER_ERROR, TANBA_SERVER_ERROR_FAILED,
                               "The server has no address");
          goto failed;
        }
    }

  self->expire_id = g_timeout_add_seconds (EXPIRE_INTERVAL, expire_cb, self);
  g_info ("Serving %s from %s%s%s", url, self->data_dir,
          self->faults != NULL ? " with test faults enabled" : "",
          self->service != NULL ? " (own listener)" : "");
  return url;

failed:
  tanba_server_http_shutdown (self);
  return NULL;
}

void
tanba_server_http_shutdown (TanbaServerHttp *self)
{
  g_clear_handle_id (&self->expire_id, g_source_remove);
  if (self->service != NULL)
    {
      g_socket_service_stop (self->service);
      g_socket_listener_close (G_SOCKET_LISTENER (self->service));
      g_clear_object (&self->service);
    }
  /* Handshakes in progress are cancelled, not waited for; their callbacks
   * (if the main loop runs again) only close their connections. */
  for (GList *l = self->handshakes; l != NULL; l = l->next)
    {
      Handshake *handshake = l->data;

      handshake->owner = NULL;
      g_clear_handle_id (&handshake->timeout_id, g_source_remove);
      g_cancellable_cancel (handshake->cancellable);
    }
  g_clear_pointer (&self->handshakes, g_list_free);
  g_clear_object (&self->tls_certificate);
  if (self->server != NULL)
    {
      soup_server_disconnect (self->server);
      g_clear_object (&self->server);
    }
}

GTlsCertificate *
tanba_server_http_get_tls_peer_certificate (SoupServerMessage    *msg,
                                            GTlsCertificateFlags *errors)
{
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);
  TlsPeer *peer = remote != NULL ? g_object_get_qdata (G_OBJECT (remote), tls_peer_quark ())
                                 : NULL;

  if (peer != NULL)
    {
      *errors = peer->errors;
      return peer->certificate;
    }
  *errors = soup_server_message_get_tls_peer_certificate_errors (msg);
  return soup_server_message_get_tls_peer_certificate (msg);
}
