/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-token.h: operations on one connected token.
 *
 * A TanbaToken names a token by its serial number; the slot it sits in is
 * looked up again when the module moves it (SoftHSM does after re-initializing).
 * The program never retries a PIN by itself: each call that takes a PIN tries
 * it exactly once. Secrets passed in are not kept. */
#pragma once

#include <glib.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "tanba-module.h"
#include "tanba-token-info.h"

G_BEGIN_DECLS

typedef struct _TanbaToken TanbaToken;

typedef enum
{
  TANBA_ROLE_NONE = -1,
  TANBA_ROLE_USER = 0,  /* the user's password ("PIN" in the control panel) */
  TANBA_ROLE_ADMIN = 1, /* the administrator (PKCS#11 Security Officer) */
} TanbaRole;

typedef enum
{
  TANBA_KEY_RSA2048,
  TANBA_KEY_P256,
} TanbaKeyAlgorithm;

/* The factory PINs of a new token (the guide's defaults). */
#define TANBA_FACTORY_USER_PIN  "12345678"
#define TANBA_FACTORY_ADMIN_PIN "87654321"

/* Tanba's data objects on the token (CKA_APPLICATION "tanba"); none holds a secret. */
#define TANBA_DATA_APPLICATION       "tanba"
#define TANBA_DATA_MARKER            "tanba-registration"
#define TANBA_DATA_DISPLAY_NAME      "tanba-display-name"

/* Opens the token selected by @selector: NULL (the only token present), a serial
 * number, a label, or "slot:N". */
TanbaToken     *tanba_token_open          (TanbaModule  *module,
                                           const char   *selector,
                                           GError      **error);
TanbaToken     *tanba_token_open_slot     (TanbaModule  *module,
                                           gulong        slot_id,
                                           GError      **error);
TanbaToken     *tanba_token_ref           (TanbaToken   *self);
void            tanba_token_unref         (TanbaToken   *self);
TanbaModule    *tanba_token_get_module    (TanbaToken   *self);
const char     *tanba_token_get_serial    (TanbaToken   *self);
gulong          tanba_token_get_slot_id   (TanbaToken   *self);

/* Fresh information (flags change after each login attempt). */
TanbaTokenInfo *tanba_token_get_info      (TanbaToken   *self,
                                           GError      **error);

/* Login and logout. Logging in as the other role logs out first. */
gboolean        tanba_token_login         (TanbaToken   *self,
                                           TanbaRole     role,
                                           const char   *pin,
                                           GError      **error);
gboolean        tanba_token_logout        (TanbaToken   *self,
                                           GError      **error);
TanbaRole       tanba_token_get_role      (TanbaToken   *self);

/* PINs. Each logs in as needed with the PIN given and leaves the token logged out. */
gboolean        tanba_token_change_pin    (TanbaToken   *self,
                                           TanbaRole     role,
                                           const char   *old_pin,
                                           const char   *new_pin,
                                           GError      **error);
gboolean        tanba_token_unblock_user_pin (TanbaToken *self,
                                              const char *admin_pin,
                                              const char *new_user_pin,
                                              GError    **error);

/* Re-initializes the token: every key, certificate and data object is destroyed,
 * the label becomes @label ("" for none) and the user PIN @new_user_pin.
 * Refused with TANBA_TOKEN_ERROR_REGISTRATION_UNFINISHED while the registration
 * marker says a registration is unfinished, unless @force_unfinished. */
gboolean        tanba_token_format        (TanbaToken   *self,
                                           const char   *admin_pin,
                                           const char   *label,
                                           const char   *new_user_pin,
                                           gboolean      force_unfinished,
                                           GError      **error);

/* The name Tanba shows: the display-name object if present, else the label. */
char           *tanba_token_dup_name      (TanbaToken   *self,
                                           GError      **error);
gboolean        tanba_token_set_name      (TanbaToken   *self,
                                           const char   *name,
                                           GError      **error);

/* Data objects of the application "tanba" (public, no secrets). read returns
 * NULL with no error set when the object does not exist. */
GBytes         *tanba_token_read_data     (TanbaToken   *self,
                                           const char   *label,
                                           GError      **error);
gboolean        tanba_token_write_data    (TanbaToken   *self,
                                           const char   *label,
                                           GBytes       *value,
                                           GError      **error);
gboolean        tanba_token_delete_data   (TanbaToken   *self,
                                           const char   *label,
                                           GError      **error);

/* Keys and certificates. */
typedef struct
{
  char             *label;
  GBytes           *id;          /* CKA_ID */
  TanbaKeyAlgorithm algorithm;
  guint             bits;
  gboolean          has_private; /* only seen when logged in as the user */
  gboolean          has_certificate;
} TanbaKeyInfo;

typedef struct
{
  char   *label;
  GBytes *id;
  X509   *certificate;
} TanbaCertInfo;

void            tanba_key_info_free       (TanbaKeyInfo  *info);
void            tanba_cert_info_free      (TanbaCertInfo *info);
char           *tanba_id_to_hex           (GBytes        *id);
/* The reverse; NULL for text that is not an even number of hex digits. */
GBytes         *tanba_id_from_hex         (const char    *hex);

/* Key pair IDs (CKA_ID) are random, this many bytes. */
#define TANBA_KEY_ID_SIZE 16

TanbaKeyInfo   *tanba_token_generate_key_pair (TanbaToken       *self,
                                               TanbaKeyAlgorithm algorithm,
                                               const char       *label,
                                               GError          **error);
/* Generates @n_pairs key pairs at the same time, each in a session of its
 * own, and puts what was made in @made[i] (NULL where it failed). FALSE
 * with @error if any failed; those made are kept on the token. */
gboolean        tanba_token_generate_key_pairs (TanbaToken          *self,
                                                TanbaKeyAlgorithm    algorithm,
                                                const char * const  *labels,
                                                guint                n_pairs,
                                                TanbaKeyInfo       **made,
                                                GError             **error);
GPtrArray      *tanba_token_list_keys     (TanbaToken   *self,
                                           GError      **error);
GPtrArray      *tanba_token_list_certificates (TanbaToken *self,
                                               GError    **error);
gboolean        tanba_token_delete_key    (TanbaToken   *self,
                                           GBytes       *id,
                                           GError      **error);
gboolean        tanba_token_delete_certificate (TanbaToken *self,
                                                GBytes     *id,
                                                GError    **error);
gboolean        tanba_token_store_certificate  (TanbaToken *self,
                                                X509       *certificate,
                                                GBytes     *id,
                                                const char *label,
                                                GError    **error);
/* A copy of the certificate stored with @id, or NULL (no error) when none is. */
X509           *tanba_token_find_certificate (TanbaToken *self,
                                              GBytes     *id,
                                              GError    **error);
/* The private key with @id as an OpenSSL key (signing happens on the token).
 * Valid while the user stays logged in. */
EVP_PKEY       *tanba_token_get_private_key (TanbaToken *self,
                                             GBytes     *id,
                                             GError    **error);
EVP_PKEY       *tanba_token_get_public_key  (TanbaToken *self,
                                             GBytes     *id,
                                             GError    **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TanbaToken, tanba_token_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TanbaKeyInfo, tanba_key_info_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TanbaCertInfo, tanba_cert_info_free)

G_END_DECLS
