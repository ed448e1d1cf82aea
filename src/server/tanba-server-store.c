/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-server-store.c: the reference server's SQLite database. */

#include "config.h"

#include "tanba-server-store.h"

#include <time.h>

#include <sqlite3.h>

#include <glib/gstdio.h>
#include <openssl/bn.h>

#include "tanba-server-error.h"
#include "tanba-server-files.h"

#define SCHEMA_VERSION 2

struct _TanbaServerStore
{
  sqlite3    *db;
  GHashTable *statements; /* SQL text -> sqlite3_stmt */
};

static const char schema[] =
  "CREATE TABLE users ("
  "  user_id    TEXT PRIMARY KEY COLLATE NOCASE,"
  "  otp_sealed BLOB NOT NULL,"
  "  created_at INTEGER NOT NULL);"
  "CREATE TABLE init_keys ("
  "  id          INTEGER PRIMARY KEY,"
  "  user_id     TEXT NOT NULL COLLATE NOCASE REFERENCES users (user_id),"
  "  cert_sha256 TEXT NOT NULL UNIQUE,"
  "  cert_der    BLOB NOT NULL,"
  "  status      TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retired')),"
  "  created_at  INTEGER NOT NULL,"
  "  retired_at  INTEGER);"
  "CREATE TABLE certificates ("
  "  id                INTEGER PRIMARY KEY,"
  "  user_id           TEXT NOT NULL COLLATE NOCASE REFERENCES users (user_id),"
  "  profile           TEXT NOT NULL CHECK (profile IN ('signing', 'authentication')),"
  "  status            TEXT NOT NULL CHECK (status IN"
  "                      ('issued', 'accepted', 'rejected', 'revoked', 'superseded')),"
  "  origin            TEXT NOT NULL CHECK (origin IN ('ir', 'kur')),"
  "  renews_id         INTEGER REFERENCES certificates (id),"
  "  protection        TEXT NOT NULL CHECK (protection IN ('signature', 'mac')),"
  "  serial            TEXT NOT NULL UNIQUE,"
  "  public_key_sha256 TEXT NOT NULL UNIQUE,"
  "  cert_sha256       TEXT NOT NULL UNIQUE,"
  "  cert_der          BLOB NOT NULL,"
  "  not_before        INTEGER NOT NULL,"
  "  not_after         INTEGER NOT NULL,"
  "  issued_at         INTEGER NOT NULL,"
  "  accepted_at       INTEGER,"
  "  revoked_at        INTEGER,"
  "  revocation_reason INTEGER);"
  "CREATE INDEX certificates_user ON certificates (user_id);"
  "CREATE INDEX certificates_renews ON certificates (renews_id);"
  "CREATE TABLE registrations ("
  "  user_id                TEXT PRIMARY KEY COLLATE NOCASE REFERENCES users (user_id),"
  "  status                 TEXT NOT NULL CHECK (status IN ('open', 'complete')),"
  "  signing_cert_id        INTEGER REFERENCES certificates (id),"
  "  authentication_cert_id INTEGER REFERENCES certificates (id),"
  "  started_at             INTEGER NOT NULL,"
  "  completed_at           INTEGER);";

/* version 2: certificates registered with the bank (sign-in) */
static const char schema_2[] =
  "CREATE TABLE bank_registrations ("
  "  authentication_cert_id INTEGER PRIMARY KEY REFERENCES certificates (id),"
  "  user_id                TEXT NOT NULL COLLATE NOCASE REFERENCES users (user_id),"
  "  signing_cert_id        INTEGER NOT NULL REFERENCES certificates (id),"
  "  registered_at          INTEGER NOT NULL);";

static const char *status_names[] = {
  [TANBA_CERT_STATUS_ISSUED] = "issued",
  [TANBA_CERT_STATUS_ACCEPTED] = "accepted",
  [TANBA_CERT_STATUS_REJECTED] = "rejected",
  [TANBA_CERT_STATUS_REVOKED] = "revoked",
  [TANBA_CERT_STATUS_SUPERSEDED] = "superseded",
};

const char *
tanba_cert_status_to_string (TanbaCertStatus status)
{
  g_return_val_if_fail (status < G_N_ELEMENTS (status_names), NULL);
  return status_names[status];
}

static TanbaCertStatus
status_from_string (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (status_names); i++)
    if (g_strcmp0 (name, status_names[i]) == 0)
      return i;
  return TANBA_CERT_STATUS_REVOKED; /* unknown: treat as unusable */
}

static void
finalize_statement (gpointer stmt)
{
  sqlite3_finalize (stmt);
}

static gint64
now_seconds (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

static gboolean
store_error (TanbaServerStore  *self,
             GError           **error,
             const char        *what)
{
  g_set_error (error, TANBA_SERVER_ERROR, TANBA_SERVER_ERROR_STORE,
               "%s: %s", what, sqlite3_errmsg (self->db));
  return FALSE;
}

/* A prepared statement for @sql, reset and unbound. */
static sqlite3_stmt *
statement (TanbaServerStore  *self,
           const char        *sql,
           GError           **error)
{
  sqlite3_stmt *stmt = g_hash_table_lookup (self->statements, sql);

  if (stmt == NULL)
    {
      if (sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
                              &stmt, NULL) != SQLITE_OK)
        {
          store_error (self, error, "Cannot prepare a database statement");
          return NULL;
        }
      g_hash_table_insert (self->statements, (gpointer) sql, stmt);
    }
  else
    {
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
    }
  return stmt;
}

/* Steps a statement that returns no rows. */
static gboolean
run (TanbaServerStore  *self,
     sqlite3_stmt      *stmt,
     GError           **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return store_error (self, error, "Cannot update the database");
  return TRUE;
}

static void
bind_text (sqlite3_stmt *stmt,
           int           index,
           const char   *text)
{
  sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
}

static void
bind_bytes (sqlite3_stmt *stmt,
            int           index,
            GBytes       *bytes)
{
  gsize length = 0;
  gconstpointer data = g_bytes_get_data (bytes, &length);

  sqlite3_bind_blob64 (stmt, index, data, length, SQLITE_TRANSIENT);
}

static char *
column_text (sqlite3_stmt *stmt,
             int           index)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, index));
}

static GBytes *
column_bytes (sqlite3_stmt *stmt,
              int           index)
{
  return g_bytes_new (sqlite3_column_blob (stmt, index), sqlite3_column_bytes (stmt, index));
}

static gboolean
exec (TanbaServerStore  *self,
      const char        *sql,
      GError           **error)
{
  if (sqlite3_exec (self->db, sql, NULL, NULL, NULL) != SQLITE_OK)
    return store_error (self, error, "Cannot set up the database");
  return TRUE;
}

TanbaServerStore *
tanba_server_store_open (const char  *path,
                         gboolean     create,
                         GError     **error)
{
  g_autoptr(TanbaServerStore) self = g_new0 (TanbaServerStore, 1);
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  sqlite3_stmt *stmt;
  int version = -1;

  self->statements = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                            finalize_statement);

  if (create && g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, TANBA_SERVER_ERROR, TANBA_SERVER_ERROR_EXISTS,
                   "%s already exists", path);
      return NULL;
    }
  if (!create && !g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, TANBA_SERVER_ERROR, TANBA_SERVER_ERROR_INVALID,
                   "%s does not exist (create a data directory with --init-demo)", path);
      return NULL;
    }
  if (create)
    flags |= SQLITE_OPEN_CREATE;

  if (sqlite3_open_v2 (path, &self->db, flags, NULL) != SQLITE_OK)
    {
      store_error (self, error, "Cannot open the database");
      return NULL;
    }
  if (create)
    g_chmod (path, 0600); /* sealed secrets; -wal and -shm inherit the mode */
  sqlite3_busy_timeout (self->db, 5000);
  sqlite3_extended_result_codes (self->db, 1);

  if (!exec (self, "PRAGMA journal_mode = WAL;", error)
      || !exec (self, "PRAGMA synchronous = FULL;", error)
      || !exec (self, "PRAGMA foreign_keys = ON;", error))
    return NULL;

  if (create)
    {
      g_autofree char *sql = g_strdup_printf ("BEGIN; %s %s PRAGMA user_version = %d; COMMIT;",
                                              schema, schema_2, SCHEMA_VERSION);

      if (!exec (self, sql, error))
        return NULL;
    }

  if (sqlite3_prepare_v2 (self->db, "PRAGMA user_version;", -1, &stmt, NULL) == SQLITE_OK)
    {
      if (sqlite3_step (stmt) == SQLITE_ROW)
        version = sqlite3_column_int (stmt, 0);
      sqlite3_finalize (stmt);
    }
  if (version == 1)
    {
      g_autofree char *sql = g_strdup_printf ("BEGIN; %s PRAGMA user_version = 2; COMMIT;",
                                              schema_2);

      if (!exec (self, sql, error))
        return NULL;
      version = 2;
    }
  if (version != SCHEMA_VERSION)
    {
      g_set_error (error, TANBA_SERVER_ERROR, TANBA_SERVER_ERROR_INVALID,
                   "%s has schema version %d, expected %d", path, version, SCHEMA_VERSION);
      return NULL;
    }

  return g_steal_pointer (&self);
}

void
tanba_server_store_free (TanbaServerStore *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->statements, g_hash_table_unref);
  if (self->db != NULL)
    sqlite3_close (self->db);
  g_free (self);
}

gboolean
tanba_server_store_begin (TanbaServerStore  *self,
                          GError           **error)
{
  if (sqlite3_exec (self->db, "BEGIN IMMEDIATE;", NULL, NULL, NULL) != SQLITE_OK)
    return store_error (self, error, "Cannot start a database transaction");
  return TRUE;
}

gboolean
tanba_server_store_commit (TanbaServerStore  *self,
                           GError           **error)
{
  if (sqlite3_exec (self->db, "COMMIT;", NULL, NULL, NULL) != SQLITE_OK)
    {
      store_error (self, error, "Cannot commit a database transaction");
      tanba_server_store_rollback (self);
      return FALSE;
    }
  return TRUE;
}

void
tanba_server_store_rollback (TanbaServerStore *self)
{
  if (!sqlite3_get_autocommit (self->db))
    sqlite3_exec (self->db, "ROLLBACK;", NULL, NULL, NULL);
}

gboolean
tanba_server_store_add_user (TanbaServerStore  *self,
                             const char        *user_id,
                             GBytes            *otp_sealed,
                             X509              *init_cert,
                             GError           **error)
{
  g_autoptr(GBytes) der = tanba_server_cert_der (init_cert);
  g_autofree char *fingerprint = tanba_server_cert_fingerprint (init_cert);
  sqlite3_stmt *stmt;

  stmt = statement (self,
                    "INSERT INTO users (user_id, otp_sealed, created_at) VALUES (?, ?, ?);",
                    error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, user_id);
  bind_bytes (stmt, 2, otp_sealed);
  sqlite3_bind_int64 (stmt, 3, now_seconds ());
  if (!run (self, stmt, error))
    return FALSE;

  stmt = statement (self,
                    "INSERT INTO init_keys (user_id, cert_sha256, cert_der, created_at)"
                    " VALUES (?, ?, ?, ?);",
                    error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, user_id);
  bind_text (stmt, 2, fingerprint);
  bind_bytes (stmt, 3, der);
  sqlite3_bind_int64 (stmt, 4, now_seconds ());
  return run (self, stmt, error);
}

GBytes *
tanba_server_store_get_otp (TanbaServerStore  *self,
                            const char        *user_id,
                            char             **canonical_id,
                            GError           **error)
{
  sqlite3_stmt *stmt;
  GBytes *sealed;
  int rc;

  stmt = statement (self, "SELECT user_id, otp_sealed FROM users WHERE user_id = ?;", error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, user_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    {
      sqlite3_reset (stmt);
      g_set_error (error, TANBA_SERVER_ERROR, TANBA_SERVER_ERROR_NOT_FOUND,
                   "No user %s", user_id);
      return NULL;
    }
  if (rc != SQLITE_ROW)
    {
      store_error (self, error, "Cannot read a user");
      sqlite3_reset (stmt);
      return NULL;
    }
  if (canonical_id != NULL)
    *canonical_id = column_text (stmt, 0);
  sealed = column_bytes (stmt, 1);
  sqlite3_reset (stmt);
  return sealed;
}

void
tanba_init_key_record_free (TanbaInitKeyRecord *record)
{
  if (record == NULL)
    return;
  g_free (record->user_id);
  g_free (record);
}

TanbaInitKeyRecord *
tanba_server_store_find_init_key (TanbaServerStore  *self,
                                  const char        *fingerprint,
                                  GError           **error)
{
  TanbaInitKeyRecord *record = NULL;
  sqlite3_stmt *stmt;
  int rc;

  stmt = statement (self, "SELECT id, user_id, status FROM init_keys WHERE cert_sha256 = ?;",
                    error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, fingerprint);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      record = g_new0 (TanbaInitKeyRecord, 1);
      record->id = sqlite3_column_int64 (stmt, 0);
      record->user_id = column_text (stmt, 1);
      record->retired = g_strcmp0 ((const char *) sqlite3_column_text (stmt, 2), "active") != 0;
    }
  else if (rc != SQLITE_DONE)
    store_error (self, error, "Cannot read an init key");
  sqlite3_reset (stmt);
  return record;
}

void
tanba_cert_record_free (TanbaCertRecord *record)
{
  if (record == NULL)
    return;
  g_free (record->user_id);
  g_free (record->origin);
  g_free (record->serial);
  g_clear_pointer (&record->der, g_bytes_unref);
  g_free (record);
}

#define CERT_COLUMNS "id, user_id, profile, status, origin, renews_id, serial, cert_der"

TanbaCertRecord *
tanba_server_store_find_cert (TanbaServerStore  *self,
                              TanbaCertLookup    lookup,
                              const char        *value,
                              GError           **error)
{
  static const char *queries[] = {
    [TANBA_CERT_BY_ID] = "SELECT " CERT_COLUMNS " FROM certificates WHERE id = ?;",
    [TANBA_CERT_BY_PUBLIC_KEY] =
      "SELECT " CERT_COLUMNS " FROM certificates WHERE public_key_sha256 = ?;",
    [TANBA_CERT_BY_FINGERPRINT] =
      "SELECT " CERT_COLUMNS " FROM certificates WHERE cert_sha256 = ?;",
    [TANBA_CERT_BY_SERIAL] = "SELECT " CERT_COLUMNS " FROM certificates WHERE serial = ?;",
    [TANBA_CERT_BY_RENEWS] =
      "SELECT " CERT_COLUMNS " FROM certificates WHERE renews_id = ?"
      " AND status IN ('issued', 'accepted', 'rejected') ORDER BY id DESC LIMIT 1;",
  };
  TanbaCertRecord *record = NULL;
  TanbaCertProfile profile = TANBA_CERT_PROFILE_SIGNING;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (lookup < G_N_ELEMENTS (queries), NULL);

  stmt = statement (self, queries[lookup], error);
  if (stmt == NULL)
    return NULL;
  if (lookup == TANBA_CERT_BY_ID || lookup == TANBA_CERT_BY_RENEWS)
    sqlite3_bind_int64 (stmt, 1, g_ascii_strtoll (value, NULL, 10));
  else
    bind_text (stmt, 1, value);

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      record = g_new0 (TanbaCertRecord, 1);
      record->id = sqlite3_column_int64 (stmt, 0);
      record->user_id = column_text (stmt, 1);
      tanba_cert_profile_from_string ((const char *) sqlite3_column_text (stmt, 2), &profile);
      record->profile = profile;
      record->status = status_from_string ((const char *) sqlite3_column_text (stmt, 3));
      record->origin = column_text (stmt, 4);
      record->renews_id = sqlite3_column_int64 (stmt, 5);
      record->serial = column_text (stmt, 6);
      record->der = column_bytes (stmt, 7);
    }
  else if (rc != SQLITE_DONE)
    store_error (self, error, "Cannot read a certificate");
  sqlite3_reset (stmt);
  return record;
}

void
tanba_registration_record_free (TanbaRegistrationRecord *record)
{
  if (record == NULL)
    return;
  g_free (record->user_id);
  g_free (record);
}

TanbaRegistrationRecord *
tanba_server_store_get_registration (TanbaServerStore  *self,
                                     const char        *user_id,
                                     GError           **error)
{
  TanbaRegistrationRecord *record = NULL;
  sqlite3_stmt *stmt;
  int rc;

  stmt = statement (self,
                    "SELECT user_id, status, signing_cert_id, authentication_cert_id"
                    " FROM registrations WHERE user_id = ?;",
                    error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, user_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      record = g_new0 (TanbaRegistrationRecord, 1);
      record->user_id = column_text (stmt, 0);
      record->complete = g_strcmp0 ((const char *) sqlite3_column_text (stmt, 1), "complete") == 0;
      record->signing_cert_id = sqlite3_column_int64 (stmt, 2);
      record->authentication_cert_id = sqlite3_column_int64 (stmt, 3);
    }
  else if (rc != SQLITE_DONE)
    store_error (self, error, "Cannot read a registration");
  sqlite3_reset (stmt);
  return record;
}

static gint64
asn1_time_to_unix (const ASN1_TIME *t)
{
  struct tm tm = { 0 };

  if (ASN1_TIME_to_tm (t, &tm) != 1)
    return 0;
  return (gint64) timegm (&tm);
}

static char *
serial_hex (X509 *cert)
{
  BIGNUM *bn = ASN1_INTEGER_to_BN (X509_get0_serialNumber (cert), NULL);
  char *hex = bn != NULL ? BN_bn2hex (bn) : NULL;
  char *result = g_strdup (hex);

  OPENSSL_free (hex);
  BN_free (bn);
  return result;
}

gint64
tanba_server_store_insert_cert (TanbaServerStore  *self,
                                const char        *user_id,
                                TanbaCertProfile   profile,
                                const char        *origin,
                                gint64             renews_id,
                                const char        *protection,
                                X509              *cert,
                                const char        *public_key_hash,
                                GError           **error)
{
  g_autoptr(GBytes) der = tanba_server_cert_der (cert);
  g_autofree char *fingerprint = tanba_server_cert_fingerprint (cert);
  g_autofree char *serial = serial_hex (cert);
  sqlite3_stmt *stmt;

  stmt = statement (self,
                    "INSERT INTO certificates (user_id, profile, status, origin, renews_id,"
                    " protection, serial, public_key_sha256, cert_sha256, cert_der,"
                    " not_before, not_after, issued_at)"
                    " VALUES (?, ?, 'issued', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);",
                    error);
  if (stmt == NULL)
    return 0;
  bind_text (stmt, 1, user_id);
  bind_text (stmt, 2, tanba_cert_profile_to_string (profile));
  bind_text (stmt, 3, origin);
  if (renews_id > 0)
    sqlite3_bind_int64 (stmt, 4, renews_id);
  bind_text (stmt, 5, protection);
  bind_text (stmt, 6, serial);
  bind_text (stmt, 7, public_key_hash);
  bind_text (stmt, 8, fingerprint);
  bind_bytes (stmt, 9, der);
  sqlite3_bind_int64 (stmt, 10, asn1_time_to_unix (X509_get0_notBefore (cert)));
  sqlite3_bind_int64 (stmt, 11, asn1_time_to_unix (X509_get0_notAfter (cert)));
  sqlite3_bind_int64 (stmt, 12, now_seconds ());
  if (!run (self, stmt, error))
    return 0;
  return sqlite3_last_insert_rowid (self->db);
}

gboolean
tanba_server_store_set_cert_status (TanbaServerStore  *self,
                                    gint64             id,
                                    TanbaCertStatus    status,
                                    int                reason,
                                    GError           **error)
{
  sqlite3_stmt *stmt;

  switch (status)
    {
    case TANBA_CERT_STATUS_ACCEPTED:
      stmt = statement (self,
                        "UPDATE certificates SET status = 'accepted',"
                        " accepted_at = coalesce (accepted_at, ?) WHERE id = ?;",
                        error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, now_seconds ());
      sqlite3_bind_int64 (stmt, 2, id);
      break;

    case TANBA_CERT_STATUS_REVOKED:
      stmt = statement (self,
                        "UPDATE certificates SET status = 'revoked', revoked_at = ?,"
                        " revocation_reason = ? WHERE id = ?;",
                        error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, now_seconds ());
      if (reason >= 0)
        sqlite3_bind_int (stmt, 2, reason);
      sqlite3_bind_int64 (stmt, 3, id);
      break;

    default:
      stmt = statement (self, "UPDATE certificates SET status = ? WHERE id = ?;", error);
      if (stmt == NULL)
        return FALSE;
      bind_text (stmt, 1, tanba_cert_status_to_string (status));
      sqlite3_bind_int64 (stmt, 2, id);
      break;
    }
  return run (self, stmt, error);
}

gboolean
tanba_server_store_set_registration_cert (TanbaServerStore  *self,
                                          const char        *user_id,
                                          TanbaCertProfile   profile,
                                          gint64             cert_id,
                                          GError           **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (profile == TANBA_CERT_PROFILE_SIGNING
                        || profile == TANBA_CERT_PROFILE_AUTHENTICATION, FALSE);

  stmt = statement (self,
                    "INSERT OR IGNORE INTO registrations (user_id, status, started_at)"
                    " VALUES (?, 'open', ?);",
                    error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, user_id);
  sqlite3_bind_int64 (stmt, 2, now_seconds ());
  if (!run (self, stmt, error))
    return FALSE;

  stmt = statement (self,
                    profile == TANBA_CERT_PROFILE_SIGNING
                    ? "UPDATE registrations SET signing_cert_id = ? WHERE user_id = ?;"
                    : "UPDATE registrations SET authentication_cert_id = ? WHERE user_id = ?;",
                    error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, cert_id);
  bind_text (stmt, 2, user_id);
  return run (self, stmt, error);
}

gboolean
tanba_server_store_complete_registration (TanbaServerStore  *self,
                                          const char        *user_id,
                                          GError           **error)
{
  sqlite3_stmt *stmt;
  gint64 now = now_seconds ();

  stmt = statement (self,
                    "UPDATE registrations SET status = 'complete', completed_at = ?"
                    " WHERE user_id = ? AND status = 'open';",
                    error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, now);
  bind_text (stmt, 2, user_id);
  if (!run (self, stmt, error))
    return FALSE;

  stmt = statement (self,
                    "UPDATE init_keys SET status = 'retired', retired_at = ?"
                    " WHERE user_id = ? AND status = 'active';",
                    error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, now);
  bind_text (stmt, 2, user_id);
  return run (self, stmt, error);
}

gboolean
tanba_server_store_register_with_bank (TanbaServerStore  *self,
                                       const char        *user_id,
                                       gint64             signing_cert_id,
                                       gint64             authentication_cert_id,
                                       gboolean          *already,
                                       GError           **error)
{
  sqlite3_stmt *stmt;

  stmt = statement (self,
                    "INSERT INTO bank_registrations (authentication_cert_id, user_id,"
                    " signing_cert_id, registered_at) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT (authentication_cert_id) DO UPDATE"
                    " SET signing_cert_id = excluded.signing_cert_id,"
                    " registered_at = excluded.registered_at"
                    " WHERE signing_cert_id != excluded.signing_cert_id;",
                    error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, authentication_cert_id);
  bind_text (stmt, 2, user_id);
  sqlite3_bind_int64 (stmt, 3, signing_cert_id);
  sqlite3_bind_int64 (stmt, 4, now_seconds ());
  if (!run (self, stmt, error))
    return FALSE;
  *already = sqlite3_changes (self->db) == 0;
  return TRUE;
}

gint64
tanba_server_store_bank_registered_at (TanbaServerStore  *self,
                                       gint64             authentication_cert_id,
                                       GError           **error)
{
  sqlite3_stmt *stmt;
  gint64 when = 0;
  int rc;

  stmt = statement (self,
                    "SELECT registered_at FROM bank_registrations"
                    " WHERE authentication_cert_id = ?;",
                    error);
  if (stmt == NULL)
    return -1;
  sqlite3_bind_int64 (stmt, 1, authentication_cert_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    when = sqlite3_column_int64 (stmt, 0);
  else if (rc != SQLITE_DONE)
    {
      store_error (self, error, "Cannot read a bank registration");
      when = -1;
    }
  sqlite3_reset (stmt);
  return when;
}
