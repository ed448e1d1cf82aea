/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-server-units.c: unit tests of the reference server's library: DER
 * readers for fields OpenSSL 3.0 has no getter for, sealing of secrets,
 * fault switch rules. */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <openssl/cmp.h>
#include <openssl/crmf.h>
#include <openssl/evp.h>

#include "tanba-server-der.h"
#include "tanba-server-error.h"
#include "tanba-server-faults.h"
#include "tanba-server-sealing.h"

static void
test_template_public_key (void)
{
  EVP_PKEY *key = EVP_EC_gen ("P-256");
  OSSL_CRMF_MSG *crm = OSSL_CRMF_MSG_new ();
  OSSL_CRMF_CERTTEMPLATE *tmpl = OSSL_CRMF_MSG_get0_tmpl (crm);
  EVP_PKEY *read;
  gint64 not_before = 0, not_after = 0;

  /* nothing in the template yet */
  g_assert_null (tanba_der_template_public_key (tmpl));
  g_assert_true (tanba_der_template_validity (tmpl, &not_before, &not_after));
  g_assert_cmpint (not_before, ==, -1);
  g_assert_cmpint (not_after, ==, -1);

  g_assert_true (OSSL_CRMF_CERTTEMPLATE_fill (tmpl, key, NULL, NULL, NULL));
  read = tanba_der_template_public_key (tmpl);
  g_assert_nonnull (read);
  g_assert_cmpint (EVP_PKEY_eq (read, key), ==, 1);

  EVP_PKEY_free (read);
  EVP_PKEY_free (key);
  OSSL_CRMF_MSG_free (crm);
}

static void
test_template_validity (void)
{
  OSSL_CRMF_MSG *crm = OSSL_CRMF_MSG_new ();
  gint64 not_before = 0, not_after = 0;

  /* 2030-01-01 and 2061-06-01 (GeneralizedTime after 2049) */
  g_assert_true (OSSL_CRMF_MSG_set0_validity (crm, ASN1_TIME_set (NULL, 1893456000),
                                              ASN1_TIME_set (NULL, 2885068800LL)));
  g_assert_true (tanba_der_template_validity (OSSL_CRMF_MSG_get0_tmpl (crm),
                                              &not_before, &not_after));
  g_assert_cmpint (not_before, ==, 1893456000);
  g_assert_cmpint (not_after, ==, 2885068800LL);
  OSSL_CRMF_MSG_free (crm);

  crm = OSSL_CRMF_MSG_new ();
  g_assert_true (OSSL_CRMF_MSG_set0_validity (crm, NULL, ASN1_TIME_set (NULL, 1893456000)));
  g_assert_true (tanba_der_template_validity (OSSL_CRMF_MSG_get0_tmpl (crm),
                                              &not_before, &not_after));
  g_assert_cmpint (not_before, ==, -1);
  g_assert_cmpint (not_after, ==, 1893456000);
  OSSL_CRMF_MSG_free (crm);
}

static void
test_der_reader (void)
{
  /* SEQUENCE { INTEGER 5, [2] { OCTET STRING "ab" } } with a long length */
  static const guint8 der[] = { 0x30, 0x81, 0x09, 0x02, 0x01, 0x05, 0xa2, 0x04,
                                0x04, 0x02, 'a', 'b' };
  const guint8 *cursor = der;
  TanbaDerTlv tlv, inner;

  g_assert_true (tanba_der_next (&cursor, der + sizeof der, &tlv));
  g_assert_cmpuint (tlv.tag, ==, 0x30);
  g_assert_cmpuint (tlv.length, ==, 9);
  g_assert_cmpuint (tlv.total, ==, sizeof der);
  g_assert_true (cursor == der + sizeof der);

  cursor = tlv.value;
  g_assert_true (tanba_der_next (&cursor, tlv.value + tlv.length, &inner));
  g_assert_cmpuint (inner.tag, ==, 0x02);
  g_assert_true (tanba_der_next (&cursor, tlv.value + tlv.length, &inner));
  g_assert_cmpuint (inner.tag, ==, 0xa2);

  /* truncated, indefinite length, high tag number */
  cursor = der;
  g_assert_false (tanba_der_next (&cursor, der + 5, &tlv));
  {
    static const guint8 indefinite[] = { 0x30, 0x80, 0x00, 0x00 };
    static const guint8 high_tag[] = { 0x1f, 0x81, 0x01, 0x00 };

    cursor = indefinite;
    g_assert_false (tanba_der_next (&cursor, indefinite + sizeof indefinite, &tlv));
    cursor = high_tag;
    g_assert_false (tanba_der_next (&cursor, high_tag + sizeof high_tag, &tlv));
  }
}

static void
test_pkisi_status (void)
{
  OSSL_CMP_PKISI *si;

  si = OSSL_CMP_STATUSINFO_new (OSSL_CMP_PKISTATUS_rejection,
                                1 << OSSL_CMP_PKIFAILUREINFO_badPOP, "text");
  g_assert_cmpint (tanba_der_pkisi_status (si), ==, OSSL_CMP_PKISTATUS_rejection);
  OSSL_CMP_PKISI_free (si);

  si = OSSL_CMP_STATUSINFO_new (OSSL_CMP_PKISTATUS_accepted, 0, NULL);
  g_assert_cmpint (tanba_der_pkisi_status (si), ==, OSSL_CMP_PKISTATUS_accepted);
  OSSL_CMP_PKISI_free (si);

  g_assert_cmpint (tanba_der_pkisi_status (NULL), ==, -1);
}

static gboolean
contains (GBytes     *bytes,
          const char *text)
{
  gsize length = 0, n = strlen (text);
  const guint8 *data = g_bytes_get_data (bytes, &length);

  for (gsize i = 0; i + n <= length; i++)
    if (memcmp (data + i, text, n) == 0)
      return TRUE;
  return FALSE;
}

static void
test_sealing (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("tanba-sealing-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "sealing.key", NULL);
  g_autoptr(TanbaServerSealer) sealer = NULL;
  g_autoptr(GBytes) sealed = NULL;
  g_autoptr(GBytes) opened = NULL;
  g_autoptr(GBytes) tampered = NULL;
  GStatBuf st;
  guint8 *copy;
  gsize length;

  g_assert_true (tanba_server_sealer_create_key (path, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_false (tanba_server_sealer_create_key (path, &error)); /* never overwritten */
  g_clear_error (&error);

  sealer = tanba_server_sealer_new (path, &error);
  g_assert_no_error (error);

  sealed = tanba_server_sealer_seal (sealer, "qq111111_qwertyui", "ABCDEFGHJK2", 11, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (sealed), ==, 12 + 11 + 16);
  g_assert_false (contains (sealed, "ABCDEFGHJK2"));

  opened = tanba_server_sealer_open (sealer, "qq111111_qwertyui", sealed, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (opened, NULL), g_bytes_get_size (opened), "ABCDEFGHJK2", 11);

  /* bound to the user ID */
  g_assert_null (tanba_server_sealer_open (sealer, "qq222222_qwertyui", sealed, &error));
  g_assert_error (error, TANBA_SERVER_ERROR, TANBA_SERVER_ERROR_CRYPTO);
  g_clear_error (&error);

  /* and to its bytes */
  copy = g_bytes_unref_to_data (g_bytes_ref (sealed), &length);
  copy[14] ^= 1;
  tampered = g_bytes_new_take (copy, length);
  g_assert_null (tanba_server_sealer_open (sealer, "qq111111_qwertyui", tampered, &error));
  g_assert_error (error, TANBA_SERVER_ERROR, TANBA_SERVER_ERROR_CRYPTO);

  g_unlink (path);
  g_rmdir (dir);
}

static void
test_faults (void)
{
  g_autoptr(TanbaServerFaults) faults = tanba_server_faults_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  guint seconds = 0;

  g_assert_cmpint (tanba_server_faults_take (faults, "ir", &seconds), ==, TANBA_FAULT_NONE);

  g_assert_true (tanba_server_faults_set (faults,
    "{\"faults\": [{\"kind\": \"drop\", \"message\": \"ir\", \"skip\": 1},"
    "              {\"kind\": \"stall\", \"message\": \"certConf\", \"seconds\": 2, \"count\": 2},"
    "              {\"kind\": \"http-500\", \"count\": 0}]}", -1, &error));
  g_assert_no_error (error);

  /* ir #2 of the fault's count is dropped; "any" (500) catches the rest */
  g_assert_cmpint (tanba_server_faults_take (faults, "ir", &seconds), ==, TANBA_FAULT_HTTP_500);
  g_assert_cmpint (tanba_server_faults_take (faults, "ir", &seconds), ==, TANBA_FAULT_DROP);
  g_assert_cmpint (tanba_server_faults_take (faults, "certConf", &seconds), ==, TANBA_FAULT_STALL);
  g_assert_cmpuint (seconds, ==, 2);
  g_assert_cmpint (tanba_server_faults_take (faults, "certConf", &seconds), ==, TANBA_FAULT_STALL);
  g_assert_cmpint (tanba_server_faults_take (faults, "certConf", &seconds), ==,
                   TANBA_FAULT_HTTP_500);

  json = tanba_server_faults_to_json (faults);
  g_assert_nonnull (strstr (json, "\"ir\":3"));
  g_assert_nonnull (strstr (json, "\"certConf\":3"));
  g_assert_nonnull (strstr (json, "\"injected\":5"));

  g_assert_true (tanba_server_faults_set (faults, "{\"faults\": []}", -1, &error));
  g_assert_cmpint (tanba_server_faults_take (faults, "ir", &seconds), ==, TANBA_FAULT_NONE);

  g_assert_false (tanba_server_faults_set (faults, "{\"faults\": [{\"kind\": \"x\"}]}", -1,
                                           &error));
  g_assert_error (error, TANBA_SERVER_ERROR, TANBA_SERVER_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (tanba_server_faults_set (faults, "{\"faults\": [{\"kind\": \"stall\", "
                                                   "\"seconds\": -1}]}", -1, &error));
  g_clear_error (&error);
  g_assert_false (tanba_server_faults_set (faults, "[]", -1, &error));
  g_clear_error (&error);
  g_assert_false (tanba_server_faults_set (faults, "not json", -1, &error));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/server/der/template-public-key", test_template_public_key);
  g_test_add_func ("/server/der/template-validity", test_template_validity);
  g_test_add_func ("/server/der/reader", test_der_reader);
  g_test_add_func ("/server/der/pkisi-status", test_pkisi_status);
  g_test_add_func ("/server/sealing", test_sealing);
  g_test_add_func ("/server/faults/rules", test_faults);
  return g_test_run ();
}
