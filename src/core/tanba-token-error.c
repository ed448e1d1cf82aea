/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <p11-kit/pkcs11.h>

#include "tanba-i18n.h"
#include "tanba-token-error.h"

G_DEFINE_QUARK (tanba-token-error-quark, tanba_token_error)

const char *
tanba_pkcs11_rv_name (gulong rv)
{
  switch (rv)
    {
#define RV(x) case x: return #x;
    RV (CKR_OK)
    RV (CKR_CANCEL)
    RV (CKR_HOST_MEMORY)
    RV (CKR_SLOT_ID_INVALID)
    RV (CKR_GENERAL_ERROR)
    RV (CKR_FUNCTION_FAILED)
    RV (CKR_ARGUMENTS_BAD)
    RV (CKR_ATTRIBUTE_READ_ONLY)
    RV (CKR_ATTRIBUTE_TYPE_INVALID)
    RV (CKR_ATTRIBUTE_VALUE_INVALID)
    RV (CKR_DATA_INVALID)
    RV (CKR_DATA_LEN_RANGE)
    RV (CKR_DEVICE_ERROR)
    RV (CKR_DEVICE_MEMORY)
    RV (CKR_DEVICE_REMOVED)
    RV (CKR_FUNCTION_CANCELED)
    RV (CKR_FUNCTION_NOT_SUPPORTED)
    RV (CKR_KEY_HANDLE_INVALID)
    RV (CKR_KEY_TYPE_INCONSISTENT)
    RV (CKR_MECHANISM_INVALID)
    RV (CKR_MECHANISM_PARAM_INVALID)
    RV (CKR_OBJECT_HANDLE_INVALID)
    RV (CKR_OPERATION_ACTIVE)
    RV (CKR_OPERATION_NOT_INITIALIZED)
    RV (CKR_PIN_INCORRECT)
    RV (CKR_PIN_INVALID)
    RV (CKR_PIN_LEN_RANGE)
    RV (CKR_PIN_EXPIRED)
    RV (CKR_PIN_LOCKED)
    RV (CKR_SESSION_CLOSED)
    RV (CKR_SESSION_COUNT)
    RV (CKR_SESSION_HANDLE_INVALID)
    RV (CKR_SESSION_READ_ONLY)
    RV (CKR_SESSION_EXISTS)
    RV (CKR_SESSION_READ_ONLY_EXISTS)
    RV (CKR_SESSION_READ_WRITE_SO_EXISTS)
    RV (CKR_TEMPLATE_INCOMPLETE)
    RV (CKR_TEMPLATE_INCONSISTENT)
    RV (CKR_TOKEN_NOT_PRESENT)
    RV (CKR_TOKEN_NOT_RECOGNIZED)
    RV (CKR_TOKEN_WRITE_PROTECTED)
    RV (CKR_USER_ALREADY_LOGGED_IN)
    RV (CKR_USER_NOT_LOGGED_IN)
    RV (CKR_USER_PIN_NOT_INITIALIZED)
    RV (CKR_USER_TYPE_INVALID)
    RV (CKR_USER_ANOTHER_ALREADY_LOGGED_IN)
    RV (CKR_USER_TOO_MANY_TYPES)
    RV (CKR_BUFFER_TOO_SMALL)
    RV (CKR_CRYPTOKI_NOT_INITIALIZED)
    RV (CKR_CRYPTOKI_ALREADY_INITIALIZED)
#undef RV
    default:
      return "CKR_VENDOR_OR_UNKNOWN";
    }
}

gboolean
tanba_token_set_error_from_rv (GError    **error,
                               gulong      rv,
                               const char *what)
{
  TanbaTokenErrorCode code;
  const char *reason;

  switch (rv)
    {
    case CKR_PIN_INCORRECT:
      code = TANBA_TOKEN_ERROR_PIN_INCORRECT;
      reason = _("The PIN is wrong.");
      break;
    case CKR_PIN_LOCKED:
      code = TANBA_TOKEN_ERROR_PIN_LOCKED;
      reason = _("The PIN is locked after too many wrong attempts. The administrator can unblock it.");
      break;
    case CKR_PIN_LEN_RANGE:
      code = TANBA_TOKEN_ERROR_PIN_LENGTH;
      reason = _("The PIN is shorter or longer than the token allows.");
      break;
    case CKR_PIN_INVALID:
      code = TANBA_TOKEN_ERROR_PIN_INVALID;
      reason = _("The PIN contains characters the token does not accept.");
      break;
    case CKR_PIN_EXPIRED:
      code = TANBA_TOKEN_ERROR_PIN_INVALID;
      reason = _("The PIN has expired and must be changed.");
      break;
    case CKR_USER_NOT_LOGGED_IN:
    case CKR_USER_PIN_NOT_INITIALIZED:
      code = TANBA_TOKEN_ERROR_NOT_LOGGED_IN;
      reason = _("Enter the PIN first.");
      break;
    case CKR_USER_ANOTHER_ALREADY_LOGGED_IN:
    case CKR_USER_ALREADY_LOGGED_IN:
    case CKR_SESSION_READ_WRITE_SO_EXISTS:
      code = TANBA_TOKEN_ERROR_WRONG_ROLE;
      reason = _("Another role is logged in to the token. Log out first.");
      break;
    case CKR_DEVICE_REMOVED:
    case CKR_TOKEN_NOT_PRESENT:
    case CKR_SESSION_HANDLE_INVALID:
    case CKR_SESSION_CLOSED:
    case CKR_SLOT_ID_INVALID:
      code = TANBA_TOKEN_ERROR_TOKEN_REMOVED;
      reason = _("The token was removed. Connect it again and repeat.");
      break;
    case CKR_TOKEN_WRITE_PROTECTED:
    case CKR_SESSION_READ_ONLY:
      code = TANBA_TOKEN_ERROR_READ_ONLY;
      reason = _("The token is write-protected.");
      break;
    case CKR_DEVICE_MEMORY:
    case CKR_HOST_MEMORY:
      code = TANBA_TOKEN_ERROR_NO_SPACE;
      reason = _("There is not enough memory on the token.");
      break;
    case CKR_FUNCTION_NOT_SUPPORTED:
    case CKR_MECHANISM_INVALID:
    case CKR_ATTRIBUTE_TYPE_INVALID:
      code = TANBA_TOKEN_ERROR_NOT_SUPPORTED;
      reason = _("The token does not support this operation.");
      break;
    case CKR_OBJECT_HANDLE_INVALID:
    case CKR_KEY_HANDLE_INVALID:
      code = TANBA_TOKEN_ERROR_NOT_FOUND;
      reason = _("The object is no longer on the token.");
      break;
    case CKR_TOKEN_NOT_RECOGNIZED:
      code = TANBA_TOKEN_ERROR_NO_TOKEN;
      reason = _("The token is not recognized. Check that it is connected properly.");
      break;
    default:
      code = TANBA_TOKEN_ERROR_FAILED;
      reason = _("The token reported an error.");
      break;
    }

  /* TRANSLATORS: "%s: %s (%s)" is "what was being done: why (PKCS#11 code)" */
  g_set_error (error, TANBA_TOKEN_ERROR, code, _("%s: %s (%s)"),
               what, reason, tanba_pkcs11_rv_name (rv));
  return FALSE;
}
