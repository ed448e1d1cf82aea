/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-registration-marker.c: the registration record read from a token's
 * data object (tanba_registration_marker_parse) from hostile bytes: whatever
 * a token holds. What parses must write out and parse again the same. */
#include "config.h"

#include "fuzz-common.h"
#include "tanba-registration-journal.h"
#include "tanba-registration-marker.h"

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
  g_autoptr(TanbaRegistrationMarker) marker = NULL;
  g_autoptr(TanbaRegistrationMarker) again = NULL;
  g_autoptr(TanbaRegistrationMarker) copy = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *text_again = NULL;
  g_autofree char *text_copy = NULL;
  gsize length = 0, length_again = 0, length_copy = 0;

  marker = tanba_registration_marker_parse ((const char *) data, size, &error);
  if (marker == NULL)
    {
      g_assert_nonnull (error);
      return 0;
    }
  g_assert_no_error (error);
  g_assert_nonnull (marker->step);
  g_assert_cmpint (marker->term_years, >=, 1);
  g_assert_cmpint (marker->term_years, <=, 3);
  (void) tanba_registration_marker_is_finished (marker);

  text = tanba_registration_marker_to_data (marker, &length);
  again = tanba_registration_marker_parse (text, length, &error);
  g_assert_no_error (error);
  g_assert_nonnull (again);
  text_again = tanba_registration_marker_to_data (again, &length_again);
  g_assert_cmpstr (text, ==, text_again);

  copy = tanba_registration_marker_copy (marker);
  text_copy = tanba_registration_marker_to_data (copy, &length_copy);
  g_assert_cmpstr (text, ==, text_copy);
  return 0;
}
