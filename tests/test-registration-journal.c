/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The registration journal: round trip, atomic replace, private file mode,
 * damaged input refused with words, and the marker's own damaged-data rule. */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "tanba-registration-journal.h"

static void
test_round_trip (void)
{
  g_autoptr(TanbaRegistrationJournal) journal = tanba_registration_journal_new ("0a1B/..\\x");
  g_autoptr(TanbaRegistrationJournal) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = tanba_registration_journal_path ("0a1B/..\\x");
  GStatBuf st;

  /* The serial cannot lead the file out of the folder. */
  g_assert_true (g_str_has_suffix (path, "/tanba/registration-0a1B____x.ini"));
  g_assert_true (g_str_has_prefix (path, g_get_user_state_dir ()));

  journal->token_label = g_strdup ("Office-1");
  journal->running_step = g_strdup ("signing-key");
  journal->last_error = g_strdup ("The server could not be reached; line\nbreak and = sign");
  journal->marker->user_id = g_strdup ("qq111111_qwertyui");
  journal->marker->signing_key_id = g_strdup ("00112233445566778899aabbccddeeff");
  journal->marker->algorithm = g_strdup ("p256");
  journal->marker->term_years = 3;
  for (guint i = 0; i < TANBA_JOURNAL_MAX_HISTORY + 10; i++)
    tanba_registration_journal_add (journal, "signing-key", i % 2 ? "running" : "done");
  g_assert_cmpuint (journal->history->len, ==, TANBA_JOURNAL_MAX_HISTORY);

  g_assert_true (tanba_registration_journal_save (journal, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  loaded = tanba_registration_journal_load ("0a1B/..\\x", &error);
  g_assert_no_error (error);
  g_assert_nonnull (loaded);
  g_assert_cmpstr (loaded->serial, ==, "0a1B/..\\x");
  g_assert_cmpstr (loaded->token_label, ==, "Office-1");
  g_assert_cmpstr (loaded->running_step, ==, "signing-key");
  g_assert_cmpstr (loaded->last_error, ==, journal->last_error);
  g_assert_cmpstr (loaded->marker->user_id, ==, "qq111111_qwertyui");
  g_assert_cmpstr (loaded->marker->signing_key_id, ==, "00112233445566778899aabbccddeeff");
  g_assert_cmpstr (loaded->marker->algorithm, ==, "p256");
  g_assert_cmpint (loaded->marker->term_years, ==, 3);
  g_assert_cmpuint (loaded->history->len, ==, TANBA_JOURNAL_MAX_HISTORY);

  /* Replaced as a whole: no temporary file is left beside it. */
  {
    g_autofree char *dir = g_path_get_dirname (path);
    g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
    const char *name;
    guint n = 0;

    while ((name = g_dir_read_name (d)) != NULL)
      n++;
    g_assert_cmpuint (n, ==, 1);
  }
}

static void
test_missing_and_damaged (void)
{
  g_autoptr(GError) error = NULL;
  static const char *damaged[] = {
    "", "not a key file", "[journal\nstatus=done", "[other]\nx=1\n",
  };

  g_assert_null (tanba_registration_journal_load ("no-such-serial", &error));
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (damaged); i++)
    {
      g_assert_null (tanba_registration_journal_parse (damaged[i], strlen (damaged[i]), &error));
      g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL);
      g_assert_nonnull (strstr (error->message, "damaged"));
      g_clear_error (&error);
    }
  /* A NUL inside, and an oversized text. */
  g_assert_null (tanba_registration_journal_parse ("[journal]\0x", 11, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  {
    gsize n = 100 * 1024;
    g_autofree char *big = g_malloc (n);

    memset (big, 'a', n);
    g_assert_null (tanba_registration_journal_parse (big, n, &error));
    g_assert_nonnull (error);
    g_clear_error (&error);
  }
  /* A journal whose marker part is broken still loads, with a fresh marker. */
  {
    const char *text = "[journal]\nstatus=failed\nrunning-step=personalized\ntoken-label=X\n[registration]\nterm-years=zz\n";
    g_autoptr(TanbaRegistrationJournal) j = tanba_registration_journal_parse (text, strlen (text), &error);

    g_assert_no_error (error);
    g_assert_cmpstr (j->status, ==, "failed");
    g_assert_cmpstr (j->running_step, ==, "personalized");
    g_assert_nonnull (j->marker);
    g_assert_cmpint (j->marker->term_years, ==, 1);
  }
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *dir = g_dir_make_tmp ("tanba-journal-XXXXXX", NULL);
  int status;

  g_setenv ("XDG_STATE_HOME", dir, TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/journal/round-trip", test_round_trip);
  g_test_add_func ("/journal/missing-and-damaged", test_missing_and_damaged);
  status = g_test_run ();
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
    g_assert_cmpint (system (cmd), ==, 0);
  }
  return status;
}
