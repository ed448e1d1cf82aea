/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-token.c: opening a token, logging in and out, PINs, format, name.
 *
 * Login, PIN and format calls are raw PKCS#11 on the token's own session:
 * libp11 0.4.12 keeps its own idea of the login state (PKCS11_login does
 * nothing when either role is logged in, and its logout can fail without
 * resetting that state), which is wrong as soon as a PIN is mistyped. The
 * PKCS#11 login is per application, so libp11's keys (tanba-token-objects.c)
 * sign under the login made here. */
#include "config.h"

#include <string.h>

#include "tanba-i18n.h"
#include "tanba-input-rules.h"
#include "tanba-registration-marker.h"
#include "tanba-token-error.h"
#include "tanba-token-private.h"

static TanbaToken *
tanba_token_new (TanbaModule          *module,
                 const TanbaTokenInfo *info,
                 GError              **error)
{
  TanbaToken *self;
  PKCS11_SLOT *slot;

  /* Bring libp11's view of the slots up to date now, before anybody logs in:
   * re-enumerating later would close every session (and so log out). */
  tanba_module_lock (module);
  slot = tanba_module_find_p11_slot (module, info->slot_id, error);
  tanba_module_unlock (module);
  if (slot == NULL)
    return NULL;

  self = g_new0 (TanbaToken, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->module = tanba_module_ref (module);
  self->serial = g_strdup (info->serial);
  self->slot_id = info->slot_id;
  self->session = CK_INVALID_HANDLE;
  return self;
}

TanbaToken *
tanba_token_open_slot (TanbaModule  *module,
                       gulong        slot_id,
                       GError      **error)
{
  g_autoptr(TanbaTokenInfo) info = NULL;

  g_return_val_if_fail (module != NULL, NULL);

  info = tanba_token_info_query (module, slot_id, error);
  if (info == NULL)
    return NULL;
  return tanba_token_new (module, info, error);
}

static gboolean
token_matches (const TanbaTokenInfo *info,
               const char           *selector)
{
  if (g_str_has_prefix (selector, "slot:"))
    {
      guint64 id;

      return g_ascii_string_to_unsigned (selector + 5, 10, 0, G_MAXULONG, &id, NULL)
          && id == info->slot_id;
    }
  return g_strcmp0 (info->serial, selector) == 0
      || g_strcmp0 (info->label, selector) == 0;
}

TanbaToken *
tanba_token_open (TanbaModule  *module,
                  const char   *selector,
                  GError      **error)
{
  g_autoptr(GPtrArray) tokens = NULL;
  TanbaTokenInfo *found = NULL;

  g_return_val_if_fail (module != NULL, NULL);

  tokens = tanba_token_info_list (module, error);
  if (tokens == NULL)
    return NULL;

  if (selector == NULL || selector[0] == '\0')
    {
      if (tokens->len == 0)
        {
          g_set_error (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_NO_TOKEN,
                       _("No token is connected. Connect your token to a USB port and try again."));
          return NULL;
        }
      found = g_ptr_array_index (tokens, 0);
      if (tokens->len > 1)
        {
          /* An uninitialized slot (SoftHSM's free one, some readers' empty
           * one) is no choice to make: the one initialized token is it. */
          guint initialized = 0;

          for (guint i = 0; i < tokens->len; i++)
            if (tanba_token_info_is_initialized (g_ptr_array_index (tokens, i)))
              {
                found = g_ptr_array_index (tokens, i);
                initialized++;
              }
          if (initialized != 1)
            {
              g_set_error (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_AMBIGUOUS,
                           _("%u tokens are connected. Say which one to use by its serial number (see the list of tokens)."),
                           tokens->len);
              return NULL;
            }
        }
    }
  else
    {
      for (guint i = 0; i < tokens->len; i++)
        {
          TanbaTokenInfo *info = g_ptr_array_index (tokens, i);

          if (!token_matches (info, selector))
            continue;
          if (found != NULL)
            {
              g_set_error (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_AMBIGUOUS,
                           _("More than one token matches “%s”. Use the serial number instead."),
                           selector);
              return NULL;
            }
          found = info;
        }
      if (found == NULL)
        {
          g_set_error (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_NO_TOKEN,
                       _("No connected token matches “%s”. Check that it is connected and that the serial number or label is right."),
                       selector);
          return NULL;
        }
    }
  return tanba_token_new (module, found, error);
}

TanbaToken *
tanba_token_ref (TanbaToken *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
tanba_token_unref (TanbaToken *self)
{
  if (self == NULL || !g_atomic_ref_count_dec (&self->ref_count))
    return;

  if (self->session != CK_INVALID_HANDLE)
    {
      tanba_module_lock (self->module);
      tanba_module_get_functions (self->module)->C_CloseSession (self->session);
      tanba_module_unlock (self->module);
    }
  tanba_module_unref (self->module);
  g_free (self->serial);
  g_free (self);
}

TanbaModule *
tanba_token_get_module (TanbaToken *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->module;
}

const char *
tanba_token_get_serial (TanbaToken *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->serial;
}

gulong
tanba_token_get_slot_id (TanbaToken *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->slot_id;
}

/* The module may move a token to another slot (SoftHSM does after
 * C_InitToken): find it again by its serial number. */
static gboolean
relocate (TanbaToken *self)
{
  g_autoptr(GPtrArray) tokens = tanba_token_info_list (self->module, NULL);

  if (tokens == NULL)
    return FALSE;
  for (guint i = 0; i < tokens->len; i++)
    {
      TanbaTokenInfo *info = g_ptr_array_index (tokens, i);

      if (g_strcmp0 (info->serial, self->serial) == 0)
        {
          self->slot_id = info->slot_id;
          return TRUE;
        }
    }
  return FALSE;
}

CK_SESSION_HANDLE
tanba_token_get_session (TanbaToken  *self,
                         GError     **error)
{
  CK_FUNCTION_LIST *f = tanba_module_get_functions (self->module);
  CK_SESSION_INFO session_info;
  CK_RV rv;

  if (self->session != CK_INVALID_HANDLE)
    {
      rv = f->C_GetSessionInfo (self->session, &session_info);
      if (rv == CKR_OK)
        return self->session;
      self->session = CK_INVALID_HANDLE;
      if (rv == CKR_DEVICE_REMOVED || rv == CKR_TOKEN_NOT_PRESENT)
        {
          tanba_token_set_error_from_rv (error, rv, _("Opening the token"));
          return CK_INVALID_HANDLE;
        }
    }

  rv = f->C_OpenSession (self->slot_id, CKF_SERIAL_SESSION | CKF_RW_SESSION,
                         NULL, NULL, &self->session);
  if ((rv == CKR_SLOT_ID_INVALID || rv == CKR_TOKEN_NOT_PRESENT
       || rv == CKR_TOKEN_NOT_RECOGNIZED) && relocate (self))
    rv = f->C_OpenSession (self->slot_id, CKF_SERIAL_SESSION | CKF_RW_SESSION,
                           NULL, NULL, &self->session);
  if (rv != CKR_OK)
    {
      self->session = CK_INVALID_HANDLE;
      tanba_token_set_error_from_rv (error, rv, _("Opening the token"));
      return CK_INVALID_HANDLE;
    }
  return self->session;
}

gboolean
tanba_token_fail (TanbaToken  *self,
                  GError     **error,
                  CK_RV        rv,
                  const char  *what)
{
  if (rv == CKR_SESSION_HANDLE_INVALID || rv == CKR_SESSION_CLOSED
      || rv == CKR_DEVICE_REMOVED || rv == CKR_TOKEN_NOT_PRESENT)
    self->session = CK_INVALID_HANDLE;
  return tanba_token_set_error_from_rv (error, rv, what);
}

TanbaTokenInfo *
tanba_token_get_info (TanbaToken  *self,
                      GError     **error)
{
  TanbaTokenInfo *info;
  GError *local_error = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  tanba_module_lock (self->module);
  info = tanba_token_info_query (self->module, self->slot_id, &local_error);
  if (info != NULL && g_strcmp0 (info->serial, self->serial) != 0)
    {
      /* Another token now sits in the slot. */
      g_clear_pointer (&info, tanba_token_info_free);
    }
  if (info == NULL && relocate (self))
    {
      g_clear_error (&local_error);
      info = tanba_token_info_query (self->module, self->slot_id, &local_error);
    }
  tanba_module_unlock (self->module);

  if (info == NULL)
    {
      if (local_error == NULL)
        g_set_error (&local_error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_TOKEN_REMOVED,
                     _("The token was removed. Connect it again and repeat."));
      g_propagate_error (error, local_error);
    }
  return info;
}

TanbaRole
tanba_token_get_role (TanbaToken *self)
{
  CK_SESSION_INFO session_info;
  TanbaRole role = TANBA_ROLE_NONE;

  g_return_val_if_fail (self != NULL, TANBA_ROLE_NONE);

  tanba_module_lock (self->module);
  if (self->session != CK_INVALID_HANDLE
      && tanba_module_get_functions (self->module)->C_GetSessionInfo (self->session, &session_info) == CKR_OK)
    {
      if (session_info.state == CKS_RW_SO_FUNCTIONS)
        role = TANBA_ROLE_ADMIN;
      else if (session_info.state == CKS_RW_USER_FUNCTIONS || session_info.state == CKS_RO_USER_FUNCTIONS)
        role = TANBA_ROLE_USER;
    }
  tanba_module_unlock (self->module);
  return role;
}

/* After a failed login: the error says what the token's flags say now. */
static gboolean
fail_login (TanbaToken  *self,
            GError     **error,
            CK_RV        rv,
            TanbaRole    role)
{
  g_autoptr(TanbaTokenInfo) info = NULL;
  gboolean locked, final_try, count_low;

  if (rv != CKR_PIN_INCORRECT && rv != CKR_PIN_LOCKED)
    return tanba_token_fail (self, error, rv, _("Logging in to the token"));

  info = tanba_token_info_query (self->module, self->slot_id, NULL);
  if (info == NULL)
    return tanba_token_fail (self, error, rv, _("Logging in to the token"));

  if (role == TANBA_ROLE_ADMIN)
    {
      locked = tanba_token_info_so_pin_locked (info);
      final_try = tanba_token_info_so_pin_final_try (info);
      count_low = tanba_token_info_so_pin_count_low (info);
    }
  else
    {
      locked = tanba_token_info_user_pin_locked (info);
      final_try = tanba_token_info_user_pin_final_try (info);
      count_low = tanba_token_info_user_pin_count_low (info);
    }

  if (rv == CKR_PIN_LOCKED || locked)
    {
      if (role == TANBA_ROLE_ADMIN)
        g_set_error_literal (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_PIN_LOCKED,
                             _("The administrator PIN is locked after too many wrong attempts. The token can no longer be administered; contact your bank."));
      else
        g_set_error_literal (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_PIN_LOCKED,
                             _("The user PIN is locked after too many wrong attempts. Unblock it with the administrator PIN (Token control panel, “Unblock”)."));
    }
  else if (final_try)
    g_set_error_literal (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_PIN_INCORRECT,
                         role == TANBA_ROLE_ADMIN
                         ? _("The administrator PIN is wrong. Only one try is left: another wrong PIN locks it.")
                         : _("The PIN is wrong. Only one try is left: another wrong PIN locks the token."));
  else if (count_low)
    g_set_error_literal (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_PIN_INCORRECT,
                         role == TANBA_ROLE_ADMIN
                         ? _("The administrator PIN is wrong. Few tries are left before it locks.")
                         : _("The PIN is wrong. Few tries are left before the token locks it."));
  else
    g_set_error_literal (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_PIN_INCORRECT,
                         role == TANBA_ROLE_ADMIN
                         ? _("The administrator PIN is wrong. Check it and try again (by default it is 87654321).")
                         : _("The PIN is wrong. Check the keyboard layout and Caps Lock and try again."));
  return FALSE;
}

static gboolean
login_locked (TanbaToken  *self,
              TanbaRole    role,
              const char  *pin,
              GError     **error)
{
  CK_FUNCTION_LIST *f = tanba_module_get_functions (self->module);
  CK_SESSION_HANDLE session;
  CK_SESSION_INFO session_info;
  CK_RV rv;

  session = tanba_token_get_session (self, error);
  if (session == CK_INVALID_HANDLE)
    return FALSE;

  rv = f->C_GetSessionInfo (session, &session_info);
  if (rv != CKR_OK)
    return tanba_token_fail (self, error, rv, _("Logging in to the token"));
  if ((role == TANBA_ROLE_ADMIN && session_info.state == CKS_RW_SO_FUNCTIONS)
      || (role == TANBA_ROLE_USER && session_info.state == CKS_RW_USER_FUNCTIONS))
    return TRUE;
  if (session_info.state == CKS_RW_SO_FUNCTIONS || session_info.state == CKS_RW_USER_FUNCTIONS)
    f->C_Logout (session);

  rv = f->C_Login (session, role == TANBA_ROLE_ADMIN ? CKU_SO : CKU_USER,
                   (CK_UTF8CHAR_PTR) pin, strlen (pin));
  if (rv == CKR_USER_ALREADY_LOGGED_IN)
    rv = CKR_OK;
  if (rv != CKR_OK)
    return fail_login (self, error, rv, role);
  g_debug ("Logged in to token %s as %s", self->serial, role == TANBA_ROLE_ADMIN ? "administrator" : "user");
  return TRUE;
}

static void
logout_locked (TanbaToken *self)
{
  if (self->session != CK_INVALID_HANDLE)
    tanba_module_get_functions (self->module)->C_Logout (self->session);
}

gboolean
tanba_token_login (TanbaToken  *self,
                   TanbaRole    role,
                   const char  *pin,
                   GError     **error)
{
  gboolean ok;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (role == TANBA_ROLE_USER || role == TANBA_ROLE_ADMIN, FALSE);
  g_return_val_if_fail (pin != NULL, FALSE);

  tanba_module_lock (self->module);
  ok = login_locked (self, role, pin, error);
  tanba_module_unlock (self->module);
  return ok;
}

gboolean
tanba_token_logout (TanbaToken  *self,
                    GError     **error)
{
  CK_RV rv = CKR_OK;

  g_return_val_if_fail (self != NULL, FALSE);

  tanba_module_lock (self->module);
  if (self->session != CK_INVALID_HANDLE)
    rv = tanba_module_get_functions (self->module)->C_Logout (self->session);
  tanba_module_unlock (self->module);
  if (rv != CKR_OK && rv != CKR_USER_NOT_LOGGED_IN)
    return tanba_token_fail (self, error, rv, _("Logging out of the token"));
  return TRUE;
}

/* The token's own limits on PIN length, checked before the token is touched. */
static gboolean
check_pin_length (TanbaToken  *self,
                  const char  *pin,
                  GError     **error)
{
  g_autoptr(TanbaTokenInfo) info = tanba_token_info_query (self->module, self->slot_id, error);
  gsize len = strlen (pin);

  if (info == NULL)
    return FALSE;
  if ((info->min_pin_len > 0 && len < info->min_pin_len)
      || (info->max_pin_len > 0 && len > info->max_pin_len))
    {
      g_set_error (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_PIN_LENGTH,
                   _("The new PIN must be from %lu to %lu characters long. Nothing was changed."),
                   info->min_pin_len, info->max_pin_len);
      return FALSE;
    }
  return TRUE;
}

gboolean
tanba_token_change_pin (TanbaToken  *self,
                        TanbaRole    role,
                        const char  *old_pin,
                        const char  *new_pin,
                        GError     **error)
{
  CK_FUNCTION_LIST *f;
  gboolean ok = FALSE;
  CK_RV rv;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (role == TANBA_ROLE_USER || role == TANBA_ROLE_ADMIN, FALSE);
  g_return_val_if_fail (old_pin != NULL && new_pin != NULL, FALSE);

  f = tanba_module_get_functions (self->module);
  tanba_module_lock (self->module);
  if (check_pin_length (self, new_pin, error) && login_locked (self, role, old_pin, error))
    {
      rv = f->C_SetPIN (self->session, (CK_UTF8CHAR_PTR) old_pin, strlen (old_pin),
                        (CK_UTF8CHAR_PTR) new_pin, strlen (new_pin));
      if (rv == CKR_OK)
        ok = TRUE;
      else
        tanba_token_fail (self, error, rv, _("Changing the PIN"));
      logout_locked (self);
    }
  tanba_module_unlock (self->module);
  return ok;
}

gboolean
tanba_token_unblock_user_pin (TanbaToken  *self,
                              const char  *admin_pin,
                              const char  *new_user_pin,
                              GError     **error)
{
  gboolean ok = FALSE;
  CK_RV rv;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (admin_pin != NULL && new_user_pin != NULL, FALSE);

  tanba_module_lock (self->module);
  if (check_pin_length (self, new_user_pin, error)
      && login_locked (self, TANBA_ROLE_ADMIN, admin_pin, error))
    {
      rv = tanba_module_get_functions (self->module)->C_InitPIN (self->session,
                                                                 (CK_UTF8CHAR_PTR) new_user_pin,
                                                                 strlen (new_user_pin));
      if (rv == CKR_OK)
        ok = TRUE;
      else
        tanba_token_fail (self, error, rv, _("Unblocking the user PIN"));
      logout_locked (self);
    }
  tanba_module_unlock (self->module);
  return ok;
}

gboolean
tanba_token_format (TanbaToken  *self,
                    const char  *admin_pin,
                    const char  *label,
                    const char  *new_user_pin,
                    gboolean     force_unfinished,
                    GError     **error)
{
  g_autoptr(TanbaRegistrationMarker) marker = NULL;
  CK_FUNCTION_LIST *f;
  char padded[TANBA_PKCS11_LABEL_LEN + 1];
  GError *local_error = NULL;
  gboolean ok = FALSE;
  CK_RV rv;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (admin_pin != NULL && new_user_pin != NULL, FALSE);

  if (label == NULL)
    label = "";
  if (!tanba_token_name_validate (label, error)
      || !tanba_pkcs11_label_pad (label, padded, error))
    return FALSE;

  marker = tanba_registration_marker_read (self, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  if (marker != NULL && !tanba_registration_marker_is_finished (marker) && !force_unfinished)
    {
      g_set_error_literal (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_REGISTRATION_UNFINISHED,
                           _("The token cannot be formatted: a registration on it is unfinished, and formatting would destroy its keys. Continue the registration first."));
      return FALSE;
    }

  f = tanba_module_get_functions (self->module);
  tanba_module_lock (self->module);
  if (!check_pin_length (self, new_user_pin, error))
    goto out;

  /* C_InitToken needs every session of the slot closed, libp11's too. */
  f->C_CloseAllSessions (self->slot_id);
  self->session = CK_INVALID_HANDLE;
  rv = f->C_InitToken (self->slot_id, (CK_UTF8CHAR_PTR) admin_pin, strlen (admin_pin), (CK_UTF8CHAR_PTR) padded);
  if (rv != CKR_OK)
    {
      if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LOCKED)
        fail_login (self, error, rv, TANBA_ROLE_ADMIN);
      else
        tanba_token_fail (self, error, rv, _("Formatting the token"));
      goto out;
    }
  g_debug ("Token %s re-initialized", self->serial);

  /* The token may now be in another slot, and libp11's view is stale. */
  tanba_module_forget_p11_slots (self->module);
  relocate (self);
  if (!login_locked (self, TANBA_ROLE_ADMIN, admin_pin, error))
    goto out;
  rv = f->C_InitPIN (self->session, (CK_UTF8CHAR_PTR) new_user_pin, strlen (new_user_pin));
  logout_locked (self);
  if (rv != CKR_OK)
    {
      tanba_token_fail (self, error, rv, _("Setting the user PIN after formatting"));
      goto out;
    }
  ok = tanba_module_find_p11_slot (self->module, self->slot_id, error) != NULL;

out:
  tanba_module_unlock (self->module);
  return ok;
}

char *
tanba_token_dup_name (TanbaToken  *self,
                      GError     **error)
{
  g_autoptr(GBytes) stored = NULL;
  g_autoptr(TanbaTokenInfo) info = NULL;
  GError *local_error = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  stored = tanba_token_read_data (self, TANBA_DATA_DISPLAY_NAME, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }
  if (stored != NULL && g_bytes_get_size (stored) > 0)
    {
      gsize size;
      const char *data = g_bytes_get_data (stored, &size);

      if (g_utf8_validate (data, size, NULL))
        return g_strndup (data, size);
    }
  info = tanba_token_get_info (self, error);
  if (info == NULL)
    return NULL;
  return tanba_token_info_dup_display_label (info);
}

gboolean
tanba_token_set_name (TanbaToken  *self,
                      const char  *name,
                      GError     **error)
{
  g_autoptr(GBytes) value = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  if (!tanba_token_name_validate (name, error))
    return FALSE;
  if (name[0] == '\0')
    return tanba_token_delete_data (self, TANBA_DATA_DISPLAY_NAME, error);
  value = g_bytes_new (name, strlen (name));
  return tanba_token_write_data (self, TANBA_DATA_DISPLAY_NAME, value, error);
}
