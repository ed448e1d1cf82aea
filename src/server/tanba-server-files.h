/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-server-files.h: writing the data directory's files (keys 0600, new
 * files only, synced) and reading PEM/DER objects from it. */
#pragma once

#include <glib.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

G_BEGIN_DECLS

/* Creates @path (which must not exist) with @mode and the given contents,
 * synced to disk. Private material uses 0600. */
gboolean  tanba_server_write_new_file  (const char    *path,
                                        const void    *data,
                                        gsize          length,
                                        int            mode,
                                        GError       **error);

gboolean  tanba_server_write_cert_pem  (const char    *path,
                                        X509          *cert,
                                        GError       **error);
/* Unencrypted PKCS#8 PEM, mode 0600 (the directory itself is 0700). */
gboolean  tanba_server_write_key_pem   (const char    *path,
                                        EVP_PKEY      *pkey,
                                        GError       **error);

X509     *tanba_server_read_cert_pem   (const char    *path,
                                        GError       **error);
EVP_PKEY *tanba_server_read_key_pem    (const char    *path,
                                        GError       **error);

/* Lower-case hex SHA-256 of @data. */
char     *tanba_server_sha256_hex      (const void    *data,
                                        gsize          length);
/* Lower-case hex SHA-256 of the certificate's DER encoding. */
char     *tanba_server_cert_fingerprint (X509         *cert);
/* Lower-case hex SHA-256 of the key's SubjectPublicKeyInfo DER. */
char     *tanba_server_public_key_hash (EVP_PKEY      *pkey);
/* The certificate's DER encoding. */
GBytes   *tanba_server_cert_der        (X509          *cert);
X509     *tanba_server_cert_from_der   (GBytes        *der);

G_END_DECLS
