/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-server-cmp.c: the reference server's CMP request processing
 * (tanba_server_cmp_handle: the body of a POST to /pkix/) from hostile
 * bytes, on a copy of the fixed demo data (fuzz-demo.h). The seeds are real
 * requests recorded from `openssl cmp` against that data: MAC-protected
 * with user 0's OTP PIN and signed with the init keys, so mutations reach
 * the template, the issuing rules and the database, not only DER parsing. */
#include "config.h"

#include <openssl/cmp.h>
#include <openssl/err.h>
#include <openssl/provider.h>

#include "fuzz-common.h"
#include "fuzz-demo.h"
#include "tanba-server-ca.h"
#include "tanba-server-cmp.h"
#include "tanba-server-error.h"
#include "tanba-server-sealing.h"
#include "tanba-server-store.h"

static TanbaServerCa *ca;
static TanbaServerStore *store;
static TanbaServerSealer *sealer;
static TanbaServerCmp *cmp;

static void
free_server (void)
{
  g_clear_pointer (&cmp, tanba_server_cmp_free);
  g_clear_pointer (&sealer, tanba_server_sealer_free);
  g_clear_pointer (&store, tanba_server_store_free);
  g_clear_pointer (&ca, tanba_server_ca_free);
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  g_autoptr(GError) error = NULL;
  const char *dir;
  g_autofree char *db_path = NULL;
  g_autofree char *key_path = NULL;

  fuzz_init_logs ();
  dir = fuzz_demo_dir ();
  db_path = g_build_filename (dir, "tanba-refserver.db", NULL);
  key_path = g_build_filename (dir, "private", "sealing.key", NULL);
  ca = tanba_server_ca_load (dir, &error);
  g_assert_no_error (error);
  store = tanba_server_store_open (db_path, FALSE, &error);
  g_assert_no_error (error);
  sealer = tanba_server_sealer_new (key_path, &error);
  g_assert_no_error (error);
  cmp = tanba_server_cmp_new (ca, store, sealer);
  atexit (free_server);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GBytes) request = g_bytes_new (data, size);
  g_autoptr(GBytes) response = NULL;
  g_autoptr(GError) error = NULL;
  int body = tanba_server_cmp_peek_body (request);

  g_assert_nonnull (tanba_cmp_body_name (body));
  response = tanba_server_cmp_handle (cmp, request, &error);
  if (response == NULL)
    {
      g_assert_nonnull (error);
      /* not a (DER) PKIMessage: HTTP 400; anything else is the server's own
       * fault. OpenSSL's parser is more lenient than DER (a primitive
       * SEQUENCE inside extraCerts passes it; regressions/server-cmp/), so
       * a body type may have been seen in a request the server refuses. */
      g_assert_true (g_error_matches (error, TANBA_SERVER_ERROR, TANBA_SERVER_ERROR_INVALID));
    }
  else
    {
      const unsigned char *p = g_bytes_get_data (response, NULL);
      OSSL_CMP_MSG *message = d2i_OSSL_CMP_MSG (NULL, &p, g_bytes_get_size (response));

      /* every answer is a PKIMessage (an error message at worst) */
      g_assert_nonnull (message);
      OSSL_CMP_MSG_free (message);
    }
  /* no transaction outlives its input */
  tanba_server_cmp_expire (cmp, 0);
  ERR_clear_error ();
  return 0;
}
