/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-registration.c: wall time of `tanba-cli register` against a baseline
 * pipeline of public tools doing the same core job, on SoftHSM factory tokens
 * and the reference server, in the same run (issue 3, "Benchmarks").
 *
 * Per algorithm (EC P-256, RSA 2048), N runs (median printed) of:
 *  - Tanba: `tanba-cli --module SOFTHSM --token SERIAL --json register
 *    --server URL --trust-anchor CA --user-id ID --key-file PFX
 *    --algorithm p256|rsa2048 --name NAME`, secrets on stdin (OTP PIN,
 *    factory password, new password). It personalizes the token (label, new
 *    password), generates two key pairs, enrolls both certificates
 *    (ir/ip/certConf/pkiConf each), stores them on the token and registers
 *    them with the bank (nonce + registration);
 *  - pipeline: `pkcs11-tool --keypairgen` x2 and `openssl cmp -cmd ir` x2
 *    with the token keys through libp11's OpenSSL engine
 *    (-engine pkcs11 -newkey org.openssl.engine:pkcs11:pkcs11:serial=…;id=…;type=private),
 *    the same protection and profiles (-reqexts). It does less than Tanba:
 *    no personalization, no certificates on the token, no bank registration;
 *  - floor: the irreducible parts measured separately, in this process:
 *    generating the two key pairs on a SoftHSM token (Tanba's core, as the
 *    CLI does it) + the round trips (Tanba's CMP client enrolling two
 *    software keys of the same algorithm, then its bank client's nonce +
 *    registration): what a registration costs without process start, token
 *    personalization and storing. The two key pairs are timed one after the
 *    other (the floor, as the issue words it) and also both at once, as
 *    Tanba makes them (each in a session of its own): Tanba's overhead is
 *    printed against both.
 * Each Tanba and pipeline run gets its own SoftHSM directory and
 * SOFTHSM2_CONF with one factory token, and a fresh demo user (an init key
 * serves one registration). Secrets reach the tools through stdin, their
 * environment (pkcs11-tool --pin env:, openssl -newkeypass env:) or 0600 files
 * (openssl -keypass/-secret file:), never argv.
 *
 * Prints figures and ratios; asserts nothing about time. A run that fails is
 * reported, left out of the medians, and makes the exit status 1. Environment:
 *   TANBA_BENCH_RUNS        runs per algorithm and contender (default 20)
 *   TANBA_BENCH_PROTECTION  key-file (default: the init key, as the bank
 *                           issues it) or mac (user ID + OTP PIN)
 *   TANBA_BENCH_ALGORITHMS  comma-separated, default "p256,rsa2048"
 * Run: meson test -C BUILD --benchmark --suite bench-registration -v */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/rsa.h>

#include "tanba-bank-client.h"
#include "tanba-cmp-client.h"
#include "tanba-key-file.h"
#include "tanba-openssl-autoptr.h"
#include "tanba-test-refserver.h"
#include "tanba-test-token.h"

#define NEW_PASSWORD "Kt7m2q9w"
#define PIN_VARIABLE "TANBA_BENCH_PIN"

typedef struct
{
  const char       *name;       /* tanba-cli --algorithm */
  const char       *p11tool;    /* pkcs11-tool --key-type */
  TanbaKeyAlgorithm algorithm;
} Algorithm;

static const Algorithm algorithms[] = {
  { "p256", "EC:prime256v1", TANBA_KEY_P256 },
  { "rsa2048", "rsa:2048", TANBA_KEY_RSA2048 },
};

static const char exts_cnf[] =
  "[sign]\n"
  "keyUsage = critical,digitalSignature,nonRepudiation\n"
  "[auth]\n"
  "keyUsage = critical,digitalSignature\n"
  "extendedKeyUsage = clientAuth\n";

/* Tanba's registration steps, as its --json progress names them. */
static const char *const step_names[] = {
  "personalized", "signing-key", "authentication-key", "signing-certificate",
  "signing-stored", "authentication-certificate", "authentication-stored",
  "bank-registered", "done",
};
#define N_STEPS G_N_ELEMENTS (step_names)

typedef struct
{
  char             *tmp;
  char             *work;       /* exts.cnf, secret files, certificates */
  char             *state;      /* XDG_STATE_HOME for tanba-cli */
  char             *module;     /* SoftHSM */
  TanbaTestDemo    *demo;
  TanbaTestRefserver *server;
  char             *pkix_url;
  gboolean          mac;
  guint             next_user;
  guint             next_token;
  guint             failures;
  guint             expected_registrations;
} Bench;

typedef struct
{
  GArray *tanba;                  /* double ms, total */
  GArray *tanba_start;            /* spawn to the first progress event */
  GArray *tanba_end;              /* the last event to exit */
  GArray *tanba_steps[N_STEPS];   /* running -> done of each step */
  GArray *pipeline;
  GArray *pipeline_keygen;        /* pkcs11-tool x2 */
  GArray *pipeline_cmp;           /* openssl cmp x2 */
  GArray *keygen;                 /* floor: two key pairs on the token, one after the other */
  GArray *keygen_together;        /* not the floor: the same two at once, as Tanba makes them */
  GArray *cmp;                    /* floor: two enrollments */
  GArray *bank;                   /* floor: bank nonce + registration */
  GArray *floor;                  /* keygen + cmp + bank, same iteration */
  GArray *marker;                 /* not in the floor: one data object update */
  GArray *store;                  /* not in the floor: storing the two certificates */
  GArray *process_start;          /* not in the floor: `tanba-cli --version`, start to exit */
} Figures;

static double
ms_since (gint64 start)
{
  return (g_get_monotonic_time () - start) / 1000.0;
}

static guint
env_uint (const char *name,
          guint       fallback)
{
  const char *text = g_getenv (name);
  guint64 value;

  if (text == NULL || *text == '\0')
    return fallback;
  if (!g_ascii_string_to_unsigned (text, 10, 1, 10000, &value, NULL))
    {
      fprintf (stderr, "%s=%s is not a whole number from 1 to 10000; using %u\n", name, text,
               fallback);
      return fallback;
    }
  return (guint) value;
}

static TanbaTestDemoUser *
take_user (Bench *b)
{
  g_assert_cmpuint (b->next_user, <, b->demo->users->len);
  return g_ptr_array_index (b->demo->users, b->next_user++);
}

/* A SoftHSM directory with its own configuration and one factory token;
 * @serial_out and @slot_out say which. */
static char *
make_token (Bench  *b,
            char  **serial_out,
            char  **slot_out)
{
  g_autofree char *dir = g_strdup_printf ("%s/token-%u", b->tmp, ++b->next_token);
  g_autofree char *tokens = g_build_filename (dir, "tokens", NULL);
  g_autofree char *conf_text = NULL;
  g_autofree char *out = NULL;
  g_autofree char *show = NULL;
  g_autoptr(GError) error = NULL;
  char *conf = g_build_filename (dir, "softhsm2.conf", NULL);
  const char *env[] = { "SOFTHSM2_CONF", conf, NULL };
  const char *init[] = { "softhsm2-util", "--init-token", "--free", "--label", "",
                         "--so-pin", TANBA_FACTORY_ADMIN_PIN, "--pin", TANBA_FACTORY_USER_PIN,
                         NULL };
  const char *slots[] = { "softhsm2-util", "--show-slots", NULL };
  const char *found;

  g_assert_cmpint (g_mkdir_with_parents (tokens, 0700), ==, 0);
  conf_text = g_strdup_printf ("directories.tokendir = %s\nobjectstore.backend = file\n"
                               "log.level = ERROR\nslots.removable = true\n", tokens);
  g_file_set_contents (conf, conf_text, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (tanba_test_run_env (init, env, NULL, &out, NULL), ==, 0);
  found = strstr (out, "reassigned to slot ");
  g_assert_nonnull (found);
  *slot_out = g_strdup_printf ("%" G_GUINT64_FORMAT,
                               g_ascii_strtoull (found + strlen ("reassigned to slot "), NULL, 10));
  g_assert_cmpint (tanba_test_run_env (slots, env, NULL, &show, NULL), ==, 0);
  *serial_out = NULL;
  for (found = strstr (show, "Serial number:"); found != NULL && *serial_out == NULL;
       found = strstr (found + 1, "Serial number:"))
    {
      g_autofree char *line = g_strndup (found + strlen ("Serial number:"),
                                         strcspn (found + strlen ("Serial number:"), "\n"));

      g_strstrip (line);
      if (line[0] != '\0')
        *serial_out = g_steal_pointer (&line);
    }
  g_assert_nonnull (*serial_out);
  return conf;
}

static GSubprocessLauncher *
launcher_for (Bench      *b,
              const char *softhsm_conf,
              guint       flags)
{
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (flags);

  g_subprocess_launcher_set_cwd (launcher, b->work);
  if (softhsm_conf != NULL)
    g_subprocess_launcher_setenv (launcher, "SOFTHSM2_CONF", softhsm_conf, TRUE);
  g_subprocess_launcher_setenv (launcher, "PKCS11_MODULE_PATH", b->module, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_STATE_HOME", b->state, TRUE);
  /* the factory password: a documented default, still kept off argv */
  g_subprocess_launcher_setenv (launcher, PIN_VARIABLE, TANBA_FACTORY_USER_PIN, TRUE);
  /* the test suite's debugging aids are not what users run with */
  g_subprocess_launcher_unsetenv (launcher, "G_MESSAGES_DEBUG");
  g_subprocess_launcher_unsetenv (launcher, "G_DEBUG");
  g_subprocess_launcher_unsetenv (launcher, "MALLOC_CHECK_");
  return launcher;
}

/* Runs @argv; returns its wall time in ms (spawn to exit), or a negative
 * number if it failed (its output then goes to stderr). */
static double
run_timed (Bench              *b,
           const char         *softhsm_conf,
           const char * const *argv)
{
  g_autoptr(GSubprocessLauncher) launcher =
    launcher_for (b, softhsm_conf, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  gint64 start = g_get_monotonic_time ();
  double ms;

  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  ms = ms_since (start);
  if (!g_subprocess_get_successful (process))
    {
      fprintf (stderr, "%s failed:\n%s\n", argv[0], out);
      return -1;
    }
  return ms;
}

static int
step_index (const char *name)
{
  for (guint i = 0; i < N_STEPS; i++)
    if (g_strcmp0 (step_names[i], name) == 0)
      return (int) i;
  return -1;
}

/* One `tanba-cli register`; its progress events are timestamped as they
 * come, for the per-step figures. */
static void
run_tanba (Bench           *b,
           const Algorithm *alg,
           Figures         *fig,
           gboolean         record)
{
  TanbaTestDemoUser *user = take_user (b);
  g_autofree char *serial = NULL;
  g_autofree char *slot = NULL;
  g_autofree char *conf = make_token (b, &serial, &slot);
  g_autofree char *log = g_build_filename (b->work, "tanba-cli.log", NULL);
  g_autofree char *input = g_strdup_printf ("%s\n%s\n%s\n", user->otp_pin,
                                            TANBA_FACTORY_USER_PIN, NEW_PASSWORD);
  g_autoptr(GSubprocessLauncher) launcher =
    launcher_for (b, conf, G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) lines = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_strdup_printf ("B%u", b->next_token);
  const char *argv[] = { g_getenv ("TANBA_CLI"), "--module", b->module, "--token", serial,
                         "--json", "register", "--server", b->server->url,
                         "--trust-anchor", b->demo->ca_certificate, "--user-id", user->user_id,
                         b->mac ? "--mac" : "--key-file", b->mac ? NULL : user->key_file,
                         "--algorithm", alg->name, "--name", name, NULL };
  double running_at[N_STEPS] = { 0 };
  double step_ms[N_STEPS] = { 0 };
  double first_event = -1, last_event = -1, total;
  gboolean done = FALSE;
  gint64 start;
  char *line;

  if (b->mac)
    {
      /* no key file: --mac then the rest */
      argv[14] = "--algorithm";
      argv[15] = alg->name;
      argv[16] = "--name";
      argv[17] = name;
      argv[18] = NULL;
    }
  g_subprocess_launcher_set_stderr_file_path (launcher, log);

  start = g_get_monotonic_time ();
  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_output_stream_write_all (g_subprocess_get_stdin_pipe (process), input, strlen (input), NULL,
                             NULL, &error);
  g_assert_no_error (error);
  g_output_stream_close (g_subprocess_get_stdin_pipe (process), NULL, NULL);
  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  while ((line = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, NULL)) != NULL)
    {
      double at = ms_since (start);
      g_autofree char *step = NULL;
      const char *p;
      int index;

      if (first_event < 0)
        first_event = at;
      last_event = at;
      if (strstr (line, "\"event\":\"done\"") != NULL)
        done = TRUE;
      if ((p = strstr (line, "\"step\":\"")) != NULL)
        {
          p += strlen ("\"step\":\"");
          step = g_strndup (p, strcspn (p, "\""));
          index = step_index (step);
          if (index >= 0 && strstr (line, "\"state\":\"running\"") != NULL)
            running_at[index] = at;
          else if (index >= 0 && strstr (line, "\"state\":\"done\"") != NULL)
            step_ms[index] = at - running_at[index];
        }
      g_free (line);
    }
  g_subprocess_wait (process, NULL, &error);
  g_assert_no_error (error);
  total = ms_since (start);
  explicit_bzero (input, strlen (input));

  if (!g_subprocess_get_successful (process) || !done)
    {
      g_autofree char *text = NULL;

      g_file_get_contents (log, &text, NULL, NULL);
      fprintf (stderr, "tanba-cli register (%s, user %s) failed:\n%s\n", alg->name,
               user->user_id, text);
      b->failures++;
      return;
    }
  b->expected_registrations++;
  if (!record)
    return;
  g_array_append_val (fig->tanba, total);
  g_array_append_val (fig->tanba_start, first_event);
  {
    double end = total - last_event;

    g_array_append_val (fig->tanba_end, end);
  }
  for (guint i = 0; i < N_STEPS; i++)
    g_array_append_val (fig->tanba_steps[i], step_ms[i]);
}

/* pkcs11-tool --keypairgen x2, openssl cmp -cmd ir x2 (engine keys). */
static void
run_pipeline (Bench           *b,
              const Algorithm *alg,
              Figures         *fig,
              gboolean         record)
{
  TanbaTestDemoUser *user = take_user (b);
  g_autofree char *serial = NULL;
  g_autofree char *slot = NULL;
  g_autofree char *conf = make_token (b, &serial, &slot);
  g_autofree char *otp_file = tanba_test_write_secret (b->work, "otp", user->otp_pin);
  g_autofree char *otp_source = g_strconcat ("file:", otp_file, NULL);
  g_autofree char *subject = g_strconcat ("/CN=", user->user_id, NULL);
  const char *ids[2] = { "01", "02" };
  const char *labels[2] = { "signing", "authentication" };
  const char *profiles[2] = { "sign", "auth" };
  double keygen = 0, cmp = 0, total;
  gboolean ok = TRUE;

  for (guint i = 0; i < 2 && ok; i++)
    {
      const char *argv[] = { "pkcs11-tool", "--module", b->module, "--slot", slot, "--login",
                             "--pin", "env:" PIN_VARIABLE, "--keypairgen", "--key-type",
                             alg->p11tool, "--id", ids[i], "--label", labels[i], NULL };
      double ms = run_timed (b, conf, argv);

      ok = ms >= 0;
      keygen += ms;
    }
  for (guint i = 0; i < 2 && ok; i++)
    {
      g_autofree char *newkey =
        g_strdup_printf ("org.openssl.engine:pkcs11:pkcs11:serial=%s;id=%%%s;type=private",
                         serial, ids[i]);
      g_autofree char *certout = g_strdup_printf ("%s.crt", profiles[i]);
      const char *argv[] = { "openssl", "cmp", "-config", "exts.cnf", "-section", "",
                             "-server", b->server->host_port, "-path", "pkix/",
                             "-trusted", b->demo->ca_certificate, "-cmd", "ir",
                             "-engine", "pkcs11", "-newkey", newkey,
                             "-newkeypass", "env:" PIN_VARIABLE,
                             "-subject", subject, "-reqexts", profiles[i], "-days", "365",
                             "-certout", certout,
                             /* protection: the init key file or the MAC */
                             b->mac ? "-ref" : "-cert", b->mac ? user->user_id : user->key_file,
                             b->mac ? "-secret" : "-key", b->mac ? otp_source : user->key_file,
                             b->mac ? NULL : "-keypass", otp_source, NULL };
      double ms = run_timed (b, conf, argv);

      ok = ms >= 0;
      cmp += ms;
    }
  g_unlink (otp_file);
  if (!ok)
    {
      fprintf (stderr, "pipeline (%s, user %s) failed\n", alg->name, user->user_id);
      b->failures++;
      return;
    }
  b->expected_registrations++;
  if (!record)
    return;
  total = keygen + cmp;
  g_array_append_val (fig->pipeline, total);
  g_array_append_val (fig->pipeline_keygen, keygen);
  g_array_append_val (fig->pipeline_cmp, cmp);
}

/* The floor: two key pairs on a token (in this process, logged in), then the
 * round trips with software keys through Tanba's CMP and bank clients. */
static void
run_floor (Bench           *b,
           const Algorithm *alg,
           TanbaToken      *token,
           Figures         *fig,
           gboolean         record)
{
  TanbaTestDemoUser *user = take_user (b);
  g_autoptr(TanbaKeyInfo) sign_info = NULL;
  g_autoptr(TanbaKeyInfo) auth_info = NULL;
  g_autoptr(TanbaKeyFile) key_file = NULL;
  g_autoptr(TanbaCmpClient) cmp = NULL;
  g_autoptr(TanbaBankClient) bank = NULL;
  g_autoptr(TanbaBankRegistration) registered = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(X509) sign_cert = NULL;
  g_autoptr(X509) auth_cert = NULL;
  EVP_PKEY *sign_key;
  EVP_PKEY *auth_key;
  double keygen_ms, cmp_ms, bank_ms = 0, floor_ms;
  gint64 start;

  start = g_get_monotonic_time ();
  sign_info = tanba_token_generate_key_pair (token, alg->algorithm, "bench-signing", &error);
  g_assert_no_error (error);
  auth_info = tanba_token_generate_key_pair (token, alg->algorithm, "bench-authentication", &error);
  g_assert_no_error (error);
  keygen_ms = ms_since (start);
  tanba_token_delete_key (token, sign_info->id, &error);
  g_assert_no_error (error);
  tanba_token_delete_key (token, auth_info->id, &error);
  g_assert_no_error (error);

  /* for comparison: both at once, each in a session of its own (Tanba) */
  {
    static const char * const labels[] = { "bench-signing", "bench-authentication" };
    TanbaKeyInfo *made[2] = { NULL, NULL };
    double together_ms;

    start = g_get_monotonic_time ();
    tanba_token_generate_key_pairs (token, alg->algorithm, labels, 2, made, &error);
    g_assert_no_error (error);
    together_ms = ms_since (start);
    for (guint i = 0; i < 2; i++)
      {
        tanba_token_delete_key (token, made[i]->id, &error);
        g_assert_no_error (error);
        tanba_key_info_free (made[i]);
      }
    if (record)
      g_array_append_val (fig->keygen_together, together_ms);
  }

  /* for the explanation, not the floor: Tanba records its progress on the
   * token after each step (a data object like this, changed in place) */
  {
    static const char text[160] = "bench-marker";
    g_autoptr(GBytes) value = g_bytes_new_static (text, sizeof text);
    double marker_ms;

    start = g_get_monotonic_time ();
    tanba_token_write_data (token, "bench-marker", value, &error);
    g_assert_no_error (error);
    marker_ms = ms_since (start);
    if (record)
      g_array_append_val (fig->marker, marker_ms);
  }

  /* not timed: the keys (made on the token above) and the key file */
  sign_key = alg->algorithm == TANBA_KEY_P256 ? EVP_EC_gen ("P-256") : EVP_RSA_gen (2048);
  auth_key = alg->algorithm == TANBA_KEY_P256 ? EVP_EC_gen ("P-256") : EVP_RSA_gen (2048);
  if (!b->mac)
    {
      key_file = tanba_key_file_open (user->key_file, user->otp_pin, &error);
      g_assert_no_error (error);
    }

  start = g_get_monotonic_time ();
  cmp = tanba_cmp_client_new (b->pkix_url, b->demo->ca_certificate, &error);
  g_assert_no_error (error);
  if (b->mac)
    tanba_cmp_client_set_mac_protection (cmp, user->user_id, user->otp_pin);
  else
    tanba_cmp_client_set_signature_protection (cmp, tanba_key_file_get_key (key_file),
                                               tanba_key_file_get_certificate (key_file),
                                               tanba_key_file_get_chain (key_file));
  sign_cert = tanba_cmp_client_enroll (cmp, sign_key, TANBA_CERT_PROFILE_SIGNING, user->user_id,
                                       tanba_cmp_term_days (1), NULL, NULL, NULL, &error);
  if (sign_cert != NULL)
    auth_cert = tanba_cmp_client_enroll (cmp, auth_key, TANBA_CERT_PROFILE_AUTHENTICATION,
                                         user->user_id, tanba_cmp_term_days (1), NULL, NULL, NULL,
                                         &error);
  cmp_ms = ms_since (start);
  if (auth_cert != NULL)
    {
      start = g_get_monotonic_time ();
      bank = tanba_bank_client_new (b->server->url, b->demo->ca_certificate, &error);
      g_assert_no_error (error);
      registered = tanba_bank_client_register (bank, sign_cert, sign_key, auth_cert, NULL, &error);
      bank_ms = ms_since (start);
    }
  EVP_PKEY_free (sign_key);
  EVP_PKEY_free (auth_key);

  /* for the explanation, not the floor: storing the two certificates next
   * to a key pair each, as Tanba does (then removed again) */
  if (registered != NULL)
    {
      static const char * const labels[] = { "bench-store-signing", "bench-store-authentication" };
      TanbaKeyInfo *made[2] = { NULL, NULL };
      X509 *certificates[2] = { sign_cert, auth_cert };
      double store_ms;

      tanba_token_generate_key_pairs (token, alg->algorithm, labels, 2, made, &error);
      g_assert_no_error (error);
      start = g_get_monotonic_time ();
      for (guint i = 0; i < 2; i++)
        {
          tanba_token_store_certificate (token, certificates[i], made[i]->id, labels[i], &error);
          g_assert_no_error (error);
        }
      store_ms = ms_since (start);
      for (guint i = 0; i < 2; i++)
        {
          tanba_token_delete_certificate (token, made[i]->id, &error);
          g_assert_no_error (error);
          tanba_token_delete_key (token, made[i]->id, &error);
          g_assert_no_error (error);
          tanba_key_info_free (made[i]);
        }
      if (record)
        g_array_append_val (fig->store, store_ms);
    }
  if (registered == NULL)
    {
      fprintf (stderr, "floor round trips (%s, user %s) failed: %s\n", alg->name, user->user_id,
               error != NULL ? error->message : "?");
      b->failures++;
      return;
    }
  b->expected_registrations++;
  if (!record)
    return;
  floor_ms = keygen_ms + cmp_ms + bank_ms;
  g_array_append_val (fig->keygen, keygen_ms);
  g_array_append_val (fig->cmp, cmp_ms);
  g_array_append_val (fig->bank, bank_ms);
  g_array_append_val (fig->floor, floor_ms);
}

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
median (GArray *values)
{
  g_autoptr(GArray) sorted = NULL;
  guint n = values->len;

  if (n == 0)
    return 0;
  sorted = g_array_copy (values);
  qsort (sorted->data, n, sizeof (double), compare_doubles);
  return n % 2 ? g_array_index (sorted, double, n / 2)
               : (g_array_index (sorted, double, n / 2 - 1) + g_array_index (sorted, double, n / 2)) / 2;
}

static double
minimum (GArray *values)
{
  double m = values->len > 0 ? g_array_index (values, double, 0) : 0;

  for (guint i = 1; i < values->len; i++)
    m = MIN (m, g_array_index (values, double, i));
  return m;
}

static double
maximum (GArray *values)
{
  double m = 0;

  for (guint i = 0; i < values->len; i++)
    m = MAX (m, g_array_index (values, double, i));
  return m;
}

static void
figures_init (Figures *fig)
{
  GArray **all[] = { &fig->tanba, &fig->tanba_start, &fig->tanba_end, &fig->pipeline,
                     &fig->pipeline_keygen, &fig->pipeline_cmp, &fig->keygen, &fig->keygen_together, &fig->store, &fig->process_start, &fig->cmp,
                     &fig->bank, &fig->floor, &fig->marker };

  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    *all[i] = g_array_new (FALSE, FALSE, sizeof (double));
  for (guint i = 0; i < N_STEPS; i++)
    fig->tanba_steps[i] = g_array_new (FALSE, FALSE, sizeof (double));
}

static void
figures_clear (Figures *fig)
{
  GArray *all[] = { fig->tanba, fig->tanba_start, fig->tanba_end, fig->pipeline,
                    fig->pipeline_keygen, fig->pipeline_cmp, fig->keygen, fig->keygen_together, fig->store, fig->process_start, fig->cmp, fig->bank,
                    fig->floor, fig->marker };

  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    g_array_unref (all[i]);
  for (guint i = 0; i < N_STEPS; i++)
    g_array_unref (fig->tanba_steps[i]);
}

static void
print_load (const char *when)
{
  g_autofree char *load = NULL;

  if (g_file_get_contents ("/proc/loadavg", &load, NULL, NULL))
    printf ("load average %s: %s", when, load);
}

static void
print_figures (const Algorithm *alg,
               Figures         *fig,
               gboolean         mac)
{
  double tanba = median (fig->tanba);
  double pipeline = median (fig->pipeline);
  double keygen = median (fig->keygen);
  double cmp = median (fig->cmp);
  double bank = median (fig->bank);
  double floor_sum = keygen + cmp + bank;
  double together = median (fig->keygen_together);

  printf ("\n== %s, %s protection: medians of %u runs ==\n", alg->name,
          mac ? "MAC (user ID + OTP PIN)" : "init key file", fig->tanba->len);
  printf ("%s tanba-cli register: median %.1f ms (min %.1f, max %.1f, n=%u)\n", alg->name, tanba,
          minimum (fig->tanba), maximum (fig->tanba), fig->tanba->len);
  printf ("%s   of which: start to first step %.1f ms", alg->name, median (fig->tanba_start));
  for (guint i = 0; i < N_STEPS; i++)
    printf (", %s %.1f", step_names[i], median (fig->tanba_steps[i]));
  printf (", last step to exit %.1f ms (the two keys are made at the same time: their "
          "steps overlap)\n", median (fig->tanba_end));
  printf ("%s pipeline (pkcs11-tool --keypairgen x2 + openssl cmp ir x2, libp11 engine): median "
          "%.1f ms (min %.1f, max %.1f, n=%u); keygen x2 %.1f ms, openssl cmp x2 %.1f ms\n",
          alg->name, pipeline, minimum (fig->pipeline), maximum (fig->pipeline),
          fig->pipeline->len, median (fig->pipeline_keygen), median (fig->pipeline_cmp));
  if (pipeline > 0)
    printf ("%s ratio tanba/pipeline: %.2f (target <= 0.5); floor/pipeline: %.2f\n", alg->name,
            tanba / pipeline, floor_sum / pipeline);
  printf ("%s floor: key generation x2 on the token %.1f ms + round trips %.1f ms (CMP ir+certConf x2 "
          "%.1f ms, bank nonce+registration %.1f ms) = %.1f ms (median of the per-run sums %.1f ms)\n",
          alg->name, keygen, cmp + bank, cmp, bank, floor_sum, median (fig->floor));
  printf ("%s tanba - floor: %+.1f ms (target <= 10 ms); without the bank step (not in the "
          "pipeline's job): floor %.1f ms\n", alg->name, tanba - floor_sum, keygen + cmp);
  /* Tanba makes both keys at once: against that, not the sum, its own overhead shows. */
  printf ("%s the two key pairs made at the same time (as Tanba does): %.1f ms; tanba - (that + "
          "round trips): %+.1f ms\n", alg->name, together, tanba - (together + cmp + bank));
  printf ("%s not in the floor: one update of a data object on the token (Tanba's progress "
          "marker, written after each of its %u steps) %.1f ms\n", alg->name, (guint) N_STEPS,
          median (fig->marker));
  /* What the spec asks for that neither the floor nor the pipeline does,
   * each measured: below this Tanba cannot go on this token. */
  {
    double process = median (fig->process_start);
    double personalize = median (fig->tanba_steps[0]);
    double markers = (N_STEPS - 1) * median (fig->marker);  /* one write ends both key steps */
    double store = median (fig->store);
    double required = together + cmp + bank + process + personalize + markers + store;

    printf ("%s required but not in the floor: a process (tanba-cli --version) %.1f ms, "
            "personalization %.1f ms (Tanba's step), %u marker writes %.1f ms, storing 2 certificates "
            "%.1f ms; with the keys made at once and the round trips: %.1f ms = %.2f of the pipeline; "
            "tanba - that: %+.1f ms\n", alg->name, process, personalize, (guint) N_STEPS - 1, markers,
            store, required, pipeline > 0 ? required / pipeline : 0, tanba - required);
  }
}

int
main (int   argc,
      char *argv[])
{
  guint runs = env_uint ("TANBA_BENCH_RUNS", 20);
  const char *protection = g_getenv ("TANBA_BENCH_PROTECTION");
  const char *wanted = g_getenv ("TANBA_BENCH_ALGORITHMS");
  g_auto(GStrv) wanted_list = g_strsplit (wanted != NULL && *wanted != '\0' ? wanted
                                                                              : "p256,rsa2048", ",", 0);
  g_autoptr(TanbaTestSoftHsm) hsm = NULL;
  g_autoptr(TanbaToken) keygen_token = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *users_text = NULL;
  g_autofree char *data = NULL;
  g_autofree char *exts = NULL;
  g_autofree char *db = NULL;
  g_autofree char *complete = NULL;
  Bench b = { 0 };
  guint n_algorithms = 0;
  const char *demo_args[] = { "--users", NULL, "--key-type", "ec", NULL };

  if (g_getenv ("TANBA_CLI") == NULL)
    {
      fprintf (stderr, "Set TANBA_CLI to the tanba-cli program (meson does).\n");
      return 77;
    }
  b.mac = protection != NULL && g_str_equal (protection, "mac");
  if (protection != NULL && !b.mac && !g_str_equal (protection, "key-file"))
    fprintf (stderr, "TANBA_BENCH_PROTECTION=%s: use key-file or mac; using key-file\n",
             protection);
  for (guint i = 0; wanted_list[i] != NULL; i++)
    n_algorithms++;
  umask (077);
  /* the server inherits this environment (see launcher_for for the tools) */
  g_unsetenv ("G_DEBUG");
  g_unsetenv ("MALLOC_CHECK_");
  g_assert_nonnull (OSSL_PROVIDER_load (NULL, "default"));
  g_assert_nonnull (OSSL_PROVIDER_load (NULL, "legacy"));

  /* The in-process token for the key generation figure (before any thread). */
  hsm = tanba_test_softhsm_new (1);
  keygen_token = tanba_test_softhsm_token (hsm, 0);
  tanba_token_login (keygen_token, TANBA_ROLE_USER, TANBA_FACTORY_USER_PIN, &error);
  g_assert_no_error (error);

  b.tmp = tanba_test_make_tmp_dir ();
  b.work = g_build_filename (b.tmp, "work", NULL);
  b.state = g_build_filename (b.tmp, "state", NULL);
  g_assert_cmpint (g_mkdir (b.work, 0700), ==, 0);
  g_assert_cmpint (g_mkdir (b.state, 0700), ==, 0);
  exts = g_build_filename (b.work, "exts.cnf", NULL);
  g_file_set_contents (exts, exts_cnf, -1, &error);
  g_assert_no_error (error);
  b.module = g_strdup (hsm->module_path);

  /* users 0-2 are special (look-alike PIN, legacy PKCS#12): skipped; then
   * one per run of each contender, plus a warm-up run each */
  users_text = g_strdup_printf ("%u", 3 + n_algorithms * (runs + 1) * 3);
  demo_args[1] = users_text;
  data = g_build_filename (b.tmp, "data", NULL);
  b.demo = tanba_test_demo_new (data, demo_args);
  b.next_user = 3;
  b.server = tanba_test_refserver_start (b.demo->dir, FALSE, FALSE);
  b.pkix_url = g_strconcat (b.server->url, "pkix/", NULL);
  printf ("server %s; %u runs per contender and algorithm (+1 warm-up each); SoftHSM %s;"
          " %ld cores online\n", b.server->url, runs, b.module, sysconf (_SC_NPROCESSORS_ONLN));
  print_load ("at the start");

  for (guint a = 0; wanted_list[a] != NULL; a++)
    {
      const Algorithm *alg = NULL;
      Figures fig;

      for (guint i = 0; i < G_N_ELEMENTS (algorithms); i++)
        if (g_str_equal (algorithms[i].name, wanted_list[a]))
          alg = &algorithms[i];
      if (alg == NULL)
        {
          fprintf (stderr, "unknown algorithm %s (p256, rsa2048)\n", wanted_list[a]);
          continue;
        }
      figures_init (&fig);
      for (guint i = 0; i <= runs; i++)
        {
          gboolean record = i > 0;   /* run 0 warms up */

          /* alternate the order, so that a drift of the machine hits both */
          if (i % 2 == 0)
            {
              run_tanba (&b, alg, &fig, record);
              run_pipeline (&b, alg, &fig, record);
            }
          else
            {
              run_pipeline (&b, alg, &fig, record);
              run_tanba (&b, alg, &fig, record);
            }
          run_floor (&b, alg, keygen_token, &fig, record);
          {
            /* a process that starts, links and exits, nothing else */
            const char *version_argv[] = { g_getenv ("TANBA_CLI"), "--version", NULL };
            double ms = run_timed (&b, NULL, version_argv);

            if (record && ms >= 0)
              g_array_append_val (fig.process_start, ms);
          }
        }
      print_figures (alg, &fig, b.mac);
      print_load ("now");
      figures_clear (&fig);
    }

  tanba_test_refserver_stop (b.server);
  db = g_build_filename (b.demo->dir, "tanba-refserver.db", NULL);
  {
    const char *sql[] = { "sqlite3", db,
                          "SELECT count(*) FROM registrations WHERE status = 'complete';", NULL };

    if (tanba_test_run (sql, NULL, &complete, NULL) == 0)
      printf ("\nserver: %s registrations complete (expected %u); %u failed runs\n",
              g_strstrip (complete), b.expected_registrations, b.failures);
  }

  if (g_getenv ("TANBA_TEST_KEEP") == NULL)
    tanba_test_remove_tree (b.tmp);
  else
    printf ("kept: %s\n", b.tmp);
  tanba_test_demo_free (b.demo);
  g_free (b.tmp);
  g_free (b.work);
  g_free (b.state);
  g_free (b.module);
  g_free (b.pkix_url);
  /* the time is only printed; a run that failed fails the benchmark */
  return b.failures == 0 ? 0 : 1;
}
