/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-server-faults.h: test-only fault switches for the reliability tests.
 *
 * Off unless the server runs with --test-faults. Then they are set from the
 * environment variable TANBA_REFSERVER_FAULTS at start and through
 * POST /test/faults (loopback clients only), both with this JSON:
 *
 *   {"faults": [{"kind": "drop" | "http-500" | "stall" | "corrupt" | "nonce-expired",
 *                "message": "ir" | "certConf" | "kur" | "rr" | "genm" |
 *                           "bank-registration" | "any",
 *                "skip": 0, "count": 1, "seconds": 5}, ...]}
 *
 * A POST replaces the whole list ({"faults": []} clears it). Each fault
 * watches CMP requests of its "message" type (default "any"): it lets
 * "skip" of them through (default 0), then hits the next "count" ones
 * (default 1; 0 = all that follow). One fault at most hits a request: the
 * first due in list order. Kinds:
 *   drop      process the request (a certificate is issued and stored, a
 *             certConf recorded), then close the connection without answer
 *   http-500  answer 500 without processing the request
 *   stall     process, then hold the answer for "seconds" (default 5)
 *   corrupt   process, then answer with bytes of the DER flipped
 *   nonce-expired  (bank-registration only) the request's nonce has expired
 * The bank's registration request ("bank-registration") takes http-500 and
 * nonce-expired; the other kinds apply to CMP requests only.
 * GET /test/faults returns {"faults": [...remaining...], "requests": {"ir": N,
 * ...}, "injected": N}. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  TANBA_FAULT_NONE,
  TANBA_FAULT_DROP,
  TANBA_FAULT_HTTP_500,
  TANBA_FAULT_STALL,
  TANBA_FAULT_CORRUPT,
  TANBA_FAULT_NONCE_EXPIRED,
} TanbaFaultKind;

typedef struct _TanbaServerFaults TanbaServerFaults;

TanbaServerFaults *tanba_server_faults_new       (void);
void               tanba_server_faults_free      (TanbaServerFaults  *self);

/* Replaces the fault list from the JSON above. */
gboolean           tanba_server_faults_set       (TanbaServerFaults  *self,
                                                  const char         *json,
                                                  gssize              length,
                                                  GError            **error);
/* Counts a request of @message type and returns the fault to apply. */
TanbaFaultKind     tanba_server_faults_take      (TanbaServerFaults  *self,
                                                  const char         *message,
                                                  guint              *seconds);
char              *tanba_server_faults_to_json   (TanbaServerFaults  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TanbaServerFaults, tanba_server_faults_free)

G_END_DECLS
