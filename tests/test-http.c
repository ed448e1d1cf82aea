/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-http.c: tanba-http, the HTTP(S) transport: address rules, the trust
 * anchor (only the bank's CA is trusted), errors in words, size cap, no
 * redirections, time-out and cancellation. Against the reference server over
 * real HTTP and HTTPS, and a raw loopback socket for the misbehaving cases. */
#include "config.h"

#include <string.h>

#include "tanba-http.h"
#include "tanba-test-refserver.h"

static char *tmp_dir;
static TanbaTestDemo *demo;        /* the server's CA */
static TanbaTestDemo *other_demo;  /* another CA: its anchor must not work */
static TanbaTestRefserver *plain_server;
static TanbaTestRefserver *tls_server;

/* ---- address rules ---- */

static void
test_check_url (void)
{
  const char *good[] = {
    "https://ca.example.kz/pkix/",
    "https://192.168.1.10:8443/pkix/",
    "HTTPS://Example.COM",
    "http://127.0.0.1:8080/pkix/",
    "http://127.5.6.7/",
    "http://[::1]:8080/pkix/",
    "http://localhost/",
    "http://LOCALHOST:1/x",
  };
  const char *insecure[] = {
    "http://192.168.1.10/pkix/",
    "http://10.1.2.3/",
    "http://example.com/",
    "http://[::2]/",
    "http://[2001:db8::1]:80/",
    "http://localhost.example.com/",
    "http://127.0.0.1.example.com/",
  };
  const char *bad[] = {
    "ftp://example.com/",
    "file:///etc/passwd",
    "garbage",
    "",
    "https://",
    "http:///path",
    "://x",
    "https://exa mple.com/",
  };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) error = NULL;

      g_test_message ("good: %s", good[i]);
      g_assert_true (tanba_http_check_url (good[i], &error));
      g_assert_no_error (error);
    }
  for (guint i = 0; i < G_N_ELEMENTS (insecure); i++)
    {
      g_autoptr(GError) error = NULL;

      g_test_message ("insecure: %s", insecure[i]);
      g_assert_false (tanba_http_check_url (insecure[i], &error));
      g_assert_error (error, TANBA_HTTP_ERROR, TANBA_HTTP_ERROR_INSECURE);
      /* says why and what to do */
      g_assert_nonnull (strstr (error->message, "encrypted"));
      g_assert_nonnull (strstr (error->message, "https://"));
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;

      g_test_message ("bad: %s", bad[i]);
      g_assert_false (tanba_http_check_url (bad[i], &error));
      g_assert_error (error, TANBA_HTTP_ERROR, TANBA_HTTP_ERROR_BAD_URL);
    }
  {
    g_autoptr(GError) error = NULL;

    g_assert_false (tanba_http_check_url (NULL, &error));
    g_assert_error (error, TANBA_HTTP_ERROR, TANBA_HTTP_ERROR_BAD_URL);
  }
}

static void
test_join (void)
{
  struct { const char *base, *path, *expected; } cases[] = {
    { "https://ca.example.kz", "pkix/", "https://ca.example.kz/pkix/" },
    { "https://ca.example.kz/", "pkix/", "https://ca.example.kz/pkix/" },
    { "https://ca.example.kz/", "/pkix/", "https://ca.example.kz/pkix/" },
    { "https://ca.example.kz//", "//pkix", "https://ca.example.kz/pkix" },
    { "https://bank.example.kz/api", "bank/registration", "https://bank.example.kz/api/bank/registration" },
    { "https://ca.example.kz/", "", "https://ca.example.kz/" },
    { "https://ca.example.kz", NULL, "https://ca.example.kz/" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *joined = tanba_http_join (cases[i].base, cases[i].path);

      g_assert_cmpstr (joined, ==, cases[i].expected);
    }
}

/* ---- sessions ---- */

static void
test_trust_anchor_unreadable (void)
{
  g_autofree char *missing = g_build_filename (tmp_dir, "no-such-ca.crt", NULL);
  g_autofree char *not_pem = g_build_filename (tmp_dir, "not-a-certificate.crt", NULL);
  g_autoptr(GError) error = NULL;
  SoupSession *session;

  session = tanba_http_session_new (missing, 0, &error);
  g_assert_null (session);
  g_assert_error (error, TANBA_HTTP_ERROR, TANBA_HTTP_ERROR_TRUST_ANCHOR);
  g_assert_nonnull (strstr (error->message, missing));
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (not_pem, "hello\n", -1, NULL));
  session = tanba_http_session_new (not_pem, 0, &error);
  g_assert_null (session);
  g_assert_error (error, TANBA_HTTP_ERROR, TANBA_HTTP_ERROR_TRUST_ANCHOR);
  g_assert_nonnull (strstr (error->message, not_pem));
}

static void
test_proxy_resolver (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SoupSession) session = tanba_http_session_new (demo->ca_certificate, 5, &error);
  g_autoptr(GProxyResolver) resolver = NULL;

  g_assert_no_error (error);
  g_object_get (session, "proxy-resolver", &resolver, NULL);
  /* the desktop's proxy settings are used, not switched off */
  g_assert_true (resolver == g_proxy_resolver_get_default ());
  g_assert_cmpuint (soup_session_get_timeout (session), ==, 5);
}

static void
test_plain_get (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SoupSession) session = tanba_http_session_new (NULL, 10, &error);
  g_autoptr(GBytes) body = NULL;
  guint status = 0;

  g_assert_no_error (error);
  body = tanba_http_get (session, plain_server->url, 0, &status, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (status, ==, 200);
  g_assert_nonnull (body);
  g_assert_true (g_str_has_prefix (g_bytes_get_data (body, NULL), "tanba-refserver"));
}

static void
test_status (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SoupSession) session = tanba_http_session_new (NULL, 10, &error);
  g_autofree char *missing = tanba_http_join (plain_server->url, "no/such/page");
  g_autofree char *pkix = tanba_http_join (plain_server->url, "pkix/");
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) error_body = NULL;
  g_autoptr(GBytes) request = g_bytes_new_static ("hello", 5);
  guint status = 0;

  body = tanba_http_get (session, missing, 0, &status, &error_body, NULL, &error);
  g_assert_null (body);
  g_assert_error (error, TANBA_HTTP_ERROR, TANBA_HTTP_ERROR_STATUS);
  g_assert_cmpuint (status, ==, 404);
  g_assert_nonnull (strstr (error->message, "404"));
  g_assert_nonnull (strstr (error->message, plain_server->host_port));
  g_clear_error (&error);
  g_clear_pointer (&error_body, g_bytes_unref);

  /* the CMP endpoint refuses another content type: 415, with its explanation */
  body = tanba_http_post (session, pkix, "text/plain", request, 0, &status, &error_body, NULL,
                          &error);
  g_assert_null (body);
  g_assert_error (error, TANBA_HTTP_ERROR, TANBA_HTTP_ERROR_STATUS);
  g_assert_cmpuint (status, ==, 415);
  g_assert_nonnull (strstr (error->message, "415"));
  g_assert_nonnull (error_body);
  g_assert_cmpuint (g_bytes_get_size (error_body), >, 0);
}

static void
test_size_cap (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SoupSession) session = tanba_http_session_new (NULL, 10, &error);
  g_autoptr(GBytes) body = NULL;

  body = tanba_http_get (session, plain_server->url, 5, NULL, NULL, NULL, &error);
  g_assert_null (body);
  g_assert_error (error, TANBA_HTTP_ERROR, TANBA_HTTP_ERROR_BAD_RESPONSE);
}

static void
test_tls_trusted (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SoupSession) session = tanba_http_session_new (demo->ca_certificate, 10, &error);
  g_autoptr(GBytes) body = NULL;
  guint status = 0;

  g_assert_true (g_str_has_prefix (tls_server->url, "https://"));
  body = tanba_http_get (session, tls_server->url, 0, &status, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (status, ==, 200);
  g_assert_true (g_str_has_prefix (g_bytes_get_data (body, NULL), "tanba-refserver"));
}

static void
test_tls_untrusted (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SoupSession) session = tanba_http_session_new (other_demo->ca_certificate, 10, &error);
  g_autoptr(SoupSession) system_session = tanba_http_session_new (NULL, 10, &error);
  g_autoptr(GBytes) body = NULL;

  g_assert_no_error (error);
  body = tanba_http_get (session, tls_server->url, 0, NULL, NULL, NULL, &error);
  g_assert_null (body);
  g_assert_error (error, TANBA_HTTP_ERROR, TANBA_HTTP_ERROR_UNTRUSTED);
  /* names the trust anchor file it checked against, and the server */
  g_assert_nonnull (strstr (error->message, other_demo->ca_certificate));
  g_assert_nonnull (strstr (error->message, tls_server->host_port));
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  /* the demo CA is in no system store either */
  body = tanba_http_get (system_session, tls_server->url, 0, NULL, NULL, NULL, &error);
  g_assert_null (body);
  g_assert_error (error, TANBA_HTTP_ERROR, TANBA_HTTP_ERROR_UNTRUSTED);
}

static guint16
free_port (GSocket **keep)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, &error);
  guint16 port;

  g_assert_no_error (error);
  g_assert_true (g_socket_bind (socket, address, TRUE, &error));
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  if (keep != NULL)
    {
      g_assert_true (g_socket_listen (socket, &error));
      g_assert_no_error (error);
      *keep = g_steal_pointer (&socket);
    }
  return port;
}

static void
test_unreachable (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SoupSession) session = tanba_http_session_new (NULL, 10, &error);
  guint16 port = free_port (NULL); /* bound, then closed: nobody listens */
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/pkix/", port);
  g_autofree char *host_port = g_strdup_printf ("127.0.0.1:%u", port);
  g_autoptr(GBytes) body = NULL;

  body = tanba_http_post (session, url, "application/pkixcmp", NULL, 0, NULL, NULL, NULL, &error);
  g_assert_null (body);
  g_assert_error (error, TANBA_HTTP_ERROR, TANBA_HTTP_ERROR_UNREACHABLE);
  g_assert_nonnull (strstr (error->message, host_port));
  g_test_message ("%s", error->message);
}

static void
test_insecure_no_connection (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SoupSession) session = tanba_http_session_new (NULL, 1, &error);
  g_autoptr(SoupMessage) message = soup_message_new ("GET", "http://10.1.2.3/");
  g_autoptr(GBytes) body = NULL;

  /* refused before any connection: a connection attempt would end in
   * UNREACHABLE or TIMEOUT (nothing answers at 10.1.2.3 here) */
  body = tanba_http_get (session, "http://10.1.2.3/", 0, NULL, NULL, NULL, &error);
  g_assert_null (body);
  g_assert_error (error, TANBA_HTTP_ERROR, TANBA_HTTP_ERROR_INSECURE);
  g_clear_error (&error);

  /* a prepared message is checked the same way */
  body = tanba_http_send (session, message, 0, NULL, NULL, &error);
  g_assert_null (body);
  g_assert_error (error, TANBA_HTTP_ERROR, TANBA_HTTP_ERROR_INSECURE);
  g_assert_cmpuint (soup_message_get_status (message), ==, 0);
}

/* ---- a raw loopback socket that misbehaves on purpose ---- */

typedef struct
{
  GSocket    *listener;
  const char *answer;  /* NULL: accept and close without a word */
} RawServer;

static gpointer
raw_server_thread (gpointer data)
{
  RawServer *raw = data;
  g_autoptr(GSocket) connection = g_socket_accept (raw->listener, NULL, NULL);
  g_autoptr(GString) request = g_string_new (NULL);
  char buffer[1024];

  if (connection == NULL)
    return NULL;
  if (raw->answer != NULL)
    {
      while (strstr (request->str, "\r\n\r\n") == NULL)
        {
          gssize n = g_socket_receive (connection, buffer, sizeof buffer, NULL, NULL);

          if (n <= 0)
            break;
          g_string_append_len (request, buffer, n);
        }
      g_socket_send (connection, raw->answer, strlen (raw->answer), NULL, NULL);
    }
  g_socket_close (connection, NULL);
  return NULL;
}

static GBytes *
raw_exchange (const char  *answer,
              guint        timeout,
              gsize        max_size,
              guint       *status,
              GError     **error)
{
  g_autoptr(GSocket) listener = NULL;
  guint16 port = free_port (&listener);
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/x", port);
  g_autoptr(SoupSession) session = tanba_http_session_new (NULL, timeout, NULL);
  RawServer raw = { listener, answer };
  GThread *thread = g_thread_new ("raw-server", raw_server_thread, &raw);
  GBytes *body;

  body = tanba_http_get (session, url, max_size, status, NULL, NULL, error);
  g_thread_join (thread);
  return body;
}

static void
test_no_redirect (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  guint status = 0;

  body = raw_exchange ("HTTP/1.1 302 Found\r\nLocation: http://10.1.2.3/\r\n"
                       "Content-Length: 0\r\nConnection: close\r\n\r\n",
                       5, 0, &status, &error);
  g_assert_null (body);
  g_assert_error (error, TANBA_HTTP_ERROR, TANBA_HTTP_ERROR_STATUS);
  g_assert_cmpuint (status, ==, 302);
}

static void
test_announced_too_large (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;

  /* refused from the Content-Length alone, before reading the body */
  body = raw_exchange ("HTTP/1.1 200 OK\r\nContent-Length: 999999999\r\n"
                       "Connection: close\r\n\r\n",
                       5, 0, NULL, &error);
  g_assert_null (body);
  g_assert_error (error, TANBA_HTTP_ERROR, TANBA_HTTP_ERROR_BAD_RESPONSE);
}

static void
test_dropped (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;

  body = raw_exchange (NULL, 5, 0, NULL, &error);
  g_assert_null (body);
  g_assert_error (error, TANBA_HTTP_ERROR, TANBA_HTTP_ERROR_UNREACHABLE);
  g_test_message ("%s", error->message);
}

static void
test_timeout (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) listener = NULL;
  guint16 port = free_port (&listener); /* listens, never accepts or answers */
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/x", port);
  g_autoptr(SoupSession) session = tanba_http_session_new (NULL, 1, &error);
  g_autoptr(GBytes) body = NULL;

  body = tanba_http_get (session, url, 0, NULL, NULL, NULL, &error);
  g_assert_null (body);
  g_assert_error (error, TANBA_HTTP_ERROR, TANBA_HTTP_ERROR_TIMEOUT);
  g_assert_nonnull (strstr (error->message, "1 second"));
}

static gpointer
cancel_later (gpointer data)
{
  g_usleep (300 * G_TIME_SPAN_MILLISECOND);
  g_cancellable_cancel (data);
  return NULL;
}

static void
test_cancel (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) listener = NULL;
  guint16 port = free_port (&listener);
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/x", port);
  g_autoptr(SoupSession) session = tanba_http_session_new (NULL, 30, &error);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GBytes) body = NULL;
  GThread *thread = g_thread_new ("cancel", cancel_later, cancellable);
  gint64 start = g_get_monotonic_time ();

  body = tanba_http_get (session, url, 0, NULL, NULL, cancellable, &error);
  g_thread_join (thread);
  g_assert_null (body);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  /* not the 30 s time-out */
  g_test_message ("cancelled after %.1f s", (g_get_monotonic_time () - start) / 1e6);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 20 * G_TIME_SPAN_SECOND);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *dir = NULL;
  g_autofree char *other_dir = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);

  tmp_dir = tanba_test_make_tmp_dir ();
  dir = g_build_filename (tmp_dir, "data", NULL);
  other_dir = g_build_filename (tmp_dir, "other", NULL);
  demo = tanba_test_demo_new (dir, (const char *const[]) { "--users", "1", NULL });
  other_demo = tanba_test_demo_new (other_dir, (const char *const[]) { "--users", "1", NULL });
  /* HTTPS with the demo's CA; plain HTTP (the other data directory) */
  tls_server = tanba_test_refserver_start (demo->dir, TRUE, FALSE);
  plain_server = tanba_test_refserver_start (other_demo->dir, FALSE, FALSE);

  g_test_add_func ("/http/check-url", test_check_url);
  g_test_add_func ("/http/join", test_join);
  g_test_add_func ("/http/trust-anchor-unreadable", test_trust_anchor_unreadable);
  g_test_add_func ("/http/proxy-resolver", test_proxy_resolver);
  g_test_add_func ("/http/plain-get", test_plain_get);
  g_test_add_func ("/http/status", test_status);
  g_test_add_func ("/http/size-cap", test_size_cap);
  g_test_add_func ("/http/tls-trusted", test_tls_trusted);
  g_test_add_func ("/http/tls-untrusted", test_tls_untrusted);
  g_test_add_func ("/http/unreachable", test_unreachable);
  g_test_add_func ("/http/insecure-no-connection", test_insecure_no_connection);
  g_test_add_func ("/http/no-redirect", test_no_redirect);
  g_test_add_func ("/http/announced-too-large", test_announced_too_large);
  g_test_add_func ("/http/dropped", test_dropped);
  g_test_add_func ("/http/timeout", test_timeout);
  g_test_add_func ("/http/cancel", test_cancel);

  status = g_test_run ();

  tanba_test_refserver_stop (plain_server);
  tanba_test_refserver_stop (tls_server);
  tanba_test_demo_free (demo);
  tanba_test_demo_free (other_demo);
  tanba_test_remove_tree (tmp_dir);
  g_free (tmp_dir);
  return status;
}
