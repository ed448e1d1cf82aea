/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-cmp-client.c: OpenSSL's CMP client (OSSL_CMP_CTX) with tanba-http as
 * transport.
 *
 * One OSSL_CMP_CTX and one SoupSession per operation, both made and freed in
 * the calling thread. Errors come back in this order of precedence: the
 * accept function's own error (certConf said "rejected"), the transport's
 * error as tanba-http reported it (so that "untrusted server" and
 * "unreachable" stay apart), the CA's PKIStatus in words, then what OpenSSL
 * said. */
#include "config.h"

#include <string.h>

#include <openssl/cmp.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "tanba-cmp-client.h"
#include "tanba-http.h"
#include "tanba-i18n.h"

G_DEFINE_QUARK (tanba-cmp-error-quark, tanba_cmp_error)

#define DEFAULT_TIMEOUT     60
#define MAX_RESPONSE_SIZE   (256 * 1024)
#define PKIXCMP             "application/pkixcmp"

typedef enum
{
  PROTECTION_NONE,
  PROTECTION_SIGNATURE,
  PROTECTION_MAC,
} Protection;

struct _TanbaCmpClient
{
  char            *url;
  char            *trust_anchor;
  STACK_OF (X509) *anchors;
  guint            timeout;

  Protection       protection;
  EVP_PKEY        *key;
  X509            *certificate;
  STACK_OF (X509) *chain;
  char            *reference;
  char            *secret;

  char            *status_text;
};

/* One operation (ir, kur or rr). */
typedef struct
{
  TanbaCmpClient     *client;
  SoupSession        *session;
  GCancellable       *cancellable;
  GError             *transport_error; /* from the transfer callback */
  TanbaCmpAcceptFunc  accept;
  gpointer            accept_data;
  GError             *accept_error;    /* why certConf said "rejected" */
  char               *accept_text;     /* its message, for certConf's statusString */
  X509_STORE         *out_trusted;     /* the new certificate must chain to the anchor */
  guint               received;        /* answers received */
} Exchange;

/* ---- helpers ---- */

static void
clear_secret (char **secret)
{
  if (*secret != NULL)
    {
      OPENSSL_cleanse (*secret, strlen (*secret));
      g_free (*secret);
      *secret = NULL;
    }
}

static void
clear_protection (TanbaCmpClient *self)
{
  g_clear_pointer (&self->key, EVP_PKEY_free);
  g_clear_pointer (&self->certificate, X509_free);
  if (self->chain != NULL)
    {
      sk_X509_pop_free (self->chain, X509_free);
      self->chain = NULL;
    }
  g_clear_pointer (&self->reference, g_free);
  clear_secret (&self->secret);
  self->protection = PROTECTION_NONE;
}

/* The anchors from a PEM file; NULL with TANBA_HTTP_ERROR_TRUST_ANCHOR. */
static STACK_OF (X509) *
load_anchors (const char  *path,
              GError     **error)
{
  STACK_OF (X509) *anchors = sk_X509_new_null ();
  BIO *bio = BIO_new_file (path, "r");
  X509 *cert;

  while (bio != NULL && (cert = PEM_read_bio_X509 (bio, NULL, NULL, NULL)) != NULL)
    sk_X509_push (anchors, cert);
  ERR_clear_error ();
  BIO_free (bio);

  if (sk_X509_num (anchors) == 0)
    {
      sk_X509_free (anchors);
      g_set_error (error, TANBA_HTTP_ERROR, TANBA_HTTP_ERROR_TRUST_ANCHOR,
                   _("The trust anchor file %s cannot be read or holds no certificate. Choose "
                     "the bank's CA certificate file (PEM) in the settings."),
                   path);
      return NULL;
    }
  return anchors;
}

static X509_STORE *
anchor_store (TanbaCmpClient *self)
{
  X509_STORE *store = X509_STORE_new ();

  for (int i = 0; i < sk_X509_num (self->anchors); i++)
    X509_STORE_add_cert (store, sk_X509_value (self->anchors, i));
  return store;
}

/* All of OpenSSL's error queue as one line (and the queue emptied). The
 * first CMP reason code goes to @reason_out; the errorDetails of a CMP error
 * message received (OpenSSL puts them in the error data) to @details_out. */
static char *
openssl_errors_full (int   *reason_out,
                     char **details_out)
{
  g_autoptr(GString) text = g_string_new (NULL);
  const char *data = NULL;
  unsigned long code;
  int flags = 0;

  if (reason_out != NULL)
    *reason_out = 0;
  if (details_out != NULL)
    *details_out = NULL;
  while ((code = ERR_get_error_all (NULL, NULL, NULL, &data, &flags)) != 0)
    {
      const char *reason = ERR_reason_error_string (code);

      if (reason_out != NULL && *reason_out == 0 && ERR_GET_LIB (code) == ERR_LIB_CMP)
        *reason_out = ERR_GET_REASON (code);
      if (text->len > 0)
        g_string_append (text, "; ");
      if (reason != NULL)
        g_string_append (text, reason);
      else
        g_string_append_printf (text, "error %lx", code);
      if (data != NULL && *data != '\0' && (flags & ERR_TXT_STRING))
        {
          const char *details = strstr (data, "errorDetails: ");

          g_string_append_printf (text, " (%s)", data);
          if (details != NULL && details_out != NULL && *details_out == NULL)
            {
              details += strlen ("errorDetails: ");
              /* "CMP routines, <reason>, <what the server said>" */
              if (g_str_has_prefix (details, "CMP routines, "))
                details += strlen ("CMP routines, ");
              if (g_utf8_validate (details, -1, NULL))
                *details_out = g_strdup (details);
            }
        }
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static char *
openssl_errors (int *reason_out)
{
  return openssl_errors_full (reason_out, NULL);
}

static int
log_cb (const char        *func,
        const char        *file,
        int                line,
        OSSL_CMP_severity  level,
        const char        *msg)
{
  g_debug ("CMP %s: %s", func != NULL ? func : "", msg);
  return 1;
}

/* ---- words for PKIStatus and PKIFailureInfo ---- */

/* Translators: a CMP PKIStatus, shown as “accepted” or “granted with
 * modifications: The validity was capped at 3 years” */
static const char *
status_words (int status)
{
  switch (status)
    {
    case OSSL_CMP_PKISTATUS_accepted:
      return _("accepted");
    case OSSL_CMP_PKISTATUS_grantedWithMods:
      return _("granted with modifications");
    case OSSL_CMP_PKISTATUS_rejection:
      return _("refused");
    case OSSL_CMP_PKISTATUS_waiting:
      return _("waiting");
    case OSSL_CMP_PKISTATUS_revocationWarning:
      return _("revocation warning");
    case OSSL_CMP_PKISTATUS_revocationNotification:
      return _("revocation notification");
    case OSSL_CMP_PKISTATUS_keyUpdateWarning:
      return _("key update warning");
    default:
      return _("unknown status");
    }
}

/* Translators: CMP failure reasons (PKIFailureInfo), shown in parentheses
 * after what the CA said, e.g. “… (bad certificate template)” */
static const char *
fail_info_words (int bit)
{
  switch (bit)
    {
    case OSSL_CMP_PKIFAILUREINFO_badAlg:
      return _("unsupported algorithm");
    case OSSL_CMP_PKIFAILUREINFO_badMessageCheck:
      return _("the message check failed");
    case OSSL_CMP_PKIFAILUREINFO_badRequest:
      return _("bad request");
    case OSSL_CMP_PKIFAILUREINFO_badTime:
      return _("wrong time (check this computer's clock)");
    case OSSL_CMP_PKIFAILUREINFO_badCertId:
      return _("unknown certificate");
    case OSSL_CMP_PKIFAILUREINFO_badDataFormat:
      return _("bad data format");
    case OSSL_CMP_PKIFAILUREINFO_wrongAuthority:
      return _("wrong certificate authority");
    case OSSL_CMP_PKIFAILUREINFO_incorrectData:
      return _("incorrect data");
    case OSSL_CMP_PKIFAILUREINFO_missingTimeStamp:
      return _("missing time stamp");
    case OSSL_CMP_PKIFAILUREINFO_badPOP:
      return _("the proof of possession of the key failed");
    case OSSL_CMP_PKIFAILUREINFO_certRevoked:
      return _("the certificate is revoked");
    case OSSL_CMP_PKIFAILUREINFO_certConfirmed:
      return _("the certificate was already confirmed");
    case OSSL_CMP_PKIFAILUREINFO_wrongIntegrity:
      return _("wrong protection");
    case OSSL_CMP_PKIFAILUREINFO_badRecipientNonce:
      return _("bad recipient nonce");
    case OSSL_CMP_PKIFAILUREINFO_timeNotAvailable:
      return _("time not available");
    case OSSL_CMP_PKIFAILUREINFO_unacceptedPolicy:
      return _("policy not accepted");
    case OSSL_CMP_PKIFAILUREINFO_unacceptedExtension:
      return _("extension not accepted");
    case OSSL_CMP_PKIFAILUREINFO_addInfoNotAvailable:
      return _("additional information not available");
    case OSSL_CMP_PKIFAILUREINFO_badSenderNonce:
      return _("bad sender nonce");
    case OSSL_CMP_PKIFAILUREINFO_badCertTemplate:
      return _("bad certificate template");
    case OSSL_CMP_PKIFAILUREINFO_signerNotTrusted:
      return _("the signer is not trusted");
    case OSSL_CMP_PKIFAILUREINFO_transactionIdInUse:
      return _("transaction ID in use");
    case OSSL_CMP_PKIFAILUREINFO_unsupportedVersion:
      return _("unsupported protocol version");
    case OSSL_CMP_PKIFAILUREINFO_notAuthorized:
      return _("not authorized");
    case OSSL_CMP_PKIFAILUREINFO_systemUnavail:
      return _("the system is unavailable");
    case OSSL_CMP_PKIFAILUREINFO_systemFailure:
      return _("system failure");
    case OSSL_CMP_PKIFAILUREINFO_duplicateCertReq:
      return _("duplicate certificate request");
    default:
      return _("unknown reason");
    }
}

static char *
fail_info_text (int fail_info)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (int bit = 0; bit <= OSSL_CMP_PKIFAILUREINFO_MAX; bit++)
    if (fail_info & (1 << bit))
      {
        if (text->len > 0)
          g_string_append (text, ", ");
        g_string_append (text, fail_info_words (bit));
      }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* The CA's statusString, joined. */
static char *
status_strings (OSSL_CMP_CTX *ctx)
{
  OSSL_CMP_PKIFREETEXT *strings = OSSL_CMP_CTX_get0_statusString (ctx);
  g_autoptr(GString) text = g_string_new (NULL);

  for (int i = 0; i < sk_ASN1_UTF8STRING_num (strings); i++)
    {
      ASN1_UTF8STRING *string = sk_ASN1_UTF8STRING_value (strings, i);
      g_autofree char *utf8 = g_strndup ((const char *) ASN1_STRING_get0_data (string),
                                         ASN1_STRING_length (string));

      if (!g_utf8_validate (utf8, -1, NULL))
        continue;
      if (text->len > 0)
        g_string_append (text, "; ");
      g_string_append (text, utf8);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
remember_status (TanbaCmpClient *self,
                 OSSL_CMP_CTX   *ctx)
{
  int status = OSSL_CMP_CTX_get_status (ctx);
  g_autofree char *strings = NULL;

  g_clear_pointer (&self->status_text, g_free);
  if (status < OSSL_CMP_PKISTATUS_accepted)
    return;
  strings = status_strings (ctx);
  if (*strings != '\0')
    self->status_text = g_strdup_printf ("%s: %s", status_words (status), strings);
  else
    self->status_text = g_strdup (status_words (status));
}

/* ---- transport ---- */

static void
openssl_free (gpointer data)
{
  OPENSSL_free (data);
}

static OSSL_CMP_MSG *
transfer_cb (OSSL_CMP_CTX       *ctx,
             const OSSL_CMP_MSG *request)
{
  Exchange *x = OSSL_CMP_CTX_get_transfer_cb_arg (ctx);
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) answer = NULL;
  const char *content_type;
  unsigned char *der = NULL;
  const unsigned char *p;
  OSSL_CMP_MSG *response;
  gsize size;
  int length;

  if (x->transport_error != NULL)
    return NULL;
  if (g_cancellable_set_error_if_cancelled (x->cancellable, &x->transport_error))
    return NULL;

  length = i2d_OSSL_CMP_MSG ((OSSL_CMP_MSG *) request, &der);
  if (length <= 0)
    return NULL; /* OpenSSL's own error: it says what */
  body = g_bytes_new_with_free_func (der, length, openssl_free, der);

  if (!tanba_http_check_url (x->client->url, &x->transport_error))
    return NULL;
  message = soup_message_new ("POST", x->client->url);
  soup_message_set_request_body_from_bytes (message, PKIXCMP, body);
  answer = tanba_http_send (x->session, message, MAX_RESPONSE_SIZE, NULL, x->cancellable,
                            &x->transport_error);
  if (answer == NULL)
    return NULL;

  content_type = soup_message_headers_get_content_type (
    soup_message_get_response_headers (message), NULL);
  if (content_type == NULL || g_ascii_strcasecmp (content_type, PKIXCMP) != 0)
    {
      g_set_error (&x->transport_error, TANBA_CMP_ERROR, TANBA_CMP_ERROR_BAD_RESPONSE,
                   _("The server at %s did not answer in CMP (it sent “%s”). Check the CA "
                     "address in the settings."),
                   x->client->url, content_type != NULL ? content_type : "");
      return NULL;
    }

  p = g_bytes_get_data (answer, &size);
  response = size > 0 ? d2i_OSSL_CMP_MSG (NULL, &p, size) : NULL;
  if (response == NULL || p != (const unsigned char *) g_bytes_get_data (answer, NULL) + size)
    {
      OSSL_CMP_MSG_free (response);
      ERR_clear_error ();
      g_set_error (&x->transport_error, TANBA_CMP_ERROR, TANBA_CMP_ERROR_BAD_RESPONSE,
                   _("The answer of the CA at %s is not a valid CMP message. Try again later; "
                     "if it happens again, tell the bank."),
                   x->client->url);
      return NULL;
    }
  x->received++;
  return response;
}

/* ---- certConf ---- */

static int
cert_conf_cb (OSSL_CMP_CTX  *ctx,
              X509          *certificate,
              int            fail_info,
              const char   **text)
{
  Exchange *x = OSSL_CMP_CTX_get_transfer_cb_arg (ctx);

  /* OpenSSL's own checks first: the key matches, the certificate chains to
   * the trust anchor (out_trusted is this callback's argument) */
  fail_info = OSSL_CMP_certConf_cb (ctx, certificate, fail_info, text);
  if (fail_info != 0)
    {
      if (x->accept_error == NULL)
        {
          g_autofree char *errors = openssl_errors (NULL);

          g_set_error (&x->accept_error, TANBA_CMP_ERROR, TANBA_CMP_ERROR_BAD_RESPONSE,
                       _("The certificate the CA sent is not for the new key or is not issued "
                         "by the bank's CA in the trust anchor file %s; it was refused. Tell "
                         "the bank."),
                       x->client->trust_anchor);
          g_debug ("certConf check: %s", errors);
        }
      return fail_info;
    }

  if (x->accept != NULL && !x->accept (certificate, x->accept_data, &x->accept_error))
    {
      if (x->accept_error == NULL)
        g_set_error (&x->accept_error, TANBA_CMP_ERROR, TANBA_CMP_ERROR_FAILED,
                     _("The certificate received could not be stored."));
      g_free (x->accept_text);
      x->accept_text = g_strdup (x->accept_error->message);
      *text = x->accept_text;
      return 1 << OSSL_CMP_PKIFAILUREINFO_systemFailure;
    }
  return 0;
}

/* ---- the context ---- */

static STACK_OF (X509_EXTENSION) *
profile_extensions (TanbaCertProfile profile)
{
  STACK_OF (X509_EXTENSION) *extensions = sk_X509_EXTENSION_new_null ();
  X509_EXTENSION *extension;

  extension = X509V3_EXT_conf_nid (NULL, NULL, NID_key_usage,
                                   profile == TANBA_CERT_PROFILE_SIGNING
                                     ? "critical,digitalSignature,nonRepudiation"
                                     : "critical,digitalSignature");
  sk_X509_EXTENSION_push (extensions, extension);
  if (profile == TANBA_CERT_PROFILE_AUTHENTICATION)
    {
      extension = X509V3_EXT_conf_nid (NULL, NULL, NID_ext_key_usage, "clientAuth");
      sk_X509_EXTENSION_push (extensions, extension);
    }
  return extensions;
}

static gboolean
exchange_init (Exchange        *x,
               TanbaCmpClient  *self,
               GCancellable    *cancellable,
               GError         **error)
{
  memset (x, 0, sizeof *x);
  x->client = self;
  x->cancellable = cancellable;

  g_clear_pointer (&self->status_text, g_free);
  if (self->protection == PROTECTION_NONE)
    {
      g_set_error (error, TANBA_CMP_ERROR, TANBA_CMP_ERROR_FAILED,
                   _("No protection is set for the request to the CA (programming error)."));
      return FALSE;
    }
  if (g_cancellable_is_cancelled (cancellable))
    {
      g_set_error (error, TANBA_CMP_ERROR, TANBA_CMP_ERROR_CANCELLED,
                   _("The request to the bank's CA was cancelled."));
      return FALSE;
    }
  x->session = tanba_http_session_new (self->trust_anchor, self->timeout, error);
  if (x->session == NULL)
    return FALSE;
  x->out_trusted = anchor_store (self);
  return TRUE;
}

static void
exchange_clear (Exchange *x)
{
  g_clear_object (&x->session);
  g_clear_error (&x->transport_error);
  g_clear_error (&x->accept_error);
  g_clear_pointer (&x->accept_text, g_free);
  g_clear_pointer (&x->out_trusted, X509_STORE_free);
}

static OSSL_CMP_CTX *
context_new (TanbaCmpClient *self,
             Exchange       *x,
             GError        **error)
{
  OSSL_CMP_CTX *ctx = OSSL_CMP_CTX_new (NULL, NULL);
  gboolean ok;

  if (ctx == NULL)
    {
      g_set_error (error, TANBA_CMP_ERROR, TANBA_CMP_ERROR_FAILED,
                   _("The CMP client could not be set up (out of memory)."));
      return NULL;
    }

  ok = OSSL_CMP_CTX_set_log_cb (ctx, log_cb)
       && OSSL_CMP_CTX_set0_trustedStore (ctx, anchor_store (self))
       && OSSL_CMP_CTX_set_transfer_cb (ctx, transfer_cb)
       && OSSL_CMP_CTX_set_transfer_cb_arg (ctx, x)
       && OSSL_CMP_CTX_set_certConf_cb (ctx, cert_conf_cb)
       && OSSL_CMP_CTX_set_certConf_cb_arg (ctx, x->out_trusted)
       /* every certificate is confirmed explicitly, after the accept function */
       && OSSL_CMP_CTX_set_option (ctx, OSSL_CMP_OPT_IMPLICIT_CONFIRM, 0)
       && OSSL_CMP_CTX_set_option (ctx, OSSL_CMP_OPT_DISABLE_CONFIRM, 0)
       && OSSL_CMP_CTX_set_option (ctx, OSSL_CMP_OPT_MSG_TIMEOUT, (int) self->timeout)
       /* errors must be protected too */
       && OSSL_CMP_CTX_set_option (ctx, OSSL_CMP_OPT_UNPROTECTED_ERRORS, 0);

  if (ok && self->protection == PROTECTION_SIGNATURE)
    ok = OSSL_CMP_CTX_set1_cert (ctx, self->certificate)
         && OSSL_CMP_CTX_set1_pkey (ctx, self->key)
         /* OpenSSL 3.0 sets the untrusted list to NULL for an empty stack,
          * and then fails on the answer's extraCerts ("passed a null
          * parameter"): leave its own empty list alone. */
         && (self->chain == NULL || sk_X509_num (self->chain) == 0
             || OSSL_CMP_CTX_set1_untrusted (ctx, self->chain));
  else if (ok && self->protection == PROTECTION_MAC)
    ok = OSSL_CMP_CTX_set1_referenceValue (ctx, (const unsigned char *) self->reference,
                                           strlen (self->reference))
         && OSSL_CMP_CTX_set1_secretValue (ctx, (const unsigned char *) self->secret,
                                           strlen (self->secret));

  if (!ok)
    {
      g_autofree char *errors = openssl_errors (NULL);

      g_set_error (error, TANBA_CMP_ERROR, TANBA_CMP_ERROR_FAILED,
                   _("The CMP client could not be set up: %s."), errors);
      OSSL_CMP_CTX_free (ctx);
      return NULL;
    }
  return ctx;
}

static gboolean
set_new_key (OSSL_CMP_CTX *ctx,
             EVP_PKEY     *new_key,
             guint         term_days)
{
  EVP_PKEY_up_ref (new_key);
  if (!OSSL_CMP_CTX_set0_newPkey (ctx, 1, new_key))
    {
      EVP_PKEY_free (new_key);
      return FALSE;
    }
  return term_days == 0
         || OSSL_CMP_CTX_set_option (ctx, OSSL_CMP_OPT_VALIDITY_DAYS,
                                     (int) MIN (term_days, (guint) G_MAXINT));
}

/* ---- errors after a failed exchange ---- */

static gboolean
text_says_already (const char *text)
{
  g_autofree char *lower = g_utf8_strdown (text, -1);

  return strstr (lower, "already") != NULL;
}

static void
set_exchange_error (TanbaCmpClient  *self,
                    Exchange        *x,
                    OSSL_CMP_CTX    *ctx,
                    GError         **error)
{
  int status = OSSL_CMP_CTX_get_status (ctx);
  int fail_info = OSSL_CMP_CTX_get_failInfoCode (ctx);
  g_autofree char *errors = NULL;
  g_autofree char *details = NULL;
  int reason = 0;

  errors = openssl_errors_full (&reason, &details);
  if (*errors != '\0')
    g_debug ("CMP exchange failed: %s", errors);

  if (x->accept_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&x->accept_error));
      return;
    }

  if (x->transport_error != NULL)
    {
      if (g_error_matches (x->transport_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_set_error (error, TANBA_CMP_ERROR, TANBA_CMP_ERROR_CANCELLED,
                     _("The request to the bank's CA was cancelled."));
      else
        g_propagate_error (error, g_steal_pointer (&x->transport_error));
      return;
    }

  if (status == OSSL_CMP_PKISTATUS_rejection)
    {
      g_autofree char *strings = status_strings (ctx);
      g_autofree char *why = fail_info_text (fail_info < 0 ? 0 : fail_info);
      g_autofree char *said = NULL;
      const gboolean not_authorized = fail_info > 0
        && (fail_info & (1 << OSSL_CMP_PKIFAILUREINFO_notAuthorized));
      const gboolean bad_check = fail_info > 0
        && (fail_info & ((1 << OSSL_CMP_PKIFAILUREINFO_badMessageCheck)
                         | (1 << OSSL_CMP_PKIFAILUREINFO_signerNotTrusted)));
      gboolean mac_mismatch;

      /* an error message's details say more than its status string */
      if (details != NULL && strstr (strings, details) == NULL)
        {
          const char *rest = details;
          char *longer;

          /* the details repeat the status string first: "<reason>, <text>" */
          if (*strings != '\0' && g_str_has_prefix (rest, strings)
              && g_str_has_prefix (rest + strlen (strings), ", "))
            rest += strlen (strings) + 2;
          longer = *strings != '\0' ? g_strdup_printf ("%s: %s", strings, rest)
                                     : g_strdup (rest);

          g_free (strings);
          strings = longer;
        }
      mac_mismatch = self->protection == PROTECTION_MAC
                     && (strstr (strings, "MAC") != NULL || strstr (strings, "pbm") != NULL);

      if (*strings != '\0' && *why != '\0')
        said = g_strdup_printf ("%s (%s)", strings, why);
      else if (*strings != '\0')
        said = g_strdup (strings);
      else if (*why != '\0')
        said = g_strdup (why);
      else
        said = g_strdup (_("no reason given"));

      if (not_authorized && text_says_already (strings))
        g_set_error (error, TANBA_CMP_ERROR, TANBA_CMP_ERROR_ALREADY_USED,
                     _("The bank's CA refused the request: the initialization key and OTP PIN "
                       "were already used for a completed registration. Ask the bank for a new "
                       "one. The CA said: %s"),
                     said);
      else if (self->protection == PROTECTION_MAC && (bad_check || not_authorized || mac_mismatch))
        g_set_error (error, TANBA_CMP_ERROR, TANBA_CMP_ERROR_NOT_AUTHORIZED,
                     _("The bank's CA refused the request: the OTP PIN or the user ID is wrong. "
                       "Check both and try again. The CA said: %s"),
                     said);
      else if (bad_check || not_authorized)
        g_set_error (error, TANBA_CMP_ERROR, TANBA_CMP_ERROR_NOT_AUTHORIZED,
                     _("The bank's CA does not accept the key that signed the request: %s"),
                     said);
      else
        g_set_error (error, TANBA_CMP_ERROR, TANBA_CMP_ERROR_REJECTED,
                     _("The bank's CA refused the request: %s"), said);
      return;
    }

  switch (reason)
    {
    case CMP_R_ERROR_VALIDATING_PROTECTION:
    case CMP_R_ERROR_VALIDATING_SIGNATURE:
    case CMP_R_MISSING_PROTECTION:
    case CMP_R_NO_SUITABLE_SENDER_CERT:
    case CMP_R_SRVCERT_DOES_NOT_VALIDATE_MSG:
    case CMP_R_WRONG_PBM_VALUE:
    case CMP_R_MISSING_TRUST_STORE:
      g_set_error (error, TANBA_CMP_ERROR, TANBA_CMP_ERROR_BAD_RESPONSE,
                   _("The answer to the request is not protected by the bank's CA (trust anchor "
                     "file %s): it was not accepted. Check the CA address and the trust anchor "
                     "in the settings."),
                   self->trust_anchor);
      return;
    case CMP_R_TRANSACTIONID_UNMATCHED:
    case CMP_R_RECIPNONCE_UNMATCHED:
    case CMP_R_UNEXPECTED_PKIBODY:
    case CMP_R_UNEXPECTED_PVNO:
    case CMP_R_UNEXPECTED_PKISTATUS:
    case CMP_R_UNKNOWN_PKISTATUS:
    case CMP_R_CERTRESPONSE_NOT_FOUND:
    case CMP_R_PKISTATUSINFO_NOT_FOUND:
    case CMP_R_WRONG_CERTID_IN_RP:
    case CMP_R_WRONG_SERIAL_IN_RP:
    case CMP_R_WRONG_RP_COMPONENT_COUNT:
    case CMP_R_BAD_REQUEST_ID:
    case CMP_R_ERROR_PARSING_PKISTATUS:
    case CMP_R_RECEIVED_ERROR:
      g_set_error (error, TANBA_CMP_ERROR, TANBA_CMP_ERROR_BAD_RESPONSE,
                   _("The CA's answer does not fit the request (%s). Try again later; if it "
                     "happens again, tell the bank."),
                   errors);
      return;
    default:
      break;
    }

  g_set_error (error, TANBA_CMP_ERROR, TANBA_CMP_ERROR_FAILED,
               _("The exchange with the bank's CA failed: %s."),
               *errors != '\0' ? errors : _("no reason given"));
}

/* ---- public API ---- */

TanbaCmpClient *
tanba_cmp_client_new (const char  *url,
                      const char  *trust_anchor,
                      GError     **error)
{
  TanbaCmpClient *self;
  STACK_OF (X509) *anchors;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!tanba_http_check_url (url, error))
    return NULL;
  if (trust_anchor == NULL || *trust_anchor == '\0')
    {
      g_set_error (error, TANBA_HTTP_ERROR, TANBA_HTTP_ERROR_TRUST_ANCHOR,
                   _("No trust anchor is set: choose the bank's CA certificate file (PEM) in "
                     "the settings."));
      return NULL;
    }
  anchors = load_anchors (trust_anchor, error);
  if (anchors == NULL)
    return NULL;

  self = g_new0 (TanbaCmpClient, 1);
  self->url = g_strdup (url);
  self->trust_anchor = g_strdup (trust_anchor);
  self->anchors = anchors;
  self->timeout = DEFAULT_TIMEOUT;
  return self;
}

void
tanba_cmp_client_free (TanbaCmpClient *self)
{
  if (self == NULL)
    return;
  clear_protection (self);
  sk_X509_pop_free (self->anchors, X509_free);
  g_free (self->url);
  g_free (self->trust_anchor);
  g_free (self->status_text);
  g_free (self);
}

void
tanba_cmp_client_set_timeout (TanbaCmpClient *self,
                              guint           seconds)
{
  g_return_if_fail (self != NULL);
  self->timeout = seconds > 0 ? seconds : DEFAULT_TIMEOUT;
}

void
tanba_cmp_client_set_signature_protection (TanbaCmpClient  *self,
                                           EVP_PKEY        *key,
                                           X509            *certificate,
                                           STACK_OF (X509) *chain)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (key != NULL && certificate != NULL);

  EVP_PKEY_up_ref (key);
  X509_up_ref (certificate);
  clear_protection (self);
  self->key = key;
  self->certificate = certificate;
  if (chain != NULL)
    {
      self->chain = sk_X509_new_null ();
      for (int i = 0; i < sk_X509_num (chain); i++)
        {
          X509 *cert = sk_X509_value (chain, i);

          X509_up_ref (cert);
          sk_X509_push (self->chain, cert);
        }
    }
  self->protection = PROTECTION_SIGNATURE;
}

void
tanba_cmp_client_set_mac_protection (TanbaCmpClient *self,
                                     const char     *reference,
                                     const char     *secret)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (reference != NULL && secret != NULL);

  clear_protection (self);
  self->reference = g_strdup (reference);
  self->secret = g_strdup (secret);
  self->protection = PROTECTION_MAC;
}

const char *
tanba_cmp_client_get_status_text (TanbaCmpClient *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->status_text;
}

/* Runs an ir or kur on a set-up context; returns the certificate. */
static X509 *
run_enrollment (TanbaCmpClient  *self,
                Exchange        *x,
                OSSL_CMP_CTX    *ctx,
                gboolean         update,
                GError         **error)
{
  X509 *certificate;

  ERR_clear_error ();
  certificate = update ? OSSL_CMP_exec_KUR_ses (ctx) : OSSL_CMP_exec_IR_ses (ctx);
  remember_status (self, ctx);
  if (certificate == NULL || x->accept_error != NULL)
    {
      set_exchange_error (self, x, ctx, error);
      return NULL;
    }
  ERR_clear_error ();
  X509_up_ref (certificate);
  return certificate;
}

/* ir (no @old_certificate: a new subject @user_id with @profile) or kur
 * (@old_certificate renewed) for @new_key, confirmed after @accept. */
static X509 *
request_certificate (TanbaCmpClient     *self,
                     EVP_PKEY           *new_key,
                     guint               term_days,
                     X509               *old_certificate,
                     TanbaCertProfile    profile,
                     const char         *user_id,
                     TanbaCmpAcceptFunc  accept,
                     gpointer            accept_data,
                     GCancellable       *cancellable,
                     GError            **error)
{
  OSSL_CMP_CTX *ctx = NULL;
  Exchange x;
  X509 *certificate = NULL;
  gboolean ok;

  if (!exchange_init (&x, self, cancellable, error))
    goto out;
  x.accept = accept;
  x.accept_data = accept_data;
  ctx = context_new (self, &x, error);
  if (ctx == NULL)
    goto out;

  if (old_certificate != NULL)
    ok = OSSL_CMP_CTX_set1_oldCert (ctx, old_certificate);
  else
    {
      X509_NAME *subject = X509_NAME_new ();

      ok = X509_NAME_add_entry_by_txt (subject, "CN", MBSTRING_UTF8,
                                       (const unsigned char *) user_id, -1, -1, 0)
           && OSSL_CMP_CTX_set1_subjectName (ctx, subject)
           && OSSL_CMP_CTX_set0_reqExtensions (ctx, profile_extensions (profile));
      X509_NAME_free (subject);
    }
  if (!ok || !set_new_key (ctx, new_key, term_days))
    {
      g_autofree char *errors = openssl_errors (NULL);

      g_set_error (error, TANBA_CMP_ERROR, TANBA_CMP_ERROR_FAILED,
                   _("The certificate request could not be prepared: %s."), errors);
      goto out;
    }

  certificate = run_enrollment (self, &x, ctx, old_certificate != NULL, error);

out:
  OSSL_CMP_CTX_free (ctx);
  exchange_clear (&x);
  return certificate;
}

X509 *
tanba_cmp_client_enroll (TanbaCmpClient     *self,
                         EVP_PKEY           *new_key,
                         TanbaCertProfile    profile,
                         const char         *user_id,
                         guint               term_days,
                         TanbaCmpAcceptFunc  accept,
                         gpointer            accept_data,
                         GCancellable       *cancellable,
                         GError            **error)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (new_key != NULL, NULL);
  g_return_val_if_fail (user_id != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return request_certificate (self, new_key, term_days, NULL, profile, user_id, accept, accept_data,
                              cancellable, error);
}

X509 *
tanba_cmp_client_renew (TanbaCmpClient     *self,
                        X509               *old_certificate,
                        EVP_PKEY           *new_key,
                        guint               term_days,
                        TanbaCmpAcceptFunc  accept,
                        gpointer            accept_data,
                        GCancellable       *cancellable,
                        GError            **error)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (old_certificate != NULL, NULL);
  g_return_val_if_fail (new_key != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return request_certificate (self, new_key, term_days, old_certificate, TANBA_CERT_PROFILE_SIGNING, NULL, accept, accept_data,
                              cancellable, error);
}

gboolean
tanba_cmp_client_revoke (TanbaCmpClient  *self,
                         X509            *certificate,
                         GCancellable    *cancellable,
                         GError         **error)
{
  OSSL_CMP_CTX *ctx = NULL;
  Exchange x;
  gboolean ok = FALSE;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (certificate != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!exchange_init (&x, self, cancellable, error))
    goto out;
  ctx = context_new (self, &x, error);
  if (ctx == NULL)
    goto out;

  if (!OSSL_CMP_CTX_set1_oldCert (ctx, certificate))
    {
      g_autofree char *errors = openssl_errors (NULL);

      g_set_error (error, TANBA_CMP_ERROR, TANBA_CMP_ERROR_FAILED,
                   _("The revocation request could not be prepared: %s."), errors);
      goto out;
    }

  ERR_clear_error ();
  ok = OSSL_CMP_exec_RR_ses (ctx) == 1;
  remember_status (self, ctx);
  if (!ok)
    set_exchange_error (self, &x, ctx, error);
  else
    ERR_clear_error ();

out:
  OSSL_CMP_CTX_free (ctx);
  exchange_clear (&x);
  return ok;
}

guint
tanba_cmp_term_days (guint years)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) today = NULL;
  g_autoptr(GDateTime) later = NULL;

  /* calendar days in UTC: no daylight saving hour in between */
  today = g_date_time_new_utc (g_date_time_get_year (now), g_date_time_get_month (now),
                               g_date_time_get_day_of_month (now), 0, 0, 0);
  later = g_date_time_add_years (today, (int) MIN (years, 9000u));
  if (later == NULL)
    return 0;
  return (guint) (g_date_time_difference (later, today) / G_TIME_SPAN_DAY);
}
