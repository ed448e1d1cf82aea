/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-server-der.c: reading CMP/CRMF fields OpenSSL 3.0 has no getter for. */

#include "config.h"

#include "tanba-server-der.h"

#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/objects.h>

#define DER_SEQUENCE     0x30
#define DER_INTEGER      0x02
#define DER_OCTET_STRING 0x04
#define DER_CONTEXT(n)   (0xa0 | (n)) /* context-specific, constructed */

gboolean
tanba_der_next (const guint8 **cursor,
                const guint8  *end,
                TanbaDerTlv   *tlv)
{
  const guint8 *p = *cursor;
  gsize avail, length = 0, header = 2;

  if (p == NULL || end <= p || end - p < 2)
    return FALSE;
  avail = end - p;

  if ((p[0] & 0x1f) == 0x1f)
    return FALSE; /* high tag numbers do not occur in CMP */

  if (p[1] < 0x80)
    length = p[1];
  else
    {
      guint n = p[1] & 0x7f;

      if (n == 0 || n > 4 || avail < 2 + n)
        return FALSE; /* indefinite length is not DER */
      for (guint i = 0; i < n; i++)
        length = (length << 8) | p[2 + i];
      header += n;
    }

  if (length > avail - header)
    return FALSE;

  tlv->tag = p[0];
  tlv->start = p;
  tlv->value = p + header;
  tlv->length = length;
  tlv->total = header + length;
  *cursor = p + tlv->total;
  return TRUE;
}

/* Finds the context-tagged field [@number] among the contents of @seq. */
static gboolean
find_context_field (const guint8 *contents,
                    gsize         length,
                    guint         number,
                    TanbaDerTlv  *out)
{
  const guint8 *cursor = contents, *end = contents + length;
  TanbaDerTlv tlv;

  while (cursor < end)
    {
      if (!tanba_der_next (&cursor, end, &tlv))
        return FALSE;
      if (tlv.tag == DER_CONTEXT (number))
        {
          *out = tlv;
          return TRUE;
        }
    }
  return FALSE;
}

/* DER of the template; the caller frees it with OPENSSL_free. */
static int
template_der (const OSSL_CRMF_CERTTEMPLATE *tmpl,
              unsigned char               **der,
              TanbaDerTlv                  *outer)
{
  const guint8 *cursor;
  int length;

  *der = NULL;
  length = i2d_OSSL_CRMF_CERTTEMPLATE ((OSSL_CRMF_CERTTEMPLATE *) tmpl, der);
  if (length <= 0)
    return -1;
  cursor = *der;
  if (!tanba_der_next (&cursor, *der + length, outer) || outer->tag != DER_SEQUENCE)
    return -1;
  return length;
}

EVP_PKEY *
tanba_der_template_public_key (const OSSL_CRMF_CERTTEMPLATE *tmpl)
{
  unsigned char *der = NULL;
  g_autofree guint8 *spki = NULL;
  const unsigned char *p;
  TanbaDerTlv outer, field;
  EVP_PKEY *pkey = NULL;

  if (tmpl == NULL || template_der (tmpl, &der, &outer) < 0)
    goto out;

  /* publicKey [6] IMPLICIT SubjectPublicKeyInfo: same contents, other tag */
  if (!find_context_field (outer.value, outer.length, 6, &field))
    goto out;
  spki = g_memdup2 (field.start, field.total);
  spki[0] = DER_SEQUENCE;
  p = spki;
  pkey = d2i_PUBKEY (NULL, &p, field.total);
  if (pkey != NULL && p != spki + field.total)
    g_clear_pointer (&pkey, EVP_PKEY_free);

out:
  OPENSSL_free (der);
  return pkey;
}

static gboolean
read_time (const TanbaDerTlv *explicit_field,
           gint64            *when)
{
  const unsigned char *p = explicit_field->value;
  ASN1_TIME *t;
  struct tm tm = { 0 };
  gboolean ok;

  t = d2i_ASN1_TIME (NULL, &p, explicit_field->length);
  if (t == NULL)
    return FALSE;
  ok = ASN1_TIME_to_tm (t, &tm) == 1;
  ASN1_TIME_free (t);
  if (ok)
    *when = (gint64) timegm (&tm);
  return ok;
}

gboolean
tanba_der_template_validity (const OSSL_CRMF_CERTTEMPLATE *tmpl,
                             gint64                       *not_before,
                             gint64                       *not_after)
{
  unsigned char *der = NULL;
  TanbaDerTlv outer, validity, bound;
  const guint8 *cursor, *end;
  gboolean ok = FALSE;

  *not_before = -1;
  *not_after = -1;

  if (tmpl == NULL || template_der (tmpl, &der, &outer) < 0)
    goto out;

  /* validity [4] IMPLICIT OptionalValidity { notBefore [0] Time OPTIONAL,
   * notAfter [1] Time OPTIONAL }, where Time, a CHOICE, is tagged explicitly */
  if (!find_context_field (outer.value, outer.length, 4, &validity))
    {
      ok = TRUE;
      goto out;
    }

  cursor = validity.value;
  end = validity.value + validity.length;
  while (cursor < end)
    {
      if (!tanba_der_next (&cursor, end, &bound))
        goto out;
      if (bound.tag == DER_CONTEXT (0))
        {
          if (!read_time (&bound, not_before))
            goto out;
        }
      else if (bound.tag == DER_CONTEXT (1))
        {
          if (!read_time (&bound, not_after))
            goto out;
        }
      else
        goto out;
    }
  ok = TRUE;

out:
  OPENSSL_free (der);
  return ok;
}

static gboolean
parse_header (const TanbaDerTlv   *header,
              TanbaDerMessageInfo *info)
{
  const guint8 *cursor = header->value, *end = header->value + header->length;
  TanbaDerTlv pvno, sender, recipient, field;

  /* PKIHeader ::= SEQUENCE { pvno INTEGER, sender GeneralName,
   *   recipient GeneralName, messageTime [0], protectionAlg [1],
   *   senderKID [2], ... } with explicit tags (RFC 4210) */
  if (!tanba_der_next (&cursor, end, &pvno) || pvno.tag != DER_INTEGER
      || !tanba_der_next (&cursor, end, &sender)
      || !tanba_der_next (&cursor, end, &recipient))
    return FALSE;

  /* GeneralName directoryName [4] Name (explicit: Name is a CHOICE) */
  if (sender.tag == DER_CONTEXT (4))
    {
      const unsigned char *p = sender.value;

      info->sender = d2i_X509_NAME (NULL, &p, sender.length);
    }

  while (cursor < end)
    {
      if (!tanba_der_next (&cursor, end, &field))
        return FALSE;

      if (field.tag == DER_CONTEXT (1))
        {
          const unsigned char *p = field.value;
          X509_ALGOR *alg = d2i_X509_ALGOR (NULL, &p, field.length);
          const ASN1_OBJECT *oid = NULL;

          if (alg == NULL)
            return FALSE;
          X509_ALGOR_get0 (&oid, NULL, NULL, alg);
          info->protection_nid = OBJ_obj2nid (oid);
          X509_ALGOR_free (alg);
        }
      else if (field.tag == DER_CONTEXT (2))
        {
          const guint8 *inner = field.value;
          TanbaDerTlv kid;

          if (!tanba_der_next (&inner, field.value + field.length, &kid)
              || kid.tag != DER_OCTET_STRING)
            return FALSE;
          info->sender_kid = g_bytes_new (kid.value, kid.length);
        }
    }
  return TRUE;
}

gboolean
tanba_der_message_info (const guint8        *der,
                        gsize                length,
                        TanbaDerMessageInfo *info)
{
  const guint8 *cursor = der, *end = der + length;
  TanbaDerTlv message, header, body, field;

  memset (info, 0, sizeof *info);
  info->protection_nid = NID_undef;
  info->extra_certs = g_ptr_array_new_with_free_func ((GDestroyNotify) X509_free);

  if (!tanba_der_next (&cursor, end, &message) || message.tag != DER_SEQUENCE)
    goto fail;

  cursor = message.value;
  end = message.value + message.length;
  if (!tanba_der_next (&cursor, end, &header) || header.tag != DER_SEQUENCE
      || !tanba_der_next (&cursor, end, &body)
      || !parse_header (&header, info))
    goto fail;

  /* protection [0] PKIProtection OPTIONAL,
   * extraCerts [1] SEQUENCE SIZE (1..MAX) OF CMPCertificate OPTIONAL */
  while (cursor < end)
    {
      if (!tanba_der_next (&cursor, end, &field))
        goto fail;
      if (field.tag == DER_CONTEXT (1))
        {
          const guint8 *inner = field.value, *inner_end = field.value + field.length;
          TanbaDerTlv list, cert;

          if (!tanba_der_next (&inner, inner_end, &list) || list.tag != DER_SEQUENCE)
            goto fail;
          inner = list.value;
          inner_end = list.value + list.length;
          while (inner < inner_end)
            {
              const unsigned char *p;
              X509 *x509;

              if (!tanba_der_next (&inner, inner_end, &cert))
                goto fail;
              p = cert.start;
              x509 = d2i_X509 (NULL, &p, cert.total);
              if (x509 != NULL)
                g_ptr_array_add (info->extra_certs, x509);
            }
        }
    }
  return TRUE;

fail:
  tanba_der_message_info_clear (info);
  return FALSE;
}

void
tanba_der_message_info_clear (TanbaDerMessageInfo *info)
{
  g_clear_pointer (&info->sender_kid, g_bytes_unref);
  g_clear_pointer (&info->sender, X509_NAME_free);
  g_clear_pointer (&info->extra_certs, g_ptr_array_unref);
  info->protection_nid = NID_undef;
}

int
tanba_der_pkisi_status (const OSSL_CMP_PKISI *si)
{
  unsigned char *der = NULL;
  const guint8 *cursor;
  TanbaDerTlv outer, status;
  int length, result = -1;

  if (si == NULL)
    return -1;
  length = i2d_OSSL_CMP_PKISI ((OSSL_CMP_PKISI *) si, &der);
  if (length <= 0)
    return -1;

  /* PKIStatusInfo ::= SEQUENCE { status PKIStatus (INTEGER), ... } */
  cursor = der;
  if (tanba_der_next (&cursor, der + length, &outer) && outer.tag == DER_SEQUENCE)
    {
      cursor = outer.value;
      if (tanba_der_next (&cursor, outer.value + outer.length, &status)
          && status.tag == DER_INTEGER && status.length == 1)
        result = status.value[0];
    }
  OPENSSL_free (der);
  return result;
}
