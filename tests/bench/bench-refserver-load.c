/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-refserver-load.c: the reference server under 16 concurrent
 * registering clients on loopback (issue 3 "Benchmarks", issue 8 "Load").
 *
 * A demo server with EC keys (tanba-refserver --init-demo --users N
 * --key-type ec), over HTTPS (--tls, as a bank serves) unless
 * TANBA_BENCH_TLS=0, and N_CLIENTS threads. Each thread registers demo users
 * one after the other, the WHOLE registration as Tanba does it, through the
 * core's own clients (TanbaKeyFile, TanbaCmpClient, TanbaBankClient), with
 * software EC P-256 keys in place of the token's:
 *  1. open the user's init key file (PKCS#12, password = the OTP PIN);
 *  2. ir for a new signing key, signed with the init key (or MAC-protected
 *     with the user ID and OTP PIN: TANBA_BENCH_PROTECTION=mac), then
 *     certConf/pkiConf (the server refuses implicit confirmation);
 *  3. the same for a new authentication key (the registration is then
 *     complete on the CA's side and the init key retired);
 *  4. the bank: POST bank/registration/nonce, then POST bank/registration
 *     with both certificates and a detached CMS signature by the new signing
 *     key over nonce ‖ SHA-256(authentication certificate).
 * As in Tanba, each CMP operation and each bank call has its own SoupSession,
 * and each POST its own connection (libsoup reuses a kept-alive connection
 * only for idempotent requests): 10 HTTP requests, with --tls 10 TLS
 * handshakes, per registration. The main thread runs the default main
 * context, as Tanba's main loop does: glib-networking hands a TLS server's
 * certificate request to the context the connection was made in (with a
 * context of its own pushed in each client thread every handshake hung).
 *
 * Found with it: libsoup < 3.3 kept open every connection its client had
 * closed, and the server ran out of descriptors (tanba-server-http.c now
 * closes each connection after its answer; test-refserver-connections).
 *
 * Enough demo users are made for the run (TANBA_BENCH_USERS); should they run
 * out anyway, the threads go on renewing (kur of the thread's latest signing
 * certificate, signed with it, for a new key) and the output says from when.
 *
 * Counted: registrations completed (all four steps), enrollments (ir, kur),
 * latency per step (CMP enrollment = request to pkiConf; bank = nonce +
 * registration; the whole registration), errors (any failed step, with the
 * first messages), duplicates: a serial or public key seen twice by the
 * clients, a bank answer "already-registered" for a new registration, and in
 * the server's SQLite afterwards: certificates count(*) against
 * count(DISTINCT serial / public_key_sha256 / cert_sha256) and against the
 * clients' count; for every registration a client completed, registrations
 * row 'complete' naming exactly the two certificates the client received,
 * both accepted, no third ir certificate for the user, exactly one
 * bank_registrations row (those two certificates); no registration left
 * 'open'; bank_registrations count(*) against count(DISTINCT user_id) and
 * the clients' count. The server's VmRSS is sampled during the run.
 *
 * Prints figures; asserts nothing about time. Exit status 1 if a step failed
 * or a duplicate or an incomplete registration was found. Environment:
 *   TANBA_BENCH_SECONDS     duration of the load (default 30)
 *   TANBA_BENCH_CLIENTS     concurrent clients (default 16)
 *   TANBA_BENCH_USERS       demo users (default 100 per second of the run, 200
 *                           with TANBA_BENCH_TLS=0)
 *   TANBA_BENCH_TLS         1 (default): HTTPS for CMP and bank; 0: plain HTTP
 *   TANBA_BENCH_PROTECTION  signature (default: the init key, as Tanba) or mac
 *   TANBA_BENCH_SAMPLE_SECONDS  RSS sampling interval (default 3)
 * Run: TANBA_BENCH_SECONDS=60 meson test -C BUILD --benchmark --suite bench-server -v */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <sqlite3.h>

#include "tanba-bank-client.h"
#include "tanba-cmp-client.h"
#include "tanba-key-file.h"
#include "tanba-test-refserver.h"

#define MAX_ERROR_TEXTS 5
#define TERM_YEARS      1

typedef struct
{
  TanbaTestDemo *demo;
  char          *base_url;   /* the server's URL: the bank's base address */
  char          *pkix_url;
  gboolean       mac;
  guint          term_days;
  gint64         start;
  gint           next_user;  /* atomic: index of the next unused demo user */
  gint           stop;       /* atomic: the run is over */
  gint           ran_out_ms; /* atomic: when the demo users ran out (0: never) */
  gint           running;    /* atomic: client threads not yet done */
  GMutex         lock;       /* error_texts */
  GPtrArray     *error_texts;
} Shared;

/* A registration a client completed. */
typedef struct
{
  char *user_id;
  char *signing_serial;
  char *authentication_serial;
} Completed;

typedef struct
{
  Shared    *shared;
  guint      index;
  GArray    *enroll_us;        /* gint64 per CMP enrollment (ir) */
  GArray    *kur_us;
  GArray    *bank_us;          /* nonce + registration */
  GArray    *key_file_us;
  GArray    *registration_us;  /* key file to the bank's answer */
  GPtrArray *serials;          /* upper-case hex, per issued certificate */
  GPtrArray *key_hashes;       /* hex SHA-256 of the SPKI DER */
  GPtrArray *completed;        /* Completed */
  guint      n_ir;
  guint      n_kur;
  guint      n_errors;
  guint      n_bank_already;   /* "already-registered" for a new registration */
  X509      *renew_cert;       /* the latest accepted signing certificate */
  EVP_PKEY  *renew_key;
} Worker;

static void
completed_free (gpointer data)
{
  Completed *c = data;

  g_free (c->user_id);
  g_free (c->signing_serial);
  g_free (c->authentication_serial);
  g_free (c);
}

static guint
env_uint (const char *name,
          guint       fallback)
{
  const char *text = g_getenv (name);
  guint64 value;

  if (text == NULL || *text == '\0')
    return fallback;
  if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT32, &value, NULL))
    {
      fprintf (stderr, "%s=%s is not a whole number; using %u\n", name, text, fallback);
      return fallback;
    }
  return (guint) value;
}

static void
record_error (Worker     *w,
              const char *what,
              const char *user_id,
              const char *detail)
{
  g_autofree char *text = g_strdup_printf ("client %u, %s%s%s: %s", w->index, what,
                                           user_id != NULL ? ", user " : "",
                                           user_id != NULL ? user_id : "", detail);

  w->n_errors++;
  g_mutex_lock (&w->shared->lock);
  if (w->shared->error_texts->len < MAX_ERROR_TEXTS)
    g_ptr_array_add (w->shared->error_texts, g_steal_pointer (&text));
  g_mutex_unlock (&w->shared->lock);
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

/* The accept function, as Tanba's (which stores the certificate on the token
 * next to its key): the certificate must be for the key that was asked for. */
static gboolean
accept_cb (X509      *certificate,
           gpointer   user_data,
           GError   **error)
{
  EVP_PKEY *key = user_data;

  if (EVP_PKEY_eq (X509_get0_pubkey (certificate), key) != 1)
    {
      ERR_clear_error ();
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           "the certificate is not for the requested key");
      return FALSE;
    }
  return TRUE;
}

/* Records an issued certificate (serial, key) and its latency. */
static void
record_certificate (Worker *w,
                    X509   *cert,
                    GArray *latencies,
                    gint64  elapsed)
{
  g_array_append_val (latencies, elapsed);
  g_ptr_array_add (w->serials, serial_hex (cert));
  g_ptr_array_add (w->key_hashes, key_hash_hex (cert));
}

/* One CMP enrollment (ir + certConf) of a new key for @profile. */
static X509 *
enroll (Worker           *w,
        TanbaCmpClient   *cmp,
        const char       *user_id,
        TanbaCertProfile  profile,
        EVP_PKEY        **key_out)
{
  g_autoptr(GError) error = NULL;
  EVP_PKEY *key = EVP_EC_gen ("P-256");
  gint64 start = g_get_monotonic_time ();
  X509 *cert;

  cert = tanba_cmp_client_enroll (cmp, key, profile, user_id, w->shared->term_days, accept_cb,
                                  key, NULL, &error);
  if (cert == NULL)
    {
      record_error (w, profile == TANBA_CERT_PROFILE_SIGNING ? "ir (signing)"
                                                             : "ir (authentication)",
                    user_id, error->message);
      EVP_PKEY_free (key);
      return NULL;
    }
  record_certificate (w, cert, w->enroll_us, g_get_monotonic_time () - start);
  w->n_ir++;
  *key_out = key;
  return cert;
}

/* The whole registration of @user, as Tanba does it (see the top). */
static void
register_user (Worker            *w,
               TanbaTestDemoUser *user)
{
  Shared *s = w->shared;
  g_autoptr(GError) error = NULL;
  g_autoptr(TanbaKeyFile) key_file = NULL;
  g_autoptr(TanbaCmpClient) cmp = NULL;
  g_autoptr(TanbaBankClient) bank = NULL;
  g_autoptr(TanbaBankRegistration) answer = NULL;
  g_autofree char *signing_serial = NULL;
  g_autofree char *authentication_serial = NULL;
  EVP_PKEY *sign_key = NULL, *auth_key = NULL;
  X509 *sign_cert = NULL, *auth_cert = NULL;
  gint64 start = g_get_monotonic_time ();
  gint64 bank_start, elapsed;
  Completed *done;

  /* 1. the init key file */
  key_file = tanba_key_file_open (user->key_file, user->otp_pin, &error);
  if (key_file == NULL)
    {
      record_error (w, "key file", user->user_id, error->message);
      return;
    }
  elapsed = g_get_monotonic_time () - start;
  g_array_append_val (w->key_file_us, elapsed);

  /* 2., 3. the two certificates */
  cmp = tanba_cmp_client_new (s->pkix_url, s->demo->ca_certificate, &error);
  if (cmp == NULL)
    {
      record_error (w, "CMP client", user->user_id, error->message);
      return;
    }
  if (s->mac)
    tanba_cmp_client_set_mac_protection (cmp, user->user_id, user->otp_pin);
  else
    tanba_cmp_client_set_signature_protection (cmp, tanba_key_file_get_key (key_file),
                                               tanba_key_file_get_certificate (key_file),
                                               tanba_key_file_get_chain (key_file));
  sign_cert = enroll (w, cmp, user->user_id, TANBA_CERT_PROFILE_SIGNING, &sign_key);
  if (sign_cert == NULL)
    return;
  /* a registration once begun is finished, even past the end */
  auth_cert = enroll (w, cmp, user->user_id, TANBA_CERT_PROFILE_AUTHENTICATION, &auth_key);
  if (auth_cert == NULL)
    goto out;

  /* 4. the bank */
  bank_start = g_get_monotonic_time ();
  bank = tanba_bank_client_new (s->base_url, s->demo->ca_certificate, &error);
  if (bank != NULL)
    answer = tanba_bank_client_register (bank, sign_cert, sign_key, auth_cert, NULL, &error);
  if (answer == NULL)
    {
      g_autofree char *detail = g_strdup_printf (
        "%s%s%s", error->message, bank != NULL && tanba_bank_client_get_last_error_code (bank)
                                    ? " - " : "",
        bank != NULL && tanba_bank_client_get_last_error_code (bank)
          ? tanba_bank_client_get_last_error_code (bank) : "");

      record_error (w, "bank registration", user->user_id, detail);
      goto out;
    }
  elapsed = g_get_monotonic_time () - bank_start;
  signing_serial = serial_hex (sign_cert);
  authentication_serial = serial_hex (auth_cert);
  if (g_strcmp0 (answer->status, "registered") != 0)
    {
      /* a registration nobody made before cannot be "already-registered" */
      w->n_bank_already++;
      record_error (w, "bank registration", user->user_id, answer->status);
      goto out;
    }
  if (g_ascii_strcasecmp (answer->user_id, user->user_id) != 0
      || g_strcmp0 (answer->signing_certificate_serial, signing_serial) != 0
      || g_strcmp0 (answer->authentication_certificate_serial, authentication_serial) != 0)
    {
      g_autofree char *detail = g_strdup_printf (
        "the bank answered for %s, serials %s and %s; the client sent %s and %s",
        answer->user_id, answer->signing_certificate_serial,
        answer->authentication_certificate_serial, signing_serial, authentication_serial);

      record_error (w, "bank registration", user->user_id, detail);
      goto out;
    }
  g_array_append_val (w->bank_us, elapsed);
  elapsed = g_get_monotonic_time () - start;
  g_array_append_val (w->registration_us, elapsed);

  done = g_new0 (Completed, 1);
  done->user_id = g_strdup (user->user_id);
  done->signing_serial = g_steal_pointer (&signing_serial);
  done->authentication_serial = g_steal_pointer (&authentication_serial);
  g_ptr_array_add (w->completed, done);

out:
  /* the signing certificate renews, should the demo users run out */
  X509_free (w->renew_cert);
  EVP_PKEY_free (w->renew_key);
  w->renew_cert = sign_cert;
  w->renew_key = sign_key;
  X509_free (auth_cert);
  EVP_PKEY_free (auth_key);
}

/* kur of the thread's latest signing certificate, signed with it. */
static void
renew (Worker *w)
{
  Shared *s = w->shared;
  g_autoptr(GError) error = NULL;
  g_autoptr(TanbaCmpClient) cmp = NULL;
  EVP_PKEY *key = EVP_EC_gen ("P-256");
  gint64 start = g_get_monotonic_time ();
  X509 *cert = NULL;

  cmp = tanba_cmp_client_new (s->pkix_url, s->demo->ca_certificate, &error);
  if (cmp != NULL)
    {
      tanba_cmp_client_set_signature_protection (cmp, w->renew_key, w->renew_cert, NULL);
      cert = tanba_cmp_client_renew (cmp, w->renew_cert, key, s->term_days, accept_cb, key,
                                     NULL, &error);
    }
  if (cert == NULL)
    {
      record_error (w, "kur", NULL, error->message);
      EVP_PKEY_free (key);
      return;
    }
  record_certificate (w, cert, w->kur_us, g_get_monotonic_time () - start);
  w->n_kur++;
  X509_free (w->renew_cert);
  EVP_PKEY_free (w->renew_key);
  w->renew_cert = cert;
  w->renew_key = key;
}

/* Runs in a thread of its own with no context pushed, as Tanba's registration
 * in a worker thread: libsoup's sessions (one per operation) and glib-networking's
 * TLS interaction then use the global default context, which the main thread
 * runs (as Tanba's main loop does). */
static gpointer
worker_run (gpointer data)
{
  Worker *w = data;
  Shared *s = w->shared;

  while (!g_atomic_int_get (&s->stop))
    {
      guint index = (guint) g_atomic_int_add (&s->next_user, 1);

      if (index < s->demo->users->len)
        register_user (w, g_ptr_array_index (s->demo->users, index));
      else
        {
          gint ms = (gint) MAX (1, (g_get_monotonic_time () - s->start) / 1000);

          g_atomic_int_compare_and_exchange (&s->ran_out_ms, 0, ms);
          if (w->renew_cert != NULL)
            renew (w);
          else
            break; /* no user left and nothing to renew */
        }
    }

  X509_free (w->renew_cert);
  EVP_PKEY_free (w->renew_key);
  w->renew_cert = NULL;
  w->renew_key = NULL;
  g_atomic_int_add (&s->running, -1);
  g_main_context_wakeup (NULL);
  return NULL;
}

static gboolean
tick_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
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

/* All workers' latencies of one kind (the GArray at @offset in Worker), sorted. */
static GArray *
gather_latencies (Worker *workers,
                  guint   n_workers,
                  gsize   offset)
{
  GArray *all = g_array_new (FALSE, FALSE, sizeof (gint64));

  for (guint i = 0; i < n_workers; i++)
    {
      GArray *one = G_STRUCT_MEMBER (GArray *, &workers[i], offset);

      g_array_append_vals (all, one->data, one->len);
    }
  qsort (all->data, all->len, sizeof (gint64), compare_gint64);
  return all;
}

static void
print_latency (const char *what,
               GArray     *sorted)
{
  printf ("  %-44s p50 %7.1f ms, p95 %7.1f ms, max %7.1f ms (n=%u)\n", what,
          percentile_ms (sorted, 0.50), percentile_ms (sorted, 0.95),
          percentile_ms (sorted, 1.0), sorted->len);
}

/* Number of entries of the workers' lists seen more than once. */
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

/* What the server's database says after the run. */
typedef struct
{
  gint64 certs, distinct_serials, distinct_keys, distinct_certs;
  gint64 registrations_complete, registrations_open;
  gint64 bank_rows, bank_users;
  guint  checked;        /* client-completed registrations looked up */
  guint  incomplete;     /* of those, not as the client saw them */
  guint  superseded;     /* of those, signing certificate renewed since (kur phase) */
  char  *first_problem;
} DbFigures;

static gboolean
db_query_int64s (sqlite3    *db,
                 const char *sql,
                 gint64     *out,
                 int         n)
{
  sqlite3_stmt *stmt = NULL;
  gboolean ok = FALSE;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) == SQLITE_OK
      && sqlite3_step (stmt) == SQLITE_ROW)
    {
      for (int i = 0; i < n; i++)
        out[i] = sqlite3_column_int64 (stmt, i);
      ok = TRUE;
    }
  else
    fprintf (stderr, "cannot run %s: %s\n", sql, sqlite3_errmsg (db));
  sqlite3_finalize (stmt);
  return ok;
}

static const char *
column_text (sqlite3_stmt *stmt,
             int           column)
{
  const unsigned char *text = sqlite3_column_text (stmt, column);

  return text != NULL ? (const char *) text : "";
}

/* Looks up each registration the clients completed. */
static gboolean
check_completed (sqlite3   *db,
                 Worker    *workers,
                 guint      n_workers,
                 DbFigures *f)
{
  static const char sql[] =
    "SELECT r.status, s.serial, s.status, a.serial, a.status,"
    " (SELECT count(*) FROM certificates c WHERE c.user_id = r.user_id AND c.origin = 'ir'),"
    " (SELECT count(*) FROM bank_registrations b WHERE b.user_id = r.user_id),"
    " (SELECT count(*) FROM bank_registrations b"
    "   WHERE b.authentication_cert_id = a.id AND b.signing_cert_id = s.id)"
    " FROM registrations r JOIN certificates s ON s.id = r.signing_cert_id"
    " JOIN certificates a ON a.id = r.authentication_cert_id"
    " WHERE r.user_id = ?;";
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      fprintf (stderr, "cannot prepare the registration check: %s\n", sqlite3_errmsg (db));
      return FALSE;
    }
  for (guint i = 0; i < n_workers; i++)
    for (guint j = 0; j < workers[i].completed->len; j++)
      {
        Completed *c = g_ptr_array_index (workers[i].completed, j);
        g_autofree char *problem = NULL;

        sqlite3_reset (stmt);
        sqlite3_bind_text (stmt, 1, c->user_id, -1, SQLITE_TRANSIENT);
        f->checked++;
        if (sqlite3_step (stmt) != SQLITE_ROW)
          problem = g_strdup ("no registration row");
        else
          {
            const char *signing_status = column_text (stmt, 2);

            if (g_str_equal (signing_status, "superseded"))
              f->superseded++;
            if (!g_str_equal (column_text (stmt, 0), "complete"))
              problem = g_strdup_printf ("registration %s", column_text (stmt, 0));
            else if (!g_str_equal (column_text (stmt, 1), c->signing_serial)
                     || !g_str_equal (column_text (stmt, 3), c->authentication_serial))
              problem = g_strdup_printf ("registration names certificates %s and %s, the "
                                         "client received %s and %s", column_text (stmt, 1),
                                         column_text (stmt, 3), c->signing_serial,
                                         c->authentication_serial);
            else if (!g_str_equal (column_text (stmt, 4), "accepted")
                     || (!g_str_equal (signing_status, "accepted")
                         && !g_str_equal (signing_status, "superseded")))
              problem = g_strdup_printf ("certificates %s and %s", signing_status,
                                         column_text (stmt, 4));
            else if (sqlite3_column_int64 (stmt, 5) != 2)
              problem = g_strdup_printf ("%" G_GINT64_FORMAT " ir certificates",
                                         (gint64) sqlite3_column_int64 (stmt, 5));
            else if (sqlite3_column_int64 (stmt, 6) != 1 || sqlite3_column_int64 (stmt, 7) != 1)
              problem = g_strdup_printf ("%" G_GINT64_FORMAT " bank registrations, %"
                                         G_GINT64_FORMAT " of them for its two certificates",
                                         (gint64) sqlite3_column_int64 (stmt, 6),
                                         (gint64) sqlite3_column_int64 (stmt, 7));
          }
        if (problem != NULL)
          {
            f->incomplete++;
            if (f->first_problem == NULL)
              f->first_problem = g_strdup_printf ("%s: %s", c->user_id, problem);
          }
      }
  sqlite3_finalize (stmt);
  return TRUE;
}

static gboolean
read_database (const char *dir,
               Worker     *workers,
               guint       n_workers,
               DbFigures  *f)
{
  g_autofree char *path = g_build_filename (dir, "tanba-refserver.db", NULL);
  sqlite3 *db = NULL;
  gint64 values[4];
  gboolean ok;

  if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
    {
      fprintf (stderr, "cannot open %s: %s\n", path, db != NULL ? sqlite3_errmsg (db) : "?");
      sqlite3_close (db);
      return FALSE;
    }
  ok = db_query_int64s (db, "SELECT count(*), count(DISTINCT serial),"
                            " count(DISTINCT public_key_sha256), count(DISTINCT cert_sha256)"
                            " FROM certificates;", values, 4);
  if (ok)
    {
      f->certs = values[0];
      f->distinct_serials = values[1];
      f->distinct_keys = values[2];
      f->distinct_certs = values[3];
      ok = db_query_int64s (db, "SELECT count(*) FILTER (WHERE status = 'complete'),"
                                " count(*) FILTER (WHERE status = 'open') FROM registrations;",
                            values, 2);
    }
  if (ok)
    {
      f->registrations_complete = values[0];
      f->registrations_open = values[1];
      ok = db_query_int64s (db, "SELECT count(*), count(DISTINCT user_id)"
                                " FROM bank_registrations;", values, 2);
    }
  if (ok)
    {
      f->bank_rows = values[0];
      f->bank_users = values[1];
      ok = check_completed (db, workers, n_workers, f);
    }
  sqlite3_close (db);
  return ok;
}

int
main (int   argc,
      char *argv[])
{
  guint seconds = MAX (1, env_uint ("TANBA_BENCH_SECONDS", 30));
  guint n_clients = MAX (1, env_uint ("TANBA_BENCH_CLIENTS", 16));
  gboolean tls = env_uint ("TANBA_BENCH_TLS", 1) != 0;
  /* about three times what this 2-core machine reaches, so that the whole
   * run is registrations (--init-demo takes some 5 ms a user) */
  guint n_users = MAX (1, env_uint ("TANBA_BENCH_USERS", (tls ? 100 : 200) * seconds));
  guint sample_s = MAX (1, env_uint ("TANBA_BENCH_SAMPLE_SECONDS", 3));
  const char *protection = g_getenv ("TANBA_BENCH_PROTECTION");
  g_autofree char *users_text = g_strdup_printf ("%u", n_users);
  const char *demo_args[] = { "--users", users_text, "--key-type", "ec", NULL };
  g_autofree char *tmp = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *load_average = NULL;
  g_autoptr(GArray) rss = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_autoptr(GArray) rss_at = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) enroll_ms = NULL;
  g_autoptr(GArray) kur_ms = NULL;
  g_autoptr(GArray) bank_ms = NULL;
  g_autoptr(GArray) key_file_ms = NULL;
  g_autoptr(GArray) registration_ms = NULL;
  g_autoptr(GPtrArray) threads = g_ptr_array_new ();
  TanbaTestRefserver *server;
  Worker *workers;
  Shared shared = { 0 };
  DbFigures db = { 0 };
  guint n_ir = 0, n_kur = 0, n_errors = 0, n_registered = 0, n_bank_already = 0;
  guint serial_repeats, key_repeats, slow = 0;
  gboolean db_ok;
  gboolean failed;
  gint64 init_start, deadline, next_sample, elapsed_us;
  guint tick;
  guint64 rss_before, rss_after, rss_max = 0, rss_min = G_MAXUINT64;
  double elapsed_s, server_cpu, client_cpu;

  if (protection != NULL && *protection != '\0' && g_strcmp0 (protection, "signature") != 0
      && g_strcmp0 (protection, "mac") != 0)
    {
      fprintf (stderr, "TANBA_BENCH_PROTECTION=%s: use signature or mac\n", protection);
      return 2;
    }
  shared.mac = g_strcmp0 (protection, "mac") == 0;
  /* progress shows as it comes, also through meson's pipe */
  setvbuf (stdout, NULL, _IOLBF, 0);

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
  server = tanba_test_refserver_start (shared.demo->dir, tls, FALSE);
  shared.base_url = g_strdup (server->url);
  shared.pkix_url = g_strconcat (server->url, "pkix/", NULL);
  shared.term_days = tanba_cmp_term_days (TERM_YEARS);
  g_mutex_init (&shared.lock);
  shared.error_texts = g_ptr_array_new_with_free_func (g_free);

  printf ("server: %s (pid %s), %u clients, %u s\n", server->url,
          g_subprocess_get_identifier (server->process), n_clients, seconds);
  printf ("a registration, as Tanba does it with the core's clients (software keys for the"
          " token's): key file; ir signing + certConf; ir authentication + certConf;"
          " bank nonce + registration; CMP protected by %s; %s, a new connection per request"
          " (10 per registration)\n",
          shared.mac ? "MAC (user ID + OTP PIN)" : "the init key's signature",
          tls ? "HTTPS (TLS handshake per connection)" : "plain HTTP");
  rss_before = server_rss_kib (server);
  server_cpu = process_cpu_s (g_subprocess_get_identifier (server->process));
  client_cpu = process_cpu_s (NULL);

  workers = g_new0 (Worker, n_clients);
  shared.start = g_get_monotonic_time ();
  deadline = shared.start + (gint64) seconds * G_USEC_PER_SEC;
  shared.running = (gint) n_clients;
  for (guint i = 0; i < n_clients; i++)
    {
      workers[i] = (Worker) {
        .shared = &shared,
        .index = i,
        .enroll_us = g_array_new (FALSE, FALSE, sizeof (gint64)),
        .kur_us = g_array_new (FALSE, FALSE, sizeof (gint64)),
        .bank_us = g_array_new (FALSE, FALSE, sizeof (gint64)),
        .key_file_us = g_array_new (FALSE, FALSE, sizeof (gint64)),
        .registration_us = g_array_new (FALSE, FALSE, sizeof (gint64)),
        .serials = g_ptr_array_new_with_free_func (g_free),
        .key_hashes = g_ptr_array_new_with_free_func (g_free),
        .completed = g_ptr_array_new_with_free_func (completed_free),
      };
      g_ptr_array_add (threads, g_thread_new ("bench-client", worker_run, &workers[i]));
    }

  /* run the default context (the clients' TLS handshakes need it, as Tanba's
   * do its main loop) and sample the server's memory until the clients are done */
  tick = g_timeout_add (100, tick_cb, NULL);
  next_sample = shared.start;
  while (g_atomic_int_get (&shared.running) > 0)
    {
      gint64 now = g_get_monotonic_time ();

      if (!g_atomic_int_get (&shared.stop) && now >= next_sample)
        {
          guint64 kib = server_rss_kib (server);
          double at = (now - shared.start) / 1e6;

          g_array_append_val (rss, kib);
          g_array_append_val (rss_at, at);
          next_sample += (gint64) sample_s * G_USEC_PER_SEC;
        }
      if (!g_atomic_int_get (&shared.stop) && now >= deadline)
        {
          g_atomic_int_set (&shared.stop, 1);
          if (g_file_get_contents ("/proc/loadavg", &load_average, NULL, NULL))
            g_strdelimit (load_average, "\n", '\0');
        }
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_remove (tick);
  for (guint i = 0; i < threads->len; i++)
    g_thread_join (g_ptr_array_index (threads, i));
  elapsed_us = g_get_monotonic_time () - shared.start;
  elapsed_s = elapsed_us / 1e6;
  rss_after = server_rss_kib (server);
  server_cpu = process_cpu_s (g_subprocess_get_identifier (server->process)) - server_cpu;
  client_cpu = process_cpu_s (NULL) - client_cpu;

  tanba_test_refserver_stop (server);
  db_ok = read_database (shared.demo->dir, workers, n_clients, &db);

  for (guint i = 0; i < n_clients; i++)
    {
      n_ir += workers[i].n_ir;
      n_kur += workers[i].n_kur;
      n_errors += workers[i].n_errors;
      n_registered += workers[i].completed->len;
      n_bank_already += workers[i].n_bank_already;
    }
  enroll_ms = gather_latencies (workers, n_clients, G_STRUCT_OFFSET (Worker, enroll_us));
  kur_ms = gather_latencies (workers, n_clients, G_STRUCT_OFFSET (Worker, kur_us));
  bank_ms = gather_latencies (workers, n_clients, G_STRUCT_OFFSET (Worker, bank_us));
  key_file_ms = gather_latencies (workers, n_clients, G_STRUCT_OFFSET (Worker, key_file_us));
  registration_ms = gather_latencies (workers, n_clients,
                                      G_STRUCT_OFFSET (Worker, registration_us));
  serial_repeats = count_repeats (workers, n_clients, TRUE);
  key_repeats = count_repeats (workers, n_clients, FALSE);
  for (guint i = 0; i < enroll_ms->len; i++)
    slow += g_array_index (enroll_ms, gint64, i) >= G_USEC_PER_SEC;

  printf ("registrations completed (all steps): %u in %.1f s = %.1f registrations/s\n",
          n_registered, elapsed_s, n_registered / elapsed_s);
  printf ("CMP enrollments: %u in %.1f s = %.1f enrollments/s (ir %u, kur %u);"
          " bank registrations %.1f/s; HTTP requests %.0f/s\n", n_ir + n_kur, elapsed_s,
          (n_ir + n_kur) / elapsed_s, n_ir, n_kur, n_registered / elapsed_s,
          (4.0 * (n_ir + n_kur) + 2.0 * n_registered) / elapsed_s);
  if (g_atomic_int_get (&shared.ran_out_ms) != 0)
    printf ("demo users: all %u used after %.1f s; renewals (kur) for the rest of the run"
            " (raise TANBA_BENCH_USERS for registrations only)\n", shared.demo->users->len,
            g_atomic_int_get (&shared.ran_out_ms) / 1000.0);
  else
    printf ("demo users: %u of %u used: all %.1f s were registrations, no renewal\n",
            MIN ((guint) g_atomic_int_get (&shared.next_user), shared.demo->users->len),
            shared.demo->users->len, elapsed_s);
  printf ("latency:\n");
  print_latency ("CMP enrollment (ir .. pkiConf, 4 requests)", enroll_ms);
  print_latency ("bank step (nonce + registration, 2 requests)", bank_ms);
  print_latency ("whole registration (key file .. bank answer)", registration_ms);
  print_latency ("of which opening the key file (client only)", key_file_ms);
  if (kur_ms->len > 0)
    print_latency ("CMP renewal (kur .. pkiConf)", kur_ms);
  printf ("CMP enrollments that took 1 s or more: %u\n", slow);
  printf ("CPU during the run: server %.1f s (%.0f %% of one core; %.2f ms per registration),"
          " clients %.1f s (%.2f ms per registration); %ld cores online, load average %s\n",
          server_cpu, 100.0 * server_cpu / elapsed_s,
          n_registered > 0 ? 1000.0 * server_cpu / n_registered : 0.0, client_cpu,
          n_registered > 0 ? 1000.0 * client_cpu / n_registered : 0.0,
          sysconf (_SC_NPROCESSORS_ONLN), load_average);
  if (server_cpu > 0 && n_registered > 0 && n_kur == 0)
    /* the server is one thread: one core is its limit */
    printf ("server's limit from its CPU alone (one core, its own; clients elsewhere; waits for"
            " the disk not counted): %.0f registrations/s = %.0f CMP enrollments/s\n",
            n_registered / server_cpu, 2.0 * n_registered / server_cpu);
  printf ("errors: %u\n", n_errors);
  for (guint i = 0; i < shared.error_texts->len; i++)
    printf ("  error: %s\n", (const char *) g_ptr_array_index (shared.error_texts, i));
  printf ("duplicates seen by the clients: %u serials, %u public keys, %u bank answers"
          " \"already-registered\"\n", serial_repeats, key_repeats, n_bank_already);
  if (db_ok)
    {
      printf ("server database: %" G_GINT64_FORMAT " certificates (%" G_GINT64_FORMAT
              " distinct serials, %" G_GINT64_FORMAT " distinct public keys, %" G_GINT64_FORMAT
              " distinct certificates), %" G_GINT64_FORMAT " not received by a client\n",
              db.certs, db.distinct_serials, db.distinct_keys, db.distinct_certs,
              db.certs - (gint64) (n_ir + n_kur));
      printf ("server database: registrations %" G_GINT64_FORMAT " complete, %" G_GINT64_FORMAT
              " open; bank registrations %" G_GINT64_FORMAT " rows for %" G_GINT64_FORMAT
              " users (clients completed %u)\n", db.registrations_complete,
              db.registrations_open, db.bank_rows, db.bank_users, n_registered);
      printf ("server database: of the %u registrations the clients completed, %u not complete"
              " there as the client saw them%s%s\n", db.checked, db.incomplete,
              db.first_problem != NULL ? "; first: " : "",
              db.first_problem != NULL ? db.first_problem : "");
      if (db.superseded > 0)
        printf ("  (%u of them have their signing certificate superseded by a renewal)\n",
                db.superseded);
    }
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
      gint64 growth = (gint64) g_array_index (rss, guint64, rss->len - 1)
                      - (gint64) g_array_index (rss, guint64, half);

      printf ("server VmRSS: min %" G_GUINT64_FORMAT " KiB, max %" G_GUINT64_FORMAT
              " KiB; second half of the run (%.0f s to %.0f s) %+" G_GINT64_FORMAT " KiB"
              " (%+.1f KiB per 100 registrations)\n",
              rss_min, rss_max, g_array_index (rss_at, double, half),
              g_array_index (rss_at, double, rss->len - 1), growth,
              n_registered > 0
                ? 100.0 * growth / (n_registered * (g_array_index (rss_at, double, rss->len - 1)
                                                    - g_array_index (rss_at, double, half))
                                    / elapsed_s)
                : 0.0);
    }
  printf ("target (issue 3/8): >= 200 enrollments/s with 16 clients, 0 errors, 0 duplicates,"
          " memory flat\n");
  printf ("measured (%u clients, %s): %.1f CMP enrollments/s inside %.1f whole registrations/s"
          " (2 enrollments + 1 bank registration each), %u errors, %u duplicates\n",
          n_clients, tls ? "HTTPS" : "HTTP", (n_ir + n_kur) / elapsed_s,
          n_registered / elapsed_s, n_errors,
          serial_repeats + key_repeats + n_bank_already
            + (db_ok ? (guint) (db.certs - MIN (MIN (db.distinct_serials, db.distinct_keys),
                                                db.distinct_certs))
                         + (guint) (db.bank_rows - db.bank_users)
                     : 0));

  /* the time is only printed; errors, duplicates and incomplete
   * registrations fail the benchmark */
  failed = n_errors > 0 || serial_repeats > 0 || key_repeats > 0 || n_bank_already > 0 || !db_ok
           || db.certs != db.distinct_serials || db.certs != db.distinct_keys
           || db.certs != db.distinct_certs || db.certs != (gint64) (n_ir + n_kur)
           || db.incomplete > 0 || db.checked != n_registered || db.registrations_open > 0
           || db.registrations_complete != (gint64) n_registered
           || db.bank_rows != db.bank_users || db.bank_rows != (gint64) n_registered;

  for (guint i = 0; i < n_clients; i++)
    {
      g_array_unref (workers[i].enroll_us);
      g_array_unref (workers[i].kur_us);
      g_array_unref (workers[i].bank_us);
      g_array_unref (workers[i].key_file_us);
      g_array_unref (workers[i].registration_us);
      g_ptr_array_unref (workers[i].serials);
      g_ptr_array_unref (workers[i].key_hashes);
      g_ptr_array_unref (workers[i].completed);
    }
  g_free (workers);
  g_free (db.first_problem);
  g_ptr_array_unref (shared.error_texts);
  g_mutex_clear (&shared.lock);
  g_free (shared.base_url);
  g_free (shared.pkix_url);
  if (g_getenv ("TANBA_TEST_KEEP") == NULL)
    tanba_test_remove_tree (tmp);
  else
    printf ("kept: %s\n", tmp);
  tanba_test_demo_free (shared.demo);
  return failed ? 1 : 0;
}
