/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-renewal.h: certificates that expire, and their renewal.
 *
 * Renewal makes a new key pair on the token, asks the CA for a certificate of
 * the same profile with a key update request (kur) signed with the current
 * certificate, stores it next to the new key, registers the new set with the
 * bank and only then retires the old key and certificate. Its state is kept
 * on the token (data object "tanba-renewal", no secrets): an interrupted
 * renewal continues like a registration, reusing the new key. */
#pragma once

#include <gio/gio.h>

#include "tanba-cmp-client.h"
#include "tanba-token.h"

G_BEGIN_DECLS

#define TANBA_DATA_RENEWAL "tanba-renewal"

typedef struct
{
  TanbaCertProfile profile;
  X509            *certificate;
  GBytes          *key_id;
  int              days_left;   /* negative once expired */
} TanbaCertificateStatus;

void       tanba_certificate_status_free (TanbaCertificateStatus *status);

/* The registered certificates of @token (signing first), with days left.
 * Empty when the token's registration is not complete. */
GPtrArray *tanba_renewal_list_certificates (TanbaToken *token,
                                            GError    **error);

/* TRUE when @status expires within @warn_days days (or has expired). */
gboolean   tanba_certificate_status_is_due (const TanbaCertificateStatus *status,
                                            guint                         warn_days);

/* What to renew. */
typedef enum
{
  TANBA_RENEW_SIGNING        = 1 << 0,
  TANBA_RENEW_AUTHENTICATION = 1 << 1,
  TANBA_RENEW_BOTH           = TANBA_RENEW_SIGNING | TANBA_RENEW_AUTHENTICATION,
} TanbaRenewWhich;

typedef struct
{
  const char      *pin;          /* the token password (not kept) */
  TanbaRenewWhich  which;
  guint            term_years;   /* 1..3 */
  const char      *ca_url;
  const char      *bank_url;
  const char      *trust_anchor;
} TanbaRenewalParams;

typedef void (*TanbaRenewalProgressFunc) (double      fraction,
                                          const char *text,
                                          gpointer    user_data);

/* TRUE when a renewal was started on @token and not finished. */
gboolean   tanba_renewal_is_unfinished (TanbaToken *token);

/* Renews (or continues renewing). Synchronous: call from a worker thread. */
gboolean   tanba_renewal_run (TanbaToken               *token,
                              const TanbaRenewalParams *params,
                              TanbaRenewalProgressFunc  progress,
                              gpointer                  progress_data,
                              GCancellable             *cancellable,
                              GError                  **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TanbaCertificateStatus, tanba_certificate_status_free)

G_END_DECLS
