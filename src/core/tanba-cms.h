/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-cms.h: document signatures, CAdES-BES detached CMS (RFC 5652, ETSI
 * EN 319 122-1 baseline B without the signing time policy): the ".p7s" next
 * to a signed file.
 *
 * Signing: SHA-256, the signing certificate (signingCertificateV2 and the
 * signingTime as signed attributes) and its issuer chain included; RSA keys
 * sign with PKCS#1 v1.5, EC keys with ECDSA. The key may live on a token (an
 * EVP_PKEY from tanba_token_get_private_key): the token must stay logged in
 * while signing. Files are streamed, never loaded whole.
 *
 * Verification says who signed, when (the signed signingTime attribute, as
 * the signer's clock had it), and whether the signature holds, with the
 * reason in words when it does not. The signer's certificate must chain to
 * the trust anchor and be valid at the signing time (or now, when the
 * signature carries no time), and be meant for signing (keyUsage
 * digitalSignature or nonRepudiation). */
#pragma once

#include <gio/gio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

G_BEGIN_DECLS

#define TANBA_CMS_ERROR (tanba_cms_error_quark ())

/* Errors: the operation could not be carried out at all. A signature that
 * does not hold is not an error: see TanbaCmsVerdict. */
typedef enum
{
  TANBA_CMS_ERROR_FAILED,        /* signing failed (the token refused, OpenSSL failed: message says) */
  TANBA_CMS_ERROR_IO,            /* a file cannot be read or written */
  TANBA_CMS_ERROR_KEY_MISMATCH,  /* the key is not the certificate's */
  TANBA_CMS_ERROR_TRUST_ANCHOR,  /* the trust anchor file cannot be read or holds no certificate */
} TanbaCmsErrorCode;

GQuark tanba_cms_error_quark (void);

typedef enum
{
  TANBA_CMS_VALID,
  TANBA_CMS_NOT_SIGNATURE,       /* the signature file is not a CMS signature (or is empty, or is for something else) */
  TANBA_CMS_NOT_DETACHED,        /* the signature file holds a document of its own, not a detached signature */
  TANBA_CMS_NO_SIGNER_CERTIFICATE, /* the signer's certificate is not in the signature */
  TANBA_CMS_BROKEN,              /* the signature itself is damaged or was not made by the certificate's key */
  TANBA_CMS_TAMPERED,            /* the file is not the one that was signed (changed, or another file) */
  TANBA_CMS_UNTRUSTED,           /* the signer's certificate does not chain to the trust anchor */
  TANBA_CMS_EXPIRED,             /* the signer's certificate was not valid at the signing time */
  TANBA_CMS_NOT_FOR_SIGNING,     /* the signer's certificate is not meant for signatures */
  TANBA_CMS_WRONG_CERTIFICATE_REFERENCE, /* CAdES: the signed certificate reference names another certificate */
} TanbaCmsVerdict;

typedef struct
{
  TanbaCmsVerdict verdict;
  char      *reason;              /* one sentence in words (translated), also when valid */
  /* Known once the signature could be read (else NULL): */
  X509      *signer_certificate;
  char      *signer_common_name;  /* subject CN, UTF-8 */
  char      *signer_organization; /* subject O, UTF-8, NULL if none */
  char      *signer_serial;       /* certificate serial, upper-case hex */
  GDateTime *signing_time;        /* the signed signingTime, UTC; NULL if none */
  gboolean   cades;               /* signingCertificate(V2) attribute present */
  guint      n_signers;           /* SignerInfos in the signature; the first is described */
} TanbaCmsVerification;

void tanba_cms_verification_free (TanbaCmsVerification *verification);

/* Detached CAdES-BES signature over @content, DER. @chain (may be NULL): more
 * certificates to include (the issuer chain). */
GBytes   *tanba_cms_sign_bytes (X509            *certificate,
                                EVP_PKEY        *key,
                                STACK_OF (X509) *chain,
                                GBytes          *content,
                                GError         **error);

/* The same over the file at @path, read in pieces; the DER signature is
 * written to @output_path (replaced atomically: on failure nothing is left). */
gboolean  tanba_cms_sign_file  (X509            *certificate,
                                EVP_PKEY        *key,
                                STACK_OF (X509) *chain,
                                const char      *path,
                                const char      *output_path,
                                GCancellable    *cancellable,
                                GError         **error);

/* @path with ".p7s" appended. */
char     *tanba_cms_default_signature_path (const char *path);

/* The issuer chain of @certificate found among @candidates (may be NULL),
 * in order, the root included when present; never NULL. */
STACK_OF (X509) *tanba_cms_issuer_chain (X509            *certificate,
                                         STACK_OF (X509) *candidates);

/* The certificates of a PEM file (a trust anchor); error if none. */
STACK_OF (X509) *tanba_cms_read_certificates (const char *path,
                                              GError    **error);

/* Checks @signature (DER, or PEM "CMS"/"PKCS7") against @content and the
 * certificates in @trust (the trust anchors). Returns NULL only on
 * errors that prevent the check (memory, I/O); a signature that does not hold
 * is a verification with its verdict. */
TanbaCmsVerification *tanba_cms_verify_bytes (GBytes          *content,
                                              GBytes          *signature,
                                              STACK_OF (X509) *trust,
                                              GError         **error);

/* The same with the file at @path (read in pieces), the signature file at
 * @signature_path and the trust anchor PEM file @trust_anchor. */
TanbaCmsVerification *tanba_cms_verify_file  (const char   *path,
                                              const char   *signature_path,
                                              const char   *trust_anchor,
                                              GCancellable *cancellable,
                                              GError      **error);

/* A stable name for a verdict, for JSON ("valid", "tampered", …). */
const char *tanba_cms_verdict_to_string (TanbaCmsVerdict verdict);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TanbaCmsVerification, tanba_cms_verification_free)

G_END_DECLS
