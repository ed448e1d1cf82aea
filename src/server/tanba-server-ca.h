/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-server-ca.h: the reference CA: its keys and certificates in the data
 * directory, and issuing certificates by profile.
 *
 * Files (relative to the data directory):
 *   ca.crt             self-signed root (keyCertSign, cRLSign, digitalSignature)
 *   private/ca.key
 *   cmp.crt            CMP protection certificate, issued by the root
 *   private/cmp.key    (keyUsage digitalSignature: CMP clients require it)
 *   tls.crt            bank TLS server certificate, issued by the root, for
 *   private/tls.key    localhost, 127.0.0.1 and ::1 */
#pragma once

#include <glib.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

G_BEGIN_DECLS

typedef enum
{
  TANBA_CERT_PROFILE_SIGNING,        /* digitalSignature + nonRepudiation */
  TANBA_CERT_PROFILE_AUTHENTICATION, /* digitalSignature, EKU clientAuth */
  TANBA_CERT_PROFILE_INIT_KEY,       /* digitalSignature: protects the first ir */
  TANBA_CERT_PROFILE_CMP_SIGNER,     /* digitalSignature: protects CMP responses */
  TANBA_CERT_PROFILE_TLS_SERVER,     /* digitalSignature(+keyEncipherment), serverAuth */
} TanbaCertProfile;

/* "signing", "authentication", ... as stored in the database. */
const char *tanba_cert_profile_to_string   (TanbaCertProfile  profile);
gboolean    tanba_cert_profile_from_string (const char       *name,
                                            TanbaCertProfile *profile);

typedef enum
{
  TANBA_KEY_TYPE_EC_P256,
  TANBA_KEY_TYPE_RSA_2048,
} TanbaKeyType;

EVP_PKEY   *tanba_server_generate_key      (TanbaKeyType      type,
                                            GError          **error);

/* TRUE for keys the CA certifies: RSA 2048..4096 bits, EC P-256/384/521. */
gboolean    tanba_server_key_is_acceptable (EVP_PKEY         *pkey,
                                            char            **reason);

/* @when (Unix time, UTC) plus @years calendar years: validity periods. */
gint64      tanba_server_years_after       (gint64            when,
                                            int               years);

typedef struct _TanbaServerCa TanbaServerCa;

TanbaServerCa *tanba_server_ca_create   (const char    *data_dir,
                                         TanbaKeyType   type,
                                         GError       **error);
TanbaServerCa *tanba_server_ca_load     (const char    *data_dir,
                                         GError       **error);
void           tanba_server_ca_free     (TanbaServerCa *self);

X509          *tanba_server_ca_get_certificate      (TanbaServerCa *self);
X509          *tanba_server_ca_get_cmp_certificate  (TanbaServerCa *self);
EVP_PKEY      *tanba_server_ca_get_cmp_key          (TanbaServerCa *self);
/* A store holding the root; shared, so up-ref before handing it away. */
X509_STORE    *tanba_server_ca_get_trust_store      (TanbaServerCa *self);
const char    *tanba_server_ca_get_certificate_path (TanbaServerCa *self);
const char    *tanba_server_ca_get_tls_cert_path    (TanbaServerCa *self);
const char    *tanba_server_ca_get_tls_key_path     (TanbaServerCa *self);

/* Issues a certificate for @public_key (only its public part is used) with
 * @subject, valid from @not_before to @not_after (Unix times; clamped to
 * the root's own validity), with the extensions of @profile. */
X509          *tanba_server_ca_issue    (TanbaServerCa    *self,
                                         TanbaCertProfile  profile,
                                         const X509_NAME  *subject,
                                         EVP_PKEY         *public_key,
                                         gint64            not_before,
                                         gint64            not_after,
                                         GError          **error);

/* "O=Tanba Demo Bank, CN=@user_id" (with "OU=Initialization key" for init
 * certificates): the subject of every certificate issued to a user. */
X509_NAME     *tanba_server_user_subject (const char      *user_id,
                                          gboolean         init_key);

/* The CN of @name (first one), or NULL. */
char          *tanba_server_name_get_cn  (const X509_NAME *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TanbaServerCa, tanba_server_ca_free)

G_END_DECLS
