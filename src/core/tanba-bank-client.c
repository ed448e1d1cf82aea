/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-bank-client.c: registration with the bank and sign-in (JSON over tanba-http). */
#include "config.h"

#include "tanba-bank-client.h"

#include <string.h>

#include <json-glib/json-glib.h>
#include <openssl/err.h>
#include <openssl/sha.h>

#include "tanba-cms.h"
#include "tanba-http.h"
#include "tanba-i18n.h"
#include "tanba-token-error.h"

#define MAX_ANSWER     (64 * 1024)
#define MAX_NONCE_SIZE 1024

G_DEFINE_QUARK (tanba-bank-error-quark, tanba_bank_error)

struct _TanbaBankClient
{
  char        *url;
  char        *trust_anchor;
  SoupSession *session;
  char        *last_error_code;
};

TanbaBankClient *
tanba_bank_client_new (const char  *url,
                       const char  *trust_anchor,
                       GError     **error)
{
  g_autoptr(TanbaBankClient) self = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!tanba_http_check_url (url, error))
    return NULL;
  self = g_new0 (TanbaBankClient, 1);
  self->url = g_strdup (url);
  self->trust_anchor = g_strdup (trust_anchor);
  self->session = tanba_http_session_new (trust_anchor, 0, error);
  if (self->session == NULL)
    return NULL;
  return g_steal_pointer (&self);
}

void
tanba_bank_client_free (TanbaBankClient *self)
{
  if (self == NULL)
    return;
  g_free (self->url);
  g_free (self->trust_anchor);
  g_clear_object (&self->session);
  g_free (self->last_error_code);
  g_free (self);
}

void
tanba_bank_registration_free (TanbaBankRegistration *registration)
{
  if (registration == NULL)
    return;
  g_free (registration->status);
  g_free (registration->user_id);
  g_free (registration->signing_certificate_serial);
  g_free (registration->authentication_certificate_serial);
  g_free (registration);
}

void
tanba_bank_session_free (TanbaBankSession *session)
{
  if (session == NULL)
    return;
  g_free (session->user_id);
  g_free (session->name);
  g_free (session->organization);
  g_free (session->certificate_serial);
  g_clear_pointer (&session->certificate_not_after, g_date_time_unref);
  g_clear_pointer (&session->registered_at, g_date_time_unref);
  g_clear_pointer (&session->signed_in_at, g_date_time_unref);
  g_free (session);
}

const char *
tanba_bank_client_get_last_error_code (TanbaBankClient *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->last_error_code;
}

/* ---- JSON ---------------------------------------------------------------------- */

static JsonObject *
parse_object (GBytes  *bytes,
              GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;

  if (bytes == NULL
      || !json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL),
                                      (gssize) g_bytes_get_size (bytes), NULL)
      || (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, TANBA_BANK_ERROR, TANBA_BANK_ERROR_BAD_RESPONSE,
                           _("The bank’s answer is not the JSON Tanba expects. Check the bank’s address in the settings."));
      return NULL;
    }
  return json_object_ref (json_node_get_object (root));
}

/* A string member, or NULL (wrong type or missing). */
static const char *
string_member (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static GDateTime *
time_member (JsonObject *object,
             const char *name)
{
  const char *text = string_member (object, name);

  return text != NULL ? g_date_time_new_from_iso8601 (text, NULL) : NULL;
}

static gboolean
missing_member (GError    **error,
                const char *name)
{
  g_set_error (error, TANBA_BANK_ERROR, TANBA_BANK_ERROR_BAD_RESPONSE,
               _("The bank’s answer lacks “%s”. Check the bank’s address in the settings, or tell the bank."),
               name);
  return FALSE;
}

/* The bank's words for its error codes. */
static void
set_bank_error (GError    **error,
                const char *code,
                const char *message)
{
  static const struct
  {
    const char        *code;
    TanbaBankErrorCode error;
    const char        *words;
  } known[] = {
    { "nonce-invalid", TANBA_BANK_ERROR_REFUSED,
      N_("The bank’s one-time code for this registration expired or was already used. Try again: a new one is asked for each time.") },
    { "certificate-unknown", TANBA_BANK_ERROR_CERTIFICATE,
      N_("The bank does not know the certificate: its certification authority did not issue it. Check that the bank’s address and the certification authority’s address in the settings belong to the same bank.") },
    { "wrong-certificate", TANBA_BANK_ERROR_CERTIFICATE,
      N_("A certificate was used in the wrong role: the bank expects the signing certificate for signatures and the authentication certificate for sign-in.") },
    { "certificate-not-in-force", TANBA_BANK_ERROR_CERTIFICATE,
      N_("The certificate is revoked, replaced, expired, or its issue was never confirmed. Continue the registration or renew the certificate.") },
    { "user-mismatch", TANBA_BANK_ERROR_REFUSED,
      N_("The signing and the authentication certificate belong to different users. Both must come from the same registration: continue the registration of this token.") },
    { "signature-invalid", TANBA_BANK_ERROR_REFUSED,
      N_("The bank could not verify the signature made with the signing key on the token: the key does not match the signing certificate. Continue the registration; if it fails again, tell the bank.") },
    { "tls-required", TANBA_BANK_ERROR_REFUSED,
      N_("The bank accepts this only over an encrypted connection. Use the https:// address the bank gave you.") },
    { "no-client-certificate", TANBA_BANK_ERROR_CERTIFICATE,
      N_("The bank did not receive the authentication certificate. Check that the token holds it and try again.") },
    { "certificate-untrusted", TANBA_BANK_ERROR_CERTIFICATE,
      N_("The bank does not trust the authentication certificate: it is expired or was not issued by the bank’s certification authority.") },
    { "certificate-not-registered", TANBA_BANK_ERROR_NOT_REGISTERED,
      N_("The authentication certificate is not registered with the bank. Finish the registration of this token first.") },
  };

  if (g_strcmp0 (code, "bad-request") == 0)
    {
      g_set_error (error, TANBA_BANK_ERROR, TANBA_BANK_ERROR_REFUSED,
                   /* TRANSLATORS: %s is the bank's own message, in English */
                   _("The bank did not understand Tanba’s request. Tell the bank (it said: “%s”)."),
                   message != NULL ? message : "");
      return;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (known); i++)
    if (g_strcmp0 (code, known[i].code) == 0)
      {
        g_set_error_literal (error, TANBA_BANK_ERROR, known[i].error, _(known[i].words));
        return;
      }
  g_set_error (error, TANBA_BANK_ERROR, TANBA_BANK_ERROR_FAILED,
               /* TRANSLATORS: the bank's own message (English), then its error code */
               _("The bank refused: “%s” (%s)."), message != NULL ? message : "",
               code != NULL ? code : "?");
}

/* After a failed request: the bank's JSON error if there is one, else the
 * HTTP error as it is. */
static void
explain_failure (TanbaBankClient *self,
                 GError         **error,
                 GError          *http_error,
                 GBytes          *error_body)
{
  g_autoptr(JsonObject) object = NULL;
  const char *code;

  g_clear_pointer (&self->last_error_code, g_free);
  if (http_error->domain == TANBA_HTTP_ERROR && http_error->code == TANBA_HTTP_ERROR_STATUS
      && error_body != NULL && (object = parse_object (error_body, NULL)) != NULL
      && (code = string_member (object, "error")) != NULL)
    {
      self->last_error_code = g_strdup (code);
      g_debug ("Bank: %s: %s", code, string_member (object, "message"));
      set_bank_error (error, code, string_member (object, "message"));
      g_error_free (http_error);
      return;
    }
  g_propagate_error (error, http_error);
}

static JsonObject *
post_json (TanbaBankClient *self,
           const char      *path,
           JsonBuilder     *builder,
           GCancellable    *cancellable,
           GError         **error)
{
  g_autofree char *url = tanba_http_join (self->url, path);
  g_autoptr(GBytes) request = NULL;
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GBytes) error_body = NULL;
  GError *local = NULL;

  if (builder != NULL)
    {
      g_autoptr(JsonGenerator) generator = json_generator_new ();
      g_autoptr(JsonNode) root = json_builder_get_root (builder);
      gsize length = 0;
      char *text;

      json_generator_set_root (generator, root);
      text = json_generator_to_data (generator, &length);
      request = g_bytes_new_take (text, length);
    }
  answer = tanba_http_post (self->session, url, builder != NULL ? "application/json" : NULL,
                            request, MAX_ANSWER, NULL, &error_body, cancellable, &local);
  if (answer == NULL)
    {
      explain_failure (self, error, local, error_body);
      return NULL;
    }
  g_clear_pointer (&self->last_error_code, g_free);
  return parse_object (answer, error);
}

/* ---- registration ----------------------------------------------------------------- */

static GBytes *
certificate_der (X509 *certificate)
{
  unsigned char *der = NULL;
  int length = i2d_X509 (certificate, &der);
  GBytes *bytes;

  if (length <= 0)
    {
      ERR_clear_error ();
      return NULL;
    }
  bytes = g_bytes_new (der, length);
  OPENSSL_free (der);
  return bytes;
}

static void
add_base64 (JsonBuilder *builder,
            const char  *name,
            GBytes      *bytes)
{
  g_autofree char *text = g_base64_encode (g_bytes_get_data (bytes, NULL),
                                           g_bytes_get_size (bytes));

  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, text);
}

/* One attempt: a nonce, the signature over it, the registration. */
static TanbaBankRegistration *
register_once (TanbaBankClient *self,
               X509            *signing_certificate,
               EVP_PKEY        *signing_key,
               GBytes          *signing_der,
               GBytes          *authentication_der,
               GCancellable    *cancellable,
               GError         **error)
{
  g_autoptr(JsonObject) nonce_answer = NULL;
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(GBytes) content = NULL;
  g_autoptr(GBytes) signature = NULL;
  g_autofree guchar *nonce = NULL;
  g_autoptr(TanbaBankRegistration) result = NULL;
  unsigned char digest[SHA256_DIGEST_LENGTH];
  const char *nonce_text;
  GByteArray *signed_bytes;
  gsize nonce_length = 0;

  /* 1. a nonce */
  nonce_answer = post_json (self, "bank/registration/nonce", NULL, cancellable, error);
  if (nonce_answer == NULL)
    return NULL;
  nonce_text = string_member (nonce_answer, "nonce");
  if (nonce_text == NULL)
    {
      missing_member (error, "nonce");
      return NULL;
    }
  nonce = g_base64_decode (nonce_text, &nonce_length);
  if (nonce_length == 0 || nonce_length > MAX_NONCE_SIZE)
    {
      g_set_error_literal (error, TANBA_BANK_ERROR, TANBA_BANK_ERROR_BAD_RESPONSE,
                           _("The bank sent a one-time code Tanba cannot use. Tell the bank."));
      return NULL;
    }

  /* 2. the signed content: nonce ‖ SHA-256(authentication certificate DER) */
  SHA256 (g_bytes_get_data (authentication_der, NULL), g_bytes_get_size (authentication_der),
          digest);
  signed_bytes = g_byte_array_sized_new (nonce_length + sizeof digest);
  g_byte_array_append (signed_bytes, nonce, nonce_length);
  g_byte_array_append (signed_bytes, digest, sizeof digest);
  content = g_byte_array_free_to_bytes (signed_bytes);
  signature = tanba_cms_sign_bytes (signing_certificate, signing_key, NULL, content, error);
  if (signature == NULL)
    return NULL;

  /* 3. registration */
  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "nonce");
  json_builder_add_string_value (builder, nonce_text);
  add_base64 (builder, "signing_certificate", signing_der);
  add_base64 (builder, "authentication_certificate", authentication_der);
  add_base64 (builder, "signature", signature);
  json_builder_end_object (builder);
  answer = post_json (self, "bank/registration", builder, cancellable, error);
  if (answer == NULL)
    return NULL;

  result = g_new0 (TanbaBankRegistration, 1);
  result->status = g_strdup (string_member (answer, "status"));
  result->user_id = g_strdup (string_member (answer, "user_id"));
  result->signing_certificate_serial = g_strdup (string_member (answer,
                                                                "signing_certificate_serial"));
  result->authentication_certificate_serial =
    g_strdup (string_member (answer, "authentication_certificate_serial"));
  if (result->status == NULL)
    {
      missing_member (error, "status");
      return NULL;
    }
  if (!g_str_equal (result->status, "registered")
      && !g_str_equal (result->status, "already-registered"))
    {
      g_set_error (error, TANBA_BANK_ERROR, TANBA_BANK_ERROR_BAD_RESPONSE,
                   _("The bank answered the registration with “%s”, which Tanba does not know. Tell the bank."),
                   result->status);
      return NULL;
    }
  if (result->user_id == NULL)
    {
      missing_member (error, "user_id");
      return NULL;
    }
  return g_steal_pointer (&result);
}

TanbaBankRegistration *
tanba_bank_client_register (TanbaBankClient *self,
                            X509            *signing_certificate,
                            EVP_PKEY        *signing_key,
                            X509            *authentication_certificate,
                            GCancellable    *cancellable,
                            GError         **error)
{
  g_autoptr(GBytes) signing_der = NULL;
  g_autoptr(GBytes) authentication_der = NULL;
  TanbaBankRegistration *result;
  GError *local_error = NULL;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (signing_certificate != NULL, NULL);
  g_return_val_if_fail (signing_key != NULL, NULL);
  g_return_val_if_fail (authentication_certificate != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  signing_der = certificate_der (signing_certificate);
  authentication_der = certificate_der (authentication_certificate);
  if (signing_der == NULL || authentication_der == NULL)
    {
      g_set_error_literal (error, TANBA_BANK_ERROR, TANBA_BANK_ERROR_FAILED,
                           _("A certificate on the token cannot be encoded; it is damaged."));
      return NULL;
    }

  result = register_once (self, signing_certificate, signing_key, signing_der, authentication_der,
                          cancellable, &local_error);
  /* A nonce that expired between the two calls (a slow token, a slow
   * network) is no reason to give up: once more with a new one. */
  if (result == NULL && g_strcmp0 (tanba_bank_client_get_last_error_code (self), "nonce-invalid") == 0)
    {
      g_debug ("bank: the nonce expired; asking for a new one");
      g_clear_error (&local_error);
      result = register_once (self, signing_certificate, signing_key, signing_der,
                              authentication_der, cancellable, &local_error);
    }
  if (local_error != NULL)
    g_propagate_error (error, local_error);
  return result;
}

/* ---- sign-in ------------------------------------------------------------------------ */

char *
tanba_bank_pkcs11_uri (const char *token_serial,
                       const char *token_label,
                       GBytes     *id,
                       gboolean    private_key)
{
  GString *uri = g_string_new ("pkcs11:");
  const guint8 *bytes;
  gsize length = 0;

  g_return_val_if_fail (token_serial != NULL, NULL);
  g_return_val_if_fail (id != NULL, NULL);

  if (token_label != NULL && *token_label != '\0')
    {
      g_autofree char *escaped = g_uri_escape_string (token_label, NULL, FALSE);

      g_string_append_printf (uri, "token=%s;", escaped);
    }
  {
    g_autofree char *escaped = g_uri_escape_string (token_serial, NULL, FALSE);

    g_string_append_printf (uri, "serial=%s;id=", escaped);
  }
  bytes = g_bytes_get_data (id, &length);
  for (gsize i = 0; i < length; i++)
    g_string_append_printf (uri, "%%%02X", bytes[i]);
  g_string_append (uri, private_key ? ";type=private" : ";type=cert");
  return g_string_free (uri, FALSE);
}

typedef struct
{
  const char *pin;
  guint       asked;
} PinRequest;

static void
wipe_free (gpointer data)
{
  char *secret = data;

  if (secret != NULL)
    explicit_bzero (secret, strlen (secret));
  g_free (secret);
}

/* The token's PIN, given once. When GnuTLS asks again (the PIN was wrong)
 * the request is left unhandled: libsoup then answers G_TLS_INTERACTION_FAILED,
 * GnuTLS's PIN callback fails and the handshake ends. Completing it with an
 * empty password instead would make GnuTLS log in again and again with "",
 * each a wrong PIN that a hardware token counts towards locking. */
static gboolean
request_password_cb (SoupMessage  *message,
                     GTlsPassword *password,
                     gpointer      user_data)
{
  PinRequest *request = user_data;
  char *copy;

  request->asked++;
  g_debug ("Sign-in: the token's PIN is asked for (time %u, flags 0x%x)", request->asked,
           g_tls_password_get_flags (password));
  if (request->asked > 1 || request->pin == NULL
      || (g_tls_password_get_flags (password) & G_TLS_PASSWORD_RETRY))
    return FALSE;
  copy = g_strdup (request->pin);
  g_tls_password_set_value_full (password, (guchar *) copy, -1, wipe_free);
  soup_message_tls_client_certificate_password_request_complete (message);
  return TRUE;
}

/* The TLS connection of a sign-in, watched until it is finalized: it holds a
 * copy of the token key (a PKCS#11 session), and libsoup closes it in a worker
 * thread after the answer. Returning (or exiting) before that thread is done
 * let it close a PKCS#11 session of a module being finalized at exit
 * (SIGSEGV in SoftHSM's C_CloseSession, seen with tanba-cli signin). */
typedef struct
{
  GObject *connection;   /* not a reference */
  gint     finalized;    /* atomic */
} ConnectionWatch;

static void
connection_finalized_cb (gpointer  data,
                         GObject  *where_the_object_was)
{
  ConnectionWatch *watch = data;

  g_atomic_int_set (&watch->finalized, 1);
}

static void
network_event_cb (SoupMessage        *message,
                  GSocketClientEvent  event,
                  GIOStream          *connection,
                  gpointer            user_data)
{
  ConnectionWatch *watch = user_data;

  if (event == G_SOCKET_CLIENT_TLS_HANDSHAKING && G_IS_TLS_CONNECTION (connection)
      && watch->connection == NULL)
    {
      watch->connection = G_OBJECT (connection);
      g_object_weak_ref (watch->connection, connection_finalized_cb, watch);
    }
}

static TanbaBankSession *
sign_in_exchange (TanbaBankClient *self,
                  const char      *certificate_uri,
                  const char      *key_uri,
                  const char      *pin,
                  ConnectionWatch *watch,
                  GCancellable    *cancellable,
                  GError         **error)
{
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GBytes) error_body = NULL;
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(TanbaBankSession) result = NULL;
  g_autoptr(GError) local = NULL;
  g_autofree char *url = NULL;
  PinRequest request = { pin, 0 };

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (certificate_uri != NULL, NULL);
  g_return_val_if_fail (key_uri != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  certificate = g_tls_certificate_new_from_pkcs11_uris (certificate_uri, key_uri, &local);
  if (certificate == NULL)
    {
      g_debug ("Sign-in: %s: %s", certificate_uri, local->message);
      g_set_error (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_NOT_FOUND,
                   _("The authentication certificate cannot be read from the token (%s). Check that the token is connected and registered with the system (p11-kit)."),
                   local->message);
      return NULL;
    }

  /* a session of its own: no connection made without the certificate is reused */
  session = tanba_http_session_new (self->trust_anchor, 0, error);
  if (session == NULL)
    return NULL;
  url = tanba_http_join (self->url, "bank/whoami");
  if (!tanba_http_check_url (url, error))
    return NULL;
  message = soup_message_new ("GET", url);
  if (message == NULL)
    {
      g_set_error (error, TANBA_HTTP_ERROR, TANBA_HTTP_ERROR_BAD_URL,
                   _("“%s” is not a web address. Enter the https:// address the bank gave you."),
                   url);
      return NULL;
    }
  soup_message_set_tls_client_certificate (message, certificate);
  g_signal_connect (message, "request-certificate-password", G_CALLBACK (request_password_cb),
                    &request);
  g_signal_connect (message, "network-event", G_CALLBACK (network_event_cb), watch);

  answer = tanba_http_send (session, message, MAX_ANSWER, &error_body, cancellable, &local);
  g_signal_handlers_disconnect_by_func (message, request_password_cb, &request);
  g_signal_handlers_disconnect_by_func (message, network_event_cb, watch);
  soup_session_abort (session);
  if (answer == NULL)
    {
      if (request.asked > 1)
        {
          /* GnuTLS asked again: the token refused the PIN */
          g_debug ("Sign-in failed after the PIN was asked %u times: %s", request.asked,
                   local->message);
          g_set_error_literal (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_PIN_INCORRECT,
                               _("The token password is wrong. Sign-in was not attempted again: check the password and try once more."));
          return NULL;
        }
      explain_failure (self, error, g_steal_pointer (&local), error_body);
      return NULL;
    }

  object = parse_object (answer, error);
  if (object == NULL)
    return NULL;
  result = g_new0 (TanbaBankSession, 1);
  result->user_id = g_strdup (string_member (object, "user_id"));
  result->name = g_strdup (string_member (object, "name"));
  result->organization = g_strdup (string_member (object, "organization"));
  result->certificate_serial = g_strdup (string_member (object, "certificate_serial"));
  result->certificate_not_after = time_member (object, "certificate_not_after");
  result->registered_at = time_member (object, "registered_at");
  result->signed_in_at = time_member (object, "signed_in_at");
  if (result->user_id == NULL)
    {
      missing_member (error, "user_id");
      return NULL;
    }
  if (result->name == NULL)
    result->name = g_strdup (result->user_id);
  if (result->signed_in_at == NULL)
    result->signed_in_at = g_date_time_new_now_utc ();
  return g_steal_pointer (&result);
}

TanbaBankSession *
tanba_bank_client_sign_in (TanbaBankClient *self,
                           const char      *certificate_uri,
                           const char      *key_uri,
                           const char      *pin,
                           GCancellable    *cancellable,
                           GError         **error)
{
  GMainContext *context = g_main_context_ref_thread_default ();
  ConnectionWatch watch = { NULL, 0 };
  TanbaBankSession *result;
  gint64 deadline;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  result = sign_in_exchange (self, certificate_uri, key_uri, pin, &watch, cancellable, error);

  /* Wait for the connection to be gone. libsoup finishes closing it in the
   * context the session was made in (this thread's default): run it here if
   * no one else does (a command line), else let its owner (a GUI's main loop)
   * dispatch, and only wait. */
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (watch.connection != NULL && !g_atomic_int_get (&watch.finalized)
         && g_get_monotonic_time () < deadline)
    {
      if (g_main_context_acquire (context))
        {
          while (g_main_context_iteration (context, FALSE))
            ;
          g_main_context_release (context);
        }
      if (!g_atomic_int_get (&watch.finalized))
        g_usleep (1000);
    }
  if (watch.connection != NULL && !g_atomic_int_get (&watch.finalized))
    {
      g_warning ("Sign-in: the TLS connection was not closed within 10 s");
      g_object_weak_unref (watch.connection, connection_finalized_cb, &watch);
    }
  g_main_context_unref (context);
  return result;
}
