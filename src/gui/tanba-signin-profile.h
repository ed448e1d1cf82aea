/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-signin-profile.h: what the sign-in window works with, without GTK:
 * the profiles (tokens with a finished registration), the sign-in itself
 * (run in a worker thread) and its errors in words.
 *
 * Sign-in: the token password is checked once by Tanba's own login (so a
 * wrong one is told with the token's "few tries left" flags and never
 * retried), then the bank is asked who is signed in over TLS with the
 * authentication key on the token (tanba_bank_client_sign_in), and the token
 * is logged out afterwards: PKCS#11 login state belongs to the process, and
 * GnuTLS's login would otherwise let the next sign-in pass with any
 * password. */
#pragma once

#include <gio/gio.h>

#include "tanba-bank-client.h"
#include "tanba-module.h"
#include "tanba-token-info.h"

G_BEGIN_DECLS

typedef struct
{
  char   *serial;
  char   *title;               /* the token's name as people see it */
  char   *user_id;             /* from the registration record */
  GBytes *authentication_id;   /* CKA_ID of the authentication key */
  GBytes *signing_id;          /* CKA_ID of the signing key */
} TanbaSigninProfile;

void                tanba_signin_profile_free (TanbaSigninProfile *profile);
TanbaSigninProfile *tanba_signin_profile_copy (const TanbaSigninProfile *profile);

/* The profile on the token @info describes, or NULL (no error) when its
 * registration is not finished. Touches the token: call from a worker. */
TanbaSigninProfile *tanba_signin_profile_read (TanbaModule          *module,
                                               const TanbaTokenInfo *info,
                                               GError              **error);

/* Every profile among @tokens (TanbaTokenInfo), in their order; tokens that
 * cannot be read are left out. Call from a worker. */
GPtrArray          *tanba_signin_profile_list (TanbaModule *module,
                                               GPtrArray   *tokens);

/* "NAME (user USER_ID)": the profile chooser's line. */
char               *tanba_signin_profile_dup_display (const TanbaSigninProfile *profile);

/* The trust anchor's path: @trust_anchor when set, else the setting (NULL:
 * none); a relative path made absolute. */
char               *tanba_signin_resolve_trust_anchor (const char *trust_anchor);

/* Signs in with the profile on the token @serial. @bank_url NULL: the
 * setting; @trust_anchor NULL: the setting (else the system's store).
 * Synchronous: call from a worker thread. */
TanbaBankSession   *tanba_signin_run (TanbaModule  *module,
                                      const char   *serial,
                                      const char   *pin,
                                      const char   *bank_url,
                                      const char   *trust_anchor,
                                      GCancellable *cancellable,
                                      GError      **error);

/* "Signed in as NAME, ORGANIZATION." (translated). */
char               *tanba_signin_dup_result_text (const TanbaBankSession *session);

typedef enum
{
  TANBA_SIGNIN_PROBLEM_OTHER,
  TANBA_SIGNIN_PROBLEM_PASSWORD,    /* wrong password: clear the field and type again */
  TANBA_SIGNIN_PROBLEM_LOCKED,      /* the password is locked */
  TANBA_SIGNIN_PROBLEM_TOKEN,       /* the token was removed or cannot be read */
  TANBA_SIGNIN_PROBLEM_CERTIFICATE, /* revoked, expired, unknown or unregistered certificate */
  TANBA_SIGNIN_PROBLEM_SERVER,      /* the bank cannot be reached or is not trusted */
} TanbaSigninProblem;

/* What kind of problem @error is, and its words (translated) in @message:
 * the error's own message, completed where it helps (which token, tries
 * left as @info flags them, what to do). @info may be NULL. */
TanbaSigninProblem  tanba_signin_explain (const GError         *error,
                                          const TanbaTokenInfo *info,
                                          char                **message);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TanbaSigninProfile, tanba_signin_profile_free)

G_END_DECLS
