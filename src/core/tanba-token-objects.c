/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-token-objects.c: data objects, key pairs and certificates on the token.
 *
 * Key pairs are made with raw C_GenerateKeyPair (libp11 0.4.12 has only a
 * deprecated RSA call and nothing for EC); private keys reach OpenSSL through
 * libp11, which signs on the token. */
#include "config.h"

#include <string.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>

#include "tanba-i18n.h"
#include "tanba-token-error.h"
#include "tanba-token-private.h"

/* DER of the OID prime256v1 (1.2.840.10045.3.1.7). */
static const guint8 p256_params[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 };

GArray *
tanba_token_find_objects (TanbaToken   *self,
                          CK_ATTRIBUTE *template,
                          CK_ULONG      n_attributes,
                          GError      **error)
{
  CK_FUNCTION_LIST *f = tanba_module_get_functions (self->module);
  g_autoptr(GArray) objects = g_array_new (FALSE, FALSE, sizeof (CK_OBJECT_HANDLE));
  CK_SESSION_HANDLE session;
  CK_OBJECT_HANDLE batch[32];
  CK_ULONG count;
  CK_RV rv;

  session = tanba_token_get_session (self, error);
  if (session == CK_INVALID_HANDLE)
    return NULL;
  rv = f->C_FindObjectsInit (session, template, n_attributes);
  if (rv != CKR_OK)
    {
      tanba_token_fail (self, error, rv, _("Searching the token"));
      return NULL;
    }
  do
    {
      rv = f->C_FindObjects (session, batch, G_N_ELEMENTS (batch), &count);
      if (rv == CKR_OK)
        g_array_append_vals (objects, batch, count);
    }
  while (rv == CKR_OK && count == G_N_ELEMENTS (batch));
  f->C_FindObjectsFinal (session);
  if (rv != CKR_OK)
    {
      tanba_token_fail (self, error, rv, _("Searching the token"));
      return NULL;
    }
  return g_steal_pointer (&objects);
}

GBytes *
tanba_token_get_attribute (TanbaToken       *self,
                           CK_OBJECT_HANDLE  object,
                           CK_ATTRIBUTE_TYPE type,
                           GError          **error)
{
  CK_FUNCTION_LIST *f = tanba_module_get_functions (self->module);
  CK_ATTRIBUTE attribute = { type, NULL, 0 };
  g_autofree guint8 *value = NULL;
  CK_RV rv;

  rv = f->C_GetAttributeValue (self->session, object, &attribute, 1);
  if (rv == CKR_ATTRIBUTE_TYPE_INVALID || rv == CKR_ATTRIBUTE_SENSITIVE
      || attribute.ulValueLen == CK_UNAVAILABLE_INFORMATION)
    return NULL;
  if (rv != CKR_OK)
    {
      tanba_token_fail (self, error, rv, _("Reading an object on the token"));
      return NULL;
    }
  value = g_malloc (MAX (attribute.ulValueLen, 1));
  attribute.pValue = value;
  rv = f->C_GetAttributeValue (self->session, object, &attribute, 1);
  if (rv != CKR_OK)
    {
      tanba_token_fail (self, error, rv, _("Reading an object on the token"));
      return NULL;
    }
  return g_bytes_new_take (g_steal_pointer (&value), attribute.ulValueLen);
}

/* ---- data objects ------------------------------------------------------ */

static GArray *
find_data_locked (TanbaToken  *self,
                  const char  *label,
                  GError     **error)
{
  CK_OBJECT_CLASS klass = CKO_DATA;
  CK_BBOOL yes = CK_TRUE;
  CK_ATTRIBUTE template[] = {
    { CKA_CLASS, &klass, sizeof klass },
    { CKA_TOKEN, &yes, sizeof yes },
    { CKA_APPLICATION, (void *) TANBA_DATA_APPLICATION, strlen (TANBA_DATA_APPLICATION) },
    { CKA_LABEL, (void *) label, strlen (label) },
  };

  return tanba_token_find_objects (self, template, G_N_ELEMENTS (template), error);
}

GBytes *
tanba_token_read_data (TanbaToken  *self,
                       const char  *label,
                       GError     **error)
{
  g_autoptr(GArray) objects = NULL;
  GBytes *value = NULL;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (label != NULL, NULL);

  tanba_module_lock (self->module);
  objects = find_data_locked (self, label, error);
  if (objects != NULL && objects->len > 0)
    {
      GError *local_error = NULL;

      value = tanba_token_get_attribute (self, g_array_index (objects, CK_OBJECT_HANDLE, 0),
                                         CKA_VALUE, &local_error);
      if (value == NULL && local_error == NULL)
        value = g_bytes_new (NULL, 0);
      if (local_error != NULL)
        g_propagate_error (error, local_error);
    }
  tanba_module_unlock (self->module);
  return value;
}

gboolean
tanba_token_write_data (TanbaToken  *self,
                        const char  *label,
                        GBytes      *value,
                        GError     **error)
{
  CK_FUNCTION_LIST *f;
  g_autoptr(GArray) objects = NULL;
  CK_OBJECT_CLASS klass = CKO_DATA;
  CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
  CK_OBJECT_HANDLE created;
  gsize size;
  const void *data;
  gboolean ok = FALSE;
  CK_RV rv;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (label != NULL && value != NULL, FALSE);

  data = g_bytes_get_data (value, &size);
  f = tanba_module_get_functions (self->module);
  tanba_module_lock (self->module);
  objects = find_data_locked (self, label, error);
  if (objects == NULL)
    goto out;

  if (objects->len > 0 && !self->data_value_fixed)
    {
      /* Changing the value in place is atomic on the token. */
      CK_ATTRIBUTE attribute = { CKA_VALUE, (void *) data, size };

      rv = f->C_SetAttributeValue (self->session, g_array_index (objects, CK_OBJECT_HANDLE, 0), &attribute, 1);
      if (rv == CKR_OK)
        {
          ok = TRUE;
          goto out;
        }
      if (rv != CKR_ATTRIBUTE_READ_ONLY && rv != CKR_ACTION_PROHIBITED)
        {
          tanba_token_fail (self, error, rv, _("Writing Tanba’s data on the token"));
          goto out;
        }
      self->data_value_fixed = TRUE;
    }

  {
    /* Create the new object first, then remove the old ones: an interruption
     * leaves at worst two copies, never none. */
    CK_ATTRIBUTE template[] = {
      { CKA_CLASS, &klass, sizeof klass },
      { CKA_TOKEN, &yes, sizeof yes },
      { CKA_PRIVATE, &no, sizeof no },
      { CKA_MODIFIABLE, &yes, sizeof yes },
      { CKA_APPLICATION, (void *) TANBA_DATA_APPLICATION, strlen (TANBA_DATA_APPLICATION) },
      { CKA_LABEL, (void *) label, strlen (label) },
      { CKA_VALUE, (void *) data, size },
    };

    rv = f->C_CreateObject (self->session, template, G_N_ELEMENTS (template), &created);
    if (rv != CKR_OK)
      {
        tanba_token_fail (self, error, rv, _("Writing Tanba’s data on the token"));
        goto out;
      }
    for (guint i = 0; i < objects->len; i++)
      f->C_DestroyObject (self->session, g_array_index (objects, CK_OBJECT_HANDLE, i));
    ok = TRUE;
  }

out:
  tanba_module_unlock (self->module);
  return ok;
}

gboolean
tanba_token_delete_data (TanbaToken  *self,
                         const char  *label,
                         GError     **error)
{
  g_autoptr(GArray) objects = NULL;
  gboolean ok = FALSE;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (label != NULL, FALSE);

  tanba_module_lock (self->module);
  objects = find_data_locked (self, label, error);
  if (objects != NULL)
    {
      ok = TRUE;
      for (guint i = 0; i < objects->len && ok; i++)
        {
          CK_RV rv = tanba_module_get_functions (self->module)->C_DestroyObject (self->session,
                                                                                g_array_index (objects, CK_OBJECT_HANDLE, i));
          if (rv != CKR_OK)
            ok = tanba_token_fail (self, error, rv, _("Removing Tanba’s data from the token"));
        }
    }
  tanba_module_unlock (self->module);
  return ok;
}

/* ---- keys ---------------------------------------------------------------- */

void
tanba_key_info_free (TanbaKeyInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->label);
  g_clear_pointer (&info->id, g_bytes_unref);
  g_free (info);
}

void
tanba_cert_info_free (TanbaCertInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->label);
  g_clear_pointer (&info->id, g_bytes_unref);
  X509_free (info->certificate);
  g_free (info);
}

char *
tanba_id_to_hex (GBytes *id)
{
  gsize size;
  const guint8 *data;
  GString *hex;

  g_return_val_if_fail (id != NULL, NULL);

  data = g_bytes_get_data (id, &size);
  hex = g_string_sized_new (size * 2);
  for (gsize i = 0; i < size; i++)
    g_string_append_printf (hex, "%02x", data[i]);
  return g_string_free (hex, FALSE);
}

static GArray *
find_by_class_and_id (TanbaToken      *self,
                      CK_OBJECT_CLASS  klass,
                      GBytes          *id,
                      GError         **error)
{
  CK_BBOOL yes = CK_TRUE;
  CK_ATTRIBUTE template[] = {
    { CKA_CLASS, &klass, sizeof klass },
    { CKA_TOKEN, &yes, sizeof yes },
    { CKA_ID, NULL, 0 },
  };
  gsize size = 0;

  if (id != NULL)
    {
      template[2].pValue = (void *) g_bytes_get_data (id, &size);
      template[2].ulValueLen = size;
    }
  return tanba_token_find_objects (self, template, id != NULL ? 3 : 2, error);
}

static gboolean
read_key_info (TanbaToken       *self,
               CK_OBJECT_HANDLE  object,
               TanbaKeyInfo     *info,
               GError          **error)
{
  g_autoptr(GBytes) label = NULL;
  g_autoptr(GBytes) key_type = NULL;
  g_autoptr(GBytes) modulus = NULL;
  GError *local_error = NULL;

  info->id = tanba_token_get_attribute (self, object, CKA_ID, &local_error);
  if (local_error == NULL)
    label = tanba_token_get_attribute (self, object, CKA_LABEL, &local_error);
  if (local_error == NULL)
    key_type = tanba_token_get_attribute (self, object, CKA_KEY_TYPE, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  if (info->id == NULL)
    info->id = g_bytes_new (NULL, 0);
  info->label = label != NULL ? g_strndup (g_bytes_get_data (label, NULL), g_bytes_get_size (label)) : g_strdup ("");
  if (key_type != NULL && g_bytes_get_size (key_type) == sizeof (CK_KEY_TYPE)
      && *(const CK_KEY_TYPE *) g_bytes_get_data (key_type, NULL) == CKK_EC)
    {
      info->algorithm = TANBA_KEY_P256;
      info->bits = 256;
    }
  else
    {
      info->algorithm = TANBA_KEY_RSA2048;
      modulus = tanba_token_get_attribute (self, object, CKA_MODULUS, NULL);
      info->bits = modulus != NULL ? g_bytes_get_size (modulus) * 8 : 0;
    }
  return TRUE;
}

/* One C_GenerateKeyPair for a key pair with @id and @label in @session. */
static CK_RV
generate_in_session (CK_FUNCTION_LIST  *f,
                     CK_SESSION_HANDLE  session,
                     TanbaKeyAlgorithm  algorithm,
                     const char        *label,
                     guint8             id[TANBA_KEY_ID_SIZE])
{
  CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
  CK_ULONG bits = 2048;
  guint8 exponent[] = { 0x01, 0x00, 0x01 };
  CK_MECHANISM mechanism = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
  CK_OBJECT_HANDLE public_key, private_key;
  CK_ATTRIBUTE public_template[10];
  CK_ATTRIBUTE private_template[] = {
    { CKA_TOKEN, &yes, sizeof yes },
    { CKA_PRIVATE, &yes, sizeof yes },
    { CKA_SENSITIVE, &yes, sizeof yes },
    { CKA_EXTRACTABLE, &no, sizeof no },
    { CKA_SIGN, &yes, sizeof yes },
    { CKA_DECRYPT, &no, sizeof no },
    { CKA_UNWRAP, &no, sizeof no },
    { CKA_DERIVE, &no, sizeof no },
    { CKA_ID, id, TANBA_KEY_ID_SIZE },
    { CKA_LABEL, (void *) label, strlen (label) },
  };
  CK_ULONG n_public = 0;

#define ADD(type, value, size) \
  public_template[n_public++] = (CK_ATTRIBUTE) { type, (void *) (value), size }
  ADD (CKA_TOKEN, &yes, sizeof yes);
  ADD (CKA_PRIVATE, &no, sizeof no);
  ADD (CKA_VERIFY, &yes, sizeof yes);
  ADD (CKA_ENCRYPT, &no, sizeof no);
  ADD (CKA_WRAP, &no, sizeof no);
  ADD (CKA_ID, id, TANBA_KEY_ID_SIZE);
  ADD (CKA_LABEL, label, strlen (label));
  if (algorithm == TANBA_KEY_P256)
    {
      mechanism.mechanism = CKM_EC_KEY_PAIR_GEN;
      ADD (CKA_EC_PARAMS, p256_params, sizeof p256_params);
    }
  else
    {
      ADD (CKA_MODULUS_BITS, &bits, sizeof bits);
      ADD (CKA_PUBLIC_EXPONENT, exponent, sizeof exponent);
    }
#undef ADD
  return f->C_GenerateKeyPair (session, &mechanism,
                               public_template, n_public,
                               private_template, G_N_ELEMENTS (private_template),
                               &public_key, &private_key);
}

static TanbaKeyInfo *
made_key_info (TanbaToken        *self,
               TanbaKeyAlgorithm  algorithm,
               const char        *label,
               const guint8       id[TANBA_KEY_ID_SIZE])
{
  TanbaKeyInfo *info = g_new0 (TanbaKeyInfo, 1);

  info->label = g_strdup (label);
  info->id = g_bytes_new (id, TANBA_KEY_ID_SIZE);
  info->algorithm = algorithm;
  info->bits = algorithm == TANBA_KEY_P256 ? 256 : 2048;
  info->has_private = TRUE;
  g_debug ("Generated %s key pair on token %s", algorithm == TANBA_KEY_P256 ? "P-256" : "RSA-2048", self->serial);
  return info;
}

static gboolean
random_id (guint8   id[TANBA_KEY_ID_SIZE],
           GError **error)
{
  if (RAND_bytes (id, TANBA_KEY_ID_SIZE) == 1)
    return TRUE;
  g_set_error_literal (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_FAILED,
                       _("No random numbers for a key identifier."));
  return FALSE;
}

TanbaKeyInfo *
tanba_token_generate_key_pair (TanbaToken        *self,
                               TanbaKeyAlgorithm  algorithm,
                               const char        *label,
                               GError           **error)
{
  TanbaKeyInfo *made = NULL;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (label != NULL, NULL);

  if (!tanba_token_generate_key_pairs (self, algorithm, &label, 1, &made, error))
    return NULL;
  return made;
}

/* A key pair generated in a session of its own, on a thread of its own. */
typedef struct
{
  CK_FUNCTION_LIST  *functions;
  CK_SLOT_ID         slot_id;
  TanbaKeyAlgorithm  algorithm;
  const char        *label;
  guint8             id[TANBA_KEY_ID_SIZE];
  CK_RV              open_rv;
  CK_RV              rv;
  gboolean           in_ours;   /* made (or tried) in the token's own session */
  GThread           *thread;
} Generation;

static gpointer
generate_thread (gpointer user_data)
{
  Generation *g = user_data;
  CK_SESSION_HANDLE session;

  g->open_rv = g->functions->C_OpenSession (g->slot_id, CKF_SERIAL_SESSION | CKF_RW_SESSION,
                                            NULL, NULL, &session);
  if (g->open_rv != CKR_OK)
    return NULL;
  g->rv = generate_in_session (g->functions, session, g->algorithm, g->label, g->id);
  g->functions->C_CloseSession (session);
  return NULL;
}

gboolean
tanba_token_generate_key_pairs (TanbaToken          *self,
                                TanbaKeyAlgorithm    algorithm,
                                const char * const  *labels,
                                guint                n_pairs,
                                TanbaKeyInfo       **made,
                                GError             **error)
{
  CK_FUNCTION_LIST *f;
  g_autofree Generation *generations = NULL;
  CK_SESSION_HANDLE session;
  gboolean ok = TRUE;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (labels != NULL && made != NULL && n_pairs > 0, FALSE);

  generations = g_new0 (Generation, n_pairs);
  for (guint i = 0; i < n_pairs; i++)
    made[i] = NULL;
  for (guint i = 0; i < n_pairs; i++)
    {
      generations[i].label = labels[i];
      generations[i].algorithm = algorithm;
      if (!random_id (generations[i].id, error))
        return FALSE;
    }

  f = tanba_module_get_functions (self->module);
  tanba_module_lock (self->module);
  session = tanba_token_get_session (self, error);
  if (session == CK_INVALID_HANDLE)
    {
      tanba_module_unlock (self->module);
      return FALSE;
    }
  /* The first pair in our session, each other one at the same time in a
   * session of its own (the login is the application's, shared by all its
   * sessions; the module was initialized for threads). A token that
   * computes one thing at a time does them one after another itself. */
  for (guint i = 1; i < n_pairs; i++)
    {
      generations[i].functions = f;
      generations[i].slot_id = self->slot_id;
      generations[i].open_rv = CKR_GENERAL_ERROR;
      generations[i].thread = g_thread_try_new ("tanba-keygen", generate_thread, &generations[i], NULL);
    }
  generations[0].rv = generate_in_session (f, session, algorithm, labels[0], generations[0].id);
  generations[0].in_ours = TRUE;
  for (guint i = 1; i < n_pairs; i++)
    {
      if (generations[i].thread != NULL)
        g_thread_join (generations[i].thread);
      /* No second session on this token (or no thread), or the token would
       * not make the pair in it (a login not shared between sessions, a
       * busy card): one after another in ours, as the token allows. */
      if (generations[i].open_rv != CKR_OK
          || (generations[i].rv != CKR_OK && generations[i].rv != CKR_DEVICE_REMOVED
              && generations[i].rv != CKR_TOKEN_NOT_PRESENT))
        {
          generations[i].rv = generate_in_session (f, session, algorithm, labels[i], generations[i].id);
          generations[i].in_ours = TRUE;
        }
    }
  tanba_module_unlock (self->module);

  for (guint i = 0; i < n_pairs; i++)
    {
      if (generations[i].rv == CKR_OK)
        made[i] = made_key_info (self, algorithm, labels[i], generations[i].id);
      else if (ok && generations[i].in_ours)
        ok = tanba_token_fail (self, error, generations[i].rv, _("Generating a key pair on the token"));
      else if (ok)
        /* Not our session: it is closed already, ours stays. */
        ok = tanba_token_set_error_from_rv (error, generations[i].rv, _("Generating a key pair on the token"));
    }
  return ok;
}

static TanbaKeyInfo *
find_key_in (GPtrArray *keys,
             GBytes    *id)
{
  for (guint i = 0; i < keys->len; i++)
    {
      TanbaKeyInfo *info = g_ptr_array_index (keys, i);

      if (g_bytes_equal (info->id, id))
        return info;
    }
  return NULL;
}

GPtrArray *
tanba_token_list_keys (TanbaToken  *self,
                       GError     **error)
{
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func ((GDestroyNotify) tanba_key_info_free);
  const CK_OBJECT_CLASS classes[] = { CKO_PRIVATE_KEY, CKO_PUBLIC_KEY };
  g_autoptr(GArray) certificates = NULL;
  gboolean ok = TRUE;

  g_return_val_if_fail (self != NULL, NULL);

  tanba_module_lock (self->module);
  for (guint c = 0; c < G_N_ELEMENTS (classes) && ok; c++)
    {
      g_autoptr(GArray) objects = find_by_class_and_id (self, classes[c], NULL, error);

      if (objects == NULL)
        {
          ok = FALSE;
          break;
        }
      for (guint i = 0; i < objects->len && ok; i++)
        {
          g_autoptr(TanbaKeyInfo) info = g_new0 (TanbaKeyInfo, 1);
          TanbaKeyInfo *existing;

          ok = read_key_info (self, g_array_index (objects, CK_OBJECT_HANDLE, i), info, error);
          if (!ok)
            break;
          existing = find_key_in (keys, info->id);
          if (existing == NULL)
            {
              info->has_private = classes[c] == CKO_PRIVATE_KEY;
              g_ptr_array_add (keys, g_steal_pointer (&info));
            }
          else if (existing->bits == 0)
            existing->bits = info->bits;
        }
    }
  if (ok)
    certificates = find_by_class_and_id (self, CKO_CERTIFICATE, NULL, error);
  if (certificates == NULL)
    ok = FALSE;
  for (guint i = 0; ok && i < certificates->len; i++)
    {
      g_autoptr(GBytes) id = tanba_token_get_attribute (self, g_array_index (certificates, CK_OBJECT_HANDLE, i), CKA_ID, NULL);
      TanbaKeyInfo *key = id != NULL ? find_key_in (keys, id) : NULL;

      if (key != NULL)
        key->has_certificate = TRUE;
    }
  tanba_module_unlock (self->module);

  return ok ? g_steal_pointer (&keys) : NULL;
}

static gboolean
destroy_all (TanbaToken  *self,
             GArray      *objects,
             const char  *what,
             GError     **error)
{
  for (guint i = 0; i < objects->len; i++)
    {
      CK_RV rv = tanba_module_get_functions (self->module)->C_DestroyObject (self->session,
                                                                            g_array_index (objects, CK_OBJECT_HANDLE, i));
      if (rv != CKR_OK)
        return tanba_token_fail (self, error, rv, what);
    }
  return TRUE;
}

gboolean
tanba_token_delete_key (TanbaToken  *self,
                        GBytes      *id,
                        GError     **error)
{
  g_autoptr(GArray) private_keys = NULL;
  g_autoptr(GArray) public_keys = NULL;
  gboolean ok = FALSE;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (id != NULL, FALSE);

  tanba_module_lock (self->module);
  private_keys = find_by_class_and_id (self, CKO_PRIVATE_KEY, id, error);
  if (private_keys != NULL)
    public_keys = find_by_class_and_id (self, CKO_PUBLIC_KEY, id, error);
  if (public_keys != NULL)
    {
      if (private_keys->len + public_keys->len == 0)
        g_set_error_literal (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_NOT_FOUND,
                             _("There is no key with this identifier on the token (private keys are seen only after entering the PIN)."));
      else
        ok = destroy_all (self, private_keys, _("Deleting a key"), error)
          && destroy_all (self, public_keys, _("Deleting a key"), error);
    }
  tanba_module_unlock (self->module);
  return ok;
}

/* ---- certificates ---------------------------------------------------------- */

/* The X.509 certificate a certificate object holds; NULL with @error when
 * it cannot be read, NULL without when it has no value or is not X.509 DER
 * (skipped). Caller holds the module lock. */
static X509 *
read_certificate (TanbaToken        *self,
                  CK_OBJECT_HANDLE   object,
                  GError           **error)
{
  g_autoptr(GBytes) value = tanba_token_get_attribute (self, object, CKA_VALUE, error);
  const unsigned char *der;
  gsize size;
  X509 *certificate;

  if (value == NULL)
    return NULL;
  der = g_bytes_get_data (value, &size);
  certificate = d2i_X509 (NULL, &der, size);
  if (certificate == NULL)
    g_debug ("Skipping a certificate object that is not X.509 DER");
  return certificate;
}

GPtrArray *
tanba_token_list_certificates (TanbaToken  *self,
                               GError     **error)
{
  g_autoptr(GPtrArray) certificates = g_ptr_array_new_with_free_func ((GDestroyNotify) tanba_cert_info_free);
  g_autoptr(GArray) objects = NULL;
  gboolean ok = TRUE;

  g_return_val_if_fail (self != NULL, NULL);

  tanba_module_lock (self->module);
  objects = find_by_class_and_id (self, CKO_CERTIFICATE, NULL, error);
  if (objects == NULL)
    ok = FALSE;
  for (guint i = 0; ok && i < objects->len; i++)
    {
      CK_OBJECT_HANDLE object = g_array_index (objects, CK_OBJECT_HANDLE, i);
      g_autoptr(GBytes) label = NULL;
      GError *local_error = NULL;
      TanbaCertInfo *info;
      X509 *certificate;

      certificate = read_certificate (self, object, &local_error);
      if (certificate == NULL)
        {
          if (local_error != NULL)
            {
              g_propagate_error (error, local_error);
              ok = FALSE;
            }
          continue;
        }
      info = g_new0 (TanbaCertInfo, 1);
      info->certificate = certificate;
      info->id = tanba_token_get_attribute (self, object, CKA_ID, NULL);
      if (info->id == NULL)
        info->id = g_bytes_new (NULL, 0);
      label = tanba_token_get_attribute (self, object, CKA_LABEL, NULL);
      info->label = label != NULL ? g_strndup (g_bytes_get_data (label, NULL), g_bytes_get_size (label)) : g_strdup ("");
      g_ptr_array_add (certificates, info);
    }
  tanba_module_unlock (self->module);
  return ok ? g_steal_pointer (&certificates) : NULL;
}

gboolean
tanba_token_delete_certificate (TanbaToken  *self,
                                GBytes      *id,
                                GError     **error)
{
  g_autoptr(GArray) objects = NULL;
  gboolean ok = FALSE;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (id != NULL, FALSE);

  tanba_module_lock (self->module);
  objects = find_by_class_and_id (self, CKO_CERTIFICATE, id, error);
  if (objects != NULL && objects->len == 0)
    g_set_error_literal (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_NOT_FOUND,
                         _("There is no certificate with this identifier on the token."));
  else if (objects != NULL)
    ok = destroy_all (self, objects, _("Deleting a certificate"), error);
  tanba_module_unlock (self->module);
  return ok;
}

static GBytes *
der_of (int (*i2d) (const void *, unsigned char **),
        const void *object)
{
  unsigned char *der = NULL;
  int len = i2d (object, &der);
  GBytes *bytes;

  if (len <= 0)
    return NULL;
  bytes = g_bytes_new (der, len);
  OPENSSL_free (der);
  return bytes;
}

gboolean
tanba_token_store_certificate_raw (TanbaToken  *self,
                                   X509        *certificate,
                                   GBytes      *id,
                                   const char  *label,
                                   GError     **error)
{
  CK_OBJECT_CLASS klass = CKO_CERTIFICATE;
  CK_CERTIFICATE_TYPE type = CKC_X_509;
  CK_BBOOL yes = CK_TRUE;
  g_autoptr(GBytes) value = der_of ((int (*) (const void *, unsigned char **)) i2d_X509, certificate);
  g_autoptr(GBytes) subject = der_of ((int (*) (const void *, unsigned char **)) i2d_X509_NAME, X509_get_subject_name (certificate));
  g_autoptr(GBytes) issuer = der_of ((int (*) (const void *, unsigned char **)) i2d_X509_NAME, X509_get_issuer_name (certificate));
  g_autoptr(GBytes) serial = der_of ((int (*) (const void *, unsigned char **)) i2d_ASN1_INTEGER, X509_get0_serialNumber (certificate));
  CK_OBJECT_HANDLE created;
  gboolean ok = FALSE;
  CK_RV rv;

  if (value == NULL || subject == NULL || issuer == NULL || serial == NULL)
    {
      g_set_error_literal (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_FAILED,
                           _("The certificate cannot be encoded."));
      return FALSE;
    }

  {
    CK_ATTRIBUTE template[] = {
      { CKA_CLASS, &klass, sizeof klass },
      { CKA_CERTIFICATE_TYPE, &type, sizeof type },
      { CKA_TOKEN, &yes, sizeof yes },
      { CKA_LABEL, (void *) label, strlen (label) },
      { CKA_ID, (void *) g_bytes_get_data (id, NULL), g_bytes_get_size (id) },
      { CKA_SUBJECT, (void *) g_bytes_get_data (subject, NULL), g_bytes_get_size (subject) },
      { CKA_ISSUER, (void *) g_bytes_get_data (issuer, NULL), g_bytes_get_size (issuer) },
      { CKA_SERIAL_NUMBER, (void *) g_bytes_get_data (serial, NULL), g_bytes_get_size (serial) },
      { CKA_VALUE, (void *) g_bytes_get_data (value, NULL), g_bytes_get_size (value) },
    };

    tanba_module_lock (self->module);
    if (tanba_token_get_session (self, error) != CK_INVALID_HANDLE)
      {
        rv = tanba_module_get_functions (self->module)->C_CreateObject (self->session, template,
                                                                        G_N_ELEMENTS (template), &created);
        if (rv == CKR_OK)
          ok = TRUE;
        else
          tanba_token_fail (self, error, rv, _("Storing the certificate on the token"));
      }
    tanba_module_unlock (self->module);
  }
  return ok;
}

gboolean
tanba_token_store_certificate (TanbaToken  *self,
                               X509        *certificate,
                               GBytes      *id,
                               const char  *label,
                               GError     **error)
{
  PKCS11_SLOT *slot;
  g_autofree char *label_copy = NULL;
  gsize id_size;
  const guint8 *id_data;
  int rc = -1;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (certificate != NULL && id != NULL && label != NULL, FALSE);

  id_data = g_bytes_get_data (id, &id_size);
  label_copy = g_strdup (label);

  tanba_module_lock (self->module);
  slot = tanba_module_find_p11_slot (self->module, self->slot_id, NULL);
  if (slot != NULL)
    rc = PKCS11_store_certificate (slot->token, certificate, label_copy,
                                   (unsigned char *) id_data, id_size, NULL);
  tanba_module_unlock (self->module);
  if (rc == 0)
    return TRUE;

  /* libp11 sets attributes that PKCS#11 v2.20 tokens refuse. */
  g_debug ("libp11 could not store the certificate; storing it with the v2.20 attributes");
  ERR_clear_error ();
  return tanba_token_store_certificate_raw (self, certificate, id, label, error);
}

EVP_PKEY *
tanba_token_get_private_key (TanbaToken  *self,
                             GBytes      *id,
                             GError     **error)
{
  PKCS11_SLOT *slot;
  PKCS11_KEY *keys = NULL;
  unsigned int n_keys = 0;
  EVP_PKEY *pkey = NULL;
  gsize id_size;
  const guint8 *id_data;

  g_return_val_if_fail (self != NULL && id != NULL, NULL);

  id_data = g_bytes_get_data (id, &id_size);
  tanba_module_lock (self->module);
  slot = tanba_module_find_p11_slot (self->module, self->slot_id, error);
  if (slot != NULL && PKCS11_enumerate_keys (slot->token, &keys, &n_keys) == 0)
    {
      /* libp11 keeps the keys it found before and appends what it finds
       * now; Tanba logs in and out without libp11, so after a new login a
       * private key is listed twice, first with the handle the token
       * dropped at logout (CKR_OBJECT_HANDLE_INVALID when used). The last
       * entry for an ID is the current one. */
      for (unsigned int i = n_keys; i > 0 && pkey == NULL; i--)
        if (keys[i - 1].id_len == id_size && memcmp (keys[i - 1].id, id_data, id_size) == 0)
          pkey = PKCS11_get_private_key (&keys[i - 1]);
      if (pkey == NULL)
        g_set_error_literal (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_NOT_FOUND,
                             _("The private key is not on the token, or the PIN was not entered."));
    }
  else if (slot != NULL)
    g_set_error_literal (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_FAILED,
                         _("The keys on the token could not be listed."));
  tanba_module_unlock (self->module);
  ERR_clear_error ();
  return pkey;
}

static EVP_PKEY *
public_key_from_attributes (TanbaToken       *self,
                            CK_OBJECT_HANDLE  object,
                            GError          **error)
{
  g_autoptr(GBytes) modulus = tanba_token_get_attribute (self, object, CKA_MODULUS, NULL);
  OSSL_PARAM_BLD *builder = OSSL_PARAM_BLD_new ();
  OSSL_PARAM *params = NULL;
  EVP_PKEY_CTX *ctx = NULL;
  EVP_PKEY *pkey = NULL;
  BIGNUM *n = NULL, *e = NULL;
  ASN1_OCTET_STRING *point = NULL;

  if (modulus != NULL)
    {
      g_autoptr(GBytes) exponent = tanba_token_get_attribute (self, object, CKA_PUBLIC_EXPONENT, NULL);

      if (exponent == NULL)
        goto out;
      n = BN_bin2bn (g_bytes_get_data (modulus, NULL), g_bytes_get_size (modulus), NULL);
      e = BN_bin2bn (g_bytes_get_data (exponent, NULL), g_bytes_get_size (exponent), NULL);
      OSSL_PARAM_BLD_push_BN (builder, OSSL_PKEY_PARAM_RSA_N, n);
      OSSL_PARAM_BLD_push_BN (builder, OSSL_PKEY_PARAM_RSA_E, e);
      ctx = EVP_PKEY_CTX_new_from_name (NULL, "RSA", NULL);
    }
  else
    {
      g_autoptr(GBytes) ec_point = tanba_token_get_attribute (self, object, CKA_EC_POINT, NULL);
      const unsigned char *der;

      if (ec_point == NULL)
        goto out;
      der = g_bytes_get_data (ec_point, NULL);
      /* CKA_EC_POINT is a DER OCTET STRING holding the point. */
      point = d2i_ASN1_OCTET_STRING (NULL, &der, g_bytes_get_size (ec_point));
      if (point == NULL)
        goto out;
      OSSL_PARAM_BLD_push_utf8_string (builder, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
      OSSL_PARAM_BLD_push_octet_string (builder, OSSL_PKEY_PARAM_PUB_KEY,
                                        ASN1_STRING_get0_data (point), ASN1_STRING_length (point));
      ctx = EVP_PKEY_CTX_new_from_name (NULL, "EC", NULL);
    }
  params = OSSL_PARAM_BLD_to_param (builder);
  if (ctx == NULL || params == NULL || EVP_PKEY_fromdata_init (ctx) <= 0
      || EVP_PKEY_fromdata (ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
    pkey = NULL;

out:
  if (pkey == NULL)
    g_set_error_literal (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_FAILED,
                         _("The public key on the token could not be read."));
  ASN1_OCTET_STRING_free (point);
  BN_free (n);
  BN_free (e);
  OSSL_PARAM_free (params);
  OSSL_PARAM_BLD_free (builder);
  EVP_PKEY_CTX_free (ctx);
  return pkey;
}

EVP_PKEY *
tanba_token_get_public_key (TanbaToken  *self,
                            GBytes      *id,
                            GError     **error)
{
  g_autoptr(GArray) objects = NULL;
  EVP_PKEY *pkey = NULL;

  g_return_val_if_fail (self != NULL && id != NULL, NULL);

  tanba_module_lock (self->module);
  objects = find_by_class_and_id (self, CKO_PUBLIC_KEY, id, error);
  if (objects != NULL && objects->len == 0)
    g_set_error_literal (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_NOT_FOUND,
                         _("There is no public key with this identifier on the token."));
  else if (objects != NULL)
    pkey = public_key_from_attributes (self, g_array_index (objects, CK_OBJECT_HANDLE, 0), error);
  tanba_module_unlock (self->module);
  return pkey;
}

GBytes *
tanba_id_from_hex (const char *hex)
{
  gsize len;
  guint8 *bytes;

  if (hex == NULL || (len = strlen (hex)) == 0 || len % 2 != 0)
    return NULL;
  bytes = g_malloc (len / 2);
  for (gsize i = 0; i < len / 2; i++)
    {
      int high = g_ascii_xdigit_value (hex[2 * i]);
      int low = g_ascii_xdigit_value (hex[2 * i + 1]);

      if (high < 0 || low < 0)
        {
          g_free (bytes);
          return NULL;
        }
      bytes[i] = (guint8) ((high << 4) | low);
    }
  return g_bytes_new_take (bytes, len / 2);
}

/* The certificate stored with key ID @id: found by its ID on the token, so
 * that only its value is read (over USB, reading every certificate on a
 * hardware token is what takes the time). */
X509 *
tanba_token_find_certificate (TanbaToken *self,
                              GBytes     *id,
                              GError    **error)
{
  g_autoptr(GArray) objects = NULL;
  X509 *certificate = NULL;
  GError *local_error = NULL;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (id != NULL, NULL);

  tanba_module_lock (self->module);
  objects = find_by_class_and_id (self, CKO_CERTIFICATE, id, &local_error);
  for (guint i = 0; objects != NULL && i < objects->len && certificate == NULL && local_error == NULL; i++)
    certificate = read_certificate (self, g_array_index (objects, CK_OBJECT_HANDLE, i), &local_error);
  tanba_module_unlock (self->module);
  /* A read that failed stopped the search with nothing found. */
  if (local_error != NULL)
    g_propagate_error (error, local_error);
  return certificate;
}
