/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-cms.c: detached CAdES-BES signatures with keys on a SoftHSM token,
 * checked independently by `openssl cms -verify`; Tanba's verification of
 * OpenSSL-made signatures, and of signatures that must not hold (tampered
 * file, untrusted signer, expired certificate, wrong certificate, not a
 * signature at all). The CA is a throwaway one made here with OpenSSL. */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "tanba-cms.h"
#include "tanba-test-token.h"
#include "tanba-test-x509.h"

typedef struct
{
  EVP_PKEY *key;
  X509     *cert;
} Ca;

static TanbaTestSoftHsm *hsm;
static TanbaToken *token;
static char *tmp;
static Ca root;          /* the trust anchor */
static Ca other_root;    /* a CA nobody trusts */
static char *root_pem;
static char *other_root_pem;

/* The token's keys and their certificates, by algorithm. */
static EVP_PKEY *token_key[2];
static X509 *token_cert[2];

static char *
tmp_path (const char *name)
{
  return g_build_filename (tmp, name, NULL);
}

static void
write_file (const char *path,
            const void *data,
            gsize       length)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, data, (gssize) length, &error);
  g_assert_no_error (error);
}

static void
write_pem_key (const char *path,
               EVP_PKEY   *key)
{
  BIO *bio = BIO_new_file (path, "w");

  g_assert_nonnull (bio);
  g_assert_cmpint (PEM_write_bio_PrivateKey (bio, key, NULL, NULL, 0, NULL, NULL), ==, 1);
  BIO_free (bio);
  g_chmod (path, 0600);
}

static void
make_ca (Ca         *ca,
         const char *cn)
{
  ca->key = EVP_EC_gen ("P-256");
  ca->cert = tanba_test_x509_issue (ca->key, NULL, ca->key, cn, "Tanba Test Bank", TANBA_TEST_CERT_CA,
                                    -3600, 86400 * 3650);
}

/* A software signer (for OpenSSL-made signatures and odd certificates). */
typedef struct
{
  EVP_PKEY *key;
  X509     *cert;
  char     *key_path;
  char     *cert_path;
} Signer;

static Signer *
signer_new (Ca         *ca,
            const char *name,
            TanbaTestCertProfile profile,
            long        not_before,
            long        not_after)
{
  Signer *s = g_new0 (Signer, 1);
  g_autofree char *key_name = g_strconcat (name, ".key", NULL);
  g_autofree char *cert_name = g_strconcat (name, ".crt", NULL);

  s->key = EVP_EC_gen ("P-256");
  s->cert = tanba_test_x509_issue (s->key, ca->cert, ca->key, "Dana Serikova", "Tanba Test Bank", profile,
                                   not_before, not_after);
  s->key_path = tmp_path (key_name);
  s->cert_path = tmp_path (cert_name);
  write_pem_key (s->key_path, s->key);
  tanba_test_x509_write_pem (s->cert_path, s->cert);
  return s;
}

static void
signer_free (Signer *s)
{
  EVP_PKEY_free (s->key);
  X509_free (s->cert);
  g_free (s->key_path);
  g_free (s->cert_path);
  g_free (s);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Signer, signer_free)

/* A document with every byte value, CR/LF and a size that is not a round number. */
static char *
make_document (const char *name,
               gsize       size)
{
  char *path = tmp_path (name);
  g_autofree guint8 *data = g_malloc (size);

  for (gsize i = 0; i < size; i++)
    data[i] = (guint8) ((i * 7919 + i / 251) & 0xff);
  if (size > 10)
    memcpy (data, "line\r\nnext\n", 10);
  write_file (path, data, size);
  return path;
}

/* `openssl cms -verify` of a detached DER signature; returns its exit status. */
static int
openssl_verify (const char *document,
                const char *signature,
                const char *ca_file,
                char      **err)
{
  const char *argv[] = { "openssl", "cms", "-verify", "-binary", "-inform", "DER",
                         "-in", signature, "-content", document, "-CAfile", ca_file,
                         "-out", "/dev/null", NULL };

  return tanba_test_run (argv, NULL, NULL, err);
}

static STACK_OF (X509) *
anchors (X509 *cert)
{
  STACK_OF (X509) *stack = sk_X509_new_null ();

  X509_up_ref (cert);
  sk_X509_push (stack, cert);
  return stack;
}

static TanbaCmsVerification *
verify (const char *document,
        const char *signature,
        const char *trust_anchor)
{
  g_autoptr(GError) error = NULL;
  TanbaCmsVerification *v = tanba_cms_verify_file (document, signature, trust_anchor, NULL,
                                                   &error);

  g_assert_no_error (error);
  g_assert_nonnull (v);
  g_test_message ("verdict %s: %s", tanba_cms_verdict_to_string (v->verdict), v->reason);
  g_assert_nonnull (v->reason);
  g_assert_cmpstr (v->reason, !=, "");
  return v;
}

/* ---- tests ------------------------------------------------------------------- */

/* Tanba signs a file with the token key; OpenSSL accepts it; Tanba reads back
 * who signed and when. */
static void
test_sign_token (gconstpointer data)
{
  TanbaKeyAlgorithm algorithm = GPOINTER_TO_INT (data);
  const char *tag = algorithm == TANBA_KEY_RSA2048 ? "rsa" : "p256";
  g_autofree char *doc_name = g_strdup_printf ("report-%s.bin", tag);
  g_autofree char *document = make_document (doc_name, 3 * 1024 * 1024 + 17);
  g_autofree char *signature = tanba_cms_default_signature_path (document);
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TanbaCmsVerification) v = NULL;
  g_autoptr(GDateTime) before = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) after = NULL;
  STACK_OF (X509) *chain = anchors (root.cert);
  CMS_ContentInfo *cms;
  CMS_SignerInfo *si;
  STACK_OF (X509) *certs;
  X509_ALGOR *digest = NULL, *sig_alg = NULL;
  g_autofree char *der = NULL;
  gsize der_length;
  const unsigned char *p;

  g_assert_true (tanba_cms_sign_file (token_cert[algorithm], token_key[algorithm], chain,
                                      document, signature, NULL, &error));
  g_assert_no_error (error);
  after = g_date_time_new_now_utc ();
  sk_X509_pop_free (chain, X509_free);
  g_assert_true (g_str_has_suffix (signature, ".p7s"));

  /* the independent check */
  g_assert_cmpint (openssl_verify (document, signature, root_pem, &err), ==, 0);
  g_assert_nonnull (strstr (err, "Verification successful"));

  /* its structure: detached, SHA-256, CAdES signingCertificateV2, signingTime,
   * the signer's certificate and the chain (the root), PKCS#1 v1.5 for RSA */
  g_file_get_contents (signature, &der, &der_length, &error);
  g_assert_no_error (error);
  p = (const unsigned char *) der;
  cms = d2i_CMS_ContentInfo (NULL, &p, (long) der_length);
  g_assert_nonnull (cms);
  g_assert_true (CMS_is_detached (cms));
  g_assert_cmpint (sk_CMS_SignerInfo_num (CMS_get0_SignerInfos (cms)), ==, 1);
  si = sk_CMS_SignerInfo_value (CMS_get0_SignerInfos (cms), 0);
  CMS_SignerInfo_get0_algs (si, NULL, NULL, &digest, &sig_alg);
  g_assert_cmpint (OBJ_obj2nid (digest->algorithm), ==, NID_sha256);
  if (algorithm == TANBA_KEY_RSA2048)
    g_assert_cmpint (OBJ_obj2nid (sig_alg->algorithm), ==, NID_rsaEncryption);
  else
    g_assert_cmpint (OBJ_obj2nid (sig_alg->algorithm), ==, NID_ecdsa_with_SHA256);
  g_assert_cmpint (CMS_signed_get_attr_by_NID (si, NID_id_smime_aa_signingCertificateV2, -1),
                   >=, 0);
  g_assert_cmpint (CMS_signed_get_attr_by_NID (si, NID_pkcs9_signingTime, -1), >=, 0);
  certs = CMS_get1_certs (cms);
  g_assert_cmpint (sk_X509_num (certs), ==, 2);
  sk_X509_pop_free (certs, X509_free);
  CMS_ContentInfo_free (cms);

  /* Tanba's own verification */
  v = verify (document, signature, root_pem);
  g_assert_cmpint (v->verdict, ==, TANBA_CMS_VALID);
  g_assert_cmpstr (v->signer_common_name, ==, "Aigerim Bekova");
  g_assert_cmpstr (v->signer_organization, ==, "Tanba Test Bank");
  g_assert_true (v->cades);
  g_assert_cmpuint (v->n_signers, ==, 1);
  g_assert_cmpint (X509_cmp (v->signer_certificate, token_cert[algorithm]), ==, 0);
  g_assert_nonnull (v->signing_time);
  /* signingTime has whole seconds */
  g_assert_cmpint (g_date_time_to_unix (v->signing_time), >=, g_date_time_to_unix (before));
  g_assert_cmpint (g_date_time_to_unix (v->signing_time), <=, g_date_time_to_unix (after));
  g_assert_nonnull (strstr (v->reason, "Aigerim Bekova"));

  /* the same document changed by one byte: both checkers refuse */
  {
    g_autofree char *changed = NULL;
    g_autofree char *err2 = NULL;
    gsize length;

    g_file_get_contents (document, &changed, &length, &error);
    g_assert_no_error (error);
    changed[length / 2] ^= 0x01;
    write_file (document, changed, length);
    g_clear_pointer (&v, tanba_cms_verification_free);
    v = verify (document, signature, root_pem);
    g_assert_cmpint (v->verdict, ==, TANBA_CMS_TAMPERED);
    g_assert_cmpstr (v->signer_common_name, ==, "Aigerim Bekova");
    g_assert_cmpint (openssl_verify (document, signature, root_pem, &err2), !=, 0);
  }
}

/* Signing bytes in memory (the bank registration uses it) with the token's
 * P-256 key; verification of bytes. */
static void
test_sign_bytes (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) content = g_bytes_new_static ("nonce and digest", 16);
  g_autoptr(GBytes) other = g_bytes_new_static ("nonce and digesT", 16);
  g_autoptr(GBytes) empty = g_bytes_new_static ("", 0);
  g_autoptr(GBytes) signature = NULL;
  g_autoptr(GBytes) empty_signature = NULL;
  g_autoptr(TanbaCmsVerification) v = NULL;
  STACK_OF (X509) *trust = anchors (root.cert);

  signature = tanba_cms_sign_bytes (token_cert[TANBA_KEY_P256], token_key[TANBA_KEY_P256], NULL,
                                    content, &error);
  g_assert_no_error (error);
  v = tanba_cms_verify_bytes (content, signature, trust, &error);
  g_assert_no_error (error);
  g_assert_cmpint (v->verdict, ==, TANBA_CMS_VALID);
  g_clear_pointer (&v, tanba_cms_verification_free);

  v = tanba_cms_verify_bytes (other, signature, trust, &error);
  g_assert_no_error (error);
  g_assert_cmpint (v->verdict, ==, TANBA_CMS_TAMPERED);
  g_clear_pointer (&v, tanba_cms_verification_free);

  /* an empty document can be signed and checked too */
  empty_signature = tanba_cms_sign_bytes (token_cert[TANBA_KEY_RSA2048],
                                          token_key[TANBA_KEY_RSA2048], NULL, empty, &error);
  g_assert_no_error (error);
  v = tanba_cms_verify_bytes (empty, empty_signature, trust, &error);
  g_assert_no_error (error);
  g_assert_cmpint (v->verdict, ==, TANBA_CMS_VALID);
  sk_X509_pop_free (trust, X509_free);
}

/* Signatures made by `openssl cms -sign` (plain CMS and CAdES): Tanba accepts
 * them and rejects a changed file. */
static void
test_verify_openssl (void)
{
  g_autoptr(Signer) signer = signer_new (&root, "openssl-signer", TANBA_TEST_CERT_SIGNING, -60, 86400);
  g_autofree char *document = make_document ("contract.txt", 5000);
  g_autofree char *other = make_document ("other.txt", 4999);
  const char *modes[] = { "plain", "cades" };

  for (guint i = 0; i < G_N_ELEMENTS (modes); i++)
    {
      g_autofree char *name = g_strdup_printf ("contract-%s.p7s", modes[i]);
      g_autofree char *signature = tmp_path (name);
      g_autofree char *err = NULL;
      g_autoptr(TanbaCmsVerification) v = NULL;
      const char *argv[] = { "openssl", "cms", "-sign", "-binary", "-md", "sha256",
                             "-in", document, "-signer", signer->cert_path,
                             "-inkey", signer->key_path, "-outform", "DER",
                             "-out", signature, "-certfile", root_pem,
                             i == 1 ? "-cades" : NULL, NULL };

      g_assert_cmpint (tanba_test_run (argv, NULL, NULL, &err), ==, 0);
      v = verify (document, signature, root_pem);
      g_assert_cmpint (v->verdict, ==, TANBA_CMS_VALID);
      g_assert_cmpstr (v->signer_common_name, ==, "Dana Serikova");
      g_assert_cmpint (v->cades, ==, i == 1);
      g_assert_nonnull (v->signing_time);
      g_clear_pointer (&v, tanba_cms_verification_free);

      /* another file with the same signature */
      v = verify (other, signature, root_pem);
      g_assert_cmpint (v->verdict, ==, TANBA_CMS_TAMPERED);
    }
}

/* A PEM signature (openssl -outform PEM) is read too. */
static void
test_verify_pem (void)
{
  g_autoptr(Signer) signer = signer_new (&root, "pem-signer", TANBA_TEST_CERT_SIGNING, -60, 86400);
  g_autofree char *document = make_document ("pem.txt", 100);
  g_autofree char *signature = tmp_path ("pem.p7s");
  g_autofree char *err = NULL;
  g_autoptr(TanbaCmsVerification) v = NULL;
  const char *argv[] = { "openssl", "cms", "-sign", "-binary", "-in", document,
                         "-signer", signer->cert_path, "-inkey", signer->key_path,
                         "-outform", "PEM", "-out", signature, NULL };

  g_assert_cmpint (tanba_test_run (argv, NULL, NULL, &err), ==, 0);
  v = verify (document, signature, root_pem);
  g_assert_cmpint (v->verdict, ==, TANBA_CMS_VALID);
}

/* A signer whose certificate another CA issued: not trusted (Tanba), and
 * OpenSSL agrees; with that CA as anchor both accept. */
static void
test_untrusted (void)
{
  g_autoptr(Signer) stranger = signer_new (&other_root, "stranger", TANBA_TEST_CERT_SIGNING, -60, 86400);
  g_autofree char *document = make_document ("untrusted.txt", 1000);
  g_autofree char *signature = tanba_cms_default_signature_path (document);
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TanbaCmsVerification) v = NULL;

  g_assert_true (tanba_cms_sign_file (stranger->cert, stranger->key, NULL, document, signature,
                                      NULL, &error));
  g_assert_no_error (error);
  v = verify (document, signature, root_pem);
  g_assert_cmpint (v->verdict, ==, TANBA_CMS_UNTRUSTED);
  g_assert_cmpstr (v->signer_common_name, ==, "Dana Serikova");
  g_assert_nonnull (strstr (v->reason, "Dana Serikova"));
  g_assert_cmpint (openssl_verify (document, signature, root_pem, &err), !=, 0);
  g_clear_pointer (&v, tanba_cms_verification_free);

  v = verify (document, signature, other_root_pem);
  g_assert_cmpint (v->verdict, ==, TANBA_CMS_VALID);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (openssl_verify (document, signature, other_root_pem, &err), ==, 0);

  /* a self-signed signer */
  {
    EVP_PKEY *key = EVP_EC_gen ("P-256");
    X509 *self = tanba_test_x509_issue (key, NULL, key, "Self Signed", "Nobody", TANBA_TEST_CERT_SIGNING,
                                         -60, 86400);
    g_autoptr(TanbaCmsVerification) v2 = NULL;

    g_assert_true (tanba_cms_sign_file (self, key, NULL, document, signature, NULL, &error));
    g_assert_no_error (error);
    v2 = verify (document, signature, root_pem);
    g_assert_cmpint (v2->verdict, ==, TANBA_CMS_UNTRUSTED);
    X509_free (self);
    EVP_PKEY_free (key);
  }
}

/* The certificate had expired when the document was signed. */
static void
test_expired (void)
{
  g_autoptr(Signer) old = signer_new (&root, "expired", TANBA_TEST_CERT_SIGNING, -86400 * 30, -86400);
  g_autofree char *document = make_document ("late.txt", 1000);
  g_autofree char *signature = tanba_cms_default_signature_path (document);
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TanbaCmsVerification) v = NULL;

  g_assert_true (tanba_cms_sign_file (old->cert, old->key, NULL, document, signature, NULL,
                                      &error));
  g_assert_no_error (error);
  v = verify (document, signature, root_pem);
  g_assert_cmpint (v->verdict, ==, TANBA_CMS_EXPIRED);
  g_assert_cmpint (openssl_verify (document, signature, root_pem, &err), !=, 0);
}

/* An authentication certificate (EKU clientAuth) is not for signing. */
static void
test_not_for_signing (void)
{
  g_autoptr(Signer) auth = signer_new (&root, "authentication", TANBA_TEST_CERT_AUTHENTICATION, -60, 86400);
  g_autofree char *document = make_document ("auth.txt", 1000);
  g_autofree char *signature = tanba_cms_default_signature_path (document);
  g_autoptr(GError) error = NULL;
  g_autoptr(TanbaCmsVerification) v = NULL;

  g_assert_true (tanba_cms_sign_file (auth->cert, auth->key, NULL, document, signature, NULL,
                                      &error));
  g_assert_no_error (error);
  v = verify (document, signature, root_pem);
  g_assert_cmpint (v->verdict, ==, TANBA_CMS_NOT_FOR_SIGNING);
}

/* Files that are not signatures; a signature without its certificate; a
 * damaged signature value. */
static void
test_not_signature (void)
{
  g_autoptr(Signer) signer = signer_new (&root, "plain", TANBA_TEST_CERT_SIGNING, -60, 86400);
  g_autofree char *document = make_document ("letter.txt", 2000);
  g_autofree char *empty = tmp_path ("empty.p7s");
  g_autofree char *garbage = tmp_path ("garbage.p7s");
  g_autofree char *certificate = tmp_path ("cert.p7s");
  g_autofree char *nocerts = tmp_path ("nocerts.p7s");
  g_autofree char *attached = tmp_path ("attached.p7s");
  g_autofree char *damaged = tmp_path ("damaged.p7s");
  g_autofree char *err = NULL;
  g_autofree char *der = NULL;
  g_autoptr(GError) error = NULL;
  gsize length;
  TanbaCmsVerification *v;

  write_file (empty, "", 0);
  write_file (garbage, "\x30\x82\x01\x00garbage", 12);
  tanba_test_x509_write_pem (certificate, signer->cert);

  v = verify (document, empty, root_pem);
  g_assert_cmpint (v->verdict, ==, TANBA_CMS_NOT_SIGNATURE);
  g_assert_null (v->signer_common_name);
  tanba_cms_verification_free (v);
  v = verify (document, garbage, root_pem);
  g_assert_cmpint (v->verdict, ==, TANBA_CMS_NOT_SIGNATURE);
  tanba_cms_verification_free (v);
  v = verify (document, certificate, root_pem);
  g_assert_cmpint (v->verdict, ==, TANBA_CMS_NOT_SIGNATURE);
  tanba_cms_verification_free (v);
  /* the document itself chosen as its signature */
  v = verify (document, document, root_pem);
  g_assert_cmpint (v->verdict, ==, TANBA_CMS_NOT_SIGNATURE);
  tanba_cms_verification_free (v);

  {
    const char *argv[] = { "openssl", "cms", "-sign", "-binary", "-in", document,
                           "-signer", signer->cert_path, "-inkey", signer->key_path,
                           "-nocerts", "-outform", "DER", "-out", nocerts, NULL };

    g_assert_cmpint (tanba_test_run (argv, NULL, NULL, &err), ==, 0);
    v = verify (document, nocerts, root_pem);
    g_assert_cmpint (v->verdict, ==, TANBA_CMS_NO_SIGNER_CERTIFICATE);
    tanba_cms_verification_free (v);
  }
  {
    const char *argv[] = { "openssl", "cms", "-sign", "-binary", "-nodetach", "-in", document,
                           "-signer", signer->cert_path, "-inkey", signer->key_path,
                           "-outform", "DER", "-out", attached, NULL };

    g_clear_pointer (&err, g_free);
    g_assert_cmpint (tanba_test_run (argv, NULL, NULL, &err), ==, 0);
    v = verify (document, attached, root_pem);
    g_assert_cmpint (v->verdict, ==, TANBA_CMS_NOT_DETACHED);
    tanba_cms_verification_free (v);
  }

  /* the last byte of a DER CMS signed by Tanba is inside the ECDSA signature */
  g_assert_true (tanba_cms_sign_file (signer->cert, signer->key, NULL, document, damaged, NULL,
                                      &error));
  g_assert_no_error (error);
  g_file_get_contents (damaged, &der, &length, &error);
  g_assert_no_error (error);
  der[length - 1] ^= 0x55;
  write_file (damaged, der, length);
  v = verify (document, damaged, root_pem);
  g_assert_cmpint (v->verdict, ==, TANBA_CMS_BROKEN);
  tanba_cms_verification_free (v);
}

/* What cannot be done at all is an error, not a verdict. */
static void
test_errors (void)
{
  g_autoptr(Signer) signer = signer_new (&root, "errors", TANBA_TEST_CERT_SIGNING, -60, 86400);
  g_autofree char *document = make_document ("errors.txt", 100);
  g_autofree char *missing = tmp_path ("missing.txt");
  g_autofree char *signature = tanba_cms_default_signature_path (document);
  g_autofree char *bad_output = g_build_filename (tmp, "no-such-dir", "x.p7s", NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  TanbaCmsVerification *v;

  /* the key of another certificate */
  g_assert_false (tanba_cms_sign_file (token_cert[TANBA_KEY_P256], signer->key, NULL, document,
                                       signature, NULL, &error));
  g_assert_error (error, TANBA_CMS_ERROR, TANBA_CMS_ERROR_KEY_MISMATCH);
  g_clear_error (&error);
  g_assert_false (tanba_cms_sign_file (token_cert[TANBA_KEY_RSA2048],
                                       token_key[TANBA_KEY_P256], NULL, document, signature,
                                       NULL, &error));
  g_assert_error (error, TANBA_CMS_ERROR, TANBA_CMS_ERROR_KEY_MISMATCH);
  g_clear_error (&error);
  g_assert_false (g_file_test (signature, G_FILE_TEST_EXISTS));

  /* a file that is not there, a folder, an output that cannot be written */
  g_assert_false (tanba_cms_sign_file (signer->cert, signer->key, NULL, missing, signature,
                                       NULL, &error));
  g_assert_error (error, TANBA_CMS_ERROR, TANBA_CMS_ERROR_IO);
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  g_assert_false (tanba_cms_sign_file (signer->cert, signer->key, NULL, tmp, signature, NULL,
                                       &error));
  g_assert_error (error, TANBA_CMS_ERROR, TANBA_CMS_ERROR_IO);
  g_clear_error (&error);
  g_assert_false (tanba_cms_sign_file (signer->cert, signer->key, NULL, document, bad_output,
                                       NULL, &error));
  g_assert_error (error, TANBA_CMS_ERROR, TANBA_CMS_ERROR_IO);
  g_clear_error (&error);

  /* cancelled */
  g_cancellable_cancel (cancellable);
  g_assert_false (tanba_cms_sign_file (signer->cert, signer->key, NULL, document, signature,
                                       cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  g_assert_true (tanba_cms_sign_file (signer->cert, signer->key, NULL, document, signature, NULL,
                                      &error));
  g_assert_no_error (error);

  /* verification: missing trust anchor, a trust anchor that is no PEM, a
   * missing document, a missing signature */
  v = tanba_cms_verify_file (document, signature, missing, NULL, &error);
  g_assert_null (v);
  g_assert_error (error, TANBA_CMS_ERROR, TANBA_CMS_ERROR_TRUST_ANCHOR);
  g_clear_error (&error);
  v = tanba_cms_verify_file (document, signature, document, NULL, &error);
  g_assert_null (v);
  g_assert_error (error, TANBA_CMS_ERROR, TANBA_CMS_ERROR_TRUST_ANCHOR);
  g_clear_error (&error);
  v = tanba_cms_verify_file (missing, signature, root_pem, NULL, &error);
  g_assert_null (v);
  g_assert_error (error, TANBA_CMS_ERROR, TANBA_CMS_ERROR_IO);
  g_clear_error (&error);
  v = tanba_cms_verify_file (document, missing, root_pem, NULL, &error);
  g_assert_null (v);
  g_assert_error (error, TANBA_CMS_ERROR, TANBA_CMS_ERROR_IO);
  g_clear_error (&error);
  v = tanba_cms_verify_file (document, tmp, root_pem, NULL, &error);
  g_assert_null (v);
  g_assert_error (error, TANBA_CMS_ERROR, TANBA_CMS_ERROR_IO);
  g_clear_error (&error);
}

/* The issuer chain is picked out of a pile of certificates. */
static void
test_issuer_chain (void)
{
  g_autoptr(Signer) signer = signer_new (&root, "chain", TANBA_TEST_CERT_SIGNING, -60, 86400);
  STACK_OF (X509) *pile = sk_X509_new_null ();
  STACK_OF (X509) *chain;

  sk_X509_push (pile, other_root.cert);
  sk_X509_push (pile, signer->cert);
  sk_X509_push (pile, root.cert);
  chain = tanba_cms_issuer_chain (signer->cert, pile);
  g_assert_cmpint (sk_X509_num (chain), ==, 1);
  g_assert_cmpint (X509_cmp (sk_X509_value (chain, 0), root.cert), ==, 0);
  sk_X509_pop_free (chain, X509_free);

  chain = tanba_cms_issuer_chain (signer->cert, NULL);
  g_assert_cmpint (sk_X509_num (chain), ==, 0);
  sk_X509_pop_free (chain, X509_free);
  sk_X509_free (pile);
}

static void
set_up_token (void)
{
  g_autoptr(GError) error = NULL;
  const TanbaKeyAlgorithm algorithms[] = { TANBA_KEY_RSA2048, TANBA_KEY_P256 };

  token = tanba_test_softhsm_token (hsm, 0);
  g_assert_true (tanba_token_login (token, TANBA_ROLE_USER, TANBA_FACTORY_USER_PIN, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (algorithms); i++)
    {
      TanbaKeyAlgorithm algorithm = algorithms[i];
      g_autoptr(TanbaKeyInfo) key = tanba_token_generate_key_pair (token, algorithm,
                                                                   "Tanba signing key", &error);
      EVP_PKEY *public_key;
      g_autoptr(GPtrArray) certs = NULL;

      g_assert_no_error (error);
      public_key = tanba_token_get_public_key (token, key->id, &error);
      g_assert_no_error (error);
      token_cert[algorithm] = tanba_test_x509_issue (public_key, root.cert, root.key, "Aigerim Bekova",
                                                     "Tanba Test Bank", TANBA_TEST_CERT_SIGNING, -60,
                                                     86400 * 365);
      EVP_PKEY_free (public_key);
      g_assert_true (tanba_token_store_certificate (token, token_cert[algorithm], key->id,
                                                    "Tanba signing certificate", &error));
      g_assert_no_error (error);
      token_key[algorithm] = tanba_token_get_private_key (token, key->id, &error);
      g_assert_no_error (error);
      g_assert_nonnull (token_key[algorithm]);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);

  tmp = g_dir_make_tmp ("tanba-test-cms-XXXXXX", &error);
  g_assert_no_error (error);
  make_ca (&root, "Tanba Test Root");
  make_ca (&other_root, "Somebody Else's Root");
  root_pem = tmp_path ("root.pem");
  other_root_pem = tmp_path ("other-root.pem");
  tanba_test_x509_write_pem (root_pem, root.cert);
  tanba_test_x509_write_pem (other_root_pem, other_root.cert);

  hsm = tanba_test_softhsm_new (1);
  set_up_token ();

  g_test_add_data_func ("/cms/sign-token/rsa2048", GINT_TO_POINTER (TANBA_KEY_RSA2048),
                        test_sign_token);
  g_test_add_data_func ("/cms/sign-token/p256", GINT_TO_POINTER (TANBA_KEY_P256),
                        test_sign_token);
  g_test_add_func ("/cms/sign-bytes", test_sign_bytes);
  g_test_add_func ("/cms/verify-openssl", test_verify_openssl);
  g_test_add_func ("/cms/verify-pem", test_verify_pem);
  g_test_add_func ("/cms/untrusted", test_untrusted);
  g_test_add_func ("/cms/expired", test_expired);
  g_test_add_func ("/cms/not-for-signing", test_not_for_signing);
  g_test_add_func ("/cms/not-signature", test_not_signature);
  g_test_add_func ("/cms/errors", test_errors);
  g_test_add_func ("/cms/issuer-chain", test_issuer_chain);
  status = g_test_run ();

  for (guint i = 0; i < 2; i++)
    {
      EVP_PKEY_free (token_key[i]);
      X509_free (token_cert[i]);
    }
  tanba_token_logout (token, NULL);
  tanba_token_unref (token);
  tanba_test_softhsm_free (hsm);
  if (g_getenv ("TANBA_TEST_KEEP") == NULL)
    {
      g_autoptr(GDir) dir = g_dir_open (tmp, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *path = tmp_path (name);

          g_unlink (path);
        }
      g_rmdir (tmp);
    }
  g_free (tmp);
  return status;
}
