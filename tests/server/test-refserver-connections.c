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
 * before and after. */

#include "config.h"

#include <libsoup/soup.h>
#include <openssl/evp.h>

#include "tanba-cmp-client.h"
#include "tanba-test-refserver.h"

#define N_REQUESTS 40

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
  before = server_open_files (f);
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

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/server/connections/http", Fixture, GINT_TO_POINTER (FALSE), fixture_set_up,
              test_closed_connections, fixture_tear_down);
  g_test_add ("/server/connections/https", Fixture, GINT_TO_POINTER (TRUE), fixture_set_up,
              test_closed_connections, fixture_tear_down);
  return g_test_run ();
}
