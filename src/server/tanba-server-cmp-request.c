/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-server-cmp-request.c: the CMP server's answer to a certificate
 * request (ir, kur): what is asked for (profile, term), who may ask, and the
 * certificate issued, or the same one again for the same key. */

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

OSSL_CMP_PKISI *
tanba_server_cmp_reject (int         failure,
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
    return tanba_server_cmp_reject (OSSL_CMP_PKIFAILUREINFO_notAuthorized,
                   "An initial registration (ir) must be protected with the user's "
                   "initialization key or with the user ID and OTP PIN (MAC); "
                   "renew a certificate with kur");

  if (requested == REQUESTED_NONE)
    return tanba_server_cmp_reject (OSSL_CMP_PKIFAILUREINFO_badCertTemplate,
                   "The request does not say which certificate it is for: request keyUsage "
                   "digitalSignature + nonRepudiation for the signing certificate, or keyUsage "
                   "digitalSignature + extendedKeyUsage clientAuth for the authentication "
                   "certificate");
  if (requested == REQUESTED_INVALID)
    return tanba_server_cmp_reject (OSSL_CMP_PKIFAILUREINFO_badCertTemplate, "%s", profile_reason);
  profile = requested == REQUESTED_SIGNING ? TANBA_CERT_PROFILE_SIGNING
                                           : TANBA_CERT_PROFILE_AUTHENTICATION;

  existing = tanba_server_store_find_cert (store, TANBA_CERT_BY_PUBLIC_KEY, key_hash, error);
  if (existing == NULL && error != NULL && *error != NULL)
    return NULL;

  if (existing != NULL)
    {
      if (g_ascii_strcasecmp (existing->user_id, who->user_id) != 0)
        return tanba_server_cmp_reject (OSSL_CMP_PKIFAILUREINFO_badCertTemplate,
                       "This public key is already certified for another user; "
                       "generate a new key pair");
      if (existing->profile != profile || !g_str_equal (existing->origin, "ir"))
        return tanba_server_cmp_reject (OSSL_CMP_PKIFAILUREINFO_badCertTemplate,
                       "This public key already has a %s certificate; "
                       "each certificate needs its own key pair",
                       tanba_cert_profile_to_string (existing->profile));
      if (existing->status == TANBA_CERT_STATUS_REVOKED
          || existing->status == TANBA_CERT_STATUS_SUPERSEDED)
        return tanba_server_cmp_reject (OSSL_CMP_PKIFAILUREINFO_certRevoked,
                       "The certificate for this public key was revoked; "
                       "generate a new key pair");
      /* a retry (e.g. the answer was lost): the same certificate again,
       * also after the registration completed, as nothing new is issued */
      return send_again (tx, existing, cert_out, error);
    }

  if (who->retired)
    return tanba_server_cmp_reject (OSSL_CMP_PKIFAILUREINFO_notAuthorized,
                   "The initialization key of user %s was already used for a completed "
                   "registration; it is valid only once. Ask the bank for a new one",
                   who->user_id);

  registration = tanba_server_store_get_registration (store, who->user_id, error);
  if (registration == NULL && error != NULL && *error != NULL)
    return NULL;
  if (registration != NULL && registration->complete)
    return tanba_server_cmp_reject (OSSL_CMP_PKIFAILUREINFO_notAuthorized,
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
    return tanba_server_cmp_reject (OSSL_CMP_PKIFAILUREINFO_duplicateCertReq,
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
    return tanba_server_cmp_reject (OSSL_CMP_PKIFAILUREINFO_notAuthorized,
                   "A key update request (kur) must be signed with the certificate "
                   "being renewed");
  old = who->cert;
  if (old->status == TANBA_CERT_STATUS_REVOKED)
    return tanba_server_cmp_reject (OSSL_CMP_PKIFAILUREINFO_certRevoked,
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
      return tanba_server_cmp_reject (OSSL_CMP_PKIFAILUREINFO_badCertTemplate,
                     "This public key is already certified; a renewal needs a new key pair");
    }

  if (old->status == TANBA_CERT_STATUS_SUPERSEDED)
    return tanba_server_cmp_reject (OSSL_CMP_PKIFAILUREINFO_notAuthorized,
                   "The certificate that signed this request was already renewed; "
                   "renew the newer one");
  if (old->status != TANBA_CERT_STATUS_ACCEPTED)
    return tanba_server_cmp_reject (OSSL_CMP_PKIFAILUREINFO_notAuthorized,
                   "The certificate that signed this request was never confirmed");

  old_id = OSSL_CRMF_MSG_get0_regCtrl_oldCertID (crm);
  if (old_id != NULL && !cert_id_matches (old_id, who->signer))
    return tanba_server_cmp_reject (OSSL_CMP_PKIFAILUREINFO_badCertId,
                   "The oldCertID control names another certificate than the one that "
                   "signed the request");

  if (requested == REQUESTED_INVALID)
    return tanba_server_cmp_reject (OSSL_CMP_PKIFAILUREINFO_badCertTemplate, "%s", profile_reason);
  profile = requested == REQUESTED_SIGNING ? TANBA_CERT_PROFILE_SIGNING
            : requested == REQUESTED_AUTHENTICATION ? TANBA_CERT_PROFILE_AUTHENTICATION
            : old->profile;
  if (profile != old->profile)
    return tanba_server_cmp_reject (OSSL_CMP_PKIFAILUREINFO_badCertTemplate,
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

OSSL_CMP_PKISI *
tanba_server_cmp_request_cb (OSSL_CMP_SRV_CTX     *srv,
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
    return tanba_server_cmp_reject (OSSL_CMP_PKIFAILUREINFO_badRequest,
                   "This server takes ir (initial registration) and kur (renewal) only");

  if (who->kind == REQUESTER_NONE)
    return tanba_server_cmp_reject (OSSL_CMP_PKIFAILUREINFO_notAuthorized,
                   "The request is not protected by a known initialization key, "
                   "certificate or OTP PIN");

  tmpl = OSSL_CRMF_MSG_get0_tmpl (crm);
  public_key = tanba_der_template_public_key (tmpl);
  if (public_key == NULL)
    return tanba_server_cmp_reject (OSSL_CMP_PKIFAILUREINFO_badCertTemplate,
                   "The request carries no public key (central key generation is not "
                   "offered)");
  if (!tanba_server_key_is_acceptable (public_key, &key_reason))
    {
      si = tanba_server_cmp_reject (OSSL_CMP_PKIFAILUREINFO_badAlg, "%s", key_reason);
      goto out;
    }
  if (who->signer != NULL)
    {
      EVP_PKEY *signer_key = X509_get0_pubkey (who->signer);

      if (signer_key != NULL && EVP_PKEY_eq (signer_key, public_key) == 1)
        {
          si = tanba_server_cmp_reject (OSSL_CMP_PKIFAILUREINFO_badCertTemplate,
                       "The new certificate needs a new key pair, not the key that signs "
                       "the request");
          goto out;
        }
    }
  key_hash = tanba_server_public_key_hash (public_key);

  subject_cn = tanba_server_name_get_cn (OSSL_CRMF_CERTTEMPLATE_get0_subject (tmpl));
  if (subject_cn != NULL && g_ascii_strcasecmp (subject_cn, who->user_id) != 0)
    {
      si = tanba_server_cmp_reject (OSSL_CMP_PKIFAILUREINFO_badCertTemplate,
                   "The requested subject names %s, but the request comes from user %s",
                   subject_cn, who->user_id);
      goto out;
    }

  if (!issued_validity (tmpl, &not_before, &not_after, &capped))
    {
      si = tanba_server_cmp_reject (OSSL_CMP_PKIFAILUREINFO_badCertTemplate,
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
      si = tanba_server_cmp_reject (OSSL_CMP_PKIFAILUREINFO_systemFailure,
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
