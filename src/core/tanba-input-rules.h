/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-input-rules.h: what the user types at registration, other than the new
 * password (that is tanba-password-policy.h): the user ID, the OTP PIN, the
 * token name, and the PKCS#11 label made from the name.
 *
 * Errors are in the TANBA_POLICY_ERROR domain; their messages are translated,
 * say what is wrong and what to do, and never quote a PIN. */
#pragma once

#include <glib.h>

#include "tanba-password-policy.h"

G_BEGIN_DECLS

/* Token name (guide 3.17): optional; up to 32 characters; Latin letters,
 * digits and "-", "_", "=". */
#define TANBA_TOKEN_NAME_MAX_LEN 32

/* NULL and "" are valid (no name). Not trimmed: a space is an error. */
gboolean  tanba_token_name_validate      (const char  *name,
                                          GError     **error);

/* PKCS#11 token label: CK_TOKEN_INFO.label and C_InitToken's pLabel are 32
 * bytes of UTF-8, padded with blanks, not NUL-terminated. */
#define TANBA_PKCS11_LABEL_LEN 32

/* Fills @label with @name (NULL: "") padded with blanks to 32 bytes, and puts
 * a NUL at @label[32], so it serves both as the raw 32 bytes and as a C string
 * for libp11. Fails with LABEL_TOO_LONG when @name takes more than 32 bytes
 * and LABEL_INVALID_ENCODING when it is not UTF-8; @label is then all blanks.
 * Blanks at the end of @name cannot be told from padding when read back. */
gboolean  tanba_pkcs11_label_pad         (const char  *name,
                                          char         label[TANBA_PKCS11_LABEL_LEN + 1],
                                          GError     **error);

/* User ID (guide 3.16, appendix 2 to the contract), e.g. "qq111111_qwertyui".
 * Leading and trailing white space (including no-break and zero-width spaces
 * a copy from a PDF brings along) is trimmed; case does not matter. Accepted:
 * 1 to 64 characters, each a Latin letter, a digit, "_", "-" or ".". The
 * guide shows letters, digits and "_"; "-" and "." are allowed as well since
 * they are common in logins and harmless, everything else (spaces inside,
 * Cyrillic letters, "@") is refused so that a typo is caught here and not as
 * a wrong key-file password later. */
#define TANBA_USER_ID_MAX_LEN 64

/* The ID as it will be used: trimmed, case kept. NULL gives "". */
char     *tanba_user_id_normalize        (const char  *user_id);
/* Validates the trimmed @user_id. */
gboolean  tanba_user_id_validate         (const char  *user_id,
                                          GError     **error);
/* TRUE when @typed and @certified (the ID in the init certificate) are the
 * same after trimming, ignoring case. An empty ID matches nothing. */
gboolean  tanba_user_id_equal            (const char  *typed,
                                          const char  *certified);
/* Like tanba_user_id_equal(), but on a mismatch sets USER_ID_MISMATCH with a
 * message naming both IDs ("This key file belongs to another user…"). */
gboolean  tanba_user_id_check_match      (const char  *typed,
                                          const char  *certified,
                                          GError     **error);

/* OTP PIN (guide 3.16): the 11 characters on the OTP card, capital Latin
 * letters and digits. It is a secret: the key file's password. */
#define TANBA_OTP_PIN_LEN          11
/* At most this many look-alike variants, the PIN itself included (2^8). */
#define TANBA_OTP_PIN_MAX_VARIANTS 256

/* Upper-cases the Latin letters of @text in place (@len bytes, or up to the
 * NUL when -1), as the GUI does while the PIN is typed; leaves everything else
 * alone. Returns TRUE when something changed. Makes no copy. */
gboolean  tanba_otp_pin_normalize        (char        *text,
                                          gssize       len);
/* Exactly 11 characters, each a capital Latin letter or a digit (normalize
 * first). The message does not quote the PIN. */
gboolean  tanba_otp_pin_validate         (const char  *pin,
                                          GError     **error);
/* Every PIN that differs from @pin only by swapping "I" and "1", or "O" and
 * "0", where they occur: @pin first, then the variants with one swap, then
 * two, and so on (within the same number of swaps, earlier positions
 * first); all 2^n for n such positions, but at most
 * TANBA_OTP_PIN_MAX_VARIANTS. Only for trying the key file locally, never
 * the token or the server. Free with tanba_otp_pin_lookalikes_free(), which
 * wipes them. */
GStrv     tanba_otp_pin_dup_lookalikes   (const char  *pin);
void      tanba_otp_pin_lookalikes_free  (GStrv        variants);

G_END_DECLS
