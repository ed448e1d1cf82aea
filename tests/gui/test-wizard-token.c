/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-wizard-token: the token pages against a SoftHSM token in factory
 * state: the hint when no token appears, the live list, the default-password
 * hint, a wrong password, and the "Create a new profile?" question.
 *
 * SoftHSM starts with no token at all (only its free, uninitialized slot);
 * the factory token is made in this process (C_InitToken on the free slot,
 * then the user PIN), which the token monitor sees as a token connected. */
#include "config.h"

#include <string.h>

#include "tanba-gui-test.h"
#include "tanba-test-token.h"
#include "tanba-token-error.h"
#include "tanba-token-monitor.h"
#include "pages/tanba-wizard-page-connect.h"
#include "pages/tanba-wizard-page-password.h"

static TanbaTestSoftHsm *hsm;

/* Makes a factory-state token (empty label, the documented default PINs) on
 * SoftHSM's free slot, in this process: SoftHSM sees tokens made by another
 * process only at C_Initialize (field notes). Its serial goes to hsm->serials. */
static void
plug_in_factory_token (void)
{
  CK_FUNCTION_LIST *f = tanba_module_get_functions (hsm->module);
  CK_SLOT_ID slots[32], slot = (CK_SLOT_ID) -1;
  CK_ULONG n = G_N_ELEMENTS (slots);
  CK_UTF8CHAR label[32];
  CK_SESSION_HANDLE session;
  CK_TOKEN_INFO info;
  g_autofree char *serial = NULL;

  tanba_module_lock (hsm->module);
  g_assert_cmpint (f->C_GetSlotList (CK_TRUE, slots, &n), ==, CKR_OK);
  for (CK_ULONG i = 0; i < n && slot == (CK_SLOT_ID) -1; i++)
    if (f->C_GetTokenInfo (slots[i], &info) == CKR_OK && !(info.flags & CKF_TOKEN_INITIALIZED))
      slot = slots[i];
  g_assert_true (slot != (CK_SLOT_ID) -1);
  /* A 32-byte blank-padded label: blank, as on a new token. */
  memset (label, ' ', sizeof label);
  g_assert_cmpint (f->C_InitToken (slot, (CK_UTF8CHAR_PTR) TANBA_FACTORY_ADMIN_PIN,
                                   strlen (TANBA_FACTORY_ADMIN_PIN), label), ==, CKR_OK);

  /* SoftHSM moves the new token to another slot ID: find it by being new. */
  n = G_N_ELEMENTS (slots);
  g_assert_cmpint (f->C_GetSlotList (CK_TRUE, slots, &n), ==, CKR_OK);
  slot = (CK_SLOT_ID) -1;
  for (CK_ULONG i = 0; i < n && slot == (CK_SLOT_ID) -1; i++)
    {
      g_autofree char *s = NULL;
      gboolean known = FALSE;

      if (f->C_GetTokenInfo (slots[i], &info) != CKR_OK || !(info.flags & CKF_TOKEN_INITIALIZED))
        continue;
      s = g_strstrip (g_strndup ((const char *) info.serialNumber, sizeof info.serialNumber));
      for (guint j = 0; j < hsm->serials->len; j++)
        known |= g_str_equal (s, g_ptr_array_index (hsm->serials, j));
      if (!known)
        {
          slot = slots[i];
          serial = g_steal_pointer (&s);
        }
    }
  g_assert_nonnull (serial);
  g_assert_cmpint (f->C_OpenSession (slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &session), ==, CKR_OK);
  g_assert_cmpint (f->C_Login (session, CKU_SO, (CK_UTF8CHAR_PTR) TANBA_FACTORY_ADMIN_PIN,
                               strlen (TANBA_FACTORY_ADMIN_PIN)), ==, CKR_OK);
  g_assert_cmpint (f->C_InitPIN (session, (CK_UTF8CHAR_PTR) TANBA_FACTORY_USER_PIN,
                                 strlen (TANBA_FACTORY_USER_PIN)), ==, CKR_OK);
  g_assert_cmpint (f->C_Logout (session), ==, CKR_OK);
  g_assert_cmpint (f->C_CloseSession (session), ==, CKR_OK);
  tanba_module_unlock (hsm->module);
  g_ptr_array_add (hsm->serials, g_steal_pointer (&serial));
}

/* The tests after the first need the token (also when run alone, -p). */
static void
ensure_token (void)
{
  if (hsm->serials->len == 0)
    plug_in_factory_token ();
}

static void
iterate_until (gboolean (*cond) (gpointer),
               gpointer   user_data,
               guint      timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!cond (user_data) && g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
}

static gboolean
hint_shown (gpointer page)
{
  return tanba_wizard_page_connect_get_no_token_hint_shown (page);
}

static gboolean
hint_hidden (gpointer page)
{
  return !tanba_wizard_page_connect_get_no_token_hint_shown (page);
}

static gboolean
has_token (gpointer page)
{
  return tanba_wizard_page_connect_get_n_tokens (page) > 0;
}

#define NO_TOKEN_HINT "Still no token. Check that the token (KAZTOKEN) is connected, that the token’s driver is installed (its PKCS#11 module: OpenSC or the vendor’s library) and that the PC/SC service (pcscd) is running. Check also the PKCS#11 module on the Settings tab of the Token Control Panel."

/* The module loads but no token appears: after a while the page says what
 * to check, spoken through the focused control; a token connected removes it. */
static void
test_connect_no_token (void)
{
  g_autoptr(TanbaWizardData) data = tanba_wizard_data_new ();
  TanbaWizardPageConnect *page;
  GtkWindow *window;
  GtkWidget *hint, *check;

  g_assert_cmpuint (hsm->serials->len, ==, 0);
  data->module = tanba_module_ref (hsm->module);
  data->monitor = tanba_token_monitor_new (hsm->module, 100);
  page = TANBA_WIZARD_PAGE_CONNECT (tanba_wizard_page_connect_new (data));
  window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_child (window, GTK_WIDGET (page));
  gtk_window_present (window);
  check = tanba_gui_test_find (GTK_WIDGET (page), GTK_TYPE_CHECK_BUTTON, "_I have connected my token");
  g_assert_true (tanba_wizard_page_get_first_focus (TANBA_WIZARD_PAGE (page)) == check);
  gtk_widget_grab_focus (check);
  hint = tanba_gui_test_find (GTK_WIDGET (page), GTK_TYPE_LABEL, NO_TOKEN_HINT);
  g_assert_nonnull (hint);

  /* Not at once: the monitor polls several times (100 ms), the list stays
   * empty, and the hint waits (5 s by default). */
  {
    gint64 end = g_get_monotonic_time () + 600 * 1000;

    while (g_get_monotonic_time () < end)
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
  }
  g_assert_cmpuint (tanba_wizard_page_connect_get_n_tokens (page), ==, 0);
  g_assert_false (tanba_wizard_page_connect_get_no_token_hint_shown (page));
  g_assert_false (gtk_widget_get_visible (hint));
  g_assert_false (gtk_test_accessible_has_property (GTK_ACCESSIBLE (check), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION));

  /* A short delay instead of 5 s: the hint on the page and spoken. */
  tanba_wizard_page_connect_set_no_token_delay (page, 200);
  iterate_until (hint_shown, page, 10000);
  g_assert_true (tanba_wizard_page_connect_get_no_token_hint_shown (page));
  g_assert_true (gtk_widget_get_visible (hint));
  g_assert_true (gtk_widget_get_mapped (hint));
  gtk_test_accessible_assert_property (check, GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, NO_TOKEN_HINT);
  tanba_gui_test_assert_accessible (GTK_WIDGET (page));

  /* A token is connected: it is listed, and the hint is gone, also from the
   * focused control's description. */
  plug_in_factory_token ();
  iterate_until (has_token, page, 10000);
  g_assert_cmpuint (tanba_wizard_page_connect_get_n_tokens (page), ==, 1);
  iterate_until (hint_hidden, page, 1000);
  g_assert_false (tanba_wizard_page_connect_get_no_token_hint_shown (page));
  g_assert_false (gtk_widget_get_visible (hint));
  g_assert_false (gtk_test_accessible_has_property (GTK_ACCESSIBLE (check), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION));
  gtk_window_destroy (window);
}

/* Starts the page's apply, as the window does (applying); @answer (may be
 * NULL) is the response given to the message dialog it shows. */
static gboolean
apply (TanbaWizardPage *page,
       const char      *answer,
       char           **dialog_heading,
       GError         **error)
{
  gboolean ok;

  tanba_wizard_page_set_applying (page, TRUE);
  ok = tanba_gui_test_apply_page (page, answer, dialog_heading, NULL, 30000, error);
  tanba_wizard_page_set_applying (page, FALSE);
  return ok;
}

static void
test_connect_live (void)
{
  g_autoptr(TanbaWizardData) data = tanba_wizard_data_new ();
  TanbaWizardPage *page;
  GtkWindow *window;
  GtkWidget *list, *row, *check;
  g_autoptr(GError) error = NULL;
  gint64 end;

  ensure_token ();
  data->module = tanba_module_ref (hsm->module);
  data->monitor = tanba_token_monitor_new (hsm->module, 100);
  page = tanba_wizard_page_connect_new (data);
  window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_child (window, GTK_WIDGET (page));
  gtk_window_present (window);

  /* The token shows up within a second. */
  end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (tanba_wizard_page_connect_get_n_tokens (TANBA_WIZARD_PAGE_CONNECT (page)) == 0
         && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE), g_usleep (1000);
  g_assert_cmpuint (tanba_wizard_page_connect_get_n_tokens (TANBA_WIZARD_PAGE_CONNECT (page)), ==, 1);

  list = tanba_gui_test_find_labelled (GTK_WIDGET (page), "_Tokens connected:");
  row = GTK_WIDGET (gtk_list_box_get_selected_row (GTK_LIST_BOX (list)));
  g_assert_nonnull (row);
  {
    g_autofree char *name = tanba_gui_test_dup_name (row);

    g_test_message ("row: %s", name);
    /* The empty token is marked as such. */
    g_assert_nonnull (strstr (name, "<no label>"));
    g_assert_nonnull (strstr (name, "empty, new token"));
  }
  g_assert_true (gtk_test_accessible_has_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION));
  g_assert_true (tanba_wizard_page_get_first_focus (page) == row);
  tanba_gui_test_assert_accessible (GTK_WIDGET (page));

  g_assert_false (tanba_wizard_page_get_complete (page));
  check = tanba_gui_test_find (GTK_WIDGET (page), GTK_TYPE_CHECK_BUTTON, "_I have connected my token");
  gtk_check_button_set_active (GTK_CHECK_BUTTON (check), TRUE);
  g_assert_true (tanba_wizard_page_get_complete (page));

  g_assert_true (apply (page, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_nonnull (data->token);
  g_assert_nonnull (data->token_info);
  g_assert_cmpstr (tanba_token_get_serial (data->token), ==, g_ptr_array_index (hsm->serials, 0));
  g_assert_cmpuint (data->term_years, ==, 1);
  gtk_window_destroy (window);
}

static void
test_password (void)
{
  g_autoptr(TanbaWizardData) data = tanba_wizard_data_new ();
  g_autoptr(TanbaToken) token = (ensure_token (), tanba_test_softhsm_token (hsm, 0));
  g_autoptr(TanbaTokenInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *heading = NULL;
  TanbaWizardPage *page;
  GtkWindow *window;
  GtkWidget *entry, *hint;

  info = tanba_token_get_info (token, &error);
  g_assert_no_error (error);
  data->module = tanba_module_ref (hsm->module);
  tanba_wizard_data_set_token (data, token, info);
  page = tanba_wizard_page_password_new (data);
  window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_child (window, GTK_WIDGET (page));
  gtk_window_present (window);
  tanba_wizard_page_shown (page);

  /* A new token: the default password is told. */
  hint = tanba_gui_test_find (GTK_WIDGET (page), GTK_TYPE_LABEL,
                              "This is a new token: its password is the default one, 12345678.");
  g_assert_nonnull (hint);
  entry = tanba_gui_test_find_labelled (GTK_WIDGET (page), "_Password of the token:");
  gtk_test_accessible_assert_relation (entry, GTK_ACCESSIBLE_RELATION_DESCRIBED_BY, hint, NULL);
  gtk_test_accessible_assert_property (entry, GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                       "This is a new token: its password is the default one, 12345678.");

  /* A wrong password: refused, the field cleared, the error on the field. */
  tanba_gui_test_type (entry, "00000000");
  g_assert_false (apply (page, NULL, NULL, &error));
  g_assert_error (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_PIN_INCORRECT);
  g_clear_error (&error);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "");
  /* The error message, not the hint, is the field's description now. */
  {
    g_autofree char *spoken = gtk_test_accessible_check_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                                                  "This is a new token: its password is the default one, 12345678.");

    g_assert_nonnull (spoken);
    g_test_message ("spoken: %s", spoken);
    g_assert_nonnull (tanba_gui_test_find (GTK_WIDGET (page), GTK_TYPE_LABEL, spoken));
  }
  g_assert_false (tanba_wizard_page_get_complete (page));
  g_assert_null (data->current_pin);

  /* The right one: the token is empty, so "Create a new profile?". */
  tanba_gui_test_type (entry, "12345678");
  /* The error is gone from the field; the hint is back. */
  gtk_test_accessible_assert_property (entry, GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                       "This is a new token: its password is the default one, 12345678.");
  g_assert_false (apply (page, "cancel", &heading, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_cmpstr (heading, ==, "Create a new profile?");
  g_clear_pointer (&heading, g_free);

  g_assert_true (apply (page, "create", &heading, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (heading, ==, "Create a new profile?");
  g_assert_cmpint (data->state, ==, TANBA_REGISTRATION_STATE_EMPTY);
  g_assert_cmpstr (data->current_pin, ==, "12345678");
  g_assert_false (data->continuing);
  g_assert_null (tanba_wizard_page_get_next (page));
  gtk_window_destroy (window);
}

int
main (int   argc,
      char *argv[])
{
  /* No token yet: the first test connects one. */
  hsm = tanba_test_softhsm_new (0);
  tanba_gui_test_init (&argc, &argv);

  g_test_add_func ("/wizard/token/connect-no-token", test_connect_no_token);
  g_test_add_func ("/wizard/token/connect-live", test_connect_live);
  g_test_add_func ("/wizard/token/password", test_password);

  {
    int status = g_test_run ();

    tanba_test_softhsm_free (hsm);
    return status;
  }
}
