/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-server-error.h: errors of the reference server (tanba-refserver). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define TANBA_SERVER_ERROR (tanba_server_error_quark ())

typedef enum
{
  TANBA_SERVER_ERROR_FAILED,        /* anything not named below */
  TANBA_SERVER_ERROR_CRYPTO,        /* OpenSSL refused; the message carries its reason */
  TANBA_SERVER_ERROR_STORE,         /* the SQLite database failed */
  TANBA_SERVER_ERROR_EXISTS,        /* --init-demo: the directory already holds data */
  TANBA_SERVER_ERROR_NOT_FOUND,     /* no such user, key or certificate */
  TANBA_SERVER_ERROR_INVALID,       /* bad command-line value or data directory */
} TanbaServerErrorCode;

GQuark tanba_server_error_quark (void);

/* Sets @error to TANBA_SERVER_ERROR_CRYPTO with @what followed by the
 * reasons on OpenSSL's error queue (which is emptied). Returns FALSE. */
gboolean tanba_server_set_openssl_error (GError    **error,
                                        const char *what);

G_END_DECLS
