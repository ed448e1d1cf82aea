/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-registration-marker.c: the registration state object on the token. */
#include "config.h"

#include <string.h>

#include "tanba-i18n.h"
#include "tanba-key-value.h"
#include "tanba-registration-marker.h"
#include "tanba-token-error.h"

#define GROUP "registration"
#define MAX_MARKER_SIZE 4096

TanbaRegistrationMarker *
tanba_registration_marker_new (void)
{
  TanbaRegistrationMarker *marker = g_new0 (TanbaRegistrationMarker, 1);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

  marker->step = g_strdup ("started");
  marker->started = g_date_time_format_iso8601 (now);
  marker->updated = g_strdup (marker->started);
  marker->term_years = 1;
  return marker;
}

void
tanba_registration_marker_free (TanbaRegistrationMarker *marker)
{
  if (marker == NULL)
    return;
  g_free (marker->step);
  g_free (marker->user_id);
  g_free (marker->started);
  g_free (marker->updated);
  g_free (marker->signing_key_id);
  g_free (marker->authentication_key_id);
  g_free (marker->algorithm);
  g_free (marker);
}

gboolean
tanba_registration_marker_is_finished (const TanbaRegistrationMarker *marker)
{
  g_return_val_if_fail (marker != NULL, FALSE);
  return g_strcmp0 (marker->step, "done") == 0;
}

char *
tanba_registration_marker_to_data (const TanbaRegistrationMarker *marker,
                                   gsize                         *length)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();

  g_return_val_if_fail (marker != NULL, NULL);

  g_key_file_set_integer (file, GROUP, "version", 1);
  tanba_key_value_set_optional (file, GROUP, "step", marker->step);
  tanba_key_value_set_optional (file, GROUP, "user-id", marker->user_id);
  tanba_key_value_set_optional (file, GROUP, "started", marker->started);
  tanba_key_value_set_optional (file, GROUP, "updated", marker->updated);
  tanba_key_value_set_optional (file, GROUP, "signing-key-id", marker->signing_key_id);
  tanba_key_value_set_optional (file, GROUP, "authentication-key-id", marker->authentication_key_id);
  tanba_key_value_set_optional (file, GROUP, "algorithm", marker->algorithm);
  g_key_file_set_integer (file, GROUP, "term-years", marker->term_years);
  return g_key_file_to_data (file, length, NULL);
}

TanbaRegistrationMarker *
tanba_registration_marker_parse (const char  *data,
                                 gsize        length,
                                 GError     **error)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(TanbaRegistrationMarker) marker = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (data != NULL || length == 0, NULL);

  if (length > MAX_MARKER_SIZE || memchr (data, '\0', length) != NULL
      || !g_key_file_load_from_data (file, data, length, G_KEY_FILE_NONE, &local_error)
      || !g_key_file_has_group (file, GROUP))
    {
      g_set_error_literal (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_FAILED,
                           _("The registration record on the token is damaged. Continue the registration to write it again."));
      return NULL;
    }
  marker = g_new0 (TanbaRegistrationMarker, 1);
  marker->step = tanba_key_value_get_optional (file, GROUP, "step");
  marker->user_id = tanba_key_value_get_optional (file, GROUP, "user-id");
  marker->started = tanba_key_value_get_optional (file, GROUP, "started");
  marker->updated = tanba_key_value_get_optional (file, GROUP, "updated");
  marker->signing_key_id = tanba_key_value_get_optional (file, GROUP, "signing-key-id");
  marker->authentication_key_id = tanba_key_value_get_optional (file, GROUP, "authentication-key-id");
  marker->algorithm = tanba_key_value_get_optional (file, GROUP, "algorithm");
  marker->term_years = g_key_file_get_integer (file, GROUP, "term-years", NULL);
  if (marker->step == NULL)
    marker->step = g_strdup ("started");
  if (marker->term_years < 1 || marker->term_years > 3)
    marker->term_years = 1;
  return g_steal_pointer (&marker);
}

TanbaRegistrationMarker *
tanba_registration_marker_read (TanbaToken  *token,
                                GError     **error)
{
  g_autoptr(GBytes) data = NULL;
  GError *local_error = NULL;
  gsize size;
  const char *bytes;

  data = tanba_token_read_data (token, TANBA_DATA_MARKER, &local_error);
  if (data == NULL)
    {
      if (local_error != NULL)
        g_propagate_error (error, local_error);
      return NULL;
    }
  bytes = g_bytes_get_data (data, &size);
  return tanba_registration_marker_parse (bytes != NULL ? bytes : "", size, error);
}

gboolean
tanba_registration_marker_write (TanbaToken                    *token,
                                 const TanbaRegistrationMarker *marker,
                                 GError                       **error)
{
  gsize length = 0;
  char *text = tanba_registration_marker_to_data (marker, &length);
  g_autoptr(GBytes) data = g_bytes_new_take (text, length);

  return tanba_token_write_data (token, TANBA_DATA_MARKER, data, error);
}

gboolean
tanba_registration_marker_delete (TanbaToken  *token,
                                  GError     **error)
{
  return tanba_token_delete_data (token, TANBA_DATA_MARKER, error);
}
