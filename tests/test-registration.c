/* SPDX-License-Identifier: GPL-3.0-or-later */
/* `tanba-cli register` end to end: the reference server over real HTTP(S),
 * SoftHSM factory tokens, and independent checks: pkcs11-tool on the token,
 * `openssl verify` on the certificates, sqlite3 on the server's database.
 * Then the interruptions (a fault at every step, then --continue) and the
 * bad input, and no secret anywhere in the output, the journal or the marker. */
#include "config.h"

#include <signal.h>
#include <sys/prctl.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "tanba-http.h"
#include "tanba-registration.h"
#include "tanba-registration-marker.h"
#include "tanba-registration-journal.h"
#include "tanba-test-refserver.h"
#include "tanba-test-token.h"

#define NEW_PIN   "Kt7m2q9w"
#define PLANTED_ID "0123456789abcdef0123456789abcdef"
#define N_TOKENS  56
#define N_USERS   56

static TanbaTestSoftHsm *hsm;
static TanbaTestDemo *demo;
static TanbaTestRefserver *server;
static char *work_dir;
static char *state_dir;
static char *control_path;
static guint next_token_index;
static guint next_user_index = 3;   /* 0..2 are the special demo users */
/* Every secret a test used: none may appear in any output or file. */
static GPtrArray *secrets;

static guint
take_token (void)
{
  g_assert_cmpuint (next_token_index, <, N_TOKENS);
  return next_token_index++;
}

static TanbaTestDemoUser *
user (guint index)
{
  return g_ptr_array_index (demo->users, index);
}

static TanbaTestDemoUser *
take_user (void)
{
  g_assert_cmpuint (next_user_index, <, demo->users->len);
  return user (next_user_index++);
}

static const char *
serial_of (guint index)
{
  return g_ptr_array_index (hsm->serials, index);
}

static void
assert_no_secret_in (const char *what,
                     const char *text)
{
  for (guint i = 0; text != NULL && i < secrets->len; i++)
    if (strstr (text, g_ptr_array_index (secrets, i)) != NULL)
      g_error ("A secret appeared in %s", what);
}

/* `tanba-cli --module MODULE --token SERIAL [--json] COMMAND ARGS…`,
 * NULL-terminated for spawning. @module NULL: SoftHSM. */
static GPtrArray *
cli_argv (guint               token_index,
          const char         *module,
          gboolean            json,
          const char         *command,
          const char * const *args)
{
  GPtrArray *argv = g_ptr_array_new ();

  g_ptr_array_add (argv, (char *) g_getenv ("TANBA_CLI"));
  g_ptr_array_add (argv, "--module");
  g_ptr_array_add (argv, (char *) (module != NULL ? module : hsm->module_path));
  g_ptr_array_add (argv, "--token");
  g_ptr_array_add (argv, (char *) serial_of (token_index));
  if (json)
    g_ptr_array_add (argv, "--json");
  g_ptr_array_add (argv, (char *) command);
  for (guint i = 0; args != NULL && args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  return argv;
}

/* Runs `tanba-cli --token SERIAL [--json] register ARGS…` with debug logging,
 * secrets on stdin. @module NULL: SoftHSM. */
static void
run_register_full (CliResult          *result,
                   guint               token_index,
                   const char         *module,
                   const char         *input,
                   const char * const *args)
{
  g_autoptr(GPtrArray) argv = cli_argv (token_index, module, TRUE, "register", args);
  const char *env[] = { "G_MESSAGES_DEBUG", "all", "XDG_STATE_HOME", state_dir, NULL };

  for (guint i = 0; i + 1 < argv->len; i++)
    assert_no_secret_in ("the command line", g_ptr_array_index (argv, i));
  result->status = tanba_test_run_env ((const char * const *) argv->pdata, env, input,
                                       &result->out, &result->err);
  g_test_message ("exit %d\nstdout:\n%s\nstderr (last part):\n%s", result->status, result->out,
                  strlen (result->err) > 3000 ? result->err + strlen (result->err) - 3000 : result->err);
  assert_no_secret_in ("standard output", result->out);
  assert_no_secret_in ("standard error", result->err);
}

static char *
input_for (const TanbaTestDemoUser *u,
           const char              *otp_pin)
{
  return g_strdup_printf ("%s\n%s\n%s\n", otp_pin != NULL ? otp_pin : u->otp_pin,
                          TANBA_FACTORY_USER_PIN, NEW_PIN);
}

static char *
token_name (guint token_index)
{
  return g_strdup_printf ("T%02u", token_index);
}

/* The usual arguments for @u on @token_index, then @extra (NULL-terminated). */
static GPtrArray *
register_args (const TanbaTestDemoUser *u,
               guint                    token_index,
               gboolean                 mac,
               const char              *first_extra,
               ...)
{
  GPtrArray *args = g_ptr_array_new_with_free_func (g_free);
  va_list ap;

  g_ptr_array_add (args, g_strdup ("--server"));
  g_ptr_array_add (args, g_strdup (server->url));
  g_ptr_array_add (args, g_strdup ("--trust-anchor"));
  g_ptr_array_add (args, g_strdup (demo->ca_certificate));
  g_ptr_array_add (args, g_strdup ("--user-id"));
  g_ptr_array_add (args, g_strdup (u->user_id));
  if (mac)
    g_ptr_array_add (args, g_strdup ("--mac"));
  else
    {
      g_ptr_array_add (args, g_strdup ("--key-file"));
      g_ptr_array_add (args, g_strdup (u->key_file));
    }
  g_ptr_array_add (args, g_strdup ("--name"));
  g_ptr_array_add (args, token_name (token_index));
  va_start (ap, first_extra);
  for (const char *a = first_extra; a != NULL; a = va_arg (ap, const char *))
    g_ptr_array_add (args, g_strdup (a));
  va_end (ap);
  g_ptr_array_add (args, NULL);
  return args;
}

static void
run_register (CliResult               *result,
              guint                    token_index,
              const TanbaTestDemoUser *u,
              gboolean                 mac,
              const char              *input,
              GPtrArray               *args)
{
  g_autofree char *default_input = input_for (u, NULL);

  run_register_full (result, token_index, NULL, input != NULL ? input : default_input,
                     (const char * const *) args->pdata);
}

static char *
sql (const char *query)
{
  g_autofree char *db = g_build_filename (demo->dir, "tanba-refserver.db", NULL);
  const char *argv[] = { "sqlite3", db, query, NULL };
  char *out = NULL;

  g_assert_cmpint (tanba_test_run (argv, NULL, &out, NULL), ==, 0);
  g_strstrip (out);
  return out;
}

static guint
count_lines (const char *text,
             const char *needle)
{
  guint n = 0;

  for (const char *p = text; (p = strstr (p, needle)) != NULL; p += strlen (needle))
    n++;
  return n;
}

/* The "done" event's members. */
static JsonObject *
done_event (const char *out)
{
  g_auto(GStrv) lines = g_strsplit (out, "\n", -1);

  for (int i = (int) g_strv_length (lines) - 1; i >= 0; i--)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonObject *object;

      if (lines[i][0] != '{' || !json_parser_load_from_data (parser, lines[i], -1, NULL))
        continue;
      object = json_node_get_object (json_parser_get_root (parser));
      if (g_strcmp0 (json_object_get_string_member_with_default (object, "event", ""), "done") == 0)
        return json_object_ref (object);
    }
  return NULL;
}

static char *
read_certificate (guint       token_index,
                  const char *id_hex)
{
  g_autofree char *slot = g_strdup_printf ("%lu", tanba_test_softhsm_slot (hsm, token_index));
  char *path = g_build_filename (work_dir, "cert-XXXXXX.der", NULL);
  g_autofree char *err = NULL;
  int fd = g_mkstemp (path);
  const char *argv[] = { "pkcs11-tool", "--module", hsm->module_path, "--slot", slot,
                         "--read-object", "--type", "cert", "--id", id_hex, "-o", path, NULL };

  close (fd);
  g_assert_cmpint (tanba_test_run (argv, NULL, NULL, &err), ==, 0);
  return path;
}

static char *
openssl (const char * const *argv)
{
  char *out = NULL;
  g_autofree char *err = NULL;
  int status = tanba_test_run (argv, NULL, &out, &err);

  if (status != 0)
    g_error ("%s failed: %s", argv[1], err);
  return out;
}

/* The public key of the token's key @id_hex, as pkcs11-tool reads it, equals
 * the certificate's; the certificate chains to the demo CA. Returns its text. */
static char *
check_certificate (guint       token_index,
                   const char *id_hex)
{
  g_autofree char *cert = read_certificate (token_index, id_hex);
  g_autofree char *slot = g_strdup_printf ("%lu", tanba_test_softhsm_slot (hsm, token_index));
  g_autofree char *key_path = g_build_filename (work_dir, "pub.der", NULL);
  g_autofree char *key_pem = NULL;
  g_autofree char *cert_key_pem = NULL;
  g_autofree char *verified = NULL;
  const char *read_key[] = { "pkcs11-tool", "--module", hsm->module_path, "--slot", slot,
                             "--read-object", "--type", "pubkey", "--id", id_hex, "-o", key_path, NULL };
  const char *key_to_pem[] = { "openssl", "pkey", "-pubin", "-inform", "DER", "-in", key_path, "-pubout", NULL };
  const char *cert_key[] = { "openssl", "x509", "-inform", "DER", "-in", cert, "-pubkey", "-noout", NULL };
  const char *verify[] = { "openssl", "verify", "-CAfile", demo->ca_certificate, cert, NULL };
  const char *text[] = { "openssl", "x509", "-inform", "DER", "-in", cert, "-noout", "-text", NULL };
  g_autofree char *der_cert_pem = g_strconcat (cert, ".pem", NULL);
  const char *to_pem[] = { "openssl", "x509", "-inform", "DER", "-in", cert, "-out", der_cert_pem, NULL };

  g_assert_cmpint (tanba_test_run (read_key, NULL, NULL, NULL), ==, 0);
  key_pem = openssl (key_to_pem);
  cert_key_pem = openssl (cert_key);
  g_assert_cmpstr (key_pem, ==, cert_key_pem);
  g_free (openssl (to_pem));
  verify[4] = der_cert_pem;
  verified = openssl (verify);
  g_assert_nonnull (strstr (verified, ": OK"));
  g_unlink (der_cert_pem);
  return openssl (text);
}

/* Everything a finished registration leaves, checked from outside. */
static void
assert_registered (guint                    token_index,
                   const TanbaTestDemoUser *u,
                   JsonObject              *done,
                   const char              *key_type)
{
  g_autofree char *objects = tanba_test_pkcs11_tool_objects (hsm, tanba_test_softhsm_slot (hsm, token_index), NEW_PIN);
  g_autofree char *signing = NULL;
  g_autofree char *authentication = NULL;
  g_autofree char *query = NULL;
  g_autofree char *status = NULL;
  g_autofree char *init_key = NULL;
  g_autofree char *count = NULL;
  g_autofree char *name = token_name (token_index);

  g_assert_nonnull (done);
  g_assert_cmpstr (json_object_get_string_member (done, "user_id"), ==, u->user_id);
  /* Two key pairs, two certificates, nothing else of ours; the label is the name. */
  g_assert_cmpuint (count_lines (objects, "Private Key Object"), ==, 2);
  g_assert_cmpuint (count_lines (objects, "Certificate Object"), ==, 2);
  g_assert_nonnull (strstr (objects, key_type));
  g_assert_cmpint (tanba_test_pkcs11_tool_login (hsm, tanba_test_softhsm_slot (hsm, token_index), FALSE, NEW_PIN), ==, 0);
  {
    g_autoptr(TanbaToken) token = tanba_test_softhsm_token (hsm, token_index);
    g_autoptr(TanbaTokenInfo) info = tanba_token_get_info (token, NULL);

    g_assert_cmpstr (info->label, ==, name);
  }

  signing = check_certificate (token_index, json_object_get_string_member (done, "signing_key_id"));
  g_assert_nonnull (strstr (signing, "Non Repudiation"));
  g_assert_null (strstr (signing, "TLS Web Client Authentication"));
  authentication = check_certificate (token_index, json_object_get_string_member (done, "authentication_key_id"));
  g_assert_nonnull (strstr (authentication, "TLS Web Client Authentication"));
  g_assert_null (strstr (authentication, "Non Repudiation"));
  g_assert_nonnull (strstr (signing, u->user_id));

  /* The server: complete, the init key used up, exactly two certificates. */
  query = g_strdup_printf ("SELECT status FROM registrations WHERE user_id = '%s'", u->user_id);
  status = sql (query);
  g_assert_cmpstr (status, ==, "complete");
  g_free (query);
  query = g_strdup_printf ("SELECT status FROM init_keys WHERE user_id = '%s'", u->user_id);
  init_key = sql (query);
  g_assert_cmpstr (init_key, ==, "retired");
  g_free (query);
  query = g_strdup_printf ("SELECT count(*) FROM certificates WHERE user_id = '%s' AND status = 'accepted'", u->user_id);
  count = sql (query);
  g_assert_cmpstr (count, ==, "2");
  g_free (count);
  g_free (query);
  query = g_strdup_printf ("SELECT count(*) FROM bank_registrations WHERE user_id = '%s'", u->user_id);
  count = sql (query);
  g_assert_cmpstr (count, ==, "1");
}

/* The token as it left the factory: nothing happened to it. */
static void
assert_untouched (guint token_index)
{
  g_autofree char *objects = tanba_test_pkcs11_tool_objects (hsm, tanba_test_softhsm_slot (hsm, token_index), TANBA_FACTORY_USER_PIN);
  g_autoptr(TanbaToken) token = tanba_test_softhsm_token (hsm, token_index);
  g_autoptr(TanbaTokenInfo) info = tanba_token_get_info (token, NULL);

  g_assert_cmpstr (info->label, ==, "");
  g_assert_cmpuint (count_lines (objects, "Private Key Object"), ==, 0);
  g_assert_cmpuint (count_lines (objects, "Data object"), ==, 0);
}

static void
test_signature_p256 (void)
{
  guint t = take_token ();
  TanbaTestDemoUser *u = take_user ();
  g_auto(CliResult) r = { 0 };
  g_autoptr(GPtrArray) args = register_args (u, t, FALSE, "--term", "2", "--algorithm", "p256", NULL);
  g_autoptr(JsonObject) done = NULL;

  run_register (&r, t, u, FALSE, NULL, args);
  g_assert_cmpint (r.status, ==, 0);
  /* Progress came as JSON lines, every step. */
  g_assert_nonnull (strstr (r.out, "\"step\":\"signing-key\""));
  g_assert_nonnull (strstr (r.out, "\"step\":\"bank-registered\""));
  done = done_event (r.out);
  assert_registered (t, u, done, "EC");

  /* The term asked for: two years (give or take a day of leap years). */
  {
    g_autofree char *cert = read_certificate (t, json_object_get_string_member (done, "signing_key_id"));
    const char *argv[] = { "openssl", "x509", "-inform", "DER", "-in", cert, "-noout", "-checkend",
                           "62899200" /* 728 days */, NULL };
    const char *argv2[] = { "openssl", "x509", "-inform", "DER", "-in", cert, "-noout", "-checkend",
                            "63331200" /* 733 days */, NULL };

    g_assert_cmpint (tanba_test_run (argv, NULL, NULL, NULL), ==, 0);
    g_assert_cmpint (tanba_test_run (argv2, NULL, NULL, NULL), !=, 0);
  }

  /* The journal says done and holds no secret; the marker on the token too. */
  {
    g_autofree char *name = g_strdup_printf ("registration-%s.ini", serial_of (t));
    g_autofree char *path = g_build_filename (state_dir, "tanba", name, NULL);
    g_autofree char *journal = NULL;
    g_autoptr(TanbaToken) token = tanba_test_softhsm_token (hsm, t);
    g_autoptr(TanbaRegistrationMarker) marker = NULL;
    g_autofree char *marker_text = NULL;
    GStatBuf st;

    g_assert_true (g_file_get_contents (path, &journal, NULL, NULL));
    g_assert_nonnull (strstr (journal, "status=done"));
    assert_no_secret_in ("the journal", journal);
    g_assert_cmpint (g_stat (path, &st), ==, 0);
    g_assert_cmpint (st.st_mode & 0777, ==, 0600);
    marker = tanba_registration_marker_read (token, NULL);
    g_assert_nonnull (marker);
    g_assert_true (tanba_registration_marker_is_finished (marker));
    marker_text = tanba_registration_marker_to_data (marker, NULL);
    assert_no_secret_in ("the marker", marker_text);
  }

  /* A second register on the finished token is refused, nothing changes. */
  {
    g_auto(CliResult) again = { 0 };

    run_register (&again, t, u, FALSE, NULL, args);
    g_assert_cmpint (again.status, ==, 6);
    g_assert_nonnull (strstr (again.err, "already complete"));
  }
}

static void
test_signature_rsa_legacy (void)
{
  guint t = take_token ();
  TanbaTestDemoUser *u = user (2);   /* the legacy RC2/3DES key file */
  g_auto(CliResult) r = { 0 };
  g_autoptr(GPtrArray) args = register_args (u, t, FALSE, "--algorithm", "rsa2048", NULL);
  g_autoptr(JsonObject) done = NULL;

  run_register (&r, t, u, FALSE, NULL, args);
  g_assert_cmpint (r.status, ==, 0);
  done = done_event (r.out);
  assert_registered (t, u, done, "RSA");
}

static void
test_mac (void)
{
  guint t = take_token ();
  TanbaTestDemoUser *u = take_user ();
  g_auto(CliResult) r = { 0 };
  g_autoptr(GPtrArray) args = register_args (u, t, TRUE, "--algorithm", "p256", NULL);
  g_autoptr(JsonObject) done = NULL;
  g_autofree char *query = NULL;
  g_autofree char *protection = NULL;

  run_register (&r, t, u, TRUE, NULL, args);
  g_assert_cmpint (r.status, ==, 0);
  done = done_event (r.out);
  assert_registered (t, u, done, "EC");
  query = g_strdup_printf ("SELECT DISTINCT protection FROM certificates WHERE user_id = '%s'", u->user_id);
  protection = sql (query);
  g_assert_cmpstr (protection, ==, "mac");
}

/* The PIN typed with "I" for "1" and "0" for "O": the key file opens after
 * the swap, the positions are reported, the PIN itself is not shown. */
static void
test_lookalike (void)
{
  guint t = take_token ();
  TanbaTestDemoUser *u = user (1);
  g_auto(CliResult) r = { 0 };
  g_autoptr(GPtrArray) args = register_args (u, t, FALSE, "--algorithm", "p256", NULL);
  g_autoptr(JsonObject) done = NULL;
  g_autofree char *typed = g_strdup (u->otp_pin);
  g_autofree char *input = NULL;

  for (char *p = typed; *p != '\0'; p++)
    if (*p == '1')
      *p = 'I';
    else if (*p == 'O')
      *p = '0';
  g_assert_cmpstr (typed, !=, u->otp_pin);
  g_ptr_array_add (secrets, g_strdup (typed));
  input = input_for (u, typed);
  run_register (&r, t, u, FALSE, input, args);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.err, "look-alike"));
  done = done_event (r.out);
  assert_registered (t, u, done, "EC");
}

/* Bad input: a clear message, the right exit status, the token untouched. */
static void
test_bad_input (void)
{
  TanbaTestDemoUser *u = take_user ();
  TanbaTestDemoUser *other = take_user ();
  guint t = take_token ();
  g_autofree char *text_file = g_build_filename (work_dir, "not-a-key.pfx", NULL);
  g_autofree char *empty_file = g_build_filename (work_dir, "empty.pfx", NULL);
  g_autofree char *huge_file = g_build_filename (work_dir, "huge.pfx", NULL);
  g_autofree char *huge = g_malloc0 (2 * 1024 * 1024);
  struct
  {
    const char *what;
    const char *key_file;
    const char *otp_pin;
    const char *new_pin;
    const char *extra;
    const char *extra_value;
    int         status;
    const char *message;
  } cases[] = {
    { "wrong OTP PIN", u->key_file, "ABCDEFGHJK2", NEW_PIN, NULL, NULL, 4, "0200040" },
    { "key file of another user", other->key_file, other->otp_pin, NEW_PIN, NULL, NULL, 6, other->user_id },
    { "not a PKCS#12 file", text_file, u->otp_pin, NEW_PIN, NULL, NULL, 6, "not-a-key.pfx" },
    { "empty file", empty_file, u->otp_pin, NEW_PIN, NULL, NULL, 6, "empty.pfx" },
    { "huge file", huge_file, u->otp_pin, NEW_PIN, NULL, NULL, 6, "huge.pfx" },
    { "password against the rules", u->key_file, u->otp_pin, "abc12345", NULL, NULL, 6, NULL },
    { "plain HTTP to another machine", u->key_file, u->otp_pin, NEW_PIN, "--server", "http://192.0.2.10:8080/", 6, "http://" },
    { "bad term", u->key_file, u->otp_pin, NEW_PIN, "--term", "4", 2, NULL },
  };

  g_assert_true (g_file_set_contents (text_file, "This is not a key container.\n", -1, NULL));
  g_assert_true (g_file_set_contents (empty_file, "", 0, NULL));
  g_assert_true (g_file_set_contents (huge_file, huge, 2 * 1024 * 1024, NULL));

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(CliResult) r = { 0 };
      g_autoptr(GPtrArray) args = NULL;
      g_autofree char *input = g_strdup_printf ("%s\n%s\n%s\n", cases[i].otp_pin,
                                                TANBA_FACTORY_USER_PIN, cases[i].new_pin);
      TanbaTestDemoUser as_given = *u;

      g_test_message ("case: %s", cases[i].what);
      as_given.key_file = (char *) cases[i].key_file;
      args = register_args (&as_given, t, FALSE, cases[i].extra, cases[i].extra_value, NULL);
      if (cases[i].extra != NULL && g_str_equal (cases[i].extra, "--server"))
        {
          /* The last --server wins: the one given here. */
        }
      run_register (&r, t, u, FALSE, input, args);
      g_assert_cmpint (r.status, ==, cases[i].status);
      g_assert_cmpuint (strlen (r.err), >, 0);
      if (cases[i].message != NULL)
        g_assert_nonnull (strstr (r.err, cases[i].message));
      assert_untouched (t);
    }
}

/* OpenSC's PKCS#11 spy in front of SoftHSM: it logs every call (PINs too,
 * so its log is removed as soon as it is read). */
#define SPY_MODULE "/usr/lib/x86_64-linux-gnu/pkcs11-spy.so"
#define OTHER_ADMIN_PIN "So7-Adm1n"
#define WRONG_ADMIN_PIN "Wr0ng-Adm"

/* `register` through the spy; returns what the spy saw (the log deleted). */
static char *
run_register_spied (CliResult               *result,
                    guint                    token_index,
                    const char              *input,
                    GPtrArray               *args)
{
  g_autofree char *log_path = g_build_filename (work_dir, "spy.log", NULL);
  char *log = NULL;

  g_unlink (log_path);
  g_setenv ("PKCS11SPY", hsm->module_path, TRUE);
  g_setenv ("PKCS11SPY_OUTPUT", log_path, TRUE);
  run_register_full (result, token_index, SPY_MODULE, input, (const char * const *) args->pdata);
  g_unsetenv ("PKCS11SPY");
  g_unsetenv ("PKCS11SPY_OUTPUT");
  g_assert_true (g_file_get_contents (log_path, &log, NULL, NULL));
  g_unlink (log_path);
  return log;
}

/* The number of calls of @function in a spy log that returned @rv. */
static guint
spied_calls (const char *log,
             const char *function,
             const char *rv)
{
  g_autofree char *head = g_strdup_printf (": %s\n", function);
  guint n = 0;

  for (const char *p = log; (p = strstr (p, head)) != NULL; p += strlen (head))
    {
      const char *returned = strstr (p, "Returned:");
      const char *end = returned != NULL ? strchr (returned, '\n') : NULL;
      g_autofree char *line = returned != NULL ? g_strndup (returned, end != NULL ? (gsize) (end - returned) : strlen (returned)) : NULL;

      if (rv == NULL || (line != NULL && strstr (line, rv) != NULL))
        n++;
    }
  return n;
}

/* A new token whose administrator PIN was changed (as the bank's guide
 * teaches, in the control panel): register without --admin-pin-differs
 * sends the factory PIN once, stops with a message that says what to do,
 * and leaves the token as it was; with the PIN on standard input it
 * completes. */
static void
test_admin_pin_changed (void)
{
  guint t = take_token ();
  TanbaTestDemoUser *u = take_user ();
  g_autofree char *slot = g_strdup_printf ("%lu", tanba_test_softhsm_slot (hsm, t));
  g_autoptr(GPtrArray) args = register_args (u, t, FALSE, NULL);
  g_autoptr(GPtrArray) args_differs = register_args (u, t, FALSE, "--admin-pin-differs", NULL);
  g_autofree char *input = input_for (u, NULL);
  g_autofree char *input_wrong = g_strdup_printf ("%s\n%s\n%s\n%s\n", u->otp_pin, TANBA_FACTORY_USER_PIN,
                                                  NEW_PIN, WRONG_ADMIN_PIN);
  g_autofree char *input_right = g_strdup_printf ("%s\n%s\n%s\n%s\n", u->otp_pin, TANBA_FACTORY_USER_PIN,
                                                  NEW_PIN, OTHER_ADMIN_PIN);
  g_autoptr(JsonObject) done = NULL;
  g_autofree char *query = NULL;
  g_autofree char *count = NULL;

  g_ptr_array_add (secrets, g_strdup (OTHER_ADMIN_PIN));
  g_ptr_array_add (secrets, g_strdup (WRONG_ADMIN_PIN));

  /* The administrator PIN changed from outside, by OpenSC's pkcs11-tool. */
  {
    const char *env[] = { "TANBA_TEST_OLD", TANBA_FACTORY_ADMIN_PIN, "TANBA_TEST_NEW", OTHER_ADMIN_PIN, NULL };
    const char *argv[] = { "pkcs11-tool", "--module", hsm->module_path, "--slot", slot,
                           "--login", "--login-type", "so", "--so-pin", "env:TANBA_TEST_OLD",
                           "--change-pin", "--new-pin", "env:TANBA_TEST_NEW", NULL };

    g_assert_cmpint (tanba_test_run_env (argv, env, NULL, NULL, NULL), ==, 0);
    g_assert_cmpint (tanba_test_pkcs11_tool_login (hsm, tanba_test_softhsm_slot (hsm, t), TRUE, OTHER_ADMIN_PIN), ==, 0);
  }

  /* 1. No --admin-pin-differs: the factory PIN is refused, once. */
  {
    g_auto(CliResult) r = { 0 };
    g_autofree char *spied = run_register_spied (&r, t, input, args);

    g_assert_cmpint (r.status, ==, 4);   /* TANBA_EXIT_WRONG_PIN */
    g_assert_nonnull (strstr (r.err, "did not accept the factory administrator PIN 87654321"));
    g_assert_nonnull (strstr (r.err, "Nothing on the token was changed"));
    g_assert_nonnull (strstr (r.err, "Run the same command again with --admin-pin-differs"));
    /* Not the "--continue" advice: there is nothing to continue. */
    g_assert_null (strstr (r.err, "--continue"));
    g_assert_null (done_event (r.out));
    /* One administrator try: one C_InitToken, refused; no other SO login. */
    g_assert_cmpuint (spied_calls (spied, "C_InitToken", NULL), ==, 1);
    g_assert_cmpuint (spied_calls (spied, "C_InitToken", "CKR_PIN_INCORRECT"), ==, 1);
    g_assert_null (strstr (spied, "userType = CKU_SO"));
    assert_untouched (t);
    g_assert_cmpint (tanba_test_pkcs11_tool_login (hsm, tanba_test_softhsm_slot (hsm, t), TRUE, OTHER_ADMIN_PIN), ==, 0);
  }

  /* 2. A wrong administrator PIN given: refused once as well, the token unchanged. */
  {
    g_auto(CliResult) r = { 0 };
    g_autofree char *spied = run_register_spied (&r, t, input_wrong, args_differs);

    g_assert_cmpint (r.status, ==, 4);
    g_assert_nonnull (strstr (r.err, "did not accept the administrator PIN that was entered"));
    g_assert_nonnull (strstr (r.err, "Check the administrator PIN"));
    g_assert_cmpuint (spied_calls (spied, "C_InitToken", "CKR_PIN_INCORRECT"), ==, 1);
    g_assert_cmpuint (spied_calls (spied, "C_InitToken", NULL), ==, 1);
    assert_untouched (t);
  }

  /* 3. The right one, last on standard input: the registration completes. */
  {
    g_auto(CliResult) r = { 0 };

    run_register (&r, t, u, FALSE, input_right, args_differs);
    g_assert_cmpint (r.status, ==, 0);
    done = done_event (r.out);
    assert_registered (t, u, done, "RSA");
    /* Re-initializing keeps the administrator PIN the user set. */
    g_assert_cmpint (tanba_test_pkcs11_tool_login (hsm, tanba_test_softhsm_slot (hsm, t), TRUE, OTHER_ADMIN_PIN), ==, 0);
  }
  query = g_strdup_printf ("SELECT count(*) FROM certificates WHERE user_id = '%s'", u->user_id);
  count = sql (query);
  g_assert_cmpstr (count, ==, "2");
}

static void
post_faults (const char *json)
{
  g_autofree char *url = g_strconcat (server->url, "test/faults", NULL);
  const char *argv[] = { "curl", "-sS", "-f", "-X", "POST", "-H", "Content-Type: application/json",
                         "--data-binary", "@-", url, NULL };

  g_assert_cmpint (tanba_test_run (argv, json, NULL, NULL), ==, 0);
}

/* A server fault at one CMP message, then --continue finishes the job with
 * the same keys and certificates: no duplicate on the server, no orphan key. */
static void
check_fault_then_continue (const char *faults,
                           gboolean    mac)
{
  guint t = take_token ();
  TanbaTestDemoUser *u = take_user ();
  g_auto(CliResult) r = { 0 };
  g_auto(CliResult) r2 = { 0 };
  g_autoptr(GPtrArray) args = register_args (u, t, mac, "--algorithm", "p256", NULL);
  g_autoptr(GPtrArray) args2 = register_args (u, t, mac, "--algorithm", "p256", "--continue", NULL);
  g_autoptr(JsonObject) done = NULL;
  g_autofree char *query = NULL;
  g_autofree char *total = NULL;

  post_faults (faults);
  run_register (&r, t, u, mac, NULL, args);
  post_faults ("{\"faults\": []}");
  g_assert_cmpint (r.status, ==, 8);
  g_assert_nonnull (strstr (r.err, "--continue"));

  run_register (&r2, t, u, mac, NULL, args2);
  g_assert_cmpint (r2.status, ==, 0);
  done = done_event (r2.out);
  assert_registered (t, u, done, "EC");
  query = g_strdup_printf ("SELECT count(*) FROM certificates WHERE user_id = '%s'", u->user_id);
  total = sql (query);
  g_assert_cmpstr (total, ==, "2");
}

static void
test_fault_drop_ir_signing (void)
{
  check_fault_then_continue ("{\"faults\": [{\"kind\": \"drop\", \"message\": \"ir\"}]}", FALSE);
}

static void
test_fault_drop_certconf_signing (void)
{
  check_fault_then_continue ("{\"faults\": [{\"kind\": \"drop\", \"message\": \"certConf\"}]}", FALSE);
}

static void
test_fault_500_ir_authentication (void)
{
  check_fault_then_continue ("{\"faults\": [{\"kind\": \"http-500\", \"message\": \"ir\", \"skip\": 1}]}", FALSE);
}

static void
test_fault_drop_certconf_authentication (void)
{
  check_fault_then_continue ("{\"faults\": [{\"kind\": \"drop\", \"message\": \"certConf\", \"skip\": 1}]}", FALSE);
}

static void
test_fault_corrupt_mac (void)
{
  check_fault_then_continue ("{\"faults\": [{\"kind\": \"corrupt\", \"message\": \"ir\", \"skip\": 1}]}", TRUE);
}

/* The bank's registration request: answered 500, or its nonce expired twice
 * in a row (Tanba asks for a new nonce once). */
static void
test_fault_500_bank (void)
{
  check_fault_then_continue ("{\"faults\": [{\"kind\": \"http-500\", \"message\": \"bank-registration\"}]}", FALSE);
}

static void
test_fault_nonce_expired_twice (void)
{
  check_fault_then_continue ("{\"faults\": [{\"kind\": \"nonce-expired\", \"message\": \"bank-registration\", "
                             "\"count\": 2}]}", FALSE);
}

/* The server's fault counters (cumulative): faults injected, and requests
 * of @message type seen. */
static void
fault_counters (const char *message,
                gint64     *injected,
                gint64     *requests)
{
  g_autofree char *url = g_strconcat (server->url, "test/faults", NULL);
  const char *get[] = { "curl", "-sS", "-f", url, NULL };
  g_autofree char *state = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *answer;

  g_assert_cmpint (tanba_test_run (get, NULL, &state, NULL), ==, 0);
  g_assert_true (json_parser_load_from_data (parser, state, -1, NULL));
  answer = json_node_get_object (json_parser_get_root (parser));
  *injected = json_object_get_int_member (answer, "injected");
  *requests = json_object_get_int_member_with_default (json_object_get_object_member (answer, "requests"),
                                                       message, 0);
}

/* A nonce that expires once is retried with a new one: no --continue needed. */
static void
test_fault_nonce_expired_once (void)
{
  guint t = take_token ();
  TanbaTestDemoUser *u = take_user ();
  g_autoptr(GPtrArray) args = register_args (u, t, FALSE, "--algorithm", "p256", NULL);
  g_auto(CliResult) r = { 0 };
  g_autoptr(JsonObject) done = NULL;
  gint64 injected_before, injected_after, requests_before, requests_after;

  fault_counters ("bank-registration", &injected_before, &requests_before);
  post_faults ("{\"faults\": [{\"kind\": \"nonce-expired\", \"message\": \"bank-registration\"}]}");
  run_register (&r, t, u, FALSE, NULL, args);
  fault_counters ("bank-registration", &injected_after, &requests_after);
  post_faults ("{\"faults\": []}");
  g_assert_cmpint (r.status, ==, 0);
  done = done_event (r.out);
  assert_registered (t, u, done, "EC");
  g_assert_cmpint (injected_after - injected_before, ==, 1);
  g_assert_cmpint (requests_after - requests_before, ==, 2);
}

/* The process killed (SIGKILL) when a step starts, or the token pulled out
 * then: --continue finishes. With @plant, a key pair with that label is put
 * on the token before --continue, as a run that made one of the two keys
 * and failed at the other leaves it: it is adopted, not left orphaned. */
typedef struct
{
  const char *step;
  gboolean    pull_token;
  const char *plant;
} Interruption;

static void
set_removed (const char *serial)
{
  g_assert_true (g_file_set_contents (control_path, serial != NULL ? serial : "", -1, NULL));
}

/* A child paused with SIGSTOP would stay stopped forever if this test
 * failed (abort) before resuming it: it dies with us instead. */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/* Waits until process @pid has stopped itself (TANBA_TEST_PAUSE_AT). */
static void
wait_stopped (const char *pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/stat", pid);

  for (int i = 0; i < 1000; i++)
    {
      g_autofree char *stat = NULL;
      const char *end;

      if (g_file_get_contents (path, &stat, NULL, NULL)
          && (end = strrchr (stat, ')')) != NULL && end[1] == ' ' && end[2] == 'T')
        return;
      g_usleep (10000);
    }
  g_error ("process %s did not stop at the pause point", pid);
}

/* The journal of a run killed as @step began: that step running, and (one
 * atomic write with it) the step before it done (running, for the second
 * key, which begins with the first). */
static void
assert_journal_at (const char *serial,
                   const char *step)
{
  static const char *const order[] = {
    "personalized", "signing-key", "authentication-key", "signing-certificate", "signing-stored",
    "authentication-certificate", "authentication-stored", "bank-registered", "done",
  };
  g_autofree char *own_path = tanba_registration_journal_path (serial);
  g_autofree char *name = g_path_get_basename (own_path);
  g_autofree char *path = g_build_filename (state_dir, "tanba", name, NULL);
  g_autofree char *data = NULL;
  g_autoptr(TanbaRegistrationJournal) journal = NULL;
  g_autoptr(GError) error = NULL;
  gsize length;
  guint n;

  g_assert_true (g_file_get_contents (path, &data, &length, &error));
  journal = tanba_registration_journal_parse (data, length, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (journal->running_step, ==, step);
  n = journal->history->len;
  g_assert_cmpuint (n, >=, 1);
  g_assert_true (g_str_has_suffix (g_ptr_array_index (journal->history, n - 1), " running"));
  g_assert_nonnull (strstr (g_ptr_array_index (journal->history, n - 1), step));
  for (guint i = 1; i < G_N_ELEMENTS (order); i++)
    if (g_str_equal (order[i], step))
      {
        /* The two keys are made at the same time: both begin together. */
        g_autofree char *before = g_strdup_printf (" %s %s", order[i - 1],
                                                   g_str_equal (step, "authentication-key")
                                                   ? "running" : "done");

        g_assert_cmpuint (n, >=, 2);
        g_assert_true (g_str_has_suffix (g_ptr_array_index (journal->history, n - 2), before));
      }
}

static void
test_interrupted (gconstpointer data)
{
  const Interruption *what = data;
  guint t = take_token ();
  TanbaTestDemoUser *u = take_user ();
  g_autoptr(GPtrArray) args = register_args (u, t, FALSE, "--algorithm", "p256", NULL);
  g_autoptr(GPtrArray) args2 = register_args (u, t, FALSE, "--algorithm", "p256", "--continue", NULL);
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE
                                                                       | G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                                                       | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr(GPtrArray) argv = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) lines = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *input = input_for (u, NULL);
  g_autofree char *needle = g_strdup_printf ("paused at %s\n", what->step);
  g_autofree char *planted_hex = NULL;
  g_autofree char *output = g_strdup ("");
  g_auto(CliResult) r2 = { 0 };
  g_autoptr(JsonObject) done = NULL;
  g_autofree char *query = NULL;
  g_autofree char *total = NULL;
  const char *module = what->pull_token ? g_getenv ("TANBA_TEST_HOTPLUG_MODULE") : hsm->module_path;
  gboolean hit = FALSE;
  char *line;

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  g_subprocess_launcher_setenv (launcher, "XDG_STATE_HOME", state_dir, TRUE);
  g_subprocess_launcher_setenv (launcher, "G_MESSAGES_DEBUG", "all", TRUE);
  g_subprocess_launcher_setenv (launcher, "TANBA_TEST_PAUSE_AT", what->step, TRUE);
  argv = cli_argv (t, module, TRUE, "register", (const char * const *) args->pdata);

  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_output_stream_write_all (g_subprocess_get_stdin_pipe (process), input, strlen (input), NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_close (g_subprocess_get_stdin_pipe (process), NULL, NULL);
  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  while ((line = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, NULL)) != NULL)
    {
      g_autofree char *l = line;
      char *joined = g_strconcat (output, l, "\n", NULL);

      g_free (output);
      output = joined;
      if (!hit && g_str_has_suffix (output, needle))
        {
          hit = TRUE;
          wait_stopped (g_subprocess_get_identifier (process));
          if (what->pull_token)
            {
              set_removed (serial_of (t));
              g_subprocess_send_signal (process, SIGCONT);
            }
          else
            {
              if (!g_str_equal (what->step, "personalized-formatted"))
                assert_journal_at (serial_of (t), what->step);
              g_subprocess_force_exit (process);
            }
        }
    }
  g_subprocess_wait (process, NULL, &error);
  g_assert_no_error (error);
  set_removed (NULL);
  g_test_message ("interrupted run:\n%s", output);
  assert_no_secret_in ("the interrupted run's output", output);
  g_assert_true (hit);
  if (what->pull_token)
    {
      /* Either the step failed with the token gone, or it had finished its
       * token work before the pull and failed at the next. */
      g_assert_true (g_subprocess_get_if_exited (process));
      g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 3);
      g_assert_nonnull (strstr (output, "Connect it again"));
      /* Pulled as the two keys began: no key step is left running; the
       * failure is told for the signing key, the other is waiting again. */
      if (g_str_equal (what->step, "authentication-key"))
        {
          g_assert_nonnull (strstr (output, "\"step\":\"signing-key\",\"state\":\"failed\""));
          g_assert_nonnull (strstr (output, "\"step\":\"authentication-key\",\"state\":\"pending\""));
        }
    }
  else
    g_assert_true (g_subprocess_get_if_signaled (process));

  if (what->plant != NULL)
    {
      /* pkcs11-tool makes it: the test process's own SoftHSM instance still
       * holds the token's PINs from before the run re-initialized it. */
      g_autofree char *slot = g_strdup_printf ("%lu", tanba_test_softhsm_slot (hsm, t));
      const char *env[] = { "TANBA_TEST_PIN", NEW_PIN, NULL };
      const char *plant_argv[] = { "pkcs11-tool", "--module", hsm->module_path, "--slot", slot,
                                   "--login", "--pin", "env:TANBA_TEST_PIN", "--keypairgen",
                                   "--key-type", "EC:prime256v1", "--id", PLANTED_ID,
                                   "--label", what->plant, NULL };

      g_assert_cmpint (tanba_test_run_env (plant_argv, env, NULL, NULL, NULL), ==, 0);
      planted_hex = g_strdup (PLANTED_ID);
    }

  run_register_full (&r2, t, NULL, input, (const char * const *) args2->pdata);
  if (g_str_equal (what->step, "personalized"))
    {
      /* Killed before the token was re-initialized: nothing to continue
       * (the token is still empty), so the same command without --continue
       * starts again. */
      g_auto(CliResult) r3 = { 0 };

      g_assert_cmpint (r2.status, ==, 6);
      g_assert_nonnull (strstr (r2.err, "empty"));
      run_register (&r3, t, u, FALSE, NULL, args);
      g_assert_cmpint (r3.status, ==, 0);
      done = done_event (r3.out);
    }
  else
    {
      g_assert_cmpint (r2.status, ==, 0);
      done = done_event (r2.out);
    }
  assert_registered (t, u, done, "EC");
  if (planted_hex != NULL)
    g_assert_cmpstr (json_object_get_string_member (done, "signing_key_id"), ==, planted_hex);
  query = g_strdup_printf ("SELECT count(*) FROM certificates WHERE user_id = '%s'", u->user_id);
  total = sql (query);
  g_assert_cmpstr (total, ==, "2");
}

/* The reader of the JSON progress goes away at once (`… | head -n 1`): the
 * registration is not killed by SIGPIPE; it goes on to its end and says so
 * in its exit status. */
static void
test_reader_gone (void)
{
  guint t = take_token ();
  TanbaTestDemoUser *u = take_user ();
  g_autoptr(GPtrArray) args = register_args (u, t, FALSE, "--algorithm", "p256", NULL);
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                                                       | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr(GPtrArray) argv = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *input = input_for (u, NULL);
  g_autofree char *query = NULL;
  g_autofree char *status = NULL;
  g_autofree char *info = NULL;
  g_autoptr(GPtrArray) info_argv = cli_argv (t, NULL, FALSE, "token", (const char * const []) { "info", NULL });

  tanba_test_launcher_set_input (launcher, input);
  g_subprocess_launcher_setenv (launcher, "XDG_STATE_HOME", state_dir, TRUE);
  argv = cli_argv (t, NULL, TRUE, "register", (const char * const *) args->pdata);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_input_stream_close (g_subprocess_get_stdout_pipe (process), NULL, &error);
  g_assert_no_error (error);
  g_subprocess_wait (process, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);

  query = g_strdup_printf ("SELECT status FROM registrations WHERE user_id = '%s'", u->user_id);
  status = sql (query);
  g_assert_cmpstr (status, ==, "complete");
  g_assert_cmpint (tanba_test_run ((const char * const *) info_argv->pdata, NULL, &info, NULL), ==, 0);
  g_assert_nonnull (strstr (info, "Registration: complete"));
}

/* An unfinished registration is not started over without --continue, and is
 * not continued by another user. */
static void
test_unfinished_rules (void)
{
  guint t = take_token ();
  TanbaTestDemoUser *u = take_user ();
  TanbaTestDemoUser *other = take_user ();
  g_autoptr(GPtrArray) args = register_args (u, t, FALSE, "--algorithm", "p256", NULL);
  g_autoptr(GPtrArray) other_args = register_args (other, t, FALSE, "--algorithm", "p256", "--continue", NULL);
  g_autoptr(GPtrArray) args2 = register_args (u, t, FALSE, "--algorithm", "p256", "--continue", NULL);
  g_auto(CliResult) r = { 0 };
  g_auto(CliResult) r2 = { 0 };
  g_auto(CliResult) r3 = { 0 };
  g_auto(CliResult) r4 = { 0 };
  g_autofree char *other_input = input_for (other, NULL);

  post_faults ("{\"faults\": [{\"kind\": \"http-500\", \"message\": \"ir\"}]}");
  run_register (&r, t, u, FALSE, NULL, args);
  post_faults ("{\"faults\": []}");
  g_assert_cmpint (r.status, ==, 8);
  g_assert_nonnull (strstr (r.err, "500"));

  run_register (&r2, t, u, FALSE, NULL, args);
  g_assert_cmpint (r2.status, ==, 6);
  g_assert_nonnull (strstr (r2.err, "--continue"));

  run_register (&r3, t, other, FALSE, other_input, other_args);
  g_assert_cmpint (r3.status, ==, 6);
  g_assert_nonnull (strstr (r3.err, u->user_id));

  run_register (&r4, t, u, FALSE, NULL, args2);
  g_assert_cmpint (r4.status, ==, 0);
}

/* The server unreachable, or its certificate not trusted: exit 8, words, and
 * --continue once it is right. */
static void
test_transport_errors (void)
{
  guint t = take_token ();
  TanbaTestDemoUser *u = take_user ();
  g_autoptr(TanbaTestDemo) other_demo = NULL;
  g_autofree char *other_dir = tanba_test_make_tmp_dir ();
  TanbaTestRefserver *tls_server = NULL;
  g_auto(CliResult) r = { 0 };
  g_auto(CliResult) r2 = { 0 };
  g_auto(CliResult) r3 = { 0 };
  g_autoptr(GPtrArray) args = NULL;
  g_autoptr(GPtrArray) args2 = NULL;
  g_autoptr(GPtrArray) args3 = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetSocketAddress) address = NULL;
  g_autofree char *unreachable = NULL;
  g_autofree char *anchor_arg = NULL;

  /* A port with nobody listening: bind, read the port, close. */
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  address = G_INET_SOCKET_ADDRESS (g_inet_socket_address_new_from_string ("127.0.0.1", 0));
  g_assert_true (g_socket_bind (socket, G_SOCKET_ADDRESS (address), FALSE, NULL));
  {
    g_autoptr(GSocketAddress) bound = g_socket_get_local_address (socket, NULL);

    unreachable = g_strdup_printf ("http://127.0.0.1:%u/",
                                   g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  }
  g_socket_close (socket, NULL);
  args = register_args (u, t, FALSE, "--algorithm", "p256", "--server", unreachable, NULL);
  run_register (&r, t, u, FALSE, NULL, args);
  g_assert_cmpint (r.status, ==, 8);
  g_assert_nonnull (strstr (r.err, "127.0.0.1"));

  /* HTTPS with another bank's root as the anchor. */
  other_demo = tanba_test_demo_new (other_dir, (const char * const []) { "--users", "1", NULL });
  tls_server = tanba_test_refserver_start (demo->dir, TRUE, FALSE);
  args2 = register_args (u, t, FALSE, "--algorithm", "p256", "--continue", "--server", tls_server->url,
                         "--trust-anchor", other_demo->ca_certificate, NULL);
  run_register (&r2, t, u, FALSE, NULL, args2);
  g_assert_cmpint (r2.status, ==, 8);
  g_assert_nonnull (strstr (r2.err, "trust"));

  /* The right anchor over HTTPS: it finishes. */
  args3 = register_args (u, t, FALSE, "--algorithm", "p256", "--continue", "--server", tls_server->url, NULL);
  run_register (&r3, t, u, FALSE, NULL, args3);
  g_assert_cmpint (r3.status, ==, 0);
  tanba_test_refserver_stop (tls_server);
  tanba_test_remove_tree (other_dir);
}

/* The same init key for a second token: refused by the CA, in words. */
static void
test_reused_init_key (void)
{
  guint t1 = take_token ();
  guint t2 = take_token ();
  TanbaTestDemoUser *u = take_user ();
  g_autoptr(GPtrArray) args1 = register_args (u, t1, FALSE, "--algorithm", "p256", NULL);
  g_autoptr(GPtrArray) args2 = register_args (u, t2, FALSE, "--algorithm", "p256", NULL);
  g_auto(CliResult) r1 = { 0 };
  g_auto(CliResult) r2 = { 0 };

  run_register (&r1, t1, u, FALSE, NULL, args1);
  g_assert_cmpint (r1.status, ==, 0);
  run_register (&r2, t2, u, FALSE, NULL, args2);
  g_assert_cmpint (r2.status, ==, 8);
  g_assert_nonnull (strstr (r2.err, "only once"));
}

static void
run_renew (CliResult  *result,
           guint       token_index,
           const char *first,
           ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(GPtrArray) argv = NULL;
  const char *env[] = { "G_MESSAGES_DEBUG", "all", "XDG_STATE_HOME", state_dir, NULL };
  g_autofree char *input = g_strdup (NEW_PIN "\n");
  va_list ap;

  va_start (ap, first);
  for (const char *a = first; a != NULL; a = va_arg (ap, const char *))
    g_ptr_array_add (args, (char *) a);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  argv = cli_argv (token_index, NULL, TRUE, "renew", (const char * const *) args->pdata);
  result->status = tanba_test_run_env ((const char * const *) argv->pdata, env, input,
                                       &result->out, &result->err);
  g_test_message ("renew: exit %d\nstdout:\n%s\nstderr (last part):\n%s", result->status, result->out,
                  strlen (result->err) > 3000 ? result->err + strlen (result->err) - 3000 : result->err);
  assert_no_secret_in ("standard output", result->out);
  assert_no_secret_in ("standard error", result->err);
}

/* Renewal (kur) with new keys; interrupted once (the certConf answer lost),
 * then finished by running it again. The old keys go, the new set is
 * registered with the bank, the old certificates are superseded. */
static void
test_renew (void)
{
  guint t = take_token ();
  TanbaTestDemoUser *u = take_user ();
  g_auto(CliResult) r = { 0 };
  g_auto(CliResult) list = { 0 };
  g_auto(CliResult) renew1 = { 0 };
  g_auto(CliResult) renew2 = { 0 };
  g_autoptr(GPtrArray) args = register_args (u, t, FALSE, "--algorithm", "p256", NULL);
  g_autoptr(JsonObject) done = NULL;
  g_autofree char *objects = NULL;
  g_autofree char *query = NULL;
  g_autofree char *counts = NULL;

  run_register (&r, t, u, FALSE, NULL, args);
  g_assert_cmpint (r.status, ==, 0);
  done = done_event (r.out);

  run_renew (&list, t, "--list", "--warn-days", "400", NULL);
  g_assert_cmpint (list.status, ==, 0);
  g_assert_nonnull (strstr (list.out, "\"profile\":\"signing\""));
  g_assert_nonnull (strstr (list.out, "\"due\":true"));

  post_faults ("{\"faults\": [{\"kind\": \"drop\", \"message\": \"certConf\", \"skip\": 1}]}");
  run_renew (&renew1, t, "--server", server->url, "--trust-anchor", demo->ca_certificate, "--term", "3", NULL);
  post_faults ("{\"faults\": []}");
  g_assert_cmpint (renew1.status, ==, 8);
  g_assert_nonnull (strstr (renew1.err, "again"));

  run_renew (&renew2, t, "--server", server->url, "--trust-anchor", demo->ca_certificate, "--term", "3", NULL);
  g_assert_cmpint (renew2.status, ==, 0);

  /* Two key pairs and two certificates, new ones: the old IDs are gone. */
  objects = tanba_test_pkcs11_tool_objects (hsm, tanba_test_softhsm_slot (hsm, t), NEW_PIN);
  g_assert_cmpuint (count_lines (objects, "Private Key Object"), ==, 2);
  g_assert_cmpuint (count_lines (objects, "Certificate Object"), ==, 2);
  g_assert_null (strstr (objects, json_object_get_string_member (done, "signing_key_id")));
  g_assert_null (strstr (objects, json_object_get_string_member (done, "authentication_key_id")));
  g_assert_null (strstr (objects, "tanba-renewal"));
  {
    g_autoptr(TanbaToken) token = tanba_test_softhsm_token (hsm, t);
    g_autoptr(TanbaRegistrationMarker) marker = tanba_registration_marker_read (token, NULL);
    g_autofree char *signing = NULL;
    g_autofree char *authentication = NULL;

    g_assert_true (tanba_registration_marker_is_finished (marker));
    g_assert_cmpint (marker->term_years, ==, 3);
    signing = check_certificate (t, marker->signing_key_id);
    g_assert_nonnull (strstr (signing, "Non Repudiation"));
    authentication = check_certificate (t, marker->authentication_key_id);
    g_assert_nonnull (strstr (authentication, "TLS Web Client Authentication"));
  }
  /* The server: two superseded, two accepted (from kur), the new set registered. */
  query = g_strdup_printf ("SELECT group_concat(origin || ':' || status, ',') FROM "
                           "(SELECT origin, status FROM certificates WHERE user_id = '%s' ORDER BY id)", u->user_id);
  counts = sql (query);
  g_assert_cmpstr (counts, ==, "ir:superseded,ir:superseded,kur:accepted,kur:accepted");
  g_free (query);
  g_free (counts);
  query = g_strdup_printf ("SELECT count(*) FROM bank_registrations b JOIN certificates c "
                           "ON c.id = b.authentication_cert_id WHERE b.user_id = '%s' AND c.origin = 'kur'", u->user_id);
  counts = sql (query);
  g_assert_cmpstr (counts, ==, "1");
}

/* While a registration holds the secrets (paused at a step): no core dump
 * can be written, the process is not dumpable, and neither its command
 * line nor its environment holds a secret. Then it finishes. */
static void
test_process_hygiene (void)
{
  guint t = take_token ();
  TanbaTestDemoUser *u = take_user ();
  g_autoptr(GPtrArray) args = register_args (u, t, FALSE, "--algorithm", "p256", NULL);
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE
                                                                       | G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                                                       | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr(GPtrArray) argv = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *input = input_for (u, NULL);
  g_autofree char *limits = NULL;
  g_autofree char *status = NULL;
  g_autofree char *cmdline = NULL;
  g_autofree char *environ_text = NULL;
  g_autofree char *rest = NULL;
  gsize cmdline_len = 0, environ_len = 0;
  const char *pid;
  char path[64];

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  g_subprocess_launcher_setenv (launcher, "XDG_STATE_HOME", state_dir, TRUE);
  g_subprocess_launcher_setenv (launcher, "G_MESSAGES_DEBUG", "all", TRUE);
  g_subprocess_launcher_setenv (launcher, "TANBA_TEST_PAUSE_AT", "signing-certificate", TRUE);
  argv = cli_argv (t, NULL, FALSE, "register", (const char * const *) args->pdata);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_output_stream_write_all (g_subprocess_get_stdin_pipe (process), input, strlen (input), NULL, NULL, &error);
  g_assert_no_error (error);
  pid = g_subprocess_get_identifier (process);
  wait_stopped (pid);

  g_snprintf (path, sizeof path, "/proc/%s/limits", pid);
  g_assert_true (g_file_get_contents (path, &limits, NULL, NULL));
  g_assert_true (g_regex_match_simple ("^Max core file size +0 +0 ", limits, G_REGEX_MULTILINE, 0));
  g_snprintf (path, sizeof path, "/proc/%s/cmdline", pid);
  g_assert_true (g_file_get_contents (path, &cmdline, &cmdline_len, NULL));
  g_snprintf (path, sizeof path, "/proc/%s/environ", pid);
  g_assert_true (g_file_get_contents (path, &environ_text, &environ_len, NULL));
  for (gsize i = 0; i < cmdline_len; i++)
    if (cmdline[i] == '\0')
      cmdline[i] = ' ';
  for (gsize i = 0; i < environ_len; i++)
    if (environ_text[i] == '\0')
      environ_text[i] = ' ';
  assert_no_secret_in ("/proc/PID/cmdline", cmdline);
  assert_no_secret_in ("/proc/PID/environ", environ_text);
  /* Not dumpable: /proc/PID/mem and friends belong to root, not the user. */
  g_snprintf (path, sizeof path, "/proc/%s/status", pid);
  g_assert_true (g_file_get_contents (path, &status, NULL, NULL));
  {
    GStatBuf st;

    g_snprintf (path, sizeof path, "/proc/%s/mem", pid);
    g_assert_cmpint (g_stat (path, &st), ==, 0);
    g_assert_cmpuint (st.st_uid, ==, 0);
  }
  g_subprocess_send_signal (process, SIGCONT);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &rest, NULL, &error);
  g_assert_no_error (error);
  assert_no_secret_in ("the output", rest);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);
}

typedef struct
{
  GMainLoop *loop;
  GPtrArray *events;   /* "step state" */
  GThread   *thread;
  gboolean   other_thread;
  TanbaRegistrationMarker *result;
  GError    *error;
} AsyncRun;

static void
async_progress (TanbaRegistrationStep step,
                TanbaStepState        state,
                double                fraction,
                const char           *text,
                gpointer              user_data)
{
  AsyncRun *run = user_data;

  if (g_thread_self () != run->thread)
    run->other_thread = TRUE;
  g_ptr_array_add (run->events, g_strdup_printf ("%s %d", tanba_registration_step_to_string (step), state));
}

static void
async_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  AsyncRun *run = user_data;

  run->result = tanba_registration_run_finish (result, &run->error);
  g_main_loop_quit (run->loop);
}

static void
run_async_once (AsyncRun                *run,
                TanbaToken              *token,
                TanbaRegistrationParams *params)
{
  run->loop = g_main_loop_new (NULL, FALSE);
  run->events = g_ptr_array_new_with_free_func (g_free);
  run->thread = g_thread_self ();
  tanba_registration_run_async (token, params, async_progress, run, NULL, NULL, async_done, run);
  g_main_loop_run (run->loop);
  g_main_loop_unref (run->loop);
}

static TanbaRegistrationParams *
in_process_params (TanbaTestDemoUser *u,
                   guint              t)
{
  TanbaRegistrationParams *params = tanba_registration_params_new ();
  g_autofree char *name = token_name (t);

  tanba_registration_params_set_user_id (params, u->user_id);
  tanba_registration_params_set_key_file (params, u->key_file);
  tanba_registration_params_set_otp_pin (params, u->otp_pin);
  tanba_registration_params_set_current_pin (params, TANBA_FACTORY_USER_PIN);
  tanba_registration_params_set_new_pin (params, NEW_PIN);
  tanba_registration_params_set_token_name (params, name);
  tanba_registration_params_set_algorithm (params, TANBA_KEY_P256);
  tanba_registration_params_set_term_years (params, 1);
  tanba_registration_params_set_server (params, server->url);
  tanba_registration_params_set_trust_anchor (params, demo->ca_certificate);
  return params;
}

/* The GUI's case: the registration fails and is continued in the same
 * process (libp11 still holds the first run's key handles), through the
 * async API, with progress delivered on the caller's main context before
 * the result. */
static void
test_in_process_continue (void)
{
  guint t = take_token ();
  TanbaTestDemoUser *u = take_user ();
  g_autoptr(TanbaToken) token = tanba_test_softhsm_token (hsm, t);
  AsyncRun first = { 0 }, second = { 0 };
  g_autofree char *query = NULL;
  g_autofree char *status = NULL;

  g_setenv ("XDG_STATE_HOME", state_dir, TRUE);
  post_faults ("{\"faults\": [{\"kind\": \"http-500\", \"message\": \"ir\"}]}");
  run_async_once (&first, token, in_process_params (u, t));
  post_faults ("{\"faults\": []}");
  g_assert_null (first.result);
  g_assert_error (first.error, TANBA_HTTP_ERROR, TANBA_HTTP_ERROR_STATUS);
  g_assert_false (first.other_thread);
  g_assert_cmpstr (g_ptr_array_index (first.events, first.events->len - 1), ==, "signing-certificate 4");

  run_async_once (&second, token, in_process_params (u, t));
  g_assert_no_error (second.error);
  g_assert_nonnull (second.result);
  g_assert_true (tanba_registration_marker_is_finished (second.result));
  g_assert_false (second.other_thread);
  /* Keys from the first run were reused, the last event is "done done". */
  g_assert_cmpstr (g_ptr_array_index (second.events, 1), ==, "signing-key 3");
  g_assert_cmpstr (g_ptr_array_index (second.events, second.events->len - 1), ==, "done 2");

  query = g_strdup_printf ("SELECT status FROM registrations WHERE user_id = '%s'", u->user_id);
  status = sql (query);
  g_assert_cmpstr (status, ==, "complete");
  {
    g_autofree char *objects = tanba_test_pkcs11_tool_objects (hsm, tanba_test_softhsm_slot (hsm, t), NEW_PIN);

    g_assert_cmpuint (count_lines (objects, "Private Key Object"), ==, 2);
    g_assert_cmpuint (count_lines (objects, "Certificate Object"), ==, 2);
  }
  g_clear_error (&first.error);
  g_ptr_array_unref (first.events);
  g_ptr_array_unref (second.events);
  tanba_registration_marker_free (second.result);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  static const Interruption kills[] = {
    { "personalized", FALSE }, { "personalized-formatted", FALSE }, { "signing-key", FALSE }, { "authentication-key", FALSE },
    { "signing-certificate", FALSE }, { "signing-stored", FALSE },
    { "authentication-certificate", FALSE }, { "authentication-stored", FALSE },
    { "bank-registered", FALSE }, { "done", FALSE },
  };
  static const Interruption one_key_made = { "signing-key", FALSE, "Tanba signing key" };
  static const Interruption pulls[] = {
    { "personalized", TRUE }, { "signing-key", TRUE }, { "authentication-key", TRUE }, { "signing-stored", TRUE },
    { "authentication-stored", TRUE }, { "bank-registered", TRUE },
  };
  g_autofree char *users = g_strdup_printf ("%d", N_USERS);
  int status;

  g_test_init (&argc, &argv, NULL);
  secrets = g_ptr_array_new_with_free_func (g_free);
  work_dir = tanba_test_make_tmp_dir ();
  state_dir = g_build_filename (work_dir, "state", NULL);
  control_path = g_build_filename (work_dir, "hotplug-control", NULL);
  g_assert_true (g_file_set_contents (control_path, "", -1, NULL));
  g_setenv ("TANBA_HOTPLUG_CONTROL", control_path, TRUE);
  hsm = tanba_test_softhsm_new (N_TOKENS);
  {
    g_autofree char *demo_dir = g_build_filename (work_dir, "demo", NULL);

    demo = tanba_test_demo_new (demo_dir, (const char * const []) { "--users", users, NULL });
  }
  server = tanba_test_refserver_start (demo->dir, FALSE, TRUE);
  g_ptr_array_add (secrets, g_strdup (NEW_PIN));
  for (guint i = 0; i < demo->users->len; i++)
    g_ptr_array_add (secrets, g_strdup (user (i)->otp_pin));

  g_test_add_func ("/registration/signature-p256", test_signature_p256);
  g_test_add_func ("/registration/signature-rsa-legacy-key-file", test_signature_rsa_legacy);
  g_test_add_func ("/registration/mac", test_mac);
  g_test_add_func ("/registration/lookalike-pin", test_lookalike);
  g_test_add_func ("/registration/bad-input", test_bad_input);
  g_test_add_func ("/registration/admin-pin-changed", test_admin_pin_changed);
  g_test_add_func ("/registration/unfinished-rules", test_unfinished_rules);
  g_test_add_func ("/registration/transport-errors", test_transport_errors);
  g_test_add_func ("/registration/reused-init-key", test_reused_init_key);
  g_test_add_func ("/registration/renew", test_renew);
  g_test_add_func ("/registration/in-process-continue", test_in_process_continue);
  g_test_add_func ("/registration/process-hygiene", test_process_hygiene);
  g_test_add_func ("/registration/fault/drop-ir-signing", test_fault_drop_ir_signing);
  g_test_add_func ("/registration/fault/drop-certconf-signing", test_fault_drop_certconf_signing);
  g_test_add_func ("/registration/fault/500-ir-authentication", test_fault_500_ir_authentication);
  g_test_add_func ("/registration/fault/drop-certconf-authentication", test_fault_drop_certconf_authentication);
  g_test_add_func ("/registration/fault/corrupt-ir-mac", test_fault_corrupt_mac);
  g_test_add_func ("/registration/fault/500-bank", test_fault_500_bank);
  g_test_add_func ("/registration/fault/nonce-expired-once", test_fault_nonce_expired_once);
  g_test_add_func ("/registration/fault/nonce-expired-twice", test_fault_nonce_expired_twice);
  for (guint i = 0; i < G_N_ELEMENTS (kills); i++)
    {
      g_autofree char *path = g_strdup_printf ("/registration/killed/%s", kills[i].step);
      g_test_add_data_func (path, &kills[i], test_interrupted);
    }
  g_test_add_data_func ("/registration/killed/signing-key-one-key-made", &one_key_made, test_interrupted);
  g_test_add_func ("/registration/reader-gone", test_reader_gone);
  for (guint i = 0; i < G_N_ELEMENTS (pulls); i++)
    {
      g_autofree char *path = g_strdup_printf ("/registration/token-pulled/%s", pulls[i].step);
      g_test_add_data_func (path, &pulls[i], test_interrupted);
    }

  status = g_test_run ();

  /* The server's log (debug level) holds no secret either. */
  {
    g_autofree char *log = NULL;

    g_assert_true (g_file_get_contents (server->log_path, &log, NULL, NULL));
    assert_no_secret_in ("the server's log", log);
  }
  tanba_test_refserver_stop (server);
  tanba_test_demo_free (demo);
  tanba_test_softhsm_free (hsm);
  if (g_getenv ("TANBA_TEST_KEEP") == NULL)
    tanba_test_remove_tree (work_dir);
  g_ptr_array_unref (secrets);
  g_free (work_dir);
  g_free (state_dir);
  g_free (control_path);
  return status;
}
