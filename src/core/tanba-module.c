/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-module.c: loading a PKCS#11 module once per process.
 *
 * libp11 loads and initializes the module (C_Initialize with OS locking);
 * the raw function list comes from the same library so that presence polling
 * and token management talk to the same instance. Modules are never unloaded
 * while the program runs: unloading would finalize the module under other
 * users in the process (GnuTLS through glib-networking, see HACKING.md). */
#include "config.h"

#include <dlfcn.h>

#include "tanba-i18n.h"
#include "tanba-module-private.h"
#include "tanba-settings.h"
#include "tanba-token-error.h"

struct _TanbaModule
{
  gatomicrefcount   ref_count;
  char             *path;
  void             *handle;
  CK_FUNCTION_LIST *functions;
  PKCS11_CTX       *p11;
  PKCS11_SLOT      *p11_slots;
  unsigned int      n_p11_slots;
  GRecMutex         lock;
};

/* Loaded modules by path; each keeps one reference for the program's lifetime. */
static GHashTable *loaded_modules;
G_LOCK_DEFINE_STATIC (loaded_modules);

char *
tanba_module_resolve_path (const char *override)
{
  const char *env;
  char *setting;

  if (override != NULL && override[0] != '\0')
    return g_strdup (override);
  env = g_getenv ("TANBA_PKCS11_MODULE");
  if (env != NULL && env[0] != '\0')
    return g_strdup (env);
  setting = tanba_settings_dup_string ("pkcs11-module");
  if (setting != NULL)
    return setting;
  return g_strdup (TANBA_DEFAULT_PKCS11_MODULE);
}

static TanbaModule *
tanba_module_load (const char  *path,
                   GError     **error)
{
  g_autoptr(TanbaModule) self = NULL;
  CK_C_GetFunctionList get_function_list;
  CK_RV rv;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_MODULE_NOT_FOUND,
                   _("The PKCS#11 module “%s” does not exist. Check the path in the settings or in --module, or install the token’s driver."),
                   path);
      return NULL;
    }

  self = g_new0 (TanbaModule, 1);
  g_atomic_ref_count_init (&self->ref_count);
  g_rec_mutex_init (&self->lock);
  self->path = g_strdup (path);

  self->handle = dlopen (path, RTLD_NOW | RTLD_LOCAL);
  if (self->handle == NULL)
    {
      g_set_error (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_MODULE_INVALID,
                   _("“%s” is not a library that can be loaded (%s). Choose the token’s PKCS#11 module (a .so file)."),
                   path, dlerror ());
      return NULL;
    }

  get_function_list = (CK_C_GetFunctionList) dlsym (self->handle, "C_GetFunctionList");
  if (get_function_list == NULL)
    {
      g_set_error (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_MODULE_INVALID,
                   _("“%s” is a library but not a PKCS#11 module (it has no C_GetFunctionList). Choose the token’s PKCS#11 module."),
                   path);
      return NULL;
    }
  rv = get_function_list (&self->functions);
  if (rv != CKR_OK || self->functions == NULL)
    {
      g_set_error (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_MODULE_INVALID,
                   _("The PKCS#11 module “%s” did not give its function list (%s)."),
                   path, tanba_pkcs11_rv_name (rv));
      return NULL;
    }

  self->p11 = PKCS11_CTX_new ();
  if (self->p11 == NULL || PKCS11_CTX_load (self->p11, path) != 0)
    {
      g_set_error (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_MODULE_INVALID,
                   _("The PKCS#11 module “%s” could not be initialized. The token’s driver may be broken or need a service (pcscd) that is not running."),
                   path);
      if (self->p11 != NULL)
        {
          PKCS11_CTX_free (self->p11);
          self->p11 = NULL;
        }
      return NULL;
    }

  /* Our own function list must be initialized too: the p11-kit proxy gives
   * a new, separate instance on each C_GetFunctionList, so libp11's
   * initialization does not cover it (CKR_CRYPTOKI_NOT_INITIALIZED). A
   * module that hands out one list says it is initialized already. */
  {
    CK_C_INITIALIZE_ARGS args = { NULL, NULL, NULL, NULL, CKF_OS_LOCKING_OK, NULL };

    rv = self->functions->C_Initialize (&args);
    if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED)
      {
        g_set_error (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_MODULE_INVALID,
                     _("The PKCS#11 module “%s” could not be initialized. The token’s driver may be broken or need a service (pcscd) that is not running."),
                     path);
        return NULL;
      }
  }

  g_debug ("Loaded PKCS#11 module %s", path);
  return g_steal_pointer (&self);
}

TanbaModule *
tanba_module_open (const char  *path,
                   GError     **error)
{
  g_autofree char *resolved = NULL;
  TanbaModule *module;

  resolved = path != NULL ? g_strdup (path) : tanba_module_resolve_path (NULL);

  G_LOCK (loaded_modules);
  if (loaded_modules == NULL)
    loaded_modules = g_hash_table_new (g_str_hash, g_str_equal);
  module = g_hash_table_lookup (loaded_modules, resolved);
  if (module == NULL)
    {
      module = tanba_module_load (resolved, error);
      if (module != NULL)
        g_hash_table_insert (loaded_modules, module->path, module);
    }
  if (module != NULL)
    tanba_module_ref (module);
  G_UNLOCK (loaded_modules);

  return module;
}

TanbaModule *
tanba_module_ref (TanbaModule *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
tanba_module_unref (TanbaModule *self)
{
  if (self == NULL)
    return;
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  /* Only reached for a module that failed to load: loaded ones stay referenced
   * by the table above. */
  g_assert (self->p11 == NULL);
  if (self->handle != NULL)
    dlclose (self->handle);
  g_rec_mutex_clear (&self->lock);
  g_free (self->path);
  g_free (self);
}

const char *
tanba_module_get_path (TanbaModule *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->path;
}

CK_FUNCTION_LIST *
tanba_module_get_functions (TanbaModule *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->functions;
}

void
tanba_module_lock (TanbaModule *self)
{
  g_rec_mutex_lock (&self->lock);
}

void
tanba_module_unlock (TanbaModule *self)
{
  g_rec_mutex_unlock (&self->lock);
}

GArray *
tanba_module_get_token_slots (TanbaModule  *self,
                              GError      **error)
{
  g_autoptr(GArray) slots = g_array_new (FALSE, TRUE, sizeof (gulong));
  g_autofree CK_SLOT_ID *ids = NULL;
  CK_ULONG count = 0;
  CK_RV rv;

  g_return_val_if_fail (self != NULL, NULL);

  /* The slot count may change between the two calls (hot-plug): retry. */
  for (int attempt = 0; attempt < 5; attempt++)
    {
      rv = self->functions->C_GetSlotList (CK_TRUE, NULL, &count);
      if (rv != CKR_OK)
        break;
      g_clear_pointer (&ids, g_free);
      ids = g_new0 (CK_SLOT_ID, MAX (count, 1));
      rv = self->functions->C_GetSlotList (CK_TRUE, ids, &count);
      if (rv != CKR_BUFFER_TOO_SMALL)
        break;
    }
  if (rv != CKR_OK)
    {
      tanba_token_set_error_from_rv (error, rv, _("Listing the connected tokens"));
      return NULL;
    }
  for (CK_ULONG i = 0; i < count; i++)
    {
      gulong id = ids[i];
      g_array_append_val (slots, id);
    }
  return g_steal_pointer (&slots);
}

void
tanba_module_forget_p11_slots (TanbaModule *self)
{
  if (self->p11_slots != NULL)
    PKCS11_release_all_slots (self->p11, self->p11_slots, self->n_p11_slots);
  self->p11_slots = NULL;
  self->n_p11_slots = 0;
}

static PKCS11_SLOT *
lookup_p11_slot (TanbaModule *self,
                 gulong       slot_id)
{
  for (unsigned int i = 0; i < self->n_p11_slots; i++)
    if (PKCS11_get_slotid_from_slot (&self->p11_slots[i]) == slot_id)
      return &self->p11_slots[i];
  return NULL;
}

PKCS11_SLOT *
tanba_module_find_p11_slot (TanbaModule  *self,
                            gulong        slot_id,
                            GError      **error)
{
  PKCS11_SLOT *slot = lookup_p11_slot (self, slot_id);

  if (slot == NULL || slot->token == NULL)
    {
      /* libp11 0.4.12: PKCS11_update_slots crashes on a non-empty list;
       * release and enumerate instead. */
      tanba_module_forget_p11_slots (self);
      if (PKCS11_enumerate_slots (self->p11, &self->p11_slots, &self->n_p11_slots) != 0)
        {
          self->p11_slots = NULL;
          self->n_p11_slots = 0;
          g_set_error (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_FAILED,
                       _("The PKCS#11 module could not list its slots."));
          return NULL;
        }
      slot = lookup_p11_slot (self, slot_id);
      /* The pool of libp11's sessions must be read-write, or an
       * administrator login fails later (CKR_SESSION_READ_ONLY_EXISTS). */
      if (slot != NULL)
        PKCS11_open_session (slot, 1);
    }
  if (slot == NULL || slot->token == NULL)
    {
      g_set_error (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_TOKEN_REMOVED,
                   _("The token was removed. Connect it again and repeat."));
      return NULL;
    }
  return slot;
}
