/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-server-error.c: errors of the reference server. */

#include "config.h"

#include "tanba-server-error.h"

#include <openssl/err.h>

G_DEFINE_QUARK (tanba-server-error-quark, tanba_server_error)

gboolean
tanba_server_set_openssl_error (GError    **error,
                                const char *what)
{
  g_autoptr(GString) reasons = g_string_new (NULL);
  unsigned long code;
  const char *data = NULL;
  int flags = 0;

  while ((code = ERR_get_error_all (NULL, NULL, NULL, &data, &flags)) != 0)
    {
      const char *reason = ERR_reason_error_string (code);

      if (reasons->len > 0)
        g_string_append (reasons, "; ");
      g_string_append (reasons, reason != NULL ? reason : "unknown error");
      if ((flags & ERR_TXT_STRING) != 0 && data != NULL && *data != '\0')
        g_string_append_printf (reasons, " (%s)", data);
    }

  if (reasons->len > 0)
    g_set_error (error, TANBA_SERVER_ERROR, TANBA_SERVER_ERROR_CRYPTO,
                 "%s: %s", what, reasons->str);
  else
    g_set_error_literal (error, TANBA_SERVER_ERROR, TANBA_SERVER_ERROR_CRYPTO,
                         what);
  return FALSE;
}
