/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-cli-sign.c: `tanba-cli sign` and `verify` with the signing key on a
 * SoftHSM token; `openssl cms -verify` checks the signatures independently.
 * The PIN goes through standard input, never the command line. */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "tanba-test-token.h"
#include "tanba-test-x509.h"

static TanbaTestSoftHsm *hsm;
static char *tmp;
static char *ca_pem;
static char *other_ca_pem;
static EVP_PKEY *ca_key;
static X509 *ca_cert;

static char *
tmp_path (const char *name)
{
  return g_build_filename (tmp, name, NULL);
}

static char *
write_document (const char *name,
                const char *text)
{
  char *path = tmp_path (name);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  return path;
}

typedef struct
{
  int   status;
  char *out;
  char *err;
} Run;

static void
run_clear (Run *r)
{
  g_free (r->out);
  g_free (r->err);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

/* tanba-cli --module SOFTHSM --token SERIAL ARGS…, @input on stdin. */
static void
cli (Run        *r,
     guint       token_index,
     const char *input,
     ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  const char *arg;
  va_list args;

  g_ptr_array_add (argv, (gpointer) g_getenv ("TANBA_CLI"));
  g_ptr_array_add (argv, "--module");
  g_ptr_array_add (argv, hsm->module_path);
  g_ptr_array_add (argv, "--token");
  g_ptr_array_add (argv, g_ptr_array_index (hsm->serials, token_index));
  va_start (args, input);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);
  r->status = tanba_test_run ((const char *const *) argv->pdata, input, &r->out, &r->err);
  g_test_message ("exit %d\nout: %s\nerr: %s", r->status, r->out, r->err);
}

static JsonObject *
parse_json (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static int
openssl_verify (const char *document,
                const char *signature,
                const char *anchor)
{
  const char *argv[] = { "openssl", "cms", "-verify", "-binary", "-inform", "DER",
                         "-in", signature, "-content", document, "-CAfile", anchor,
                         "-out", "/dev/null", NULL };
  g_autofree char *err = NULL;

  return tanba_test_run (argv, NULL, NULL, &err);
}

/* Token 0: a signing key and certificate, an authentication one, the CA. */
static void
set_up_token (void)
{
  g_autoptr(TanbaToken) token = tanba_test_softhsm_token (hsm, 0);
  g_autoptr(GError) error = NULL;
  const struct { TanbaKeyAlgorithm algorithm; const char *label; gboolean signing; } keys[] = {
    { TANBA_KEY_P256, "Tanba authentication key", FALSE },
    { TANBA_KEY_RSA2048, "Tanba signing key", TRUE },
  };

  g_assert_true (tanba_token_login (token, TANBA_ROLE_USER, TANBA_FACTORY_USER_PIN, &error));
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_autoptr(TanbaKeyInfo) key = tanba_token_generate_key_pair (token, keys[i].algorithm,
                                                                   keys[i].label, &error);
      EVP_PKEY *public_key;
      X509 *cert;

      g_assert_no_error (error);
      public_key = tanba_token_get_public_key (token, key->id, &error);
      g_assert_no_error (error);
      cert = tanba_test_x509_issue (public_key, ca_cert, ca_key, "Aigerim Bekova", "Tanba Test Bank",
                                    keys[i].signing ? TANBA_TEST_CERT_SIGNING : TANBA_TEST_CERT_AUTHENTICATION,
                                    -60, 86400 * 30);
      g_assert_true (tanba_token_store_certificate (token, cert, key->id, keys[i].label, &error));
      g_assert_no_error (error);
      X509_free (cert);
      EVP_PKEY_free (public_key);
    }
  g_assert_true (tanba_token_logout (token, &error));
}

static void
test_sign_and_verify (void)
{
  g_autofree char *a = write_document ("a.txt", "first document\r\n");
  g_autofree char *b = write_document ("b.bin", "second document");
  g_autofree char *a_sig = g_strconcat (a, ".p7s", NULL);
  g_autofree char *b_sig = g_strconcat (b, ".p7s", NULL);
  g_autoptr(JsonObject) object = NULL;
  JsonArray *signatures;
  g_auto (Run) r = { 0 };
  g_auto (Run) v = { 0 };
  g_auto (Run) t = { 0 };

  cli (&r, 0, TANBA_FACTORY_USER_PIN "\n", "sign", a, b, "--trust-anchor", ca_pem, "--json",
       NULL);
  g_assert_cmpint (r.status, ==, 0);
  object = parse_json (r.out);
  g_assert_cmpstr (json_object_get_string_member (object, "signer"), ==, "Aigerim Bekova");
  g_assert_cmpstr (json_object_get_string_member (object, "organization"), ==,
                   "Tanba Test Bank");
  signatures = json_object_get_array_member (object, "signatures");
  g_assert_cmpuint (json_array_get_length (signatures), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (signatures, 1),
                                                  "signature"), ==, b_sig);
  /* the PIN is not in any output */
  g_assert_null (strstr (r.out, TANBA_FACTORY_USER_PIN));
  g_assert_null (strstr (r.err, TANBA_FACTORY_USER_PIN));

  /* the independent check: the signing (RSA) key signed, not the P-256 one */
  g_assert_cmpint (openssl_verify (a, a_sig, ca_pem), ==, 0);
  g_assert_cmpint (openssl_verify (b, b_sig, ca_pem), ==, 0);

  cli (&v, 0, NULL, "verify", a, "--trust-anchor", ca_pem, NULL);
  g_assert_cmpint (v.status, ==, 0);
  g_assert_nonnull (strstr (v.out, "The signature is valid"));
  g_assert_nonnull (strstr (v.out, "Aigerim Bekova, Tanba Test Bank"));

  /* tampered: exit 1 with the reason; JSON says which */
  g_file_set_contents (b, "second documenT", -1, NULL);
  cli (&t, 0, NULL, "verify", b, b_sig, "--trust-anchor", ca_pem, "--json", NULL);
  g_assert_cmpint (t.status, ==, 1);
  g_clear_pointer (&object, json_object_unref);
  object = parse_json (t.out);
  g_assert_false (json_object_get_boolean_member (object, "valid"));
  g_assert_cmpstr (json_object_get_string_member (object, "verdict"), ==, "tampered");
  g_assert_cmpstr (json_object_get_string_member (object, "signer"), ==, "Aigerim Bekova");
  g_assert_nonnull (json_object_get_string_member (object, "signing_time"));

  /* another trust anchor: untrusted */
  {
    g_auto (Run) u = { 0 };

    cli (&u, 0, NULL, "verify", a, a_sig, "--trust-anchor", other_ca_pem, NULL);
    g_assert_cmpint (u.status, ==, 1);
    g_assert_nonnull (strstr (u.out, "trust anchor"));
  }
}

static void
test_output_option (void)
{
  g_autofree char *a = write_document ("c.txt", "third");
  g_autofree char *sig = tmp_path ("elsewhere.sig");
  g_autofree char *default_sig = g_strconcat (a, ".p7s", NULL);
  g_auto (Run) r = { 0 };
  g_auto (Run) v = { 0 };

  cli (&r, 0, TANBA_FACTORY_USER_PIN "\n", "sign", a, "--output", sig, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "Signed by Aigerim Bekova, Tanba Test Bank"));
  g_assert_true (g_file_test (sig, G_FILE_TEST_IS_REGULAR));
  g_assert_false (g_file_test (default_sig, G_FILE_TEST_EXISTS));
  /* without the trust anchor the chain is not included, but the CAfile has the root */
  g_assert_cmpint (openssl_verify (a, sig, ca_pem), ==, 0);
  cli (&v, 0, NULL, "verify", a, sig, "--trust-anchor", ca_pem, NULL);
  g_assert_cmpint (v.status, ==, 0);
}

static void
test_wrong_pin (void)
{
  g_autofree char *a = write_document ("d.txt", "fourth");
  g_autofree char *sig = g_strconcat (a, ".p7s", NULL);
  g_auto (Run) r = { 0 };

  cli (&r, 0, "00000000\n", "sign", a, NULL);
  g_assert_cmpint (r.status, ==, 4);
  g_assert_false (g_file_test (sig, G_FILE_TEST_EXISTS));
}

/* A token without a signing certificate: refused before any PIN is read
 * (no input given: reading one would fail differently). */
static void
test_no_certificate (void)
{
  g_autofree char *a = write_document ("e.txt", "fifth");
  g_auto (Run) r = { 0 };

  cli (&r, 1, NULL, "sign", a, NULL);
  g_assert_cmpint (r.status, ==, 6);
  g_assert_nonnull (strstr (r.err, "no signing certificate"));
}

static void
test_usage (void)
{
  g_autofree char *a = write_document ("f.txt", "sixth");
  g_autofree char *missing = tmp_path ("missing.txt");
  g_autofree char *not_signature = write_document ("f.txt.p7s", "not a signature");
  g_auto (Run) r1 = { 0 };
  g_auto (Run) r2 = { 0 };
  g_auto (Run) r3 = { 0 };
  g_auto (Run) r4 = { 0 };
  g_auto (Run) r5 = { 0 };
  g_auto (Run) r6 = { 0 };

  cli (&r1, 0, NULL, "sign", NULL);
  g_assert_cmpint (r1.status, ==, 2);
  cli (&r2, 0, NULL, "sign", missing, NULL);
  g_assert_cmpint (r2.status, ==, 2);
  cli (&r3, 0, NULL, "sign", a, a, "--output", "x.p7s", NULL);
  g_assert_cmpint (r3.status, ==, 2);
  /* no trust anchor given and none set */
  cli (&r4, 0, NULL, "verify", a, NULL);
  g_assert_cmpint (r4.status, ==, 2);
  cli (&r5, 0, NULL, "verify", a, "--trust-anchor", ca_pem, "--json", NULL);
  g_assert_cmpint (r5.status, ==, 1);
  g_assert_nonnull (strstr (r5.out, "\"not-signature\""));
  cli (&r6, 0, NULL, "verify", missing, not_signature, "--trust-anchor", ca_pem, NULL);
  g_assert_cmpint (r6.status, ==, 1);
  g_assert_nonnull (strstr (r6.err, "missing.txt"));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  EVP_PKEY *other_key;
  X509 *other_cert;
  int status;

  g_test_init (&argc, &argv, NULL);
  tmp = g_dir_make_tmp ("tanba-test-cli-sign-XXXXXX", &error);
  g_assert_no_error (error);
  ca_key = EVP_EC_gen ("P-256");
  ca_cert = tanba_test_x509_issue (ca_key, NULL, ca_key, "Tanba Test Root", "Tanba Test Bank", TANBA_TEST_CERT_CA,
                                  -60, 86400 * 30);
  ca_pem = tmp_path ("ca.pem");
  tanba_test_x509_write_pem (ca_pem, ca_cert);
  other_key = EVP_EC_gen ("P-256");
  other_cert = tanba_test_x509_issue (other_key, NULL, other_key, "Other Root", "Tanba Test Bank",
                                     TANBA_TEST_CERT_CA, -60, 86400 * 30);
  other_ca_pem = tmp_path ("other.pem");
  tanba_test_x509_write_pem (other_ca_pem, other_cert);

  hsm = tanba_test_softhsm_new (2);
  set_up_token ();

  g_test_add_func ("/cli-sign/sign-and-verify", test_sign_and_verify);
  g_test_add_func ("/cli-sign/output", test_output_option);
  g_test_add_func ("/cli-sign/wrong-pin", test_wrong_pin);
  g_test_add_func ("/cli-sign/no-certificate", test_no_certificate);
  g_test_add_func ("/cli-sign/usage", test_usage);
  status = g_test_run ();

  tanba_test_softhsm_free (hsm);
  X509_free (ca_cert);
  X509_free (other_cert);
  EVP_PKEY_free (ca_key);
  EVP_PKEY_free (other_key);
  if (g_getenv ("TANBA_TEST_KEEP") == NULL)
    {
      g_autoptr(GDir) dir = g_dir_open (tmp, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *path = tmp_path (name);

          g_unlink (path);
        }
      g_rmdir (tmp);
    }
  g_free (tmp);
  return status;
}
