/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-cmp-client.h: certificates from the bank's CA over CMP (RFC 4210/9480,
 * Lightweight CMP Profile RFC 9483, HTTP transport RFC 6712).
 *
 * OpenSSL's CMP client (OSSL_CMP_CTX) with libsoup as transport (transfer
 * callback, tanba-http). The server's certificate and its CMP protection
 * certificate must chain to the trust anchor. Every enrollment is confirmed
 * explicitly: the certificate received is handed to an accept function (which
 * stores it on the token) and certConf says "accepted" only if that succeeded.
 *
 * Synchronous, for worker threads. */
#pragma once

#include <gio/gio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

G_BEGIN_DECLS

#define TANBA_CMP_ERROR (tanba_cmp_error_quark ())

typedef enum
{
  TANBA_CMP_ERROR_FAILED,          /* the exchange failed in a way we cannot name (message says what OpenSSL said) */
  TANBA_CMP_ERROR_REJECTED,        /* the CA refused: PKIStatus, failInfo and its text in words */
  TANBA_CMP_ERROR_NOT_AUTHORIZED,  /* the CA does not accept who signed or MACed (wrong OTP PIN, unknown user) */
  TANBA_CMP_ERROR_ALREADY_USED,    /* the init key / OTP PIN served a completed registration */
  TANBA_CMP_ERROR_BAD_RESPONSE,    /* an answer that is not valid CMP, not protected, or not from the trusted CA */
  TANBA_CMP_ERROR_CANCELLED,
} TanbaCmpErrorCode;

GQuark tanba_cmp_error_quark (void);

/* Which of the two certificates (the template's keyUsage/EKU says it). */
typedef enum
{
  TANBA_CERT_PROFILE_SIGNING,         /* digitalSignature + nonRepudiation */
  TANBA_CERT_PROFILE_AUTHENTICATION,  /* digitalSignature, EKU clientAuth */
} TanbaCertProfile;

/* Called with each certificate received, before certConf. Return FALSE with
 * @error set to reject it (certConf then says "rejected" and the enrollment
 * fails with that error). */
typedef gboolean (*TanbaCmpAcceptFunc) (X509      *certificate,
                                        gpointer   user_data,
                                        GError   **error);

typedef struct _TanbaCmpClient TanbaCmpClient;

/* @url: the CA's CMP address (e.g. https://ca.example.kz/pkix/), checked with
 * tanba_http_check_url. @trust_anchor: PEM file of the bank's root (required:
 * both TLS and CMP protection are checked against it). */
TanbaCmpClient *tanba_cmp_client_new   (const char      *url,
                                        const char      *trust_anchor,
                                        GError         **error);
void            tanba_cmp_client_free  (TanbaCmpClient  *self);
/* Per-message time-out in seconds (default 60). */
void            tanba_cmp_client_set_timeout (TanbaCmpClient *self,
                                              guint           seconds);

/* Protection of the next requests. Signature: the key and certificate (e.g.
 * the init key file's, or the certificate being renewed) with @chain (may be
 * NULL); references are taken. MAC (PBM): reference = the user ID, secret =
 * the OTP PIN (copied, wiped on free). The last one set wins. */
void            tanba_cmp_client_set_signature_protection (TanbaCmpClient  *self,
                                                           EVP_PKEY        *key,
                                                           X509            *certificate,
                                                           STACK_OF (X509) *chain);
void            tanba_cmp_client_set_mac_protection (TanbaCmpClient *self,
                                                     const char     *reference,
                                                     const char     *secret);

/* Initial registration (ir) of @new_key (its public half goes into the
 * template; it signs the proof of possession, e.g. on the token) for
 * @profile, subject CN = @user_id, validity @term_days. Returns the
 * certificate (new reference) once certConf was answered. */
X509           *tanba_cmp_client_enroll (TanbaCmpClient     *self,
                                         EVP_PKEY           *new_key,
                                         TanbaCertProfile    profile,
                                         const char         *user_id,
                                         guint               term_days,
                                         TanbaCmpAcceptFunc  accept,
                                         gpointer            accept_data,
                                         GCancellable       *cancellable,
                                         GError            **error);

/* Key update (kur): protection must be the signature of the certificate being
 * renewed (@old_certificate with its key); @new_key gets a certificate of the
 * same profile. */
X509           *tanba_cmp_client_renew  (TanbaCmpClient     *self,
                                         X509               *old_certificate,
                                         EVP_PKEY           *new_key,
                                         guint               term_days,
                                         TanbaCmpAcceptFunc  accept,
                                         gpointer            accept_data,
                                         GCancellable       *cancellable,
                                         GError            **error);

/* Revocation (rr) of @certificate; protection as for renew. */
gboolean        tanba_cmp_client_revoke (TanbaCmpClient     *self,
                                         X509               *certificate,
                                         GCancellable       *cancellable,
                                         GError            **error);

/* The last answer's PKIStatus in words ("accepted", "granted with
 * modifications: The validity was capped at 3 years"), or NULL. */
const char     *tanba_cmp_client_get_status_text (TanbaCmpClient *self);

/* The term in days from today: @years calendar years. */
guint           tanba_cmp_term_days     (guint years);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TanbaCmpClient, tanba_cmp_client_free)

G_END_DECLS
