/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "tanba-i18n.h"
#include "tanba-key-value.h"
#include "tanba-registration-journal.h"

#define GROUP "journal"
#define MAX_JOURNAL_SIZE (64 * 1024)

TanbaRegistrationMarker *
tanba_registration_marker_copy (const TanbaRegistrationMarker *marker)
{
  TanbaRegistrationMarker *copy;

  g_return_val_if_fail (marker != NULL, NULL);
  copy = g_new0 (TanbaRegistrationMarker, 1);
  copy->step = g_strdup (marker->step);
  copy->user_id = g_strdup (marker->user_id);
  copy->started = g_strdup (marker->started);
  copy->updated = g_strdup (marker->updated);
  copy->signing_key_id = g_strdup (marker->signing_key_id);
  copy->authentication_key_id = g_strdup (marker->authentication_key_id);
  copy->algorithm = g_strdup (marker->algorithm);
  copy->term_years = marker->term_years;
  return copy;
}

TanbaRegistrationJournal *
tanba_registration_journal_new (const char *serial)
{
  TanbaRegistrationJournal *journal = g_new0 (TanbaRegistrationJournal, 1);

  journal->serial = g_strdup (serial);
  journal->status = g_strdup ("running");
  journal->marker = tanba_registration_marker_new ();
  journal->history = g_ptr_array_new_with_free_func (g_free);
  return journal;
}

void
tanba_registration_journal_free (TanbaRegistrationJournal *journal)
{
  if (journal == NULL)
    return;
  g_free (journal->serial);
  g_free (journal->token_label);
  g_free (journal->status);
  g_free (journal->running_step);
  g_free (journal->last_error);
  tanba_registration_marker_free (journal->marker);
  g_ptr_array_unref (journal->history);
  g_free (journal);
}

char *
tanba_registration_journal_path (const char *serial)
{
  g_autofree char *safe = g_strdup (serial != NULL && serial[0] != '\0' ? serial : "unknown");
  g_autofree char *name = NULL;

  for (char *p = safe; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p))
      *p = '_';
  name = g_strdup_printf ("registration-%s.ini", safe);
  return g_build_filename (g_get_user_state_dir (), "tanba", name, NULL);
}

void
tanba_registration_journal_add (TanbaRegistrationJournal *journal,
                                const char               *step,
                                const char               *state)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *time = g_date_time_format_iso8601 (now);

  g_ptr_array_add (journal->history, g_strdup_printf ("%s %s %s", time, step, state));
  while (journal->history->len > TANBA_JOURNAL_MAX_HISTORY)
    g_ptr_array_remove_index (journal->history, 0);
}

char *
tanba_registration_journal_to_data (const TanbaRegistrationJournal *journal,
                                    gsize                          *length)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autofree char *marker_data = NULL;
  g_autofree char *journal_data = NULL;
  gsize marker_length = 0;

  g_key_file_set_integer (file, GROUP, "version", 1);
  tanba_key_value_set_optional (file, GROUP, "serial", journal->serial);
  tanba_key_value_set_optional (file, GROUP, "token-label", journal->token_label);
  tanba_key_value_set_optional (file, GROUP, "status", journal->status);
  tanba_key_value_set_optional (file, GROUP, "running-step", journal->running_step);
  tanba_key_value_set_optional (file, GROUP, "last-error", journal->last_error);
  if (journal->history->len > 0)
    g_key_file_set_string_list (file, GROUP, "history",
                                (const char * const *) journal->history->pdata,
                                journal->history->len);
  journal_data = g_key_file_to_data (file, NULL, NULL);
  /* The marker's own group follows, in the marker's format. */
  marker_data = tanba_registration_marker_to_data (journal->marker, &marker_length);
  {
    char *text = g_strconcat (journal_data, "\n", marker_data, NULL);

    if (length != NULL)
      *length = strlen (text);
    return text;
  }
}

TanbaRegistrationJournal *
tanba_registration_journal_parse (const char  *data,
                                  gsize        length,
                                  GError     **error)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(TanbaRegistrationJournal) journal = NULL;
  g_auto(GStrv) history = NULL;
  gsize n_history = 0;

  g_return_val_if_fail (data != NULL || length == 0, NULL);

  if (data == NULL || length > MAX_JOURNAL_SIZE || memchr (data, '\0', length) != NULL
      || !g_key_file_load_from_data (file, data, length, G_KEY_FILE_NONE, NULL)
      || !g_key_file_has_group (file, GROUP))
    {
      g_set_error_literal (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                           _("The registration journal on this computer is damaged. The registration continues from what the token says."));
      return NULL;
    }
  journal = g_new0 (TanbaRegistrationJournal, 1);
  journal->history = g_ptr_array_new_with_free_func (g_free);
  journal->serial = tanba_key_value_get_optional (file, GROUP, "serial");
  journal->token_label = tanba_key_value_get_optional (file, GROUP, "token-label");
  journal->status = tanba_key_value_get_optional (file, GROUP, "status");
  journal->running_step = tanba_key_value_get_optional (file, GROUP, "running-step");
  journal->last_error = tanba_key_value_get_optional (file, GROUP, "last-error");
  if (journal->status == NULL)
    journal->status = g_strdup ("running");
  history = g_key_file_get_string_list (file, GROUP, "history", &n_history, NULL);
  for (gsize i = 0; history != NULL && i < n_history && i < TANBA_JOURNAL_MAX_HISTORY; i++)
    g_ptr_array_add (journal->history, g_strdup (history[i]));

  /* The marker part: its group within the same text. */
  g_key_file_remove_group (file, GROUP, NULL);
  {
    g_autofree char *marker_data = NULL;
    gsize marker_length = 0;

    marker_data = g_key_file_to_data (file, &marker_length, NULL);
    journal->marker = tanba_registration_marker_parse (marker_data, marker_length, NULL);
    if (journal->marker == NULL)
      journal->marker = tanba_registration_marker_new ();
  }
  return g_steal_pointer (&journal);
}

TanbaRegistrationJournal *
tanba_registration_journal_load (const char  *serial,
                                 GError     **error)
{
  g_autofree char *path = tanba_registration_journal_path (serial);
  g_autofree char *data = NULL;
  g_autoptr(GError) local_error = NULL;
  gsize length = 0;

  if (!g_file_get_contents (path, &data, &length, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return NULL;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  return tanba_registration_journal_parse (data, length, error);
}

gboolean
tanba_registration_journal_save (const TanbaRegistrationJournal *journal,
                                 GError                        **error)
{
  g_autofree char *path = tanba_registration_journal_path (journal->serial);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *data = tanba_registration_journal_to_data (journal, NULL);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _("Cannot create the folder %s for the registration journal: %s"),
                   dir, g_strerror (saved));
      return FALSE;
    }
  /* Temporary file, fsync, rename: a crash leaves the old or the new journal. */
  return g_file_set_contents_full (path, data, -1,
                                   G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                   0600, error);
}
