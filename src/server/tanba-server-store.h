/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-server-store.h: the reference server's SQLite database
 * (tanba-refserver.db in the data directory, WAL journal, synchronous=FULL).
 * The schema is described in src/server/README.md. All calls run on the
 * main thread; a CMP request is one IMMEDIATE transaction. */
#pragma once

#include <glib.h>
#include <openssl/x509.h>

#include "tanba-server-ca.h"

G_BEGIN_DECLS

typedef enum
{
  TANBA_CERT_STATUS_ISSUED,     /* sent in ip/kup, not yet confirmed */
  TANBA_CERT_STATUS_ACCEPTED,   /* confirmed by certConf */
  TANBA_CERT_STATUS_REJECTED,   /* the client's certConf rejected it */
  TANBA_CERT_STATUS_REVOKED,    /* by rr, or replaced before confirmation */
  TANBA_CERT_STATUS_SUPERSEDED, /* its renewal (kur) was confirmed */
} TanbaCertStatus;

const char *tanba_cert_status_to_string (TanbaCertStatus status);

typedef struct
{
  gint64            id;
  char             *user_id;
  TanbaCertProfile  profile;
  TanbaCertStatus   status;
  char             *origin;     /* "ir" or "kur" */
  gint64            renews_id;  /* for kur: the certificate renewed, else 0 */
  char             *serial;     /* upper-case hex */
  GBytes           *der;
} TanbaCertRecord;

void tanba_cert_record_free (TanbaCertRecord *record);

typedef struct
{
  gint64    id;
  char     *user_id;
  gboolean  retired;
} TanbaInitKeyRecord;

void tanba_init_key_record_free (TanbaInitKeyRecord *record);

typedef struct
{
  char     *user_id;
  gboolean  complete;
  gint64    signing_cert_id;        /* 0 if none yet */
  gint64    authentication_cert_id; /* 0 if none yet */
} TanbaRegistrationRecord;

void tanba_registration_record_free (TanbaRegistrationRecord *record);

typedef enum
{
  TANBA_CERT_BY_ID,
  TANBA_CERT_BY_PUBLIC_KEY,   /* SHA-256 hex of SubjectPublicKeyInfo */
  TANBA_CERT_BY_FINGERPRINT,  /* SHA-256 hex of the certificate */
  TANBA_CERT_BY_SERIAL,       /* upper-case hex */
  TANBA_CERT_BY_RENEWS,       /* newest live certificate renewing id (decimal) */
} TanbaCertLookup;

typedef struct _TanbaServerStore TanbaServerStore;

/* @create: make a new database (the file must not exist); else open one. */
TanbaServerStore        *tanba_server_store_open         (const char        *path,
                                                          gboolean           create,
                                                          GError           **error);
void                     tanba_server_store_free         (TanbaServerStore  *self);

gboolean                 tanba_server_store_begin        (TanbaServerStore  *self,
                                                          GError           **error);
gboolean                 tanba_server_store_commit       (TanbaServerStore  *self,
                                                          GError           **error);
void                     tanba_server_store_rollback     (TanbaServerStore  *self);

/* A user with the sealed OTP PIN and the init certificate. */
gboolean                 tanba_server_store_add_user     (TanbaServerStore  *self,
                                                          const char        *user_id,
                                                          GBytes            *otp_sealed,
                                                          X509              *init_cert,
                                                          GError           **error);
/* The sealed OTP PIN of @user_id (compared case-insensitively); NULL and
 * TANBA_SERVER_ERROR_NOT_FOUND if no such user. @canonical_id: as stored. */
GBytes                  *tanba_server_store_get_otp      (TanbaServerStore  *self,
                                                          const char        *user_id,
                                                          char             **canonical_id,
                                                          GError           **error);

/* NULL without error when nothing matches. */
TanbaInitKeyRecord      *tanba_server_store_find_init_key (TanbaServerStore *self,
                                                           const char       *fingerprint,
                                                           GError          **error);
TanbaCertRecord         *tanba_server_store_find_cert    (TanbaServerStore  *self,
                                                          TanbaCertLookup    lookup,
                                                          const char        *value,
                                                          GError           **error);
TanbaRegistrationRecord *tanba_server_store_get_registration (TanbaServerStore *self,
                                                              const char       *user_id,
                                                              GError          **error);

/* Returns the new row id, or 0 on error. */
gint64                   tanba_server_store_insert_cert  (TanbaServerStore  *self,
                                                          const char        *user_id,
                                                          TanbaCertProfile   profile,
                                                          const char        *origin,
                                                          gint64             renews_id,
                                                          const char        *protection,
                                                          X509              *cert,
                                                          const char        *public_key_hash,
                                                          GError           **error);
/* @reason: RFC 5280 CRLReason for TANBA_CERT_STATUS_REVOKED, else ignored. */
gboolean                 tanba_server_store_set_cert_status (TanbaServerStore *self,
                                                             gint64            id,
                                                             TanbaCertStatus   status,
                                                             int               reason,
                                                             GError          **error);
/* Opens the user's registration if there is none; sets its certificate. */
gboolean                 tanba_server_store_set_registration_cert (TanbaServerStore *self,
                                                                   const char       *user_id,
                                                                   TanbaCertProfile  profile,
                                                                   gint64            cert_id,
                                                                   GError          **error);
/* Marks the registration complete and retires the user's init keys. */
gboolean                 tanba_server_store_complete_registration (TanbaServerStore *self,
                                                                   const char       *user_id,
                                                                   GError          **error);

/* Records that the user registered this certificate pair with the bank
 * (idempotent: @already says it was registered before). */
gboolean tanba_server_store_register_with_bank (TanbaServerStore  *self,
                                                const char        *user_id,
                                                gint64             signing_cert_id,
                                                gint64             authentication_cert_id,
                                                gboolean          *already,
                                                GError           **error);
/* When the authentication certificate was registered with the bank (Unix
 * time), 0 if it was not, -1 on error. */
gint64   tanba_server_store_bank_registered_at (TanbaServerStore  *self,
                                                gint64             authentication_cert_id,
                                                GError           **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TanbaServerStore, tanba_server_store_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TanbaCertRecord, tanba_cert_record_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TanbaInitKeyRecord, tanba_init_key_record_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TanbaRegistrationRecord, tanba_registration_record_free)

G_END_DECLS
