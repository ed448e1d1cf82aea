/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-server-demo.h: `tanba-refserver --init-demo DIR`: a new data
 * directory with a CA, the bank's TLS certificate, the database and demo
 * users, each with a one-time initialization key file.
 *
 * Users, in this order (tests rely on it):
 *   [0] OTP PIN without look-alike characters; key file AES-256/PBKDF2 (PKCS#12 of OpenSSL 3)
 *   [1] OTP PIN with exactly one '1' and one 'O' (for the I<->1, O<->0
 *       recovery); the other characters have no look-alikes; AES-256 file
 *   [2] OTP PIN without look-alikes; key file in legacy encryption:
 *       key pbeWithSHA1And3-KeyTripleDES-CBC, certificate
 *       pbeWithSHA1And40BitRC2-CBC, MAC SHA-1
 *   [3...] like [0] */
#pragma once

#include <glib.h>

#include "tanba-server-ca.h"

G_BEGIN_DECLS

typedef struct
{
  char *user_id;
  char *otp_pin;
  char *key_file;  /* absolute path */
  gboolean legacy; /* RC2-40/3DES encryption */
} TanbaDemoUser;

typedef struct
{
  char      *data_dir;       /* absolute path */
  char      *ca_certificate; /* absolute path */
  GPtrArray *users;          /* TanbaDemoUser */
} TanbaDemoResult;

void             tanba_demo_result_free  (TanbaDemoResult  *result);

TanbaDemoResult *tanba_server_demo_create (const char       *data_dir,
                                           TanbaKeyType      key_type,
                                           guint             n_users,
                                           GError          **error);

/* Prints @result on stdout: a table, or with @json exactly
 * {"ca_certificate": PATH, "users": [{"user_id", "otp_pin", "key_file"}...]} */
void             tanba_server_demo_print  (TanbaDemoResult  *result,
                                           gboolean          json);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TanbaDemoResult, tanba_demo_result_free)

G_END_DECLS
