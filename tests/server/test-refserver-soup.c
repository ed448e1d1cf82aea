/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-refserver-soup.c: the CMP client stack Tanba uses (OpenSSL's CMP
 * client API, messages carried by libsoup through a transfer callback)
 * against tanba-refserver: both protection modes, explicit certConf, and
 * all messages of a session on one kept-alive connection (the field notes
 * saw certConf hang on a reused connection with another server). Note:
 * libsoup reuses an idle connection for a POST only if the message has
 * SOUP_MESSAGE_IDEMPOTENT; otherwise each CMP message opens a new one. */

#include "config.h"

#include <string.h>

#include <libsoup/soup.h>
#include <openssl/cmp.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>
#include <openssl/x509v3.h>

#include "tanba-test-refserver.h"

typedef struct
{
  gboolean            reuse;       /* mark POSTs idempotent: keep-alive */
  char               *tmp;
  TanbaTestDemo      *demo;
  TanbaTestRefserver *server;
  SoupSession        *session;
  X509               *ca;
  GArray             *connections; /* guint64 connection id per message */
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *dir = NULL;
  BIO *bio;

  f->tmp = tanba_test_make_tmp_dir ();
  dir = g_build_filename (f->tmp, "data", NULL);
  f->demo = tanba_test_demo_new (dir, NULL);
  f->server = tanba_test_refserver_start (f->demo->dir, FALSE, FALSE);
  f->session = soup_session_new_with_options ("timeout", 10, NULL);
  f->connections = g_array_new (FALSE, FALSE, sizeof (guint64));

  bio = BIO_new_file (f->demo->ca_certificate, "r");
  f->ca = PEM_read_bio_X509 (bio, NULL, NULL, NULL);
  BIO_free (bio);
  g_assert_nonnull (f->ca);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->session);
  tanba_test_refserver_stop (f->server);
  tanba_test_demo_free (f->demo);
  tanba_test_remove_tree (f->tmp);
  g_free (f->tmp);
  X509_free (f->ca);
  g_array_unref (f->connections);
}

static OSSL_CMP_MSG *
transfer_cb (OSSL_CMP_CTX       *ctx,
             const OSSL_CMP_MSG *req)
{
  Fixture *f = OSSL_CMP_CTX_get_transfer_cb_arg (ctx);
  g_autofree char *url = g_strconcat (f->server->url, "pkix/", NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  g_autoptr(GBytes) request = NULL;
  g_autoptr(GBytes) response = NULL;
  g_autoptr(GError) error = NULL;
  unsigned char *der = NULL;
  const unsigned char *p;
  guint64 connection;
  int length;

  length = i2d_OSSL_CMP_MSG ((OSSL_CMP_MSG *) req, &der);
  g_assert_cmpint (length, >, 0);
  request = g_bytes_new (der, length);
  OPENSSL_free (der);

  soup_message_set_request_body_from_bytes (msg, "application/pkixcmp", request);
  /* libsoup sends a POST on an idle kept-alive connection only if told it
   * may be repeated; without this every message opens a new connection */
  if (f->reuse)
    soup_message_add_flags (msg, SOUP_MESSAGE_IDEMPOTENT);
  response = soup_session_send_and_read (f->session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_OK);
  g_assert_cmpstr (soup_message_headers_get_content_type (
                     soup_message_get_response_headers (msg), NULL), ==, "application/pkixcmp");

  connection = soup_message_get_connection_id (msg);
  g_array_append_val (f->connections, connection);

  p = g_bytes_get_data (response, NULL);
  return d2i_OSSL_CMP_MSG (NULL, &p, g_bytes_get_size (response));
}

static STACK_OF (X509_EXTENSION) *
profile_extensions (gboolean signing)
{
  STACK_OF (X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null ();
  X509_EXTENSION *ext;

  ext = X509V3_EXT_conf_nid (NULL, NULL, NID_key_usage,
                             signing ? "critical,digitalSignature,nonRepudiation"
                                     : "critical,digitalSignature");
  sk_X509_EXTENSION_push (exts, ext);
  if (!signing)
    {
      ext = X509V3_EXT_conf_nid (NULL, NULL, NID_ext_key_usage, "clientAuth");
      sk_X509_EXTENSION_push (exts, ext);
    }
  return exts;
}

static OSSL_CMP_CTX *
client_new (Fixture    *f,
            const char *user_id,
            gboolean    signing,
            EVP_PKEY   *new_key)
{
  OSSL_CMP_CTX *ctx = OSSL_CMP_CTX_new (NULL, NULL);
  X509_STORE *trust = X509_STORE_new ();
  X509_NAME *subject = X509_NAME_new ();

  X509_STORE_add_cert (trust, f->ca);
  g_assert_true (OSSL_CMP_CTX_set0_trustedStore (ctx, trust));
  g_assert_true (OSSL_CMP_CTX_set_transfer_cb (ctx, transfer_cb));
  g_assert_true (OSSL_CMP_CTX_set_transfer_cb_arg (ctx, f));
  g_assert_true (OSSL_CMP_CTX_set1_recipient (ctx, X509_get_subject_name (f->ca)));

  EVP_PKEY_up_ref (new_key);
  g_assert_true (OSSL_CMP_CTX_set0_newPkey (ctx, 1, new_key));
  X509_NAME_add_entry_by_txt (subject, "CN", MBSTRING_UTF8, (const unsigned char *) user_id,
                              -1, -1, 0);
  g_assert_true (OSSL_CMP_CTX_set1_subjectName (ctx, subject));
  X509_NAME_free (subject);
  g_assert_true (OSSL_CMP_CTX_set0_reqExtensions (ctx, profile_extensions (signing)));
  g_assert_true (OSSL_CMP_CTX_set_option (ctx, OSSL_CMP_OPT_VALIDITY_DAYS, 365));
  return ctx;
}

static X509 *
enroll (OSSL_CMP_CTX *ctx)
{
  X509 *cert = OSSL_CMP_exec_IR_ses (ctx);

  if (cert == NULL)
    {
      char buffer[OSSL_CMP_PKISI_BUFLEN] = "";

      OSSL_CMP_CTX_snprint_PKIStatus (ctx, buffer, sizeof buffer);
      ERR_print_errors_fp (stderr);
      g_error ("enrollment failed: %s", buffer);
    }
  /* the client's own copy: freed by the context */
  X509_up_ref (cert);
  return cert;
}

static void
assert_issued_for (X509     *cert,
                   EVP_PKEY *key,
                   gboolean  signing)
{
  uint32_t ku = X509_get_key_usage (cert);

  g_assert_cmpint (EVP_PKEY_eq (X509_get0_pubkey (cert), key), ==, 1);
  if (signing)
    g_assert_cmpuint (ku, ==, X509v3_KU_DIGITAL_SIGNATURE | X509v3_KU_NON_REPUDIATION);
  else
    {
      g_assert_cmpuint (ku, ==, X509v3_KU_DIGITAL_SIGNATURE);
      g_assert_cmpuint (X509_get_extended_key_usage (cert), ==, XKU_SSL_CLIENT);
    }
}

static void
test_init_key (Fixture       *f,
               gconstpointer  data)
{
  TanbaTestDemoUser *user = g_ptr_array_index (f->demo->users, 2); /* legacy PKCS#12 */
  EVP_PKEY *init_key = NULL, *sign_key, *auth_key;
  X509 *init_cert = NULL, *sign_cert, *auth_cert;
  PKCS12 *p12;
  BIO *bio;
  OSSL_CMP_CTX *ctx;

  bio = BIO_new_file (user->key_file, "rb");
  p12 = d2i_PKCS12_bio (bio, NULL);
  BIO_free (bio);
  g_assert_nonnull (p12);
  g_assert_true (PKCS12_parse (p12, user->otp_pin, &init_key, &init_cert, NULL));
  PKCS12_free (p12);

  sign_key = EVP_EC_gen ("P-256");
  auth_key = EVP_EC_gen ("P-256");

  f->reuse = TRUE;
  ctx = client_new (f, user->user_id, TRUE, sign_key);
  g_assert_true (OSSL_CMP_CTX_set1_cert (ctx, init_cert));
  g_assert_true (OSSL_CMP_CTX_set1_pkey (ctx, init_key));
  sign_cert = enroll (ctx);
  OSSL_CMP_CTX_free (ctx);
  assert_issued_for (sign_cert, sign_key, TRUE);

  ctx = client_new (f, user->user_id, FALSE, auth_key);
  g_assert_true (OSSL_CMP_CTX_set1_cert (ctx, init_cert));
  g_assert_true (OSSL_CMP_CTX_set1_pkey (ctx, init_key));
  auth_cert = enroll (ctx);
  OSSL_CMP_CTX_free (ctx);
  assert_issued_for (auth_cert, auth_key, FALSE);

  /* ir, certConf, ir, certConf: four messages on one kept-alive connection;
   * with libsoup < 3.4 the server accepts its connections itself and closes
   * each after its answer (tanba-server-http.c, own_listener): four
   * connections, and the client's attempt to reuse them costs nothing but
   * new ones */
  g_assert_cmpuint (f->connections->len, ==, 4);
  for (guint i = 1; i < f->connections->len; i++)
    if (soup_get_minor_version () >= 4)
      g_assert_cmpuint (g_array_index (f->connections, guint64, i), ==,
                        g_array_index (f->connections, guint64, 0));
    else
      g_assert_cmpuint (g_array_index (f->connections, guint64, i), !=,
                        g_array_index (f->connections, guint64, i - 1));

  X509_free (sign_cert);
  X509_free (auth_cert);
  X509_free (init_cert);
  EVP_PKEY_free (init_key);
  EVP_PKEY_free (sign_key);
  EVP_PKEY_free (auth_key);
}

static void
test_mac (Fixture       *f,
          gconstpointer  data)
{
  TanbaTestDemoUser *user = g_ptr_array_index (f->demo->users, 0);
  EVP_PKEY *key = EVP_RSA_gen (2048);
  OSSL_CMP_CTX *ctx = client_new (f, user->user_id, TRUE, key);
  X509 *cert;

  g_assert_true (OSSL_CMP_CTX_set1_referenceValue (ctx, (const unsigned char *) user->user_id,
                                                   strlen (user->user_id)));
  g_assert_true (OSSL_CMP_CTX_set1_secretValue (ctx, (const unsigned char *) user->otp_pin,
                                                strlen (user->otp_pin)));
  cert = enroll (ctx);
  assert_issued_for (cert, key, TRUE);
  /* libsoup's default for POST: a connection per message */
  g_assert_cmpuint (f->connections->len, ==, 2);
  g_assert_cmpuint (g_array_index (f->connections, guint64, 0), !=,
                    g_array_index (f->connections, guint64, 1));

  OSSL_CMP_CTX_free (ctx);
  X509_free (cert);
  EVP_PKEY_free (key);
}

int
main (int   argc,
      char *argv[])
{
  OSSL_PROVIDER *default_provider, *legacy_provider;
  int status;

  g_test_init (&argc, &argv, NULL);

  /* as Tanba does: "default" first, then "legacy" for RC2 key files */
  default_provider = OSSL_PROVIDER_load (NULL, "default");
  legacy_provider = OSSL_PROVIDER_load (NULL, "legacy");
  g_assert_nonnull (default_provider);
  g_assert_nonnull (legacy_provider);

  g_test_add ("/server/soup-client/init-key", Fixture, NULL, fixture_set_up, test_init_key,
              fixture_tear_down);
  g_test_add ("/server/soup-client/mac", Fixture, NULL, fixture_set_up, test_mac,
              fixture_tear_down);
  status = g_test_run ();
  /* unloaded, or LeakSanitizer reports what OpenSSL keeps for them */
  OSSL_PROVIDER_unload (legacy_provider);
  OSSL_PROVIDER_unload (default_provider);
  return status;
}
