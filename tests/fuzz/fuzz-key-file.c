/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-key-file.c: opening the bank's key file (PKCS#12) from hostile bytes.
 *
 * Input: one byte n, n bytes of password, then the file's bytes. The seeds
 * (corpus/key-file/) are the reference server's demo files with their OTP
 * PINs, so the fuzzer starts from files that open. */
#include "config.h"

#include <openssl/err.h>
#include <openssl/x509.h>

#include "fuzz-common.h"
#include "tanba-input-rules.h"
#include "tanba-key-file.h"

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  fuzz_init_logs ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *password = fuzz_take_string (&data, &size);
  g_autoptr(GBytes) bytes = g_bytes_new (data, size);
  g_autoptr(GError) error = NULL;
  TanbaKeyFile *file;

  file = tanba_key_file_open_bytes (bytes, password, &error);
  if (file == NULL)
    {
      /* every failure says why, in the key file's domain */
      g_assert_nonnull (error);
      g_assert_true (error->domain == TANBA_KEY_FILE_ERROR);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
    }
  else
    {
      const char *user_id = tanba_key_file_get_user_id (file);
      g_autoptr(GError) match_error = NULL;

      g_assert_no_error (error);
      g_assert_nonnull (tanba_key_file_get_key (file));
      g_assert_nonnull (tanba_key_file_get_certificate (file));
      g_assert_nonnull (tanba_key_file_get_chain (file));
      g_assert_nonnull (user_id);
      g_assert_true (g_utf8_validate (user_id, -1, NULL));
      /* the file's own user ID matches itself */
      g_assert_true (tanba_key_file_check_user_id (file, user_id, &match_error));
      g_assert_no_error (match_error);
      tanba_key_file_check_user_id (file, "qq111111_qwertyui", NULL);
      tanba_key_file_free (file);
    }
  ERR_clear_error ();
  OPENSSL_cleanse (password, strlen (password));
  return 0;
}
