/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-test-x509.h: test certificates made in-process with OpenSSL, in the
 * bank's profiles, for the signing, verification and sign-in tests. */
#pragma once

#include <glib.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

G_BEGIN_DECLS

typedef enum
{
  TANBA_TEST_CERT_CA,              /* CA:TRUE, keyCertSign + cRLSign + digitalSignature */
  TANBA_TEST_CERT_SIGNING,         /* digitalSignature + nonRepudiation */
  TANBA_TEST_CERT_AUTHENTICATION,  /* digitalSignature, EKU clientAuth */
} TanbaTestCertProfile;

/* A certificate for @public_key, subject O=@organization, CN=@common_name,
 * issued by @issuer with @issuer_key (@issuer NULL: self-signed, then
 * @issuer_key signs). Valid from @not_before to @not_after, in seconds from
 * now. Serial numbers are unique in the process. */
X509 *tanba_test_x509_issue     (EVP_PKEY             *public_key,
                                 X509                 *issuer,
                                 EVP_PKEY             *issuer_key,
                                 const char           *common_name,
                                 const char           *organization,
                                 TanbaTestCertProfile  profile,
                                 long                  not_before,
                                 long                  not_after);

/* Writes @cert as PEM to @path (asserts it worked). */
void  tanba_test_x509_write_pem (const char           *path,
                                 X509                 *cert);

G_END_DECLS
