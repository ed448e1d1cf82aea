/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-wizard-keyfile: the registration data page against the reference
 * server's demo key files: a good key file, a wrong OTP PIN (error 0200040
 * with its Details), the look-alike recovery, another user's key file, a
 * legacy-encrypted file and a file that is no key file. */
#include "config.h"

#include <string.h>

#include "tanba-gui-test.h"
#include "tanba-key-file.h"
#include "tanba-test-refserver.h"
#include "pages/tanba-wizard-page-data.h"

static TanbaTestDemo *demo;

typedef struct
{
  TanbaWizardData *data;
  TanbaWizardPage *page;
  GtkWindow       *window;
  GtkWidget       *user_id;
  GtkWidget       *pin;
  GtkWidget       *key_file;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  user_data)
{
  f->data = tanba_wizard_data_new ();
  f->page = tanba_wizard_page_data_new (f->data);
  f->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_child (f->window, GTK_WIDGET (f->page));
  gtk_window_present (f->window);
  tanba_wizard_page_shown (f->page);
  f->user_id = tanba_gui_test_find_labelled (GTK_WIDGET (f->page), "_User ID:");
  f->pin = tanba_gui_test_find_labelled (GTK_WIDGET (f->page), "OTP _PIN:");
  f->key_file = tanba_gui_test_find_labelled (GTK_WIDGET (f->page), "_Key file:");
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  user_data)
{
  gtk_window_destroy (f->window);
  tanba_wizard_data_unref (f->data);
}

static TanbaTestDemoUser *
user (guint i)
{
  g_assert_cmpuint (i, <, demo->users->len);
  return g_ptr_array_index (demo->users, i);
}

static gboolean
apply (Fixture     *f,
       const char  *answer,
       char       **dialog_body,
       GError     **error)
{
  g_autofree char *heading = NULL;
  gboolean ok;

  g_assert_true (tanba_wizard_page_get_complete (f->page));
  ok = tanba_gui_test_apply_page (f->page, answer, &heading, dialog_body, 60000, error);
  if (answer != NULL)
    g_assert_cmpstr (heading, ==, "The key file opens with a similar PIN");
  return ok;
}

static void
fill (Fixture    *f,
      const char *user_id,
      const char *pin,
      const char *key_file)
{
  gtk_editable_set_text (GTK_EDITABLE (f->user_id), "");
  gtk_editable_set_text (GTK_EDITABLE (f->pin), "");
  gtk_editable_set_text (GTK_EDITABLE (f->key_file), "");
  tanba_gui_test_type (f->user_id, user_id);
  tanba_gui_test_type (f->pin, pin);
  tanba_gui_test_type (f->key_file, key_file);
}

static gboolean
focus_in (Fixture   *f,
          GtkWidget *widget)
{
  GtkWidget *focus = gtk_window_get_focus (f->window);

  return focus != NULL && (focus == widget || gtk_widget_is_ancestor (focus, widget));
}

static void
test_good (Fixture       *f,
           gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *lower = g_ascii_strdown (user (0)->otp_pin, -1);

  /* Typed in small letters: upper-cased as typed, and it opens. */
  fill (f, user (0)->user_id, lower, user (0)->key_file);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (f->pin)), ==, user (0)->otp_pin);
  g_assert_true (apply (f, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (f->data->user_id, ==, user (0)->user_id);
  g_assert_cmpstr (f->data->otp_pin, ==, user (0)->otp_pin);
  g_assert_cmpstr (f->data->key_file, ==, user (0)->key_file);
  g_assert_null (f->data->key_password);
  g_assert_cmpstr (f->data->certified_user_id, ==, user (0)->user_id);
}

static void
test_wrong_pin (Fixture       *f,
                gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  GtkWidget *expander, *details;

  fill (f, user (0)->user_id, "ZZZZZZZZZZ2", user (0)->key_file);
  g_assert_false (apply (f, NULL, NULL, &error));
  g_assert_error (error, TANBA_KEY_FILE_ERROR, TANBA_KEY_FILE_ERROR_BAD_PASSWORD);

  /* The bank's code, visible and spoken on the field, which is cleared and focused. */
  g_assert_nonnull (tanba_gui_test_find (GTK_WIDGET (f->page), GTK_TYPE_LABEL,
                                         "Error 0200040: invalid password or key container."));
  gtk_test_accessible_assert_property (f->pin, GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                       "Error 0200040: invalid password or key container. The Details part below says what to check.");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (f->pin)), ==, "");
  g_assert_true (focus_in (f, f->pin));
  g_assert_false (tanba_wizard_page_get_complete (f->page));

  /* The Details part: the guide's checks, reachable by keyboard. */
  expander = tanba_gui_test_find (GTK_WIDGET (f->page), GTK_TYPE_EXPANDER, "_Details");
  g_assert_nonnull (expander);
  g_assert_true (gtk_widget_get_visible (expander));
  details = gtk_expander_get_child (GTK_EXPANDER (expander));
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (details)), ==, tanba_key_file_bad_password_details ());
  gtk_test_accessible_assert_relation (expander, GTK_ACCESSIBLE_RELATION_DESCRIBED_BY, details, NULL);
  tanba_gui_test_assert_accessible (GTK_WIDGET (f->page));

  /* Typing again takes the error away once it succeeds. */
  tanba_gui_test_type (f->pin, user (0)->otp_pin);
  g_assert_true (apply (f, NULL, NULL, NULL));
  g_assert_false (gtk_widget_get_visible (expander));
  gtk_test_accessible_assert_property (f->pin, GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                       "The 11 characters on your OTP card, capital Latin letters and digits; small letters become capitals as you type.");
}

static char *
swap_lookalikes (const char *pin)
{
  char *swapped = g_strdup (pin);

  for (char *p = swapped; *p != '\0'; p++)
    if (*p == '1')
      *p = 'I';
    else if (*p == 'O')
      *p = '0';
  return swapped;
}

static void
test_lookalike (Fixture       *f,
                gconstpointer  user_data)
{
  g_autofree char *typo = swap_lookalikes (user (1)->otp_pin);
  g_autofree char *body = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpstr (typo, !=, user (1)->otp_pin);

  /* Refused: the PIN as typed stays, to be typed again. */
  fill (f, user (1)->user_id, typo, user (1)->key_file);
  g_assert_false (apply (f, "retype", &body, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_nonnull (strstr (body, user (1)->otp_pin));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (f->pin)), ==, "");
  g_assert_null (f->data->otp_pin);

  /* Accepted: the PIN that opens the file is used. */
  tanba_gui_test_type (f->pin, typo);
  g_assert_true (apply (f, "use", NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (f->pin)), ==, user (1)->otp_pin);
  g_assert_cmpstr (f->data->otp_pin, ==, user (1)->otp_pin);
}

static void
test_wrong_user (Fixture       *f,
                 gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  const char *message;

  fill (f, user (2)->user_id, user (0)->otp_pin, user (0)->key_file);
  g_assert_false (apply (f, NULL, NULL, &error));
  g_assert_nonnull (error);
  message = error->message;
  g_test_message ("%s", message);
  /* The message names both users; it is on the user ID field. */
  g_assert_nonnull (strstr (message, user (0)->user_id));
  g_assert_nonnull (strstr (message, user (2)->user_id));
  gtk_test_accessible_assert_property (f->user_id, GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, message);
  g_assert_true (focus_in (f, f->user_id));
  g_assert_null (f->data->user_id);
}

static void
test_legacy (Fixture       *f,
             gconstpointer  user_data)
{
  fill (f, user (2)->user_id, user (2)->otp_pin, user (2)->key_file);
  g_assert_true (apply (f, NULL, NULL, NULL));
  g_assert_cmpstr (f->data->certified_user_id, ==, user (2)->user_id);
}

static void
test_not_a_key_file (Fixture       *f,
                     gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (demo->dir, "ca.crt", NULL);

  fill (f, user (0)->user_id, user (0)->otp_pin, path);
  g_assert_false (apply (f, NULL, NULL, &error));
  g_assert_error (error, TANBA_KEY_FILE_ERROR, TANBA_KEY_FILE_ERROR_NOT_PKCS12);
  g_assert_true (focus_in (f, f->key_file));
  gtk_test_accessible_assert_property (f->key_file, GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, error->message);
  /* Not a password problem: the PIN stays. */
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (f->pin)), ==, user (0)->otp_pin);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *dir = NULL;
  int status;

  tanba_gui_test_init (&argc, &argv);
  dir = tanba_test_make_tmp_dir ();
  demo = tanba_test_demo_new (dir, NULL);

  g_test_add ("/wizard/keyfile/good", Fixture, NULL, fixture_setup, test_good, fixture_teardown);
  g_test_add ("/wizard/keyfile/wrong-pin", Fixture, NULL, fixture_setup, test_wrong_pin, fixture_teardown);
  g_test_add ("/wizard/keyfile/lookalike", Fixture, NULL, fixture_setup, test_lookalike, fixture_teardown);
  g_test_add ("/wizard/keyfile/wrong-user", Fixture, NULL, fixture_setup, test_wrong_user, fixture_teardown);
  g_test_add ("/wizard/keyfile/legacy", Fixture, NULL, fixture_setup, test_legacy, fixture_teardown);
  g_test_add ("/wizard/keyfile/not-a-key-file", Fixture, NULL, fixture_setup, test_not_a_key_file, fixture_teardown);

  status = g_test_run ();
  tanba_test_demo_free (demo);
  tanba_test_remove_tree (dir);
  return status;
}
