/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-token-private.h: what the token's source files share. */
#pragma once

#include <p11-kit/pkcs11.h>

#include "tanba-module-private.h"
#include "tanba-token.h"

G_BEGIN_DECLS

struct _TanbaToken
{
  gatomicrefcount   ref_count;
  TanbaModule      *module;
  char             *serial;
  gulong            slot_id;
  /* One read-write session kept open while the token is in use: the login
   * lives as long as a session of ours is open. CK_INVALID_HANDLE when none. */
  CK_SESSION_HANDLE session;
  /* The token refused to change a data object's value in place (SoftHSM
   * does: PKCS#11 does not say it may be changed): later writes replace the
   * object without asking again. */
  gboolean          data_value_fixed;
};

/* The token's session, opened on demand (following the token to a new slot
 * if the module moved it). Caller holds the module lock. */
CK_SESSION_HANDLE tanba_token_get_session   (TanbaToken  *self,
                                             GError     **error);
/* Like tanba_token_set_error_from_rv(), and forgets the session when the
 * error says it is gone. */
gboolean          tanba_token_fail          (TanbaToken  *self,
                                             GError     **error,
                                             CK_RV        rv,
                                             const char  *what);
/* Finds objects matching @template (at most @max). */
GArray           *tanba_token_find_objects  (TanbaToken   *self,
                                             CK_ATTRIBUTE *template,
                                             CK_ULONG      n_attributes,
                                             GError      **error);
/* Reads one variable-length attribute; NULL if the object lacks it. */
GBytes           *tanba_token_get_attribute (TanbaToken       *self,
                                             CK_OBJECT_HANDLE  object,
                                             CK_ATTRIBUTE_TYPE type,
                                             GError          **error);

/* The raw PKCS#11 path for storing a certificate, with only the attributes
 * PKCS#11 v2.20 tokens accept (libp11's own store is tried first). */
gboolean          tanba_token_store_certificate_raw (TanbaToken *self,
                                                     X509       *certificate,
                                                     GBytes     *id,
                                                     const char *label,
                                                     GError    **error);

G_END_DECLS
