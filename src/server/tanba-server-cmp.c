/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-server-cmp.c: the CMP server: transactions and OpenSSL callbacks. */

#include "config.h"

#include "tanba-server-cmp.h"

#include <string.h>

#include <openssl/bn.h>
#include <openssl/cmp.h>
#include <openssl/crmf.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "tanba-server-der.h"
#include "tanba-server-error.h"
#include "tanba-server-files.h"

#define DEFAULT_TERM_DAYS 365
#define MAX_TERM_YEARS    3
#define MIN_TERM_SECONDS  86400
#define BACKDATE_SECONDS  60
#define MAX_USER_ID       128

/* The same words for an unknown user ID and a wrong OTP PIN: no guessing
 * which user IDs exist. */
#define MAC_MISMATCH "the MAC does not match a user ID and its OTP PIN"

struct _TanbaServerCmp
{
  TanbaServerCa     *ca;
  TanbaServerStore  *store;
  TanbaServerSealer *sealer;
  GHashTable        *transactions; /* transactionID (hex) -> Transaction */
};

typedef enum
{
  REQUESTER_NONE,     /* protection not recognised (OpenSSL rejects it anyway) */
  REQUESTER_MAC,      /* PBM with user ID + OTP PIN */
  REQUESTER_INIT_KEY, /* signature with the user's init key */
  REQUESTER_CERT,     /* signature with a certificate this CA issued */
} RequesterKind;

typedef struct
{
  RequesterKind    kind;
  char            *user_id;
  gint64           id;      /* init_keys.id or certificates.id */
  gboolean         retired; /* init key already used for a complete registration */
  TanbaCertRecord *cert;    /* for REQUESTER_CERT */
  X509            *signer;  /* the certificate whose key signed the message */
} Requester;

typedef struct
{
  TanbaServerCmp   *cmp;
  char             *id;        /* transactionID, hex */
  OSSL_CMP_SRV_CTX *srv;
  gint64            last_used; /* monotonic, µs */
  Requester         requester; /* who opened the transaction */
  Requester         current;   /* who sent the message being processed */
  int               current_protection;
  gint64            cert_id;   /* certificate sent in ip/kup, awaiting certConf */
  gboolean          awaiting_conf;
} Transaction;

const char *
tanba_cmp_body_name (int body)
{
  switch (body)
    {
    case TANBA_CMP_BODY_IR: return "ir";
    case TANBA_CMP_BODY_IP: return "ip";
    case TANBA_CMP_BODY_CR: return "cr";
    case TANBA_CMP_BODY_CP: return "cp";
    case TANBA_CMP_BODY_P10CR: return "p10cr";
    case TANBA_CMP_BODY_KUR: return "kur";
    case TANBA_CMP_BODY_KUP: return "kup";
    case TANBA_CMP_BODY_RR: return "rr";
    case TANBA_CMP_BODY_RP: return "rp";
    case TANBA_CMP_BODY_PKICONF: return "pkiConf";
    case TANBA_CMP_BODY_GENM: return "genm";
    case TANBA_CMP_BODY_GENP: return "genp";
    case TANBA_CMP_BODY_ERROR: return "error";
    case TANBA_CMP_BODY_CERTCONF: return "certConf";
    case TANBA_CMP_BODY_POLLREQ: return "pollReq";
    case TANBA_CMP_BODY_POLLREP: return "pollRep";
    default: return "unknown";
    }
}

/* --- requesters --------------------------------------------------------- */

static void
requester_clear (Requester *requester)
{
  g_clear_pointer (&requester->user_id, g_free);
  g_clear_pointer (&requester->cert, tanba_cert_record_free);
  g_clear_pointer (&requester->signer, X509_free);
  requester->kind = REQUESTER_NONE;
  requester->id = 0;
  requester->retired = FALSE;
}

static void
requester_copy (Requester       *dest,
                const Requester *src)
{
  requester_clear (dest);
  dest->kind = src->kind;
  dest->user_id = g_strdup (src->user_id);
  dest->id = src->id;
  dest->retired = src->retired;
  if (src->cert != NULL)
    {
      dest->cert = g_new0 (TanbaCertRecord, 1);
      *dest->cert = *src->cert;
      dest->cert->user_id = g_strdup (src->cert->user_id);
      dest->cert->origin = g_strdup (src->cert->origin);
      dest->cert->serial = g_strdup (src->cert->serial);
      dest->cert->der = g_bytes_ref (src->cert->der);
    }
  if (src->signer != NULL)
    {
      X509_up_ref (src->signer);
      dest->signer = src->signer;
    }
}

static gboolean
requester_same (const Requester *a,
                const Requester *b)
{
  return a->kind == b->kind && a->kind != REQUESTER_NONE
         && g_ascii_strcasecmp (a->user_id, b->user_id) == 0
         && a->id == b->id;
}

/* Does @cert's key verify the protection of @req? (signature only) */
static gboolean
signed_by (const OSSL_CMP_MSG *req,
           X509               *cert)
{
  OSSL_CMP_CTX *ctx = OSSL_CMP_CTX_new (NULL, NULL);
  gboolean ok;

  /* a pinned certificate: only the signature is checked here; OpenSSL's
   * own validation in OSSL_CMP_SRV_process_request checks the chain */
  ok = ctx != NULL && OSSL_CMP_CTX_set1_srvCert (ctx, cert)
       && OSSL_CMP_validate_msg (ctx, req) == 1;
  OSSL_CMP_CTX_free (ctx);
  ERR_clear_error ();
  return ok;
}

/* Finds which of our init keys or certificates signed @req, among the
 * certificates the message carries (RFC 9483: the signer's comes first). */
static gboolean
identify_signer (TanbaServerCmp       *self,
                 const OSSL_CMP_MSG   *req,
                 TanbaDerMessageInfo  *info,
                 Requester            *requester,
                 GError              **error)
{
  for (guint i = 0; i < info->extra_certs->len; i++)
    {
      X509 *cert = g_ptr_array_index (info->extra_certs, i);
      g_autofree char *fingerprint = tanba_server_cert_fingerprint (cert);
      g_autoptr(TanbaInitKeyRecord) init_key = NULL;
      g_autoptr(TanbaCertRecord) record = NULL;
      GError *local_error = NULL;

      init_key = tanba_server_store_find_init_key (self->store, fingerprint, &local_error);
      if (local_error == NULL && init_key == NULL)
        record = tanba_server_store_find_cert (self->store, TANBA_CERT_BY_FINGERPRINT,
                                               fingerprint, &local_error);
      if (local_error != NULL)
        {
          g_propagate_error (error, local_error);
          return FALSE;
        }
      if ((init_key == NULL && record == NULL) || !signed_by (req, cert))
        continue;

      requester_clear (requester);
      X509_up_ref (cert);
      requester->signer = cert;
      if (init_key != NULL)
        {
          requester->kind = REQUESTER_INIT_KEY;
          requester->user_id = g_steal_pointer (&init_key->user_id);
          requester->id = init_key->id;
          requester->retired = init_key->retired;
        }
      else
        {
          requester->kind = REQUESTER_CERT;
          requester->user_id = g_strdup (record->user_id);
          requester->id = record->id;
          requester->cert = g_steal_pointer (&record);
        }
      return TRUE;
    }
  return TRUE;
}

/* --- transactions ------------------------------------------------------- */

static void
transaction_free (Transaction *tx)
{
  if (tx == NULL)
    return;
  OSSL_CMP_SRV_CTX_free (tx->srv);
  requester_clear (&tx->requester);
  requester_clear (&tx->current);
  g_free (tx->id);
  g_free (tx);
}

static int
log_cb (const char        *func,
        const char        *file,
        int                line,
        OSSL_CMP_severity  level,
        const char        *msg)
{
  /* problems in a client's request are not the server's errors */
  if (level <= OSSL_CMP_LOG_WARNING)
    g_info ("OpenSSL CMP: %s", msg);
  else
    g_debug ("OpenSSL CMP: %s", msg);
  return 1;
}

static OSSL_CMP_PKISI *cert_request_cb (OSSL_CMP_SRV_CTX     *srv,
                                        const OSSL_CMP_MSG   *req,
                                        int                   cert_req_id,
                                        const OSSL_CRMF_MSG  *crm,
                                        const X509_REQ       *p10cr,
                                        X509                **cert_out,
                                        STACK_OF (X509)     **chain_out,
                                        STACK_OF (X509)     **ca_pubs);
static OSSL_CMP_PKISI *rr_cb (OSSL_CMP_SRV_CTX    *srv,
                              const OSSL_CMP_MSG  *req,
                              const X509_NAME     *issuer,
                              const ASN1_INTEGER  *serial);
static int genm_cb (OSSL_CMP_SRV_CTX              *srv,
                    const OSSL_CMP_MSG            *req,
                    const STACK_OF (OSSL_CMP_ITAV) *in,
                    STACK_OF (OSSL_CMP_ITAV)      **out);
static void error_cb (OSSL_CMP_SRV_CTX      *srv,
                      const OSSL_CMP_MSG    *req,
                      const OSSL_CMP_PKISI  *status_info,
                      const ASN1_INTEGER    *error_code,
                      const OSSL_CMP_PKIFREETEXT *error_details);
static int cert_conf_cb (OSSL_CMP_SRV_CTX         *srv,
                         const OSSL_CMP_MSG       *req,
                         int                       cert_req_id,
                         const ASN1_OCTET_STRING  *cert_hash,
                         const OSSL_CMP_PKISI     *si);

static Transaction *
transaction_new (TanbaServerCmp  *self,
                 const char      *id,
                 GError         **error)
{
  Transaction *tx = g_new0 (Transaction, 1);
  X509_STORE *trust = tanba_server_ca_get_trust_store (self->ca);
  OSSL_CMP_CTX *ctx;

  tx->cmp = self;
  tx->id = g_strdup (id);
  tx->srv = OSSL_CMP_SRV_CTX_new (NULL, NULL);
  if (tx->srv == NULL)
    goto fail;
  ctx = OSSL_CMP_SRV_CTX_get0_cmp_ctx (tx->srv);

  if (!OSSL_CMP_SRV_CTX_init (tx->srv, tx, cert_request_cb, rr_cb, genm_cb, error_cb,
                              cert_conf_cb, NULL)
      /* explicit confirmation always; protected errors; real POPO only */
      || !OSSL_CMP_SRV_CTX_set_grant_implicit_confirm (tx->srv, 0)
      || !OSSL_CMP_SRV_CTX_set_send_unprotected_errors (tx->srv, 0)
      || !OSSL_CMP_SRV_CTX_set_accept_unprotected (tx->srv, 0)
      || !OSSL_CMP_SRV_CTX_set_accept_raverified (tx->srv, 0)
      || !OSSL_CMP_CTX_set_log_cb (ctx, log_cb)
      || !OSSL_CMP_CTX_set1_cert (ctx, tanba_server_ca_get_cmp_certificate (self->ca))
      || !OSSL_CMP_CTX_set1_pkey (ctx, tanba_server_ca_get_cmp_key (self->ca))
      || !X509_STORE_up_ref (trust))
    goto fail;
  if (!OSSL_CMP_CTX_set0_trustedStore (ctx, trust))
    {
      X509_STORE_free (trust);
      goto fail;
    }
  return tx;

fail:
  transaction_free (tx);
  tanba_server_set_openssl_error (error, "Cannot set up a CMP transaction");
  return NULL;
}

/* Prepares MAC protection: the secret is the OTP PIN of the user named by
 * senderKID. If it does not verify the message, the secret is not set, so
 * OpenSSL answers with an error protected by the server's signature, which
 * the client can check (it could not check a MAC made with a secret it
 * does not have). */
static gboolean
setup_mac (Transaction          *tx,
           const OSSL_CMP_MSG   *req,
           TanbaDerMessageInfo  *info,
           GError              **error)
{
  TanbaServerCmp *self = tx->cmp;
  g_autofree char *user_id = NULL;
  g_autofree char *canonical = NULL;
  g_autoptr(GBytes) sealed = NULL;
  g_autoptr(GBytes) secret = NULL;
  g_autoptr(GError) local_error = NULL;
  OSSL_CMP_CTX *check;
  gsize length = 0;
  const char *data;
  gboolean valid;

  if (info->sender_kid == NULL)
    return TRUE;
  data = g_bytes_get_data (info->sender_kid, &length);
  if (length == 0 || length > MAX_USER_ID || !g_utf8_validate_len (data, length, NULL))
    return TRUE;
  user_id = g_strndup (data, length);

  sealed = tanba_server_store_get_otp (self->store, user_id, &canonical, &local_error);
  if (sealed == NULL)
    {
      if (g_error_matches (local_error, TANBA_SERVER_ERROR, TANBA_SERVER_ERROR_NOT_FOUND))
        {
          g_info ("CMP: MAC-protected request from unknown user ID %s", user_id);
          ERR_raise_data (ERR_LIB_CMP, CMP_R_WRONG_PBM_VALUE, MAC_MISMATCH);
          return TRUE;
        }
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  secret = tanba_server_sealer_open (self->sealer, canonical, sealed, error);
  if (secret == NULL)
    return FALSE;

  check = OSSL_CMP_CTX_new (NULL, NULL);
  valid = check != NULL
          && OSSL_CMP_CTX_set1_secretValue (check, g_bytes_get_data (secret, NULL),
                                            g_bytes_get_size (secret))
          && OSSL_CMP_validate_msg (check, req) == 1;
  OSSL_CMP_CTX_free (check);
  ERR_clear_error ();
  if (!valid)
    {
      g_info ("CMP: wrong MAC (OTP PIN) from user %s", canonical);
      ERR_raise_data (ERR_LIB_CMP, CMP_R_WRONG_PBM_VALUE, MAC_MISMATCH);
      return TRUE;
    }

  if (!OSSL_CMP_CTX_set1_secretValue (OSSL_CMP_SRV_CTX_get0_cmp_ctx (tx->srv),
                                      g_bytes_get_data (secret, NULL),
                                      g_bytes_get_size (secret)))
    return tanba_server_set_openssl_error (error, "Cannot set the MAC secret");

  tx->current.kind = REQUESTER_MAC;
  tx->current.user_id = g_steal_pointer (&canonical);
  return TRUE;
}

/* --- public API --------------------------------------------------------- */

TanbaServerCmp *
tanba_server_cmp_new (TanbaServerCa     *ca,
                      TanbaServerStore  *store,
                      TanbaServerSealer *sealer)
{
  TanbaServerCmp *self = g_new0 (TanbaServerCmp, 1);

  self->ca = ca;
  self->store = store;
  self->sealer = sealer;
  self->transactions = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                              (GDestroyNotify) transaction_free);
  return self;
}

void
tanba_server_cmp_free (TanbaServerCmp *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->transactions, g_hash_table_unref);
  g_free (self);
}

static OSSL_CMP_MSG *
parse_message (GBytes *request)
{
  gsize length = 0;
  const unsigned char *data = g_bytes_get_data (request, &length);
  const unsigned char *p = data;
  OSSL_CMP_MSG *msg;

  if (data == NULL || length == 0 || length > G_MAXINT)
    return NULL;
  msg = d2i_OSSL_CMP_MSG (NULL, &p, (long) length);
  if (msg != NULL && p != data + length)
    g_clear_pointer (&msg, OSSL_CMP_MSG_free); /* trailing garbage */
  ERR_clear_error ();
  return msg;
}

int
tanba_server_cmp_peek_body (GBytes *request)
{
  OSSL_CMP_MSG *msg = parse_message (request);
  int body;

  if (msg == NULL)
    return -1;
  body = OSSL_CMP_MSG_get_bodytype (msg);
  OSSL_CMP_MSG_free (msg);
  return body;
}

static gboolean
starts_transaction (int body)
{
  switch (body)
    {
    case TANBA_CMP_BODY_IR:
    case TANBA_CMP_BODY_CR:
    case TANBA_CMP_BODY_P10CR:
    case TANBA_CMP_BODY_KUR:
    case TANBA_CMP_BODY_RR:
    case TANBA_CMP_BODY_GENM:
    case TANBA_CMP_BODY_ERROR:
      return TRUE;
    default:
      return FALSE;
    }
}

GBytes *
tanba_server_cmp_handle (TanbaServerCmp  *self,
                         GBytes          *request,
                         GError         **error)
{
  OSSL_CMP_MSG *req = NULL, *rsp = NULL;
  TanbaDerMessageInfo info = { 0 };
  g_autofree char *tid = NULL;
  const ASN1_OCTET_STRING *tid_octets;
  Transaction *tx = NULL;
  gboolean in_table = FALSE;
  unsigned char *der = NULL;
  GBytes *result = NULL;
  int body, rsp_body, length;

  ERR_clear_error ();
  req = parse_message (request);
  if (req == NULL
      || !tanba_der_message_info (g_bytes_get_data (request, NULL),
                                  g_bytes_get_size (request), &info))
    {
      g_set_error_literal (error, TANBA_SERVER_ERROR, TANBA_SERVER_ERROR_INVALID,
                           "The request body is not a DER-encoded CMP PKIMessage");
      goto out;
    }

  body = OSSL_CMP_MSG_get_bodytype (req);
  tid_octets = OSSL_CMP_HDR_get0_transactionID (OSSL_CMP_MSG_get0_header (req));
  tid = tid_octets != NULL
        ? tanba_server_sha256_hex (ASN1_STRING_get0_data (tid_octets),
                                   ASN1_STRING_length (tid_octets))
        : g_strdup ("");

  if (!starts_transaction (body))
    tx = g_hash_table_lookup (self->transactions, tid);
  if (tx != NULL)
    in_table = TRUE;
  else
    {
      g_hash_table_remove (self->transactions, tid);
      tx = transaction_new (self, tid, error);
      if (tx == NULL)
        goto out;
    }
  tx->last_used = g_get_monotonic_time ();

  /* who is asking: the callbacks check it against what is asked */
  requester_clear (&tx->current);
  tx->current_protection = info.protection_nid;
  if (info.protection_nid == NID_id_PasswordBasedMAC)
    {
      if (!in_table && !setup_mac (tx, req, &info, error))
        goto out;
      if (in_table && tx->requester.kind == REQUESTER_MAC)
        requester_copy (&tx->current, &tx->requester);
    }
  else if (info.protection_nid != NID_undef)
    {
      if (!identify_signer (self, req, &info, &tx->current, error))
        goto out;
    }
  if (!in_table)
    requester_copy (&tx->requester, &tx->current);

  g_debug ("CMP: %s in transaction %.16s from %s", tanba_cmp_body_name (body), tid,
           tx->current.user_id != NULL ? tx->current.user_id : "an unknown sender");

  rsp = OSSL_CMP_SRV_process_request (tx->srv, req);
  ERR_clear_error ();
  if (rsp == NULL)
    {
      g_set_error_literal (error, TANBA_SERVER_ERROR, TANBA_SERVER_ERROR_FAILED,
                           "OpenSSL could not build a CMP response");
      goto out;
    }

  rsp_body = OSSL_CMP_MSG_get_bodytype (rsp);
  g_debug ("CMP: answering %s", tanba_cmp_body_name (rsp_body));
  if (rsp_body != TANBA_CMP_BODY_IP && rsp_body != TANBA_CMP_BODY_CP
      && rsp_body != TANBA_CMP_BODY_KUP)
    tx->awaiting_conf = FALSE;

  length = i2d_OSSL_CMP_MSG (rsp, &der);
  if (length <= 0)
    {
      tanba_server_set_openssl_error (error, "Cannot encode the CMP response");
      goto out;
    }
  result = g_bytes_new (der, length);
  OPENSSL_free (der);

out:
  if (tx != NULL)
    {
      requester_clear (&tx->current);
      if (result != NULL && tx->awaiting_conf)
        {
          if (!in_table)
            g_hash_table_insert (self->transactions, tx->id, tx);
        }
      else if (in_table)
        g_hash_table_remove (self->transactions, tid);
      else
        transaction_free (tx);
    }
  tanba_der_message_info_clear (&info);
  OSSL_CMP_MSG_free (req);
  OSSL_CMP_MSG_free (rsp);
  ERR_clear_error ();
  return result;
}

void
tanba_server_cmp_expire (TanbaServerCmp *self,
                         guint           max_idle_seconds)
{
  gint64 limit = g_get_monotonic_time () - (gint64) max_idle_seconds * G_USEC_PER_SEC;
  GHashTableIter iter;
  Transaction *tx;

  g_hash_table_iter_init (&iter, self->transactions);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &tx))
    if (tx->last_used < limit)
      {
        g_info ("CMP: transaction %.16s of %s expired without certConf", tx->id,
                tx->requester.user_id != NULL ? tx->requester.user_id : "?");
        g_hash_table_iter_remove (&iter);
      }
}

/* --- certificate requests ----------------------------------------------- */

static OSSL_CMP_PKISI *
reject (int         failure,
        const char *format,
        ...) G_GNUC_PRINTF (2, 3);

static OSSL_CMP_PKISI *
reject (int         failure,
        const char *format,
        ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);

  g_info ("CMP: rejected: %s", text);
  return OSSL_CMP_STATUSINFO_new (OSSL_CMP_PKISTATUS_rejection, 1 << failure, text);
}

typedef enum
{
  REQUESTED_NONE,    /* neither keyUsage nor extendedKeyUsage in the template */
  REQUESTED_SIGNING,
  REQUESTED_AUTHENTICATION,
  REQUESTED_INVALID,
} RequestedProfile;

/* The profile asked for by the template's keyUsage/extendedKeyUsage:
 *   signing:        keyUsage digitalSignature + nonRepudiation, no EKU
 *   authentication: keyUsage digitalSignature (or none) + EKU clientAuth only
 * Any other combination is refused; other extensions are ignored. */
static RequestedProfile
requested_profile (const OSSL_CRMF_CERTTEMPLATE  *tmpl,
                   const char                   **reason)
{
  const STACK_OF (X509_EXTENSION) *exts = OSSL_CRMF_CERTTEMPLATE_get0_extensions (tmpl);
  ASN1_BIT_STRING *ku = NULL;
  EXTENDED_KEY_USAGE *eku = NULL;
  RequestedProfile result = REQUESTED_INVALID;
  gboolean digital_signature, non_repudiation, others = FALSE, client_auth = FALSE;
  int crit = -1;

  *reason = NULL;
  if (exts == NULL)
    return REQUESTED_NONE;

  ku = X509V3_get_d2i (exts, NID_key_usage, &crit, NULL);
  if (ku == NULL && crit != -1)
    {
      *reason = "The keyUsage extension in the request cannot be read";
      goto out;
    }
  crit = -1;
  eku = X509V3_get_d2i (exts, NID_ext_key_usage, &crit, NULL);
  if (eku == NULL && crit != -1)
    {
      *reason = "The extendedKeyUsage extension in the request cannot be read";
      goto out;
    }
  if (ku == NULL && eku == NULL)
    {
      result = REQUESTED_NONE;
      goto out;
    }

  digital_signature = ku != NULL && ASN1_BIT_STRING_get_bit (ku, 0);
  non_repudiation = ku != NULL && ASN1_BIT_STRING_get_bit (ku, 1);
  for (int bit = 2; ku != NULL && bit < 9; bit++)
    others = others || ASN1_BIT_STRING_get_bit (ku, bit);
  for (int i = 0; eku != NULL && i < sk_ASN1_OBJECT_num (eku); i++)
    {
      if (OBJ_obj2nid (sk_ASN1_OBJECT_value (eku, i)) == NID_client_auth)
        client_auth = TRUE;
      else
        others = TRUE;
    }

  if (others)
    *reason = "Only keyUsage digitalSignature, nonRepudiation and extendedKeyUsage "
              "clientAuth can be requested";
  else if (digital_signature && non_repudiation && eku == NULL)
    result = REQUESTED_SIGNING;
  else if (!non_repudiation && client_auth && (ku == NULL || digital_signature))
    result = REQUESTED_AUTHENTICATION;
  else
    *reason = "Request either a signing certificate (keyUsage digitalSignature and "
              "nonRepudiation) or an authentication certificate (keyUsage "
              "digitalSignature, extendedKeyUsage clientAuth)";

out:
  ASN1_BIT_STRING_free (ku);
  EXTENDED_KEY_USAGE_free (eku);
  return result;
}

/* The validity to issue: the term the client asks for in the template
 * (notAfter - notBefore, or notAfter - now), capped at 3 years; 1 year if
 * it asks for none. Returns FALSE if the request's validity is unusable. */
static gboolean
issued_validity (const OSSL_CRMF_CERTTEMPLATE *tmpl,
                 gint64                       *not_before,
                 gint64                       *not_after,
                 gboolean                     *capped)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gint64 req_before, req_after, term, cap;

  *capped = FALSE;
  if (!tanba_der_template_validity (tmpl, &req_before, &req_after))
    return FALSE;

  if (req_after < 0)
    term = (gint64) DEFAULT_TERM_DAYS * 86400;
  else
    term = req_after - (req_before >= 0 ? MAX (req_before, now - 86400) : now);
  if (term < MIN_TERM_SECONDS)
    term = MIN_TERM_SECONDS;

  *not_before = now - BACKDATE_SECONDS;
  *not_after = now + term;
  cap = tanba_server_years_after (now, MAX_TERM_YEARS);
  if (*not_after > cap + 86400)
    *capped = TRUE;
  if (*not_after > cap)
    *not_after = cap;
  return TRUE;
}

static STACK_OF (X509) *
ca_stack (TanbaServerCmp *self)
{
  STACK_OF (X509) *stack = sk_X509_new_null ();
  X509 *ca = tanba_server_ca_get_certificate (self->ca);

  X509_up_ref (ca);
  sk_X509_push (stack, ca);
  return stack;
}

/* The answer when the same key asks again: the same certificate. */
static OSSL_CMP_PKISI *
send_again (Transaction      *tx,
            TanbaCertRecord  *existing,
            X509            **cert_out,
            GError          **error)
{
  TanbaServerStore *store = tx->cmp->store;

  if (existing->status == TANBA_CERT_STATUS_REJECTED
      && (!tanba_server_store_set_cert_status (store, existing->id,
                                               TANBA_CERT_STATUS_ISSUED, -1, error)))
    return NULL;

  *cert_out = tanba_server_cert_from_der (existing->der);
  if (*cert_out == NULL)
    {
      g_set_error_literal (error, TANBA_SERVER_ERROR, TANBA_SERVER_ERROR_STORE,
                           "A stored certificate cannot be decoded");
      return NULL;
    }
  tx->cert_id = existing->id;
  tx->awaiting_conf = TRUE;
  g_info ("CMP: same key again from %s: sending certificate %s again",
          existing->user_id, existing->serial);
  return OSSL_CMP_STATUSINFO_new (OSSL_CMP_PKISTATUS_accepted, 0, NULL);
}

static OSSL_CMP_PKISI *
issue (Transaction       *tx,
       TanbaCertProfile   profile,
       const char        *origin,
       gint64             renews_id,
       const char        *user_id,
       EVP_PKEY          *public_key,
       const char        *key_hash,
       gint64             not_before,
       gint64             not_after,
       gboolean           capped,
       X509             **cert_out,
       GError           **error)
{
  TanbaServerCmp *self = tx->cmp;
  X509_NAME *subject = tanba_server_user_subject (user_id, FALSE);
  X509 *cert;
  gint64 id;

  cert = tanba_server_ca_issue (self->ca, profile, subject, public_key, not_before,
                                not_after, error);
  X509_NAME_free (subject);
  if (cert == NULL)
    return NULL;

  id = tanba_server_store_insert_cert (self->store, user_id, profile, origin, renews_id,
                                       tx->current.kind == REQUESTER_MAC ? "mac" : "signature",
                                       cert, key_hash, error);
  if (id == 0
      || (g_str_equal (origin, "ir")
          && !tanba_server_store_set_registration_cert (self->store, user_id, profile, id,
                                                        error)))
    {
      X509_free (cert);
      return NULL;
    }

  tx->cert_id = id;
  tx->awaiting_conf = TRUE;
  *cert_out = cert;
  g_info ("CMP: issued a %s certificate (%s) to %s", tanba_cert_profile_to_string (profile),
          origin, user_id);

  if (capped)
    return OSSL_CMP_STATUSINFO_new (OSSL_CMP_PKISTATUS_grantedWithMods, 0,
                                    "The validity was capped at 3 years");
  return OSSL_CMP_STATUSINFO_new (OSSL_CMP_PKISTATUS_accepted, 0, NULL);
}

static OSSL_CMP_PKISI *
handle_ir (Transaction       *tx,
           RequestedProfile   requested,
           const char        *profile_reason,
           EVP_PKEY          *public_key,
           const char        *key_hash,
           gint64             not_before,
           gint64             not_after,
           gboolean           capped,
           X509             **cert_out,
           GError           **error)
{
  TanbaServerStore *store = tx->cmp->store;
  const Requester *who = &tx->current;
  g_autoptr(TanbaCertRecord) existing = NULL;
  g_autoptr(TanbaRegistrationRecord) registration = NULL;
  g_autoptr(TanbaCertRecord) previous = NULL;
  TanbaCertProfile profile;
  gint64 previous_id;

  if (who->kind != REQUESTER_INIT_KEY && who->kind != REQUESTER_MAC)
    return reject (OSSL_CMP_PKIFAILUREINFO_notAuthorized,
                   "An initial registration (ir) must be protected with the user's "
                   "initialization key or with the user ID and OTP PIN (MAC); "
                   "renew a certificate with kur");

  if (requested == REQUESTED_NONE)
    return reject (OSSL_CMP_PKIFAILUREINFO_badCertTemplate,
                   "The request does not say which certificate it is for: request keyUsage "
                   "digitalSignature + nonRepudiation for the signing certificate, or keyUsage "
                   "digitalSignature + extendedKeyUsage clientAuth for the authentication "
                   "certificate");
  if (requested == REQUESTED_INVALID)
    return reject (OSSL_CMP_PKIFAILUREINFO_badCertTemplate, "%s", profile_reason);
  profile = requested == REQUESTED_SIGNING ? TANBA_CERT_PROFILE_SIGNING
                                           : TANBA_CERT_PROFILE_AUTHENTICATION;

  existing = tanba_server_store_find_cert (store, TANBA_CERT_BY_PUBLIC_KEY, key_hash, error);
  if (existing == NULL && error != NULL && *error != NULL)
    return NULL;

  if (existing != NULL)
    {
      if (g_ascii_strcasecmp (existing->user_id, who->user_id) != 0)
        return reject (OSSL_CMP_PKIFAILUREINFO_badCertTemplate,
                       "This public key is already certified for another user; "
                       "generate a new key pair");
      if (existing->profile != profile || !g_str_equal (existing->origin, "ir"))
        return reject (OSSL_CMP_PKIFAILUREINFO_badCertTemplate,
                       "This public key already has a %s certificate; "
                       "each certificate needs its own key pair",
                       tanba_cert_profile_to_string (existing->profile));
      if (existing->status == TANBA_CERT_STATUS_REVOKED
          || existing->status == TANBA_CERT_STATUS_SUPERSEDED)
        return reject (OSSL_CMP_PKIFAILUREINFO_certRevoked,
                       "The certificate for this public key was revoked; "
                       "generate a new key pair");
      /* a retry (e.g. the answer was lost): the same certificate again,
       * also after the registration completed, as nothing new is issued */
      return send_again (tx, existing, cert_out, error);
    }

  if (who->retired)
    return reject (OSSL_CMP_PKIFAILUREINFO_notAuthorized,
                   "The initialization key of user %s was already used for a completed "
                   "registration; it is valid only once. Ask the bank for a new one",
                   who->user_id);

  registration = tanba_server_store_get_registration (store, who->user_id, error);
  if (registration == NULL && error != NULL && *error != NULL)
    return NULL;
  if (registration != NULL && registration->complete)
    return reject (OSSL_CMP_PKIFAILUREINFO_notAuthorized,
                   "The registration of user %s is already complete; the OTP PIN and "
                   "initialization key are valid only once. Ask the bank for new ones",
                   who->user_id);

  previous_id = registration == NULL ? 0
                : profile == TANBA_CERT_PROFILE_SIGNING ? registration->signing_cert_id
                                                        : registration->authentication_cert_id;
  if (previous_id != 0)
    {
      g_autofree char *id_text = g_strdup_printf ("%" G_GINT64_FORMAT, previous_id);

      previous = tanba_server_store_find_cert (store, TANBA_CERT_BY_ID, id_text, error);
      if (previous == NULL && error != NULL && *error != NULL)
        return NULL;
    }
  if (previous != NULL && previous->status == TANBA_CERT_STATUS_ACCEPTED)
    return reject (OSSL_CMP_PKIFAILUREINFO_duplicateCertReq,
                   "A %s certificate for another key was already issued and confirmed in "
                   "this registration",
                   tanba_cert_profile_to_string (profile));
  if (previous != NULL
      && (previous->status == TANBA_CERT_STATUS_ISSUED
          || previous->status == TANBA_CERT_STATUS_REJECTED))
    {
      /* never confirmed, and now replaced by a new key: withdraw it */
      g_info ("CMP: %s asks for a %s certificate for a new key; revoking unconfirmed %s",
              who->user_id, tanba_cert_profile_to_string (profile), previous->serial);
      if (!tanba_server_store_set_cert_status (store, previous->id, TANBA_CERT_STATUS_REVOKED,
                                               4 /* superseded */, error))
        return NULL;
    }

  return issue (tx, profile, "ir", 0, who->user_id, public_key, key_hash, not_before,
                not_after, capped, cert_out, error);
}

static gboolean
cert_id_matches (const OSSL_CRMF_CERTID *cert_id,
                 X509                   *cert)
{
  const X509_NAME *issuer = OSSL_CRMF_CERTID_get0_issuer (cert_id);
  const ASN1_INTEGER *serial = OSSL_CRMF_CERTID_get0_serialNumber (cert_id);

  return issuer != NULL && serial != NULL
         && X509_NAME_cmp (issuer, X509_get_issuer_name (cert)) == 0
         && ASN1_INTEGER_cmp (serial, X509_get0_serialNumber (cert)) == 0;
}

static OSSL_CMP_PKISI *
handle_kur (Transaction          *tx,
            const OSSL_CRMF_MSG  *crm,
            RequestedProfile      requested,
            const char           *profile_reason,
            EVP_PKEY             *public_key,
            const char           *key_hash,
            gint64                not_before,
            gint64                not_after,
            gboolean              capped,
            X509                **cert_out,
            GError              **error)
{
  TanbaServerStore *store = tx->cmp->store;
  const Requester *who = &tx->current;
  const TanbaCertRecord *old;
  OSSL_CRMF_CERTID *old_id;
  g_autoptr(TanbaCertRecord) existing = NULL;
  g_autoptr(TanbaCertRecord) pending = NULL;
  g_autofree char *old_id_text = NULL;
  TanbaCertProfile profile;

  if (who->kind != REQUESTER_CERT)
    return reject (OSSL_CMP_PKIFAILUREINFO_notAuthorized,
                   "A key update request (kur) must be signed with the certificate "
                   "being renewed");
  old = who->cert;
  if (old->status == TANBA_CERT_STATUS_REVOKED)
    return reject (OSSL_CMP_PKIFAILUREINFO_certRevoked,
                   "The certificate that signed this request is revoked");

  existing = tanba_server_store_find_cert (store, TANBA_CERT_BY_PUBLIC_KEY, key_hash, error);
  if (existing == NULL && error != NULL && *error != NULL)
    return NULL;
  if (existing != NULL)
    {
      /* a retry (e.g. the answer was lost): the same certificate again,
       * also after its confirmation superseded the old one */
      if (existing->renews_id == old->id
          && (existing->status == TANBA_CERT_STATUS_ISSUED
              || existing->status == TANBA_CERT_STATUS_ACCEPTED
              || existing->status == TANBA_CERT_STATUS_REJECTED))
        return send_again (tx, existing, cert_out, error);
      return reject (OSSL_CMP_PKIFAILUREINFO_badCertTemplate,
                     "This public key is already certified; a renewal needs a new key pair");
    }

  if (old->status == TANBA_CERT_STATUS_SUPERSEDED)
    return reject (OSSL_CMP_PKIFAILUREINFO_notAuthorized,
                   "The certificate that signed this request was already renewed; "
                   "renew the newer one");
  if (old->status != TANBA_CERT_STATUS_ACCEPTED)
    return reject (OSSL_CMP_PKIFAILUREINFO_notAuthorized,
                   "The certificate that signed this request was never confirmed");

  old_id = OSSL_CRMF_MSG_get0_regCtrl_oldCertID (crm);
  if (old_id != NULL && !cert_id_matches (old_id, who->signer))
    return reject (OSSL_CMP_PKIFAILUREINFO_badCertId,
                   "The oldCertID control names another certificate than the one that "
                   "signed the request");

  if (requested == REQUESTED_INVALID)
    return reject (OSSL_CMP_PKIFAILUREINFO_badCertTemplate, "%s", profile_reason);
  profile = requested == REQUESTED_SIGNING ? TANBA_CERT_PROFILE_SIGNING
            : requested == REQUESTED_AUTHENTICATION ? TANBA_CERT_PROFILE_AUTHENTICATION
            : old->profile;
  if (profile != old->profile)
    return reject (OSSL_CMP_PKIFAILUREINFO_badCertTemplate,
                   "A %s certificate can only be renewed as a %s certificate",
                   tanba_cert_profile_to_string (old->profile),
                   tanba_cert_profile_to_string (old->profile));

  /* an earlier renewal for another key that was never confirmed */
  old_id_text = g_strdup_printf ("%" G_GINT64_FORMAT, old->id);
  pending = tanba_server_store_find_cert (store, TANBA_CERT_BY_RENEWS, old_id_text, error);
  if (pending == NULL && error != NULL && *error != NULL)
    return NULL;
  if (pending != NULL && pending->status != TANBA_CERT_STATUS_ACCEPTED
      && !tanba_server_store_set_cert_status (store, pending->id, TANBA_CERT_STATUS_REVOKED,
                                              4 /* superseded */, error))
    return NULL;

  return issue (tx, profile, "kur", old->id, who->user_id, public_key, key_hash,
                not_before, not_after, capped, cert_out, error);
}

static OSSL_CMP_PKISI *
cert_request_cb (OSSL_CMP_SRV_CTX     *srv,
                 const OSSL_CMP_MSG   *req,
                 int                   cert_req_id,
                 const OSSL_CRMF_MSG  *crm,
                 const X509_REQ       *p10cr,
                 X509                **cert_out,
                 STACK_OF (X509)     **chain_out,
                 STACK_OF (X509)     **ca_pubs)
{
  Transaction *tx = OSSL_CMP_SRV_CTX_get0_custom_ctx (srv);
  TanbaServerCmp *self = tx->cmp;
  const Requester *who = &tx->current;
  int body = OSSL_CMP_MSG_get_bodytype (req);
  const OSSL_CRMF_CERTTEMPLATE *tmpl;
  EVP_PKEY *public_key = NULL;
  g_autofree char *key_hash = NULL;
  g_autofree char *key_reason = NULL;
  g_autofree char *subject_cn = NULL;
  g_autoptr(GError) error = NULL;
  const char *profile_reason = NULL;
  RequestedProfile requested;
  gint64 not_before, not_after;
  gboolean capped;
  OSSL_CMP_PKISI *si = NULL;

  *cert_out = NULL;
  *chain_out = NULL;
  *ca_pubs = NULL;

  if (p10cr != NULL || crm == NULL
      || (body != TANBA_CMP_BODY_IR && body != TANBA_CMP_BODY_KUR))
    return reject (OSSL_CMP_PKIFAILUREINFO_badRequest,
                   "This server takes ir (initial registration) and kur (renewal) only");

  if (who->kind == REQUESTER_NONE)
    return reject (OSSL_CMP_PKIFAILUREINFO_notAuthorized,
                   "The request is not protected by a known initialization key, "
                   "certificate or OTP PIN");

  tmpl = OSSL_CRMF_MSG_get0_tmpl (crm);
  public_key = tanba_der_template_public_key (tmpl);
  if (public_key == NULL)
    return reject (OSSL_CMP_PKIFAILUREINFO_badCertTemplate,
                   "The request carries no public key (central key generation is not "
                   "offered)");
  if (!tanba_server_key_is_acceptable (public_key, &key_reason))
    {
      si = reject (OSSL_CMP_PKIFAILUREINFO_badAlg, "%s", key_reason);
      goto out;
    }
  if (who->signer != NULL)
    {
      EVP_PKEY *signer_key = X509_get0_pubkey (who->signer);

      if (signer_key != NULL && EVP_PKEY_eq (signer_key, public_key) == 1)
        {
          si = reject (OSSL_CMP_PKIFAILUREINFO_badCertTemplate,
                       "The new certificate needs a new key pair, not the key that signs "
                       "the request");
          goto out;
        }
    }
  key_hash = tanba_server_public_key_hash (public_key);

  subject_cn = tanba_server_name_get_cn (OSSL_CRMF_CERTTEMPLATE_get0_subject (tmpl));
  if (subject_cn != NULL && g_ascii_strcasecmp (subject_cn, who->user_id) != 0)
    {
      si = reject (OSSL_CMP_PKIFAILUREINFO_badCertTemplate,
                   "The requested subject names %s, but the request comes from user %s",
                   subject_cn, who->user_id);
      goto out;
    }

  if (!issued_validity (tmpl, &not_before, &not_after, &capped))
    {
      si = reject (OSSL_CMP_PKIFAILUREINFO_badCertTemplate,
                   "The requested validity cannot be read");
      goto out;
    }

  requested = requested_profile (tmpl, &profile_reason);

  if (!tanba_server_store_begin (self->store, &error))
    goto out;
  if (body == TANBA_CMP_BODY_IR)
    si = handle_ir (tx, requested, profile_reason, public_key, key_hash, not_before,
                    not_after, capped, cert_out, &error);
  else
    si = handle_kur (tx, crm, requested, profile_reason, public_key, key_hash, not_before,
                     not_after, capped, cert_out, &error);

  if (error == NULL && !tanba_server_store_commit (self->store, &error))
    g_clear_pointer (&si, OSSL_CMP_PKISI_free);

out:
  if (error != NULL)
    {
      tanba_server_store_rollback (self->store);
      g_warning ("CMP: cannot process a certificate request: %s", error->message);
      g_clear_pointer (&si, OSSL_CMP_PKISI_free);
      g_clear_pointer (cert_out, X509_free);
      tx->awaiting_conf = FALSE;
      tx->cert_id = 0;
      si = reject (OSSL_CMP_PKIFAILUREINFO_systemFailure,
                   "The server could not store the request; try again");
    }
  else if (*cert_out != NULL && who->kind == REQUESTER_MAC)
    *ca_pubs = ca_stack (self); /* RFC 9483 4.1.1: with MAC, send the trust anchor */

  if (*cert_out == NULL)
    {
      tx->awaiting_conf = FALSE;
      tx->cert_id = 0;
    }
  EVP_PKEY_free (public_key);
  return si;
}

/* --- certConf ----------------------------------------------------------- */

static int
cert_conf_cb (OSSL_CMP_SRV_CTX         *srv,
              const OSSL_CMP_MSG       *req,
              int                       cert_req_id,
              const ASN1_OCTET_STRING  *cert_hash,
              const OSSL_CMP_PKISI     *si)
{
  Transaction *tx = OSSL_CMP_SRV_CTX_get0_custom_ctx (srv);
  TanbaServerStore *store = tx->cmp->store;
  g_autoptr(TanbaCertRecord) record = NULL;
  g_autoptr(TanbaRegistrationRecord) registration = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *id_text = NULL;
  ASN1_OCTET_STRING *digest = NULL;
  X509 *cert = NULL;
  int status;
  gboolean same_hash;

  if (!tx->awaiting_conf || tx->cert_id == 0)
    {
      ERR_raise_data (ERR_LIB_CMP, CMP_R_UNEXPECTED_PKIBODY,
                      "no certificate awaits confirmation in this transaction");
      return 0;
    }
  if (!requester_same (&tx->current, &tx->requester)
      || (tx->requester.kind == REQUESTER_MAC
          && tx->current_protection != NID_id_PasswordBasedMAC))
    {
      ERR_raise_data (ERR_LIB_CMP, CMP_R_ERROR_VALIDATING_PROTECTION,
                      "certConf must be protected like the request it confirms");
      return 0;
    }

  id_text = g_strdup_printf ("%" G_GINT64_FORMAT, tx->cert_id);
  record = tanba_server_store_find_cert (store, TANBA_CERT_BY_ID, id_text, &error);
  if (record != NULL)
    cert = tanba_server_cert_from_der (record->der);
  if (cert == NULL)
    {
      g_warning ("CMP: certificate %s of a transaction is gone: %s", id_text,
                 error != NULL ? error->message : "cannot decode it");
      ERR_raise_data (ERR_LIB_CMP, CMP_R_ERROR_PROCESSING_MESSAGE, "certificate not found");
      return 0;
    }

  if (cert_hash == NULL)
    {
      ERR_raise_data (ERR_LIB_CMP, CMP_R_CERTHASH_UNMATCHED, "certConf without certHash");
      X509_free (cert);
      return 0;
    }
  digest = X509_digest_sig (cert, NULL, NULL);
  same_hash = digest != NULL && ASN1_OCTET_STRING_cmp (digest, cert_hash) == 0;
  ASN1_OCTET_STRING_free (digest);
  X509_free (cert);
  if (!same_hash)
    {
      ERR_raise_data (ERR_LIB_CMP, CMP_R_CERTHASH_UNMATCHED,
                      "the certHash is not that of the certificate sent");
      return 0;
    }

  /* an absent statusInfo means accepted (RFC 4210 5.3.18) */
  status = si == NULL ? OSSL_CMP_PKISTATUS_accepted : tanba_der_pkisi_status (si);

  if (!tanba_server_store_begin (store, &error))
    goto fail;

  if (status == OSSL_CMP_PKISTATUS_accepted || status == OSSL_CMP_PKISTATUS_grantedWithMods)
    {
      if ((record->status == TANBA_CERT_STATUS_ISSUED
           || record->status == TANBA_CERT_STATUS_REJECTED)
          && !tanba_server_store_set_cert_status (store, record->id,
                                                  TANBA_CERT_STATUS_ACCEPTED, -1, &error))
        goto fail;
      g_info ("CMP: %s confirmed its %s certificate %s", record->user_id,
              tanba_cert_profile_to_string (record->profile), record->serial);

      if (g_str_equal (record->origin, "ir"))
        {
          g_autoptr(TanbaCertRecord) signing = NULL;
          g_autoptr(TanbaCertRecord) authentication = NULL;

          registration = tanba_server_store_get_registration (store, record->user_id, &error);
          if (error != NULL)
            goto fail;
          if (registration != NULL && !registration->complete
              && registration->signing_cert_id != 0
              && registration->authentication_cert_id != 0)
            {
              g_autofree char *signing_id =
                g_strdup_printf ("%" G_GINT64_FORMAT, registration->signing_cert_id);
              g_autofree char *authentication_id =
                g_strdup_printf ("%" G_GINT64_FORMAT, registration->authentication_cert_id);

              signing = tanba_server_store_find_cert (store, TANBA_CERT_BY_ID, signing_id,
                                                      &error);
              if (error == NULL)
                authentication = tanba_server_store_find_cert (store, TANBA_CERT_BY_ID,
                                                               authentication_id, &error);
              if (error != NULL)
                goto fail;
              if (signing != NULL && authentication != NULL
                  && signing->status == TANBA_CERT_STATUS_ACCEPTED
                  && authentication->status == TANBA_CERT_STATUS_ACCEPTED)
                {
                  if (!tanba_server_store_complete_registration (store, record->user_id,
                                                                 &error))
                    goto fail;
                  g_info ("CMP: registration of %s complete; its init key is retired",
                          record->user_id);
                }
            }
        }
      else if (record->renews_id != 0)
        {
          g_autofree char *old_text = g_strdup_printf ("%" G_GINT64_FORMAT, record->renews_id);
          g_autoptr(TanbaCertRecord) old = NULL;

          old = tanba_server_store_find_cert (store, TANBA_CERT_BY_ID, old_text, &error);
          if (error != NULL)
            goto fail;
          if (old != NULL && old->status == TANBA_CERT_STATUS_ACCEPTED
              && !tanba_server_store_set_cert_status (store, old->id,
                                                      TANBA_CERT_STATUS_SUPERSEDED, -1,
                                                      &error))
            goto fail;
        }
    }
  else
    {
      g_info ("CMP: %s rejected certificate %s (PKIStatus %d)", record->user_id,
              record->serial, status);
      if (record->status == TANBA_CERT_STATUS_ISSUED
          && !tanba_server_store_set_cert_status (store, record->id,
                                                  TANBA_CERT_STATUS_REJECTED, -1, &error))
        goto fail;
    }

  if (!tanba_server_store_commit (store, &error))
    goto fail;
  tx->awaiting_conf = FALSE;
  return 1;

fail:
  tanba_server_store_rollback (store);
  g_warning ("CMP: cannot record a certConf: %s", error->message);
  ERR_raise_data (ERR_LIB_CMP, CMP_R_ERROR_PROCESSING_MESSAGE,
                  "the server could not store the confirmation; try again");
  return 0;
}

/* --- rr, genm, error ---------------------------------------------------- */

static OSSL_CMP_PKISI *
rr_cb (OSSL_CMP_SRV_CTX    *srv,
       const OSSL_CMP_MSG  *req,
       const X509_NAME     *issuer,
       const ASN1_INTEGER  *serial)
{
  Transaction *tx = OSSL_CMP_SRV_CTX_get0_custom_ctx (srv);
  TanbaServerCmp *self = tx->cmp;
  const Requester *who = &tx->current;
  g_autoptr(TanbaCertRecord) target = NULL;
  g_autoptr(GError) error = NULL;
  BIGNUM *bn;
  char *hex;
  g_autofree char *serial_hex = NULL;

  if (who->kind != REQUESTER_CERT)
    return reject (OSSL_CMP_PKIFAILUREINFO_notAuthorized,
                   "A revocation request (rr) must be signed with one of the user's "
                   "certificates");
  if (who->cert->status != TANBA_CERT_STATUS_ACCEPTED)
    return reject (OSSL_CMP_PKIFAILUREINFO_notAuthorized,
                   "The certificate that signed this request is not in force (it is %s)",
                   tanba_cert_status_to_string (who->cert->status));
  if (issuer == NULL || serial == NULL)
    return reject (OSSL_CMP_PKIFAILUREINFO_badCertId,
                   "The request does not name the certificate (issuer and serial number)");
  if (X509_NAME_cmp (issuer, X509_get_subject_name (tanba_server_ca_get_certificate (self->ca)))
      != 0)
    return reject (OSSL_CMP_PKIFAILUREINFO_badCertId,
                   "The certificate was not issued by this CA");

  bn = ASN1_INTEGER_to_BN (serial, NULL);
  hex = bn != NULL ? BN_bn2hex (bn) : NULL;
  serial_hex = g_strdup (hex);
  OPENSSL_free (hex);
  BN_free (bn);
  if (serial_hex == NULL)
    return reject (OSSL_CMP_PKIFAILUREINFO_badCertId, "The serial number cannot be read");

  target = tanba_server_store_find_cert (self->store, TANBA_CERT_BY_SERIAL, serial_hex, &error);
  if (error != NULL)
    goto fail;
  if (target == NULL || g_ascii_strcasecmp (target->user_id, who->user_id) != 0)
    return reject (OSSL_CMP_PKIFAILUREINFO_badCertId,
                   "No certificate with serial number %s belongs to user %s",
                   serial_hex, who->user_id);
  if (target->status == TANBA_CERT_STATUS_REVOKED)
    return reject (OSSL_CMP_PKIFAILUREINFO_certRevoked,
                   "The certificate %s is already revoked", serial_hex);

  if (!tanba_server_store_begin (self->store, &error)
      || !tanba_server_store_set_cert_status (self->store, target->id,
                                              TANBA_CERT_STATUS_REVOKED, -1, &error)
      || !tanba_server_store_commit (self->store, &error))
    goto fail;

  g_info ("CMP: %s revoked its %s certificate %s", who->user_id,
          tanba_cert_profile_to_string (target->profile), serial_hex);
  return OSSL_CMP_STATUSINFO_new (OSSL_CMP_PKISTATUS_accepted, 0, NULL);

fail:
  tanba_server_store_rollback (self->store);
  g_warning ("CMP: cannot record a revocation: %s", error->message);
  return reject (OSSL_CMP_PKIFAILUREINFO_systemFailure,
                 "The server could not store the revocation; try again");
}

static int
genm_cb (OSSL_CMP_SRV_CTX               *srv,
         const OSSL_CMP_MSG             *req,
         const STACK_OF (OSSL_CMP_ITAV) *in,
         STACK_OF (OSSL_CMP_ITAV)      **out)
{
  /* no general information is offered: an empty genp */
  *out = sk_OSSL_CMP_ITAV_new_null ();
  return *out != NULL;
}

static void
error_cb (OSSL_CMP_SRV_CTX           *srv,
          const OSSL_CMP_MSG         *req,
          const OSSL_CMP_PKISI       *status_info,
          const ASN1_INTEGER         *error_code,
          const OSSL_CMP_PKIFREETEXT *error_details)
{
  Transaction *tx = OSSL_CMP_SRV_CTX_get0_custom_ctx (srv);
  char buffer[OSSL_CMP_PKISI_BUFLEN] = "";

  if (status_info != NULL)
    OSSL_CMP_snprint_PKIStatusInfo (status_info, buffer, sizeof buffer);
  g_info ("CMP: client %s reported an error: %s",
          tx->current.user_id != NULL ? tx->current.user_id : "?", buffer);
}
