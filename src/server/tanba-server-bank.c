/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-server-bank.c: bank registration and sign-in endpoints. */

#include "config.h"

#include "tanba-server-bank.h"

#include <string.h>
#include <time.h>

#include <json-glib/json-glib.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/rand.h>

#include "tanba-server-error.h"
#include "tanba-server-files.h"
#include "tanba-server-http.h"

#define NONCE_LENGTH     32
#define NONCE_LIFETIME   300     /* seconds */
#define MAX_NONCES       100000
#define MAX_JSON_REQUEST (64 * 1024)

struct _TanbaServerBank
{
  TanbaServerCa    *ca;
  TanbaServerStore *store;
  gboolean          tls;
  TanbaServerFaults *faults; /* test only, or NULL */
  GHashTable       *nonces; /* base64 nonce -> expiry (monotonic µs, boxed) */
};

TanbaServerBank *
tanba_server_bank_new (TanbaServerCa    *ca,
                       TanbaServerStore *store)
{
  TanbaServerBank *self = g_new0 (TanbaServerBank, 1);

  self->ca = ca;
  self->store = store;
  self->nonces = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return self;
}

void
tanba_server_bank_set_faults (TanbaServerBank   *self,
                              TanbaServerFaults *faults)
{
  self->faults = faults;
}

void
tanba_server_bank_free (TanbaServerBank *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->nonces);
  g_free (self);
}

/* --- answers ------------------------------------------------------------ */

static void
answer_json (SoupServerMessage *msg,
             guint              status,
             JsonBuilder       *builder)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autofree char *text = NULL;

  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY,
                                    text, strlen (text));
}

/* {"error": CODE, "message": TEXT} */
static void
answer_error (SoupServerMessage *msg,
              guint              status,
              const char        *code,
              const char        *message)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  g_info ("Bank: %s: %s", code, message);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "error");
  json_builder_add_string_value (builder, code);
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, message);
  json_builder_end_object (builder);
  answer_json (msg, status, builder);
}

/* A subject name entry as UTF-8, or NULL. */
static char *
subject_entry (X509 *cert,
               int   nid)
{
  const X509_NAME *name = X509_get_subject_name (cert);
  int index = X509_NAME_get_index_by_NID (name, nid, -1);
  unsigned char *utf8 = NULL;
  char *text;
  int length;

  if (index < 0)
    return NULL;
  length = ASN1_STRING_to_UTF8 (&utf8, X509_NAME_ENTRY_get_data (X509_NAME_get_entry (name,
                                                                                       index)));
  if (length < 0)
    {
      ERR_clear_error ();
      return NULL;
    }
  text = g_utf8_make_valid ((const char *) utf8, length);
  OPENSSL_free (utf8);
  return text;
}

static char *
iso8601 (gint64 unix_time)
{
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_utc (unix_time);

  return g_date_time_format (when, "%Y-%m-%dT%H:%M:%SZ");
}

static gint64
not_after_of (X509 *cert)
{
  struct tm tm = { 0 };

  if (ASN1_TIME_to_tm (X509_get0_notAfter (cert), &tm) != 1)
    return 0;
  return (gint64) timegm (&tm);
}

/* The bank's endpoints take POST over HTTPS (plain HTTP from loopback only,
 * for tests); anything else is answered here. Returns TRUE to go on. */
static gboolean
accept_secure_post (SoupServerMessage *msg,
                    gboolean           tls)
{
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);

  if (soup_server_message_get_method (msg) != SOUP_METHOD_POST)
    {
      answer_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "method-not-allowed", "Use POST");
      return FALSE;
    }
  if (!tls
      && !(G_IS_INET_SOCKET_ADDRESS (remote)
           && g_inet_address_get_is_loopback (
                g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote)))))
    {
      answer_error (msg, SOUP_STATUS_FORBIDDEN, "tls-required", "Use HTTPS");
      return FALSE;
    }
  return TRUE;
}

/* --- nonces ------------------------------------------------------------- */

static void
expire_nonces (TanbaServerBank *self)
{
  gint64 now = g_get_monotonic_time ();
  GHashTableIter iter;
  gint64 *expiry;

  g_hash_table_iter_init (&iter, self->nonces);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &expiry))
    if (*expiry < now)
      g_hash_table_iter_remove (&iter);
}

static void
nonce_cb (SoupServer        *server,
          SoupServerMessage *msg,
          const char        *path,
          GHashTable        *query,
          gpointer           user_data)
{
  TanbaServerBank *self = user_data;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  guint8 nonce[NONCE_LENGTH];
  char *text;

  if (!accept_secure_post (msg, self->tls))
    return;

  expire_nonces (self);
  if (g_hash_table_size (self->nonces) >= MAX_NONCES)
    {
      answer_error (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "busy", "Too many open nonces");
      return;
    }
  if (RAND_bytes (nonce, sizeof nonce) != 1)
    {
      ERR_clear_error ();
      answer_error (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, "internal", "No randomness");
      return;
    }
  text = g_base64_encode (nonce, sizeof nonce);
  g_hash_table_insert (self->nonces, g_strdup (text),
                       g_memdup2 (&(gint64) { g_get_monotonic_time ()
                                              + (gint64) NONCE_LIFETIME * G_USEC_PER_SEC },
                                  sizeof (gint64)));

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "nonce");
  json_builder_add_string_value (builder, text);
  json_builder_set_member_name (builder, "expires_in");
  json_builder_add_int_value (builder, NONCE_LIFETIME);
  json_builder_end_object (builder);
  answer_json (msg, SOUP_STATUS_OK, builder);
  g_free (text);
}

/* --- registration ------------------------------------------------------- */

static GBytes *
base64_member (JsonObject *object,
               const char *name)
{
  const char *text = json_object_get_string_member_with_default (object, name, NULL);
  guchar *data;
  gsize length = 0;

  if (text == NULL || *text == '\0')
    return NULL;
  data = g_base64_decode (text, &length);
  if (data == NULL || length == 0)
    {
      g_free (data);
      return NULL;
    }
  return g_bytes_new_take (data, length);
}

/* A certificate of the JSON request, checked against the database. */
static TanbaCertRecord *
known_certificate (TanbaServerBank    *self,
                   GBytes             *der,
                   TanbaCertProfile    profile,
                   X509              **cert_out,
                   const char        **code,
                   const char        **message)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *fingerprint = NULL;
  TanbaCertRecord *record;
  X509 *cert;

  cert = tanba_server_cert_from_der (der);
  if (cert == NULL)
    {
      ERR_clear_error ();
      *code = "bad-request";
      *message = "A certificate cannot be decoded (base64 of DER expected)";
      return NULL;
    }
  fingerprint = tanba_server_cert_fingerprint (cert);
  record = tanba_server_store_find_cert (self->store, TANBA_CERT_BY_FINGERPRINT, fingerprint,
                                         &error);
  if (record == NULL)
    {
      X509_free (cert);
      *code = "certificate-unknown";
      *message = "The bank's CA did not issue this certificate";
      return NULL;
    }
  if (record->profile != profile)
    {
      X509_free (cert);
      tanba_cert_record_free (record);
      *code = "wrong-certificate";
      *message = profile == TANBA_CERT_PROFILE_SIGNING
                 ? "signing_certificate is not a signing certificate"
                 : "authentication_certificate is not an authentication certificate";
      return NULL;
    }
  if (record->status != TANBA_CERT_STATUS_ACCEPTED
      || X509_cmp_time (X509_get0_notAfter (cert), NULL) <= 0)
    {
      X509_free (cert);
      tanba_cert_record_free (record);
      *code = "certificate-not-in-force";
      *message = "A certificate is revoked, replaced, expired or was never confirmed";
      return NULL;
    }
  *cert_out = cert;
  return record;
}

/* Checks the CMS (CAdES-BES, detached) signature over @content by @signer. */
static gboolean
signature_valid (TanbaServerBank *self,
                 GBytes          *signature,
                 GBytes          *content,
                 X509            *signer)
{
  const unsigned char *p = g_bytes_get_data (signature, NULL);
  CMS_ContentInfo *cms = d2i_CMS_ContentInfo (NULL, &p, g_bytes_get_size (signature));
  STACK_OF (X509) *certs = sk_X509_new_null ();
  STACK_OF (X509) *signers = NULL;
  BIO *data = NULL;
  gboolean ok = FALSE;

  if (cms == NULL)
    goto out;
  sk_X509_push (certs, signer);
  data = BIO_new_mem_buf (g_bytes_get_data (content, NULL), g_bytes_get_size (content));
  if (CMS_verify (cms, certs, tanba_server_ca_get_trust_store (self->ca), data, NULL,
                  CMS_BINARY) != 1)
    goto out;
  signers = CMS_get0_signers (cms);
  ok = sk_X509_num (signers) == 1 && X509_cmp (sk_X509_value (signers, 0), signer) == 0;

out:
  sk_X509_free (signers);
  sk_X509_free (certs);
  BIO_free (data);
  CMS_ContentInfo_free (cms);
  ERR_clear_error ();
  return ok;
}

static void
registration_cb (SoupServer        *server,
                 SoupServerMessage *msg,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  TanbaServerBank *self = user_data;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) nonce = NULL;
  g_autoptr(GBytes) signing_der = NULL;
  g_autoptr(GBytes) authentication_der = NULL;
  g_autoptr(GBytes) signature = NULL;
  g_autoptr(GBytes) content = NULL;
  g_autoptr(TanbaCertRecord) signing = NULL;
  g_autoptr(TanbaCertRecord) authentication = NULL;
  g_autoptr(GError) error = NULL;
  const char *code = NULL, *message = NULL;
  X509 *signing_cert = NULL, *authentication_cert = NULL;
  const char *nonce_text;
  JsonObject *object;
  JsonNode *root;
  GByteArray *signed_bytes;
  guint8 digest[32];
  gsize digest_length = sizeof digest;
  GChecksum *checksum;
  gboolean already = FALSE;

  if (!accept_secure_post (msg, self->tls))
    return;

  body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  if (g_bytes_get_size (body) > MAX_JSON_REQUEST
      || !json_parser_load_from_data (parser, g_bytes_get_data (body, NULL),
                                      g_bytes_get_size (body), NULL)
      || (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      answer_error (msg, SOUP_STATUS_BAD_REQUEST, "bad-request", "A JSON object is expected");
      return;
    }
  object = json_node_get_object (root);

  nonce_text = json_object_get_string_member_with_default (object, "nonce", NULL);
  nonce = base64_member (object, "nonce");
  signing_der = base64_member (object, "signing_certificate");
  authentication_der = base64_member (object, "authentication_certificate");
  signature = base64_member (object, "signature");
  if (nonce == NULL || signing_der == NULL || authentication_der == NULL || signature == NULL)
    {
      answer_error (msg, SOUP_STATUS_BAD_REQUEST, "bad-request",
                    "nonce, signing_certificate, authentication_certificate and signature "
                    "are required (base64)");
      return;
    }

  if (self->faults != NULL)
    {
      guint seconds;

      switch (tanba_server_faults_take (self->faults, "bank-registration", &seconds))
        {
        case TANBA_FAULT_HTTP_500:
          answer_error (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, "internal",
                        "Injected fault (test only)");
          return;
        case TANBA_FAULT_NONCE_EXPIRED:
          g_hash_table_remove (self->nonces, nonce_text);
          break;
        default:
          break;
        }
    }

  /* a nonce serves once, whatever happens next */
  expire_nonces (self);
  if (!g_hash_table_remove (self->nonces, nonce_text))
    {
      answer_error (msg, SOUP_STATUS_FORBIDDEN, "nonce-invalid",
                    "The nonce is unknown, used or expired; ask for a new one");
      return;
    }

  signing = known_certificate (self, signing_der, TANBA_CERT_PROFILE_SIGNING, &signing_cert,
                               &code, &message);
  if (signing != NULL)
    authentication = known_certificate (self, authentication_der,
                                        TANBA_CERT_PROFILE_AUTHENTICATION,
                                        &authentication_cert, &code, &message);
  if (signing == NULL || authentication == NULL)
    {
      answer_error (msg, SOUP_STATUS_FORBIDDEN, code, message);
      goto out;
    }
  if (g_ascii_strcasecmp (signing->user_id, authentication->user_id) != 0)
    {
      answer_error (msg, SOUP_STATUS_FORBIDDEN, "user-mismatch",
                    "The two certificates belong to different users");
      goto out;
    }

  /* signed content: the nonce's bytes, then SHA-256 of the authentication
   * certificate's DER */
  checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (checksum, g_bytes_get_data (authentication_der, NULL),
                     g_bytes_get_size (authentication_der));
  g_checksum_get_digest (checksum, digest, &digest_length);
  g_checksum_free (checksum);
  signed_bytes = g_byte_array_new ();
  g_byte_array_append (signed_bytes, g_bytes_get_data (nonce, NULL), g_bytes_get_size (nonce));
  g_byte_array_append (signed_bytes, digest, digest_length);
  content = g_byte_array_free_to_bytes (signed_bytes);

  if (!signature_valid (self, signature, content, signing_cert))
    {
      answer_error (msg, SOUP_STATUS_FORBIDDEN, "signature-invalid",
                    "The signature is not a valid CMS signature by the signing certificate "
                    "over the nonce and the authentication certificate's SHA-256");
      goto out;
    }

  if (!tanba_server_store_begin (self->store, &error)
      || !tanba_server_store_register_with_bank (self->store, signing->user_id, signing->id,
                                                 authentication->id, &already, &error)
      || !tanba_server_store_commit (self->store, &error))
    {
      tanba_server_store_rollback (self->store);
      g_warning ("Bank: cannot store a registration: %s", error->message);
      answer_error (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, "internal",
                    "The registration could not be stored; try again");
      goto out;
    }
  g_info ("Bank: %s registered certificates %s and %s%s", signing->user_id, signing->serial,
          authentication->serial, already ? " (again)" : "");

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "status");
  json_builder_add_string_value (builder, already ? "already-registered" : "registered");
  json_builder_set_member_name (builder, "user_id");
  json_builder_add_string_value (builder, signing->user_id);
  json_builder_set_member_name (builder, "signing_certificate_serial");
  json_builder_add_string_value (builder, signing->serial);
  json_builder_set_member_name (builder, "authentication_certificate_serial");
  json_builder_add_string_value (builder, authentication->serial);
  json_builder_end_object (builder);
  answer_json (msg, SOUP_STATUS_OK, builder);

out:
  X509_free (signing_cert);
  X509_free (authentication_cert);
}

/* --- sign-in ------------------------------------------------------------ */

static void
whoami_cb (SoupServer        *server,
           SoupServerMessage *msg,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  TanbaServerBank *self = user_data;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(GByteArray) der = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(TanbaCertRecord) record = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *fingerprint = NULL;
  g_autofree char *registered_text = NULL;
  g_autofree char *now_text = NULL;
  g_autofree char *not_after_text = NULL;
  g_autofree char *name = NULL;
  g_autofree char *organization = NULL;
  GTlsCertificate *peer;
  GTlsCertificateFlags peer_errors = 0;
  X509 *cert;
  gint64 registered;

  if (!self->tls)
    {
      answer_error (msg, SOUP_STATUS_FORBIDDEN, "tls-required",
                    "Sign-in needs HTTPS with a TLS client certificate "
                    "(start the server with --tls)");
      return;
    }

  peer = tanba_server_http_get_tls_peer_certificate (msg, &peer_errors);
  if (peer == NULL)
    {
      answer_error (msg, SOUP_STATUS_UNAUTHORIZED, "no-client-certificate",
                    "Sign in with your authentication certificate (TLS client certificate)");
      return;
    }
  if (peer_errors != 0)
    {
      answer_error (msg, SOUP_STATUS_FORBIDDEN, "certificate-untrusted",
                    "The client certificate was not issued by the bank's CA, or is expired");
      return;
    }

  g_object_get (peer, "certificate", &der, NULL);
  bytes = g_bytes_new (der->data, der->len);
  cert = tanba_server_cert_from_der (bytes);
  if (cert == NULL)
    {
      ERR_clear_error ();
      answer_error (msg, SOUP_STATUS_FORBIDDEN, "certificate-unknown",
                    "The client certificate cannot be read");
      return;
    }
  fingerprint = tanba_server_cert_fingerprint (cert);
  not_after_text = iso8601 (not_after_of (cert));
  name = subject_entry (cert, NID_commonName);
  organization = subject_entry (cert, NID_organizationName);
  X509_free (cert);

  record = tanba_server_store_find_cert (self->store, TANBA_CERT_BY_FINGERPRINT, fingerprint,
                                         &error);
  if (record == NULL)
    {
      answer_error (msg, SOUP_STATUS_FORBIDDEN, "certificate-unknown",
                    "The bank's CA did not issue this certificate");
      return;
    }
  if (record->profile != TANBA_CERT_PROFILE_AUTHENTICATION)
    {
      answer_error (msg, SOUP_STATUS_FORBIDDEN, "wrong-certificate",
                    "Sign in with the authentication certificate, not the signing one");
      return;
    }
  if (record->status != TANBA_CERT_STATUS_ACCEPTED)
    {
      answer_error (msg, SOUP_STATUS_FORBIDDEN, "certificate-not-in-force",
                    "This certificate is revoked, replaced or was never confirmed");
      return;
    }
  registered = tanba_server_store_bank_registered_at (self->store, record->id, &error);
  if (registered <= 0)
    {
      answer_error (msg, SOUP_STATUS_FORBIDDEN, "certificate-not-registered",
                    "This certificate was not registered with the bank; finish the "
                    "registration first");
      return;
    }

  registered_text = iso8601 (registered);
  now_text = iso8601 (g_get_real_time () / G_USEC_PER_SEC);
  g_info ("Bank: %s signed in", record->user_id);

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "user_id");
  json_builder_add_string_value (builder, record->user_id);
  /* the certificate subject's CN and O: "Signed in as NAME, ORGANIZATION" */
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, name != NULL ? name : record->user_id);
  if (organization != NULL)
    {
      json_builder_set_member_name (builder, "organization");
      json_builder_add_string_value (builder, organization);
    }
  json_builder_set_member_name (builder, "certificate_serial");
  json_builder_add_string_value (builder, record->serial);
  json_builder_set_member_name (builder, "certificate_not_after");
  json_builder_add_string_value (builder, not_after_text);
  json_builder_set_member_name (builder, "registered_at");
  json_builder_add_string_value (builder, registered_text);
  json_builder_set_member_name (builder, "signed_in_at");
  json_builder_add_string_value (builder, now_text);
  json_builder_end_object (builder);
  answer_json (msg, SOUP_STATUS_OK, builder);
}

/* Any client certificate passes the handshake; whoami_cb decides, so the
 * client gets a JSON answer it can put into words, not a TLS alert. (For
 * libsoup's own listener; tanba-server-http.c's listener, used with
 * libsoup < 3.4, does the same in its handshake.) */
static gboolean
accept_certificate_cb (SoupServerMessage    *msg,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  return TRUE;
}

static void
request_started_cb (SoupServer        *server,
                    SoupServerMessage *msg,
                    gpointer           user_data)
{
  g_signal_connect (msg, "accept-certificate", G_CALLBACK (accept_certificate_cb), NULL);
}

void
tanba_server_bank_add_handlers (TanbaServerBank *self,
                                SoupServer      *server,
                                gboolean         tls)
{
  self->tls = tls;
  if (tls)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GTlsDatabase) database = NULL;

      database = g_tls_file_database_new (tanba_server_ca_get_certificate_path (self->ca),
                                          &error);
      if (database == NULL)
        g_warning ("Bank: no CA database for client certificates: %s", error->message);
      else
        {
          soup_server_set_tls_database (server, database);
          soup_server_set_tls_auth_mode (server, G_TLS_AUTHENTICATION_REQUESTED);
          g_signal_connect (server, "request-started", G_CALLBACK (request_started_cb), NULL);
        }
    }

  soup_server_add_handler (server, "/bank/registration/nonce", nonce_cb, self, NULL);
  soup_server_add_handler (server, "/bank/registration", registration_cb, self, NULL);
  soup_server_add_handler (server, "/bank/whoami", whoami_cb, self, NULL);
}
