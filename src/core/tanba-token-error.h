/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-token-error.h: the token layer's errors, with codes a GUI can put into words. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define TANBA_TOKEN_ERROR (tanba_token_error_quark ())

typedef enum
{
  TANBA_TOKEN_ERROR_FAILED,                  /* the module failed in a way we cannot name */
  TANBA_TOKEN_ERROR_MODULE_NOT_FOUND,        /* no file at the module path */
  TANBA_TOKEN_ERROR_MODULE_INVALID,          /* the file is not a PKCS#11 library */
  TANBA_TOKEN_ERROR_NO_TOKEN,                /* no token matches / none connected */
  TANBA_TOKEN_ERROR_AMBIGUOUS,               /* several tokens match: say which */
  TANBA_TOKEN_ERROR_TOKEN_REMOVED,           /* the token went away during the operation */
  TANBA_TOKEN_ERROR_PIN_INCORRECT,           /* wrong PIN (message says tries left as flagged) */
  TANBA_TOKEN_ERROR_PIN_LOCKED,              /* too many wrong PINs */
  TANBA_TOKEN_ERROR_PIN_LENGTH,              /* shorter or longer than the token allows */
  TANBA_TOKEN_ERROR_PIN_INVALID,             /* characters the token refuses */
  TANBA_TOKEN_ERROR_NOT_LOGGED_IN,           /* the operation needs a login first */
  TANBA_TOKEN_ERROR_WRONG_ROLE,              /* logged in, but as the other role */
  TANBA_TOKEN_ERROR_RULE_VIOLATED,           /* Tanba's own input rules (label, name) */
  TANBA_TOKEN_ERROR_REGISTRATION_UNFINISHED, /* format refused: continue the registration */
  TANBA_TOKEN_ERROR_READ_ONLY,               /* write-protected token */
  TANBA_TOKEN_ERROR_NOT_SUPPORTED,           /* the token lacks the mechanism or call */
  TANBA_TOKEN_ERROR_NO_SPACE,                /* token memory full */
  TANBA_TOKEN_ERROR_NOT_FOUND,               /* no such key, certificate or object */
} TanbaTokenErrorCode;

GQuark tanba_token_error_quark (void);

/* Sets @error from a PKCS#11 return value; @what says what was being done
 * ("Changing the PIN"), already translated. Returns FALSE for convenience. */
gboolean tanba_token_set_error_from_rv (GError    **error,
                                        gulong      rv,
                                        const char *what);

/* The PKCS#11 constant's name, e.g. "CKR_PIN_INCORRECT" (for details and logs). */
const char *tanba_pkcs11_rv_name (gulong rv);

G_END_DECLS
