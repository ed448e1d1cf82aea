/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-server-ca.c: the reference CA's keys, certificates and profiles. */

#include "config.h"

#include "tanba-server-ca.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include <glib/gstdio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "tanba-server-error.h"
#include "tanba-server-files.h"

#define ORGANIZATION   "Tanba Demo Bank"
#define ROOT_YEARS     20
#define SERVICE_YEARS  10

struct _TanbaServerCa
{
  char       *ca_cert_path;
  char       *tls_cert_path;
  char       *tls_key_path;
  X509       *ca_cert;
  EVP_PKEY   *ca_key;
  X509       *cmp_cert;
  EVP_PKEY   *cmp_key;
  X509_STORE *trust;
};

static const char *profile_names[] = {
  [TANBA_CERT_PROFILE_SIGNING] = "signing",
  [TANBA_CERT_PROFILE_AUTHENTICATION] = "authentication",
  [TANBA_CERT_PROFILE_INIT_KEY] = "init-key",
  [TANBA_CERT_PROFILE_CMP_SIGNER] = "cmp-signer",
  [TANBA_CERT_PROFILE_TLS_SERVER] = "tls-server",
};

const char *
tanba_cert_profile_to_string (TanbaCertProfile profile)
{
  g_return_val_if_fail (profile < G_N_ELEMENTS (profile_names), NULL);
  return profile_names[profile];
}

gboolean
tanba_cert_profile_from_string (const char       *name,
                                TanbaCertProfile *profile)
{
  for (guint i = 0; i < G_N_ELEMENTS (profile_names); i++)
    if (g_strcmp0 (name, profile_names[i]) == 0)
      {
        *profile = i;
        return TRUE;
      }
  return FALSE;
}

EVP_PKEY *
tanba_server_generate_key (TanbaKeyType   type,
                           GError       **error)
{
  EVP_PKEY *pkey = NULL;

  switch (type)
    {
    case TANBA_KEY_TYPE_EC_P256:
      pkey = EVP_EC_gen ("P-256");
      break;
    case TANBA_KEY_TYPE_RSA_2048:
      pkey = EVP_RSA_gen (2048);
      break;
    default:
      g_assert_not_reached ();
    }

  if (pkey == NULL)
    tanba_server_set_openssl_error (error, "Cannot generate a key pair");
  return pkey;
}

gboolean
tanba_server_key_is_acceptable (EVP_PKEY  *pkey,
                                char     **reason)
{
  int bits = EVP_PKEY_get_bits (pkey);

  switch (EVP_PKEY_get_base_id (pkey))
    {
    case EVP_PKEY_RSA:
      if (bits >= 2048 && bits <= 4096)
        return TRUE;
      *reason = g_strdup_printf ("RSA keys must have 2048 to 4096 bits, not %d", bits);
      return FALSE;

    case EVP_PKEY_EC:
      {
        char group[64] = "";
        size_t length = 0;

        if (EVP_PKEY_get_group_name (pkey, group, sizeof group, &length)
            && (g_str_equal (group, "prime256v1") || g_str_equal (group, "P-256")
                || g_str_equal (group, "secp384r1") || g_str_equal (group, "P-384")
                || g_str_equal (group, "secp521r1") || g_str_equal (group, "P-521")))
          return TRUE;
        *reason = g_strdup_printf ("EC keys must be on P-256, P-384 or P-521, not %s",
                                   *group != '\0' ? group : "an unnamed curve");
        return FALSE;
      }

    default:
      *reason = g_strdup ("Only RSA and EC (P-256, P-384, P-521) keys are certified");
      return FALSE;
    }
}

X509_NAME *
tanba_server_user_subject (const char *user_id,
                           gboolean    init_key)
{
  X509_NAME *name = X509_NAME_new ();

  X509_NAME_add_entry_by_txt (name, "O", MBSTRING_UTF8,
                              (const unsigned char *) ORGANIZATION, -1, -1, 0);
  if (init_key)
    X509_NAME_add_entry_by_txt (name, "OU", MBSTRING_UTF8,
                                (const unsigned char *) "Initialization key", -1, -1, 0);
  X509_NAME_add_entry_by_txt (name, "CN", MBSTRING_UTF8,
                              (const unsigned char *) user_id, -1, -1, 0);
  return name;
}

char *
tanba_server_name_get_cn (const X509_NAME *name)
{
  int index;
  const X509_NAME_ENTRY *entry;
  unsigned char *utf8 = NULL;
  char *result;
  int length;

  if (name == NULL)
    return NULL;
  index = X509_NAME_get_index_by_NID (name, NID_commonName, -1);
  if (index < 0)
    return NULL;
  entry = X509_NAME_get_entry (name, index);
  length = ASN1_STRING_to_UTF8 (&utf8, X509_NAME_ENTRY_get_data (entry));
  if (length < 0)
    return NULL;
  result = g_strndup ((const char *) utf8, length);
  OPENSSL_free (utf8);
  return result;
}

static X509_NAME *
service_name (const char *common_name)
{
  X509_NAME *name = X509_NAME_new ();

  X509_NAME_add_entry_by_txt (name, "C", MBSTRING_UTF8, (const unsigned char *) "KZ", -1, -1, 0);
  X509_NAME_add_entry_by_txt (name, "O", MBSTRING_UTF8,
                              (const unsigned char *) ORGANIZATION, -1, -1, 0);
  X509_NAME_add_entry_by_txt (name, "CN", MBSTRING_UTF8,
                              (const unsigned char *) common_name, -1, -1, 0);
  return name;
}

static gboolean
add_extension (X509       *cert,
               X509V3_CTX *v3ctx,
               int         nid,
               const char *value)
{
  X509_EXTENSION *ext = X509V3_EXT_nconf_nid (NULL, v3ctx, nid, value);
  int ok;

  if (ext == NULL)
    return FALSE;
  ok = X509_add_ext (cert, ext, -1);
  X509_EXTENSION_free (ext);
  return ok == 1;
}

static gboolean
set_random_serial (X509 *cert)
{
  guint8 bytes[16];
  BIGNUM *bn;
  gboolean ok;

  if (RAND_bytes (bytes, sizeof bytes) != 1)
    return FALSE;
  bytes[0] &= 0x7f; /* positive */
  bytes[0] |= 0x40; /* and always 16 octets long */
  bn = BN_bin2bn (bytes, sizeof bytes, NULL);
  ok = bn != NULL && BN_to_ASN1_INTEGER (bn, X509_get_serialNumber (cert)) != NULL;
  BN_free (bn);
  return ok;
}

gint64
tanba_server_years_after (gint64 when,
                          int    years)
{
  g_autoptr(GDateTime) start = g_date_time_new_from_unix_utc (when);
  g_autoptr(GDateTime) end = g_date_time_add_years (start, years);

  return g_date_time_to_unix (end);
}

/* Builds and signs a certificate. @issuer_cert NULL means self-signed. */
static X509 *
make_certificate (TanbaCertProfile  profile,
                  gboolean          root,
                  const X509_NAME  *subject,
                  EVP_PKEY         *public_key,
                  X509             *issuer_cert,
                  EVP_PKEY         *issuer_key,
                  gint64            not_before,
                  gint64            not_after,
                  GError          **error)
{
  X509 *cert = X509_new ();
  X509V3_CTX v3ctx;
  gboolean ok;

  ok = X509_set_version (cert, X509_VERSION_3)
       && set_random_serial (cert)
       && X509_set_subject_name (cert, subject)
       && X509_set_issuer_name (cert, root ? subject : X509_get_subject_name (issuer_cert))
       && X509_set_pubkey (cert, public_key)
       && ASN1_TIME_set (X509_getm_notBefore (cert), (time_t) not_before) != NULL
       && ASN1_TIME_set (X509_getm_notAfter (cert), (time_t) not_after) != NULL;
  if (!ok)
    goto fail;

  X509V3_set_ctx (&v3ctx, root ? cert : issuer_cert, cert, NULL, NULL, 0);

  if (root)
    {
      ok = add_extension (cert, &v3ctx, NID_basic_constraints, "critical,CA:TRUE")
           && add_extension (cert, &v3ctx, NID_key_usage,
                             "critical,keyCertSign,cRLSign,digitalSignature")
           && add_extension (cert, &v3ctx, NID_subject_key_identifier, "hash")
           && add_extension (cert, &v3ctx, NID_authority_key_identifier, "keyid:always");
      if (!ok)
        goto fail;
    }
  else
    {
      const char *key_usage = NULL, *ext_key_usage = NULL;

      switch (profile)
        {
        case TANBA_CERT_PROFILE_SIGNING:
          key_usage = "critical,digitalSignature,nonRepudiation";
          break;
        case TANBA_CERT_PROFILE_AUTHENTICATION:
          key_usage = "critical,digitalSignature";
          ext_key_usage = "clientAuth";
          break;
        case TANBA_CERT_PROFILE_INIT_KEY:
        case TANBA_CERT_PROFILE_CMP_SIGNER:
          key_usage = "critical,digitalSignature";
          break;
        case TANBA_CERT_PROFILE_TLS_SERVER:
          key_usage = EVP_PKEY_get_base_id (public_key) == EVP_PKEY_RSA
                      ? "critical,digitalSignature,keyEncipherment"
                      : "critical,digitalSignature";
          ext_key_usage = "serverAuth";
          break;
        default:
          g_assert_not_reached ();
        }

      ok = add_extension (cert, &v3ctx, NID_basic_constraints, "critical,CA:FALSE")
           && add_extension (cert, &v3ctx, NID_key_usage, key_usage)
           && (ext_key_usage == NULL
               || add_extension (cert, &v3ctx, NID_ext_key_usage, ext_key_usage))
           && (profile != TANBA_CERT_PROFILE_TLS_SERVER
               || add_extension (cert, &v3ctx, NID_subject_alt_name,
                                 "DNS:localhost,IP:127.0.0.1,IP:::1"))
           && add_extension (cert, &v3ctx, NID_subject_key_identifier, "hash")
           && add_extension (cert, &v3ctx, NID_authority_key_identifier, "keyid:always");
      if (!ok)
        goto fail;
    }

  if (X509_sign (cert, root ? public_key : issuer_key, EVP_sha256 ()) <= 0)
    goto fail;
  return cert;

fail:
  X509_free (cert);
  tanba_server_set_openssl_error (error, "Cannot issue a certificate");
  return NULL;
}

static TanbaServerCa *
ca_new (const char *data_dir)
{
  TanbaServerCa *self = g_new0 (TanbaServerCa, 1);

  self->ca_cert_path = g_build_filename (data_dir, "ca.crt", NULL);
  self->tls_cert_path = g_build_filename (data_dir, "tls.crt", NULL);
  self->tls_key_path = g_build_filename (data_dir, "private", "tls.key", NULL);
  return self;
}

static gboolean
ca_finish (TanbaServerCa  *self,
           GError        **error)
{
  self->trust = X509_STORE_new ();
  if (self->trust == NULL || !X509_STORE_add_cert (self->trust, self->ca_cert))
    return tanba_server_set_openssl_error (error, "Cannot build the trust store");
  return TRUE;
}

TanbaServerCa *
tanba_server_ca_create (const char    *data_dir,
                        TanbaKeyType   type,
                        GError       **error)
{
  g_autoptr(TanbaServerCa) self = ca_new (data_dir);
  g_autofree char *private_dir = g_build_filename (data_dir, "private", NULL);
  g_autofree char *ca_key_path = g_build_filename (private_dir, "ca.key", NULL);
  g_autofree char *cmp_cert_path = g_build_filename (data_dir, "cmp.crt", NULL);
  g_autofree char *cmp_key_path = g_build_filename (private_dir, "cmp.key", NULL);
  X509_NAME *name;
  X509 *tls_cert;
  EVP_PKEY *tls_key;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gint64 start = now - 3600; /* tolerate an hour of clock skew */
  gboolean ok;

  if (g_mkdir_with_parents (private_dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   "Cannot create %s: %s", private_dir, g_strerror (saved_errno));
      return NULL;
    }

  /* the root */
  if ((self->ca_key = tanba_server_generate_key (type, error)) == NULL)
    return NULL;
  name = service_name ("Tanba Demo Bank Root CA");
  self->ca_cert = make_certificate (0, TRUE, name, self->ca_key, NULL, NULL,
                                    start, tanba_server_years_after (now, ROOT_YEARS), error);
  X509_NAME_free (name);
  if (self->ca_cert == NULL)
    return NULL;

  /* the CMP protection certificate */
  if ((self->cmp_key = tanba_server_generate_key (type, error)) == NULL)
    return NULL;
  name = service_name ("Tanba Demo Bank CMP");
  self->cmp_cert = tanba_server_ca_issue (self, TANBA_CERT_PROFILE_CMP_SIGNER, name,
                                          self->cmp_key, start,
                                          tanba_server_years_after (now, SERVICE_YEARS), error);
  X509_NAME_free (name);
  if (self->cmp_cert == NULL)
    return NULL;

  /* the bank's TLS server certificate */
  if ((tls_key = tanba_server_generate_key (type, error)) == NULL)
    return NULL;
  name = service_name ("localhost");
  tls_cert = tanba_server_ca_issue (self, TANBA_CERT_PROFILE_TLS_SERVER, name, tls_key,
                                    start, tanba_server_years_after (now, SERVICE_YEARS), error);
  X509_NAME_free (name);
  if (tls_cert == NULL)
    {
      EVP_PKEY_free (tls_key);
      return NULL;
    }

  ok = tanba_server_write_key_pem (ca_key_path, self->ca_key, error)
       && tanba_server_write_cert_pem (self->ca_cert_path, self->ca_cert, error)
       && tanba_server_write_key_pem (cmp_key_path, self->cmp_key, error)
       && tanba_server_write_cert_pem (cmp_cert_path, self->cmp_cert, error)
       && tanba_server_write_key_pem (self->tls_key_path, tls_key, error)
       && tanba_server_write_cert_pem (self->tls_cert_path, tls_cert, error);
  X509_free (tls_cert);
  EVP_PKEY_free (tls_key);
  if (!ok || !ca_finish (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

TanbaServerCa *
tanba_server_ca_load (const char  *data_dir,
                      GError     **error)
{
  g_autoptr(TanbaServerCa) self = ca_new (data_dir);
  g_autofree char *ca_key_path = g_build_filename (data_dir, "private", "ca.key", NULL);
  g_autofree char *cmp_cert_path = g_build_filename (data_dir, "cmp.crt", NULL);
  g_autofree char *cmp_key_path = g_build_filename (data_dir, "private", "cmp.key", NULL);

  if ((self->ca_cert = tanba_server_read_cert_pem (self->ca_cert_path, error)) == NULL
      || (self->ca_key = tanba_server_read_key_pem (ca_key_path, error)) == NULL
      || (self->cmp_cert = tanba_server_read_cert_pem (cmp_cert_path, error)) == NULL
      || (self->cmp_key = tanba_server_read_key_pem (cmp_key_path, error)) == NULL
      || !ca_finish (self, error))
    return NULL;

  if (X509_check_private_key (self->ca_cert, self->ca_key) != 1
      || X509_check_private_key (self->cmp_cert, self->cmp_key) != 1)
    {
      ERR_clear_error ();
      g_set_error (error, TANBA_SERVER_ERROR, TANBA_SERVER_ERROR_INVALID,
                   "The keys in %s do not match their certificates", data_dir);
      return NULL;
    }

  return g_steal_pointer (&self);
}

void
tanba_server_ca_free (TanbaServerCa *self)
{
  if (self == NULL)
    return;
  g_free (self->ca_cert_path);
  g_free (self->tls_cert_path);
  g_free (self->tls_key_path);
  X509_free (self->ca_cert);
  EVP_PKEY_free (self->ca_key);
  X509_free (self->cmp_cert);
  EVP_PKEY_free (self->cmp_key);
  X509_STORE_free (self->trust);
  g_free (self);
}

X509 *
tanba_server_ca_get_certificate (TanbaServerCa *self)
{
  return self->ca_cert;
}

X509 *
tanba_server_ca_get_cmp_certificate (TanbaServerCa *self)
{
  return self->cmp_cert;
}

EVP_PKEY *
tanba_server_ca_get_cmp_key (TanbaServerCa *self)
{
  return self->cmp_key;
}

X509_STORE *
tanba_server_ca_get_trust_store (TanbaServerCa *self)
{
  return self->trust;
}

const char *
tanba_server_ca_get_certificate_path (TanbaServerCa *self)
{
  return self->ca_cert_path;
}

const char *
tanba_server_ca_get_tls_cert_path (TanbaServerCa *self)
{
  return self->tls_cert_path;
}

const char *
tanba_server_ca_get_tls_key_path (TanbaServerCa *self)
{
  return self->tls_key_path;
}

static gint64
asn1_time_to_unix (const ASN1_TIME *t)
{
  struct tm tm = { 0 };

  if (ASN1_TIME_to_tm (t, &tm) != 1)
    return -1;
  return (gint64) timegm (&tm);
}

X509 *
tanba_server_ca_issue (TanbaServerCa     *self,
                       TanbaCertProfile   profile,
                       const X509_NAME   *subject,
                       EVP_PKEY          *public_key,
                       gint64             not_before,
                       gint64             not_after,
                       GError           **error)
{
  gint64 ca_not_after = asn1_time_to_unix (X509_get0_notAfter (self->ca_cert));

  if (ca_not_after > 0 && not_after > ca_not_after)
    not_after = ca_not_after;
  if (not_after <= not_before)
    {
      g_set_error_literal (error, TANBA_SERVER_ERROR, TANBA_SERVER_ERROR_INVALID,
                           "The requested validity ends before it starts");
      return NULL;
    }

  return make_certificate (profile, FALSE, subject, public_key, self->ca_cert,
                           self->ca_key, not_before, not_after, error);
}
