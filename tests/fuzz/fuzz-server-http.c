/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-server-http.c: the reference server's HTTP handlers (SoupServer on
 * loopback, in its own thread, over a copy of the fixed demo data) with
 * hostile request bodies: CMP on /pkix/ and the bank's JSON endpoints; plus
 * the fault switches' JSON (tanba_server_faults_set, called directly so that
 * no fault is switched on in the server being fuzzed).
 *
 * Input: one selector byte, then the body.
 *   0: POST /pkix/ (application/pkixcmp)
 *   1: POST /bank/registration (application/json); every "@NONCE@" in the
 *      body is first replaced by a fresh nonce from /bank/registration/nonce,
 *      so that mutations get past the nonce check to the certificates and
 *      the CMS signature
 *   2: POST /bank/registration/nonce with the body
 *   3: GET /bank/whoami (no client certificate: plain HTTP)
 *   4: the faults JSON, parsed directly
 *   else: POST /pkix/ with Content-Type from the first line of the body
 * Every answer must be a complete HTTP response: 2xx or 4xx, never 5xx. */
#include "config.h"

#include <openssl/err.h>
#include <openssl/provider.h>

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "fuzz-common.h"
#include "fuzz-demo.h"
#include "tanba-server-faults.h"
#include "tanba-server-http.h"

static char *base_url;
static SoupSession *session;

static gpointer
server_thread (gpointer data)
{
  GAsyncQueue *started = data;
  GMainContext *context = g_main_context_new ();
  GMainLoop *loop = g_main_loop_new (context, FALSE);
  g_autoptr(GError) error = NULL;
  TanbaServerHttp *http;
  char *served;

  g_main_context_push_thread_default (context);
  http = tanba_server_http_new (fuzz_demo_dir (), FALSE, &error);
  g_assert_no_error (error);
  served = tanba_server_http_listen (http, "127.0.0.1:0", FALSE, &error);
  g_assert_no_error (error);
  g_async_queue_push (started, served);
  g_main_loop_run (loop); /* for the life of the process */
  return NULL;
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  g_autoptr(GAsyncQueue) started = g_async_queue_new ();

  fuzz_init_logs ();
  OSSL_PROVIDER_load (NULL, "default");
  g_thread_unref (g_thread_new ("fuzz-server", server_thread, started));
  base_url = g_async_queue_pop (started);
  session = soup_session_new_with_options ("timeout", 30, NULL);
  return 0;
}

static guint
exchange (const char *method,
          const char *path,
          const char *content_type,
          GBytes     *body,
          GBytes    **response_out)
{
  g_autofree char *url = g_strconcat (base_url, path, NULL);
  g_autoptr(SoupMessage) message = soup_message_new (method, url);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) response = NULL;
  guint status;

  if (body != NULL)
    soup_message_set_request_body_from_bytes (message, content_type, body);
  response = soup_session_send_and_read (session, message, NULL, &error);
  /* the server always answers */
  g_assert_no_error (error);
  status = soup_message_get_status (message);
  if (status >= 500)
    g_error ("%s %s: HTTP %u", method, path, status);
  g_assert_cmpuint (status, >=, 200);
  if (response_out != NULL)
    *response_out = g_steal_pointer (&response);
  return status;
}

static char *
fresh_nonce (void)
{
  g_autoptr(GBytes) response = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GBytes) empty = g_bytes_new (NULL, 0);

  g_assert_cmpuint (exchange ("POST", "bank/registration/nonce", "application/json", empty,
                              &response), ==, 200);
  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (response, NULL),
                                             g_bytes_get_size (response), NULL));
  return g_strdup (json_object_get_string_member (
    json_node_get_object (json_parser_get_root (parser)), "nonce"));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GBytes) body = NULL;
  guint8 selector;

  if (size == 0)
    return 0;
  selector = data[0];
  data++;
  size--;

  switch (selector)
    {
    case 0:
      body = g_bytes_new (data, size);
      exchange ("POST", "pkix/", "application/pkixcmp", body, NULL);
      break;

    case 1:
      {
        g_autofree char *text = fuzz_strndup (data, size);

        if (strstr (text, "@NONCE@") != NULL && memchr (data, '\0', size) == NULL)
          {
            g_autofree char *nonce = fresh_nonce ();
            g_auto(GStrv) parts = g_strsplit (text, "@NONCE@", -1);
            char *joined = g_strjoinv (nonce, parts);

            body = g_bytes_new_take (joined, strlen (joined));
          }
        else
          body = g_bytes_new (data, size);
        exchange ("POST", "bank/registration", "application/json", body, NULL);
      }
      break;

    case 2:
      body = g_bytes_new (data, size);
      exchange ("POST", "bank/registration/nonce", "application/json", body, NULL);
      break;

    case 3:
      exchange ("GET", "bank/whoami", NULL, NULL, NULL);
      break;

    case 4:
      {
        g_autoptr(TanbaServerFaults) faults = tanba_server_faults_new ();
        g_autoptr(GError) error = NULL;
        g_autofree char *json = NULL;
        guint seconds = 0;

        if (!tanba_server_faults_set (faults, (const char *) data, (gssize) size, &error))
          g_assert_nonnull (error);
        json = tanba_server_faults_to_json (faults);
        g_assert_nonnull (json);
        (void) tanba_server_faults_take (faults, "ir", &seconds);
      }
      break;

    default:
      {
        const guint8 *newline = memchr (data, '\n', size);
        g_autofree char *content_type = NULL;

        if (newline == NULL)
          break;
        content_type = fuzz_strndup (data, newline - data);
        body = g_bytes_new (newline + 1, size - (newline + 1 - data));
        if (g_utf8_validate (content_type, -1, NULL) && strchr (content_type, '\r') == NULL
            && strlen (content_type) == (gsize) (newline - data))
          exchange ("POST", "pkix/", content_type, body, NULL);
      }
      break;
    }
  ERR_clear_error ();
  return 0;
}
