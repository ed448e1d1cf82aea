/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-server-der.h: reading the few CMP/CRMF fields that OpenSSL 3.0 has no
 * getter for, straight from their DER encoding.
 *
 * OpenSSL 3.0 lacks OSSL_CRMF_CERTTEMPLATE_get0_publicKey (3.2+), a getter
 * for the template's validity, for the header's senderKID, protectionAlg and
 * sender, and for the message's extraCerts. The encodings are fixed by
 * RFC 4211 (CRMF, implicit tags) and RFC 4210 (CMP, explicit tags), so a
 * small definite-length DER walker is enough. */
#pragma once

#include <glib.h>
#include <openssl/cmp.h>
#include <openssl/crmf.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

G_BEGIN_DECLS

typedef struct
{
  guint8        tag;    /* identifier octet (low tag numbers only) */
  const guint8 *start;  /* first octet of the TLV */
  const guint8 *value;  /* first octet of the contents */
  gsize         length; /* length of the contents */
  gsize         total;  /* length of the whole TLV */
} TanbaDerTlv;

/* Reads the TLV at *cursor (before @end) and moves *cursor past it. */
gboolean  tanba_der_next                  (const guint8 **cursor,
                                           const guint8  *end,
                                           TanbaDerTlv   *tlv);

/* The template's publicKey ([6] IMPLICIT SubjectPublicKeyInfo), or NULL. */
EVP_PKEY *tanba_der_template_public_key   (const OSSL_CRMF_CERTTEMPLATE *tmpl);

/* The template's validity ([4] OptionalValidity) as Unix times; a missing
 * bound is -1. Returns FALSE only if the field is malformed. */
gboolean  tanba_der_template_validity     (const OSSL_CRMF_CERTTEMPLATE *tmpl,
                                           gint64                       *not_before,
                                           gint64                       *not_after);

typedef struct
{
  int        protection_nid; /* NID of header.protectionAlg, NID_undef if none */
  GBytes    *sender_kid;     /* header.senderKID, or NULL */
  X509_NAME *sender;         /* header.sender if a directoryName, or NULL */
  GPtrArray *extra_certs;    /* X509 * from extraCerts, in message order */
} TanbaDerMessageInfo;

/* Parses the header and extraCerts of a DER-encoded PKIMessage. */
gboolean  tanba_der_message_info          (const guint8        *der,
                                           gsize                length,
                                           TanbaDerMessageInfo *info);
void      tanba_der_message_info_clear    (TanbaDerMessageInfo *info);

/* The PKIStatus of @si (0 = accepted ... 6 = keyUpdateWarning), or -1. */
int       tanba_der_pkisi_status          (const OSSL_CMP_PKISI *si);

G_END_DECLS
