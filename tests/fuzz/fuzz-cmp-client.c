/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-cmp-client.c: Tanba's CMP client (tanba-cmp-client.c over tanba-http)
 * against a hostile CA. A SoupServer on loopback, in its own thread, answers
 * every POST with the fuzz input; the client runs a MAC-protected enrollment
 * (ir, then certConf when it gets that far) trusting the demo root.
 *
 * Input: one mode byte, then the answer.
 *   mode bit 0 clear: the answer's bytes are sent as they are (garbage, DER
 *     that does not fit, unprotected or wrongly signed messages);
 *   mode bit 0 set: if the answer parses as a PKIMessage, the server first
 *     makes it fit the request, as the real CA would: the request's
 *     transactionID and senderNonce (as recipNonce) are put in, and it is
 *     signed again with the demo CMP key (data/demo/private/cmp.key). Then
 *     the client's handling of well-formed, trusted but unexpected contents
 *     is what is fuzzed: statuses, failInfo, texts, certificates, caPubs.
 *   mode bit 1 set: Content-Type text/plain instead of application/pkixcmp.
 * The enrollment must never succeed (no answer here holds a certificate for
 * the client's new key), and must always fail with a TANBA_CMP_ERROR or a
 * TANBA_HTTP_ERROR. */
#define _GNU_SOURCE
#include "config.h"

#include <string.h>

#include <openssl/cmp.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/provider.h>

#include <libsoup/soup.h>

#include "fuzz-common.h"
#include "fuzz-demo.h"
#include "tanba-cmp-client.h"
#include "tanba-http.h"

static GMutex lock;
static GBytes *answer;        /* the current input's answer */
static guint8 mode;
static char *url;
static char *trust_anchor;
static EVP_PKEY *new_key;
static EVP_PKEY *cmp_key;
static X509 *cmp_cert;

/* --- the hostile CA ------------------------------------------------------ */

/* The request's senderNonce: OpenSSL 3.0 has no getter, so it is found in
 * the DER of the header, [5] EXPLICIT OCTET STRING of 16 bytes (the header
 * comes first; OpenSSL's client makes 16-byte nonces). */
static ASN1_OCTET_STRING *
sender_nonce (GBytes *request_der)
{
  static const guint8 tag[] = { 0xa5, 0x12, 0x04, 0x10 };
  gsize size = 0;
  const guint8 *der = g_bytes_get_data (request_der, &size);
  const guint8 *at = memmem (der, size, tag, sizeof tag);
  ASN1_OCTET_STRING *nonce;

  if (at == NULL || (gsize) (at - der) + sizeof tag + 16 > size)
    return NULL;
  nonce = ASN1_OCTET_STRING_new ();
  ASN1_OCTET_STRING_set (nonce, at + sizeof tag, 16);
  return nonce;
}

/* @answer made to fit @request and signed again, or NULL. */
static GBytes *
refit (GBytes       *input,
       OSSL_CMP_MSG *request,
       GBytes       *request_der)
{
  OSSL_CMP_PKIHEADER *request_header = OSSL_CMP_MSG_get0_header (request);
  const ASN1_OCTET_STRING *tid = OSSL_CMP_HDR_get0_transactionID (request_header);
  ASN1_OCTET_STRING *nonce = sender_nonce (request_der);
  gsize size = 0;
  const guint8 *bytes = g_bytes_get_data (input, &size);
  g_autofree guint8 *copy = g_memdup2 (bytes, size);
  const unsigned char *p = copy;
  OSSL_CMP_MSG *message = d2i_OSSL_CMP_MSG (NULL, &p, size);
  OSSL_CMP_CTX *ctx = NULL;
  const ASN1_OCTET_STRING *old_nonce;
  unsigned char *der = NULL;
  GBytes *result = NULL;
  int length;

  if (message == NULL || tid == NULL || nonce == NULL)
    goto out;

  /* recipNonce: the request's senderNonce, written over the old one in
   * place (same length, so the DER stays valid), then parsed again */
  old_nonce = OSSL_CMP_HDR_get0_recipNonce (OSSL_CMP_MSG_get0_header (message));
  if (old_nonce != NULL && ASN1_STRING_length (old_nonce) == ASN1_STRING_length (nonce))
    {
      const guint8 *old = ASN1_STRING_get0_data (old_nonce);
      guint8 *at = memmem (copy, size, old, ASN1_STRING_length (old_nonce));

      if (at != NULL)
        {
          memcpy (at, ASN1_STRING_get0_data (nonce), ASN1_STRING_length (nonce));
          OSSL_CMP_MSG_free (message);
          p = copy;
          message = d2i_OSSL_CMP_MSG (NULL, &p, size);
          if (message == NULL)
            goto out;
        }
    }

  /* transactionID, and the signature again (OpenSSL re-protects) */
  ctx = OSSL_CMP_CTX_new (NULL, NULL);
  if (!OSSL_CMP_CTX_set1_cert (ctx, cmp_cert) || !OSSL_CMP_CTX_set1_pkey (ctx, cmp_key)
      || !OSSL_CMP_CTX_set1_transactionID (ctx, tid)
      || !OSSL_CMP_MSG_update_transactionID (ctx, message))
    goto out;

  length = i2d_OSSL_CMP_MSG (message, &der);
  if (length > 0)
    result = g_bytes_new (der, length);
  OPENSSL_free (der);

out:
  ASN1_OCTET_STRING_free (nonce);
  OSSL_CMP_CTX_free (ctx);
  OSSL_CMP_MSG_free (message);
  ERR_clear_error ();
  return result;
}

static void
pkix_cb (SoupServer        *server,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           user_data)
{
  g_autoptr(GBytes) body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  g_autoptr(GBytes) reply = NULL;
  const unsigned char *p = g_bytes_get_data (body, NULL);
  OSSL_CMP_MSG *request = d2i_OSSL_CMP_MSG (NULL, &p, g_bytes_get_size (body));
  guint8 current_mode;

  g_mutex_lock (&lock);
  reply = g_bytes_ref (answer);
  current_mode = mode;
  g_mutex_unlock (&lock);

  /* the client sends only well-formed requests */
  g_assert_nonnull (request);
  if (current_mode & 1)
    {
      GBytes *refitted = refit (reply, request, body);

      if (refitted != NULL)
        {
          g_bytes_unref (reply);
          reply = refitted;
        }
    }
  OSSL_CMP_MSG_free (request);
  ERR_clear_error ();

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg,
                                    (current_mode & 2) ? "text/plain" : "application/pkixcmp",
                                    SOUP_MEMORY_COPY, g_bytes_get_data (reply, NULL),
                                    g_bytes_get_size (reply));
}

static gpointer
server_thread (gpointer data)
{
  GAsyncQueue *started = data;
  GMainContext *context = g_main_context_new ();
  g_autoptr(GMainLoop) loop = g_main_loop_new (context, FALSE);
  SoupServer *server;
  g_autoptr(GError) error = NULL;
  GSList *uris;

  g_main_context_push_thread_default (context);
  server = soup_server_new (NULL, NULL);
  soup_server_add_handler (server, "/pkix", pkix_cb, NULL, NULL);
  soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  g_async_queue_push (started, g_strdup_printf ("http://127.0.0.1:%d/pkix/",
                                                g_uri_get_port (uris->data)));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  g_main_loop_run (loop); /* for the life of the process */
  return NULL;
}

/* --- the client ---------------------------------------------------------- */

static void
free_all (void)
{
  g_clear_pointer (&new_key, EVP_PKEY_free);
  g_clear_pointer (&cmp_key, EVP_PKEY_free);
  g_clear_pointer (&cmp_cert, X509_free);
  g_clear_pointer (&trust_anchor, g_free);
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  g_autoptr(GAsyncQueue) started = g_async_queue_new ();
  g_autofree char *key_path = NULL;
  g_autofree char *cert_path = NULL;
  const char *dir;
  BIO *bio;

  fuzz_init_logs ();
  OSSL_PROVIDER_load (NULL, "default");
  dir = fuzz_demo_dir ();
  trust_anchor = g_build_filename (dir, "ca.crt", NULL);
  key_path = g_build_filename (dir, "private", "cmp.key", NULL);
  cert_path = g_build_filename (dir, "cmp.crt", NULL);
  bio = BIO_new_file (key_path, "r");
  cmp_key = PEM_read_bio_PrivateKey (bio, NULL, NULL, NULL);
  BIO_free (bio);
  bio = BIO_new_file (cert_path, "r");
  cmp_cert = PEM_read_bio_X509 (bio, NULL, NULL, NULL);
  BIO_free (bio);
  g_assert_nonnull (cmp_key);
  g_assert_nonnull (cmp_cert);
  new_key = EVP_EC_gen ("P-256");
  g_assert_nonnull (new_key);
  answer = g_bytes_new (NULL, 0);
  atexit (free_all);

  g_thread_unref (g_thread_new ("fuzz-ca", server_thread, started));
  url = g_async_queue_pop (started);
  return 0;
}

static gboolean
accept_cb (X509      *certificate,
           gpointer   user_data,
           GError   **error)
{
  /* OpenSSL checked the key first: a certificate for another key never
   * gets here, so this is never reached with the answers made here */
  g_assert_not_reached ();
  return FALSE;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(TanbaCmpClient) client = NULL;
  g_autoptr(GError) error = NULL;
  X509 *certificate;

  if (size == 0)
    return 0;
  g_mutex_lock (&lock);
  mode = data[0];
  g_bytes_unref (answer);
  answer = g_bytes_new (data + 1, size - 1);
  g_mutex_unlock (&lock);

  client = tanba_cmp_client_new (url, trust_anchor, &error);
  g_assert_no_error (error);
  tanba_cmp_client_set_timeout (client, 10);
  tanba_cmp_client_set_mac_protection (client, fuzz_demo_user_id (0), fuzz_demo_otp_pin (0));
  certificate = tanba_cmp_client_enroll (client, new_key, TANBA_CERT_PROFILE_SIGNING,
                                         fuzz_demo_user_id (0), 365, accept_cb, NULL, NULL,
                                         &error);
  g_assert_null (certificate);
  g_assert_nonnull (error);
  g_assert_true (error->domain == TANBA_CMP_ERROR || error->domain == TANBA_HTTP_ERROR);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  (void) tanba_cmp_client_get_status_text (client);
  ERR_clear_error ();
  return 0;
}
