/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-server-files.c: files of the data directory, hashes and encodings. */

#include "config.h"

#include "tanba-server-files.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <openssl/bio.h>
#include <openssl/pem.h>

#include "tanba-server-error.h"

gboolean
tanba_server_write_new_file (const char  *path,
                             const void  *data,
                             gsize        length,
                             int          mode,
                             GError     **error)
{
  const guint8 *p = data;
  int fd, saved_errno;

  fd = g_open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0)
    {
      saved_errno = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   "Cannot create %s: %s", path, g_strerror (saved_errno));
      return FALSE;
    }

  while (length > 0)
    {
      ssize_t n = write (fd, p, length);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        goto fail;
      p += n;
      length -= n;
    }
  if (fsync (fd) != 0)
    goto fail;
  if (close (fd) != 0)
    {
      fd = -1;
      goto fail;
    }
  return TRUE;

fail:
  saved_errno = errno;
  if (fd >= 0)
    close (fd);
  g_unlink (path);
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
               "Cannot write %s: %s", path, g_strerror (saved_errno));
  return FALSE;
}

static gboolean
write_bio (const char  *path,
           BIO         *bio,
           int          mode,
           GError     **error)
{
  char *data = NULL;
  long length = BIO_get_mem_data (bio, &data);

  return tanba_server_write_new_file (path, data, length, mode, error);
}

gboolean
tanba_server_write_cert_pem (const char  *path,
                             X509        *cert,
                             GError     **error)
{
  BIO *bio = BIO_new (BIO_s_mem ());
  gboolean ok;

  if (!PEM_write_bio_X509 (bio, cert))
    {
      BIO_free (bio);
      return tanba_server_set_openssl_error (error, "Cannot encode a certificate");
    }
  ok = write_bio (path, bio, 0644, error);
  BIO_free (bio);
  return ok;
}

gboolean
tanba_server_write_key_pem (const char  *path,
                            EVP_PKEY    *pkey,
                            GError     **error)
{
  BIO *bio = BIO_new (BIO_s_secmem ());
  gboolean ok;

  if (!PEM_write_bio_PrivateKey (bio, pkey, NULL, NULL, 0, NULL, NULL))
    {
      BIO_free (bio);
      return tanba_server_set_openssl_error (error, "Cannot encode a private key");
    }
  ok = write_bio (path, bio, 0600, error);
  BIO_free (bio);
  return ok;
}

X509 *
tanba_server_read_cert_pem (const char  *path,
                            GError     **error)
{
  BIO *bio = BIO_new_file (path, "r");
  X509 *cert = NULL;

  if (bio != NULL)
    cert = PEM_read_bio_X509 (bio, NULL, NULL, NULL);
  BIO_free (bio);
  if (cert == NULL)
    {
      g_autofree char *what = g_strdup_printf ("Cannot read the certificate %s", path);

      tanba_server_set_openssl_error (error, what);
    }
  return cert;
}

EVP_PKEY *
tanba_server_read_key_pem (const char  *path,
                           GError     **error)
{
  BIO *bio = BIO_new_file (path, "r");
  EVP_PKEY *pkey = NULL;

  if (bio != NULL)
    pkey = PEM_read_bio_PrivateKey (bio, NULL, NULL, NULL);
  BIO_free (bio);
  if (pkey == NULL)
    {
      g_autofree char *what = g_strdup_printf ("Cannot read the private key %s", path);

      tanba_server_set_openssl_error (error, what);
    }
  return pkey;
}

char *
tanba_server_sha256_hex (const void *data,
                         gsize       length)
{
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, data, length);
}

char *
tanba_server_cert_fingerprint (X509 *cert)
{
  g_autoptr(GBytes) der = tanba_server_cert_der (cert);

  if (der == NULL)
    return NULL;
  return tanba_server_sha256_hex (g_bytes_get_data (der, NULL), g_bytes_get_size (der));
}

char *
tanba_server_public_key_hash (EVP_PKEY *pkey)
{
  unsigned char *der = NULL;
  int length = i2d_PUBKEY (pkey, &der);
  char *hex;

  if (length <= 0)
    return NULL;
  hex = tanba_server_sha256_hex (der, length);
  OPENSSL_free (der);
  return hex;
}

GBytes *
tanba_server_cert_der (X509 *cert)
{
  unsigned char *der = NULL;
  int length = i2d_X509 (cert, &der);
  GBytes *bytes;

  if (length <= 0)
    return NULL;
  bytes = g_bytes_new (der, length);
  OPENSSL_free (der);
  return bytes;
}

X509 *
tanba_server_cert_from_der (GBytes *der)
{
  gsize length = 0;
  const unsigned char *p = g_bytes_get_data (der, &length);

  return d2i_X509 (NULL, &p, length);
}
