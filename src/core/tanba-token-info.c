/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-token-info.c: C_GetSlotInfo + C_GetTokenInfo in plain fields. */
#include "config.h"

#include <string.h>

#include "tanba-i18n.h"
#include "tanba-module.h"
#include "tanba-token-error.h"
#include "tanba-token-info.h"

/* PKCS#11 strings are fixed-size, blank-padded, not NUL-terminated. */
static char *
dup_padded (const CK_UTF8CHAR *text,
            gsize              size)
{
  gsize len = size;

  while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\0'))
    len--;
  if (!g_utf8_validate ((const char *) text, len, NULL))
    return g_utf8_make_valid ((const char *) text, len);
  return g_strndup ((const char *) text, len);
}

static gint64
memory_or_unknown (CK_ULONG value)
{
  if (value == CK_UNAVAILABLE_INFORMATION || value == CK_EFFECTIVELY_INFINITE)
    return -1;
  return (gint64) value;
}

TanbaTokenInfo *
tanba_token_info_query (TanbaModule *module,
                        gulong       slot_id,
                        GError     **error)
{
  CK_FUNCTION_LIST *f = tanba_module_get_functions (module);
  CK_SLOT_INFO slot_info = { 0, };
  CK_TOKEN_INFO token_info = { 0, };
  TanbaTokenInfo *info;
  CK_RV rv;

  rv = f->C_GetSlotInfo (slot_id, &slot_info);
  if (rv == CKR_OK && !(slot_info.flags & CKF_TOKEN_PRESENT))
    rv = CKR_TOKEN_NOT_PRESENT;
  if (rv == CKR_OK)
    rv = f->C_GetTokenInfo (slot_id, &token_info);
  if (rv != CKR_OK)
    {
      tanba_token_set_error_from_rv (error, rv, _("Reading the token’s information"));
      return NULL;
    }

  info = g_new0 (TanbaTokenInfo, 1);
  info->slot_id = slot_id;
  info->slot_description = dup_padded (slot_info.slotDescription, sizeof slot_info.slotDescription);
  info->removable = (slot_info.flags & CKF_REMOVABLE_DEVICE) != 0;
  info->label = dup_padded (token_info.label, sizeof token_info.label);
  info->manufacturer = dup_padded (token_info.manufacturerID, sizeof token_info.manufacturerID);
  info->model = dup_padded (token_info.model, sizeof token_info.model);
  info->serial = dup_padded (token_info.serialNumber, sizeof token_info.serialNumber);
  info->flags = token_info.flags;
  info->min_pin_len = token_info.ulMinPinLen;
  info->max_pin_len = token_info.ulMaxPinLen;
  info->free_memory = memory_or_unknown (token_info.ulFreePublicMemory);
  info->total_memory = memory_or_unknown (token_info.ulTotalPublicMemory);
  return info;
}

TanbaTokenInfo *
tanba_token_info_copy (const TanbaTokenInfo *info)
{
  TanbaTokenInfo *copy;

  g_return_val_if_fail (info != NULL, NULL);

  copy = g_memdup2 (info, sizeof *info);
  copy->slot_description = g_strdup (info->slot_description);
  copy->label = g_strdup (info->label);
  copy->manufacturer = g_strdup (info->manufacturer);
  copy->model = g_strdup (info->model);
  copy->serial = g_strdup (info->serial);
  return copy;
}

void
tanba_token_info_free (TanbaTokenInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->slot_description);
  g_free (info->label);
  g_free (info->manufacturer);
  g_free (info->model);
  g_free (info->serial);
  g_free (info);
}

gboolean
tanba_token_info_equal (const TanbaTokenInfo *a,
                        const TanbaTokenInfo *b)
{
  /* Free memory is left out: it changes with every object and is not a
   * change people need to hear about. */
  return a->slot_id == b->slot_id
      && a->flags == b->flags
      && a->removable == b->removable
      && g_strcmp0 (a->label, b->label) == 0
      && g_strcmp0 (a->serial, b->serial) == 0
      && g_strcmp0 (a->manufacturer, b->manufacturer) == 0
      && g_strcmp0 (a->model, b->model) == 0;
}

#define FLAG_GETTER(name, flag) \
  gboolean tanba_token_info_##name (const TanbaTokenInfo *info) \
  { \
    g_return_val_if_fail (info != NULL, FALSE); \
    return (info->flags & (flag)) != 0; \
  }

FLAG_GETTER (is_initialized, CKF_TOKEN_INITIALIZED)
FLAG_GETTER (user_pin_set, CKF_USER_PIN_INITIALIZED)
FLAG_GETTER (user_pin_count_low, CKF_USER_PIN_COUNT_LOW)
FLAG_GETTER (user_pin_final_try, CKF_USER_PIN_FINAL_TRY)
FLAG_GETTER (user_pin_locked, CKF_USER_PIN_LOCKED)
FLAG_GETTER (user_pin_to_be_changed, CKF_USER_PIN_TO_BE_CHANGED)
FLAG_GETTER (so_pin_count_low, CKF_SO_PIN_COUNT_LOW)
FLAG_GETTER (so_pin_final_try, CKF_SO_PIN_FINAL_TRY)
FLAG_GETTER (so_pin_locked, CKF_SO_PIN_LOCKED)
FLAG_GETTER (so_pin_to_be_changed, CKF_SO_PIN_TO_BE_CHANGED)

#undef FLAG_GETTER

gboolean
tanba_token_info_is_factory_empty (const TanbaTokenInfo *info)
{
  g_return_val_if_fail (info != NULL, FALSE);
  return tanba_token_info_is_initialized (info) && info->label[0] == '\0';
}

char *
tanba_token_info_dup_display_label (const TanbaTokenInfo *info)
{
  g_return_val_if_fail (info != NULL, NULL);
  if (info->label[0] == '\0')
    return g_strdup (_("<no label>"));
  return g_strdup (info->label);
}

GPtrArray *
tanba_token_info_list (TanbaModule *module,
                       GError     **error)
{
  g_autoptr(GPtrArray) tokens = g_ptr_array_new_with_free_func ((GDestroyNotify) tanba_token_info_free);
  g_autoptr(GArray) slots = NULL;

  g_return_val_if_fail (module != NULL, NULL);

  slots = tanba_module_get_token_slots (module, error);
  if (slots == NULL)
    return NULL;
  for (guint i = 0; i < slots->len; i++)
    {
      g_autoptr(GError) local_error = NULL;
      TanbaTokenInfo *info = tanba_token_info_query (module, g_array_index (slots, gulong, i), &local_error);

      /* A token pulled out between the two calls is simply not there. */
      if (info == NULL)
        {
          if (!g_error_matches (local_error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_TOKEN_REMOVED))
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return NULL;
            }
          continue;
        }
      g_ptr_array_add (tokens, info);
    }
  return g_steal_pointer (&tokens);
}
