/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "tanba-test-x509.h"

static void
add_ext (X509       *cert,
         X509       *issuer,
         int         nid,
         const char *value)
{
  X509V3_CTX ctx;
  X509_EXTENSION *ext;

  X509V3_set_ctx (&ctx, issuer, cert, NULL, NULL, 0);
  ext = X509V3_EXT_conf_nid (NULL, &ctx, nid, value);
  g_assert_nonnull (ext);
  X509_add_ext (cert, ext, -1);
  X509_EXTENSION_free (ext);
}

X509 *
tanba_test_x509_issue (EVP_PKEY             *public_key,
                       X509                 *issuer,
                       EVP_PKEY             *issuer_key,
                       const char           *common_name,
                       const char           *organization,
                       TanbaTestCertProfile  profile,
                       long                  not_before,
                       long                  not_after)
{
  static long serial = 1000;
  X509 *cert = X509_new ();
  X509_NAME *name = X509_NAME_new ();
  X509 *signer;

  X509_set_version (cert, 2);
  ASN1_INTEGER_set (X509_get_serialNumber (cert), g_atomic_pointer_add (&serial, 1));
  X509_NAME_add_entry_by_txt (name, "O", MBSTRING_UTF8, (const unsigned char *) organization, -1, -1, 0);
  X509_NAME_add_entry_by_txt (name, "CN", MBSTRING_UTF8, (const unsigned char *) common_name, -1, -1, 0);
  X509_set_subject_name (cert, name);
  X509_set_issuer_name (cert, issuer != NULL ? X509_get_subject_name (issuer) : name);
  X509_NAME_free (name);
  X509_gmtime_adj (X509_getm_notBefore (cert), not_before);
  X509_gmtime_adj (X509_getm_notAfter (cert), not_after);
  X509_set_pubkey (cert, public_key);
  signer = issuer != NULL ? issuer : cert;
  add_ext (cert, signer, NID_subject_key_identifier, "hash");
  if (profile == TANBA_TEST_CERT_CA)
    {
      add_ext (cert, signer, NID_basic_constraints, "critical,CA:TRUE");
      add_ext (cert, signer, NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature");
    }
  else
    {
      add_ext (cert, signer, NID_authority_key_identifier, "keyid:always");
      add_ext (cert, signer, NID_basic_constraints, "critical,CA:FALSE");
      if (profile == TANBA_TEST_CERT_SIGNING)
        add_ext (cert, signer, NID_key_usage, "critical,digitalSignature,nonRepudiation");
      else
        {
          add_ext (cert, signer, NID_key_usage, "critical,digitalSignature");
          add_ext (cert, signer, NID_ext_key_usage, "clientAuth");
        }
    }
  g_assert_cmpint (X509_sign (cert, issuer_key, EVP_sha256 ()), >, 0);
  return cert;
}

void
tanba_test_x509_write_pem (const char *path,
                           X509       *cert)
{
  BIO *bio = BIO_new_file (path, "w");

  g_assert_nonnull (bio);
  g_assert_cmpint (PEM_write_bio_X509 (bio, cert), ==, 1);
  BIO_free (bio);
}
