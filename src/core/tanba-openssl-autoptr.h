/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-openssl-autoptr.h: g_autoptr() for the OpenSSL types Tanba uses.
 * Include this once per file instead of defining cleanups locally. */
#pragma once

#include <glib.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC (X509, X509_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_PKEY, EVP_PKEY_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BIO, BIO_free)
