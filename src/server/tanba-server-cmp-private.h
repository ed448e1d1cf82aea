/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-server-cmp-private.h: the CMP server's transactions and requesters,
 * shared by tanba-server-cmp.c (transactions, certConf, rr) and
 * tanba-server-cmp-request.c (ir and kur). */
#pragma once

#include <openssl/cmp.h>
#include <openssl/crmf.h>

#include "tanba-server-cmp.h"

G_BEGIN_DECLS

/* Certificate terms */
#define DEFAULT_TERM_DAYS 365
#define MAX_TERM_YEARS    3
#define MIN_TERM_SECONDS  86400
#define BACKDATE_SECONDS  60

struct _TanbaServerCmp
{
  TanbaServerCa     *ca;
  TanbaServerStore  *store;
  TanbaServerSealer *sealer;
  GHashTable        *transactions; /* transactionID (hex) -> Transaction */
};

typedef enum
{
  REQUESTER_NONE,     /* protection not recognised (OpenSSL rejects it anyway) */
  REQUESTER_MAC,      /* PBM with user ID + OTP PIN */
  REQUESTER_INIT_KEY, /* signature with the user's init key */
  REQUESTER_CERT,     /* signature with a certificate this CA issued */
} RequesterKind;

typedef struct
{
  RequesterKind    kind;
  char            *user_id;
  gint64           id;      /* init_keys.id or certificates.id */
  gboolean         retired; /* init key already used for a complete registration */
  TanbaCertRecord *cert;    /* for REQUESTER_CERT */
  X509            *signer;  /* the certificate whose key signed the message */
} Requester;

typedef struct
{
  TanbaServerCmp   *cmp;
  char             *id;        /* transactionID, hex */
  OSSL_CMP_SRV_CTX *srv;
  gint64            last_used; /* monotonic, µs */
  Requester         requester; /* who opened the transaction */
  Requester         current;   /* who sent the message being processed */
  int               current_protection;
  gint64            cert_id;   /* certificate sent in ip/kup, awaiting certConf */
  gboolean          awaiting_conf;
} Transaction;

/* A PKIStatusInfo "rejection" with @failure (an OSSL_CMP_PKIFAILUREINFO bit)
 * and the words, which are also logged. */
OSSL_CMP_PKISI *tanba_server_cmp_reject     (int                   failure,
                                             const char           *format,
                                             ...) G_GNUC_PRINTF (2, 3);
/* OpenSSL's certificate request callback: ir and kur. */
OSSL_CMP_PKISI *tanba_server_cmp_request_cb (OSSL_CMP_SRV_CTX     *srv,
                                             const OSSL_CMP_MSG   *req,
                                             int                   cert_req_id,
                                             const OSSL_CRMF_MSG  *crm,
                                             const X509_REQ       *p10cr,
                                             X509                **cert_out,
                                             STACK_OF (X509)     **chain_out,
                                             STACK_OF (X509)     **ca_pubs);

G_END_DECLS
