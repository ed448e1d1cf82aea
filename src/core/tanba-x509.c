/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <openssl/bn.h>
#include <openssl/err.h>

#include "tanba-x509.h"

char *
tanba_x509_subject_entry (X509 *certificate,
                          int   nid)
{
  const X509_NAME *name;
  unsigned char *utf8 = NULL;
  char *text;
  int index, length;

  g_return_val_if_fail (certificate != NULL, NULL);

  name = X509_get_subject_name (certificate);
  index = X509_NAME_get_index_by_NID (name, nid, -1);
  if (index < 0)
    return NULL;
  length = ASN1_STRING_to_UTF8 (&utf8, X509_NAME_ENTRY_get_data (X509_NAME_get_entry (name, index)));
  if (length < 0)
    {
      ERR_clear_error ();
      return NULL;
    }
  text = g_utf8_make_valid ((const char *) utf8, length);
  OPENSSL_free (utf8);
  return text;
}

char *
tanba_x509_serial_hex (X509 *certificate)
{
  BIGNUM *bn;
  char *hex, *text;

  g_return_val_if_fail (certificate != NULL, NULL);

  bn = ASN1_INTEGER_to_BN (X509_get0_serialNumber (certificate), NULL);
  hex = bn != NULL ? BN_bn2hex (bn) : NULL;
  text = g_strdup (hex != NULL ? hex : "");
  OPENSSL_free (hex);
  BN_free (bn);
  return text;
}
