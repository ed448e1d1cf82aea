/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-server-cmp.h: the CMP server (RFC 4210/9480, Lightweight CMP Profile
 * RFC 9483) on OpenSSL's OSSL_CMP_SRV_CTX: ir, certConf, kur, rr, genm.
 *
 * One OSSL_CMP_SRV_CTX per transaction (OpenSSL keeps the transactionID,
 * nonces and certReqId in it), kept between ip/kup and certConf, keyed by
 * transactionID, dropped after pkiConf/error or when idle too long. So
 * concurrent clients do not disturb each other. See README.md for the rules
 * (profiles, protection, one-time init keys, idempotent retries). */
#pragma once

#include <glib.h>

#include "tanba-server-ca.h"
#include "tanba-server-sealing.h"
#include "tanba-server-store.h"

G_BEGIN_DECLS

/* PKIBody CHOICE numbers (RFC 4210 5.1.2); OpenSSL 3.0 keeps its own private. */
typedef enum
{
  TANBA_CMP_BODY_IR = 0,
  TANBA_CMP_BODY_IP = 1,
  TANBA_CMP_BODY_CR = 2,
  TANBA_CMP_BODY_CP = 3,
  TANBA_CMP_BODY_P10CR = 4,
  TANBA_CMP_BODY_KUR = 7,
  TANBA_CMP_BODY_KUP = 8,
  TANBA_CMP_BODY_RR = 11,
  TANBA_CMP_BODY_RP = 12,
  TANBA_CMP_BODY_PKICONF = 19,
  TANBA_CMP_BODY_GENM = 21,
  TANBA_CMP_BODY_GENP = 22,
  TANBA_CMP_BODY_ERROR = 23,
  TANBA_CMP_BODY_CERTCONF = 24,
  TANBA_CMP_BODY_POLLREQ = 25,
  TANBA_CMP_BODY_POLLREP = 26,
} TanbaCmpBody;

/* "ir", "certConf", ... or "unknown". */
const char *tanba_cmp_body_name (int body);

typedef struct _TanbaServerCmp TanbaServerCmp;

/* The arguments are borrowed and must outlive the CMP server. */
TanbaServerCmp *tanba_server_cmp_new      (TanbaServerCa     *ca,
                                           TanbaServerStore  *store,
                                           TanbaServerSealer *sealer);
void            tanba_server_cmp_free     (TanbaServerCmp    *self);

/* The body type of a DER PKIMessage, or -1 if it is not one. */
int             tanba_server_cmp_peek_body (GBytes           *request);

/* Processes one DER PKIMessage (the body of a POST to /pkix/) and returns
 * the DER response. NULL with @error if @request is not a PKIMessage (the
 * caller answers HTTP 400) or on an internal failure. */
GBytes         *tanba_server_cmp_handle   (TanbaServerCmp    *self,
                                           GBytes            *request,
                                           GError           **error);

/* Drops transactions idle for more than @max_idle_seconds. */
void            tanba_server_cmp_expire   (TanbaServerCmp    *self,
                                           guint              max_idle_seconds);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TanbaServerCmp, tanba_server_cmp_free)

G_END_DECLS
