/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-server-sealing.c: AES-256-GCM sealing of secrets kept by the server. */

#include "config.h"

#include "tanba-server-sealing.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "tanba-server-error.h"
#include "tanba-server-files.h"

#define KEY_LENGTH   32
#define NONCE_LENGTH 12
#define TAG_LENGTH   16

struct _TanbaServerSealer
{
  guint8 key[KEY_LENGTH];
};

gboolean
tanba_server_sealer_create_key (const char  *path,
                                GError     **error)
{
  guint8 key[KEY_LENGTH];
  gboolean ok;

  if (RAND_priv_bytes (key, sizeof key) != 1)
    return tanba_server_set_openssl_error (error, "Cannot generate the sealing key");
  ok = tanba_server_write_new_file (path, key, sizeof key, 0600, error);
  OPENSSL_cleanse (key, sizeof key);
  return ok;
}

TanbaServerSealer *
tanba_server_sealer_new (const char  *key_path,
                         GError     **error)
{
  g_autofree char *contents = NULL;
  TanbaServerSealer *self;
  gsize length = 0;

  if (!g_file_get_contents (key_path, &contents, &length, error))
    return NULL;
  if (length != KEY_LENGTH)
    {
      OPENSSL_cleanse (contents, length);
      g_set_error (error, TANBA_SERVER_ERROR, TANBA_SERVER_ERROR_INVALID,
                   "%s is not a sealing key", key_path);
      return NULL;
    }

  self = g_new0 (TanbaServerSealer, 1);
  memcpy (self->key, contents, KEY_LENGTH);
  OPENSSL_cleanse (contents, length);
  return self;
}

void
tanba_server_sealer_free (TanbaServerSealer *self)
{
  if (self == NULL)
    return;
  OPENSSL_cleanse (self->key, sizeof self->key);
  g_free (self);
}

GBytes *
tanba_server_sealer_seal (TanbaServerSealer  *self,
                          const char         *context,
                          const void         *data,
                          gsize               length,
                          GError            **error)
{
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new ();
  guint8 *out = g_malloc (NONCE_LENGTH + length + TAG_LENGTH);
  int n = 0, total = 0;

  if (RAND_bytes (out, NONCE_LENGTH) != 1
      || !EVP_EncryptInit_ex2 (ctx, EVP_aes_256_gcm (), self->key, out, NULL)
      || !EVP_EncryptUpdate (ctx, NULL, &n, (const guint8 *) context, strlen (context))
      || !EVP_EncryptUpdate (ctx, out + NONCE_LENGTH, &n, data, length))
    goto fail;
  total = n;
  if (!EVP_EncryptFinal_ex (ctx, out + NONCE_LENGTH + total, &n))
    goto fail;
  total += n;
  if (!EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_GCM_GET_TAG, TAG_LENGTH,
                            out + NONCE_LENGTH + total))
    goto fail;
  EVP_CIPHER_CTX_free (ctx);
  return g_bytes_new_take (out, NONCE_LENGTH + total + TAG_LENGTH);

fail:
  EVP_CIPHER_CTX_free (ctx);
  g_free (out);
  tanba_server_set_openssl_error (error, "Cannot seal a secret");
  return NULL;
}

static void
wipe_and_free (gpointer data)
{
  GByteArray *array = data;

  OPENSSL_cleanse (array->data, array->len);
  g_byte_array_unref (array);
}

GBytes *
tanba_server_sealer_open (TanbaServerSealer  *self,
                          const char         *context,
                          GBytes             *sealed,
                          GError            **error)
{
  gsize length = 0;
  const guint8 *in = g_bytes_get_data (sealed, &length);
  EVP_CIPHER_CTX *ctx;
  GByteArray *plain;
  int n = 0, total = 0;

  if (length < NONCE_LENGTH + TAG_LENGTH)
    {
      g_set_error_literal (error, TANBA_SERVER_ERROR, TANBA_SERVER_ERROR_CRYPTO,
                           "A sealed secret is truncated");
      return NULL;
    }

  ctx = EVP_CIPHER_CTX_new ();
  plain = g_byte_array_sized_new (length);
  g_byte_array_set_size (plain, length - NONCE_LENGTH - TAG_LENGTH);

  if (!EVP_DecryptInit_ex2 (ctx, EVP_aes_256_gcm (), self->key, in, NULL)
      || !EVP_DecryptUpdate (ctx, NULL, &n, (const guint8 *) context, strlen (context))
      || !EVP_DecryptUpdate (ctx, plain->data, &n, in + NONCE_LENGTH,
                             length - NONCE_LENGTH - TAG_LENGTH))
    goto fail;
  total = n;
  if (!EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_GCM_SET_TAG, TAG_LENGTH,
                            (void *) (in + length - TAG_LENGTH))
      || EVP_DecryptFinal_ex (ctx, plain->data + total, &n) <= 0)
    goto fail;
  EVP_CIPHER_CTX_free (ctx);

  return g_bytes_new_with_free_func (plain->data, plain->len, wipe_and_free, plain);

fail:
  EVP_CIPHER_CTX_free (ctx);
  wipe_and_free (plain);
  tanba_server_set_openssl_error (error, "Cannot open a sealed secret (wrong sealing key?)");
  return NULL;
}
