/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-refserver-connections.c: tanba-refserver does not keep the
 * connections its clients closed.
 *
 * Found by the load benchmark (bench-refserver-load): libsoup before 3.3
 * never closes a kept-alive connection that the client closes while the
 * server waits for its next request (upstream commit d20c6601, "server: do
 * not leak idle connections closed by the client"). Each such connection
 * kept its descriptor (in CLOSE_WAIT) and its memory for the server's
 * lifetime; Tanba's clients open a connection per request, so the server ran
 * out of descriptors after some thousand requests, and its memory grew with
 * every one. Here clients as Tanba's (a new SoupSession per request, closed
 * after the answer; Tanba's own CMP client for ir + certConf) make requests
 * over HTTP and HTTPS, and the server's open descriptors are counted in /proc
 * before and after.
 *
 * The server accepts connections itself with libsoup < 3.4, whose listener
 * leaks a socket object per connection (tanba-server-http.c, own_listener):
 * its memory is measured over some thousand connections; and a client that
 * stops in the middle of its TLS handshake is let go after a time limit and
 * keeps neither other clients waiting nor the server from exiting on
 * SIGTERM (with libsoup's own handshake it did: the server needed SIGKILL). */

#include "config.h"

#include <signal.h>
#include <string.h>

#include <libsoup/soup.h>
#include <openssl/evp.h>

#include "tanba-cmp-client.h"
#include "tanba-test-refserver.h"

#define N_REQUESTS 40
#define N_WARM_UP   500  /* connections before the first memory sample */
#define N_MEASURED  4000 /* connections between the samples */

typedef struct
{
  char               *tmp;
  TanbaTestDemo      *demo;
  TanbaTestRefserver *server;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  gboolean tls = GPOINTER_TO_INT (data);
  g_autofree char *dir = NULL;

  f->tmp = tanba_test_make_tmp_dir ();
  dir = g_build_filename (f->tmp, "data", NULL);
  f->demo = tanba_test_demo_new (dir, NULL);
  f->server = tanba_test_refserver_start (f->demo->dir, tls, FALSE);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  tanba_test_refserver_stop (f->server);
  tanba_test_remove_tree (f->tmp);
  tanba_test_demo_free (f->demo);
  g_free (f->tmp);
}

static guint
server_open_files (Fixture *f)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/fd",
                                           g_subprocess_get_identifier (f->server->process));
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

/* The server's open files once they stop changing (a connection just
 * answered may still be closing on the server's side): the same count
 * twice, 100 ms apart, within 10 s. */
static guint
settled_open_files (Fixture *f)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  guint n = server_open_files (f);

  for (;;)
    {
      guint again;

      g_usleep (100000);
      again = server_open_files (f);
      if (again == n || g_get_monotonic_time () > deadline)
        return again;
      n = again;
    }
}

/* One request on a session of its own, closed after the answer. */
static void
request (Fixture    *f,
         const char *method,
         const char *path,
         const char *content_type,
         guint       expected_status)
{
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 10, NULL);
  g_autofree char *url = g_strconcat (f->server->url, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;

  if (g_str_has_prefix (f->server->url, "https:"))
    {
      g_autoptr(GTlsDatabase) anchors = g_tls_file_database_new (f->demo->ca_certificate,
                                                                 &error);

      g_assert_no_error (error);
      soup_session_set_tls_database (session, anchors);
    }
  if (g_str_equal (method, "POST"))
    {
      g_autoptr(GBytes) nothing_useful = g_bytes_new_static ("not a PKIMessage", 16);

      soup_message_set_request_body_from_bytes (msg, content_type,
                                                content_type != NULL ? nothing_useful : NULL);
    }
  body = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, expected_status);
  soup_session_abort (session);
  /* what libsoup finishes in the default context */
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* ir + certConf for both certificates of each demo user, with Tanba's CMP
 * client (a connection per message). */
static void
enroll_all (Fixture *f)
{
  g_autofree char *pkix_url = g_strconcat (f->server->url, "pkix/", NULL);

  for (guint i = 0; i < f->demo->users->len; i++)
    {
      TanbaTestDemoUser *user = g_ptr_array_index (f->demo->users, i);
      g_autoptr(TanbaCmpClient) cmp = NULL;
      g_autoptr(GError) error = NULL;

      cmp = tanba_cmp_client_new (pkix_url, f->demo->ca_certificate, &error);
      g_assert_no_error (error);
      tanba_cmp_client_set_mac_protection (cmp, user->user_id, user->otp_pin);
      for (int profile = TANBA_CERT_PROFILE_SIGNING; profile <= TANBA_CERT_PROFILE_AUTHENTICATION;
           profile++)
        {
          EVP_PKEY *key = EVP_EC_gen ("P-256");
          X509 *cert = tanba_cmp_client_enroll (cmp, key, profile, user->user_id, 365, NULL,
                                                NULL, NULL, &error);

          g_assert_no_error (error);
          g_assert_nonnull (cert);
          X509_free (cert);
          EVP_PKEY_free (key);
          while (g_main_context_iteration (NULL, FALSE))
            ;
        }
    }
}

static void
test_closed_connections (Fixture       *f,
                         gconstpointer  data)
{
  guint before, after = 0;
  gint64 deadline;

  request (f, "GET", "", NULL, SOUP_STATUS_OK);
  before = settled_open_files (f);
  for (guint i = 0; i < N_REQUESTS; i++)
    switch (i % 3)
      {
      case 0:
        request (f, "GET", "", NULL, SOUP_STATUS_OK);
        break;
      case 1:
        request (f, "POST", "bank/registration/nonce", NULL, SOUP_STATUS_OK);
        break;
      default:
        request (f, "POST", "pkix/", "application/pkixcmp", SOUP_STATUS_BAD_REQUEST);
        break;
      }
  enroll_all (f);

  /* the server closes its end at once; give it a moment all the same */
  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < deadline)
    {
      after = server_open_files (f);
      if (after <= before + 1)
        break;
      g_usleep (50000);
    }
  g_test_message ("server descriptors: %u before, %u after %u connections", before, after,
                  N_REQUESTS + 8 * f->demo->users->len);
  g_assert_cmpuint (after, <=, before + 1);
}

/* A TCP connection to the server that says nothing more than @bytes. */
static GSocketConnection *
connect_raw (Fixture    *f,
             const char *bytes,
             gsize       length)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GError) error = NULL;
  GSocketConnection *connection;

  connection = g_socket_client_connect_to_host (client, f->server->host_port, 0, NULL, &error);
  g_assert_no_error (error);
  if (length > 0)
    {
      g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                                 bytes, length, NULL, NULL, &error);
      g_assert_no_error (error);
    }
  return connection;
}

/* The first bytes of a TLS ClientHello: a handshake record header, and no
 * record after it. */
static const char partial_hello[] = { 0x16, 0x03, 0x01, 0x00, 0x40 };

/* Waits (up to 10 s) until the server has accepted @n more descriptors
 * than @before. */
static void
wait_accepted (Fixture *f,
               guint    before,
               guint    n)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (server_open_files (f) < before + n)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (20000);
    }
}

/* Reads until the server closes @connection; returns the seconds it took
 * (fails after @limit seconds). */
static double
seconds_until_closed (GSocketConnection *connection,
                      guint              limit)
{
  GSocket *socket = g_socket_connection_get_socket (connection);
  gint64 start = g_get_monotonic_time ();
  char buffer[256];
  gssize n;

  g_socket_set_timeout (socket, limit);
  do
    {
      g_autoptr(GError) error = NULL;

      n = g_socket_receive (socket, buffer, sizeof buffer, NULL, &error);
      if (n < 0)
        {
          /* a reset is a close too; a time-out is not */
          g_assert_false (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT));
          break;
        }
    }
  while (n > 0);
  return (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
}

/* Set for every test here (before any thread starts: setenv is not
 * thread-safe); a handshake on loopback takes milliseconds. */
#define TEST_HANDSHAKE_TIMEOUT 3

/* A client that stops in its handshake is let go after the time limit;
 * other clients are served meanwhile. */
static void
test_handshake_timeout (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GSocketConnection) partial = NULL;
  g_autoptr(GSocketConnection) silent = NULL;
  guint before;
  gint64 connected_at;
  double seconds;

  if (soup_get_major_version () == 3 && soup_get_minor_version () >= 4)
    {
      g_test_skip ("libsoup >= 3.4 does the handshake itself, without a time limit");
      return;
    }

  request (f, "GET", "", NULL, SOUP_STATUS_OK);
  before = settled_open_files (f);
  connected_at = g_get_monotonic_time ();
  partial = connect_raw (f, partial_hello, sizeof partial_hello);
  silent = connect_raw (f, NULL, 0);
  wait_accepted (f, before, 2);

  /* served while both wait */
  request (f, "GET", "", NULL, SOUP_STATUS_OK);
  request (f, "POST", "bank/registration/nonce", NULL, SOUP_STATUS_OK);

  /* counted from the connection: the requests above take a while under
   * a sanitizer */
  seconds_until_closed (partial, 20);
  seconds = (g_get_monotonic_time () - connected_at) / (double) G_USEC_PER_SEC;
  g_test_message ("a client stuck in its handshake was let go after %.1f s", seconds);
  g_assert_cmpfloat (seconds, >=, TEST_HANDSHAKE_TIMEOUT - 1.5);
  seconds_until_closed (silent, 20);

  {
    gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

    while (server_open_files (f) > before && g_get_monotonic_time () < deadline)
      g_usleep (20000);
    g_assert_cmpuint (server_open_files (f), <=, before);
  }
}

static void
exited_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_main_loop_quit (user_data);
}

static gboolean
too_long_cb (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

/* SIGTERM ends the server at once, clients stuck in their handshakes or
 * not. */
static void
test_shutdown_mid_handshake (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GSocketConnection) partial = NULL;
  g_autoptr(GSocketConnection) silent = NULL;
  g_autoptr(GSocketConnection) idle = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  gboolean timed_out = FALSE;
  guint before, timeout_id;
  gint64 start;
  double seconds;

  request (f, "GET", "", NULL, SOUP_STATUS_OK);
  before = settled_open_files (f);
  partial = connect_raw (f, partial_hello, sizeof partial_hello);
  silent = connect_raw (f, NULL, 0);
  wait_accepted (f, before, 2);
  if (!GPOINTER_TO_INT (data))
    {
      /* plain HTTP: a request that never ends */
      idle = connect_raw (f, "GET / HTTP/1.1\r\n", strlen ("GET / HTTP/1.1\r\n"));
      wait_accepted (f, before, 3);
    }

  start = g_get_monotonic_time ();
  g_subprocess_send_signal (f->server->process, SIGTERM);
  g_subprocess_wait_async (f->server->process, NULL, exited_cb, loop);
  timeout_id = g_timeout_add_seconds (10, too_long_cb, loop);
  g_main_loop_run (loop);
  seconds = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
  if (seconds >= 9.9)
    {
      timed_out = TRUE;
      g_subprocess_force_exit (f->server->process);
      g_subprocess_wait (f->server->process, NULL, NULL);
    }
  else
    g_source_remove (timeout_id);
  if (timed_out)
    g_test_message ("the server was still running 10 s after SIGTERM (killed)");
  else
    g_test_message ("the server exited %.2f s after SIGTERM", seconds);
  g_assert_false (timed_out);
  g_assert_true (g_subprocess_get_if_exited (f->server->process));
  g_assert_cmpint (g_subprocess_get_exit_status (f->server->process), ==, 0);

  /* gone: tear-down has nothing to stop */
  g_clear_object (&f->server->process);
  g_free (f->server->url);
  g_free (f->server->host_port);
  g_free (f->server->log_path);
  g_clear_pointer (&f->server, g_free);
}

static guint64
server_rss_kib (Fixture *f)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/status",
                                           g_subprocess_get_identifier (f->server->process));
  g_autofree char *status = NULL;
  const char *line;

  g_assert_true (g_file_get_contents (path, &status, NULL, NULL));
  line = strstr (status, "\nVmRSS:");
  g_assert_nonnull (line);
  return g_ascii_strtoull (line + strlen ("\nVmRSS:"), NULL, 10);
}

/* @n connections, each one GET / with "Connection: close", read to the end. */
static void
get_root_raw (Fixture *f,
              guint    n)
{
  static const char get[] = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GSocketConnection) connection = connect_raw (f, get, strlen (get));
      g_autoptr(GError) error = NULL;
      char buffer[1024];
      gsize total = 0;
      gssize got;

      while ((got = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (connection)),
                                         buffer, sizeof buffer, NULL, &error)) > 0)
        total += got;
      g_assert_no_error (error);
      g_assert_cmpuint (total, >, 0);
    }
}

/* The server's memory does not grow with the number of connections
 * (plain HTTP, so that the connections are many and cheap: the leak was in
 * accepting them). */
static void
test_memory_per_connection (Fixture       *f,
                            gconstpointer  data)
{
  guint64 before, after;
  double per_connection;

#ifdef TANBA_TEST_SANITIZED
  g_test_skip ("the server's RSS is no measure under AddressSanitizer (its quarantine keeps freed "
               "memory); LeakSanitizer checks the server in this build");
  return;
#endif
  get_root_raw (f, N_WARM_UP);
  before = server_rss_kib (f);
  get_root_raw (f, N_MEASURED);
  after = server_rss_kib (f);
  per_connection = ((double) after - (double) before) * 1024 / N_MEASURED;
  g_test_message ("server VmRSS: %" G_GUINT64_FORMAT " KiB after %u connections, %"
                  G_GUINT64_FORMAT " KiB after %u more: %.0f bytes per connection",
                  before, N_WARM_UP, after, N_MEASURED, per_connection);
  /* libsoup 3.2's listener: some 400 bytes per connection */
  g_assert_cmpfloat (per_connection, <, 100);
}

/* Stopped as soon as it has said its URL, the server shuts down cleanly
 * (exit 0): it handles SIGTERM before the URL is out. Run 20 times: the
 * window was a few milliseconds (one start in 30 died of the signal). */
static void
test_stop_at_once (Fixture       *f,
                   gconstpointer  data)
{
  for (guint i = 0; i < 20; i++)
    tanba_test_refserver_stop (tanba_test_refserver_start (f->demo->dir, FALSE, FALSE));
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("TANBA_REFSERVER_HANDSHAKE_TIMEOUT", G_STRINGIFY (TEST_HANDSHAKE_TIMEOUT), TRUE);
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/server/connections/http", Fixture, GINT_TO_POINTER (FALSE), fixture_set_up,
              test_closed_connections, fixture_tear_down);
  g_test_add ("/server/connections/https", Fixture, GINT_TO_POINTER (TRUE), fixture_set_up,
              test_closed_connections, fixture_tear_down);
  g_test_add ("/server/connections/https/handshake-timeout", Fixture, GINT_TO_POINTER (TRUE),
              fixture_set_up, test_handshake_timeout, fixture_tear_down);
  g_test_add ("/server/connections/https/shutdown-mid-handshake", Fixture,
              GINT_TO_POINTER (TRUE), fixture_set_up, test_shutdown_mid_handshake,
              fixture_tear_down);
  g_test_add ("/server/connections/http/shutdown-mid-request", Fixture,
              GINT_TO_POINTER (FALSE), fixture_set_up, test_shutdown_mid_handshake,
              fixture_tear_down);
  g_test_add ("/server/connections/stop-at-once", Fixture, GINT_TO_POINTER (FALSE),
              fixture_set_up, test_stop_at_once, fixture_tear_down);
  g_test_add ("/server/connections/http/memory", Fixture, GINT_TO_POINTER (FALSE),
              fixture_set_up, test_memory_per_connection, fixture_tear_down);
  return g_test_run ();
}
