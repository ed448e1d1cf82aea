/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-refserver.c: tanba-refserver end to end, with OpenSSL's own command-line
 * CMP client (`openssl cmp`) as the third-party client: --init-demo, both
 * protection modes, profiles, one-time init keys, idempotent retries,
 * restart, kur, rr, TLS, fault switches. Secrets go to openssl through 0600
 * files (-passin file:, -secret file:), never on its command line. */

#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <sqlite3.h>

#include "tanba-test-refserver.h"

typedef struct
{
  char               *tmp;    /* everything below is removed at the end */
  char               *work;   /* the client's files */
  TanbaTestDemo      *demo;
  TanbaTestRefserver *server;
  char               *exts;   /* openssl config with the request extensions */
  gboolean            tls;
  gboolean            faults;
} Fixture;

enum
{
  SERVE_PLAIN = 0,
  SERVE_TLS = 1 << 0,
  SERVE_FAULTS = 1 << 1,
};

static const char exts_cnf[] =
  "[sign]\n"
  "keyUsage = critical,digitalSignature,nonRepudiation\n"
  "[auth]\n"
  "keyUsage = critical,digitalSignature\n"
  "extendedKeyUsage = clientAuth\n"
  "[bad]\n"
  "keyUsage = critical,digitalSignature,keyCertSign\n";

static const char *openssl = "openssl";

static gboolean
have_curl (void)
{
  g_autofree char *path = g_find_program_in_path ("curl");

  return path != NULL;
}

/* --- fixture ------------------------------------------------------------ */

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  guint flags = GPOINTER_TO_UINT (data);
  g_autofree char *data_dir = NULL;
  g_autoptr(GError) error = NULL;

  f->tls = (flags & SERVE_TLS) != 0;
  f->faults = (flags & SERVE_FAULTS) != 0;
  f->tmp = tanba_test_make_tmp_dir ();
  f->work = g_build_filename (f->tmp, "work", NULL);
  g_assert_cmpint (g_mkdir (f->work, 0700), ==, 0);
  f->exts = g_build_filename (f->work, "exts.cnf", NULL);
  g_file_set_contents (f->exts, exts_cnf, -1, &error);
  g_assert_no_error (error);

  data_dir = g_build_filename (f->tmp, "data", NULL);
  f->demo = tanba_test_demo_new (data_dir, NULL);
  f->server = tanba_test_refserver_start (f->demo->dir, f->tls, f->faults);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  tanba_test_refserver_stop (f->server);
  tanba_test_demo_free (f->demo);
  tanba_test_remove_tree (f->tmp);
  g_free (f->tmp);
  g_free (f->work);
  g_free (f->exts);
}

static void
restart (Fixture *f)
{
  tanba_test_refserver_stop (f->server);
  f->server = tanba_test_refserver_start (f->demo->dir, f->tls, f->faults);
}

static TanbaTestDemoUser *
user (Fixture *f,
      guint    index)
{
  g_assert_cmpuint (index, <, f->demo->users->len);
  return g_ptr_array_index (f->demo->users, index);
}

/* --- running openssl ---------------------------------------------------- */

static int
run_openssl (Fixture  *f,
             char    **output,
             ...) G_GNUC_NULL_TERMINATED;

/* Runs `openssl ARGS...` in the work directory; @output gets stdout+stderr. */
static int
run_openssl (Fixture  *f,
             char    **output,
             ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char *arg;
  va_list args;
  int status;

  g_ptr_array_add (argv, (gpointer) openssl);
  va_start (args, output);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  status = tanba_test_run_in (f->work, (const char * const *) argv->pdata, &out, &err);
  if (output != NULL)
    *output = g_strconcat (out, err, NULL);
  return status;
}

/* `openssl cmp` against the server: the common arguments, then @extra. */
static int
run_cmp (Fixture             *f,
         char               **output,
         const char * const  *extra)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status;

  g_ptr_array_add (argv, (gpointer) openssl);
  g_ptr_array_add (argv, (gpointer) "cmp");
  g_ptr_array_add (argv, (gpointer) "-config");
  g_ptr_array_add (argv, f->exts);
  g_ptr_array_add (argv, (gpointer) "-section");
  g_ptr_array_add (argv, (gpointer) "");
  g_ptr_array_add (argv, (gpointer) "-server");
  g_ptr_array_add (argv, f->server->host_port);
  g_ptr_array_add (argv, (gpointer) "-path");
  g_ptr_array_add (argv, (gpointer) "pkix/");
  g_ptr_array_add (argv, (gpointer) "-trusted");
  g_ptr_array_add (argv, f->demo->ca_certificate);
  g_ptr_array_add (argv, (gpointer) "-msg_timeout");
  g_ptr_array_add (argv, (gpointer) "10");
  if (f->tls)
    {
      g_ptr_array_add (argv, (gpointer) "-tls_used");
      g_ptr_array_add (argv, (gpointer) "-tls_trusted");
      g_ptr_array_add (argv, f->demo->ca_certificate);
    }
  for (guint i = 0; extra[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) extra[i]);
  g_ptr_array_add (argv, NULL);

  status = tanba_test_run_in (f->work, (const char * const *) argv->pdata, &out, &err);
  *output = g_strconcat (out, err, NULL);
  if (g_test_verbose ())
    g_test_message ("openssl cmp %s: %d\n%s", extra[1], status, *output);
  return status;
}

/* The output is passed by reference: it is read after the command ran
 * (the order in which arguments are evaluated is unspecified). */
static void
assert_ok (int    status,
           char **output)
{
  if (status != 0)
    g_error ("openssl failed (%d):\n%s", status, *output);
}

static void
assert_fails_with (int         status,
                   char      **output,
                   const char *expected)
{
  if (status == 0)
    g_error ("openssl succeeded, but should have failed with \"%s\":\n%s", expected, *output);
  if (strstr (*output, expected) == NULL)
    g_error ("openssl output lacks \"%s\":\n%s", expected, *output);
}

static char *
work_path (Fixture    *f,
           const char *name)
{
  return g_build_filename (f->work, name, NULL);
}

static char *
read_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  return contents;
}

/* Extracts the init certificate and key of user @index into the work
 * directory: user-N.crt, user-N.key. The password goes in a 0600 file. */
static void
extract_init_key (Fixture *f,
                  guint    index)
{
  TanbaTestDemoUser *u = user (f, index);
  g_autofree char *pin_name = g_strdup_printf ("pin-%u", index);
  g_autofree char *pin_file = tanba_test_write_secret (f->work, pin_name, u->otp_pin);
  g_autofree char *passin = g_strconcat ("file:", pin_file, NULL);
  g_autofree char *crt = g_strdup_printf ("user-%u.crt", index);
  g_autofree char *key = g_strdup_printf ("user-%u.key", index);
  g_autofree char *output = NULL;
  const char *legacy = index == 2 ? "-legacy" : "-noenc";

  /* -noenc twice is harmless; user 2's file needs the legacy provider */
  assert_ok (run_openssl (f, &output, "pkcs12", legacy, "-in", u->key_file, "-passin", passin,
                          "-nokeys", "-clcerts", "-out", crt, NULL), &output);
  g_clear_pointer (&output, g_free);
  assert_ok (run_openssl (f, &output, "pkcs12", legacy, "-in", u->key_file, "-passin", passin,
                          "-nocerts", "-noenc", "-out", key, NULL), &output);
}

static void
new_key (Fixture    *f,
         const char *name,
         gboolean    rsa)
{
  g_autofree char *output = NULL;

  if (rsa)
    assert_ok (run_openssl (f, &output, "genpkey", "-algorithm", "RSA", "-pkeyopt",
                            "rsa_keygen_bits:2048", "-out", name, NULL), &output);
  else
    assert_ok (run_openssl (f, &output, "genpkey", "-algorithm", "EC", "-pkeyopt",
                            "ec_paramgen_curve:P-256", "-out", name, NULL), &output);
}

/* ir protected with the init key of user @index; @exts and @days may be NULL. */
static int
ir_signed (Fixture     *f,
           guint        index,
           const char  *newkey,
           const char  *exts,
           const char  *days,
           const char  *certout,
           char       **output)
{
  g_autofree char *crt = g_strdup_printf ("user-%u.crt", index);
  g_autofree char *key = g_strdup_printf ("user-%u.key", index);
  g_autofree char *subject = g_strconcat ("/CN=", user (f, index)->user_id, NULL);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  const char *fixed[] = { "-cmd", "ir", "-cert", crt, "-key", key, "-newkey", newkey,
                          "-subject", subject, "-certout", certout };

  for (guint i = 0; i < G_N_ELEMENTS (fixed); i++)
    g_ptr_array_add (argv, (gpointer) fixed[i]);
  if (exts != NULL)
    {
      g_ptr_array_add (argv, (gpointer) "-reqexts");
      g_ptr_array_add (argv, (gpointer) exts);
    }
  if (days != NULL)
    {
      g_ptr_array_add (argv, (gpointer) "-days");
      g_ptr_array_add (argv, (gpointer) days);
    }
  g_ptr_array_add (argv, NULL);
  return run_cmp (f, output, (const char * const *) argv->pdata);
}

/* ir protected with a MAC: reference = user ID, secret = @secret. */
static int
ir_mac (Fixture     *f,
        guint        index,
        const char  *secret,
        const char  *newkey,
        const char  *exts,
        const char  *certout,
        char       **output)
{
  g_autofree char *secret_file = tanba_test_write_secret (f->work, "mac-secret", secret);
  g_autofree char *secret_arg = g_strconcat ("file:", secret_file, NULL);
  g_autofree char *subject = g_strconcat ("/CN=", user (f, index)->user_id, NULL);
  const char *argv[] = { "-cmd", "ir", "-ref", user (f, index)->user_id, "-secret", secret_arg,
                         "-newkey", newkey, "-subject", subject, "-certout", certout,
                         "-reqexts", exts, NULL };

  return run_cmp (f, output, argv);
}

static char *
cert_text (Fixture    *f,
           const char *cert)
{
  g_autofree char *output = NULL;

  assert_ok (run_openssl (f, &output, "x509", "-in", cert, "-noout", "-text", NULL), &output);
  return g_steal_pointer (&output);
}

static void
assert_cert_valid (Fixture    *f,
                   const char *cert,
                   const char *key)
{
  g_autofree char *verify = NULL;
  g_autofree char *cert_pub = NULL;
  g_autofree char *key_pub = NULL;
  g_autofree char *expected = g_strconcat (cert, ": OK", NULL);

  assert_ok (run_openssl (f, &verify, "verify", "-CAfile", f->demo->ca_certificate, cert, NULL),
             &verify);
  g_assert_nonnull (strstr (verify, expected));

  /* certified for the requested key, and that key only */
  assert_ok (run_openssl (f, &cert_pub, "x509", "-in", cert, "-noout", "-pubkey", NULL), &cert_pub);
  assert_ok (run_openssl (f, &key_pub, "pkey", "-in", key, "-pubout", NULL), &key_pub);
  g_assert_cmpstr (cert_pub, ==, key_pub);
}

static void
assert_signing_profile (Fixture    *f,
                        const char *cert)
{
  g_autofree char *text = cert_text (f, cert);

  g_assert_nonnull (strstr (text, "X509v3 Key Usage: critical\n"
                                  "                Digital Signature, Non Repudiation\n"));
  g_assert_null (strstr (text, "Extended Key Usage"));
  g_assert_nonnull (strstr (text, "CA:FALSE"));
}

static void
assert_authentication_profile (Fixture    *f,
                               const char *cert)
{
  g_autofree char *text = cert_text (f, cert);

  g_assert_nonnull (strstr (text, "X509v3 Key Usage: critical\n"
                                  "                Digital Signature\n"));
  g_assert_nonnull (strstr (text, "X509v3 Extended Key Usage: \n"
                                  "                TLS Web Client Authentication\n"));
  g_assert_null (strstr (text, "Non Repudiation"));
}

static void
assert_same_file (Fixture    *f,
                  const char *a,
                  const char *b)
{
  g_autofree char *path_a = work_path (f, a);
  g_autofree char *path_b = work_path (f, b);
  g_autofree char *text_a = read_file (path_a);
  g_autofree char *text_b = read_file (path_b);

  g_assert_cmpstr (text_a, ==, text_b);
}

/* Does the certificate stay valid for @days days from now? */
static gboolean
valid_for_days (Fixture    *f,
                const char *cert,
                int         days)
{
  g_autofree char *seconds = g_strdup_printf ("%d", days * 86400);

  return run_openssl (f, NULL, "x509", "-in", cert, "-noout", "-checkend", seconds, NULL) == 0;
}

/* --- the database ------------------------------------------------------- */

static char *
db_query (Fixture    *f,
          const char *sql,
          const char *argument)
{
  g_autofree char *path = g_build_filename (f->demo->dir, "tanba-refserver.db", NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  char *result = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (argument != NULL)
    sqlite3_bind_text (stmt, 1, argument, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    result = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return result;
}

static void
assert_db (Fixture    *f,
           const char *sql,
           const char *argument,
           const char *expected)
{
  g_autofree char *value = db_query (f, sql, argument);

  g_assert_cmpstr (value, ==, expected);
}

/* --- tests -------------------------------------------------------------- */

static void
test_init_demo (void)
{
  g_autofree char *tmp = tanba_test_make_tmp_dir ();
  g_autofree char *dir = g_build_filename (tmp, "data", NULL);
  g_autoptr(TanbaTestDemo) demo = tanba_test_demo_new (dir, NULL);
  g_autoptr(GRegex) id_re = g_regex_new ("^[a-z]{2}[0-9]{6}_[a-z]{8}$", 0, 0, NULL);
  g_autoptr(GRegex) pin_re = g_regex_new ("^[A-Z0-9]{11}$", 0, 0, NULL);
  g_autofree char *db = g_build_filename (dir, "tanba-refserver.db", NULL);
  g_autofree char *ca_key = g_build_filename (dir, "private", "ca.key", NULL);
  g_autofree char *tls_cert = g_build_filename (dir, "tls.crt", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  Fixture f = { .work = tmp };
  GStatBuf st;

  g_assert_cmpuint (demo->users->len, ==, 3);
  g_assert_true (g_str_has_prefix (demo->ca_certificate, dir));
  g_assert_true (g_file_test (demo->ca_certificate, G_FILE_TEST_IS_REGULAR));

  /* private things are private */
  g_assert_cmpint (g_stat (db, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (g_stat (ca_key, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (g_stat (dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);

  for (guint i = 0; i < demo->users->len; i++)
    {
      TanbaTestDemoUser *u = g_ptr_array_index (demo->users, i);
      g_autofree char *pin_file = tanba_test_write_secret (tmp, "pin", u->otp_pin);
      g_autofree char *passin = g_strconcat ("file:", pin_file, NULL);
      g_autofree char *wrong_file = tanba_test_write_secret (tmp, "wrong", "AAAAAAAAAAA");
      g_autofree char *wrong = g_strconcat ("file:", wrong_file, NULL);
      g_autofree char *info = NULL;
      g_autofree char *subject = NULL;
      g_autofree char *expected_cn = g_strconcat ("CN = ", u->user_id, "\n", NULL);
      gboolean lookalike = strpbrk (u->otp_pin, "IO01") != NULL;

      g_assert_true (g_regex_match (id_re, u->user_id, 0, NULL));
      g_assert_true (g_regex_match (pin_re, u->otp_pin, 0, NULL));
      g_assert_cmpint (g_stat (u->key_file, &st), ==, 0);
      g_assert_cmpint (st.st_mode & 0777, ==, 0600);
      /* user 1 has look-alikes ('1' and 'O'), the others none */
      g_assert_cmpint (lookalike, ==, i == 1);
      if (i == 1)
        g_assert_true (strchr (u->otp_pin, '1') != NULL && strchr (u->otp_pin, 'O') != NULL);

      if (i == 2)
        {
          /* RC2-40 needs the legacy provider: plain OpenSSL 3 refuses it */
          g_assert_cmpint (run_openssl (&f, &info, "pkcs12", "-in", u->key_file, "-passin",
                                        passin, "-noout", NULL), !=, 0);
          g_clear_pointer (&info, g_free);
          assert_ok (run_openssl (&f, &info, "pkcs12", "-legacy", "-info", "-noout", "-in",
                                  u->key_file, "-passin", passin, NULL), &info);
          g_assert_nonnull (strstr (info, "pbeWithSHA1And40BitRC2-CBC"));
          g_assert_nonnull (strstr (info, "pbeWithSHA1And3-KeyTripleDES-CBC"));
        }
      else
        {
          assert_ok (run_openssl (&f, &info, "pkcs12", "-info", "-noout", "-in", u->key_file,
                                  "-passin", passin, NULL), &info);
          g_assert_nonnull (strstr (info, "AES-256-CBC"));
        }
      g_assert_cmpint (run_openssl (&f, NULL, "pkcs12", "-legacy", "-noout", "-in",
                                    u->key_file, "-passin", wrong, NULL), !=, 0);

      /* the init certificate names the user (CN) and comes from the CA */
      assert_ok (run_openssl (&f, &subject, "pkcs12", "-legacy", "-in", u->key_file, "-passin",
                              passin, "-nokeys", "-clcerts", "-out", "init.crt", NULL), &subject);
      g_clear_pointer (&subject, g_free);
      assert_ok (run_openssl (&f, &subject, "x509", "-in", "init.crt", "-noout", "-subject",
                              "-ext", "keyUsage", NULL), &subject);
      g_assert_nonnull (strstr (subject, expected_cn));
      g_assert_nonnull (strstr (subject, "Digital Signature"));
      g_clear_pointer (&subject, g_free);
      assert_ok (run_openssl (&f, &subject, "verify", "-CAfile", demo->ca_certificate,
                              "init.crt", NULL), &subject);
    }

  /* the CA may sign certificates and CMP messages; the TLS certificate
   * names localhost, 127.0.0.1 and ::1 */
  {
    g_autofree char *ca = NULL;
    g_autofree char *tls = NULL;

    assert_ok (run_openssl (&f, &ca, "x509", "-in", demo->ca_certificate, "-noout", "-ext",
                            "keyUsage,basicConstraints", NULL), &ca);
    g_assert_nonnull (strstr (ca, "Digital Signature, Certificate Sign, CRL Sign"));
    g_assert_nonnull (strstr (ca, "CA:TRUE"));
    assert_ok (run_openssl (&f, &tls, "x509", "-in", tls_cert, "-noout", "-ext",
                            "subjectAltName,extendedKeyUsage", NULL), &tls);
    g_assert_nonnull (strstr (tls, "DNS:localhost, IP Address:127.0.0.1, "
                                   "IP Address:0:0:0:0:0:0:0:1"));
    g_assert_nonnull (strstr (tls, "TLS Web Server Authentication"));
  }

  /* no PIN in the database in clear (PBM needs it: it is sealed) */
  {
    g_autofree char *contents = NULL;
    gsize length = 0;

    g_file_get_contents (db, &contents, &length, NULL);
    for (guint i = 0; i < demo->users->len; i++)
      {
        TanbaTestDemoUser *u = g_ptr_array_index (demo->users, i);

        g_assert_null (g_strstr_len (contents, length, u->otp_pin));
      }
  }

  /* a second --init-demo into the same directory is refused */
  {
    const char *argv[] = { tanba_test_refserver_path (), "--init-demo", dir, NULL };

    g_assert_cmpint (tanba_test_run_in (NULL, argv, &out, &err), ==, 1);
    g_assert_nonnull (strstr (err, "not empty"));
  }

  tanba_test_remove_tree (tmp);
}

static void
test_init_demo_text (void)
{
  g_autofree char *tmp = tanba_test_make_tmp_dir ();
  g_autofree char *dir = g_build_filename (tmp, "data", NULL);
  const char *argv[] = { tanba_test_refserver_path (), "--init-demo", dir, "--users", "2",
                         "--key-type", "rsa", NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_cmpint (tanba_test_run_in (NULL, argv, &out, &err), ==, 0);
  g_assert_nonnull (strstr (out, "User ID:"));
  g_assert_nonnull (strstr (out, "OTP PIN:"));
  g_assert_nonnull (strstr (out, ".pfx"));
  tanba_test_remove_tree (tmp);
}

/* The registration of the guide, with the init key: signing and
 * authentication certificates, retries, one-time use of the init key. */
static void
test_enroll_signature (Fixture       *f,
                       gconstpointer  data)
{
  TanbaTestDemoUser *u = user (f, 0);
  g_autofree char *out = NULL;

  extract_init_key (f, 0);
  new_key (f, "sign.key", FALSE);
  new_key (f, "auth.key", TRUE);
  new_key (f, "third.key", FALSE);

  /* the signing certificate, for 2 years */
  assert_ok (ir_signed (f, 0, "sign.key", "sign", "730", "sign.crt", &out), &out);
  g_assert_nonnull (strstr (out, "received IP"));
  g_assert_nonnull (strstr (out, "sending CERTCONF"));
  g_assert_nonnull (strstr (out, "received PKICONF"));
  assert_cert_valid (f, "sign.crt", "sign.key");
  assert_signing_profile (f, "sign.crt");
  g_assert_true (valid_for_days (f, "sign.crt", 729));
  g_assert_false (valid_for_days (f, "sign.crt", 731));
  assert_db (f, "SELECT status FROM certificates WHERE user_id = ? AND profile = 'signing'",
             u->user_id, "accepted");
  assert_db (f, "SELECT status FROM registrations WHERE user_id = ?", u->user_id, "open");
  assert_db (f, "SELECT status FROM init_keys WHERE user_id = ?", u->user_id, "active");

  /* the same key again before the registration is complete: the very same
   * certificate, not a second one */
  g_clear_pointer (&out, g_free);
  assert_ok (ir_signed (f, 0, "sign.key", "sign", "730", "sign-again.crt", &out), &out);
  assert_same_file (f, "sign.crt", "sign-again.crt");
  assert_db (f, "SELECT count(*) FROM certificates WHERE user_id = ?", u->user_id, "1");

  /* the same key for the other profile is refused */
  g_clear_pointer (&out, g_free);
  assert_fails_with (ir_signed (f, 0, "sign.key", "auth", NULL, "x.crt", &out), &out,
                     "badCertTemplate");

  /* the authentication certificate (RSA), default term 1 year */
  g_clear_pointer (&out, g_free);
  assert_ok (ir_signed (f, 0, "auth.key", "auth", NULL, "auth.crt", &out), &out);
  assert_cert_valid (f, "auth.crt", "auth.key");
  assert_authentication_profile (f, "auth.crt");
  g_assert_true (valid_for_days (f, "auth.crt", 364));
  g_assert_false (valid_for_days (f, "auth.crt", 366));

  /* both confirmed: registration complete, init key retired */
  assert_db (f, "SELECT status FROM registrations WHERE user_id = ?", u->user_id, "complete");
  assert_db (f, "SELECT status FROM init_keys WHERE user_id = ?", u->user_id, "retired");
  assert_db (f, "SELECT group_concat (status) FROM certificates WHERE user_id = ?", u->user_id,
             "accepted,accepted");

  /* a third request with the init key, for a new key: refused */
  g_clear_pointer (&out, g_free);
  assert_fails_with (ir_signed (f, 0, "third.key", "sign", NULL, "third.crt", &out), &out,
                     "notAuthorized");
  g_assert_nonnull (strstr (out, "already used for a completed registration"));
  assert_db (f, "SELECT count(*) FROM certificates WHERE user_id = ?", u->user_id, "2");

  /* a lost answer after the last certConf: the same key gets the same
   * certificate again, nothing new is issued */
  g_clear_pointer (&out, g_free);
  assert_ok (ir_signed (f, 0, "auth.key", "auth", NULL, "auth-again.crt", &out), &out);
  assert_same_file (f, "auth.crt", "auth-again.crt");
  assert_db (f, "SELECT count(*) FROM certificates WHERE user_id = ?", u->user_id, "2");
}

/* MAC (PBM) protection with user ID + OTP PIN. */
static void
test_enroll_mac (Fixture       *f,
                 gconstpointer  data)
{
  TanbaTestDemoUser *u = user (f, 1);
  g_autofree char *wrong_pin = g_strdup (u->otp_pin);
  g_autofree char *out = NULL;
  g_autofree char *log = NULL;

  new_key (f, "sign.key", FALSE);
  new_key (f, "auth.key", FALSE);
  new_key (f, "third.key", FALSE);

  /* a wrong PIN (here: the look-alike 1 -> I) is refused with an answer
   * the client can check (signed, as it cannot be MACed) */
  *strchr (wrong_pin, '1') = 'I';
  assert_fails_with (ir_mac (f, 1, wrong_pin, "sign.key", "sign", "sign.crt", &out), &out,
                     "the MAC does not match a user ID and its OTP PIN");
  g_assert_null (strstr (out, "error validating protection"));
  assert_db (f, "SELECT count(*) FROM certificates WHERE user_id = ?", u->user_id, "0");

  g_clear_pointer (&out, g_free);
  assert_ok (ir_mac (f, 1, u->otp_pin, "sign.key", "sign", "sign.crt", &out), &out);
  assert_cert_valid (f, "sign.crt", "sign.key");
  assert_signing_profile (f, "sign.crt");
  assert_db (f, "SELECT protection FROM certificates WHERE user_id = ?", u->user_id, "mac");

  g_clear_pointer (&out, g_free);
  assert_ok (ir_mac (f, 1, u->otp_pin, "auth.key", "auth", "auth.crt", &out), &out);
  assert_cert_valid (f, "auth.crt", "auth.key");
  assert_authentication_profile (f, "auth.crt");
  assert_db (f, "SELECT status FROM registrations WHERE user_id = ?", u->user_id, "complete");

  /* the OTP PIN is one-time too */
  g_clear_pointer (&out, g_free);
  assert_fails_with (ir_mac (f, 1, u->otp_pin, "third.key", "sign", "third.crt", &out), &out,
                     "notAuthorized");

  /* and so is the init key of the same user */
  extract_init_key (f, 1);
  g_clear_pointer (&out, g_free);
  assert_fails_with (ir_signed (f, 1, "third.key", "sign", NULL, "third.crt", &out), &out,
                     "notAuthorized");

  /* the PIN never reaches the server's log, even at debug level */
  log = read_file (f->server->log_path);
  g_assert_null (strstr (log, u->otp_pin));
}

/* Restart in the middle of a registration loses nothing. */
static void
test_restart (Fixture       *f,
              gconstpointer  data)
{
  TanbaTestDemoUser *u = user (f, 2);
  g_autofree char *out = NULL;

  extract_init_key (f, 2); /* the legacy RC2/3DES key file */
  new_key (f, "sign.key", FALSE);
  new_key (f, "auth.key", FALSE);
  new_key (f, "third.key", FALSE);

  assert_ok (ir_signed (f, 2, "sign.key", "sign", "365", "sign.crt", &out), &out);
  restart (f);

  g_clear_pointer (&out, g_free);
  assert_ok (ir_signed (f, 2, "sign.key", "sign", "365", "sign-again.crt", &out), &out);
  assert_same_file (f, "sign.crt", "sign-again.crt");
  restart (f);

  g_clear_pointer (&out, g_free);
  assert_ok (ir_signed (f, 2, "auth.key", "auth", "365", "auth.crt", &out), &out);
  restart (f);

  assert_db (f, "SELECT status FROM init_keys WHERE user_id = ?", u->user_id, "retired");
  g_clear_pointer (&out, g_free);
  assert_fails_with (ir_signed (f, 2, "third.key", "sign", NULL, "third.crt", &out), &out,
                     "notAuthorized");
  assert_db (f, "SELECT count(*) FROM certificates WHERE user_id = ?", u->user_id, "2");
}

/* What the server refuses in a certificate request. */
static void
test_bad_requests (Fixture       *f,
                   gconstpointer  data)
{
  TanbaTestDemoUser *u = user (f, 0);
  g_autofree char *out = NULL;

  extract_init_key (f, 0);
  new_key (f, "new.key", FALSE);

  /* no profile asked for */
  assert_fails_with (ir_signed (f, 0, "new.key", NULL, NULL, "x.crt", &out), &out,
                     "badCertTemplate");
  /* a profile that does not exist */
  g_clear_pointer (&out, g_free);
  assert_fails_with (ir_signed (f, 0, "new.key", "bad", NULL, "x.crt", &out), &out,
                     "badCertTemplate");
  /* the init key itself as the new key */
  g_clear_pointer (&out, g_free);
  assert_fails_with (ir_signed (f, 0, "user-0.key", "sign", NULL, "x.crt", &out), &out,
                     "needs a new key pair");
  /* another user's name in the subject */
  {
    const char *argv[] = { "-cmd", "ir", "-cert", "user-0.crt", "-key", "user-0.key",
                           "-newkey", "new.key", "-subject", "/CN=zz999999_someoneb",
                           "-reqexts", "sign", "-certout", "x.crt", NULL };

    g_clear_pointer (&out, g_free);
    assert_fails_with (run_cmp (f, &out, argv), &out, "zz999999_someoneb");
  }
  /* kur with the init key */
  {
    const char *argv[] = { "-cmd", "kur", "-cert", "user-0.crt", "-key", "user-0.key",
                           "-newkey", "new.key", "-certout", "x.crt", NULL };

    g_clear_pointer (&out, g_free);
    assert_fails_with (run_cmp (f, &out, argv), &out, "notAuthorized");
  }
  /* a term beyond 3 years is capped */
  g_clear_pointer (&out, g_free);
  assert_ok (ir_signed (f, 0, "new.key", "sign", "2000", "capped.crt", &out), &out);
  g_assert_nonnull (strstr (out, "capped at 3 years"));
  g_assert_true (valid_for_days (f, "capped.crt", 3 * 365 - 1));
  g_assert_false (valid_for_days (f, "capped.crt", 3 * 366 + 1));

  assert_db (f, "SELECT count(*) FROM certificates WHERE user_id = ?", u->user_id, "1");
}

/* Renewal (kur) and revocation (rr) after a registration. */
static void
test_kur_rr (Fixture       *f,
             gconstpointer  data)
{
  TanbaTestDemoUser *u = user (f, 0);
  g_autofree char *out = NULL;

  extract_init_key (f, 0);
  new_key (f, "sign.key", FALSE);
  new_key (f, "auth.key", FALSE);
  new_key (f, "sign2.key", FALSE);
  new_key (f, "sign3.key", FALSE);
  assert_ok (ir_signed (f, 0, "sign.key", "sign", NULL, "sign.crt", &out), &out);
  g_clear_pointer (&out, g_free);
  assert_ok (ir_signed (f, 0, "auth.key", "auth", NULL, "auth.crt", &out), &out);

  /* renew the signing certificate, signed with it; no extensions asked:
   * the profile is kept */
  {
    const char *argv[] = { "-cmd", "kur", "-cert", "sign.crt", "-key", "sign.key",
                           "-newkey", "sign2.key", "-days", "365", "-certout", "sign2.crt", NULL };

    g_clear_pointer (&out, g_free);
    assert_ok (run_cmp (f, &out, argv), &out);
    g_assert_nonnull (strstr (out, "received KUP"));
    assert_cert_valid (f, "sign2.crt", "sign2.key");
    assert_signing_profile (f, "sign2.crt");
    assert_db (f, "SELECT status FROM certificates WHERE cert_der = "
               "(SELECT cert_der FROM certificates WHERE origin = 'ir' AND profile = 'signing'"
               " AND user_id = ?)", u->user_id, "superseded");

    /* the same kur again (answer lost): the same certificate */
    argv[11] = "sign2-again.crt";
    g_clear_pointer (&out, g_free);
    assert_ok (run_cmp (f, &out, argv), &out);
    assert_same_file (f, "sign2.crt", "sign2-again.crt");

    /* a second renewal of the superseded certificate: refused */
    argv[7] = "sign3.key";
    argv[11] = "sign3.crt";
    g_clear_pointer (&out, g_free);
    assert_fails_with (run_cmp (f, &out, argv), &out, "already renewed");
  }

  /* revoke the authentication certificate with the new signing one */
  {
    const char *argv[] = { "-cmd", "rr", "-cert", "sign2.crt", "-key", "sign2.key",
                           "-oldcert", "auth.crt", NULL };

    g_clear_pointer (&out, g_free);
    assert_ok (run_cmp (f, &out, argv), &out);
    g_assert_nonnull (strstr (out, "revocation accepted"));
    assert_db (f, "SELECT status FROM certificates WHERE profile = 'authentication'"
               " AND user_id = ?", u->user_id, "revoked");

    g_clear_pointer (&out, g_free);
    assert_fails_with (run_cmp (f, &out, argv), &out, "certRevoked");
  }

  /* a revoked certificate can no longer renew */
  {
    const char *argv[] = { "-cmd", "kur", "-cert", "auth.crt", "-key", "auth.key",
                           "-newkey", "sign3.key", "-certout", "x.crt", NULL };

    g_clear_pointer (&out, g_free);
    assert_fails_with (run_cmp (f, &out, argv), &out, "certRevoked");
  }
}

/* HTTPS with the bank's TLS certificate. */
static void
test_tls (Fixture       *f,
          gconstpointer  data)
{
  TanbaTestDemoUser *u = user (f, 1);
  g_autofree char *out = NULL;

  g_assert_true (g_str_has_prefix (f->server->url, "https://127.0.0.1:"));
  new_key (f, "sign.key", FALSE);
  assert_ok (ir_mac (f, 1, u->otp_pin, "sign.key", "sign", "sign.crt", &out), &out);
  assert_cert_valid (f, "sign.crt", "sign.key");
}

static int
post_faults (Fixture    *f,
             const char *json)
{
  g_autofree char *url = g_strconcat (f->server->url, "test/faults", NULL);
  g_autofree char *file = work_path (f, "faults.json");
  const char *argv[] = { "curl", "-sS", "-f", "-o", "/dev/null", "--data-binary", NULL, url,
                         NULL };
  g_autofree char *data_arg = g_strconcat ("@", file, NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status;

  g_file_set_contents (file, json, -1, NULL);
  argv[6] = data_arg;
  status = tanba_test_run_in (f->work, argv, &out, &err);
  if (status != 0)
    g_test_message ("curl: %s", err);
  return status;
}

/* The test-only fault switches, one by one. */
static void
test_faults (Fixture       *f,
             gconstpointer  data)
{
  TanbaTestDemoUser *u = user (f, 0);
  g_autofree char *out = NULL;

  if (!have_curl ())
    {
      g_test_skip ("curl is not installed");
      return;
    }

  extract_init_key (f, 0);
  new_key (f, "sign.key", FALSE);
  new_key (f, "auth.key", FALSE);

  /* drop the connection after issuing: stored, never delivered */
  g_assert_cmpint (post_faults (f, "{\"faults\": [{\"kind\": \"drop\", \"message\": \"ir\"}]}"),
                   ==, 0);
  assert_fails_with (ir_signed (f, 0, "sign.key", "sign", NULL, "sign.crt", &out), &out,
                     "request sent: IR, expected response: IP");
  assert_db (f, "SELECT status FROM certificates WHERE user_id = ?", u->user_id, "issued");

  /* 500 on the certConf */
  g_assert_cmpint (post_faults (f, "{\"faults\": [{\"kind\": \"http-500\", "
                                   "\"message\": \"certConf\"}]}"), ==, 0);
  g_clear_pointer (&out, g_free);
  assert_fails_with (ir_signed (f, 0, "sign.key", "sign", NULL, "sign.crt", &out), &out,
                     "code=500");
  assert_db (f, "SELECT status FROM certificates WHERE user_id = ?", u->user_id, "issued");

  /* a corrupted answer */
  g_assert_cmpint (post_faults (f, "{\"faults\": [{\"kind\": \"corrupt\", "
                                   "\"message\": \"ir\"}]}"), ==, 0);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (ir_signed (f, 0, "sign.key", "sign", NULL, "sign.crt", &out), !=, 0);

  /* a stalled answer: the client gives up first */
  g_assert_cmpint (post_faults (f, "{\"faults\": [{\"kind\": \"stall\", \"message\": \"ir\", "
                                   "\"seconds\": 3}]}"), ==, 0);
  {
    g_autofree char *crt = g_strdup ("user-0.crt");
    g_autofree char *subject = g_strconcat ("/CN=", u->user_id, NULL);
    const char *argv[] = { "-cmd", "ir", "-cert", crt, "-key", "user-0.key", "-newkey",
                           "sign.key", "-subject", subject, "-reqexts", "sign", "-certout",
                           "sign.crt", "-msg_timeout", "1", NULL };

    g_clear_pointer (&out, g_free);
    assert_fails_with (run_cmp (f, &out, argv), &out, "timeout");
  }

  /* skip: the first ir passes, the second is answered with 500 */
  g_assert_cmpint (post_faults (f, "{\"faults\": [{\"kind\": \"http-500\", \"message\": \"ir\", "
                                   "\"skip\": 1}]}"), ==, 0);
  g_clear_pointer (&out, g_free);
  assert_ok (ir_signed (f, 0, "sign.key", "sign", NULL, "sign.crt", &out), &out);
  g_clear_pointer (&out, g_free);
  assert_fails_with (ir_signed (f, 0, "auth.key", "auth", NULL, "auth.crt", &out), &out,
                     "code=500");

  /* after all that: one signing certificate, the registration completes */
  g_clear_pointer (&out, g_free);
  assert_ok (ir_signed (f, 0, "auth.key", "auth", NULL, "auth.crt", &out), &out);
  assert_db (f, "SELECT count(*) FROM certificates WHERE user_id = ?", u->user_id, "2");
  assert_db (f, "SELECT status FROM registrations WHERE user_id = ?", u->user_id, "complete");

  /* a bad fault description is refused */
  g_assert_cmpint (post_faults (f, "{\"faults\": [{\"kind\": \"explode\"}]}"), !=, 0);
}

/* Without --test-faults there is no control endpoint. */
static void
test_no_faults_endpoint (Fixture       *f,
                         gconstpointer  data)
{
  if (!have_curl ())
    {
      g_test_skip ("curl is not installed");
      return;
    }
  g_assert_cmpint (post_faults (f, "{\"faults\": [{\"kind\": \"drop\"}]}"), !=, 0);
}

/* HTTP-level answers that are not CMP. */
static void
test_http (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *pkix = g_strconcat (f->server->url, "pkix/", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  if (!have_curl ())
    {
      g_test_skip ("curl is not installed");
      return;
    }

  {
    const char *argv[] = { "curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", pkix, NULL };

    tanba_test_run_in (NULL, argv, &out, &err);
    g_assert_cmpstr (out, ==, "405");
  }
  {
    const char *argv[] = { "curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}",
                           "-H", "Content-Type: text/plain", "--data-binary", "x", pkix, NULL };

    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
    tanba_test_run_in (NULL, argv, &out, &err);
    g_assert_cmpstr (out, ==, "415");
  }
  {
    const char *argv[] = { "curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}",
                           "-H", "Content-Type: application/pkixcmp", "--data-binary",
                           "not DER", pkix, NULL };

    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
    tanba_test_run_in (NULL, argv, &out, &err);
    g_assert_cmpstr (out, ==, "400");
  }
}

/* curl against the server: returns the body; @extra are more arguments. */
static char *
curl (Fixture            *f,
      const char         *path,
      const char * const *extra)
{
  g_autofree char *url = g_strconcat (f->server->url, path, NULL);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *err = NULL;
  char *out = NULL;

  g_ptr_array_add (argv, (gpointer) "curl");
  g_ptr_array_add (argv, (gpointer) "-sS");
  g_ptr_array_add (argv, (gpointer) "--cacert");
  g_ptr_array_add (argv, f->demo->ca_certificate);
  for (guint i = 0; extra != NULL && extra[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) extra[i]);
  g_ptr_array_add (argv, url);
  g_ptr_array_add (argv, NULL);
  if (tanba_test_run_in (f->work, (const char * const *) argv->pdata, &out, &err) != 0)
    g_error ("curl %s failed: %s", path, err);
  return out;
}

static char *
json_string (const char *json,
             const char *member)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *object;

  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);
  object = json_node_get_object (json_parser_get_root (parser));
  return g_strdup (json_object_get_string_member_with_default (object, member, NULL));
}

static char *
der_base64 (Fixture    *f,
            const char *cert,
            GBytes    **der_out)
{
  g_autofree char *der_file = g_strconcat (cert, ".der", NULL);
  g_autofree char *path = work_path (f, der_file);
  g_autofree char *output = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;

  assert_ok (run_openssl (f, &output, "x509", "-in", cert, "-outform", "DER", "-out", der_file,
                          NULL), &output);
  g_file_get_contents (path, &contents, &length, NULL);
  if (der_out != NULL)
    *der_out = g_bytes_new (contents, length);
  return g_base64_encode ((const guchar *) contents, length);
}

/* POSTs a bank registration: a fresh nonce, signed with @signer_key (and
 * @signer_cert) over nonce || SHA-256 (authentication certificate DER). */
static char *
bank_register (Fixture    *f,
               const char *signer_cert,
               const char *signer_key)
{
  const char *post[] = { "-X", "POST", NULL };
  g_autofree char *nonce_json = curl (f, "bank/registration/nonce", post);
  g_autofree char *nonce = json_string (nonce_json, "nonce");
  g_autofree char *sign_b64 = der_base64 (f, "sign.crt", NULL);
  g_autoptr(GBytes) auth_der = NULL;
  g_autofree char *auth_b64 = der_base64 (f, "auth.crt", &auth_der);
  g_autofree char *content_path = work_path (f, "content.bin");
  g_autofree char *signature_path = work_path (f, "signature.der");
  g_autofree char *signature = NULL;
  g_autofree char *signature_b64 = NULL;
  g_autofree char *request = NULL;
  g_autofree char *request_path = work_path (f, "registration.json");
  g_autofree char *output = NULL;
  g_autoptr(GByteArray) content = g_byte_array_new ();
  g_autofree guchar *nonce_bytes = NULL;
  guint8 digest[32];
  gsize length = 0, digest_length = sizeof digest;
  GChecksum *checksum = g_checksum_new (G_CHECKSUM_SHA256);

  g_assert_nonnull (nonce);
  nonce_bytes = g_base64_decode (nonce, &length);
  g_assert_cmpuint (length, ==, 32);
  g_byte_array_append (content, nonce_bytes, length);
  g_checksum_update (checksum, g_bytes_get_data (auth_der, NULL), g_bytes_get_size (auth_der));
  g_checksum_get_digest (checksum, digest, &digest_length);
  g_checksum_free (checksum);
  g_byte_array_append (content, digest, digest_length);
  g_file_set_contents (content_path, (const char *) content->data, content->len, NULL);

  /* a detached CAdES-BES signature, as for documents */
  assert_ok (run_openssl (f, &output, "cms", "-sign", "-binary", "-cades", "-in", "content.bin",
                          "-signer", signer_cert, "-inkey", signer_key, "-outform", "DER",
                          "-out", "signature.der", NULL), &output);
  g_file_get_contents (signature_path, &signature, &length, NULL);
  signature_b64 = g_base64_encode ((const guchar *) signature, length);

  request = g_strdup_printf ("{\"nonce\": \"%s\", \"signing_certificate\": \"%s\", "
                             "\"authentication_certificate\": \"%s\", \"signature\": \"%s\"}",
                             nonce, sign_b64, auth_b64, signature_b64);
  g_file_set_contents (request_path, request, -1, NULL);
  {
    const char *argv[] = { "-H", "Content-Type: application/json", "--data-binary",
                           "@registration.json", NULL };

    return curl (f, "bank/registration", argv);
  }
}

static char *
bank_whoami (Fixture    *f,
             const char *cert,
             const char *key)
{
  const char *argv[] = { "--cert", cert, "--key", key, NULL };

  return curl (f, "bank/whoami", cert != NULL ? argv : NULL);
}

/* Registration with the bank, then sign-in with the TLS client certificate. */
static void
test_bank (Fixture       *f,
           gconstpointer  data)
{
  TanbaTestDemoUser *u = user (f, 0);
  g_autofree char *out = NULL;
  g_autofree char *answer = NULL;
  g_autofree char *value = NULL;

  if (!have_curl ())
    {
      g_test_skip ("curl is not installed");
      return;
    }

  new_key (f, "sign.key", FALSE);
  new_key (f, "auth.key", FALSE);
  assert_ok (ir_mac (f, 0, u->otp_pin, "sign.key", "sign", "sign.crt", &out), &out);
  g_clear_pointer (&out, g_free);
  assert_ok (ir_mac (f, 0, u->otp_pin, "auth.key", "auth", "auth.crt", &out), &out);

  /* not registered with the bank yet */
  answer = bank_whoami (f, "auth.crt", "auth.key");
  value = json_string (answer, "error");
  g_assert_cmpstr (value, ==, "certificate-not-registered");

  /* signed by the wrong key */
  g_clear_pointer (&answer, g_free);
  g_clear_pointer (&value, g_free);
  answer = bank_register (f, "auth.crt", "auth.key");
  value = json_string (answer, "error");
  g_assert_cmpstr (value, ==, "signature-invalid");

  g_clear_pointer (&answer, g_free);
  g_clear_pointer (&value, g_free);
  answer = bank_register (f, "sign.crt", "sign.key");
  value = json_string (answer, "status");
  g_assert_cmpstr (value, ==, "registered");
  g_clear_pointer (&value, g_free);
  value = json_string (answer, "user_id");
  g_assert_cmpstr (value, ==, u->user_id);

  /* a repeat (a lost answer) is harmless */
  g_clear_pointer (&answer, g_free);
  g_clear_pointer (&value, g_free);
  answer = bank_register (f, "sign.crt", "sign.key");
  value = json_string (answer, "status");
  g_assert_cmpstr (value, ==, "already-registered");

  /* sign-in: only with the registered authentication certificate */
  g_clear_pointer (&answer, g_free);
  g_clear_pointer (&value, g_free);
  answer = bank_whoami (f, "auth.crt", "auth.key");
  value = json_string (answer, "user_id");
  g_assert_cmpstr (value, ==, u->user_id);

  g_clear_pointer (&answer, g_free);
  g_clear_pointer (&value, g_free);
  answer = bank_whoami (f, NULL, NULL);
  value = json_string (answer, "error");
  g_assert_cmpstr (value, ==, "no-client-certificate");

  g_clear_pointer (&answer, g_free);
  g_clear_pointer (&value, g_free);
  answer = bank_whoami (f, "sign.crt", "sign.key");
  value = json_string (answer, "error");
  g_assert_cmpstr (value, ==, "wrong-certificate");

  /* the registered key in a certificate the bank's CA did not issue */
  {
    g_autofree char *subject = g_strconcat ("/O=Tanba Demo Bank/CN=", u->user_id, NULL);
    g_autofree char *output = NULL;

    assert_ok (run_openssl (f, &output, "req", "-x509", "-new", "-key", "auth.key", "-subj",
                            subject, "-days", "30", "-addext", "extendedKeyUsage=clientAuth",
                            "-out", "self.crt", NULL), &output);
  }
  g_clear_pointer (&answer, g_free);
  g_clear_pointer (&value, g_free);
  answer = bank_whoami (f, "self.crt", "auth.key");
  value = json_string (answer, "error");
  g_assert_cmpstr (value, ==, "certificate-untrusted");

  /* and it survives a restart */
  restart (f);
  g_clear_pointer (&answer, g_free);
  g_clear_pointer (&value, g_free);
  answer = bank_whoami (f, "auth.crt", "auth.key");
  value = json_string (answer, "user_id");
  g_assert_cmpstr (value, ==, u->user_id);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_autofree char *openssl_path = g_find_program_in_path ("openssl");

  if (openssl_path == NULL)
    {
      g_test_skip ("openssl is not installed");
      return g_test_run ();
    }

  g_test_add_func ("/server/init-demo/json", test_init_demo);
  g_test_add_func ("/server/init-demo/text", test_init_demo_text);
#define ADD(path, flags, func) \
  g_test_add (path, Fixture, GUINT_TO_POINTER (flags), fixture_set_up, func, fixture_tear_down)
  ADD ("/server/cmp/enroll-signature", SERVE_PLAIN, test_enroll_signature);
  ADD ("/server/cmp/enroll-mac", SERVE_PLAIN, test_enroll_mac);
  ADD ("/server/cmp/restart", SERVE_PLAIN, test_restart);
  ADD ("/server/cmp/bad-requests", SERVE_PLAIN, test_bad_requests);
  ADD ("/server/cmp/kur-rr", SERVE_PLAIN, test_kur_rr);
  ADD ("/server/tls", SERVE_TLS, test_tls);
  ADD ("/server/faults", SERVE_FAULTS, test_faults);
  ADD ("/server/faults/off", SERVE_PLAIN, test_no_faults_endpoint);
  ADD ("/server/http", SERVE_PLAIN, test_http);
  ADD ("/server/bank", SERVE_TLS, test_bank);
#undef ADD

  return g_test_run ();
}
