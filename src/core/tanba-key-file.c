/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-key-file.c: opening the bank's primary initialization key file
 * (PKCS#12), with the bank's error 0200040 and look-alike recovery. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pkcs12.h>
#include <openssl/pkcs7.h>
#include <openssl/provider.h>
#include <openssl/x509.h>

#include "tanba-i18n.h"
#include "tanba-input-rules.h"
#include "tanba-key-file.h"

G_DEFINE_QUARK (tanba-key-file-error-quark, tanba_key_file_error)

struct _TanbaKeyFile
{
  EVP_PKEY        *key;
  X509            *certificate;
  STACK_OF (X509) *chain;
  char            *user_id;
};

/* What a password does to the file's MAC. */
typedef enum
{
  MAC_OK,
  MAC_WRONG,        /* computed, does not match: wrong password (or altered file) */
  MAC_ABSENT,       /* no MAC: only decryption can tell */
  MAC_UNSUPPORTED,  /* cannot be computed (unknown digest, bad parameters) */
} MacResult;

/* Providers */

/* Legacy encryptions (RC2-40 for certificates in old PKCS#12 files) live in
 * OpenSSL 3's "legacy" provider. Loading any provider explicitly turns off
 * the implicit "default" one, so "default" is loaded as well. Both stay
 * loaded for the life of the process. */
static OSSL_PROVIDER *default_provider = NULL;
static OSSL_PROVIDER *legacy_provider = NULL;

/* At exit, before OpenSSL's own clean-up (registered earlier, so run later),
 * which leaves explicitly loaded providers and their caches allocated. */
static void
unload_providers (void)
{
  g_clear_pointer (&legacy_provider, OSSL_PROVIDER_unload);
  g_clear_pointer (&default_provider, OSSL_PROVIDER_unload);
}

static gpointer
load_providers (gpointer data)
{

  if (!OSSL_PROVIDER_available (NULL, "default"))
    {
      default_provider = OSSL_PROVIDER_load (NULL, "default");
      if (default_provider == NULL)
        g_warning ("Could not load OpenSSL's default provider");
    }
  if (!OSSL_PROVIDER_available (NULL, "legacy"))
    {
      legacy_provider = OSSL_PROVIDER_load (NULL, "legacy");
      if (legacy_provider == NULL)
        g_warning ("Could not load OpenSSL's legacy provider: key files with old "
                   "encryptions (RC2) will not open");
      else
        g_debug ("Loaded OpenSSL's legacy provider for old key file encryptions");
    }
  if (default_provider != NULL || legacy_provider != NULL)
    atexit (unload_providers);
  ERR_clear_error ();
  return NULL;
}

static void
ensure_providers (void)
{
  static GOnce once = G_ONCE_INIT;

  g_once (&once, load_providers, NULL);
}

/* Describing the encryption, for debug logs only */

static const char *
algor_name (const X509_ALGOR *algor,
            char             *buffer,
            gsize             size)
{
  const ASN1_OBJECT *oid = NULL;

  if (algor == NULL)
    return "none";
  X509_ALGOR_get0 (&oid, NULL, NULL, algor);
  if (OBJ_obj2txt (buffer, (int) size, oid, 0) <= 0)
    return "unknown";
  return buffer;
}

/* "PBES2 aes-256-cbc/PBKDF2" or the PBE's name. */
static char *
describe_pbe (const X509_ALGOR *algor)
{
  char name[80];
  const ASN1_OBJECT *oid = NULL;
  int ptype = V_ASN1_UNDEF;
  const void *pval = NULL;

  if (algor == NULL)
    return g_strdup ("none");

  X509_ALGOR_get0 (&oid, &ptype, &pval, algor);
  if (OBJ_obj2nid (oid) == NID_pbes2 && ptype == V_ASN1_SEQUENCE)
    {
      PBE2PARAM *param = ASN1_item_unpack (pval, ASN1_ITEM_rptr (PBE2PARAM));

      if (param != NULL)
        {
          char cipher[80];
          char kdf[80];
          char *text = g_strdup_printf ("PBES2 %s/%s",
                                        algor_name (param->encryption, cipher, sizeof cipher),
                                        algor_name (param->keyfunc, kdf, sizeof kdf));

          PBE2PARAM_free (param);
          return text;
        }
    }
  return g_strdup (algor_name (algor, name, sizeof name));
}

static void
log_encryption (PKCS12     *p12,
                const char *name)
{
  g_autoptr(GString) containers = g_string_new (NULL);
  g_autoptr(GString) keys = g_string_new (NULL);
  const X509_ALGOR *mac_algor = NULL;
  const ASN1_INTEGER *mac_iterations = NULL;
  STACK_OF (PKCS7) *safes;
  char mac_name[80];

  if (!g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, NULL))
    {
      if (PKCS12_mac_present (p12))
        PKCS12_get0_mac (NULL, &mac_algor, NULL, &mac_iterations, p12);

      safes = PKCS12_unpack_authsafes (p12);
      for (int i = 0; safes != NULL && i < sk_PKCS7_num (safes); i++)
        {
          PKCS7 *p7 = sk_PKCS7_value (safes, i);

          if (PKCS7_type_is_encrypted (p7))
            {
              g_autofree char *pbe = describe_pbe (p7->d.encrypted->enc_data->algorithm);

              g_string_append_printf (containers, "%s%s", containers->len ? ", " : "", pbe);
            }
          else if (PKCS7_type_is_data (p7))
            {
              STACK_OF (PKCS12_SAFEBAG) *bags = PKCS12_unpack_p7data (p7);

              for (int j = 0; bags != NULL && j < sk_PKCS12_SAFEBAG_num (bags); j++)
                {
                  const PKCS12_SAFEBAG *bag = sk_PKCS12_SAFEBAG_value (bags, j);

                  if (PKCS12_SAFEBAG_get_nid (bag) == NID_pkcs8ShroudedKeyBag)
                    {
                      const X509_ALGOR *algor = NULL;
                      g_autofree char *pbe = NULL;

                      X509_SIG_get0 (PKCS12_SAFEBAG_get0_pkcs8 (bag), &algor, NULL);
                      pbe = describe_pbe (algor);
                      g_string_append_printf (keys, "%s%s", keys->len ? ", " : "", pbe);
                    }
                  else if (PKCS12_SAFEBAG_get_nid (bag) == NID_keyBag)
                    g_string_append_printf (keys, "%sunencrypted", keys->len ? ", " : "");
                }
              sk_PKCS12_SAFEBAG_pop_free (bags, PKCS12_SAFEBAG_free);
            }
        }
      sk_PKCS7_pop_free (safes, PKCS7_free);
      ERR_clear_error ();

      g_debug ("Key file %s: MAC %s (%ld iterations); encrypted safes: %s; shrouded keys: %s",
               name != NULL ? name : "(data)",
               mac_algor != NULL ? algor_name (mac_algor, mac_name, sizeof mac_name) : "none",
               mac_iterations != NULL ? ASN1_INTEGER_get (mac_iterations) : 0L,
               containers->len ? containers->str : "none",
               keys->len ? keys->str : "none (or inside an encrypted safe)");
    }
}

/* Errors */

static void
set_bad_password (GError **error)
{
  g_set_error (error, TANBA_KEY_FILE_ERROR, TANBA_KEY_FILE_ERROR_BAD_PASSWORD,
               /* Translators: the bank's error message; %s is its code, 0200040.
                * The guide's Russian text is "Неверный пароль или ключевой контейнер". */
               _("%s — Invalid password or key container"),
               TANBA_KEY_FILE_BANK_CODE);
}

/* The first OpenSSL reason on the queue, for messages about an unsupported
 * file, with the algorithm's name when OpenSSL gives one ("unsupported:
 * RC2-40-CBC"); clears the queue. */
static char *
take_openssl_reason (void)
{
  const char *data = NULL;
  int flags = 0;
  unsigned long code = ERR_peek_error_data (&data, &flags);
  const char *reason = code != 0 ? ERR_reason_error_string (code) : NULL;
  const char *algorithm = (data != NULL && (flags & ERR_TXT_STRING))
                          ? strstr (data, "Algorithm (") : NULL;
  char *text;

  if (algorithm != NULL)
    {
      algorithm += strlen ("Algorithm (");
      text = g_strdup_printf ("%s: %.*s", reason != NULL ? reason : "unsupported",
                              (int) strcspn (algorithm, " :)"), algorithm);
    }
  else
    text = g_strdup (reason != NULL ? reason : "unknown error");

  ERR_clear_error ();
  return text;
}

static void
set_not_pkcs12 (const char  *name,
                GError     **error)
{
  if (name != NULL)
    g_set_error (error, TANBA_KEY_FILE_ERROR, TANBA_KEY_FILE_ERROR_NOT_PKCS12,
                 _("“%s” is not a key file (PKCS#12) or it is damaged. Choose the key file "
                   "the bank gave you (GOST.pfx or Key.pfx); if this is that file, copy it "
                   "again from the bank’s USB flash drive or ask the bank for a new one."),
                 name);
  else
    g_set_error_literal (error, TANBA_KEY_FILE_ERROR, TANBA_KEY_FILE_ERROR_NOT_PKCS12,
                         _("The data is not a key file (PKCS#12) or it is damaged. Choose the "
                           "key file the bank gave you (GOST.pfx or Key.pfx)."));
}

static void
set_unsupported (const char  *name,
                 const char  *reason,
                 GError     **error)
{
  if (name != NULL)
    g_set_error (error, TANBA_KEY_FILE_ERROR, TANBA_KEY_FILE_ERROR_NOT_PKCS12,
                 /* Translators: the second %s is OpenSSL's reason, in English. */
                 _("The key file “%s” uses an encryption this program cannot open (%s). "
                   "Ask the bank for a key file with standard encryption."),
                 name, reason);
  else
    g_set_error (error, TANBA_KEY_FILE_ERROR, TANBA_KEY_FILE_ERROR_NOT_PKCS12,
                 /* Translators: %s is OpenSSL's reason, in English. */
                 _("The key file uses an encryption this program cannot open (%s). "
                   "Ask the bank for a key file with standard encryption."),
                 reason);
}

static void
set_no_key (const char  *name,
            GError     **error)
{
  if (name != NULL)
    g_set_error (error, TANBA_KEY_FILE_ERROR, TANBA_KEY_FILE_ERROR_NO_KEY,
                 _("The key file “%s” opens, but it does not hold a private key with its "
                   "certificate and user ID. Check that it is the key file the bank gave "
                   "you, or ask the bank for a new one."),
                 name);
  else
    g_set_error_literal (error, TANBA_KEY_FILE_ERROR, TANBA_KEY_FILE_ERROR_NO_KEY,
                         _("The key file opens, but it does not hold a private key with its "
                           "certificate and user ID. Check that it is the key file the bank "
                           "gave you, or ask the bank for a new one."));
}

static gboolean
check_size (gsize        size,
            const char  *name,
            GError     **error)
{
  if (size == 0)
    {
      if (name != NULL)
        g_set_error (error, TANBA_KEY_FILE_ERROR, TANBA_KEY_FILE_ERROR_EMPTY,
                     _("The key file “%s” is empty (0 bytes): it was damaged while being "
                       "copied. Copy it again from the bank’s USB flash drive, or ask the "
                       "bank for a new one."),
                     name);
      else
        g_set_error_literal (error, TANBA_KEY_FILE_ERROR, TANBA_KEY_FILE_ERROR_EMPTY,
                             _("The key file is empty (0 bytes): it was damaged while being "
                               "copied. Copy it again from the bank’s USB flash drive, or "
                               "ask the bank for a new one."));
      return FALSE;
    }
  if (size > TANBA_KEY_FILE_MAX_SIZE)
    {
      if (name != NULL)
        g_set_error (error, TANBA_KEY_FILE_ERROR, TANBA_KEY_FILE_ERROR_TOO_LARGE,
                     /* Translators: %u is a number of KiB (1024). */
                     _("“%s” is too large to be a key file (more than %u KiB). Choose the "
                       "key file the bank gave you (GOST.pfx or Key.pfx): it is a few "
                       "kilobytes."),
                     name, (guint) (TANBA_KEY_FILE_MAX_SIZE / 1024));
      else
        g_set_error (error, TANBA_KEY_FILE_ERROR, TANBA_KEY_FILE_ERROR_TOO_LARGE,
                     /* Translators: %u is a number of KiB (1024). */
                     _("The data is too large to be a key file (more than %u KiB). Choose "
                       "the key file the bank gave you (GOST.pfx or Key.pfx): it is a few "
                       "kilobytes."),
                     (guint) (TANBA_KEY_FILE_MAX_SIZE / 1024));
      return FALSE;
    }
  return TRUE;
}

static void
set_open_error (int          errsv,
                const char  *name,
                GError     **error)
{
  switch (errsv)
    {
    case ENOENT:
    case ENOTDIR:
      g_set_error (error, TANBA_KEY_FILE_ERROR, TANBA_KEY_FILE_ERROR_UNREADABLE,
                   _("The key file “%s” was not found. Check that the USB flash drive with "
                     "the key file is connected, and choose the file again."),
                   name);
      break;
    case EACCES:
    case EPERM:
      g_set_error (error, TANBA_KEY_FILE_ERROR, TANBA_KEY_FILE_ERROR_UNREADABLE,
                   _("You may not read the key file “%s”. Copy it into your home folder, "
                     "or ask your administrator for access, and choose it again."),
                   name);
      break;
    case EISDIR:
      g_set_error (error, TANBA_KEY_FILE_ERROR, TANBA_KEY_FILE_ERROR_UNREADABLE,
                   _("“%s” is a folder, not a key file. Open the folder and choose the key "
                     "file itself (GOST.pfx or Key.pfx)."),
                   name);
      break;
    default:
      g_set_error (error, TANBA_KEY_FILE_ERROR, TANBA_KEY_FILE_ERROR_UNREADABLE,
                   /* Translators: the second %s is the system's reason. */
                   _("The key file “%s” cannot be read: %s. Check the USB flash drive, "
                     "copy the file again if needed, and choose it again."),
                   name, g_strerror (errsv));
      break;
    }
}

/* Reading */

#define READ_CHUNK (64 * 1024)

static GBytes *
read_key_file (const char  *path,
               const char  *name,
               GError     **error)
{
  g_autoptr(GByteArray) buffer = NULL;
  struct stat st;
  int fd;

  fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0);
  if (fd < 0)
    {
      set_open_error (errno, name, error);
      return NULL;
    }
  if (fstat (fd, &st) != 0)
    {
      int errsv = errno;

      close (fd);
      set_open_error (errsv, name, error);
      return NULL;
    }
  if (S_ISDIR (st.st_mode))
    {
      close (fd);
      set_open_error (EISDIR, name, error);
      return NULL;
    }
  if (!S_ISREG (st.st_mode))
    {
      close (fd);
      g_set_error (error, TANBA_KEY_FILE_ERROR, TANBA_KEY_FILE_ERROR_UNREADABLE,
                   _("“%s” is not an ordinary file. Choose the key file the bank gave you "
                     "(GOST.pfx or Key.pfx)."),
                   name);
      return NULL;
    }
  /* Refuse early, without reading a huge file; checked again on what was read
   * in case the file changes meanwhile. */
  if (!check_size (st.st_size < 0 ? 0 : (gsize) MIN ((guint64) st.st_size,
                                                      (guint64) TANBA_KEY_FILE_MAX_SIZE + 1),
                   name, error))
    {
      close (fd);
      return NULL;
    }

  buffer = g_byte_array_sized_new ((guint) st.st_size);
  while (buffer->len <= TANBA_KEY_FILE_MAX_SIZE)
    {
      guint8 chunk[READ_CHUNK];
      ssize_t n = read (fd, chunk, sizeof chunk);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int errsv = errno;

          close (fd);
          set_open_error (errsv, name, error);
          return NULL;
        }
      if (n == 0)
        break;
      g_byte_array_append (buffer, chunk, (guint) n);
    }
  close (fd);

  if (!check_size (buffer->len, name, error))
    return NULL;
  return g_byte_array_free_to_bytes (g_steal_pointer (&buffer));
}

/* Parsing */

static PKCS12 *
decode (GBytes      *data,
        const char  *name,
        GError     **error)
{
  gsize size = 0;
  const unsigned char *bytes = g_bytes_get_data (data, &size);
  const unsigned char *p = bytes;
  PKCS12 *p12;

  if (!check_size (size, name, error))
    return NULL;

  p12 = d2i_PKCS12 (NULL, &p, (long) size);
  if (p12 == NULL)
    {
      ERR_clear_error ();
      set_not_pkcs12 (name, error);
      return NULL;
    }
  if ((gsize) (p - bytes) != size)
    g_debug ("Key file %s: %" G_GSIZE_FORMAT " bytes after the PKCS#12 structure ignored",
             name != NULL ? name : "(data)", size - (gsize) (p - bytes));
  return p12;
}

/* Checks @password against the MAC only: cheap, decrypts nothing. An empty
 * password may stand for no password at all (NULL), as PKCS12_parse() has
 * it: *@use_null then says so. */
static MacResult
check_mac (PKCS12     *p12,
           const char *password,
           gboolean   *use_null)
{
  unsigned long code;

  *use_null = FALSE;
  if (!PKCS12_mac_present (p12))
    return MAC_ABSENT;

  ERR_clear_error ();
  if (PKCS12_verify_mac (p12, password, -1))
    return MAC_OK;
  if (*password == '\0' && PKCS12_verify_mac (p12, NULL, 0))
    {
      ERR_clear_error ();
      *use_null = TRUE;
      return MAC_OK;
    }

  /* A MAC that merely does not match leaves no error (or MAC_VERIFY_FAILURE);
   * anything else means the MAC could not be computed at all. */
  while ((code = ERR_peek_error ()) != 0)
    {
      if (!(ERR_GET_LIB (code) == ERR_LIB_PKCS12
            && ERR_GET_REASON (code) == PKCS12_R_MAC_VERIFY_FAILURE))
        return MAC_UNSUPPORTED; /* the error stays queued for the message */
      ERR_get_error ();
    }
  return MAC_WRONG;
}

/* TRUE when OpenSSL's queue says an algorithm is not available (rather than
 * that decryption failed). */
static gboolean
queue_has_unsupported (void)
{
  unsigned long code;

  for (int i = 0; i < 64 && (code = ERR_peek_error_all (NULL, NULL, NULL, NULL, NULL)) != 0; i++)
    {
      int reason = ERR_GET_REASON (code);

      if (reason == ERR_R_UNSUPPORTED
          || (ERR_GET_LIB (code) == ERR_LIB_EVP && reason == EVP_R_UNSUPPORTED_ALGORITHM)
          || (ERR_GET_LIB (code) == ERR_LIB_EVP && reason == EVP_R_UNKNOWN_CIPHER)
          || (ERR_GET_LIB (code) == ERR_LIB_EVP && reason == EVP_R_UNKNOWN_DIGEST)
          || (ERR_GET_LIB (code) == ERR_LIB_EVP && reason == EVP_R_UNKNOWN_PBE_ALGORITHM)
          || (ERR_GET_LIB (code) == ERR_LIB_EVP && reason == EVP_R_UNSUPPORTED_CIPHER)
          || (ERR_GET_LIB (code) == ERR_LIB_EVP && reason == EVP_R_UNSUPPORTED_KEY_DERIVATION_FUNCTION)
          || (ERR_GET_LIB (code) == ERR_LIB_EVP && reason == EVP_R_UNSUPPORTED_PRF))
        return TRUE;
      /* Look further down the queue. */
      ERR_get_error ();
    }
  return FALSE;
}

static char *
certificate_user_id (X509 *certificate)
{
  const X509_NAME *subject = X509_get_subject_name (certificate);
  int index = -1;
  int last = -1;
  unsigned char *utf8 = NULL;
  int len;
  char *user_id;

  while ((index = X509_NAME_get_index_by_NID (subject, NID_commonName, index)) >= 0)
    last = index;
  if (last < 0)
    return NULL;

  len = ASN1_STRING_to_UTF8 (&utf8, X509_NAME_ENTRY_get_data (X509_NAME_get_entry (subject, last)));
  if (len <= 0)
    {
      ERR_clear_error ();
      return NULL;
    }
  if (memchr (utf8, '\0', (size_t) len) != NULL || !g_utf8_validate ((const char *) utf8, len, NULL))
    {
      OPENSSL_free (utf8);
      return NULL;
    }
  user_id = g_strndup ((const char *) utf8, (gsize) len);
  OPENSSL_free (utf8);
  return user_id;
}

/* The keys and certificates of @bags, decrypting shrouded keys with
 * @password; FALSE when something cannot be decrypted or decoded. */
static gboolean
collect_bags (const STACK_OF (PKCS12_SAFEBAG) *bags,
              const char                      *password,
              GPtrArray                       *keys,
              STACK_OF (X509)                 *certificates,
              guint                            depth)
{
  int passlen = password != NULL ? -1 : 0;

  for (int i = 0; i < sk_PKCS12_SAFEBAG_num (bags); i++)
    {
      const PKCS12_SAFEBAG *bag = sk_PKCS12_SAFEBAG_value (bags, i);
      PKCS8_PRIV_KEY_INFO *p8;
      EVP_PKEY *key;
      X509 *certificate;

      switch (PKCS12_SAFEBAG_get_nid (bag))
        {
        case NID_keyBag:
          key = EVP_PKCS82PKEY (PKCS12_SAFEBAG_get0_p8inf (bag));
          if (key == NULL)
            return FALSE;
          g_ptr_array_add (keys, key);
          break;

        case NID_pkcs8ShroudedKeyBag:
          p8 = PKCS12_decrypt_skey (bag, password, passlen);
          if (p8 == NULL)
            return FALSE;
          key = EVP_PKCS82PKEY (p8);
          PKCS8_PRIV_KEY_INFO_free (p8); /* clears the key material */
          if (key == NULL)
            return FALSE;
          g_ptr_array_add (keys, key);
          break;

        case NID_certBag:
          if (PKCS12_SAFEBAG_get_bag_nid (bag) != NID_x509Certificate)
            break;
          certificate = PKCS12_SAFEBAG_get1_cert (bag);
          if (certificate == NULL)
            return FALSE;
          sk_X509_push (certificates, certificate);
          break;

        case NID_safeContentsBag:
          if (depth >= 4
              || !collect_bags (PKCS12_SAFEBAG_get0_safes (bag), password, keys, certificates,
                                depth + 1))
            return FALSE;
          break;

        default:
          break; /* CRLs, secrets: not ours */
        }
    }
  return TRUE;
}

/* Decrypts @p12 with @password (NULL: no password). When @mac_checked, the
 * password is known to be right and a failure means a damaged or
 * unsupported file; otherwise (no MAC) it most likely means a wrong password.
 * The certificate is the one that matches the key; the others are the chain.
 * (Not PKCS12_parse(): in OpenSSL 3.0 it refuses files without a MAC.) */
static TanbaKeyFile *
extract (PKCS12      *p12,
         const char  *password,
         gboolean     mac_checked,
         const char  *name,
         GError     **error)
{
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func ((GDestroyNotify) EVP_PKEY_free);
  STACK_OF (X509) *certificates = sk_X509_new_null ();
  int passlen = password != NULL ? -1 : 0;
  STACK_OF (PKCS7) *safes;
  TanbaKeyFile *self;
  gboolean ok;

  ERR_clear_error ();
  safes = PKCS12_unpack_authsafes (p12);
  ok = safes != NULL;
  for (int i = 0; ok && i < sk_PKCS7_num (safes); i++)
    {
      PKCS7 *p7 = sk_PKCS7_value (safes, i);
      STACK_OF (PKCS12_SAFEBAG) *bags;

      if (PKCS7_type_is_data (p7))
        bags = PKCS12_unpack_p7data (p7);
      else if (PKCS7_type_is_encrypted (p7))
        bags = PKCS12_unpack_p7encdata (p7, password, passlen);
      else
        continue; /* enveloped (public-key) safes: not in key files */

      ok = bags != NULL && collect_bags (bags, password, keys, certificates, 0);
      sk_PKCS12_SAFEBAG_pop_free (bags, PKCS12_SAFEBAG_free);
    }
  sk_PKCS7_pop_free (safes, PKCS7_free);

  if (!ok)
    {
      sk_X509_pop_free (certificates, X509_free);
      if (queue_has_unsupported ())
        {
          g_autofree char *reason = take_openssl_reason ();

          set_unsupported (name, reason, error);
        }
      else
        {
          ERR_clear_error ();
          if (mac_checked)
            set_not_pkcs12 (name, error);
          else
            set_bad_password (error);
        }
      return NULL;
    }

  self = g_new0 (TanbaKeyFile, 1);
  self->chain = certificates;
  for (guint k = 0; self->key == NULL && k < keys->len; k++)
    for (int c = 0; c < sk_X509_num (certificates); c++)
      if (X509_check_private_key (sk_X509_value (certificates, c), keys->pdata[k]) == 1)
        {
          self->key = g_ptr_array_steal_index (keys, k);
          self->certificate = sk_X509_delete (certificates, c);
          break;
        }
  ERR_clear_error ();

  if (self->key == NULL
      || (self->user_id = certificate_user_id (self->certificate)) == NULL
      || *self->user_id == '\0')
    {
      tanba_key_file_free (self);
      set_no_key (name, error);
      return NULL;
    }
  if (keys->len > 0)
    g_debug ("Key file %s: %u other private keys ignored", name != NULL ? name : "(data)",
             keys->len);
  return self;
}

static TanbaKeyFile *
open_parsed (PKCS12      *p12,
             const char  *name,
             const char  *password,
             GStrv        variants,
             guint       *used,
             GError     **error)
{
  gboolean use_null = FALSE;

  *used = 0;
  switch (check_mac (p12, password, &use_null))
    {
    case MAC_OK:
      return extract (p12, use_null ? NULL : password, TRUE, name, error);

    case MAC_UNSUPPORTED:
      {
        g_autofree char *reason = take_openssl_reason ();

        set_unsupported (name, reason, error);
        return NULL;
      }

    case MAC_ABSENT:
      {
        /* No cheap check: decrypt with each candidate. */
        g_autoptr(GError) local_error = NULL;
        TanbaKeyFile *self;

        g_debug ("Key file %s has no MAC", name != NULL ? name : "(data)");
        self = extract (p12, password, FALSE, name, &local_error);
        if (self == NULL && *password == '\0'
            && g_error_matches (local_error, TANBA_KEY_FILE_ERROR,
                                TANBA_KEY_FILE_ERROR_BAD_PASSWORD))
          {
            g_clear_error (&local_error);
            self = extract (p12, NULL, FALSE, name, &local_error);
          }
        for (guint i = 1; self == NULL && variants != NULL && variants[i] != NULL
             && g_error_matches (local_error, TANBA_KEY_FILE_ERROR,
                                 TANBA_KEY_FILE_ERROR_BAD_PASSWORD); i++)
          {
            g_clear_error (&local_error);
            self = extract (p12, variants[i], FALSE, name, &local_error);
            if (self != NULL)
              *used = i;
          }
        if (self == NULL)
          g_propagate_error (error, g_steal_pointer (&local_error));
        return self;
      }

    case MAC_WRONG:
      for (guint i = 1; variants != NULL && variants[i] != NULL; i++)
        if (check_mac (p12, variants[i], &use_null) == MAC_OK)
          {
            *used = i;
            g_debug ("Key file %s opened with look-alike variant %u of the password",
                     name != NULL ? name : "(data)", i);
            return extract (p12, variants[i], TRUE, name, error);
          }
      ERR_clear_error ();
      set_bad_password (error);
      return NULL;

    default:
      g_assert_not_reached ();
    }
  return NULL;
}

/* Opens @data with @password and, when @variants is not NULL and @password
 * is wrong, with each of @variants (their first is @password itself); the
 * index of the one that worked goes to @used. The file is decoded once. */
static TanbaKeyFile *
open_data (GBytes      *data,
           const char  *name,
           const char  *password,
           GStrv        variants,
           guint       *used,
           GError     **error)
{
  TanbaKeyFile *self;
  PKCS12 *p12;

  ensure_providers ();

  *used = 0;
  p12 = decode (data, name, error);
  if (p12 == NULL)
    return NULL;
  log_encryption (p12, name);
  self = open_parsed (p12, name, password, variants, used, error);
  PKCS12_free (p12);
  return self;
}

/* Public API */

TanbaKeyFile *
tanba_key_file_open_bytes (GBytes      *data,
                           const char  *password,
                           GError     **error)
{
  guint used;

  g_return_val_if_fail (data != NULL, NULL);
  g_return_val_if_fail (password != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return open_data (data, NULL, password, NULL, &used, error);
}

TanbaKeyFile *
tanba_key_file_open (const char  *path,
                     const char  *password,
                     GError     **error)
{
  g_autofree char *name = NULL;
  g_autoptr(GBytes) data = NULL;
  guint used;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (password != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  name = g_filename_display_basename (path);
  data = read_key_file (path, name, error);
  if (data == NULL)
    return NULL;
  return open_data (data, name, password, NULL, &used, error);
}

TanbaKeyFile *
tanba_key_file_open_with_recovery (const char  *path,
                                   const char  *password,
                                   char       **opened_with,
                                   GError     **error)
{
  g_autofree char *name = NULL;
  g_autoptr(GBytes) data = NULL;
  GStrv variants;
  TanbaKeyFile *self;
  guint used = 0;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (password != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (opened_with != NULL)
    *opened_with = NULL;

  name = g_filename_display_basename (path);
  data = read_key_file (path, name, error);
  if (data == NULL)
    return NULL;

  variants = tanba_otp_pin_dup_lookalikes (password);
  self = open_data (data, name, password, variants, &used, error);
  if (self != NULL && used > 0 && opened_with != NULL)
    *opened_with = g_strdup (variants[used]);
  tanba_otp_pin_lookalikes_free (variants);
  return self;
}

void
tanba_key_file_free (TanbaKeyFile *self)
{
  if (self == NULL)
    return;

  EVP_PKEY_free (self->key);
  X509_free (self->certificate);
  sk_X509_pop_free (self->chain, X509_free);
  g_free (self->user_id);
  g_free (self);
}

const char *
tanba_key_file_get_user_id (TanbaKeyFile *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->user_id;
}

EVP_PKEY *
tanba_key_file_get_key (TanbaKeyFile *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->key;
}

X509 *
tanba_key_file_get_certificate (TanbaKeyFile *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->certificate;
}

STACK_OF (X509) *
tanba_key_file_get_chain (TanbaKeyFile *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->chain;
}

gboolean
tanba_key_file_check_user_id (TanbaKeyFile  *self,
                              const char    *user_id,
                              GError       **error)
{
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (tanba_user_id_check_match (user_id, self->user_id, &local_error))
    return TRUE;

  /* The message names both IDs; only the domain changes. */
  g_set_error_literal (error, TANBA_KEY_FILE_ERROR, TANBA_KEY_FILE_ERROR_WRONG_USER,
                       local_error->message);
  return FALSE;
}

const char *
tanba_key_file_bad_password_details (void)
{
  /* The guide's four checks for "Неверный пароль или ключевой контейнер". */
  return _("• Check the user ID: it is in appendix 2 to your contract, and one "
           "mistyped character is enough for this error.\n"
           "• The PIN has 11 characters from the OTP card, capital Latin letters and "
           "digits: type it in capital letters.\n"
           "• Where the PIN has the digit 1, it may be the letter I, or the other way "
           "round; the same for the letter O and the digit 0.\n"
           "• The key file (GOST.pfx or Key.pfx) may be another user’s or another "
           "company’s: check that it is the one issued for your user ID.");
}

void
tanba_key_file_secret_free (char *secret)
{
  if (secret == NULL)
    return;

  explicit_bzero (secret, strlen (secret));
  g_free (secret);
}
