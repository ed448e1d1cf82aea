/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-server-http.c: the SoupServer of the reference server. */

#include "config.h"

#include "tanba-server-http.h"

#include <string.h>

#include <gio/gio.h>
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
  guint              expire_id;
};

typedef struct
{
  SoupServerMessage *msg;
  GBytes            *body;
} StalledAnswer;

/* --- helpers ------------------------------------------------------------ */

/* libsoup before 3.3 never closes a kept-alive connection that its client
 * closes while the server waits for the next request (fixed upstream by
 * commit d20c6601, "server: do not leak idle connections closed by the
 * client"): the connection keeps its descriptor (in CLOSE_WAIT) and its
 * memory until the server ends. Tanba's clients open a connection per
 * request, so such a server ran out of descriptors after some thousand
 * requests, its memory growing all the while (found by bench-refserver-load).
 * With that libsoup every answer says "Connection: close" and the server
 * closes the connection itself: no keep-alive. (Keeping it open for the
 * certConf after an ip would leak the ip's connection of every client that
 * sends its certConf on a new one, as Tanba's does.) */
static gboolean
idle_connections_leak (void)
{
  return soup_get_major_version () == 3 && soup_get_minor_version () < 3;
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
  GSList *uris;
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
  if (idle_connections_leak ())
    g_signal_connect (self->server, "request-read", G_CALLBACK (request_read_cb), NULL);
  soup_server_add_handler (self->server, "/pkix", pkix_cb, self, NULL);
  soup_server_add_handler (self->server, "/test/faults", faults_cb, self, NULL);
  soup_server_add_handler (self->server, NULL, root_cb, self, NULL);
  tanba_server_bank_add_handlers (self->bank, self->server, tls);

  /* Our own socket for a listen backlog that takes a burst of clients: with
   * libsoup's default (10), the 11th of 16 clients connecting at once waits
   * a second for its SYN to be retried. */
  {
    g_autoptr(GSocket) socket = g_socket_new (g_socket_address_get_family (socket_address),
                                              G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);

    if (socket == NULL)
      {
        g_clear_object (&self->server);
        return NULL;
      }
    g_socket_set_listen_backlog (socket, 128);
    if (!g_socket_bind (socket, socket_address, TRUE, error)
        || !g_socket_listen (socket, error)
        || !soup_server_listen_socket (self->server, socket,
                                       tls ? SOUP_SERVER_LISTEN_HTTPS : 0, error))
      {
        g_clear_object (&self->server);
        return NULL;
      }
  }

  uris = soup_server_get_uris (self->server);
  url = uris != NULL ? g_uri_to_string (uris->data) : NULL;
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  if (url == NULL)
    {
      g_set_error_literal (error, TANBA_SERVER_ERROR, TANBA_SERVER_ERROR_FAILED,
                           "The server has no address");
      g_clear_object (&self->server);
      return NULL;
    }

  self->expire_id = g_timeout_add_seconds (EXPIRE_INTERVAL, expire_cb, self);
  g_info ("Serving %s from %s%s", url, self->data_dir,
          self->faults != NULL ? " with test faults enabled" : "");
  return url;
}

void
tanba_server_http_shutdown (TanbaServerHttp *self)
{
  g_clear_handle_id (&self->expire_id, g_source_remove);
  if (self->server != NULL)
    {
      soup_server_disconnect (self->server);
      g_clear_object (&self->server);
    }
}
