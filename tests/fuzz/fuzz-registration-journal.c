/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-registration-journal.c: the registration journal (a key file on this
 * computer, tanba_registration_journal_parse) from hostile bytes. What parses
 * must write out and parse again to the same thing. */
#include "config.h"

#include "fuzz-common.h"
#include "tanba-registration-journal.h"

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
  g_autoptr(TanbaRegistrationJournal) journal = NULL;
  g_autoptr(TanbaRegistrationJournal) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *text_again = NULL;
  gsize length = 0, length_again = 0;

  journal = tanba_registration_journal_parse ((const char *) data, size, &error);
  if (journal == NULL)
    {
      g_assert_nonnull (error);
      return 0;
    }
  g_assert_no_error (error);
  g_assert_nonnull (journal->marker);
  g_assert_nonnull (journal->status);
  g_assert_cmpuint (journal->history->len, <=, TANBA_JOURNAL_MAX_HISTORY);

  text = tanba_registration_journal_to_data (journal, &length);
  g_assert_cmpuint (length, ==, strlen (text));
  again = tanba_registration_journal_parse (text, length, &error);
  g_assert_no_error (error);
  g_assert_nonnull (again);
  text_again = tanba_registration_journal_to_data (again, &length_again);
  g_assert_cmpstr (text, ==, text_again);

  tanba_registration_journal_add (journal, "fuzz", "done");
  g_assert_cmpuint (journal->history->len, <=, TANBA_JOURNAL_MAX_HISTORY);
  return 0;
}
