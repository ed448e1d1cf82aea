/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Key pairs, certificates and data objects on a SoftHSM token. */
#include "config.h"

#include <string.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "tanba-registration-marker.h"
#include "tanba-test-token.h"
#include "tanba-token-error.h"
#include "tanba-token-private.h"

static TanbaTestSoftHsm *hsm;

enum { TOKEN_KEYS, TOKEN_CERTS, TOKEN_DATA, TOKEN_NO_LOGIN, TOKEN_TOGETHER, N_TOKENS };

/* Signs with the token's key and verifies with the public key read back. */
static void
assert_signs (TanbaToken *token,
              GBytes     *id)
{
  g_autoptr(GError) error = NULL;
  EVP_PKEY *private_key = tanba_token_get_private_key (token, id, &error);
  EVP_PKEY *public_key = NULL;
  const unsigned char message[] = "payment order 42";
  unsigned char signature[512];
  size_t signature_len = sizeof signature;
  EVP_MD_CTX *ctx;

  g_assert_no_error (error);
  g_assert_nonnull (private_key);
  public_key = tanba_token_get_public_key (token, id, &error);
  g_assert_no_error (error);

  ctx = EVP_MD_CTX_new ();
  g_assert_cmpint (EVP_DigestSignInit (ctx, NULL, EVP_sha256 (), NULL, private_key), ==, 1);
  g_assert_cmpint (EVP_DigestSign (ctx, signature, &signature_len, message, sizeof message), ==, 1);
  EVP_MD_CTX_free (ctx);

  ctx = EVP_MD_CTX_new ();
  g_assert_cmpint (EVP_DigestVerifyInit (ctx, NULL, EVP_sha256 (), NULL, public_key), ==, 1);
  g_assert_cmpint (EVP_DigestVerify (ctx, signature, signature_len, message, sizeof message), ==, 1);
  EVP_MD_CTX_free (ctx);

  EVP_PKEY_free (private_key);
  EVP_PKEY_free (public_key);
}

static void
test_keygen (void)
{
  g_autoptr(TanbaToken) token = tanba_test_softhsm_token (hsm, TOKEN_KEYS);
  g_autoptr(GError) error = NULL;
  g_autoptr(TanbaKeyInfo) rsa = NULL;
  g_autoptr(TanbaKeyInfo) ec = NULL;
  g_autoptr(GPtrArray) keys = NULL;
  g_autofree char *listing = NULL;
  g_autofree char *rsa_hex = NULL;
  g_autofree char *ec_hex = NULL;

  g_assert_true (tanba_token_login (token, TANBA_ROLE_USER, TANBA_FACTORY_USER_PIN, &error));
  rsa = tanba_token_generate_key_pair (token, TANBA_KEY_RSA2048, "Tanba signing key", &error);
  g_assert_no_error (error);
  ec = tanba_token_generate_key_pair (token, TANBA_KEY_P256, "Tanba authentication key", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (rsa->id), ==, 16);
  g_assert_cmpuint (g_bytes_get_size (ec->id), ==, 16);
  g_assert_false (g_bytes_equal (rsa->id, ec->id));

  keys = tanba_token_list_keys (token, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (keys->len, ==, 2);
  for (guint i = 0; i < keys->len; i++)
    {
      TanbaKeyInfo *key = g_ptr_array_index (keys, i);

      g_assert_true (key->has_private);
      if (g_bytes_equal (key->id, rsa->id))
        g_assert_cmpuint (key->bits, ==, 2048);
      else
        g_assert_cmpuint (key->algorithm, ==, TANBA_KEY_P256);
    }

  assert_signs (token, rsa->id);
  assert_signs (token, ec->id);

  /* Checked independently: pkcs11-tool lists both private keys with their type. */
  listing = tanba_test_pkcs11_tool_objects (hsm, tanba_token_get_slot_id (token), TANBA_FACTORY_USER_PIN);
  rsa_hex = tanba_id_to_hex (rsa->id);
  ec_hex = tanba_id_to_hex (ec->id);
  g_assert_nonnull (strstr (listing, "Private Key Object; RSA"));
  g_assert_nonnull (strstr (listing, "Private Key Object; EC"));
  g_assert_nonnull (strstr (listing, rsa_hex));
  g_assert_nonnull (strstr (listing, ec_hex));
  g_assert_nonnull (strstr (listing, "Tanba signing key"));
  g_assert_nonnull (strstr (listing, "never extractable"));

  /* Delete one pair: both halves go, the other pair stays. */
  g_assert_true (tanba_token_delete_key (token, rsa->id, &error));
  g_assert_no_error (error);
  g_clear_pointer (&keys, g_ptr_array_unref);
  keys = tanba_token_list_keys (token, &error);
  g_assert_cmpuint (keys->len, ==, 1);
  g_assert_false (tanba_token_delete_key (token, rsa->id, &error));
  g_assert_error (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_NOT_FOUND);
}

/* Two key pairs generated at the same time (each in a session of its own):
 * both there, each with its own ID and label, each private key signing for
 * its public key, as pkcs11-tool sees them too. */
static void
test_keygen_together (void)
{
  static const char * const labels[] = { "Tanba signing key", "Tanba authentication key" };
  g_autoptr(TanbaToken) token = tanba_test_softhsm_token (hsm, TOKEN_TOGETHER);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) keys = NULL;
  g_autofree char *listing = NULL;
  TanbaKeyInfo *made[2] = { NULL, NULL };

  g_assert_true (tanba_token_login (token, TANBA_ROLE_USER, TANBA_FACTORY_USER_PIN, &error));
  g_assert_true (tanba_token_generate_key_pairs (token, TANBA_KEY_RSA2048, labels, 2, made, &error));
  g_assert_no_error (error);
  g_assert_nonnull (made[0]);
  g_assert_nonnull (made[1]);
  g_assert_cmpuint (g_bytes_get_size (made[0]->id), ==, TANBA_KEY_ID_SIZE);
  g_assert_false (g_bytes_equal (made[0]->id, made[1]->id));

  keys = tanba_token_list_keys (token, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (keys->len, ==, 2);
  listing = tanba_test_pkcs11_tool_objects (hsm, tanba_token_get_slot_id (token), TANBA_FACTORY_USER_PIN);
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *hex = tanba_id_to_hex (made[i]->id);
      gboolean listed = FALSE;

      g_assert_cmpstr (made[i]->label, ==, labels[i]);
      for (guint k = 0; k < keys->len; k++)
        {
          TanbaKeyInfo *key = g_ptr_array_index (keys, k);

          if (g_bytes_equal (key->id, made[i]->id))
            {
              listed = TRUE;
              g_assert_cmpstr (key->label, ==, labels[i]);
              g_assert_cmpuint (key->bits, ==, 2048);
              g_assert_true (key->has_private);
            }
        }
      g_assert_true (listed);
      g_assert_nonnull (strstr (listing, hex));
      g_assert_nonnull (strstr (listing, labels[i]));
      assert_signs (token, made[i]->id);
    }

  tanba_key_info_free (made[0]);
  tanba_key_info_free (made[1]);
}

static void
test_keygen_needs_login (void)
{
  static const char * const labels[] = { "a", "b" };
  g_autoptr(TanbaToken) token = tanba_test_softhsm_token (hsm, TOKEN_NO_LOGIN);
  g_autoptr(GError) error = NULL;
  g_autoptr(TanbaKeyInfo) key = tanba_token_generate_key_pair (token, TANBA_KEY_P256, "x", &error);
  TanbaKeyInfo *made[2] = { NULL, NULL };

  g_assert_null (key);
  g_assert_error (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_NOT_LOGGED_IN);
  g_clear_error (&error);

  /* Both at once: both refused, nothing made. */
  g_assert_false (tanba_token_generate_key_pairs (token, TANBA_KEY_P256, labels, 2, made, &error));
  g_assert_error (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_NOT_LOGGED_IN);
  g_assert_null (made[0]);
  g_assert_null (made[1]);
}

/* A certificate for the token's key, signed by the key itself. */
static X509 *
make_certificate (TanbaToken *token,
                  GBytes     *id,
                  const char *cn)
{
  EVP_PKEY *private_key = tanba_token_get_private_key (token, id, NULL);
  EVP_PKEY *public_key = tanba_token_get_public_key (token, id, NULL);
  X509 *certificate = X509_new ();
  X509_NAME *name = X509_NAME_new ();

  g_assert_nonnull (private_key);
  X509_set_version (certificate, 2);
  ASN1_INTEGER_set (X509_get_serialNumber (certificate), 7);
  X509_NAME_add_entry_by_txt (name, "CN", MBSTRING_UTF8, (const unsigned char *) cn, -1, -1, 0);
  X509_set_subject_name (certificate, name);
  X509_set_issuer_name (certificate, name);
  X509_gmtime_adj (X509_getm_notBefore (certificate), 0);
  X509_gmtime_adj (X509_getm_notAfter (certificate), 86400 * 365);
  X509_set_pubkey (certificate, public_key);
  g_assert_cmpint (X509_sign (certificate, private_key, EVP_sha256 ()), >, 0);
  X509_NAME_free (name);
  EVP_PKEY_free (private_key);
  EVP_PKEY_free (public_key);
  return certificate;
}

static void
test_certificates (void)
{
  g_autoptr(TanbaToken) token = tanba_test_softhsm_token (hsm, TOKEN_CERTS);
  g_autoptr(GError) error = NULL;
  g_autoptr(TanbaKeyInfo) a = NULL;
  g_autoptr(TanbaKeyInfo) b = NULL;
  g_autoptr(GPtrArray) certs = NULL;
  g_autoptr(GPtrArray) keys = NULL;
  X509 *cert_a, *cert_b;

  g_assert_true (tanba_token_login (token, TANBA_ROLE_USER, TANBA_FACTORY_USER_PIN, &error));
  a = tanba_token_generate_key_pair (token, TANBA_KEY_P256, "signing", &error);
  b = tanba_token_generate_key_pair (token, TANBA_KEY_P256, "authentication", &error);
  g_assert_no_error (error);
  cert_a = make_certificate (token, a->id, "qq111111_qwertyui signing");
  cert_b = make_certificate (token, b->id, "qq111111_qwertyui authentication");

  /* libp11's store, and the raw PKCS#11 v2.20 path kept for older tokens. */
  g_assert_true (tanba_token_store_certificate (token, cert_a, a->id, "signing certificate", &error));
  g_assert_no_error (error);
  g_assert_true (tanba_token_store_certificate_raw (token, cert_b, b->id, "authentication certificate", &error));
  g_assert_no_error (error);

  certs = tanba_token_list_certificates (token, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (certs->len, ==, 2);
  for (guint i = 0; i < certs->len; i++)
    {
      TanbaCertInfo *info = g_ptr_array_index (certs, i);
      X509 *expected = g_bytes_equal (info->id, a->id) ? cert_a : cert_b;

      g_assert_true (g_bytes_equal (info->id, a->id) || g_bytes_equal (info->id, b->id));
      g_assert_cmpint (X509_cmp (info->certificate, expected), ==, 0);
    }
  keys = tanba_token_list_keys (token, &error);
  for (guint i = 0; i < keys->len; i++)
    g_assert_true (((TanbaKeyInfo *) g_ptr_array_index (keys, i))->has_certificate);

  /* The certificate list is public: it is readable without the PIN. */
  tanba_token_logout (token, NULL);
  g_clear_pointer (&certs, g_ptr_array_unref);
  certs = tanba_token_list_certificates (token, &error);
  g_assert_cmpuint (certs->len, ==, 2);

  g_assert_true (tanba_token_login (token, TANBA_ROLE_USER, TANBA_FACTORY_USER_PIN, &error));
  g_assert_true (tanba_token_delete_certificate (token, a->id, &error));
  g_assert_no_error (error);
  g_clear_pointer (&certs, g_ptr_array_unref);
  certs = tanba_token_list_certificates (token, &error);
  g_assert_cmpuint (certs->len, ==, 1);

  X509_free (cert_a);
  X509_free (cert_b);
}

static void
test_data_objects (void)
{
  g_autoptr(TanbaToken) token = tanba_test_softhsm_token (hsm, TOKEN_DATA);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) value = NULL;
  g_autoptr(GBytes) first = g_bytes_new_static ("one", 3);
  g_autoptr(GBytes) second = g_bytes_new_static ("second value", 12);
  g_autoptr(TanbaRegistrationMarker) marker = tanba_registration_marker_new ();
  g_autoptr(TanbaRegistrationMarker) read_back = NULL;
  g_autofree char *listing = NULL;

  value = tanba_token_read_data (token, "tanba-test", &error);
  g_assert_no_error (error);
  g_assert_null (value);

  /* Public objects: written without the PIN. */
  g_assert_true (tanba_token_write_data (token, "tanba-test", first, &error));
  g_assert_no_error (error);
  g_assert_true (tanba_token_write_data (token, "tanba-test", second, &error));
  g_assert_no_error (error);
  value = tanba_token_read_data (token, "tanba-test", &error);
  g_assert_true (g_bytes_equal (value, second));
  g_assert_true (tanba_token_delete_data (token, "tanba-test", &error));
  g_clear_pointer (&value, g_bytes_unref);
  value = tanba_token_read_data (token, "tanba-test", &error);
  g_assert_null (value);
  g_assert_no_error (error);

  /* The registration marker round-trips and holds no secret. */
  g_free (marker->step);
  marker->step = g_strdup ("signing-key-generated");
  marker->user_id = g_strdup ("qq111111_qwertyui");
  marker->signing_key_id = g_strdup ("00112233445566778899aabbccddeeff");
  marker->term_years = 2;
  g_assert_true (tanba_registration_marker_write (token, marker, &error));
  g_assert_no_error (error);
  read_back = tanba_registration_marker_read (token, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (read_back->step, ==, "signing-key-generated");
  g_assert_cmpstr (read_back->user_id, ==, "qq111111_qwertyui");
  g_assert_cmpstr (read_back->signing_key_id, ==, marker->signing_key_id);
  g_assert_cmpint (read_back->term_years, ==, 2);
  g_assert_false (tanba_registration_marker_is_finished (read_back));

  /* pkcs11-tool sees it as a data object of the application "tanba". */
  listing = tanba_test_pkcs11_tool_objects (hsm, tanba_token_get_slot_id (token), NULL);
  g_assert_nonnull (strstr (listing, "Data object"));
  g_assert_nonnull (strstr (listing, TANBA_DATA_MARKER));

  g_assert_true (tanba_registration_marker_delete (token, &error));
  g_clear_pointer (&read_back, tanba_registration_marker_free);
  read_back = tanba_registration_marker_read (token, &error);
  g_assert_null (read_back);
  g_assert_no_error (error);
}

static void
test_marker_parse_damaged (void)
{
  const char *bad[] = { "", "garbage", "[other]\nstep=x\n", "[registration]\nstep", };
  g_autofree char *huge = g_strnfill (10000, 'x');

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(TanbaRegistrationMarker) marker = tanba_registration_marker_parse (bad[i], strlen (bad[i]), &error);

      g_assert_null (marker);
      g_assert_error (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_FAILED);
    }
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(TanbaRegistrationMarker) marker = tanba_registration_marker_parse (huge, strlen (huge), &error);
    g_assert_null (marker);
    g_assert_nonnull (error);
  }
  {
    const char ok[] = "[registration]\nversion=1\nstep=done\nterm-years=9\n";
    g_autoptr(GError) error = NULL;
    g_autoptr(TanbaRegistrationMarker) marker = tanba_registration_marker_parse (ok, strlen (ok), &error);

    g_assert_no_error (error);
    g_assert_true (tanba_registration_marker_is_finished (marker));
    g_assert_cmpint (marker->term_years, ==, 1); /* out of range: the default */
  }
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  hsm = tanba_test_softhsm_new (N_TOKENS);
  g_test_add_func ("/token-objects/keygen", test_keygen);
  g_test_add_func ("/token-objects/keygen-together", test_keygen_together);
  g_test_add_func ("/token-objects/keygen-needs-login", test_keygen_needs_login);
  g_test_add_func ("/token-objects/certificates", test_certificates);
  g_test_add_func ("/token-objects/data", test_data_objects);
  g_test_add_func ("/token-objects/marker-damaged", test_marker_parse_damaged);
  status = g_test_run ();
  tanba_test_softhsm_free (hsm);
  return status;
}
