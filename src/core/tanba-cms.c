/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-cms.c: detached CAdES-BES signatures (CMS) of bytes and files. */
#include "config.h"

#include "tanba-cms.h"
#include "tanba-x509.h"

#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/pem.h> /* before cms.h: PEM_read_bio_CMS */
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/ess.h>
#include <openssl/x509v3.h>

#include "tanba-i18n.h"
#include "tanba-openssl-autoptr.h"

/* A .p7s with a certificate chain is a few kilobytes; more is not a signature. */
#define MAX_SIGNATURE_SIZE (4 * 1024 * 1024)

G_DEFINE_QUARK (tanba-cms-error-quark, tanba_cms_error)

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CMS_ContentInfo, CMS_ContentInfo_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (X509_STORE, X509_STORE_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (X509_STORE_CTX, X509_STORE_CTX_free)

static void
x509_stack_free (STACK_OF (X509) *stack)
{
  sk_X509_pop_free (stack, X509_free);
}

/* The last OpenSSL error in words (English: OpenSSL's own text), queue cleared. */
static char *
openssl_error_text (void)
{
  unsigned long code = ERR_peek_last_error ();
  char buffer[256] = "";

  if (code != 0)
    ERR_error_string_n (code, buffer, sizeof buffer);
  ERR_clear_error ();
  return g_strdup (code != 0 ? buffer : "unknown error");
}

/* ---- a BIO that reads a GInputStream (cancellable, errors kept) ----------- */

typedef struct
{
  GInputStream *stream;
  GCancellable *cancellable;
  GError       *error;
} StreamSource;

static int
stream_bio_read (BIO  *bio,
                 char *buffer,
                 int   length)
{
  StreamSource *source = BIO_get_data (bio);
  gssize n;

  if (source->error != NULL || length <= 0)
    return source->error != NULL ? -1 : 0;
  n = g_input_stream_read (source->stream, buffer, length, source->cancellable,
                           &source->error);
  if (n < 0)
    return -1;
  return (int) n;
}

static long
stream_bio_ctrl (BIO   *bio,
                 int    command,
                 long   number,
                 void  *pointer)
{
  switch (command)
    {
    case BIO_CTRL_FLUSH:
      return 1;
    case BIO_CTRL_EOF:
    case BIO_CTRL_PENDING:
    case BIO_CTRL_WPENDING:
    default:
      return 0;
    }
}

static BIO_METHOD *
stream_bio_method (void)
{
  static gsize once = 0;
  static BIO_METHOD *method = NULL;

  if (g_once_init_enter (&once))
    {
      method = BIO_meth_new (BIO_get_new_index () | BIO_TYPE_SOURCE_SINK, "tanba GInputStream");
      BIO_meth_set_read (method, stream_bio_read);
      BIO_meth_set_ctrl (method, stream_bio_ctrl);
      g_once_init_leave (&once, 1);
    }
  return method;
}

/* A BIO reading @source->stream; the BIO does not own @source. */
static BIO *
stream_bio_new (StreamSource *source)
{
  BIO *bio = BIO_new (stream_bio_method ());

  if (bio == NULL)
    return NULL;
  BIO_set_data (bio, source);
  BIO_set_init (bio, 1);
  return bio;
}

static gboolean
stream_source_open (StreamSource *source,
                    const char   *path,
                    GCancellable *cancellable,
                    GError      **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) local = NULL;

  memset (source, 0, sizeof *source);
  source->stream = G_INPUT_STREAM (g_file_read (file, cancellable, &local));
  if (source->stream == NULL)
    {
      if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error (error, g_steal_pointer (&local));
      else if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        g_set_error (error, TANBA_CMS_ERROR, TANBA_CMS_ERROR_IO,
                     _("The file “%s” does not exist."), path);
      else
        g_set_error (error, TANBA_CMS_ERROR, TANBA_CMS_ERROR_IO,
                     _("Cannot read “%s”: %s"), path, local->message);
      return FALSE;
    }
  source->cancellable = cancellable;
  return TRUE;
}

/* Moves a read error of @source into @error (with the file's name). */
static gboolean
stream_source_check (StreamSource *source,
                     const char   *path,
                     GError      **error)
{
  if (source->error == NULL)
    return TRUE;
  if (g_error_matches (source->error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_propagate_error (error, g_steal_pointer (&source->error));
  else
    g_set_error (error, TANBA_CMS_ERROR, TANBA_CMS_ERROR_IO, _("Cannot read “%s”: %s"), path,
                 source->error->message);
  g_clear_error (&source->error);
  return FALSE;
}

static void
stream_source_clear (StreamSource *source)
{
  g_clear_object (&source->stream);
  g_clear_error (&source->error);
}

/* ---- signing ---------------------------------------------------------------- */

static CMS_ContentInfo *
sign_bio (X509            *certificate,
          EVP_PKEY        *key,
          STACK_OF (X509) *chain,
          BIO             *data,
          GError         **error)
{
  const unsigned int flags = CMS_DETACHED | CMS_BINARY | CMS_CADES | CMS_PARTIAL;
  g_autoptr(CMS_ContentInfo) cms = NULL;

  ERR_clear_error ();
  if (X509_check_private_key (certificate, key) != 1)
    {
      ERR_clear_error ();
      g_set_error_literal (error, TANBA_CMS_ERROR, TANBA_CMS_ERROR_KEY_MISMATCH,
                           _("The signing key does not belong to the signing certificate."));
      return NULL;
    }

  cms = CMS_sign (NULL, NULL, NULL, NULL, flags);
  if (cms == NULL
      /* SHA-256 whatever the key's default; RSA signs with PKCS#1 v1.5 */
      || CMS_add1_signer (cms, certificate, key, EVP_sha256 (), flags) == NULL)
    goto failed;
  for (int i = 0; chain != NULL && i < sk_X509_num (chain); i++)
    {
      X509 *extra = sk_X509_value (chain, i);

      if (X509_cmp (extra, certificate) != 0 && CMS_add1_cert (cms, extra) != 1)
        goto failed;
    }
  if (CMS_final (cms, data, NULL, flags & ~CMS_PARTIAL) != 1)
    goto failed;
  return g_steal_pointer (&cms);

failed:
  {
    g_autofree char *detail = openssl_error_text ();

    g_set_error (error, TANBA_CMS_ERROR, TANBA_CMS_ERROR_FAILED,
                 _("The document could not be signed: %s"), detail);
  }
  return NULL;
}

static GBytes *
cms_to_der (CMS_ContentInfo *cms,
            GError         **error)
{
  unsigned char *der = NULL;
  int length = i2d_CMS_ContentInfo (cms, &der);
  GBytes *bytes;

  if (length <= 0)
    {
      g_autofree char *detail = openssl_error_text ();

      g_set_error (error, TANBA_CMS_ERROR, TANBA_CMS_ERROR_FAILED,
                   _("The document could not be signed: %s"), detail);
      return NULL;
    }
  bytes = g_bytes_new (der, length);
  OPENSSL_free (der);
  return bytes;
}

GBytes *
tanba_cms_sign_bytes (X509            *certificate,
                      EVP_PKEY        *key,
                      STACK_OF (X509) *chain,
                      GBytes          *content,
                      GError         **error)
{
  g_autoptr(CMS_ContentInfo) cms = NULL;
  g_autoptr(BIO) data = NULL;
  gsize size;
  const void *bytes;

  g_return_val_if_fail (certificate != NULL, NULL);
  g_return_val_if_fail (key != NULL, NULL);
  g_return_val_if_fail (content != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  bytes = g_bytes_get_data (content, &size);
  data = BIO_new_mem_buf (size > 0 ? bytes : "", (int) size);
  if (data == NULL || size > G_MAXINT)
    {
      g_set_error_literal (error, TANBA_CMS_ERROR, TANBA_CMS_ERROR_FAILED,
                           _("The document is too large to sign in memory."));
      return NULL;
    }
  cms = sign_bio (certificate, key, chain, data, error);
  if (cms == NULL)
    return NULL;
  return cms_to_der (cms, error);
}

gboolean
tanba_cms_sign_file (X509            *certificate,
                     EVP_PKEY        *key,
                     STACK_OF (X509) *chain,
                     const char      *path,
                     const char      *output_path,
                     GCancellable    *cancellable,
                     GError         **error)
{
  g_autoptr(CMS_ContentInfo) cms = NULL;
  g_autoptr(BIO) data = NULL;
  g_autoptr(GBytes) der = NULL;
  g_autoptr(GError) local = NULL;
  StreamSource source;
  gboolean ok;

  g_return_val_if_fail (certificate != NULL, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (output_path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, TANBA_CMS_ERROR, TANBA_CMS_ERROR_IO,
                   _("“%s” is a folder; choose a file to sign."), path);
      return FALSE;
    }
  if (!stream_source_open (&source, path, cancellable, error))
    return FALSE;
  data = stream_bio_new (&source);
  cms = sign_bio (certificate, key, chain, data, &local);
  ok = stream_source_check (&source, path, error);
  stream_source_clear (&source);
  if (!ok)
    return FALSE;
  if (cms == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  der = cms_to_der (cms, error);
  if (der == NULL)
    return FALSE;
  /* a temporary file renamed over the output: never half a signature */
  if (!g_file_set_contents (output_path, g_bytes_get_data (der, NULL),
                            (gssize) g_bytes_get_size (der), &local))
    {
      g_set_error (error, TANBA_CMS_ERROR, TANBA_CMS_ERROR_IO,
                   _("Cannot write the signature “%s”: %s"), output_path, local->message);
      return FALSE;
    }
  return TRUE;
}

char *
tanba_cms_default_signature_path (const char *path)
{
  g_return_val_if_fail (path != NULL, NULL);
  return g_strconcat (path, ".p7s", NULL);
}

STACK_OF (X509) *
tanba_cms_issuer_chain (X509            *certificate,
                        STACK_OF (X509) *candidates)
{
  STACK_OF (X509) *chain = sk_X509_new_null ();
  X509 *current = certificate;

  g_return_val_if_fail (certificate != NULL, chain);

  /* at most as many steps as candidates: a loop of certificates ends too */
  for (int step = 0; candidates != NULL && step < sk_X509_num (candidates); step++)
    {
      X509 *issuer = NULL;

      if (X509_check_issued (current, current) == X509_V_OK && current != certificate)
        break; /* the root */
      for (int i = 0; i < sk_X509_num (candidates); i++)
        {
          X509 *candidate = sk_X509_value (candidates, i);

          if (X509_cmp (candidate, current) != 0
              && X509_check_issued (candidate, current) == X509_V_OK)
            {
              issuer = candidate;
              break;
            }
        }
      if (issuer == NULL)
        break;
      X509_up_ref (issuer);
      sk_X509_push (chain, issuer);
      current = issuer;
    }
  return chain;
}

STACK_OF (X509) *
tanba_cms_read_certificates (const char *path,
                             GError    **error)
{
  g_autoptr(BIO) bio = NULL;
  g_autoptr(GError) local = NULL;
  g_autofree char *text = NULL;
  gsize length = 0;
  STACK_OF (X509) *certificates;
  X509 *certificate;

  g_return_val_if_fail (path != NULL, NULL);

  if (!g_file_get_contents (path, &text, &length, &local))
    {
      g_set_error (error, TANBA_CMS_ERROR, TANBA_CMS_ERROR_TRUST_ANCHOR,
                   _("Cannot read the trust anchor “%s”: %s"), path, local->message);
      return NULL;
    }
  bio = BIO_new_mem_buf (text, (int) MIN (length, (gsize) G_MAXINT));
  certificates = sk_X509_new_null ();
  while ((certificate = PEM_read_bio_X509 (bio, NULL, NULL, NULL)) != NULL)
    sk_X509_push (certificates, certificate);
  ERR_clear_error ();
  if (sk_X509_num (certificates) == 0)
    {
      x509_stack_free (certificates);
      g_set_error (error, TANBA_CMS_ERROR, TANBA_CMS_ERROR_TRUST_ANCHOR,
                   _("The trust anchor “%s” holds no certificate (a PEM file is expected)."),
                   path);
      return NULL;
    }
  return certificates;
}

/* ---- verification ------------------------------------------------------------ */

void
tanba_cms_verification_free (TanbaCmsVerification *verification)
{
  if (verification == NULL)
    return;
  g_free (verification->reason);
  X509_free (verification->signer_certificate);
  g_free (verification->signer_common_name);
  g_free (verification->signer_organization);
  g_free (verification->signer_serial);
  g_clear_pointer (&verification->signing_time, g_date_time_unref);
  g_free (verification);
}

const char *
tanba_cms_verdict_to_string (TanbaCmsVerdict verdict)
{
  switch (verdict)
    {
    case TANBA_CMS_VALID:
      return "valid";
    case TANBA_CMS_NOT_SIGNATURE:
      return "not-signature";
    case TANBA_CMS_NOT_DETACHED:
      return "not-detached";
    case TANBA_CMS_NO_SIGNER_CERTIFICATE:
      return "no-signer-certificate";
    case TANBA_CMS_BROKEN:
      return "broken";
    case TANBA_CMS_TAMPERED:
      return "tampered";
    case TANBA_CMS_UNTRUSTED:
      return "untrusted";
    case TANBA_CMS_EXPIRED:
      return "expired";
    case TANBA_CMS_NOT_FOR_SIGNING:
      return "not-for-signing";
    case TANBA_CMS_WRONG_CERTIFICATE_REFERENCE:
      return "wrong-certificate-reference";
    default:
      return "unknown";
    }
}

static GDateTime *
signing_time_of (CMS_SignerInfo *si)
{
  int index = CMS_signed_get_attr_by_NID (si, NID_pkcs9_signingTime, -1);
  X509_ATTRIBUTE *attribute;
  ASN1_TYPE *value;
  struct tm tm = { 0 };

  if (index < 0)
    return NULL;
  attribute = CMS_signed_get_attr (si, index);
  value = X509_ATTRIBUTE_get0_type (attribute, 0);
  if (value == NULL
      || (value->type != V_ASN1_UTCTIME && value->type != V_ASN1_GENERALIZEDTIME)
      || ASN1_TIME_to_tm (value->value.asn1_string, &tm) != 1)
    {
      ERR_clear_error ();
      return NULL;
    }
  return g_date_time_new_from_unix_utc ((gint64) timegm (&tm));
}

static void
set_verdict (TanbaCmsVerification *v,
             TanbaCmsVerdict       verdict,
             char                 *reason)
{
  v->verdict = verdict;
  g_free (v->reason);
  v->reason = reason;
}

/* "Aigerim Bekova (Tanba Demo Bank)", or the CN alone. */
static char *
signer_words (TanbaCmsVerification *v)
{
  const char *cn = v->signer_common_name != NULL ? v->signer_common_name : _("unnamed signer");

  if (v->signer_organization != NULL)
    /* TRANSLATORS: a signer: name (organization) */
    return g_strdup_printf (_("%s (%s)"), cn, v->signer_organization);
  return g_strdup (cn);
}

static char *
time_words (GDateTime *when)
{
  g_autoptr(GDateTime) local = g_date_time_to_local (when);

  return g_date_time_format (local, "%Y-%m-%d %H:%M:%S %Z");
}

/* The signer's certificate against the trust anchor, at the signing time. On
 * success *@chain_out is the verified chain (signer first). */
static gboolean
check_certificate (TanbaCmsVerification *v,
                   CMS_ContentInfo      *cms,
                   STACK_OF (X509)      *trust,
                   STACK_OF (X509)     **chain_out)
{
  g_autoptr(X509_STORE) store = X509_STORE_new ();
  g_autoptr(X509_STORE_CTX) ctx = X509_STORE_CTX_new ();
  g_autofree char *who = signer_words (v);
  STACK_OF (X509) *untrusted = CMS_get1_certs (cms);
  int result, code, depth;

  for (int i = 0; trust != NULL && i < sk_X509_num (trust); i++)
    X509_STORE_add_cert (store, sk_X509_value (trust, i));
  if (X509_STORE_CTX_init (ctx, store, v->signer_certificate, untrusted) != 1
      || X509_STORE_CTX_set_default (ctx, "smime_sign") != 1)
    {
      x509_stack_free (untrusted);
      ERR_clear_error ();
      set_verdict (v, TANBA_CMS_UNTRUSTED,
                   g_strdup_printf (_("The certificate of %s could not be checked."), who));
      return FALSE;
    }
  if (v->signing_time != NULL)
    X509_STORE_CTX_set_time (ctx, 0, (time_t) g_date_time_to_unix (v->signing_time));

  result = X509_verify_cert (ctx);
  code = X509_STORE_CTX_get_error (ctx);
  depth = X509_STORE_CTX_get_error_depth (ctx);
  if (result == 1)
    *chain_out = X509_STORE_CTX_get1_chain (ctx);
  x509_stack_free (untrusted);
  ERR_clear_error ();
  if (result == 1)
    return TRUE;

  g_debug ("Signer certificate: %s (depth %d)", X509_verify_cert_error_string (code), depth);
  switch (code)
    {
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID:
      {
        g_autofree char *when = v->signing_time != NULL ? time_words (v->signing_time) : NULL;

        if (depth == 0 && when != NULL)
          set_verdict (v, TANBA_CMS_EXPIRED,
                       g_strdup_printf (_("The certificate of %s was not valid when the document was signed (%s)."),
                                        who, when));
        else if (depth == 0)
          set_verdict (v, TANBA_CMS_EXPIRED,
                       g_strdup_printf (_("The certificate of %s is not valid now, and the signature does not say when it was made."),
                                        who));
        else
          set_verdict (v, TANBA_CMS_EXPIRED,
                       g_strdup_printf (_("The certificate of the authority that issued the certificate of %s was not valid when the document was signed."),
                                        who));
        break;
      }
    case X509_V_ERR_INVALID_PURPOSE:
      set_verdict (v, TANBA_CMS_NOT_FOR_SIGNING,
                   g_strdup_printf (_("The certificate of %s is not meant for signing documents (it may be an authentication certificate)."),
                                    who));
      break;
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
    case X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE:
      set_verdict (v, TANBA_CMS_UNTRUSTED,
                   g_strdup_printf (_("The certificate of %s is forged or damaged: its issuer's signature does not hold."),
                                    who));
      break;
    default:
      set_verdict (v, TANBA_CMS_UNTRUSTED,
                   g_strdup_printf (_("The certificate of %s was not issued by the bank’s certification authority (the trust anchor); the signature cannot be trusted."),
                                    who));
      break;
    }
  return FALSE;
}

/* CAdES: the signed reference to the signing certificate must name it. */
static gboolean
check_certificate_reference (TanbaCmsVerification *v,
                             CMS_SignerInfo       *si,
                             STACK_OF (X509)      *chain)
{
  ASN1_STRING *v1 = CMS_signed_get0_data_by_OBJ (si,
                                                 OBJ_nid2obj (NID_id_smime_aa_signingCertificate),
                                                 -3, V_ASN1_SEQUENCE);
  ASN1_STRING *v2 = CMS_signed_get0_data_by_OBJ (si,
                                                 OBJ_nid2obj (NID_id_smime_aa_signingCertificateV2),
                                                 -3, V_ASN1_SEQUENCE);
  ESS_SIGNING_CERT *ss = NULL;
  ESS_SIGNING_CERT_V2 *ssv2 = NULL;
  const unsigned char *p;
  gboolean ok;

  if (v1 != NULL)
    {
      p = ASN1_STRING_get0_data (v1);
      ss = d2i_ESS_SIGNING_CERT (NULL, &p, ASN1_STRING_length (v1));
    }
  if (v2 != NULL)
    {
      p = ASN1_STRING_get0_data (v2);
      ssv2 = d2i_ESS_SIGNING_CERT_V2 (NULL, &p, ASN1_STRING_length (v2));
    }
  ok = (v1 == NULL || ss != NULL) && (v2 == NULL || ssv2 != NULL)
       && OSSL_ESS_check_signing_certs (ss, ssv2, chain, 1) > 0;
  ESS_SIGNING_CERT_free (ss);
  ESS_SIGNING_CERT_V2_free (ssv2);
  ERR_clear_error ();
  if (!ok)
    set_verdict (v, TANBA_CMS_WRONG_CERTIFICATE_REFERENCE,
                 g_strdup (_("The signature names another certificate than the one it carries; it is not valid.")));
  return ok;
}

/* Everything but the content, then the content through @content. */
static TanbaCmsVerification *
verify_cms (CMS_ContentInfo *cms,
            BIO             *content,
            StreamSource    *source,
            const char      *path,
            STACK_OF (X509) *trust,
            GError         **error)
{
  g_autoptr(TanbaCmsVerification) v = g_new0 (TanbaCmsVerification, 1);
  STACK_OF (CMS_SignerInfo) *signers;
  STACK_OF (X509) *chain = NULL;
  g_autofree char *who = NULL;
  CMS_SignerInfo *si;
  X509 *signer = NULL;
  gboolean content_ok;

  if (cms == NULL || OBJ_obj2nid (CMS_get0_type (cms)) != NID_pkcs7_signed)
    {
      set_verdict (v, TANBA_CMS_NOT_SIGNATURE,
                   g_strdup (_("This is not a signature file (a CMS signature, .p7s, is expected).")));
      return g_steal_pointer (&v);
    }
  signers = CMS_get0_SignerInfos (cms);
  v->n_signers = sk_CMS_SignerInfo_num (signers);
  if (v->n_signers == 0)
    {
      set_verdict (v, TANBA_CMS_NOT_SIGNATURE,
                   g_strdup (_("The signature file holds no signature (no signer).")));
      return g_steal_pointer (&v);
    }
  if (!CMS_is_detached (cms))
    {
      set_verdict (v, TANBA_CMS_NOT_DETACHED,
                   g_strdup (_("The signature file contains a document of its own; a detached signature of the chosen file is expected.")));
      return g_steal_pointer (&v);
    }

  /* the signers' certificates, from the certificates the signature carries */
  CMS_set1_signers_certs (cms, NULL, 0);
  ERR_clear_error ();
  si = sk_CMS_SignerInfo_value (signers, 0);
  CMS_SignerInfo_get0_algs (si, NULL, &signer, NULL, NULL);
  v->signing_time = signing_time_of (si);
  v->cades = CMS_signed_get_attr_by_NID (si, NID_id_smime_aa_signingCertificateV2, -1) >= 0
             || CMS_signed_get_attr_by_NID (si, NID_id_smime_aa_signingCertificate, -1) >= 0;
  if (signer == NULL)
    {
      set_verdict (v, TANBA_CMS_NO_SIGNER_CERTIFICATE,
                   g_strdup (_("The signature does not include the signer’s certificate, so it cannot be checked.")));
      return g_steal_pointer (&v);
    }
  X509_up_ref (signer);
  v->signer_certificate = signer;
  v->signer_common_name = tanba_x509_subject_entry (signer, NID_commonName);
  v->signer_organization = tanba_x509_subject_entry (signer, NID_organizationName);
  v->signer_serial = tanba_x509_serial_hex (signer);
  who = signer_words (v);

  for (int i = 0; i < (int) v->n_signers; i++)
    {
      CMS_SignerInfo *each = sk_CMS_SignerInfo_value (signers, i);
      X509 *each_signer = NULL;

      CMS_SignerInfo_get0_algs (each, NULL, &each_signer, NULL, NULL);
      if (each_signer == NULL)
        {
          set_verdict (v, TANBA_CMS_NO_SIGNER_CERTIFICATE,
                       g_strdup (_("The signature does not include the signer’s certificate, so it cannot be checked.")));
          return g_steal_pointer (&v);
        }
      if (CMS_signed_get_attr_count (each) >= 0 && CMS_SignerInfo_verify (each) != 1)
        {
          ERR_clear_error ();
          set_verdict (v, TANBA_CMS_BROKEN,
                       g_strdup (_("The signature is damaged, or was not made with the key of the certificate it names.")));
          return g_steal_pointer (&v);
        }
    }

  /* the content: its digest against each signer's messageDigest */
  ERR_clear_error ();
  content_ok = CMS_verify (cms, NULL, NULL, content, NULL,
                           CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY | CMS_NO_ATTR_VERIFY) == 1;
  if (source != NULL && !stream_source_check (source, path, error))
    return NULL;
  if (!content_ok)
    {
      g_debug ("Content: %s", ERR_reason_error_string (ERR_peek_last_error ()));
      ERR_clear_error ();
      set_verdict (v, TANBA_CMS_TAMPERED,
                   g_strdup (_("The file does not match the signature: it was changed after signing, or it is not the file that was signed.")));
      return g_steal_pointer (&v);
    }

  if (!check_certificate (v, cms, trust, &chain))
    return g_steal_pointer (&v);
  if (v->cades && !check_certificate_reference (v, si, chain))
    {
      x509_stack_free (chain);
      return g_steal_pointer (&v);
    }
  x509_stack_free (chain);

  if (v->signing_time != NULL)
    {
      g_autofree char *when = time_words (v->signing_time);

      set_verdict (v, TANBA_CMS_VALID,
                   /* TRANSLATORS: signer (organization), date and time */
                   g_strdup_printf (_("The signature is valid: signed by %s on %s."), who, when));
    }
  else
    set_verdict (v, TANBA_CMS_VALID,
                 g_strdup_printf (_("The signature is valid: signed by %s (the signature does not say when)."),
                                  who));
  return g_steal_pointer (&v);
}

static CMS_ContentInfo *
parse_signature (GBytes *signature)
{
  gsize size = 0;
  const unsigned char *data = g_bytes_get_data (signature, &size);
  const unsigned char *p = data;
  CMS_ContentInfo *cms = NULL;

  if (size == 0 || size > G_MAXINT)
    return NULL;
  cms = d2i_CMS_ContentInfo (NULL, &p, (long) size);
  if (cms == NULL)
    {
      g_autoptr(BIO) bio = BIO_new_mem_buf (data, (int) size);

      /* PEM: "CMS" or "PKCS7" */
      cms = PEM_read_bio_CMS (bio, NULL, NULL, NULL);
    }
  ERR_clear_error ();
  return cms;
}

TanbaCmsVerification *
tanba_cms_verify_bytes (GBytes          *content,
                        GBytes          *signature,
                        STACK_OF (X509) *trust,
                        GError         **error)
{
  g_autoptr(CMS_ContentInfo) cms = NULL;
  g_autoptr(BIO) data = NULL;
  gsize size;
  const void *bytes;

  g_return_val_if_fail (content != NULL, NULL);
  g_return_val_if_fail (signature != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  bytes = g_bytes_get_data (content, &size);
  if (size > G_MAXINT)
    {
      g_set_error_literal (error, TANBA_CMS_ERROR, TANBA_CMS_ERROR_IO,
                           _("The document is too large to check in memory."));
      return NULL;
    }
  data = BIO_new_mem_buf (size > 0 ? bytes : "", (int) size);
  cms = parse_signature (signature);
  return verify_cms (cms, data, NULL, NULL, trust, error);
}

TanbaCmsVerification *
tanba_cms_verify_file (const char   *path,
                       const char   *signature_path,
                       const char   *trust_anchor,
                       GCancellable *cancellable,
                       GError      **error)
{
  g_autoptr(CMS_ContentInfo) cms = NULL;
  g_autoptr(BIO) data = NULL;
  g_autoptr(GError) local = NULL;
  g_autoptr(GBytes) signature = NULL;
  g_autoptr(GFile) signature_file = NULL;
  g_autoptr(GFileInfo) info = NULL;
  STACK_OF (X509) *trust = NULL;
  TanbaCmsVerification *v;
  StreamSource source;
  char *contents = NULL;
  gsize length = 0;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (signature_path != NULL, NULL);
  g_return_val_if_fail (trust_anchor != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  trust = tanba_cms_read_certificates (trust_anchor, error);
  if (trust == NULL)
    return NULL;

  signature_file = g_file_new_for_path (signature_path);
  info = g_file_query_info (signature_file, G_FILE_ATTRIBUTE_STANDARD_SIZE ","
                            G_FILE_ATTRIBUTE_STANDARD_TYPE, G_FILE_QUERY_INFO_NONE,
                            cancellable, &local);
  if (info != NULL && g_file_info_get_file_type (info) == G_FILE_TYPE_REGULAR
      && g_file_info_get_size (info) > MAX_SIGNATURE_SIZE)
    {
      x509_stack_free (trust);
      g_set_error (error, TANBA_CMS_ERROR, TANBA_CMS_ERROR_IO,
                   _("“%s” is too large to be a signature file."), signature_path);
      return NULL;
    }
  if (info == NULL || g_file_info_get_file_type (info) != G_FILE_TYPE_REGULAR
      || !g_file_load_contents (signature_file, cancellable, &contents, &length, NULL,
                                &local))
    {
      x509_stack_free (trust);
      if (local != NULL)
        g_set_error (error, TANBA_CMS_ERROR, TANBA_CMS_ERROR_IO,
                     _("Cannot read the signature “%s”: %s"), signature_path, local->message);
      else
        g_set_error (error, TANBA_CMS_ERROR, TANBA_CMS_ERROR_IO,
                     _("“%s” is not a file; choose the signature file (.p7s)."), signature_path);
      return NULL;
    }
  signature = g_bytes_new_take (contents, length);
  cms = parse_signature (signature);

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      x509_stack_free (trust);
      g_set_error (error, TANBA_CMS_ERROR, TANBA_CMS_ERROR_IO,
                   _("“%s” is a folder; choose the signed file."), path);
      return NULL;
    }
  if (!stream_source_open (&source, path, cancellable, error))
    {
      x509_stack_free (trust);
      return NULL;
    }
  data = stream_bio_new (&source);
  v = verify_cms (cms, data, &source, path, trust, error);
  stream_source_clear (&source);
  x509_stack_free (trust);
  return v;
}
