/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-server-demo.c: creating a demo data directory (--init-demo). */

#include "config.h"

#include "tanba-server-demo.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <openssl/crypto.h>
#include <openssl/pkcs12.h>
#include <openssl/rand.h>

#include "tanba-i18n.h"
#include "tanba-server-error.h"
#include "tanba-server-files.h"
#include "tanba-server-sealing.h"
#include "tanba-server-store.h"

#define OTP_PIN_LENGTH   11
#define INIT_CERT_DAYS   365

/* Upper-case letters and digits without I, O, 0 and 1. */
static const char unambiguous[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

static void
demo_user_free (TanbaDemoUser *user)
{
  g_free (user->user_id);
  if (user->otp_pin != NULL)
    OPENSSL_cleanse (user->otp_pin, strlen (user->otp_pin));
  g_free (user->otp_pin);
  g_free (user->key_file);
  g_free (user);
}

void
tanba_demo_result_free (TanbaDemoResult *result)
{
  if (result == NULL)
    return;
  g_free (result->data_dir);
  g_free (result->ca_certificate);
  g_clear_pointer (&result->users, g_ptr_array_unref);
  g_free (result);
}

/* A uniformly random index below @n from the CSPRNG. */
static gboolean
random_index (guint  n,
              guint *index)
{
  guint8 byte;
  guint limit = 256 - (256 % n);

  do
    {
      if (RAND_bytes (&byte, 1) != 1)
        return FALSE;
    }
  while (byte >= limit);
  *index = byte % n;
  return TRUE;
}

static char *
make_otp_pin (gboolean  lookalikes,
              GError  **error)
{
  char pin[OTP_PIN_LENGTH + 1] = "";
  guint index;

  for (guint i = 0; i < OTP_PIN_LENGTH; i++)
    {
      if (!random_index (sizeof unambiguous - 1, &index))
        goto fail;
      pin[i] = unambiguous[index];
    }

  if (lookalikes)
    {
      guint one, oh;

      if (!random_index (OTP_PIN_LENGTH, &one))
        goto fail;
      do
        if (!random_index (OTP_PIN_LENGTH, &oh))
          goto fail;
      while (oh == one);
      pin[one] = '1';
      pin[oh] = 'O';
    }
  return g_strdup (pin);

fail:
  tanba_server_set_openssl_error (error, "Cannot generate an OTP PIN");
  return NULL;
}

/* "qq111111_qwertyui": two letters, six digits, underscore, eight letters. */
static char *
make_user_id (void)
{
  GString *id = g_string_new (NULL);

  for (guint i = 0; i < 2; i++)
    g_string_append_c (id, 'a' + g_random_int_range (0, 26));
  for (guint i = 0; i < 6; i++)
    g_string_append_c (id, '0' + g_random_int_range (0, 10));
  g_string_append_c (id, '_');
  for (guint i = 0; i < 8; i++)
    g_string_append_c (id, 'a' + g_random_int_range (0, 26));
  return g_string_free (id, FALSE);
}

static gboolean
write_key_file (const char  *path,
                const char  *password,
                const char  *friendly_name,
                EVP_PKEY    *pkey,
                X509        *cert,
                gboolean     legacy,
                GError     **error)
{
  PKCS12 *p12;
  unsigned char *der = NULL;
  int length;
  gboolean ok;

  if (legacy)
    {
      /* What OpenSSL 1.x and older bank tools wrote; RC2 needs the legacy
       * provider, loaded at start-up. */
      p12 = PKCS12_create (password, friendly_name, pkey, cert, NULL,
                           NID_pbe_WithSHA1And3_Key_TripleDES_CBC,
                           NID_pbe_WithSHA1And40BitRC2_CBC,
                           PKCS12_DEFAULT_ITER, -1, 0);
      if (p12 != NULL
          && !PKCS12_set_mac (p12, password, -1, NULL, 0, PKCS12_DEFAULT_ITER, EVP_sha1 ()))
        g_clear_pointer (&p12, PKCS12_free);
    }
  else
    {
      /* OpenSSL 3 defaults: PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC), MAC SHA-256 */
      p12 = PKCS12_create (password, friendly_name, pkey, cert, NULL,
                           0, 0, PKCS12_DEFAULT_ITER, PKCS12_DEFAULT_ITER, 0);
    }
  if (p12 == NULL)
    return tanba_server_set_openssl_error (error,
                                           legacy ? "Cannot write a legacy PKCS#12 file "
                                                    "(is the legacy provider available?)"
                                                  : "Cannot write a PKCS#12 file");

  length = i2d_PKCS12 (p12, &der);
  PKCS12_free (p12);
  if (length <= 0)
    return tanba_server_set_openssl_error (error, "Cannot encode a PKCS#12 file");
  ok = tanba_server_write_new_file (path, der, length, 0600, error);
  OPENSSL_free (der);
  return ok;
}

static gboolean
directory_is_usable (const char  *dir,
                     GError     **error)
{
  g_autoptr(GDir) listing = NULL;

  if (!g_file_test (dir, G_FILE_TEST_EXISTS))
    {
      if (g_mkdir_with_parents (dir, 0700) != 0)
        {
          int saved_errno = errno;

          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                       _("Cannot create %s: %s"), dir, g_strerror (saved_errno));
          return FALSE;
        }
      return TRUE;
    }

  listing = g_dir_open (dir, 0, error);
  if (listing == NULL)
    return FALSE;
  if (g_dir_read_name (listing) != NULL)
    {
      g_set_error (error, TANBA_SERVER_ERROR, TANBA_SERVER_ERROR_EXISTS,
                   _("%s is not empty; give a new or empty directory"), dir);
      return FALSE;
    }
  return TRUE;
}

TanbaDemoResult *
tanba_server_demo_create (const char    *data_dir,
                          TanbaKeyType   key_type,
                          guint          n_users,
                          GError       **error)
{
  g_autoptr(TanbaDemoResult) result = g_new0 (TanbaDemoResult, 1);
  g_autoptr(TanbaServerCa) ca = NULL;
  g_autoptr(TanbaServerStore) store = NULL;
  g_autoptr(TanbaServerSealer) sealer = NULL;
  g_autoptr(GHashTable) ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *sealing_key = NULL;
  g_autofree char *db_path = NULL;
  g_autofree char *users_dir = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  g_return_val_if_fail (n_users > 0, NULL);

  result->data_dir = g_canonicalize_filename (data_dir, NULL);
  result->users = g_ptr_array_new_with_free_func ((GDestroyNotify) demo_user_free);

  if (!directory_is_usable (result->data_dir, error))
    return NULL;
  g_chmod (result->data_dir, 0700);

  ca = tanba_server_ca_create (result->data_dir, key_type, error);
  if (ca == NULL)
    return NULL;
  result->ca_certificate = g_strdup (tanba_server_ca_get_certificate_path (ca));

  sealing_key = g_build_filename (result->data_dir, "private", "sealing.key", NULL);
  if (!tanba_server_sealer_create_key (sealing_key, error)
      || (sealer = tanba_server_sealer_new (sealing_key, error)) == NULL)
    return NULL;

  db_path = g_build_filename (result->data_dir, "tanba-refserver.db", NULL);
  store = tanba_server_store_open (db_path, TRUE, error);
  if (store == NULL)
    return NULL;

  users_dir = g_build_filename (result->data_dir, "users", NULL);
  if (g_mkdir (users_dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   _("Cannot create %s: %s"), users_dir, g_strerror (saved_errno));
      return NULL;
    }

  if (!tanba_server_store_begin (store, error))
    return NULL;

  for (guint i = 0; i < n_users; i++)
    {
      TanbaDemoUser *user = g_new0 (TanbaDemoUser, 1);
      g_autoptr(GBytes) sealed = NULL;
      g_autofree char *file_name = NULL;
      X509_NAME *subject;
      EVP_PKEY *pkey;
      X509 *cert;
      gboolean ok;

      g_ptr_array_add (result->users, user);

      do
        {
          g_free (user->user_id);
          user->user_id = make_user_id ();
        }
      while (g_hash_table_contains (ids, user->user_id));
      g_hash_table_add (ids, g_strdup (user->user_id));

      user->legacy = i == 2;
      user->otp_pin = make_otp_pin (i == 1, error);
      if (user->otp_pin == NULL)
        goto fail;
      file_name = g_strconcat (user->user_id, ".pfx", NULL);
      user->key_file = g_build_filename (users_dir, file_name, NULL);

      pkey = tanba_server_generate_key (key_type, error);
      if (pkey == NULL)
        goto fail;
      subject = tanba_server_user_subject (user->user_id, TRUE);
      cert = tanba_server_ca_issue (ca, TANBA_CERT_PROFILE_INIT_KEY, subject, pkey,
                                    now - 3600, now + INIT_CERT_DAYS * 86400, error);
      X509_NAME_free (subject);

      ok = cert != NULL
           && write_key_file (user->key_file, user->otp_pin, user->user_id, pkey, cert,
                              user->legacy, error)
           && (sealed = tanba_server_sealer_seal (sealer, user->user_id, user->otp_pin,
                                                  strlen (user->otp_pin), error)) != NULL
           && tanba_server_store_add_user (store, user->user_id, sealed, cert, error);
      X509_free (cert);
      EVP_PKEY_free (pkey);
      if (!ok)
        goto fail;
    }

  if (!tanba_server_store_commit (store, error))
    return NULL;
  return g_steal_pointer (&result);

fail:
  tanba_server_store_rollback (store);
  return NULL;
}

void
tanba_server_demo_print (TanbaDemoResult *result,
                         gboolean         json)
{
  if (json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonGenerator) generator = json_generator_new ();
      g_autoptr(JsonNode) root = NULL;
      g_autofree char *text = NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "ca_certificate");
      json_builder_add_string_value (builder, result->ca_certificate);
      json_builder_set_member_name (builder, "users");
      json_builder_begin_array (builder);
      for (guint i = 0; i < result->users->len; i++)
        {
          TanbaDemoUser *user = g_ptr_array_index (result->users, i);

          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "user_id");
          json_builder_add_string_value (builder, user->user_id);
          json_builder_set_member_name (builder, "otp_pin");
          json_builder_add_string_value (builder, user->otp_pin);
          json_builder_set_member_name (builder, "key_file");
          json_builder_add_string_value (builder, user->key_file);
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
      json_builder_end_object (builder);

      root = json_builder_get_root (builder);
      json_generator_set_root (generator, root);
      text = json_generator_to_data (generator, NULL);
      printf ("%s\n", text);
    }
  else
    {
      printf (_("Demo data created in %s\n"), result->data_dir);
      printf (_("CA certificate (trust anchor): %s\n"), result->ca_certificate);
      for (guint i = 0; i < result->users->len; i++)
        {
          TanbaDemoUser *user = g_ptr_array_index (result->users, i);

          printf ("\n");
          printf (_("User ID:  %s\n"), user->user_id);
          printf (_("OTP PIN:  %s\n"), user->otp_pin);
          printf (user->legacy ? _("Key file: %s (legacy RC2/3DES encryption)\n")
                               : _("Key file: %s\n"),
                  user->key_file);
        }
    }
  fflush (stdout);
}
