/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-server-cmp.c: the CMP server: who sent a message, transactions,
 * certConf, rr, genm and errors (ir and kur: tanba-server-cmp-request.c). */

#include "config.h"

#include "tanba-server-cmp-private.h"

#include <string.h>

#include <openssl/bn.h>
#include <openssl/cmp.h>
#include <openssl/crmf.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "tanba-server-der.h"
#include "tanba-server-error.h"
#include "tanba-server-files.h"

#define MAX_USER_ID       128

/* The same words for an unknown user ID and a wrong OTP PIN: no guessing
 * which user IDs exist. */
#define MAC_MISMATCH "the MAC does not match a user ID and its OTP PIN"

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

  if (!OSSL_CMP_SRV_CTX_init (tx->srv, tx, tanba_server_cmp_request_cb, rr_cb, genm_cb, error_cb,
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
    return tanba_server_cmp_reject (OSSL_CMP_PKIFAILUREINFO_notAuthorized,
                   "A revocation request (rr) must be signed with one of the user's "
                   "certificates");
  if (who->cert->status != TANBA_CERT_STATUS_ACCEPTED)
    return tanba_server_cmp_reject (OSSL_CMP_PKIFAILUREINFO_notAuthorized,
                   "The certificate that signed this request is not in force (it is %s)",
                   tanba_cert_status_to_string (who->cert->status));
  if (issuer == NULL || serial == NULL)
    return tanba_server_cmp_reject (OSSL_CMP_PKIFAILUREINFO_badCertId,
                   "The request does not name the certificate (issuer and serial number)");
  if (X509_NAME_cmp (issuer, X509_get_subject_name (tanba_server_ca_get_certificate (self->ca)))
      != 0)
    return tanba_server_cmp_reject (OSSL_CMP_PKIFAILUREINFO_badCertId,
                   "The certificate was not issued by this CA");

  bn = ASN1_INTEGER_to_BN (serial, NULL);
  hex = bn != NULL ? BN_bn2hex (bn) : NULL;
  serial_hex = g_strdup (hex);
  OPENSSL_free (hex);
  BN_free (bn);
  if (serial_hex == NULL)
    return tanba_server_cmp_reject (OSSL_CMP_PKIFAILUREINFO_badCertId, "The serial number cannot be read");

  target = tanba_server_store_find_cert (self->store, TANBA_CERT_BY_SERIAL, serial_hex, &error);
  if (error != NULL)
    goto fail;
  if (target == NULL || g_ascii_strcasecmp (target->user_id, who->user_id) != 0)
    return tanba_server_cmp_reject (OSSL_CMP_PKIFAILUREINFO_badCertId,
                   "No certificate with serial number %s belongs to user %s",
                   serial_hex, who->user_id);
  if (target->status == TANBA_CERT_STATUS_REVOKED)
    return tanba_server_cmp_reject (OSSL_CMP_PKIFAILUREINFO_certRevoked,
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
  return tanba_server_cmp_reject (OSSL_CMP_PKIFAILUREINFO_systemFailure,
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
