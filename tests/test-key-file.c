/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-key-file.c: the bank's primary initialization key file (spec 4):
 * real PKCS#12 files from the reference server's demo generator (modern AES,
 * legacy RC2/3DES), checked independently with `openssl pkcs12`; the bank's
 * error 0200040; I<->1 / O<->0 recovery on the file; another user's file;
 * files that are not key files. Every case is run once more in a child
 * process with debug logs on, and its whole output is searched for the OTP
 * PINs (and their look-alike variants): none may appear. */
#include "config.h"

#include <locale.h>
#include <string.h>

#include <glib/gstdio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "tanba-input-rules.h"
#include "tanba-key-file.h"
#include "tanba-test-refserver.h"

#define N_USERS 3
/* The child process's environment: the parent's temporary directory, where
 * the demo and its PINs are (demo.ini, 0600). */
#define ENV_TMP   "TANBA_KEY_FILE_TEST_TMP"
#define ENV_CHILD "TANBA_KEY_FILE_TEST_CHILD"

typedef struct
{
  char *user_id;
  char *otp_pin;
  char *key_file;
} User;

static char *tmp_dir;          /* owned by the parent process */
static char *ca_certificate;
static User users[N_USERS];
static const char *self_path;  /* argv[0] */

/* Helpers */

static char *
scratch_dir (void)
{
  return tanba_test_make_tmp_dir ();
}

static void
assert_error (const GError *error,
              int           code,
              const char   *must_contain)
{
  g_assert_nonnull (error);
  g_assert_cmpstr (g_quark_to_string (error->domain), ==,
                   g_quark_to_string (TANBA_KEY_FILE_ERROR));
  if (error->code != code)
    g_error ("expected key file error %d, got %d: %s", code, error->code, error->message);
  g_assert_cmpint (strlen (error->message), >, 20);
  if (must_contain != NULL && strstr (error->message, must_contain) == NULL)
    g_error ("“%s” is not in the message: %s", must_contain, error->message);
}

/* Runs `openssl pkcs12 -in FILE ARGS... -passin file:SECRET` with the
 * password in a 0600 file, never on the command line. */
static int
run_openssl_pkcs12 (const char  *file,
                    const char  *password,
                    const char  *arg1,
                    const char  *arg2,
                    const char  *arg3,
                    char       **out,
                    char       **err)
{
  g_autofree char *dir = scratch_dir ();
  g_autofree char *secret = tanba_test_write_secret (dir, "pass", password);
  g_autofree char *passin = g_strconcat ("file:", secret, NULL);
  const char *argv[10] = { "openssl", "pkcs12", "-in", file, "-passin", passin, NULL };
  guint argc = 6;
  int status;

  if (arg1 != NULL)
    argv[argc++] = arg1;
  if (arg2 != NULL)
    argv[argc++] = arg2;
  if (arg3 != NULL)
    argv[argc++] = arg3;
  status = tanba_test_run_in (NULL, argv, out, err);
  tanba_test_remove_tree (dir);
  return status;
}

static GBytes *
read_bytes (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;
  gsize len = 0;

  g_file_get_contents (path, &contents, &len, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (contents, len);
}

static char *
write_file (const char   *dir,
            const char   *name,
            gconstpointer data,
            gsize         len)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (dir, name, NULL);

  g_file_set_contents (path, data, (gssize) len, &error);
  g_assert_no_error (error);
  return path;
}

/* Opening a demo user's file */

/* The checks an opened file must pass, each against something outside the
 * module: the demo's user ID, the demo CA's signature, and what `openssl
 * pkcs12 -legacy` itself extracts from the file with the same password. */
static void
check_opened (TanbaKeyFile *file,
              const User   *user)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *certs_pem = NULL;
  g_autofree char *key_pem = NULL;
  g_autofree char *err = NULL;
  g_autofree char *cn = g_strconcat ("CN = ", user->user_id, NULL);
  X509 *certificate = tanba_key_file_get_certificate (file);
  EVP_PKEY *key = tanba_key_file_get_key (file);
  STACK_OF (X509) *chain = tanba_key_file_get_chain (file);
  BIO *bio;
  X509 *ca;
  X509 *theirs;
  EVP_PKEY *their_key;
  gboolean found = FALSE;
  int n_certs = 0;

  g_assert_cmpstr (tanba_key_file_get_user_id (file), ==, user->user_id);
  g_assert_nonnull (certificate);
  g_assert_nonnull (key);
  g_assert_nonnull (chain);
  g_assert_cmpint (X509_check_private_key (certificate, key), ==, 1);
  g_assert_true (tanba_key_file_check_user_id (file, user->user_id, &error));
  g_assert_no_error (error);

  /* Issued by the demo CA. */
  bio = BIO_new_file (ca_certificate, "r");
  g_assert_nonnull (bio);
  ca = PEM_read_bio_X509 (bio, NULL, NULL, NULL);
  BIO_free (bio);
  g_assert_nonnull (ca);
  g_assert_cmpint (X509_verify (certificate, X509_get0_pubkey (ca)), ==, 1);
  X509_free (ca);

  /* What openssl finds: the same certificate (and as many others as our
   * chain), the same key. */
  g_assert_cmpint (run_openssl_pkcs12 (user->key_file, user->otp_pin, "-legacy", "-nokeys", NULL,
                                       &certs_pem, &err), ==, 0);
  g_assert_nonnull (strstr (certs_pem, cn));
  bio = BIO_new_mem_buf (certs_pem, -1);
  while ((theirs = PEM_read_bio_X509 (bio, NULL, NULL, NULL)) != NULL)
    {
      n_certs++;
      if (X509_cmp (theirs, certificate) == 0)
        found = TRUE;
      X509_free (theirs);
    }
  BIO_free (bio);
  g_assert_true (found);
  g_assert_cmpint (n_certs, ==, 1 + sk_X509_num (chain));

  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_openssl_pkcs12 (user->key_file, user->otp_pin, "-legacy", "-nocerts",
                                       "-nodes", &key_pem, &err), ==, 0);
  bio = BIO_new_mem_buf (key_pem, -1);
  their_key = PEM_read_bio_PrivateKey (bio, NULL, NULL, NULL);
  BIO_free (bio);
  g_assert_nonnull (their_key);
  g_assert_cmpint (EVP_PKEY_eq (key, their_key), ==, 1);
  EVP_PKEY_free (their_key);
  OPENSSL_cleanse (key_pem, strlen (key_pem));
}

static void
test_open_modern (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TanbaKeyFile) file = NULL;
  g_autofree char *info = NULL;

  /* The demo says: PBES2 with AES-256-CBC. */
  g_assert_cmpint (run_openssl_pkcs12 (users[0].key_file, users[0].otp_pin, "-info", "-noout",
                                       NULL, NULL, &info), ==, 0);
  g_assert_nonnull (strstr (info, "PBES2"));
  g_assert_nonnull (strstr (info, "AES-256-CBC"));

  file = tanba_key_file_open (users[0].key_file, users[0].otp_pin, &error);
  g_assert_no_error (error);
  g_assert_nonnull (file);
  check_opened (file, &users[0]);
}

static void
test_open_legacy (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TanbaKeyFile) file = NULL;
  g_autofree char *info = NULL;

  /* The file really is legacy: RC2-40 and 3DES, and OpenSSL without its
   * legacy provider cannot open it. */
  g_assert_cmpint (run_openssl_pkcs12 (users[2].key_file, users[2].otp_pin, "-legacy", "-info",
                                       "-noout", NULL, &info), ==, 0);
  g_assert_nonnull (strstr (info, "pbeWithSHA1And40BitRC2-CBC"));
  g_assert_nonnull (strstr (info, "pbeWithSHA1And3-KeyTripleDES-CBC"));
  g_clear_pointer (&info, g_free);
  g_assert_cmpint (run_openssl_pkcs12 (users[2].key_file, users[2].otp_pin, "-nokeys", NULL,
                                       NULL, NULL, &info), !=, 0);

  file = tanba_key_file_open (users[2].key_file, users[2].otp_pin, &error);
  g_assert_no_error (error);
  g_assert_nonnull (file);
  check_opened (file, &users[2]);
}

static void
test_open_bytes (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TanbaKeyFile) file = NULL;
  g_autoptr(GBytes) data = read_bytes (users[1].key_file);

  file = tanba_key_file_open_bytes (data, users[1].otp_pin, &error);
  g_assert_no_error (error);
  g_assert_nonnull (file);
  check_opened (file, &users[1]);
}

/* Wrong password: 0200040 */

static void
test_bad_password (void)
{
  const char *wrong[] = { users[1].otp_pin, "AAAAAAAAAAA", "", NULL };
  g_auto (GStrv) lines = NULL;
  const char *details;

  for (guint u = 0; u < N_USERS; u++)
    for (guint i = 0; wrong[i] != NULL; i++)
      {
        g_autoptr(GError) error = NULL;
        g_autoptr(GError) bytes_error = NULL;
        g_autoptr(GBytes) data = read_bytes (users[u].key_file);
        TanbaKeyFile *file;

        if (u == 1 && i == 0)
          continue; /* the right one */
        file = tanba_key_file_open (users[u].key_file, wrong[i], &error);
        g_assert_null (file);
        assert_error (error, TANBA_KEY_FILE_ERROR_BAD_PASSWORD, TANBA_KEY_FILE_BANK_CODE);
        g_assert_true (g_str_has_prefix (error->message, "0200040"));

        file = tanba_key_file_open_bytes (data, wrong[i], &bytes_error);
        g_assert_null (file);
        assert_error (bytes_error, TANBA_KEY_FILE_ERROR_BAD_PASSWORD, TANBA_KEY_FILE_BANK_CODE);

        /* openssl agrees that the password is wrong. */
        g_assert_cmpint (run_openssl_pkcs12 (users[u].key_file, wrong[i], "-legacy", "-nokeys",
                                             NULL, NULL, NULL), !=, 0);
      }

  /* The guide's four checks, one per line. */
  details = tanba_key_file_bad_password_details ();
  g_assert_nonnull (details);
  lines = g_strsplit (details, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 4);
  g_assert_nonnull (strstr (lines[0], "user ID"));
  g_assert_nonnull (strstr (lines[1], "11"));
  g_assert_nonnull (strstr (lines[1], "capital"));
  g_assert_nonnull (strstr (lines[2], "1"));
  g_assert_nonnull (strstr (lines[2], "I"));
  g_assert_nonnull (strstr (lines[2], "O"));
  g_assert_nonnull (strstr (lines[2], "0"));
  g_assert_nonnull (strstr (lines[3], "another user"));
  for (guint i = 0; lines[i] != NULL; i++)
    g_assert_cmpuint (strlen (lines[i]), >, 20);
}

/* Look-alike recovery */

static char
swap (char c)
{
  switch (c)
    {
    case '1': return 'I';
    case 'I': return '1';
    case 'O': return '0';
    case '0': return 'O';
    default: return c;
    }
}

static guint
count_char (const char *text,
            char        c)
{
  guint n = 0;

  for (; *text != '\0'; text++)
    n += *text == c;
  return n;
}

static void
test_recovery (void)
{
  const char *pin = users[1].otp_pin;
  char typed[TANBA_OTP_PIN_LEN + 1];
  char one_swap[TANBA_OTP_PIN_LEN + 1];
  g_autoptr(GError) error = NULL;
  char *opened_with = NULL;
  TanbaKeyFile *file;
  gint64 start;

  /* The demo's promise: exactly one '1' and one 'O', no other look-alike. */
  g_assert_cmpuint (strlen (pin), ==, TANBA_OTP_PIN_LEN);
  g_assert_cmpuint (count_char (pin, '1'), ==, 1);
  g_assert_cmpuint (count_char (pin, 'O'), ==, 1);
  g_assert_cmpuint (count_char (pin, 'I'), ==, 0);
  g_assert_cmpuint (count_char (pin, '0'), ==, 0);

  /* '1' typed as 'I' and 'O' as '0'. */
  for (guint i = 0; i <= TANBA_OTP_PIN_LEN; i++)
    typed[i] = swap (pin[i]);
  g_assert_true (strcmp (typed, pin) != 0);

  /* Without recovery it does not open... */
  file = tanba_key_file_open (users[1].key_file, typed, &error);
  g_assert_null (file);
  assert_error (error, TANBA_KEY_FILE_ERROR_BAD_PASSWORD, TANBA_KEY_FILE_BANK_CODE);
  g_clear_error (&error);

  /* ...with it, it does, and says with which PIN. */
  start = g_get_monotonic_time ();
  file = tanba_key_file_open_with_recovery (users[1].key_file, typed, &opened_with, &error);
  g_test_message ("recovery over %u variants took %.1f ms", 4,
                  (g_get_monotonic_time () - start) / 1000.0);
  g_assert_no_error (error);
  g_assert_nonnull (file);
  g_assert_nonnull (opened_with);
  g_assert_true (strcmp (opened_with, pin) == 0);
  check_opened (file, &users[1]);
  tanba_key_file_free (file);
  tanba_key_file_secret_free (opened_with);
  opened_with = NULL;

  /* One swap only ('O' typed as '0'). */
  memcpy (one_swap, pin, sizeof one_swap);
  *strchr (one_swap, 'O') = '0';
  file = tanba_key_file_open_with_recovery (users[1].key_file, one_swap, &opened_with, &error);
  g_assert_no_error (error);
  g_assert_nonnull (file);
  g_assert_true (g_strcmp0 (opened_with, pin) == 0);
  tanba_key_file_free (file);
  tanba_key_file_secret_free (opened_with);
  opened_with = NULL;

  /* The right PIN: opens, no variant reported. */
  opened_with = (char *) "not touched";
  file = tanba_key_file_open_with_recovery (users[1].key_file, pin, &opened_with, &error);
  g_assert_no_error (error);
  g_assert_nonnull (file);
  g_assert_null (opened_with);
  tanba_key_file_free (file);

  /* opened_with may be NULL. */
  file = tanba_key_file_open_with_recovery (users[1].key_file, typed, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (file);
  g_assert_cmpstr (tanba_key_file_get_user_id (file), ==, users[1].user_id);
  tanba_key_file_free (file);
}

static void
test_recovery_wrong_pin (void)
{
  /* Wrong PINs, with and without look-alike characters; the last one has
   * 11 (2^11 variants, capped at 256). Another user's PIN too. */
  const char *wrong[] = { "AAAAAAAAAAA", "A1B2C3D4E5F", "I0I0I0I0I0I", users[0].otp_pin,
                          users[2].otp_pin, NULL };

  for (guint i = 0; wrong[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      char *opened_with = (char *) "not touched";
      TanbaKeyFile *file;
      gint64 start = g_get_monotonic_time ();

      file = tanba_key_file_open_with_recovery (users[1].key_file, wrong[i], &opened_with, &error);
      g_test_message ("wrong PIN #%u: %u look-alike variants tried in %.1f ms", i,
                      MIN (1u << (count_char (wrong[i], '1') + count_char (wrong[i], 'I')
                                  + count_char (wrong[i], 'O') + count_char (wrong[i], '0')),
                           (guint) TANBA_OTP_PIN_MAX_VARIANTS),
                      (g_get_monotonic_time () - start) / 1000.0);
      g_assert_null (file);
      g_assert_null (opened_with);
      assert_error (error, TANBA_KEY_FILE_ERROR_BAD_PASSWORD, TANBA_KEY_FILE_BANK_CODE);
    }

  /* The legacy file (SHA-1 MAC) too. */
  {
    g_autoptr(GError) error = NULL;
    char *opened_with = NULL;
    TanbaKeyFile *file =
      tanba_key_file_open_with_recovery (users[2].key_file, "I0I0I0I0I0I", &opened_with, &error);

    g_assert_null (file);
    g_assert_null (opened_with);
    assert_error (error, TANBA_KEY_FILE_ERROR_BAD_PASSWORD, TANBA_KEY_FILE_BANK_CODE);
  }
}

/* User ID */

static void
test_wrong_user (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TanbaKeyFile) file = NULL;

  file = tanba_key_file_open (users[0].key_file, users[0].otp_pin, &error);
  g_assert_no_error (error);

  /* The user typed user 1's ID but chose user 0's file. */
  g_assert_false (tanba_key_file_check_user_id (file, users[1].user_id, &error));
  assert_error (error, TANBA_KEY_FILE_ERROR_WRONG_USER, users[0].user_id);
  assert_error (error, TANBA_KEY_FILE_ERROR_WRONG_USER, users[1].user_id);
  g_clear_error (&error);

  /* Nothing typed matches nothing. */
  g_assert_false (tanba_key_file_check_user_id (file, "", &error));
  assert_error (error, TANBA_KEY_FILE_ERROR_WRONG_USER, users[0].user_id);
  g_clear_error (&error);
  g_assert_false (tanba_key_file_check_user_id (file, NULL, &error));
  assert_error (error, TANBA_KEY_FILE_ERROR_WRONG_USER, users[0].user_id);
}

static void
test_user_id_match (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TanbaKeyFile) file = NULL;
  g_autofree char *upper = NULL;
  g_autofree char *padded = NULL;
  g_autofree char *nbsp = NULL;
  g_autofree char *prefix = NULL;

  file = tanba_key_file_open (users[2].key_file, users[2].otp_pin, &error);
  g_assert_no_error (error);

  upper = g_ascii_strup (users[2].user_id, -1);
  g_assert_cmpstr (upper, !=, users[2].user_id);
  padded = g_strconcat ("  ", upper, "\t\n", NULL);
  nbsp = g_strconcat ("\xc2\xa0", users[2].user_id, "\xe2\x80\x8b", NULL); /* NBSP, ZWSP */

  g_assert_true (tanba_key_file_check_user_id (file, upper, &error));
  g_assert_no_error (error);
  g_assert_true (tanba_key_file_check_user_id (file, padded, &error));
  g_assert_no_error (error);
  g_assert_true (tanba_key_file_check_user_id (file, nbsp, &error));
  g_assert_no_error (error);

  /* A prefix is not the ID. */
  prefix = g_strndup (users[2].user_id, strlen (users[2].user_id) - 1);
  g_assert_false (tanba_key_file_check_user_id (file, prefix, &error));
  assert_error (error, TANBA_KEY_FILE_ERROR_WRONG_USER, prefix);
}

/* Files that are not key files */

static void
test_not_pkcs12 (void)
{
  g_autofree char *dir = scratch_dir ();
  g_autofree char *text = write_file (dir, "notes.txt", "Key file password: see card\n", 28);
  g_autofree char *der_path = NULL;
  g_autoptr(GError) error = NULL;
  unsigned char *der = NULL;
  int der_len;
  BIO *bio;
  X509 *ca;

  g_assert_null (tanba_key_file_open (text, "AAAAAAAAAAA", &error));
  assert_error (error, TANBA_KEY_FILE_ERROR_NOT_PKCS12, "notes.txt");
  g_clear_error (&error);

  /* A PEM certificate (the demo CA's). */
  g_assert_null (tanba_key_file_open (ca_certificate, "AAAAAAAAAAA", &error));
  assert_error (error, TANBA_KEY_FILE_ERROR_NOT_PKCS12, "ca.crt");
  g_clear_error (&error);

  /* The same certificate in DER: ASN.1, but not a PFX. */
  bio = BIO_new_file (ca_certificate, "r");
  ca = PEM_read_bio_X509 (bio, NULL, NULL, NULL);
  BIO_free (bio);
  g_assert_nonnull (ca);
  der_len = i2d_X509 (ca, &der);
  g_assert_cmpint (der_len, >, 0);
  der_path = write_file (dir, "ca.cer", der, (gsize) der_len);
  OPENSSL_free (der);
  X509_free (ca);
  g_assert_null (tanba_key_file_open (der_path, "AAAAAAAAAAA", &error));
  assert_error (error, TANBA_KEY_FILE_ERROR_NOT_PKCS12, "ca.cer");
  g_clear_error (&error);
  g_assert_null (tanba_key_file_open_with_recovery (der_path, "I0I0I0I0I0I", NULL, &error));
  assert_error (error, TANBA_KEY_FILE_ERROR_NOT_PKCS12, "ca.cer");

  tanba_test_remove_tree (dir);
}

static void
test_truncated (void)
{
  g_autofree char *dir = scratch_dir ();
  g_autoptr(GBytes) data = read_bytes (users[0].key_file);
  gsize len = g_bytes_get_size (data);
  const guint8 *bytes = g_bytes_get_data (data, NULL);
  g_autofree char *half = write_file (dir, "Key.pfx", bytes, len / 2);
  g_autofree char *short_one = write_file (dir, "GOST.pfx", bytes, len - 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) half_bytes = g_bytes_new_from_bytes (data, 0, len / 2);

  g_assert_null (tanba_key_file_open (half, users[0].otp_pin, &error));
  assert_error (error, TANBA_KEY_FILE_ERROR_NOT_PKCS12, "Key.pfx");
  g_clear_error (&error);
  g_assert_null (tanba_key_file_open (short_one, users[0].otp_pin, &error));
  assert_error (error, TANBA_KEY_FILE_ERROR_NOT_PKCS12, "GOST.pfx");
  g_clear_error (&error);
  g_assert_null (tanba_key_file_open_bytes (half_bytes, users[0].otp_pin, &error));
  assert_error (error, TANBA_KEY_FILE_ERROR_NOT_PKCS12, "PKCS#12");

  tanba_test_remove_tree (dir);
}

static void
test_empty (void)
{
  g_autofree char *dir = scratch_dir ();
  g_autofree char *path = write_file (dir, "GOST.pfx", "", 0);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) empty = g_bytes_new (NULL, 0);

  g_assert_null (tanba_key_file_open (path, users[0].otp_pin, &error));
  assert_error (error, TANBA_KEY_FILE_ERROR_EMPTY, "GOST.pfx");
  g_clear_error (&error);
  g_assert_null (tanba_key_file_open_with_recovery (path, users[0].otp_pin, NULL, &error));
  assert_error (error, TANBA_KEY_FILE_ERROR_EMPTY, "GOST.pfx");
  g_clear_error (&error);
  g_assert_null (tanba_key_file_open_bytes (empty, users[0].otp_pin, &error));
  assert_error (error, TANBA_KEY_FILE_ERROR_EMPTY, NULL);

  tanba_test_remove_tree (dir);
}

static void
test_too_large (void)
{
  g_autofree char *dir = scratch_dir ();
  g_autoptr(GBytes) data = read_bytes (users[0].key_file);
  g_autofree guint8 *big = g_malloc0 (TANBA_KEY_FILE_MAX_SIZE + 1);
  g_autofree char *over = NULL;
  g_autofree char *at = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) big_bytes = NULL;

  /* A real key file padded to 1 MiB + 1 byte. */
  memcpy (big, g_bytes_get_data (data, NULL), g_bytes_get_size (data));
  over = write_file (dir, "Key.pfx", big, TANBA_KEY_FILE_MAX_SIZE + 1);
  g_assert_null (tanba_key_file_open (over, users[0].otp_pin, &error));
  assert_error (error, TANBA_KEY_FILE_ERROR_TOO_LARGE, "Key.pfx");
  g_clear_error (&error);
  g_assert_null (tanba_key_file_open_with_recovery (over, users[0].otp_pin, NULL, &error));
  assert_error (error, TANBA_KEY_FILE_ERROR_TOO_LARGE, "Key.pfx");
  g_clear_error (&error);
  big_bytes = g_bytes_new (big, TANBA_KEY_FILE_MAX_SIZE + 1);
  g_assert_null (tanba_key_file_open_bytes (big_bytes, users[0].otp_pin, &error));
  assert_error (error, TANBA_KEY_FILE_ERROR_TOO_LARGE, NULL);
  g_clear_error (&error);

  /* Exactly 1 MiB is read, and is then a key file with trailing padding:
   * the padding is ignored. */
  at = write_file (dir, "GOST.pfx", big, TANBA_KEY_FILE_MAX_SIZE);
  {
    g_autoptr(TanbaKeyFile) file = tanba_key_file_open (at, users[0].otp_pin, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (tanba_key_file_get_user_id (file), ==, users[0].user_id);
  }

  /* 1 MiB of zeros is read too, and is no key file. */
  memset (big, 0, TANBA_KEY_FILE_MAX_SIZE);
  g_clear_pointer (&at, g_free);
  at = write_file (dir, "zeros.pfx", big, TANBA_KEY_FILE_MAX_SIZE);
  g_assert_null (tanba_key_file_open (at, users[0].otp_pin, &error));
  assert_error (error, TANBA_KEY_FILE_ERROR_NOT_PKCS12, "zeros.pfx");

  tanba_test_remove_tree (dir);
}

static void
test_unreadable (void)
{
  g_autofree char *dir = scratch_dir ();
  g_autofree char *missing = g_build_filename (dir, "Key.pfx", NULL);
  g_autofree char *folder = g_build_filename (dir, "GOST.pfx", NULL);
  g_autofree char *under_file = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_null (tanba_key_file_open (missing, users[0].otp_pin, &error));
  assert_error (error, TANBA_KEY_FILE_ERROR_UNREADABLE, "Key.pfx");
  g_assert_null (strstr (error->message, dir)); /* the name, not the whole path */
  g_clear_error (&error);
  g_assert_null (tanba_key_file_open_with_recovery (missing, users[0].otp_pin, NULL, &error));
  assert_error (error, TANBA_KEY_FILE_ERROR_UNREADABLE, "Key.pfx");
  g_clear_error (&error);

  /* A folder, even one named like a key file. */
  g_assert_cmpint (g_mkdir (folder, 0700), ==, 0);
  g_assert_null (tanba_key_file_open (folder, users[0].otp_pin, &error));
  assert_error (error, TANBA_KEY_FILE_ERROR_UNREADABLE, "GOST.pfx");
  g_clear_error (&error);

  /* A path through a file (ENOTDIR). */
  under_file = g_build_filename (users[0].key_file, "Key.pfx", NULL);
  g_assert_null (tanba_key_file_open (under_file, users[0].otp_pin, &error));
  assert_error (error, TANBA_KEY_FILE_ERROR_UNREADABLE, "Key.pfx");
  g_clear_error (&error);

  /* Not a regular file. */
  g_assert_null (tanba_key_file_open ("/dev/null", users[0].otp_pin, &error));
  assert_error (error, TANBA_KEY_FILE_ERROR_UNREADABLE, "null");

  tanba_test_remove_tree (dir);
}

static void
test_no_key (void)
{
  /* A real PKCS#12 with only a certificate, made by openssl. */
  g_autofree char *dir = scratch_dir ();
  g_autofree char *secret = tanba_test_write_secret (dir, "pass", "NOKEYPASS12");
  g_autofree char *passout = g_strconcat ("file:", secret, NULL);
  g_autofree char *out_path = g_build_filename (dir, "certs-only.pfx", NULL);
  const char *argv[] = { "openssl", "pkcs12", "-export", "-nokeys", "-in", ca_certificate,
                         "-out", out_path, "-passout", passout, NULL };
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (tanba_test_run_in (NULL, argv, NULL, &err), ==, 0);
  g_assert_null (tanba_key_file_open (out_path, "NOKEYPASS12", &error));
  assert_error (error, TANBA_KEY_FILE_ERROR_NO_KEY, "certs-only.pfx");
  g_clear_error (&error);
  /* With a wrong password it is the usual 0200040. */
  g_assert_null (tanba_key_file_open (out_path, "NOKEYPASS13", &error));
  assert_error (error, TANBA_KEY_FILE_ERROR_BAD_PASSWORD, TANBA_KEY_FILE_BANK_CODE);

  tanba_test_remove_tree (dir);
}

/* A file without a MAC (openssl pkcs12 -export -nomac): only decryption can
 * tell a wrong password, recovery tries each variant by decrypting. */
static void
test_no_mac (void)
{
  g_autofree char *dir = scratch_dir ();
  g_autofree char *secret = tanba_test_write_secret (dir, "pass", "K1EYO2NOMAC");
  g_autofree char *passout = g_strconcat ("file:", secret, NULL);
  g_autofree char *pem_path = g_build_filename (dir, "all.pem", NULL);
  g_autofree char *out_path = g_build_filename (dir, "nomac.pfx", NULL);
  g_autofree char *pem = NULL;
  g_autofree char *info = NULL;
  g_autofree char *err = NULL;
  const char *argv[] = { "openssl", "pkcs12", "-export", "-nomac", "-in", pem_path,
                         "-out", out_path, "-passout", passout, NULL };
  g_autoptr(GError) error = NULL;
  char *opened_with = NULL;
  TanbaKeyFile *file;

  /* User 0's key and certificate, re-exported without a MAC. */
  g_assert_cmpint (run_openssl_pkcs12 (users[0].key_file, users[0].otp_pin, "-nodes", NULL, NULL,
                                       &pem, &err), ==, 0);
  g_file_set_contents_full (pem_path, pem, -1, G_FILE_SET_CONTENTS_NONE, 0600, &error);
  g_assert_no_error (error);
  OPENSSL_cleanse (pem, strlen (pem));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (tanba_test_run_in (NULL, argv, NULL, &err), ==, 0);
  g_assert_cmpint (run_openssl_pkcs12 (out_path, "K1EYO2NOMAC", "-info", "-noout", NULL, NULL,
                                       &info), ==, 0);
  g_assert_nonnull (strstr (info, "MAC is absent"));

  file = tanba_key_file_open (out_path, "K1EYO2NOMAC", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (tanba_key_file_get_user_id (file), ==, users[0].user_id);
  g_assert_cmpint (X509_check_private_key (tanba_key_file_get_certificate (file),
                                           tanba_key_file_get_key (file)), ==, 1);
  tanba_key_file_free (file);

  g_assert_null (tanba_key_file_open (out_path, "KIEY02NOMAC", &error));
  assert_error (error, TANBA_KEY_FILE_ERROR_BAD_PASSWORD, TANBA_KEY_FILE_BANK_CODE);
  g_clear_error (&error);

  file = tanba_key_file_open_with_recovery (out_path, "KIEY02NOMAC", &opened_with, &error);
  g_assert_no_error (error);
  g_assert_nonnull (file);
  g_assert_true (g_strcmp0 (opened_with, "K1EYO2NOMAC") == 0);
  tanba_key_file_free (file);
  tanba_key_file_secret_free (opened_with);

  g_assert_null (tanba_key_file_open_with_recovery (out_path, "AAAAAAAAAAA", NULL, &error));
  assert_error (error, TANBA_KEY_FILE_ERROR_BAD_PASSWORD, TANBA_KEY_FILE_BANK_CODE);

  tanba_test_remove_tree (dir);
}

static void
test_secret_free (void)
{
  tanba_key_file_secret_free (NULL);
  tanba_key_file_secret_free (g_strdup ("XXXXXXXXXXX"));
}

/* No PIN in any output */

/* Only registered in a child: prints a PIN, so that the search below is seen
 * to find one. */
static void
test_leak_probe (void)
{
  g_test_message ("probe: %s", users[0].otp_pin);
}

/* TRUE when @text contains any demo user's OTP PIN or one of its look-alike
 * variants; @which gets a description without the PIN. */
static gboolean
contains_pin (const char  *text,
              char       **which)
{
  for (guint u = 0; u < N_USERS; u++)
    {
      GStrv variants = tanba_otp_pin_dup_lookalikes (users[u].otp_pin);
      gboolean found = FALSE;

      for (guint v = 0; variants[v] != NULL && !found; v++)
        if (strstr (text, variants[v]) != NULL)
          {
            found = TRUE;
            *which = g_strdup_printf ("user %u's OTP PIN (variant %u)", u, v);
          }
      tanba_otp_pin_lookalikes_free (variants);
      if (found)
        return TRUE;
    }
  return FALSE;
}

static char *
run_child (const char *path,
           int        *status)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GError) error = NULL;
  char *output = NULL;

  g_subprocess_launcher_setenv (launcher, ENV_TMP, tmp_dir, TRUE);
  g_subprocess_launcher_setenv (launcher, ENV_CHILD, "1", TRUE);
  g_subprocess_launcher_setenv (launcher, "G_MESSAGES_DEBUG", "all", TRUE);
  child = g_subprocess_launcher_spawn (launcher, &error, self_path, "-p", path, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (child, NULL, NULL, &output, NULL, &error);
  g_assert_no_error (error);
  *status = g_subprocess_get_if_exited (child) ? g_subprocess_get_exit_status (child) : -1;
  return output;
}

static const char *child_paths[] = {
  "/key-file/open/modern",
  "/key-file/open/legacy",
  "/key-file/open/bytes",
  "/key-file/bad-password",
  "/key-file/recovery/look-alikes",
  "/key-file/recovery/wrong-pin",
  "/key-file/user-id/wrong-user",
  "/key-file/user-id/match",
  "/key-file/not-pkcs12",
  "/key-file/truncated",
  "/key-file/empty",
  "/key-file/too-large",
  "/key-file/unreadable",
  "/key-file/no-key",
  "/key-file/no-mac",
};

static void
test_no_pin_in_output (void)
{
  g_autofree char *probe = NULL;
  g_autofree char *which = NULL;
  int status;

  /* The search works: the probe's output has a PIN. */
  probe = run_child ("/key-file/leak-probe", &status);
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (probe, "probe: "));
  g_assert_true (contains_pin (probe, &which));
  g_clear_pointer (&which, g_free);

  for (guint i = 0; i < G_N_ELEMENTS (child_paths); i++)
    {
      g_autofree char *output = run_child (child_paths[i], &status);
      g_autofree char *ok_line = g_strdup_printf ("ok 1 %s", child_paths[i]);

      if (contains_pin (output, &which))
        g_error ("%s: the output contains %s", child_paths[i], which);
      if (status != 0 || strstr (output, ok_line) == NULL)
        g_error ("%s failed in the child process (status %d); its output:\n%s",
                 child_paths[i], status, output);
      /* Debug logs were on: the module said what encryption it found. */
      if (g_str_has_prefix (child_paths[i], "/key-file/open/"))
        g_assert_nonnull (strstr (output, "MAC "));
      g_test_message ("%s: %" G_GSIZE_FORMAT " bytes of output, no PIN", child_paths[i],
                      strlen (output));
    }
}

/* Setup */

static void
save_demo (const char *path)
{
  g_autoptr(GKeyFile) keys = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  char *data;
  gsize len;

  g_key_file_set_string (keys, "demo", "ca_certificate", ca_certificate);
  for (guint u = 0; u < N_USERS; u++)
    {
      g_autofree char *group = g_strdup_printf ("user%u", u);

      g_key_file_set_string (keys, group, "user_id", users[u].user_id);
      g_key_file_set_string (keys, group, "otp_pin", users[u].otp_pin);
      g_key_file_set_string (keys, group, "key_file", users[u].key_file);
    }
  data = g_key_file_to_data (keys, &len, NULL);
  g_file_set_contents_full (path, data, (gssize) len, G_FILE_SET_CONTENTS_NONE, 0600, &error);
  g_assert_no_error (error);
  explicit_bzero (data, len);
  g_free (data);
}

static void
load_demo (const char *path)
{
  g_autoptr(GKeyFile) keys = g_key_file_new ();
  g_autoptr(GError) error = NULL;

  g_key_file_load_from_file (keys, path, G_KEY_FILE_NONE, &error);
  g_assert_no_error (error);
  ca_certificate = g_key_file_get_string (keys, "demo", "ca_certificate", &error);
  g_assert_no_error (error);
  for (guint u = 0; u < N_USERS; u++)
    {
      g_autofree char *group = g_strdup_printf ("user%u", u);

      users[u].user_id = g_key_file_get_string (keys, group, "user_id", &error);
      g_assert_no_error (error);
      users[u].otp_pin = g_key_file_get_string (keys, group, "otp_pin", &error);
      g_assert_no_error (error);
      users[u].key_file = g_key_file_get_string (keys, group, "key_file", &error);
      g_assert_no_error (error);
    }
}

int
main (int   argc,
      char *argv[])
{
  gboolean child = g_getenv (ENV_CHILD) != NULL;
  g_autofree char *ini = NULL;
  int status;

  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, NULL);
  self_path = argv[0];

  if (child)
    {
      tmp_dir = g_strdup (g_getenv (ENV_TMP));
      g_assert_nonnull (tmp_dir);
      ini = g_build_filename (tmp_dir, "demo.ini", NULL);
      load_demo (ini);
    }
  else
    {
      g_autofree char *demo_dir = NULL;
      g_autoptr(TanbaTestDemo) demo = NULL;

      tmp_dir = tanba_test_make_tmp_dir ();
      demo_dir = g_build_filename (tmp_dir, "demo", NULL);
      demo = tanba_test_demo_new (demo_dir, NULL);
      g_assert_cmpuint (demo->users->len, >=, N_USERS);
      ca_certificate = g_strdup (demo->ca_certificate);
      for (guint u = 0; u < N_USERS; u++)
        {
          TanbaTestDemoUser *user = g_ptr_array_index (demo->users, u);

          users[u].user_id = g_strdup (user->user_id);
          users[u].otp_pin = g_strdup (user->otp_pin);
          users[u].key_file = g_strdup (user->key_file);
        }
      ini = g_build_filename (tmp_dir, "demo.ini", NULL);
      save_demo (ini);
    }

  g_test_add_func ("/key-file/open/modern", test_open_modern);
  g_test_add_func ("/key-file/open/legacy", test_open_legacy);
  g_test_add_func ("/key-file/open/bytes", test_open_bytes);
  g_test_add_func ("/key-file/bad-password", test_bad_password);
  g_test_add_func ("/key-file/recovery/look-alikes", test_recovery);
  g_test_add_func ("/key-file/recovery/wrong-pin", test_recovery_wrong_pin);
  g_test_add_func ("/key-file/user-id/wrong-user", test_wrong_user);
  g_test_add_func ("/key-file/user-id/match", test_user_id_match);
  g_test_add_func ("/key-file/not-pkcs12", test_not_pkcs12);
  g_test_add_func ("/key-file/truncated", test_truncated);
  g_test_add_func ("/key-file/empty", test_empty);
  g_test_add_func ("/key-file/too-large", test_too_large);
  g_test_add_func ("/key-file/unreadable", test_unreadable);
  g_test_add_func ("/key-file/no-key", test_no_key);
  g_test_add_func ("/key-file/no-mac", test_no_mac);
  g_test_add_func ("/key-file/secret-free", test_secret_free);
  if (child)
    g_test_add_func ("/key-file/leak-probe", test_leak_probe);
  else
    g_test_add_func ("/key-file/no-pin-in-output", test_no_pin_in_output);

  status = g_test_run ();

  if (!child)
    {
      tanba_test_remove_tree (tmp_dir);
      for (guint u = 0; u < N_USERS; u++)
        explicit_bzero (users[u].otp_pin, strlen (users[u].otp_pin));
    }
  return status;
}
