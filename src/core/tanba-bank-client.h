/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-bank-client.h: the bank's endpoints (JSON over HTTPS, tanba-http).
 *
 * Registration of the two certificates (a nonce from the bank, then both
 * certificates and a detached CMS signature by the signing key over
 * nonce ‖ SHA-256(authentication certificate DER)), and sign-in with TLS
 * client authentication. Synchronous, for worker threads. */
#pragma once

#include <gio/gio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

G_BEGIN_DECLS

#define TANBA_BANK_ERROR (tanba_bank_error_quark ())

typedef enum
{
  TANBA_BANK_ERROR_FAILED,          /* the bank answered with an error we have no words for (its message is quoted) */
  TANBA_BANK_ERROR_BAD_RESPONSE,    /* not the JSON we expect */
  TANBA_BANK_ERROR_REFUSED,         /* the bank refused the request: its code and message in words */
  TANBA_BANK_ERROR_NOT_REGISTERED,  /* sign-in: the certificate is not registered with the bank */
  TANBA_BANK_ERROR_CERTIFICATE,     /* sign-in: certificate unknown, untrusted, revoked or expired */
} TanbaBankErrorCode;

GQuark tanba_bank_error_quark (void);

typedef struct _TanbaBankClient TanbaBankClient;

typedef struct
{
  char *status;                    /* "registered" or "already-registered" */
  char *user_id;
  char *signing_certificate_serial;
  char *authentication_certificate_serial;
} TanbaBankRegistration;

/* @url: the bank's base address (the endpoints are bank/registration/nonce,
 * bank/registration and bank/whoami under it). @trust_anchor: PEM file, or
 * NULL for the system's store. */
TanbaBankClient *tanba_bank_client_new  (const char      *url,
                                         const char      *trust_anchor,
                                         GError         **error);
void             tanba_bank_client_free (TanbaBankClient *self);

TanbaBankRegistration *tanba_bank_client_register (TanbaBankClient *self,
                                                   X509            *signing_certificate,
                                                   EVP_PKEY        *signing_key,
                                                   X509            *authentication_certificate,
                                                   GCancellable    *cancellable,
                                                   GError         **error);
void             tanba_bank_registration_free (TanbaBankRegistration *registration);

/* The bank's error code ("user-mismatch", "nonce-invalid", …) of the last
 * request it refused, or NULL: for logs, JSON output and tests. */
const char      *tanba_bank_client_get_last_error_code (TanbaBankClient *self);

/* Sign-in: who the bank says is signed in (GET bank/whoami). */
typedef struct
{
  char      *user_id;
  char      *name;                 /* the certificate subject's CN (may equal user_id) */
  char      *organization;         /* the certificate subject's O, NULL if the bank does not say */
  char      *certificate_serial;
  GDateTime *certificate_not_after; /* NULL if the bank does not say */
  GDateTime *registered_at;
  GDateTime *signed_in_at;
} TanbaBankSession;

/* TLS client authentication with the authentication key on a token, named by
 * RFC 7512 PKCS#11 URIs (GnuTLS finds the token through p11-kit: the module
 * must be registered with p11-kit). @pin is given to the token once; a wrong
 * one is TANBA_TOKEN_ERROR_PIN_INCORRECT and is never retried. */
TanbaBankSession *tanba_bank_client_sign_in (TanbaBankClient *self,
                                             const char      *certificate_uri,
                                             const char      *key_uri,
                                             const char      *pin,
                                             GCancellable    *cancellable,
                                             GError         **error);
void             tanba_bank_session_free    (TanbaBankSession *session);

/* "pkcs11:serial=…;id=%..;type=cert" and "…;type=private": the URIs of the
 * certificate and the private key with @id on the token with @serial (and
 * @token_label when not empty). */
char            *tanba_bank_pkcs11_uri      (const char *token_serial,
                                             const char *token_label,
                                             GBytes     *id,
                                             gboolean    private_key);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TanbaBankClient, tanba_bank_client_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TanbaBankRegistration, tanba_bank_registration_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TanbaBankSession, tanba_bank_session_free)

G_END_DECLS
