/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-key-file.h: the bank's primary initialization key file.
 *
 * A PKCS#12 file ("GOST.pfx", "Key.pfx") with the user's one-time init key and
 * init certificate (CN = the user ID). Its password is the OTP PIN unless the
 * bank said otherwise. Legacy encryptions (RC2-40, 3DES) open too. A wrong
 * password is the bank's error 0200040 "Invalid password or key container";
 * its details are the guide's four checks. Look-alike recovery (I<->1, O<->0)
 * is tried here, on the file only: never against the token or the server. */
#pragma once

#include <glib.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

G_BEGIN_DECLS

#define TANBA_KEY_FILE_ERROR (tanba_key_file_error_quark ())

typedef enum
{
  TANBA_KEY_FILE_ERROR_UNREADABLE,    /* missing, a directory, no permission */
  TANBA_KEY_FILE_ERROR_EMPTY,         /* 0 bytes */
  TANBA_KEY_FILE_ERROR_TOO_LARGE,     /* more than TANBA_KEY_FILE_MAX_SIZE */
  TANBA_KEY_FILE_ERROR_NOT_PKCS12,    /* not a PKCS#12 (PFX) file at all */
  TANBA_KEY_FILE_ERROR_BAD_PASSWORD,  /* 0200040: wrong password or another container */
  TANBA_KEY_FILE_ERROR_NO_KEY,        /* opens, but holds no key with its certificate */
  TANBA_KEY_FILE_ERROR_WRONG_USER,    /* the certificate names another user ID */
} TanbaKeyFileErrorCode;

/* The bank's code for a wrong password or key container. */
#define TANBA_KEY_FILE_BANK_CODE "0200040"
#define TANBA_KEY_FILE_MAX_SIZE  (1024 * 1024)

GQuark        tanba_key_file_error_quark (void);

typedef struct _TanbaKeyFile TanbaKeyFile;

/* Opens the file with @password (not kept). */
TanbaKeyFile *tanba_key_file_open        (const char   *path,
                                          const char   *password,
                                          GError      **error);
TanbaKeyFile *tanba_key_file_open_bytes  (GBytes       *data,
                                          const char   *password,
                                          GError      **error);
/* As tanba_key_file_open(); when @password is wrong and it is an OTP PIN with
 * look-alike characters, tries each variant (tanba_otp_pin_dup_lookalikes)
 * on the file. When a variant opens it, *@opened_with (may be NULL) gets a
 * copy of it (free with tanba_key_file_secret_free); when @password itself
 * worked, *@opened_with is NULL. The error, if none opens, is BAD_PASSWORD. */
TanbaKeyFile *tanba_key_file_open_with_recovery (const char  *path,
                                                 const char  *password,
                                                 char       **opened_with,
                                                 GError     **error);
void          tanba_key_file_free        (TanbaKeyFile *self);

/* The user ID the init certificate names (its subject CN). */
const char   *tanba_key_file_get_user_id (TanbaKeyFile *self);
/* Borrowed; valid while @self lives. */
EVP_PKEY     *tanba_key_file_get_key     (TanbaKeyFile *self);
X509         *tanba_key_file_get_certificate (TanbaKeyFile *self);
/* The other certificates in the file (CA chain); may be empty, never NULL. */
STACK_OF (X509) *tanba_key_file_get_chain (TanbaKeyFile *self);

/* WRONG_USER, with both IDs named, unless @user_id matches the certificate
 * (trimmed, ignoring case: tanba_user_id_check_match). */
gboolean      tanba_key_file_check_user_id (TanbaKeyFile *self,
                                            const char   *user_id,
                                            GError      **error);

/* The "Details" part of the 0200040 error: the guide's four checks, in one
 * translated text, one check per line. */
const char   *tanba_key_file_bad_password_details (void);

/* Wipes and frees a password copy. */
void          tanba_key_file_secret_free (char *secret);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TanbaKeyFile, tanba_key_file_free)

G_END_DECLS
