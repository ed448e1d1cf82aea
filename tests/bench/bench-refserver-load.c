/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-refserver-load.c: the reference server under 16 concurrent
 * enrolling clients on loopback HTTP (issue 3 "Benchmarks", issue 8 "Load").
 *
 * A demo server with EC keys (tanba-refserver --init-demo --users N
 * --key-type ec) and N_CLIENTS threads, each with its own SoupSession,
 * driving OpenSSL's CMP client API through a libsoup transfer callback (as
 * Tanba's client does; POSTs marked idempotent, so each thread keeps one
 * kept-alive connection). Every enrollment is for a NEW software EC P-256 key
 * and is complete: request, answer, certConf, pkiConf (the server refuses
 * implicit confirmation).
 *
 * Workload, one that the server accepts for as long as the run lasts:
 *  - registration: each thread takes the next unused demo user and registers
 *    it as a client does, MAC-protected (user ID + OTP PIN): ir for the
 *    signing certificate, ir for the authentication certificate (two
 *    enrollments; the registration is then complete and the OTP PIN used up);
 *  - renewal, once the demo users are all used: kur of the thread's latest
 *    signing certificate, signed with it, for a new key; the next kur renews
 *    the new certificate (the old one is superseded and cannot renew again).
 *
 * Counted: enrollments (ir, kur), errors (any failed enrollment, with the
 * first messages), duplicates (a serial or public key seen twice by the
 * clients, and the server's SQLite: count(*) against count(DISTINCT serial)
 * and count(DISTINCT public_key_sha256), and its row count against the
 * clients' count), the server's VmRSS sampled during the run.
 *
 * Prints figures; asserts nothing about time. Exit status 1 if an enrollment
 * failed or a duplicate was found. Environment:
 *   TANBA_BENCH_SECONDS  duration of the load (default 30)
 *   TANBA_BENCH_CLIENTS  concurrent clients (default 16)
 *   TANBA_BENCH_USERS    demo users to register (default 150 per second of
 *                        the run; renewals take over when they are used up)
 *   TANBA_BENCH_SAMPLE_SECONDS  RSS sampling interval (default 3)
 * Run: meson test -C BUILD --benchmark --suite bench-server -v */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libsoup/soup.h>
#include <openssl/cmp.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/x509v3.h>
#include <sqlite3.h>

#include "tanba-test-refserver.h"

#define MAX_ERROR_TEXTS 5

typedef struct
{
  TanbaTestDemo *demo;
  char          *pkix_url;
  X509          *ca;
  gint           next_user;  /* atomic: index of the next unused demo user */
  gint           stop;       /* atomic: the run is over */
  GMutex         lock;       /* error_texts */
  GPtrArray     *error_texts;
  guint          n_errors_total;
} Shared;

typedef struct
{
  Shared      *shared;
  guint        index;
  SoupSession *session;
  GArray      *latency_us;   /* gint64 per successful enrollment */
  GPtrArray   *serials;      /* upper-case hex, per issued certificate */
  GPtrArray   *key_hashes;   /* hex SHA-256 of the SPKI DER */
  guint        n_ir;
  guint        n_kur;
  guint        n_errors;
  guint        n_users;      /* registrations completed */
  char         transfer_error[256];
  X509        *renew_cert;   /* the latest accepted signing certificate */
  EVP_PKEY    *renew_key;
} Worker;

static guint
env_uint (const char *name,
          guint       fallback)
{
  const char *text = g_getenv (name);
  guint64 value;

  if (text == NULL || *text == '\0')
    return fallback;
  if (!g_ascii_string_to_unsigned (text, 10, 1, G_MAXUINT32, &value, NULL))
    {
      fprintf (stderr, "%s=%s is not a positive whole number; using %u\n", name, text, fallback);
      return fallback;
    }
  return (guint) value;
}

static void
record_error (Worker     *w,
              const char *what,
              const char *detail)
{
  g_autofree char *text = g_strdup_printf ("client %u, %s: %s", w->index, what, detail);

  w->n_errors++;
  g_mutex_lock (&w->shared->lock);
  w->shared->n_errors_total++;
  if (w->shared->error_texts->len < MAX_ERROR_TEXTS)
    g_ptr_array_add (w->shared->error_texts, g_steal_pointer (&text));
  g_mutex_unlock (&w->shared->lock);
}

/* OpenSSL's CMP transfer callback: one HTTP POST on the thread's session. */
static OSSL_CMP_MSG *
transfer_cb (OSSL_CMP_CTX       *ctx,
             const OSSL_CMP_MSG *req)
{
  Worker *w = OSSL_CMP_CTX_get_transfer_cb_arg (ctx);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", w->shared->pkix_url);
  g_autoptr(GBytes) request = NULL;
  g_autoptr(GBytes) response = NULL;
  g_autoptr(GError) error = NULL;
  unsigned char *der = NULL;
  const unsigned char *p;
  OSSL_CMP_MSG *answer;
  int length;

  length = i2d_OSSL_CMP_MSG ((OSSL_CMP_MSG *) req, &der);
  if (length <= 0)
    {
      g_strlcpy (w->transfer_error, "cannot encode the request", sizeof w->transfer_error);
      return NULL;
    }
  request = g_bytes_new_take (der, length);
  soup_message_set_request_body_from_bytes (msg, "application/pkixcmp", request);
  /* keep-alive: libsoup reuses an idle connection for a POST only with this */
  soup_message_add_flags (msg, SOUP_MESSAGE_IDEMPOTENT);
  response = soup_session_send_and_read (w->session, msg, NULL, &error);
  if (response == NULL)
    {
      g_snprintf (w->transfer_error, sizeof w->transfer_error, "HTTP: %s", error->message);
      return NULL;
    }
  if (soup_message_get_status (msg) != SOUP_STATUS_OK)
    {
      g_snprintf (w->transfer_error, sizeof w->transfer_error, "HTTP status %u",
                  soup_message_get_status (msg));
      return NULL;
    }
  p = g_bytes_get_data (response, NULL);
  answer = d2i_OSSL_CMP_MSG (NULL, &p, g_bytes_get_size (response));
  if (answer == NULL)
    g_strlcpy (w->transfer_error, "the answer is not a PKIMessage", sizeof w->transfer_error);
  return answer;
}

static STACK_OF (X509_EXTENSION) *
profile_extensions (gboolean signing)
{
  STACK_OF (X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null ();

  sk_X509_EXTENSION_push (exts, X509V3_EXT_conf_nid (NULL, NULL, NID_key_usage,
                                                     signing ? "critical,digitalSignature,nonRepudiation"
                                                             : "critical,digitalSignature"));
  if (!signing)
    sk_X509_EXTENSION_push (exts, X509V3_EXT_conf_nid (NULL, NULL, NID_ext_key_usage, "clientAuth"));
  return exts;
}

static OSSL_CMP_CTX *
client_new (Worker   *w,
            EVP_PKEY *new_key)
{
  OSSL_CMP_CTX *ctx = OSSL_CMP_CTX_new (NULL, NULL);
  X509_STORE *trust = X509_STORE_new ();

  X509_STORE_add_cert (trust, w->shared->ca);
  OSSL_CMP_CTX_set0_trustedStore (ctx, trust);
  OSSL_CMP_CTX_set_transfer_cb (ctx, transfer_cb);
  OSSL_CMP_CTX_set_transfer_cb_arg (ctx, w);
  OSSL_CMP_CTX_set1_recipient (ctx, X509_get_subject_name (w->shared->ca));
  EVP_PKEY_up_ref (new_key);
  OSSL_CMP_CTX_set0_newPkey (ctx, 1, new_key);
  OSSL_CMP_CTX_set_option (ctx, OSSL_CMP_OPT_VALIDITY_DAYS, 365);
  return ctx;
}

static char *
hex_of (const unsigned char *data,
        gsize                length)
{
  GString *hex = g_string_sized_new (length * 2);

  for (gsize i = 0; i < length; i++)
    g_string_append_printf (hex, "%02X", data[i]);
  return g_string_free (hex, FALSE);
}

static char *
serial_hex (X509 *cert)
{
  BIGNUM *bn = ASN1_INTEGER_to_BN (X509_get0_serialNumber (cert), NULL);
  char *openssl_hex = BN_bn2hex (bn);
  char *hex = g_strdup (openssl_hex);

  OPENSSL_free (openssl_hex);
  BN_free (bn);
  return hex;
}

static char *
key_hash_hex (X509 *cert)
{
  unsigned char *der = NULL;
  unsigned char md[SHA256_DIGEST_LENGTH];
  int length = i2d_PUBKEY (X509_get0_pubkey (cert), &der);

  SHA256 (der, length, md);
  OPENSSL_free (der);
  return hex_of (md, sizeof md);
}

/* Runs one session (ir or kur) on @ctx; on success returns the new
 * certificate (a reference of the caller's) after checking that it is for
 * @key, and records it with its latency. */
static X509 *
run_session (Worker       *w,
             OSSL_CMP_CTX *ctx,
             EVP_PKEY     *key,
             gboolean      kur,
             const char   *what)
{
  gint64 start = g_get_monotonic_time ();
  X509 *cert;
  gint64 elapsed;

  w->transfer_error[0] = '\0';
  cert = kur ? OSSL_CMP_exec_KUR_ses (ctx) : OSSL_CMP_exec_IR_ses (ctx);
  elapsed = g_get_monotonic_time () - start;
  if (cert == NULL)
    {
      char status[OSSL_CMP_PKISI_BUFLEN] = "";
      unsigned long code = ERR_peek_last_error ();
      char reason[256] = "";
      g_autofree char *detail = NULL;

      OSSL_CMP_CTX_snprint_PKIStatus (ctx, status, sizeof status);
      if (code != 0)
        ERR_error_string_n (code, reason, sizeof reason);
      ERR_clear_error ();
      detail = g_strdup_printf ("%s%s%s%s%s", w->transfer_error,
                                w->transfer_error[0] != '\0' ? "; " : "", status,
                                reason[0] != '\0' ? "; " : "", reason);
      record_error (w, what, detail);
      return NULL;
    }
  if (EVP_PKEY_eq (X509_get0_pubkey (cert), key) != 1)
    {
      record_error (w, what, "the certificate is not for the requested key");
      return NULL;
    }
  X509_up_ref (cert);
  g_array_append_val (w->latency_us, elapsed);
  g_ptr_array_add (w->serials, serial_hex (cert));
  g_ptr_array_add (w->key_hashes, key_hash_hex (cert));
  if (kur)
    w->n_kur++;
  else
    w->n_ir++;
  return cert;
}

/* ir for one profile, MAC-protected with the user ID and OTP PIN. */
static X509 *
enroll_ir (Worker            *w,
           TanbaTestDemoUser *user,
           gboolean           signing,
           EVP_PKEY         **key_out)
{
  EVP_PKEY *key = EVP_EC_gen ("P-256");
  OSSL_CMP_CTX *ctx = client_new (w, key);
  X509_NAME *subject = X509_NAME_new ();
  X509 *cert;

  X509_NAME_add_entry_by_txt (subject, "CN", MBSTRING_UTF8,
                              (const unsigned char *) user->user_id, -1, -1, 0);
  OSSL_CMP_CTX_set1_subjectName (ctx, subject);
  X509_NAME_free (subject);
  OSSL_CMP_CTX_set0_reqExtensions (ctx, profile_extensions (signing));
  OSSL_CMP_CTX_set1_referenceValue (ctx, (const unsigned char *) user->user_id,
                                    strlen (user->user_id));
  OSSL_CMP_CTX_set1_secretValue (ctx, (const unsigned char *) user->otp_pin,
                                 strlen (user->otp_pin));
  cert = run_session (w, ctx, key, FALSE, signing ? "ir (signing)" : "ir (authentication)");
  OSSL_CMP_CTX_free (ctx);
  if (cert != NULL && key_out != NULL)
    *key_out = key;
  else
    EVP_PKEY_free (key);
  return cert;
}

/* kur of the thread's latest signing certificate, signed with it. */
static void
renew (Worker *w)
{
  EVP_PKEY *key = EVP_EC_gen ("P-256");
  OSSL_CMP_CTX *ctx = client_new (w, key);
  X509 *cert;

  OSSL_CMP_CTX_set1_cert (ctx, w->renew_cert);
  OSSL_CMP_CTX_set1_pkey (ctx, w->renew_key);
  cert = run_session (w, ctx, key, TRUE, "kur");
  OSSL_CMP_CTX_free (ctx);
  if (cert == NULL)
    {
      EVP_PKEY_free (key);
      return;
    }
  X509_free (w->renew_cert);
  EVP_PKEY_free (w->renew_key);
  w->renew_cert = cert;
  w->renew_key = key;
}

static gpointer
worker_run (gpointer data)
{
  Worker *w = data;
  Shared *s = w->shared;

  /* a session per thread, made and used in it */
  w->session = soup_session_new_with_options ("timeout", 60, "max-conns-per-host", 1, NULL);

  while (!g_atomic_int_get (&s->stop))
    {
      guint index = (guint) g_atomic_int_add (&s->next_user, 1);

      if (index < s->demo->users->len)
        {
          TanbaTestDemoUser *user = g_ptr_array_index (s->demo->users, index);
          EVP_PKEY *sign_key = NULL;
          X509 *sign_cert = enroll_ir (w, user, TRUE, &sign_key);
          X509 *auth_cert;

          if (sign_cert == NULL)
            continue;
          /* a registration once begun is finished, even past the end */
          auth_cert = enroll_ir (w, user, FALSE, NULL);
          if (auth_cert != NULL)
            {
              w->n_users++;
              X509_free (auth_cert);
            }
          X509_free (w->renew_cert);
          EVP_PKEY_free (w->renew_key);
          w->renew_cert = sign_cert;
          w->renew_key = sign_key;
        }
      else if (w->renew_cert != NULL)
        renew (w);
      else
        break; /* no user left and nothing to renew */
    }

  X509_free (w->renew_cert);
  EVP_PKEY_free (w->renew_key);
  w->renew_cert = NULL;
  w->renew_key = NULL;
  g_clear_object (&w->session);
  return NULL;
}

static guint64
server_rss_kib (TanbaTestRefserver *server)
{
  const char *pid = g_subprocess_get_identifier (server->process);
  g_autofree char *path = g_strdup_printf ("/proc/%s/status", pid != NULL ? pid : "0");
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents (path, &status, NULL, NULL))
    return 0;
  line = strstr (status, "\nVmRSS:");
  if (line == NULL)
    return 0;
  return g_ascii_strtoull (line + strlen ("\nVmRSS:"), NULL, 10);
}

/* CPU time (user + system) of @pid so far, in seconds. */
static double
process_cpu_s (const char *pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/stat", pid != NULL ? pid : "self");
  g_autofree char *stat = NULL;
  g_auto(GStrv) fields = NULL;
  const char *after_name;

  if (!g_file_get_contents (path, &stat, NULL, NULL) || (after_name = strrchr (stat, ')')) == NULL)
    return 0;
  /* after "(comm)": state is field 3; utime and stime are fields 14 and 15 */
  fields = g_strsplit (after_name + 2, " ", 0);
  if (g_strv_length (fields) < 13)
    return 0;
  return (g_ascii_strtod (fields[11], NULL) + g_ascii_strtod (fields[12], NULL))
         / sysconf (_SC_CLK_TCK);
}

static int
compare_gint64 (const void *a,
                const void *b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

static double
percentile_ms (GArray *sorted,
               double  fraction)
{
  guint rank;

  if (sorted->len == 0)
    return 0;
  rank = (guint) (fraction * (sorted->len - 1) + 0.5);
  return g_array_index (sorted, gint64, rank) / 1000.0;
}

/* count(*), count(DISTINCT serial), count(DISTINCT public_key_sha256) of
 * the server's certificates; FALSE if the database cannot be read. */
static gboolean
count_server_certificates (const char *dir,
                           gint64      counts[3])
{
  g_autofree char *path = g_build_filename (dir, "tanba-refserver.db", NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gboolean ok = FALSE;

  if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK
      && sqlite3_prepare_v2 (db,
                             "SELECT count(*), count(DISTINCT serial),"
                             " count(DISTINCT public_key_sha256) FROM certificates;",
                             -1, &stmt, NULL) == SQLITE_OK
      && sqlite3_step (stmt) == SQLITE_ROW)
    {
      for (int i = 0; i < 3; i++)
        counts[i] = sqlite3_column_int64 (stmt, i);
      ok = TRUE;
    }
  else
    fprintf (stderr, "cannot read %s: %s\n", path, db != NULL ? sqlite3_errmsg (db) : "?");
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return ok;
}

/* Number of entries of @lists (GPtrArray of strings) seen more than once. */
static guint
count_repeats (Worker  *workers,
               guint    n_workers,
               gboolean serials)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  guint repeats = 0;

  for (guint i = 0; i < n_workers; i++)
    {
      GPtrArray *list = serials ? workers[i].serials : workers[i].key_hashes;

      for (guint j = 0; j < list->len; j++)
        if (!g_hash_table_add (seen, g_ptr_array_index (list, j)))
          repeats++;
    }
  return repeats;
}

int
main (int   argc,
      char *argv[])
{
  guint seconds = env_uint ("TANBA_BENCH_SECONDS", 30);
  guint n_clients = env_uint ("TANBA_BENCH_CLIENTS", 16);
  guint n_users = env_uint ("TANBA_BENCH_USERS", 150 * seconds);
  guint sample_s = env_uint ("TANBA_BENCH_SAMPLE_SECONDS", 3);
  g_autofree char *users_text = g_strdup_printf ("%u", n_users);
  const char *demo_args[] = { "--users", users_text, "--key-type", "ec", NULL };
  g_autofree char *tmp = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *load_average = NULL;
  g_autoptr(GArray) rss = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_autoptr(GArray) rss_at = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) latency = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GPtrArray) threads = g_ptr_array_new ();
  TanbaTestRefserver *server;
  Worker *workers;
  Shared shared = { 0 };
  guint n_ir = 0, n_kur = 0, n_errors = 0, n_registered = 0;
  guint serial_repeats, key_repeats;
  gint64 db_counts[3] = { 0, 0, 0 };
  gboolean db_ok;
  gboolean failed;
  gint64 init_start, start, deadline, next_sample, elapsed_us;
  guint64 rss_before, rss_after, rss_max = 0, rss_min = G_MAXUINT64;
  double rate, server_cpu, client_cpu;
  BIO *bio;

  /* the test suite's debugging aids are not what a deployment runs with
   * (the server inherits this environment); before any thread exists */
  g_unsetenv ("G_DEBUG");
  g_unsetenv ("MALLOC_CHECK_");
  OSSL_PROVIDER_load (NULL, "default");

  tmp = tanba_test_make_tmp_dir ();
  dir = g_build_filename (tmp, "data", NULL);
  init_start = g_get_monotonic_time ();
  shared.demo = tanba_test_demo_new (dir, demo_args);
  printf ("demo: %u users, EC P-256 keys, made in %.1f s\n", shared.demo->users->len,
          (g_get_monotonic_time () - init_start) / 1e6);
  server = tanba_test_refserver_start (shared.demo->dir, FALSE, FALSE);
  shared.pkix_url = g_strconcat (server->url, "pkix/", NULL);
  bio = BIO_new_file (shared.demo->ca_certificate, "r");
  shared.ca = PEM_read_bio_X509 (bio, NULL, NULL, NULL);
  BIO_free (bio);
  g_assert_nonnull (shared.ca);
  g_mutex_init (&shared.lock);
  shared.error_texts = g_ptr_array_new_with_free_func (g_free);

  printf ("server: %s (pid %s), %u clients, %u s, one kept-alive HTTP connection per client\n",
          server->url, g_subprocess_get_identifier (server->process), n_clients, seconds);
  rss_before = server_rss_kib (server);
  server_cpu = process_cpu_s (g_subprocess_get_identifier (server->process));
  client_cpu = process_cpu_s (NULL);

  workers = g_new0 (Worker, n_clients);
  start = g_get_monotonic_time ();
  deadline = start + (gint64) seconds * G_USEC_PER_SEC;
  for (guint i = 0; i < n_clients; i++)
    {
      workers[i] = (Worker) {
        .shared = &shared,
        .index = i,
        .latency_us = g_array_new (FALSE, FALSE, sizeof (gint64)),
        .serials = g_ptr_array_new_with_free_func (g_free),
        .key_hashes = g_ptr_array_new_with_free_func (g_free),
      };
      g_ptr_array_add (threads, g_thread_new ("bench-client", worker_run, &workers[i]));
    }

  /* sample the server's memory while the clients run */
  next_sample = start;
  while (g_get_monotonic_time () < deadline)
    {
      gint64 now = g_get_monotonic_time ();

      if (now >= next_sample)
        {
          guint64 kib = server_rss_kib (server);
          double at = (now - start) / 1e6;

          g_array_append_val (rss, kib);
          g_array_append_val (rss_at, at);
          next_sample += (gint64) sample_s * G_USEC_PER_SEC;
        }
      g_usleep (MIN (next_sample, deadline) - now > 0
                ? (gulong) (MIN (next_sample, deadline) - now) : 1000);
    }
  g_atomic_int_set (&shared.stop, 1);
  if (g_file_get_contents ("/proc/loadavg", &load_average, NULL, NULL))
    g_strdelimit (load_average, "\n", '\0');
  for (guint i = 0; i < threads->len; i++)
    g_thread_join (g_ptr_array_index (threads, i));
  elapsed_us = g_get_monotonic_time () - start;
  rss_after = server_rss_kib (server);
  server_cpu = process_cpu_s (g_subprocess_get_identifier (server->process)) - server_cpu;
  client_cpu = process_cpu_s (NULL) - client_cpu;

  tanba_test_refserver_stop (server);
  db_ok = count_server_certificates (shared.demo->dir, db_counts);

  for (guint i = 0; i < n_clients; i++)
    {
      n_ir += workers[i].n_ir;
      n_kur += workers[i].n_kur;
      n_errors += workers[i].n_errors;
      n_registered += workers[i].n_users;
      g_array_append_vals (latency, workers[i].latency_us->data, workers[i].latency_us->len);
    }
  qsort (latency->data, latency->len, sizeof (gint64), compare_gint64);
  serial_repeats = count_repeats (workers, n_clients, TRUE);
  key_repeats = count_repeats (workers, n_clients, FALSE);
  rate = (n_ir + n_kur) / (elapsed_us / 1e6);

  printf ("enrollments: %u in %.1f s = %.1f enrollments/s (ir %u: %u users registered; kur %u)\n",
          n_ir + n_kur, elapsed_us / 1e6, rate, n_ir, n_registered, n_kur);
  printf ("enrollment latency (request to pkiConf): p50 %.1f ms, p95 %.1f ms, max %.1f ms "
          "(n=%u)\n", percentile_ms (latency, 0.50), percentile_ms (latency, 0.95),
          percentile_ms (latency, 1.0), latency->len);
  printf ("CPU during the run: server %.1f s (%.0f %% of one core, %.2f ms per enrollment),"
          " clients %.1f s; %ld cores online, load average %s\n", server_cpu,
          100.0 * server_cpu / (elapsed_us / 1e6),
          n_ir + n_kur > 0 ? 1000.0 * server_cpu / (n_ir + n_kur) : 0.0, client_cpu,
          sysconf (_SC_NPROCESSORS_ONLN), load_average);
  {
    guint slow = 0;

    for (guint i = 0; i < latency->len; i++)
      slow += g_array_index (latency, gint64, i) >= G_USEC_PER_SEC;
    printf ("enrollments that took 1 s or more: %u\n", slow);
  }
  printf ("errors: %u\n", n_errors);
  for (guint i = 0; i < shared.error_texts->len; i++)
    printf ("  error: %s\n", (const char *) g_ptr_array_index (shared.error_texts, i));
  printf ("duplicates seen by the clients: %u serials, %u public keys\n",
          serial_repeats, key_repeats);
  if (db_ok)
    printf ("server database: %" G_GINT64_FORMAT " certificates, %" G_GINT64_FORMAT
            " distinct serials, %" G_GINT64_FORMAT " distinct public keys, %" G_GINT64_FORMAT
            " not received by a client -> duplicates %" G_GINT64_FORMAT "\n",
            db_counts[0], db_counts[1], db_counts[2], db_counts[0] - (n_ir + n_kur),
            db_counts[0] - MIN (db_counts[1], db_counts[2]));
  printf ("server VmRSS: %" G_GUINT64_FORMAT " KiB before, %" G_GUINT64_FORMAT " KiB after;"
          " samples (s: KiB):", rss_before, rss_after);
  for (guint i = 0; i < rss->len; i++)
    {
      guint64 kib = g_array_index (rss, guint64, i);

      printf (" %.0f: %" G_GUINT64_FORMAT, g_array_index (rss_at, double, i), kib);
      rss_max = MAX (rss_max, kib);
      rss_min = MIN (rss_min, kib);
    }
  printf ("\n");
  if (rss->len >= 4)
    {
      /* growth over the second half of the run, after warm-up */
      guint half = rss->len / 2;

      printf ("server VmRSS: min %" G_GUINT64_FORMAT " KiB, max %" G_GUINT64_FORMAT
              " KiB; second half of the run %+" G_GINT64_FORMAT " KiB\n", rss_min, rss_max,
              (gint64) g_array_index (rss, guint64, rss->len - 1)
                - (gint64) g_array_index (rss, guint64, half));
    }
  printf ("target (issue 3/8): >= 200 enrollments/s with 16 clients, 0 errors, 0 duplicates,"
          " memory flat\n");

  for (guint i = 0; i < n_clients; i++)
    {
      g_array_unref (workers[i].latency_us);
      g_ptr_array_unref (workers[i].serials);
      g_ptr_array_unref (workers[i].key_hashes);
    }
  g_free (workers);
  g_ptr_array_unref (shared.error_texts);
  /* the time is only printed; errors and duplicates fail the benchmark */
  failed = n_errors > 0 || serial_repeats > 0 || key_repeats > 0 || !db_ok
           || db_counts[0] != db_counts[1] || db_counts[0] != db_counts[2];
  g_mutex_clear (&shared.lock);
  X509_free (shared.ca);
  g_free (shared.pkix_url);
  if (g_getenv ("TANBA_TEST_KEEP") == NULL)
    tanba_test_remove_tree (tmp);
  else
    printf ("kept: %s\n", tmp);
  tanba_test_demo_free (shared.demo);
  return failed ? 1 : 0;
}
