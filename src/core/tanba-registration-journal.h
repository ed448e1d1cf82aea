/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-registration-journal.h: the registration's journal on the computer.
 *
 * One small key file per token serial under $XDG_STATE_HOME/tanba/
 * ("registration-SERIAL.ini"), replaced atomically (write to a temporary
 * file, fsync, rename) on each change. It repeats what the token's marker
 * says, plus what the marker cannot say: the step that was running when the
 * program stopped, the last error in words and a short history. No secrets. */
#pragma once

#include <glib.h>

#include "tanba-registration-marker.h"

G_BEGIN_DECLS

typedef struct
{
  char                    *serial;
  char                    *token_label;   /* the label the registration gives the token */
  char                    *status;        /* "running", "failed", "cancelled" or "done" */
  char                    *running_step;  /* the step started last, or NULL */
  char                    *last_error;    /* translated text, or NULL */
  TanbaRegistrationMarker *marker;        /* never NULL */
  GPtrArray               *history;       /* char*: "TIME STEP STATE" lines, oldest first */
} TanbaRegistrationJournal;

#define TANBA_JOURNAL_MAX_HISTORY 64

TanbaRegistrationJournal *tanba_registration_journal_new   (const char *serial);
void      tanba_registration_journal_free   (TanbaRegistrationJournal *journal);

/* The file for @serial (characters other than letters and digits become "_"). */
char     *tanba_registration_journal_path   (const char *serial);

/* NULL with no error when there is no journal for @serial. */
TanbaRegistrationJournal *tanba_registration_journal_load (const char  *serial,
                                                           GError     **error);
TanbaRegistrationJournal *tanba_registration_journal_parse (const char  *data,
                                                            gsize        length,
                                                            GError     **error);
char     *tanba_registration_journal_to_data (const TanbaRegistrationJournal *journal,
                                              gsize                          *length);

/* Adds a history line (dropping the oldest beyond the maximum). */
void      tanba_registration_journal_add    (TanbaRegistrationJournal *journal,
                                             const char               *step,
                                             const char               *state);
gboolean  tanba_registration_journal_save   (const TanbaRegistrationJournal *journal,
                                             GError                        **error);

/* A deep copy of @marker. */
TanbaRegistrationMarker *tanba_registration_marker_copy (const TanbaRegistrationMarker *marker);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TanbaRegistrationJournal, tanba_registration_journal_free)

G_END_DECLS
