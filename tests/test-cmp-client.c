/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-cmp-client.c: the CMP client against the reference server over real
 * HTTP and HTTPS: both profiles with init-key and MAC protection, explicit
 * confirmation through the accept function, the CA's refusals in words, the
 * transport's errors passed through, the server's fault switches, renewal
 * (kur) and revocation (rr), and a new key on a SoftHSM token (POPO signed
 * through libp11). Independent checks: `openssl verify`, the server's SQLite
 * database (sqlite3). */
#include "config.h"

#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>
#include <openssl/x509v3.h>

#include "tanba-cmp-client.h"
#include "tanba-http.h"
#include "tanba-test-refserver.h"
#include "tanba-test-token.h"

#define N_USERS 22

static char *tmp_dir;
static TanbaTestDemo *demo;        /* plain HTTP server, with fault switches */
static TanbaTestDemo *tls_demo;    /* HTTPS server */
static TanbaTestRefserver *server;
static TanbaTestRefserver *tls_server;
static TanbaTestSoftHsm *hsm;
static guint next_user;

/* ---- helpers ---- */

static TanbaTestDemoUser *
new_user (void)
{
  g_assert_cmpuint (next_user, <, demo->users->len);
  return g_ptr_array_index (demo->users, next_user++);
}

static char *
pkix_url (TanbaTestRefserver *s)
{
  return tanba_http_join (s->url, "pkix/");
}

static void
load_init_key (TanbaTestDemoUser  *user,
               EVP_PKEY          **key,
               X509              **cert)
{
  BIO *bio = BIO_new_file (user->key_file, "rb");
  PKCS12 *p12 = d2i_PKCS12_bio (bio, NULL);

  BIO_free (bio);
  g_assert_nonnull (p12);
  g_assert_true (PKCS12_parse (p12, user->otp_pin, key, cert, NULL));
  PKCS12_free (p12);
}

static TanbaCmpClient *
client_new (TanbaTestRefserver *s,
            const char         *anchor)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *url = pkix_url (s);
  TanbaCmpClient *client = tanba_cmp_client_new (url, anchor, &error);

  g_assert_no_error (error);
  g_assert_nonnull (client);
  return client;
}

/* A client protected with @user's init key. */
static TanbaCmpClient *
init_key_client (TanbaTestDemoUser *user)
{
  TanbaCmpClient *client = client_new (server, demo->ca_certificate);
  EVP_PKEY *key = NULL;
  X509 *cert = NULL;

  load_init_key (user, &key, &cert);
  tanba_cmp_client_set_signature_protection (client, key, cert, NULL);
  EVP_PKEY_free (key);
  X509_free (cert);
  return client;
}

typedef struct
{
  guint     calls;
  X509     *last;
  gboolean  fail;
} Acceptor;

static gboolean
accept_cb (X509      *certificate,
           gpointer   user_data,
           GError   **error)
{
  Acceptor *acceptor = user_data;

  acceptor->calls++;
  X509_free (acceptor->last);
  X509_up_ref (certificate);
  acceptor->last = certificate;
  if (acceptor->fail)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOSPC, "no room on the token (test)");
      return FALSE;
    }
  return TRUE;
}

static void
acceptor_clear (Acceptor *acceptor)
{
  g_clear_pointer (&acceptor->last, X509_free);
  acceptor->calls = 0;
}

static GBytes *
cert_der (X509 *cert)
{
  unsigned char *der = NULL;
  int length = i2d_X509 (cert, &der);
  GBytes *bytes;

  g_assert_cmpint (length, >, 0);
  bytes = g_bytes_new (der, length);
  OPENSSL_free (der);
  return bytes;
}

static void
assert_same_cert (X509 *a,
                  X509 *b)
{
  g_autoptr(GBytes) der_a = cert_der (a);
  g_autoptr(GBytes) der_b = cert_der (b);

  g_assert_true (g_bytes_equal (der_a, der_b));
}

static char *
cert_serial (X509 *cert)
{
  BIGNUM *bn = ASN1_INTEGER_to_BN (X509_get0_serialNumber (cert), NULL);
  char *hex = BN_bn2hex (bn);
  char *serial = g_strdup (hex);

  OPENSSL_free (hex);
  BN_free (bn);
  return serial;
}

/* The server's own record (its SQLite database), read with sqlite3. */
static char *
db_query (TanbaTestDemo *d,
          const char    *sql)
{
  g_autofree char *db = g_build_filename (d->dir, "tanba-refserver.db", NULL);
  const char *argv[] = { "sqlite3", db, sql, NULL };
  char *out = NULL;

  g_assert_cmpint (tanba_test_run_in (NULL, argv, &out, NULL), ==, 0);
  g_strstrip (out);
  return out;
}

static char *
db_cert_status (TanbaTestDemo *d,
                X509          *cert)
{
  g_autofree char *serial = cert_serial (cert);
  g_autofree char *sql = g_strdup_printf ("SELECT status FROM certificates WHERE serial = '%s'",
                                          serial);

  return db_query (d, sql);
}

/* `openssl verify -CAfile ca.crt` accepts @cert. */
static void
assert_openssl_verifies (TanbaTestDemo *d,
                         X509          *cert)
{
  g_autofree char *path = g_build_filename (tmp_dir, "verify.pem", NULL);
  const char *argv[] = { "openssl", "verify", "-CAfile", d->ca_certificate, path, NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  BIO *bio = BIO_new_file (path, "w");

  g_assert_true (PEM_write_bio_X509 (bio, cert));
  BIO_free (bio);
  g_assert_cmpint (tanba_test_run_in (NULL, argv, &out, &err), ==, 0);
  g_assert_nonnull (strstr (out, ": OK"));
}

static void
assert_issued (X509             *cert,
               EVP_PKEY         *key,
               TanbaCertProfile  profile,
               const char       *user_id,
               guint             term_days)
{
  uint32_t ku = X509_get_key_usage (cert);
  char cn[256] = "";
  int days = 0, seconds = 0;

  g_assert_cmpint (EVP_PKEY_eq (X509_get0_pubkey (cert), key), ==, 1);
  if (profile == TANBA_CERT_PROFILE_SIGNING)
    {
      g_assert_cmpuint (ku, ==, X509v3_KU_DIGITAL_SIGNATURE | X509v3_KU_NON_REPUDIATION);
      g_assert_cmpint (X509_get_ext_by_NID (cert, NID_ext_key_usage, -1), <, 0);
    }
  else
    {
      g_assert_cmpuint (ku, ==, X509v3_KU_DIGITAL_SIGNATURE);
      g_assert_cmpuint (X509_get_extended_key_usage (cert), ==, XKU_SSL_CLIENT);
    }
  g_assert_cmpint (X509_NAME_get_text_by_NID (X509_get_subject_name (cert), NID_commonName, cn,
                                              sizeof cn), >, 0);
  g_assert_cmpstr (cn, ==, user_id);

  if (term_days > 0)
    {
      gint64 span, expected = (gint64) term_days * 86400;

      g_assert_true (ASN1_TIME_diff (&days, &seconds, X509_get0_notBefore (cert),
                                     X509_get0_notAfter (cert)));
      span = (gint64) days * 86400 + seconds;
      /* notBefore is set a minute back */
      g_assert_cmpint (span, >=, expected - 120);
      g_assert_cmpint (span, <=, expected + 120);
    }
}

static void
set_faults (const char *json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SoupSession) session = tanba_http_session_new (NULL, 10, &error);
  g_autofree char *url = tanba_http_join (server->url, "test/faults");
  g_autoptr(GBytes) body = g_bytes_new (json, strlen (json));
  g_autoptr(GBytes) answer = NULL;

  answer = tanba_http_post (session, url, "application/json", body, 0, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
}

/* ---- enrollment ---- */

static void
test_enroll_init_key (void)
{
  TanbaTestDemoUser *user = new_user ();
  g_autoptr(TanbaCmpClient) client = init_key_client (user);
  g_autoptr(GError) error = NULL;
  EVP_PKEY *sign_key = EVP_EC_gen ("P-256");
  EVP_PKEY *auth_key = EVP_RSA_gen (2048);
  guint term = tanba_cmp_term_days (2);
  Acceptor acceptor = { 0 };
  X509 *sign_cert, *auth_cert;

  sign_cert = tanba_cmp_client_enroll (client, sign_key, TANBA_CERT_PROFILE_SIGNING, user->user_id,
                                       term, accept_cb, &acceptor, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (sign_cert);
  g_assert_cmpuint (acceptor.calls, ==, 1);
  assert_same_cert (acceptor.last, sign_cert);
  g_assert_cmpstr (tanba_cmp_client_get_status_text (client), ==, "accepted");
  assert_issued (sign_cert, sign_key, TANBA_CERT_PROFILE_SIGNING, user->user_id, term);
  assert_openssl_verifies (demo, sign_cert);
  {
    g_autofree char *status = db_cert_status (demo, sign_cert);

    g_assert_cmpstr (status, ==, "accepted");
  }

  acceptor_clear (&acceptor);
  auth_cert = tanba_cmp_client_enroll (client, auth_key, TANBA_CERT_PROFILE_AUTHENTICATION,
                                       user->user_id, term, accept_cb, &acceptor, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (auth_cert);
  g_assert_cmpuint (acceptor.calls, ==, 1);
  assert_issued (auth_cert, auth_key, TANBA_CERT_PROFILE_AUTHENTICATION, user->user_id, term);
  assert_openssl_verifies (demo, auth_cert);

  /* both confirmed: the registration is complete, the init key retired */
  {
    g_autofree char *sql = g_strdup_printf ("SELECT status FROM registrations WHERE user_id = '%s'",
                                            user->user_id);
    g_autofree char *status = db_query (demo, sql);

    g_assert_cmpstr (status, ==, "complete");
  }

  acceptor_clear (&acceptor);
  X509_free (sign_cert);
  X509_free (auth_cert);
  EVP_PKEY_free (sign_key);
  EVP_PKEY_free (auth_key);
}

static void
test_enroll_mac (void)
{
  TanbaTestDemoUser *user = new_user ();
  g_autoptr(TanbaCmpClient) client = client_new (server, demo->ca_certificate);
  g_autoptr(GError) error = NULL;
  EVP_PKEY *key = EVP_EC_gen ("P-256");
  guint term = tanba_cmp_term_days (1);
  X509 *cert;

  tanba_cmp_client_set_mac_protection (client, user->user_id, user->otp_pin);
  cert = tanba_cmp_client_enroll (client, key, TANBA_CERT_PROFILE_AUTHENTICATION, user->user_id,
                                  term, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  assert_issued (cert, key, TANBA_CERT_PROFILE_AUTHENTICATION, user->user_id, term);
  assert_openssl_verifies (demo, cert);
  X509_free (cert);
  EVP_PKEY_free (key);
}

static void
test_enroll_capped (void)
{
  TanbaTestDemoUser *user = new_user ();
  g_autoptr(TanbaCmpClient) client = init_key_client (user);
  g_autoptr(GError) error = NULL;
  EVP_PKEY *key = EVP_EC_gen ("P-256");
  X509 *cert;
  const char *status;

  cert = tanba_cmp_client_enroll (client, key, TANBA_CERT_PROFILE_SIGNING, user->user_id,
                                  tanba_cmp_term_days (5), NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  assert_issued (cert, key, TANBA_CERT_PROFILE_SIGNING, user->user_id, tanba_cmp_term_days (3));
  status = tanba_cmp_client_get_status_text (client);
  g_test_message ("status: %s", status);
  g_assert_true (g_str_has_prefix (status, "granted with modifications: "));
  g_assert_nonnull (strstr (status, "3 years"));
  X509_free (cert);
  EVP_PKEY_free (key);
}

static void
test_same_key_again (void)
{
  TanbaTestDemoUser *user = new_user ();
  g_autoptr(TanbaCmpClient) client = init_key_client (user);
  g_autoptr(GError) error = NULL;
  EVP_PKEY *key = EVP_EC_gen ("P-256");
  Acceptor acceptor = { 0 };
  X509 *first, *second;

  first = tanba_cmp_client_enroll (client, key, TANBA_CERT_PROFILE_SIGNING, user->user_id, 365,
                                   accept_cb, &acceptor, NULL, &error);
  g_assert_no_error (error);
  second = tanba_cmp_client_enroll (client, key, TANBA_CERT_PROFILE_SIGNING, user->user_id, 365,
                                    accept_cb, &acceptor, NULL, &error);
  g_assert_no_error (error);
  /* the same certificate, byte for byte, and offered to accept again */
  assert_same_cert (first, second);
  g_assert_cmpuint (acceptor.calls, ==, 2);

  acceptor_clear (&acceptor);
  X509_free (first);
  X509_free (second);
  EVP_PKEY_free (key);
}

static void
test_accept_fails (void)
{
  TanbaTestDemoUser *user = new_user ();
  g_autoptr(TanbaCmpClient) client = init_key_client (user);
  g_autoptr(GError) error = NULL;
  EVP_PKEY *key = EVP_EC_gen ("P-256");
  Acceptor acceptor = { .fail = TRUE };
  g_autofree char *status = NULL;
  X509 *cert, *refused;

  cert = tanba_cmp_client_enroll (client, key, TANBA_CERT_PROFILE_SIGNING, user->user_id, 365,
                                  accept_cb, &acceptor, NULL, &error);
  g_assert_null (cert);
  /* the accept function's own error, as it was */
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOSPC);
  g_assert_cmpstr (error->message, ==, "no room on the token (test)");
  g_assert_cmpuint (acceptor.calls, ==, 1);
  /* certConf said "rejected" */
  status = db_cert_status (demo, acceptor.last);
  g_assert_cmpstr (status, ==, "rejected");
  g_clear_error (&error);

  /* the next try with the same key gets the same certificate */
  refused = g_steal_pointer (&acceptor.last);
  acceptor.fail = FALSE;
  cert = tanba_cmp_client_enroll (client, key, TANBA_CERT_PROFILE_SIGNING, user->user_id, 365,
                                  accept_cb, &acceptor, NULL, &error);
  g_assert_no_error (error);
  assert_same_cert (cert, refused);
  g_free (status);
  status = db_cert_status (demo, cert);
  g_assert_cmpstr (status, ==, "accepted");

  acceptor_clear (&acceptor);
  X509_free (refused);
  X509_free (cert);
  EVP_PKEY_free (key);
}

static void
test_wrong_otp_pin (void)
{
  TanbaTestDemoUser *user = new_user ();
  g_autoptr(TanbaCmpClient) client = client_new (server, demo->ca_certificate);
  g_autoptr(GError) error = NULL;
  EVP_PKEY *key = EVP_EC_gen ("P-256");
  X509 *cert;

  tanba_cmp_client_set_mac_protection (client, user->user_id, "WRONGPIN234");
  cert = tanba_cmp_client_enroll (client, key, TANBA_CERT_PROFILE_SIGNING, user->user_id, 365,
                                  NULL, NULL, NULL, &error);
  g_assert_null (cert);
  g_assert_error (error, TANBA_CMP_ERROR, TANBA_CMP_ERROR_NOT_AUTHORIZED);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "OTP PIN or the user ID is wrong"));
  g_clear_error (&error);

  /* an unknown user ID: the same answer */
  tanba_cmp_client_set_mac_protection (client, "zz999999_nobodyxx", user->otp_pin);
  cert = tanba_cmp_client_enroll (client, key, TANBA_CERT_PROFILE_SIGNING, "zz999999_nobodyxx",
                                  365, NULL, NULL, NULL, &error);
  g_assert_null (cert);
  g_assert_error (error, TANBA_CMP_ERROR, TANBA_CMP_ERROR_NOT_AUTHORIZED);
  EVP_PKEY_free (key);
}

static void
test_bad_template (void)
{
  TanbaTestDemoUser *user = new_user ();
  TanbaTestDemoUser *other = new_user ();
  g_autoptr(TanbaCmpClient) client = init_key_client (user);
  g_autoptr(GError) error = NULL;
  EVP_PKEY *key = EVP_EC_gen ("P-256");
  X509 *cert;

  /* a CN naming another user: refused, in words */
  cert = tanba_cmp_client_enroll (client, key, TANBA_CERT_PROFILE_SIGNING, other->user_id, 365,
                                  NULL, NULL, NULL, &error);
  g_assert_null (cert);
  g_assert_error (error, TANBA_CMP_ERROR, TANBA_CMP_ERROR_REJECTED);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, "The bank's CA refused the request: "));
  g_assert_nonnull (strstr (error->message, "(bad certificate template)"));
  EVP_PKEY_free (key);
}

static void
test_already_used (void)
{
  TanbaTestDemoUser *user = new_user ();
  g_autoptr(TanbaCmpClient) client = init_key_client (user);
  g_autoptr(GError) error = NULL;
  EVP_PKEY *keys[3] = { EVP_EC_gen ("P-256"), EVP_EC_gen ("P-256"), EVP_EC_gen ("P-256") };
  X509 *cert;

  cert = tanba_cmp_client_enroll (client, keys[0], TANBA_CERT_PROFILE_SIGNING, user->user_id, 365,
                                  NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  X509_free (cert);
  cert = tanba_cmp_client_enroll (client, keys[1], TANBA_CERT_PROFILE_AUTHENTICATION,
                                  user->user_id, 365, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  X509_free (cert);

  /* a new key with the retired init key */
  cert = tanba_cmp_client_enroll (client, keys[2], TANBA_CERT_PROFILE_SIGNING, user->user_id, 365,
                                  NULL, NULL, NULL, &error);
  g_assert_null (cert);
  g_assert_error (error, TANBA_CMP_ERROR, TANBA_CMP_ERROR_ALREADY_USED);
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  /* and with the OTP PIN */
  tanba_cmp_client_set_mac_protection (client, user->user_id, user->otp_pin);
  cert = tanba_cmp_client_enroll (client, keys[2], TANBA_CERT_PROFILE_SIGNING, user->user_id, 365,
                                  NULL, NULL, NULL, &error);
  g_assert_null (cert);
  g_assert_error (error, TANBA_CMP_ERROR, TANBA_CMP_ERROR_ALREADY_USED);

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    EVP_PKEY_free (keys[i]);
}

/* ---- transport ---- */

static void
test_tls (void)
{
  TanbaTestDemoUser *user = g_ptr_array_index (tls_demo->users, 0);
  g_autoptr(GError) error = NULL;
  EVP_PKEY *key = EVP_EC_gen ("P-256");
  X509 *cert;

  g_assert_true (g_str_has_prefix (tls_server->url, "https://"));

  /* another CA's anchor: the server is not trusted, and the error says so */
  {
    g_autoptr(TanbaCmpClient) client = client_new (tls_server, demo->ca_certificate);

    tanba_cmp_client_set_mac_protection (client, user->user_id, user->otp_pin);
    cert = tanba_cmp_client_enroll (client, key, TANBA_CERT_PROFILE_SIGNING, user->user_id, 365,
                                    NULL, NULL, NULL, &error);
    g_assert_null (cert);
    g_assert_error (error, TANBA_HTTP_ERROR, TANBA_HTTP_ERROR_UNTRUSTED);
    g_assert_nonnull (strstr (error->message, demo->ca_certificate));
    g_clear_error (&error);
  }

  /* the right anchor */
  {
    g_autoptr(TanbaCmpClient) client = client_new (tls_server, tls_demo->ca_certificate);

    tanba_cmp_client_set_mac_protection (client, user->user_id, user->otp_pin);
    cert = tanba_cmp_client_enroll (client, key, TANBA_CERT_PROFILE_SIGNING, user->user_id, 365,
                                    NULL, NULL, NULL, &error);
    g_assert_no_error (error);
    assert_issued (cert, key, TANBA_CERT_PROFILE_SIGNING, user->user_id, 365);
    assert_openssl_verifies (tls_demo, cert);
    X509_free (cert);
  }
  EVP_PKEY_free (key);
}

static void
test_unreachable (void)
{
  TanbaTestDemoUser *user = g_ptr_array_index (demo->users, 0);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(TanbaCmpClient) client = NULL;
  g_autofree char *url = NULL;
  g_autofree char *host_port = NULL;
  EVP_PKEY *key = EVP_EC_gen ("P-256");
  guint16 port;
  X509 *cert;

  /* a port nobody listens on */
  g_assert_true (g_socket_bind (socket, address, TRUE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_socket_close (socket, NULL);
  url = g_strdup_printf ("http://127.0.0.1:%u/pkix/", port);
  host_port = g_strdup_printf ("127.0.0.1:%u", port);

  client = tanba_cmp_client_new (url, demo->ca_certificate, &error);
  g_assert_no_error (error);
  tanba_cmp_client_set_mac_protection (client, user->user_id, user->otp_pin);
  cert = tanba_cmp_client_enroll (client, key, TANBA_CERT_PROFILE_SIGNING, user->user_id, 365,
                                  NULL, NULL, NULL, &error);
  g_assert_null (cert);
  g_assert_error (error, TANBA_HTTP_ERROR, TANBA_HTTP_ERROR_UNREACHABLE);
  g_assert_nonnull (strstr (error->message, host_port));
  EVP_PKEY_free (key);
}

static void
test_insecure (void)
{
  g_autoptr(GError) error = NULL;
  TanbaCmpClient *client;

  client = tanba_cmp_client_new ("http://10.1.2.3/pkix/", demo->ca_certificate, &error);
  g_assert_null (client);
  g_assert_error (error, TANBA_HTTP_ERROR, TANBA_HTTP_ERROR_INSECURE);
  g_clear_error (&error);

  client = tanba_cmp_client_new ("https://ca.example.kz/pkix/", "/nonexistent/ca.crt", &error);
  g_assert_null (client);
  g_assert_error (error, TANBA_HTTP_ERROR, TANBA_HTTP_ERROR_TRUST_ANCHOR);
}

static void
test_cancelled (void)
{
  TanbaTestDemoUser *user = g_ptr_array_index (demo->users, 0);
  g_autoptr(TanbaCmpClient) client = client_new (server, demo->ca_certificate);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  EVP_PKEY *key = EVP_EC_gen ("P-256");
  X509 *cert;

  g_cancellable_cancel (cancellable);
  tanba_cmp_client_set_mac_protection (client, user->user_id, user->otp_pin);
  cert = tanba_cmp_client_enroll (client, key, TANBA_CERT_PROFILE_SIGNING, user->user_id, 365,
                                  NULL, NULL, cancellable, &error);
  g_assert_null (cert);
  g_assert_error (error, TANBA_CMP_ERROR, TANBA_CMP_ERROR_CANCELLED);
  EVP_PKEY_free (key);
}

typedef struct
{
  GCancellable *cancellable;
  guint         delay_ms;
} CancelLater;

static gpointer
cancel_later (gpointer data)
{
  CancelLater *later = data;

  g_usleep (later->delay_ms * G_TIME_SPAN_MILLISECOND);
  g_cancellable_cancel (later->cancellable);
  return NULL;
}

static void
test_cancel_while_waiting (void)
{
  TanbaTestDemoUser *user = new_user ();
  g_autoptr(TanbaCmpClient) client = init_key_client (user);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  EVP_PKEY *key = EVP_EC_gen ("P-256");
  CancelLater later = { cancellable, 500 };
  GThread *thread;
  gint64 start;
  X509 *cert;

  /* the server holds its answer 20 s; the cancel comes after 0.5 s */
  set_faults ("{\"faults\": [{\"kind\": \"stall\", \"message\": \"ir\", \"seconds\": 20}]}");
  tanba_cmp_client_set_timeout (client, 60);
  start = g_get_monotonic_time ();
  thread = g_thread_new ("cancel", cancel_later, &later);
  cert = tanba_cmp_client_enroll (client, key, TANBA_CERT_PROFILE_SIGNING, user->user_id, 365,
                                  NULL, NULL, cancellable, &error);
  g_thread_join (thread);
  set_faults ("{\"faults\": []}");
  g_assert_null (cert);
  g_assert_error (error, TANBA_CMP_ERROR, TANBA_CMP_ERROR_CANCELLED);
  g_test_message ("cancelled after %.1f s", (g_get_monotonic_time () - start) / 1e6);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 15 * G_TIME_SPAN_SECOND);
  EVP_PKEY_free (key);
}

/* ---- the server's fault switches ---- */

static void
test_fault_http_500 (void)
{
  TanbaTestDemoUser *user = new_user ();
  g_autoptr(TanbaCmpClient) client = init_key_client (user);
  g_autoptr(GError) error = NULL;
  EVP_PKEY *key = EVP_EC_gen ("P-256");
  X509 *cert;

  set_faults ("{\"faults\": [{\"kind\": \"http-500\", \"message\": \"ir\"}]}");
  cert = tanba_cmp_client_enroll (client, key, TANBA_CERT_PROFILE_SIGNING, user->user_id, 365,
                                  NULL, NULL, NULL, &error);
  g_assert_null (cert);
  g_assert_error (error, TANBA_HTTP_ERROR, TANBA_HTTP_ERROR_STATUS);
  g_assert_nonnull (strstr (error->message, "500"));
  g_clear_error (&error);

  /* the fault hit once: the next try works */
  cert = tanba_cmp_client_enroll (client, key, TANBA_CERT_PROFILE_SIGNING, user->user_id, 365,
                                  NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  assert_issued (cert, key, TANBA_CERT_PROFILE_SIGNING, user->user_id, 365);
  X509_free (cert);
  EVP_PKEY_free (key);
  set_faults ("{\"faults\": []}");
}

static void
test_fault_drop (gconstpointer data)
{
  const char *message = data; /* "ir" or "certConf" */
  TanbaTestDemoUser *user = new_user ();
  g_autoptr(TanbaCmpClient) client = init_key_client (user);
  g_autoptr(GError) error = NULL;
  g_autofree char *faults = NULL;
  g_autofree char *count = NULL;
  g_autofree char *sql = NULL;
  EVP_PKEY *key = EVP_EC_gen ("P-256");
  Acceptor acceptor = { 0 };
  X509 *first = NULL;
  X509 *cert;

  faults = g_strdup_printf ("{\"faults\": [{\"kind\": \"drop\", \"message\": \"%s\"}]}", message);
  set_faults (faults);
  cert = tanba_cmp_client_enroll (client, key, TANBA_CERT_PROFILE_SIGNING, user->user_id, 365,
                                  accept_cb, &acceptor, NULL, &error);
  g_assert_null (cert);
  g_assert_error (error, TANBA_HTTP_ERROR, TANBA_HTTP_ERROR_UNREACHABLE);
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  if (g_str_equal (message, "certConf"))
    {
      /* the certificate came and was accepted before the drop */
      g_assert_cmpuint (acceptor.calls, ==, 1);
      first = g_steal_pointer (&acceptor.last);
    }
  else
    g_assert_cmpuint (acceptor.calls, ==, 0);

  /* the next try with the same key: the same certificate, nothing new issued */
  acceptor_clear (&acceptor);
  cert = tanba_cmp_client_enroll (client, key, TANBA_CERT_PROFILE_SIGNING, user->user_id, 365,
                                  accept_cb, &acceptor, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (acceptor.calls, ==, 1);
  if (first != NULL)
    assert_same_cert (first, cert);
  sql = g_strdup_printf ("SELECT count(*) FROM certificates WHERE user_id = '%s'", user->user_id);
  count = db_query (demo, sql);
  g_assert_cmpstr (count, ==, "1");
  {
    g_autofree char *status = db_cert_status (demo, cert);

    g_assert_cmpstr (status, ==, "accepted");
  }

  acceptor_clear (&acceptor);
  X509_free (first);
  X509_free (cert);
  EVP_PKEY_free (key);
  set_faults ("{\"faults\": []}");
}

static void
test_fault_corrupt (void)
{
  TanbaTestDemoUser *user = new_user ();
  g_autoptr(TanbaCmpClient) client = init_key_client (user);
  g_autoptr(GError) error = NULL;
  EVP_PKEY *key = EVP_EC_gen ("P-256");
  Acceptor acceptor = { 0 };
  X509 *cert;

  set_faults ("{\"faults\": [{\"kind\": \"corrupt\", \"message\": \"ir\"}]}");
  cert = tanba_cmp_client_enroll (client, key, TANBA_CERT_PROFILE_SIGNING, user->user_id, 365,
                                  accept_cb, &acceptor, NULL, &error);
  g_assert_null (cert);
  g_assert_error (error, TANBA_CMP_ERROR, TANBA_CMP_ERROR_BAD_RESPONSE);
  g_test_message ("%s", error->message);
  /* nothing broken was offered for storing */
  g_assert_cmpuint (acceptor.calls, ==, 0);
  g_clear_error (&error);

  cert = tanba_cmp_client_enroll (client, key, TANBA_CERT_PROFILE_SIGNING, user->user_id, 365,
                                  accept_cb, &acceptor, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (acceptor.calls, ==, 1);
  acceptor_clear (&acceptor);
  X509_free (cert);
  EVP_PKEY_free (key);
  set_faults ("{\"faults\": []}");
}

static void
test_fault_stall (void)
{
  TanbaTestDemoUser *user = new_user ();
  g_autoptr(TanbaCmpClient) client = init_key_client (user);
  g_autoptr(GError) error = NULL;
  EVP_PKEY *key = EVP_EC_gen ("P-256");
  X509 *cert;

  set_faults ("{\"faults\": [{\"kind\": \"stall\", \"message\": \"ir\", \"seconds\": 6}]}");
  tanba_cmp_client_set_timeout (client, 2);
  cert = tanba_cmp_client_enroll (client, key, TANBA_CERT_PROFILE_SIGNING, user->user_id, 365,
                                  NULL, NULL, NULL, &error);
  g_assert_null (cert);
  g_assert_error (error, TANBA_HTTP_ERROR, TANBA_HTTP_ERROR_TIMEOUT);
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  set_faults ("{\"faults\": []}");

  tanba_cmp_client_set_timeout (client, 30);
  cert = tanba_cmp_client_enroll (client, key, TANBA_CERT_PROFILE_SIGNING, user->user_id, 365,
                                  NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  X509_free (cert);
  EVP_PKEY_free (key);
}

/* ---- renewal and revocation ---- */

static void
test_renew_and_revoke (void)
{
  TanbaTestDemoUser *user = new_user ();
  g_autoptr(TanbaCmpClient) client = init_key_client (user);
  g_autoptr(GError) error = NULL;
  EVP_PKEY *old_key = EVP_EC_gen ("P-256");
  EVP_PKEY *new_key = EVP_EC_gen ("P-256");
  EVP_PKEY *auth_key = EVP_EC_gen ("P-256");
  Acceptor acceptor = { 0 };
  g_autofree char *status = NULL;
  g_autofree char *old_serial = NULL;
  g_autofree char *new_serial = NULL;
  X509 *old_cert, *new_cert, *auth_cert;
  gboolean revoked;

  old_cert = tanba_cmp_client_enroll (client, old_key, TANBA_CERT_PROFILE_SIGNING, user->user_id,
                                      365, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  auth_cert = tanba_cmp_client_enroll (client, auth_key, TANBA_CERT_PROFILE_AUTHENTICATION,
                                       user->user_id, 365, NULL, NULL, NULL, &error);
  g_assert_no_error (error);

  /* kur, signed with the certificate being renewed */
  tanba_cmp_client_set_signature_protection (client, old_key, old_cert, NULL);
  new_cert = tanba_cmp_client_renew (client, old_cert, new_key, 730, accept_cb, &acceptor, NULL,
                                     &error);
  g_assert_no_error (error);
  g_assert_nonnull (new_cert);
  g_assert_cmpuint (acceptor.calls, ==, 1);
  assert_issued (new_cert, new_key, TANBA_CERT_PROFILE_SIGNING, user->user_id, 730);
  assert_openssl_verifies (demo, new_cert);
  old_serial = cert_serial (old_cert);
  new_serial = cert_serial (new_cert);
  g_assert_cmpstr (old_serial, !=, new_serial);
  status = db_cert_status (demo, old_cert);
  g_assert_cmpstr (status, ==, "superseded");

  /* rr of the authentication certificate, signed with the new signing one */
  tanba_cmp_client_set_signature_protection (client, new_key, new_cert, NULL);
  revoked = tanba_cmp_client_revoke (client, auth_cert, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (revoked);
  g_free (status);
  status = db_cert_status (demo, auth_cert);
  g_assert_cmpstr (status, ==, "revoked");

  /* again: the CA refuses, in words */
  revoked = tanba_cmp_client_revoke (client, auth_cert, NULL, &error);
  g_assert_false (revoked);
  g_assert_error (error, TANBA_CMP_ERROR, TANBA_CMP_ERROR_REJECTED);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "revoked"));

  acceptor_clear (&acceptor);
  X509_free (old_cert);
  X509_free (new_cert);
  X509_free (auth_cert);
  EVP_PKEY_free (old_key);
  EVP_PKEY_free (new_key);
  EVP_PKEY_free (auth_key);
}

/* ---- a key on a token ---- */

typedef struct
{
  TanbaToken *token;
  GBytes     *id;
} TokenStore;

static gboolean
store_on_token (X509      *certificate,
                gpointer   user_data,
                GError   **error)
{
  TokenStore *store = user_data;

  return tanba_token_store_certificate (store->token, certificate, store->id,
                                        "Tanba signing certificate", error);
}

static void
test_token_key (gconstpointer data)
{
  TanbaKeyAlgorithm algorithm = GPOINTER_TO_INT (data);
  TanbaTestDemoUser *user = new_user ();
  g_autoptr(TanbaCmpClient) client = init_key_client (user);
  g_autoptr(TanbaToken) token = tanba_test_softhsm_token (hsm, 0);
  g_autoptr(TanbaKeyInfo) info = NULL;
  g_autoptr(GPtrArray) certs = NULL;
  g_autoptr(GError) error = NULL;
  EVP_PKEY *private_key, *public_key;
  TokenStore store;
  gboolean found = FALSE;
  X509 *cert;

  g_assert_true (tanba_token_login (token, TANBA_ROLE_USER, TANBA_FACTORY_USER_PIN, &error));
  g_assert_no_error (error);
  info = tanba_token_generate_key_pair (token, algorithm, "Tanba signing key", &error);
  g_assert_no_error (error);
  private_key = tanba_token_get_private_key (token, info->id, &error);
  g_assert_no_error (error);
  public_key = tanba_token_get_public_key (token, info->id, &error);
  g_assert_no_error (error);

  /* the proof of possession is signed on the token */
  store.token = token;
  store.id = info->id;
  cert = tanba_cmp_client_enroll (client, private_key, TANBA_CERT_PROFILE_SIGNING, user->user_id,
                                  365, store_on_token, &store, NULL, &error);
  g_assert_no_error (error);
  assert_issued (cert, public_key, TANBA_CERT_PROFILE_SIGNING, user->user_id, 365);
  assert_openssl_verifies (demo, cert);

  /* stored by the accept function, with the key's ID */
  certs = tanba_token_list_certificates (token, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < certs->len; i++)
    {
      TanbaCertInfo *cert_info = g_ptr_array_index (certs, i);

      if (g_bytes_equal (cert_info->id, info->id))
        {
          assert_same_cert (cert_info->certificate, cert);
          found = TRUE;
        }
    }
  g_assert_true (found);

  X509_free (cert);
  EVP_PKEY_free (private_key);
  EVP_PKEY_free (public_key);
  g_assert_true (tanba_token_logout (token, NULL));
}

static void
test_term_days (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) today = g_date_time_new_utc (g_date_time_get_year (now),
                                                    g_date_time_get_month (now),
                                                    g_date_time_get_day_of_month (now), 0, 0, 0);
  guint expected = 0;

  g_assert_cmpuint (tanba_cmp_term_days (0), ==, 0);
  for (guint years = 1; years <= 3; years++)
    {
      /* count day by day, leap days included */
      g_autoptr(GDateTime) later = g_date_time_add_years (today, years);
      g_autoptr(GDateTime) day = g_date_time_ref (today);

      expected = 0;
      while (g_date_time_compare (day, later) < 0)
        {
          GDateTime *next = g_date_time_add_days (day, 1);

          g_date_time_unref (day);
          day = next;
          expected++;
        }
      g_assert_cmpuint (tanba_cmp_term_days (years), ==, expected);
      g_assert_cmpuint (expected, >=, 365 * years);
      g_assert_cmpuint (expected, <=, 365 * years + 1);
    }
}

int
main (int   argc,
      char *argv[])
{
  OSSL_PROVIDER *default_provider, *legacy_provider;
  g_autofree char *dir = NULL;
  g_autofree char *tls_dir = NULL;
  g_autofree char *users = g_strdup_printf ("%d", N_USERS);
  int status;

  g_test_init (&argc, &argv, NULL);

  /* as Tanba does: "default" first, then "legacy" for RC2 key files */
  default_provider = OSSL_PROVIDER_load (NULL, "default");
  legacy_provider = OSSL_PROVIDER_load (NULL, "legacy");
  g_assert_nonnull (default_provider);
  g_assert_nonnull (legacy_provider);

  /* SoftHSM reads its configuration once: the token first */
  hsm = tanba_test_softhsm_new (1);

  tmp_dir = tanba_test_make_tmp_dir ();
  dir = g_build_filename (tmp_dir, "data", NULL);
  tls_dir = g_build_filename (tmp_dir, "tls", NULL);
  demo = tanba_test_demo_new (dir, (const char *const[]) { "--users", users, NULL });
  tls_demo = tanba_test_demo_new (tls_dir, (const char *const[]) { "--users", "1", NULL });
  server = tanba_test_refserver_start (demo->dir, FALSE, TRUE);
  tls_server = tanba_test_refserver_start (tls_demo->dir, TRUE, FALSE);

  g_test_add_func ("/cmp/term-days", test_term_days);
  g_test_add_func ("/cmp/enroll/init-key", test_enroll_init_key);
  g_test_add_func ("/cmp/enroll/mac", test_enroll_mac);
  g_test_add_func ("/cmp/enroll/capped", test_enroll_capped);
  g_test_add_func ("/cmp/enroll/same-key-again", test_same_key_again);
  g_test_add_func ("/cmp/enroll/accept-fails", test_accept_fails);
  g_test_add_func ("/cmp/enroll/wrong-otp-pin", test_wrong_otp_pin);
  g_test_add_func ("/cmp/enroll/bad-template", test_bad_template);
  g_test_add_func ("/cmp/enroll/already-used", test_already_used);
  g_test_add_data_func ("/cmp/enroll/token-p256", GINT_TO_POINTER (TANBA_KEY_P256),
                        test_token_key);
  g_test_add_data_func ("/cmp/enroll/token-rsa", GINT_TO_POINTER (TANBA_KEY_RSA2048),
                        test_token_key);
  g_test_add_func ("/cmp/transport/tls", test_tls);
  g_test_add_func ("/cmp/transport/unreachable", test_unreachable);
  g_test_add_func ("/cmp/transport/insecure", test_insecure);
  g_test_add_func ("/cmp/transport/cancelled", test_cancelled);
  g_test_add_func ("/cmp/transport/cancel-while-waiting", test_cancel_while_waiting);
  g_test_add_func ("/cmp/fault/http-500", test_fault_http_500);
  g_test_add_data_func ("/cmp/fault/drop-ir", "ir", test_fault_drop);
  g_test_add_data_func ("/cmp/fault/drop-certconf", "certConf", test_fault_drop);
  g_test_add_func ("/cmp/fault/corrupt", test_fault_corrupt);
  g_test_add_func ("/cmp/fault/stall", test_fault_stall);
  g_test_add_func ("/cmp/renew-and-revoke", test_renew_and_revoke);

  status = g_test_run ();
  /* unloaded, or LeakSanitizer reports what OpenSSL keeps for them */
  OSSL_PROVIDER_unload (legacy_provider);
  OSSL_PROVIDER_unload (default_provider);

  tanba_test_refserver_stop (server);
  tanba_test_refserver_stop (tls_server);
  tanba_test_demo_free (demo);
  tanba_test_demo_free (tls_demo);
  tanba_test_remove_tree (tmp_dir);
  g_free (tmp_dir);
  tanba_test_softhsm_free (hsm);
  return status;
}
