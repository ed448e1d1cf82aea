/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-wizard-pages: the wizard's pages and window without a token: roles,
 * names, relations, required fields, completeness and navigation. */
#include "config.h"

#include <string.h>
#include <p11-kit/pkcs11.h>

#include "tanba-gui-test.h"
#include "tanba-password-checklist.h"
#include "tanba-wizard-window.h"
#include "pages/tanba-wizard-page-connect.h"
#include "pages/tanba-wizard-page-password.h"
#include "pages/tanba-wizard-page-welcome.h"
#include "pages/tanba-wizard-page-data.h"
#include "pages/tanba-wizard-page-personalize.h"
#include "pages/tanba-wizard-page-confirm.h"
#include "pages/tanba-wizard-page-progress.h"
#include "pages/tanba-wizard-page-done.h"

typedef TanbaWizardPage *(*PageNew) (TanbaWizardData *data);

static const struct
{
  const char *name;
  PageNew     new_page;
  const char *title;
} pages[] = {
  { "connect", tanba_wizard_page_connect_new, "Connect the token" },
  { "password", tanba_wizard_page_password_new, "Token password" },
  { "welcome", tanba_wizard_page_welcome_new, "Welcome" },
  { "data", tanba_wizard_page_data_new, "Registration data" },
  { "personalize", tanba_wizard_page_personalize_new, "Token personalization" },
  { "confirm", tanba_wizard_page_confirm_new, "Confirmation" },
  { "progress", tanba_wizard_page_progress_new, "Creating the profile" },
  { "done", tanba_wizard_page_done_new, "Done" },
};

static TanbaWizardData *
data_without_module (void)
{
  TanbaWizardData *data = tanba_wizard_data_new ();

  data->module_error = g_strdup ("test: no module.");
  return data;
}

/* Holds a page in a window so that it is realized like in the wizard. */
static GtkWindow *
window_for (TanbaWizardPage *page)
{
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());

  gtk_window_set_child (window, GTK_WIDGET (page));
  return window;
}

static void
test_structure (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    {
      g_autoptr(TanbaWizardData) data = data_without_module ();
      TanbaWizardPage *page = pages[i].new_page (data);
      GtkWindow *window;
      GtkWidget *heading, *focus;

      g_test_message ("page %s", pages[i].name);
      g_object_ref_sink (page);
      window = window_for (page);
      tanba_wizard_page_shown (page);
      gtk_test_accessible_assert_role (page, GTK_ACCESSIBLE_ROLE_GROUP);
      g_assert_cmpstr (tanba_wizard_page_get_title (page), ==, pages[i].title);
      heading = tanba_wizard_page_get_heading (page);
      g_assert_nonnull (heading);
      g_assert_true (gtk_widget_is_ancestor (heading, GTK_WIDGET (page)));
      gtk_test_accessible_assert_relation (page, GTK_ACCESSIBLE_RELATION_LABELLED_BY, heading, NULL);
      focus = tanba_wizard_page_get_first_focus (page);
      g_assert_nonnull (focus);
      g_assert_true (gtk_widget_is_ancestor (focus, GTK_WIDGET (page)));
      g_assert_true (gtk_widget_get_focusable (focus) || GTK_IS_EDITABLE (focus));
      tanba_gui_test_assert_accessible (GTK_WIDGET (page));
      gtk_window_destroy (window);
      g_assert_finalize_object (page);
    }
}

static void
test_connect_without_module (void)
{
  g_autoptr(TanbaWizardData) data = data_without_module ();
  TanbaWizardPage *page = tanba_wizard_page_connect_new (data);
  GtkWindow *window = window_for (page);
  GtkWidget *list, *check, *term;

  list = tanba_gui_test_find_labelled (GTK_WIDGET (page), "_Tokens connected:");
  g_assert_true (GTK_IS_LIST_BOX (list));
  gtk_test_accessible_assert_property (list, GTK_ACCESSIBLE_PROPERTY_REQUIRED, TRUE);
  g_assert_cmpuint (tanba_wizard_page_connect_get_n_tokens (TANBA_WIZARD_PAGE_CONNECT (page)), ==, 0);
  /* The reason tokens cannot be listed is on the page. */
  g_assert_nonnull (tanba_gui_test_find (GTK_WIDGET (page), GTK_TYPE_LABEL, NULL));
  {
    GtkWidget *child;
    gboolean found = FALSE;

    for (child = gtk_widget_get_first_child (GTK_WIDGET (page)); child != NULL; child = gtk_widget_get_next_sibling (child))
      if (GTK_IS_LABEL (child) && gtk_widget_get_visible (child)
          && strstr (gtk_label_get_label (GTK_LABEL (child)), "test: no module.") != NULL)
        found = TRUE;
    g_assert_true (found);
  }

  check = tanba_gui_test_find (GTK_WIDGET (page), GTK_TYPE_CHECK_BUTTON, "_I have connected my token");
  g_assert_nonnull (check);
  gtk_test_accessible_assert_property (check, GTK_ACCESSIBLE_PROPERTY_REQUIRED, TRUE);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (check), TRUE);
  /* No token chosen: still not complete. */
  g_assert_false (tanba_wizard_page_get_complete (page));

  /* The term is a radio group named by its label; choosing sets the data. */
  term = tanba_gui_test_find (GTK_WIDGET (page), GTK_TYPE_CHECK_BUTTON, "_3 years");
  g_assert_nonnull (term);
  gtk_test_accessible_assert_role (gtk_widget_get_parent (term), GTK_ACCESSIBLE_ROLE_RADIO_GROUP);
  gtk_test_accessible_assert_role (term, GTK_ACCESSIBLE_ROLE_RADIO);
  gtk_test_accessible_assert_relation (gtk_widget_get_parent (term), GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                       tanba_gui_test_find (GTK_WIDGET (page), GTK_TYPE_LABEL, "Certificate term"), NULL);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (term), TRUE);
  g_assert_cmpuint (data->term_years, ==, 3);
  gtk_window_destroy (window);
}

static void
test_password_page (void)
{
  g_autoptr(TanbaWizardData) data = data_without_module ();
  TanbaWizardPage *page = tanba_wizard_page_password_new (data);
  GtkWindow *window = window_for (page);
  GtkWidget *entry, *label;

  entry = tanba_gui_test_find_labelled (GTK_WIDGET (page), "_Password of the token:");
  label = tanba_gui_test_find (GTK_WIDGET (page), GTK_TYPE_LABEL, "_Password of the token:");
  g_assert_true (GTK_IS_PASSWORD_ENTRY (entry));
  gtk_test_accessible_assert_relation (entry, GTK_ACCESSIBLE_RELATION_LABELLED_BY, label, NULL);
  gtk_test_accessible_assert_property (entry, GTK_ACCESSIBLE_PROPERTY_REQUIRED, TRUE);
  g_assert_true (gtk_test_accessible_has_relation (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_RELATION_DESCRIBED_BY));
  g_assert_false (gtk_password_entry_get_show_peek_icon (GTK_PASSWORD_ENTRY (entry)));
  g_assert_false (tanba_wizard_page_get_complete (page));
  tanba_gui_test_type (entry, "12345678");
  g_assert_true (tanba_wizard_page_get_complete (page));

  /* Shown again: an old password is never kept. */
  tanba_wizard_page_shown (page);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "");
  g_assert_false (tanba_wizard_page_get_complete (page));
  gtk_window_destroy (window);
}

static void
test_data_page (void)
{
  g_autoptr(TanbaWizardData) data = data_without_module ();
  TanbaWizardPage *page = tanba_wizard_page_data_new (data);
  GtkWindow *window = window_for (page);
  GtkWidget *user_id, *pin, *key_file, *same, *password, *browse;

  user_id = tanba_gui_test_find_labelled (GTK_WIDGET (page), "_User ID:");
  pin = tanba_gui_test_find_labelled (GTK_WIDGET (page), "OTP _PIN:");
  key_file = tanba_gui_test_find_labelled (GTK_WIDGET (page), "_Key file:");
  password = tanba_gui_test_find_labelled (GTK_WIDGET (page), "Key file pass_word:");
  same = tanba_gui_test_find (GTK_WIDGET (page), GTK_TYPE_CHECK_BUTTON, "Password is the _same as the PIN");
  browse = tanba_gui_test_find (GTK_WIDGET (page), GTK_TYPE_BUTTON, "B_rowse…");
  g_assert_nonnull (same);
  g_assert_nonnull (browse);
  g_assert_true (GTK_IS_PASSWORD_ENTRY (pin));
  g_assert_true (GTK_IS_PASSWORD_ENTRY (password));

  for (GtkWidget **w = (GtkWidget *[]) { user_id, pin, key_file, NULL }; *w != NULL; w++)
    {
      gtk_test_accessible_assert_property (*w, GTK_ACCESSIBLE_PROPERTY_REQUIRED, TRUE);
      g_assert_true (gtk_test_accessible_has_relation (GTK_ACCESSIBLE (*w), GTK_ACCESSIBLE_RELATION_LABELLED_BY));
      g_assert_true (gtk_test_accessible_has_relation (GTK_ACCESSIBLE (*w), GTK_ACCESSIBLE_RELATION_DESCRIBED_BY));
    }
  g_assert_false (gtk_test_accessible_has_property (GTK_ACCESSIBLE (browse), GTK_ACCESSIBLE_PROPERTY_LABEL));
  g_assert_true (gtk_test_accessible_has_property (GTK_ACCESSIBLE (browse), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION));

  /* The OTP PIN is upper-cased as typed. */
  tanba_gui_test_type (pin, "abcdefghjk2");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (pin)), ==, "ABCDEFGHJK2");
  g_assert_false (tanba_wizard_page_get_complete (page));
  tanba_gui_test_type (user_id, " qq111111_qwertyui ");
  g_assert_false (tanba_wizard_page_get_complete (page));
  tanba_gui_test_type (key_file, "/tmp/Key.pfx");
  g_assert_true (tanba_wizard_page_get_complete (page));

  /* A bad user ID (Cyrillic, a space inside) keeps Next off. */
  gtk_editable_set_text (GTK_EDITABLE (user_id), "qq11 1111");
  g_assert_false (tanba_wizard_page_get_complete (page));
  gtk_editable_set_text (GTK_EDITABLE (user_id), "qq111111_qwertyui");
  g_assert_true (tanba_wizard_page_get_complete (page));

  /* A short PIN keeps Next off. */
  gtk_editable_set_text (GTK_EDITABLE (pin), "ABC");
  g_assert_false (tanba_wizard_page_get_complete (page));
  gtk_editable_set_text (GTK_EDITABLE (pin), "ABCDEFGHJK2");

  /* A separate key file password: the field appears, required, and must be filled. */
  g_assert_false (gtk_widget_get_visible (password));
  gtk_check_button_set_active (GTK_CHECK_BUTTON (same), FALSE);
  g_assert_true (gtk_widget_get_visible (password));
  gtk_test_accessible_assert_property (password, GTK_ACCESSIBLE_PROPERTY_REQUIRED, TRUE);
  g_assert_false (tanba_wizard_page_get_complete (page));
  tanba_gui_test_type (password, "secret");
  g_assert_true (tanba_wizard_page_get_complete (page));
  gtk_check_button_set_active (GTK_CHECK_BUTTON (same), TRUE);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (password)), ==, "");
  g_assert_true (tanba_wizard_page_get_complete (page));
  gtk_window_destroy (window);
}

/* The GtkText that holds the OTP PIN field's text and its visibility. */
static gboolean
pin_visible (GtkWidget *pin)
{
  GtkEditable *text = gtk_editable_get_delegate (GTK_EDITABLE (pin));

  g_assert_true (GTK_IS_TEXT (text));
  return gtk_text_get_visibility (GTK_TEXT (text));
}

static GtkWidget *
mnemonic_label_of (GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *label = GTK_IS_LABEL (child) && gtk_label_get_use_underline (GTK_LABEL (child))
                         ? child : mnemonic_label_of (child);

      if (label != NULL)
        return label;
    }
  return NULL;
}

/* "Show the OTP PIN" (the guide's «Отображать» next to the PIN, Рис. 19):
 * an accessible check box right after the field, off by default, that shows
 * the PIN (to re-read I/1 and O/0 after error 0200040) and hides it again
 * when unchecked and when the page is left. */
static void
test_data_show_pin (void)
{
  g_autoptr(TanbaWizardData) data = data_without_module ();
  TanbaWizardWindow *window = tanba_wizard_window_new (NULL, data);
  TanbaWizardPage *page;
  GtkWidget *pin, *show, *label, *key_password;

  gtk_window_present (GTK_WINDOW (window));
  tanba_wizard_window_go_to (window, "data");
  page = tanba_wizard_window_get_page (window, "data");
  pin = tanba_gui_test_find_labelled (GTK_WIDGET (page), "OTP _PIN:");
  show = tanba_gui_test_find (GTK_WIDGET (page), GTK_TYPE_CHECK_BUTTON, "S_how the OTP PIN");
  g_assert_true (GTK_IS_PASSWORD_ENTRY (pin));
  g_assert_nonnull (show);
  /* Still no peek icon (not accessible in GTK 4.8): the check box instead. */
  g_assert_false (gtk_password_entry_get_show_peek_icon (GTK_PASSWORD_ENTRY (pin)));

  /* Right after the field: next in the focus order, as in the guide. */
  g_assert_true (gtk_widget_get_next_sibling (pin) == show);
  gtk_test_accessible_assert_role (show, GTK_ACCESSIBLE_ROLE_CHECKBOX);
  /* Named by its label without the underscore; Alt+H is its mnemonic. */
  gtk_test_accessible_assert_property (show, GTK_ACCESSIBLE_PROPERTY_LABEL, "Show the OTP PIN");
  {
    g_autofree char *name = tanba_gui_test_dup_name (show);

    g_assert_cmpstr (name, ==, "Show the OTP PIN");
  }
  label = mnemonic_label_of (show);
  g_assert_nonnull (label);
  g_assert_cmpuint (gdk_keyval_to_lower (gtk_label_get_mnemonic_keyval (GTK_LABEL (label))), ==, GDK_KEY_h);
  gtk_test_accessible_assert_property (show, GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                       "Shows the OTP PIN as typed, to check it against the OTP card: a digit 1 may be the letter I, a digit 0 the letter O.");
  gtk_test_accessible_assert_relation (show, GTK_ACCESSIBLE_RELATION_CONTROLS, pin, NULL);
  tanba_gui_test_assert_accessible (GTK_WIDGET (page));

  /* Off by default: the PIN is hidden. */
  g_assert_false (gtk_check_button_get_active (GTK_CHECK_BUTTON (show)));
  gtk_test_accessible_assert_state (show, GTK_ACCESSIBLE_STATE_CHECKED, GTK_ACCESSIBLE_TRISTATE_FALSE);
  tanba_gui_test_type (pin, "ab1");
  g_assert_false (pin_visible (pin));

  /* Alt+H: checked, the focus on it (so a screen reader says so), the PIN shown. */
  g_assert_true (gtk_widget_mnemonic_activate (label, FALSE));
  g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (show)));
  g_assert_true (gtk_widget_has_focus (show));
  gtk_test_accessible_assert_state (show, GTK_ACCESSIBLE_STATE_CHECKED, GTK_ACCESSIBLE_TRISTATE_TRUE);
  g_assert_true (pin_visible (pin));
  /* Small letters still become capitals as typed while shown. */
  tanba_gui_test_type (pin, "cdefghjk");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (pin)), ==, "AB1CDEFGHJK");

  /* Unchecked: hidden again. */
  gtk_check_button_set_active (GTK_CHECK_BUTTON (show), FALSE);
  g_assert_false (pin_visible (pin));
  gtk_check_button_set_active (GTK_CHECK_BUTTON (show), TRUE);
  g_assert_true (pin_visible (pin));

  /* Only the OTP PIN: the key file password stays hidden. */
  key_password = tanba_gui_test_find_labelled (GTK_WIDGET (page), "Key file pass_word:");
  g_assert_true (GTK_IS_PASSWORD_ENTRY (key_password));
  g_assert_false (pin_visible (key_password));

  /* Leaving the page hides it again, and it is off when the page comes back. */
  tanba_wizard_window_go_to (window, "welcome");
  g_assert_false (gtk_check_button_get_active (GTK_CHECK_BUTTON (show)));
  g_assert_false (pin_visible (pin));
  tanba_wizard_window_go_to (window, "data");
  g_assert_false (gtk_check_button_get_active (GTK_CHECK_BUTTON (show)));
  g_assert_false (pin_visible (pin));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (pin)), ==, "AB1CDEFGHJK");
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_personalize_page (void)
{
  g_autoptr(TanbaWizardData) data = data_without_module ();
  TanbaWizardPage *page = tanba_wizard_page_personalize_new (data);
  GtkWindow *window = window_for (page);
  GtkWidget *name, *password, *confirmation, *checklist;

  name = tanba_gui_test_find_labelled (GTK_WIDGET (page), "Token na_me (optional):");
  password = tanba_gui_test_find_labelled (GTK_WIDGET (page), "New _password:");
  confirmation = tanba_gui_test_find_labelled (GTK_WIDGET (page), "Con_firmation:");
  checklist = tanba_gui_test_find (GTK_WIDGET (page), TANBA_TYPE_PASSWORD_CHECKLIST, NULL);
  g_assert_nonnull (checklist);
  gtk_test_accessible_assert_relation (password, GTK_ACCESSIBLE_RELATION_DESCRIBED_BY, checklist, NULL);
  gtk_test_accessible_assert_relation (confirmation, GTK_ACCESSIBLE_RELATION_DESCRIBED_BY, checklist, NULL);
  gtk_test_accessible_assert_property (password, GTK_ACCESSIBLE_PROPERTY_REQUIRED, TRUE);
  gtk_test_accessible_assert_property (confirmation, GTK_ACCESSIBLE_PROPERTY_REQUIRED, TRUE);
  g_assert_false (gtk_test_accessible_has_property (GTK_ACCESSIBLE (name), GTK_ACCESSIBLE_PROPERTY_REQUIRED));

  tanba_wizard_page_shown (page);
  g_assert_false (tanba_wizard_page_get_complete (page));
  tanba_gui_test_type (password, "abc12345");
  /* The checklist's state is spoken with the field, never the password. */
  gtk_test_accessible_assert_property (password, GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                       "Not met: No three consecutive letters or digits, like 123 or cba");
  g_assert_false (tanba_wizard_page_get_complete (page));
  gtk_editable_set_text (GTK_EDITABLE (password), "Tanba2026x");
  tanba_gui_test_type (confirmation, "Tanba2026x");
  g_assert_true (tanba_wizard_page_get_complete (page));
  tanba_gui_test_type (name, "My token");
  g_assert_false (tanba_wizard_page_get_complete (page));
  g_assert_true (gtk_test_accessible_has_property (GTK_ACCESSIBLE (name), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION));
  gtk_editable_set_text (GTK_EDITABLE (name), "Director-1");
  g_assert_true (tanba_wizard_page_get_complete (page));
  gtk_window_destroy (window);
}

static void
test_checklist (void)
{
  GtkWidget *checklist = g_object_ref_sink (tanba_password_checklist_new ());
  TanbaPasswordChecklist *c = TANBA_PASSWORD_CHECKLIST (checklist);
  guint n_rows = 0;
  GtkWidget *first;

  gtk_test_accessible_assert_role (checklist, GTK_ACCESSIBLE_ROLE_LIST);
  gtk_test_accessible_assert_property (checklist, GTK_ACCESSIBLE_PROPERTY_LABEL, "Password rules");
  for (GtkWidget *row = gtk_widget_get_first_child (checklist); row != NULL; row = gtk_widget_get_next_sibling (row))
    if (gtk_widget_get_visible (row))
      {
        gtk_test_accessible_assert_role (row, GTK_ACCESSIBLE_ROLE_LIST_ITEM);
        n_rows++;
      }
  /* Without a maximum length: min length, characters, letter, digit, sequence, repeat, confirmation. */
  g_assert_cmpuint (n_rows, ==, 7);
  first = gtk_widget_get_first_child (checklist);
  gtk_test_accessible_assert_property (first, GTK_ACCESSIBLE_PROPERTY_LABEL, "At least 8 characters: not checked yet");

  tanba_password_checklist_update (c, "abc", "");
  g_assert_false (tanba_password_checklist_is_acceptable (c));
  gtk_test_accessible_assert_property (first, GTK_ACCESSIBLE_PROPERTY_LABEL, "At least 8 characters: not met");
  g_assert_true (g_str_has_prefix (tanba_password_checklist_get_summary (c), "Not met: "));

  tanba_password_checklist_update (c, "Tanba2026x", "Tanba2026y");
  g_assert_false (tanba_password_checklist_is_acceptable (c));
  tanba_password_checklist_update (c, "Tanba2026x", "Tanba2026x");
  g_assert_true (tanba_password_checklist_is_acceptable (c));
  gtk_test_accessible_assert_property (first, GTK_ACCESSIBLE_PROPERTY_LABEL, "At least 8 characters: met");
  g_assert_cmpstr (tanba_password_checklist_get_summary (c), ==, "All password rules are met.");

  /* A token maximum adds the rule; no confirmation drops one. */
  tanba_password_checklist_set_max_length (c, 16);
  tanba_password_checklist_update (c, "Tanba2026x", NULL);
  g_assert_true (tanba_password_checklist_is_acceptable (c));
  n_rows = 0;
  for (GtkWidget *row = gtk_widget_get_first_child (checklist); row != NULL; row = gtk_widget_get_next_sibling (row))
    n_rows += gtk_widget_get_visible (row);
  g_assert_cmpuint (n_rows, ==, 7);
  g_assert_finalize_object (checklist);
}

static void
test_confirm_page (void)
{
  g_autoptr(TanbaWizardData) data = data_without_module ();
  TanbaWizardPage *page;
  GtkWindow *window;
  GtkWidget *check, *summary;
  g_autofree char *expiry = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  data->user_id = g_strdup ("qq111111_qwertyui");
  data->token_name = g_strdup ("Director-1");
  data->term_years = 2;
  page = tanba_wizard_page_confirm_new (data);
  window = window_for (page);
  tanba_wizard_page_shown (page);
  check = tanba_gui_test_find (GTK_WIDGET (page), GTK_TYPE_CHECK_BUTTON, "_I confirm the data");
  g_assert_nonnull (check);
  gtk_test_accessible_assert_property (check, GTK_ACCESSIBLE_PROPERTY_REQUIRED, TRUE);
  summary = tanba_wizard_page_get_first_focus (page);
  g_assert_true (GTK_IS_LABEL (summary));
  gtk_test_accessible_assert_relation (check, GTK_ACCESSIBLE_RELATION_DESCRIBED_BY, summary, NULL);
  g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (summary)), "qq111111_qwertyui"));
  g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (summary)), "Director-1"));
  /* Expiry = today + the term. */
  {
    g_autofree char *year = g_strdup_printf ("%d", g_date_time_get_year (now) + 2);

    g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (summary)), year));
  }
  g_assert_false (tanba_wizard_page_get_complete (page));
  gtk_check_button_set_active (GTK_CHECK_BUTTON (check), TRUE);
  g_assert_true (tanba_wizard_page_get_complete (page));
  /* Shown again (data may have changed): confirm again. */
  tanba_wizard_page_shown (page);
  g_assert_false (tanba_wizard_page_get_complete (page));
  gtk_window_destroy (window);
}

static gboolean
action_enabled (TanbaWizardWindow *window,
                const char        *action)
{
  gboolean enabled = FALSE;

  /* The header buttons follow the actions' state. */
  GtkWidget *button = tanba_gui_test_find (GTK_WIDGET (window), GTK_TYPE_BUTTON,
                                           g_str_equal (action, "next") ? "_Next" : "_Back");
  if (button != NULL)
    enabled = gtk_widget_get_sensitive (button);
  return enabled;
}

static void
assert_focus_in (TanbaWizardWindow *window,
                 const char        *page_name)
{
  GtkWidget *focus = gtk_window_get_focus (GTK_WINDOW (window));
  TanbaWizardPage *page = tanba_wizard_window_get_page (window, page_name);

  g_assert_nonnull (focus);
  g_assert_true (gtk_widget_is_ancestor (focus, GTK_WIDGET (page)));
}

static guint
mnemonic_of (GtkWidget *widget)
{
  if (GTK_IS_LABEL (widget) && gtk_label_get_use_underline (GTK_LABEL (widget)))
    return gtk_label_get_mnemonic_keyval (GTK_LABEL (widget));
  return GDK_KEY_VoidSymbol;
}

/* Every mnemonic that works on the current page (the header bar's and the
 * page's own, not those of the hidden pages) is unique: Alt+letter
 * activates, it does not only cycle the focus. */
static void
assert_unique_mnemonics (GtkWidget  *widget,
                         GHashTable *seen)
{
  guint keyval;

  if (!gtk_widget_get_visible (widget) || !gtk_widget_get_child_visible (widget))
    return;
  keyval = mnemonic_of (widget);
  if (keyval != GDK_KEY_VoidSymbol)
    {
      guint lower = gdk_keyval_to_lower (keyval);
      const char *other = g_hash_table_lookup (seen, GUINT_TO_POINTER (lower));

      if (other != NULL)
        g_error ("mnemonic %s of “%s” also belongs to “%s”", gdk_keyval_name (lower),
                 gtk_label_get_label (GTK_LABEL (widget)), other);
      g_hash_table_insert (seen, GUINT_TO_POINTER (lower), (gpointer) gtk_label_get_label (GTK_LABEL (widget)));
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL; child = gtk_widget_get_next_sibling (child))
    assert_unique_mnemonics (child, seen);
}

/* A label (or button, check box…) under @widget shows @text. */
static gboolean
shows_text (GtkWidget  *widget,
            const char *text)
{
  if ((GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_label (GTK_LABEL (widget)), text) == 0)
      || (GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), text) == 0))
    return TRUE;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (shows_text (child, text))
      return TRUE;
  return FALSE;
}

static void
test_window_mnemonics (void)
{
  g_autoptr(TanbaWizardData) data = data_without_module ();
  TanbaWizardWindow *window = tanba_wizard_window_new (NULL, data);
  const char *names[] = { "connect", "password", "welcome", "data", "personalize", "confirm", "progress", "done" };

  gtk_window_present (GTK_WINDOW (window));
  /* A translated run checks the translated labels, the .ui files' too. */
  if (g_getenv ("LANGUAGE") != NULL)
    {
      const char *user_id = g_dgettext (GETTEXT_PACKAGE, "_User ID:");

      g_assert_cmpstr (user_id, !=, "_User ID:");
      g_assert_true (shows_text (GTK_WIDGET (tanba_wizard_window_get_page (window, "data")), user_id));
    }
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);

      tanba_wizard_window_go_to (window, names[i]);
      /* The hidden ones too, as they appear: the key file password, Details,
       * Continue registration, Enter registration data. */
      for (GtkWidget *w = gtk_widget_get_first_child (GTK_WIDGET (tanba_wizard_window_get_page (window, names[i])));
           w != NULL; w = gtk_widget_get_next_sibling (w))
        gtk_widget_set_visible (w, TRUE);
      assert_unique_mnemonics (GTK_WIDGET (window), seen);
      g_test_message ("%s: %u mnemonics", names[i], g_hash_table_size (seen));
    }
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
set_false (gboolean *flag)
{
  *flag = FALSE;
}

static guint
n_stack_pages (TanbaWizardWindow *window)
{
  GtkWidget *stack = gtk_widget_get_parent (GTK_WIDGET (tanba_wizard_window_get_current_page (window)));

  return g_list_model_get_n_items (G_LIST_MODEL (gtk_stack_get_pages (GTK_STACK (stack))));
}

/* Only the first page is built before the window's first frame; the others
 * come right after it, in their order, or at once when one is asked for. */
static void
test_window_deferred_pages (void)
{
  g_autoptr(TanbaWizardData) data = data_without_module ();
  TanbaWizardWindow *window = tanba_wizard_window_new (NULL, data);
  TanbaWizardWindow *asked = tanba_wizard_window_new (NULL, data);
  GtkWidget *stack;
  gint64 deadline;

  g_assert_cmpuint (n_stack_pages (window), ==, 1);
  gtk_window_present (GTK_WINDOW (window));
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (n_stack_pages (window) < TANBA_WIZARD_N_PAGES && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (n_stack_pages (window), ==, TANBA_WIZARD_N_PAGES);
  stack = gtk_widget_get_parent (GTK_WIDGET (tanba_wizard_window_get_current_page (window)));
  {
    const char *names[] = { "connect", "password", "welcome", "data", "personalize", "confirm", "progress", "done" };
    guint i = 0;

    for (GtkWidget *child = gtk_widget_get_first_child (stack); child != NULL; child = gtk_widget_get_next_sibling (child), i++)
      g_assert_cmpstr (gtk_stack_page_get_name (gtk_stack_get_page (GTK_STACK (stack), child)), ==, names[i]);
    g_assert_cmpuint (i, ==, TANBA_WIZARD_N_PAGES);
  }
  /* Still the first page, and its focus. */
  assert_focus_in (window, "connect");

  /* Asked for before the first frame: all there at once. */
  g_assert_cmpuint (n_stack_pages (asked), ==, 1);
  g_assert_nonnull (tanba_wizard_window_get_page (asked, "done"));
  g_assert_cmpuint (n_stack_pages (asked), ==, TANBA_WIZARD_N_PAGES);
  gtk_window_destroy (GTK_WINDOW (window));
  gtk_window_destroy (GTK_WINDOW (asked));
}

static void
test_window_navigation (void)
{
  g_autoptr(TanbaWizardData) data = data_without_module ();
  TanbaWizardWindow *window = tanba_wizard_window_new (NULL, data);
  TanbaWizardPage *welcome;
  gboolean shown = FALSE;
  GtkWidget *next;

  gtk_window_present (GTK_WINDOW (window));
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, "Step 1 of 8 — Connect the token");
  g_assert_false (action_enabled (window, "next"));
  g_assert_false (action_enabled (window, "back"));
  tanba_gui_test_assert_accessible (GTK_WIDGET (window));

  /* The header buttons: names without the mnemonic underscore. */
  next = tanba_gui_test_find (GTK_WIDGET (window), GTK_TYPE_BUTTON, "_Next");
  g_assert_nonnull (next);
  g_assert_false (gtk_test_accessible_has_property (GTK_ACCESSIBLE (next), GTK_ACCESSIBLE_PROPERTY_LABEL));
  g_assert_true (gtk_window_get_default_widget (GTK_WINDOW (window)) == next);

  tanba_wizard_window_go_to (window, "welcome");
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, "Step 3 of 8 — Welcome");
  assert_focus_in (window, "welcome");
  g_assert_true (action_enabled (window, "next"));
  g_assert_true (action_enabled (window, "back"));

  /* Next on the welcome page (apply succeeds at once) goes on to step 4. */
  welcome = tanba_wizard_window_get_page (window, "welcome");
  gtk_widget_activate_action (GTK_WIDGET (window), "wizard.next", NULL);
  while (tanba_wizard_window_get_current_page (window) == welcome)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, "Step 4 of 8 — Registration data");
  assert_focus_in (window, "data");
  g_assert_true (gtk_window_get_focus (GTK_WINDOW (window)) == gtk_widget_get_first_child (tanba_gui_test_find_labelled (GTK_WIDGET (window), "_User ID:"))
                 || gtk_widget_is_ancestor (gtk_window_get_focus (GTK_WINDOW (window)), tanba_gui_test_find_labelled (GTK_WIDGET (window), "_User ID:")));
  g_assert_false (action_enabled (window, "next"));
  tanba_gui_test_assert_accessible (GTK_WIDGET (window));

  /* Back returns to where we came from. */
  gtk_widget_activate_action (GTK_WIDGET (window), "wizard.back", NULL);
  g_assert_true (tanba_wizard_window_get_current_page (window) == welcome);
  assert_focus_in (window, "welcome");
  gtk_widget_activate_action (GTK_WIDGET (window), "wizard.back", NULL);
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, "Step 1 of 8 — Connect the token");
  g_assert_false (action_enabled (window, "back"));

  /* The last page: Finish instead of Next, no Back, no Cancel. */
  tanba_wizard_window_go_to (window, "done");
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, "Step 8 of 8 — Done");
  g_assert_nonnull (tanba_gui_test_find (GTK_WIDGET (window), GTK_TYPE_BUTTON, "_Finish"));
  g_assert_false (gtk_widget_get_visible (tanba_gui_test_find (GTK_WIDGET (window), GTK_TYPE_BUTTON, "_Back")));
  assert_focus_in (window, "done");
  g_assert_false (tanba_wizard_window_is_registering (window));

  g_signal_connect_swapped (window, "destroy", G_CALLBACK (set_false), &shown);
  shown = TRUE;
  gtk_widget_activate_action (GTK_WIDGET (window), "wizard.next", NULL);
  /* Finish closes the window. */
  while (shown)
    g_main_context_iteration (NULL, TRUE);
}

/* The accessible DESCRIPTION as GTK holds it (4.8 has no getter: compare
 * against an impossible value, which returns the real one). */
static char *
dup_description (GtkWidget *widget)
{
  char *value;

  if (!gtk_test_accessible_has_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION))
    return g_strdup ("");
  value = gtk_test_accessible_check_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                              "\x01 impossible description");
  return value != NULL ? value : g_strdup ("");
}

static void
set_token_flags (TanbaWizardData *data,
                 gulong           flags)
{
  TanbaTokenInfo info = {
    .label = (char *) "",
    .manufacturer = (char *) "Test",
    .model = (char *) "KAZTOKEN",
    .serial = (char *) "0123456789abcdef",
    .flags = CKF_TOKEN_INITIALIZED | CKF_USER_PIN_INITIALIZED | CKF_LOGIN_REQUIRED | flags,
    .free_memory = -1,
    .total_memory = -1,
  };

  tanba_wizard_data_set_token (data, NULL, &info);
}

/* The progress page's administrator PIN field, shown when the token refused
 * the factory PIN: a labelled, required password field without a peek icon,
 * focused, described by what to type and the tries the token's flags say
 * are left (few, last, locked); Continue takes the PIN into the data (never
 * the factory one again) and empties the field. */
static void
test_progress_admin_pin (void)
{
  g_autoptr(TanbaWizardData) data = data_without_module ();
  TanbaWizardWindow *wizard = tanba_wizard_window_new (NULL, data);
  GtkWindow *window = GTK_WINDOW (wizard);
  TanbaWizardPage *page;
  TanbaWizardPageProgress *progress;
  GtkWidget *entry, *label, *focus, *button;
  g_autofree char *name = NULL;
  g_autofree char *description = NULL;
  const char *reason = "The registration stopped: the token did not accept the factory administrator PIN.";

  /* In the wizard window, as it is used (no token: the run does not start). */
  gtk_window_present (window);
  tanba_wizard_window_go_to (wizard, "progress");
  page = tanba_wizard_window_get_page (wizard, "progress");
  progress = TANBA_WIZARD_PAGE_PROGRESS (page);
  set_token_flags (data, CKF_SO_PIN_COUNT_LOW);
  entry = tanba_gui_test_find_labelled (GTK_WIDGET (page), "_Administrator PIN:");
  label = tanba_gui_test_find (GTK_WIDGET (page), GTK_TYPE_LABEL, "_Administrator PIN:");
  button = tanba_gui_test_find (GTK_WIDGET (page), GTK_TYPE_BUTTON, "C_ontinue registration");
  g_assert_nonnull (button);
  g_assert_true (GTK_IS_PASSWORD_ENTRY (entry));
  /* Not shown until the token refuses the administrator PIN. */
  g_assert_false (gtk_widget_is_visible (entry));

  tanba_wizard_page_progress_ask_admin_pin (progress, reason);
  g_assert_true (gtk_widget_is_visible (entry));
  g_assert_true (gtk_widget_is_sensitive (entry));
  g_assert_true (gtk_widget_is_visible (button));
  g_assert_true (data->admin_pin_needed);
  g_assert_null (data->admin_pin);
  gtk_test_accessible_assert_role (entry, GTK_ACCESSIBLE_ROLE_TEXT_BOX);
  gtk_test_accessible_assert_relation (entry, GTK_ACCESSIBLE_RELATION_LABELLED_BY, label, NULL);
  name = tanba_gui_test_dup_name (entry);
  g_assert_cmpstr (name, ==, "Administrator PIN:");
  gtk_test_accessible_assert_property (entry, GTK_ACCESSIBLE_PROPERTY_REQUIRED, TRUE);
  g_assert_true (gtk_test_accessible_has_relation (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_RELATION_DESCRIBED_BY));
  g_assert_false (gtk_password_entry_get_show_peek_icon (GTK_PASSWORD_ENTRY (entry)));
  /* The reason, then what to type and the tries left, spoken on the focused field. */
  description = dup_description (entry);
  g_test_message ("description: %s", description);
  g_assert_true (g_str_has_prefix (description, reason));
  g_assert_nonnull (strstr (description, "Type the administrator PIN"));
  g_assert_nonnull (strstr (description, "Few tries left"));
  focus = gtk_window_get_focus (window);
  g_assert_true (focus == entry || (focus != NULL && gtk_widget_is_ancestor (focus, entry)));
  g_assert_nonnull (tanba_gui_test_find (GTK_WIDGET (page), GTK_TYPE_LABEL, reason));
  tanba_gui_test_assert_accessible (GTK_WIDGET (page));

  /* Typing: the field is described by its hint (with the tries) again. */
  tanba_gui_test_type (entry, "1");
  g_free (description);
  description = dup_description (entry);
  g_assert_true (g_str_has_prefix (description, "Type the administrator PIN"));
  g_assert_nonnull (strstr (description, "Few tries left"));

  /* Continue with an empty field: said, and nothing runs. */
  gtk_editable_set_text (GTK_EDITABLE (entry), "");
  g_signal_emit_by_name (button, "clicked");
  g_assert_null (data->admin_pin);
  g_free (description);
  description = dup_description (entry);
  g_assert_true (g_str_has_prefix (description, "Type the administrator PIN first."));
  g_assert_nonnull (tanba_gui_test_find (GTK_WIDGET (page), GTK_TYPE_LABEL, "Type the administrator PIN first."));

  /* Enter in the field continues with the PIN typed; the field is emptied. */
  tanba_gui_test_type (entry, "So7-Adm1n");
  g_signal_emit_by_name (entry, "activate");
  g_assert_cmpstr (data->admin_pin, ==, "So7-Adm1n");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "");
  g_assert_true (data->admin_pin_needed);

  /* Refused again with one try left: the PIN is wiped, the last try said. */
  set_token_flags (data, CKF_SO_PIN_COUNT_LOW | CKF_SO_PIN_FINAL_TRY);
  tanba_wizard_page_progress_ask_admin_pin (progress, reason);
  g_assert_null (data->admin_pin);
  g_free (description);
  description = dup_description (entry);
  g_assert_nonnull (strstr (description, "Last try"));
  g_assert_null (strstr (description, "Few tries left"));

  /* Locked: no PIN can be typed, Continue is gone, the bank is named. */
  set_token_flags (data, CKF_SO_PIN_LOCKED);
  tanba_wizard_page_progress_ask_admin_pin (progress, reason);
  g_assert_false (gtk_widget_is_sensitive (entry));
  g_assert_false (gtk_widget_is_visible (button));
  g_free (description);
  description = dup_description (entry);
  g_assert_nonnull (strstr (description, "locked"));
  g_assert_nonnull (strstr (description, "contact your bank"));

  gtk_window_destroy (window);
}

int
main (int   argc,
      char *argv[])
{
  tanba_gui_test_init (&argc, &argv);

  g_test_add_func ("/wizard/pages/structure", test_structure);
  g_test_add_func ("/wizard/pages/connect-without-module", test_connect_without_module);
  g_test_add_func ("/wizard/pages/password", test_password_page);
  g_test_add_func ("/wizard/pages/data", test_data_page);
  g_test_add_func ("/wizard/pages/data-show-pin", test_data_show_pin);
  g_test_add_func ("/wizard/pages/personalize", test_personalize_page);
  g_test_add_func ("/wizard/pages/confirm", test_confirm_page);
  g_test_add_func ("/wizard/pages/progress-admin-pin", test_progress_admin_pin);
  g_test_add_func ("/wizard/pages/deferred-pages", test_window_deferred_pages);
  g_test_add_func ("/wizard/checklist", test_checklist);
  g_test_add_func ("/wizard/window/navigation", test_window_navigation);
  g_test_add_func ("/wizard/window/mnemonics", test_window_mnemonics);

  return g_test_run ();
}
