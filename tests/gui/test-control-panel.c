/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The token control panel: each dialog's logic and accessible markup
 * (GTK_A11Y=test under Xvfb), certificates in words, the settings tab, and the
 * window against a real SoftHSM token (login with a wrong and a right PIN,
 * format refused during an unfinished registration with "Continue
 * registration" reaching the application action). */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>
#include <adwaita.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <p11-kit/pkcs11.h>

#include "tanba-control-panel-certificate.h"
#include "tanba-control-panel-certificates.h"
#include "tanba-control-panel-format-dialog.h"
#include "tanba-control-panel-login-dialog.h"
#include "tanba-control-panel-name-dialog.h"
#include "tanba-control-panel-operations.h"
#include "tanba-control-panel-pin-dialog.h"
#include "tanba-control-panel-settings.h"
#include "tanba-control-panel-window.h"
#include "tanba-openssl-autoptr.h"
#include "tanba-gui-test.h"
#include "tanba-registration-marker.h"
#include "tanba-test-token.h"

/* ---- helpers --------------------------------------------------------------- */

static GtkWidget *
find_by_id (GtkWidget  *root,
            const char *id)
{
  if (GTK_IS_BUILDABLE (root) && g_strcmp0 (gtk_buildable_get_buildable_id (GTK_BUILDABLE (root)), id) == 0)
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_by_id (child, id);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static GtkWidget *
child (GtkWidget  *root,
       const char *id)
{
  GtkWidget *widget = find_by_id (root, id);

  if (widget == NULL)
    g_error ("no widget with the ID %s", id);
  return widget;
}

static void
iterate (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

typedef gboolean (*Condition) (gpointer data);

/* Runs the main loop until @condition holds (at most 20 s). */
static void
wait_for (Condition condition,
          gpointer  data)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  while (!condition (data))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (2000);
    }
}

static TanbaTokenInfo *
info_with_flags (gulong flags)
{
  TanbaTokenInfo *info = g_new0 (TanbaTokenInfo, 1);

  info->label = g_strdup ("");
  info->manufacturer = g_strdup ("Test");
  info->model = g_strdup ("Model");
  info->serial = g_strdup ("0123456789abcdef");
  info->flags = CKF_TOKEN_INITIALIZED | CKF_USER_PIN_INITIALIZED | CKF_LOGIN_REQUIRED | flags;
  info->free_memory = -1;
  info->total_memory = -1;
  return info;
}

static void
type_text (GtkWidget  *entry,
           const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (entry), text);
  iterate ();
}

static void
count_cb (gpointer  object,
          gpointer  user_data)
{
  (*(int *) user_data)++;
}

/* ---- PIN retry flags ------------------------------------------------------- */

static void
test_pin_status (void)
{
  g_autoptr(TanbaTokenInfo) plain = info_with_flags (0);
  g_autoptr(TanbaTokenInfo) low = info_with_flags (CKF_USER_PIN_COUNT_LOW);
  g_autoptr(TanbaTokenInfo) final = info_with_flags (CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY);
  g_autoptr(TanbaTokenInfo) locked = info_with_flags (CKF_USER_PIN_LOCKED);
  g_autoptr(TanbaTokenInfo) so_low = info_with_flags (CKF_SO_PIN_COUNT_LOW);
  g_autofree char *text = NULL;
  gboolean is_locked = TRUE;

  text = tanba_control_panel_pin_status_text (plain, TANBA_ROLE_USER, &is_locked);
  g_assert_null (text);
  g_assert_false (is_locked);

  text = tanba_control_panel_pin_status_text (low, TANBA_ROLE_USER, &is_locked);
  g_assert_nonnull (strstr (text, "Few tries left"));
  g_assert_false (is_locked);
  g_clear_pointer (&text, g_free);
  /* The other role's flags are not this role's. */
  g_assert_null (tanba_control_panel_pin_status_text (low, TANBA_ROLE_ADMIN, NULL));

  text = tanba_control_panel_pin_status_text (final, TANBA_ROLE_USER, &is_locked);
  g_assert_nonnull (strstr (text, "Last try"));
  g_clear_pointer (&text, g_free);

  text = tanba_control_panel_pin_status_text (locked, TANBA_ROLE_USER, &is_locked);
  g_assert_nonnull (strstr (text, "locked"));
  g_assert_nonnull (strstr (text, "administrator"));
  g_assert_true (is_locked);
  g_clear_pointer (&text, g_free);

  text = tanba_control_panel_pin_status_text (so_low, TANBA_ROLE_ADMIN, &is_locked);
  g_assert_nonnull (strstr (text, "administrator PIN"));
  g_clear_pointer (&text, g_free);

  text = tanba_control_panel_pin_state_text (final, TANBA_ROLE_USER);
  g_assert_cmpstr (text, ==, "last try left");
  g_clear_pointer (&text, g_free);
  text = tanba_control_panel_pin_state_text (so_low, TANBA_ROLE_ADMIN);
  g_assert_cmpstr (text, ==, "few tries left");
  g_clear_pointer (&text, g_free);
  text = tanba_control_panel_free_space_text (plain);
  g_assert_cmpstr (text, ==, "not reported by the token");
}

static void
test_registration_text (void)
{
  g_autoptr(TanbaRegistrationMarker) marker = tanba_registration_marker_new ();
  g_autofree char *none = tanba_control_panel_registration_text (NULL, NULL);
  g_autofree char *unfinished = NULL;
  g_autofree char *complete = NULL;

  g_assert_cmpstr (none, ==, "none");
  marker->user_id = g_strdup ("qq111111_qwertyui");
  unfinished = tanba_control_panel_registration_text (marker, NULL);
  g_assert_true (g_str_has_prefix (unfinished, "unfinished"));
  g_assert_nonnull (strstr (unfinished, "qq111111_qwertyui"));
  g_free (marker->step);
  marker->step = g_strdup ("done");
  complete = tanba_control_panel_registration_text (marker, NULL);
  g_assert_true (g_str_has_prefix (complete, "complete"));
}

/* ---- the login dialog ------------------------------------------------------ */

static void
test_login_dialog (void)
{
  g_autoptr(TanbaTokenInfo) final = info_with_flags (CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY);
  g_autoptr(TanbaTokenInfo) locked = info_with_flags (CKF_USER_PIN_LOCKED);
  TanbaControlPanelLoginDialog *dialog;
  GtkWidget *root, *pin_entry, *pin_label, *login_button, *admin_radio, *user_radio, *status_label;
  g_autofree char *pin = NULL;
  int submitted = 0;

  dialog = tanba_control_panel_login_dialog_new (NULL, "Director", final, TANBA_ROLE_USER);
  g_signal_connect (dialog, "submit", G_CALLBACK (count_cb), &submitted);
  gtk_window_present (GTK_WINDOW (dialog));
  iterate ();
  root = GTK_WIDGET (dialog);
  pin_entry = child (root, "pin_entry");
  pin_label = child (root, "pin_label");
  login_button = child (root, "login_button");
  admin_radio = child (root, "admin_radio");
  user_radio = child (root, "user_radio");
  status_label = child (root, "status_label");

  /* The flags are said before anything is typed, and the PIN field opens focused. */
  g_assert_true (gtk_widget_get_visible (status_label));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (status_label)), "Last try"));
  g_assert_nonnull (strstr (tanba_control_panel_login_dialog_get_status (dialog), "Last try"));
  g_assert_true (gtk_window_get_focus (GTK_WINDOW (dialog)) == pin_entry
                 || gtk_widget_is_ancestor (gtk_window_get_focus (GTK_WINDOW (dialog)), pin_entry));

  /* Accessible markup: a labelled, required password field without a peek icon. */
  gtk_test_accessible_assert_role (pin_entry, GTK_ACCESSIBLE_ROLE_TEXT_BOX);
  gtk_test_accessible_assert_relation (pin_entry, GTK_ACCESSIBLE_RELATION_LABELLED_BY, pin_label, NULL);
  gtk_test_accessible_assert_property (pin_entry, GTK_ACCESSIBLE_PROPERTY_REQUIRED, TRUE);
  g_assert_false (gtk_password_entry_get_show_peek_icon (GTK_PASSWORD_ENTRY (pin_entry)));
  g_assert_true (gtk_test_accessible_has_property (GTK_ACCESSIBLE (pin_entry), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION));
  gtk_test_accessible_assert_role (child (root, "role_box"), GTK_ACCESSIBLE_ROLE_RADIO_GROUP);
  gtk_test_accessible_assert_role (admin_radio, GTK_ACCESSIBLE_ROLE_RADIO);
  gtk_test_accessible_assert_relation (child (root, "role_box"), GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                       child (root, "role_label"), NULL);
  gtk_test_accessible_assert_relation (child (root, "content"), GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                       child (root, "heading_label"), NULL);
  /* Mnemonic buttons: no raw "_Log In" name on top of the label. */
  g_assert_false (gtk_test_accessible_has_property (GTK_ACCESSIBLE (login_button), GTK_ACCESSIBLE_PROPERTY_LABEL));
  {
    g_autofree char *name = tanba_gui_test_dup_name (admin_radio);

    g_assert_cmpstr (name, ==, "Administrator");
  }

  tanba_gui_test_assert_accessible (root);

  /* Nothing typed: nothing to submit. */
  g_assert_false (gtk_widget_get_sensitive (login_button));
  type_text (pin_entry, "11111111");
  g_assert_true (gtk_widget_get_sensitive (login_button));
  g_signal_emit_by_name (login_button, "clicked");
  g_assert_cmpint (submitted, ==, 1);
  pin = tanba_control_panel_login_dialog_dup_pin (dialog);
  g_assert_cmpstr (pin, ==, "11111111");
  g_assert_cmpint (tanba_control_panel_login_dialog_get_role (dialog), ==, TANBA_ROLE_USER);
  tanba_control_panel_login_dialog_set_busy (dialog, TRUE);
  g_assert_false (gtk_widget_get_sensitive (login_button));

  /* A wrong PIN: the field is cleared, the error is in its description (spoken on 4.8). */
  tanba_control_panel_login_dialog_set_info (dialog, locked);
  tanba_control_panel_login_dialog_show_error (dialog, "The PIN is wrong.");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (pin_entry)), ==, "");
  g_assert_true (gtk_label_get_text (GTK_LABEL (child (root, "message_label"))) != NULL);
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (child (root, "message_label"))), ==, "The PIN is wrong.");
  /* Locked now: the user cannot try again, and is told to log in as administrator. */
  g_assert_nonnull (strstr (tanba_control_panel_login_dialog_get_status (dialog), "administrator"));
  type_text (pin_entry, "12345678");
  g_assert_false (gtk_widget_get_sensitive (login_button));
  g_assert_true (gtk_test_accessible_has_property (GTK_ACCESSIBLE (user_radio), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION));

  /* The administrator's tries are not the user's. */
  gtk_check_button_set_active (GTK_CHECK_BUTTON (admin_radio), TRUE);
  iterate ();
  g_assert_cmpint (tanba_control_panel_login_dialog_get_role (dialog), ==, TANBA_ROLE_ADMIN);
  g_assert_null (tanba_control_panel_login_dialog_get_status (dialog));
  g_assert_false (gtk_widget_get_visible (status_label));
  type_text (pin_entry, "87654321");
  g_assert_true (gtk_widget_get_sensitive (login_button));

  gtk_window_destroy (GTK_WINDOW (dialog));
  iterate ();
}

/* ---- the PIN dialog -------------------------------------------------------- */

static void
test_pin_dialog (void)
{
  TanbaControlPanelPinDialog *dialog;
  GtkWidget *root, *new_entry, *confirm_entry, *ok_button;
  g_autofree char *pin = NULL;
  int submitted = 0;

  dialog = tanba_control_panel_pin_dialog_new (NULL, TANBA_CONTROL_PANEL_PIN_CHANGE_USER, "Director", 0);
  g_signal_connect (dialog, "submit", G_CALLBACK (count_cb), &submitted);
  gtk_window_present (GTK_WINDOW (dialog));
  iterate ();
  root = GTK_WIDGET (dialog);
  new_entry = child (root, "new_entry");
  confirm_entry = child (root, "confirm_entry");
  ok_button = child (root, "ok_button");

  gtk_test_accessible_assert_relation (new_entry, GTK_ACCESSIBLE_RELATION_LABELLED_BY, child (root, "new_label"), NULL);
  gtk_test_accessible_assert_relation (confirm_entry, GTK_ACCESSIBLE_RELATION_LABELLED_BY, child (root, "confirm_label"), NULL);
  gtk_test_accessible_assert_property (new_entry, GTK_ACCESSIBLE_PROPERTY_REQUIRED, TRUE);
  gtk_test_accessible_assert_property (confirm_entry, GTK_ACCESSIBLE_PROPERTY_REQUIRED, TRUE);
  gtk_test_accessible_assert_relation (new_entry, GTK_ACCESSIBLE_RELATION_CONTROLS, child (root, "checklist"), NULL);
  g_assert_false (gtk_password_entry_get_show_peek_icon (GTK_PASSWORD_ENTRY (new_entry)));
  g_assert_false (gtk_password_entry_get_show_peek_icon (GTK_PASSWORD_ENTRY (confirm_entry)));
  g_assert_false (gtk_test_accessible_has_property (GTK_ACCESSIBLE (ok_button), GTK_ACCESSIBLE_PROPERTY_LABEL));
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (ok_button)), ==, "_Change PIN");
  tanba_gui_test_assert_accessible (root);

  /* One rule broken ("123"): not submitted, the rule is said in the field,
   * which is cleared (GTK 4.8 would give its text to the screen reader). */
  type_text (new_entry, "Abc12399");
  type_text (confirm_entry, "Abc12399");
  g_assert_false (tanba_control_panel_pin_dialog_is_acceptable (dialog));
  g_signal_emit_by_name (ok_button, "clicked");
  g_assert_cmpint (submitted, ==, 0);
  g_assert_cmpstr (tanba_control_panel_pin_dialog_get_message (dialog), ==,
                   "Not met: No three consecutive letters or digits, like 123 or cba");
  gtk_test_accessible_assert_property (new_entry, GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                       "Not met: No three consecutive letters or digits, like 123 or cba");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (new_entry)), ==, "");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (confirm_entry)), ==, "");
  g_assert_true (gtk_widget_is_ancestor (gtk_window_get_focus (GTK_WINDOW (dialog)), new_entry)
                 || gtk_window_get_focus (GTK_WINDOW (dialog)) == new_entry);

  /* Only the confirmation differs: only it is cleared, and the focus goes there. */
  type_text (new_entry, "Kt7m2q9w");
  type_text (confirm_entry, "Kt7m2q9x");
  g_signal_emit_by_name (ok_button, "clicked");
  g_assert_cmpint (submitted, ==, 0);
  g_assert_true (gtk_widget_is_ancestor (gtk_window_get_focus (GTK_WINDOW (dialog)), confirm_entry)
                 || gtk_window_get_focus (GTK_WINDOW (dialog)) == confirm_entry);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (new_entry)), ==, "Kt7m2q9w");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (confirm_entry)), ==, "");

  /* Every rule met: submitted with the new PIN. */
  type_text (confirm_entry, "Kt7m2q9w");
  g_assert_true (tanba_control_panel_pin_dialog_is_acceptable (dialog));
  g_signal_emit_by_name (ok_button, "clicked");
  g_assert_cmpint (submitted, ==, 1);
  pin = tanba_control_panel_pin_dialog_dup_pin (dialog);
  g_assert_cmpstr (pin, ==, "Kt7m2q9w");

  /* The token refused it: both fields cleared, the reason said. */
  tanba_control_panel_pin_dialog_set_busy (dialog, TRUE);
  tanba_control_panel_pin_dialog_show_error (dialog, "The token refused the PIN.");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (new_entry)), ==, "");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (confirm_entry)), ==, "");
  gtk_test_accessible_assert_property (new_entry, GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, "The token refused the PIN.");
  g_assert_true (gtk_widget_get_sensitive (ok_button));
  gtk_window_destroy (GTK_WINDOW (dialog));

  /* Unblocking says so on its button. */
  dialog = tanba_control_panel_pin_dialog_new (NULL, TANBA_CONTROL_PANEL_PIN_UNBLOCK_USER, "Director", 0);
  g_assert_cmpint (tanba_control_panel_pin_dialog_get_mode (dialog), ==, TANBA_CONTROL_PANEL_PIN_UNBLOCK_USER);
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (child (GTK_WIDGET (dialog), "ok_button"))), ==, "_Unblock");
  gtk_window_destroy (GTK_WINDOW (dialog));
  iterate ();
}

/* ---- the name dialog ------------------------------------------------------- */

static void
test_name_dialog (void)
{
  TanbaControlPanelNameDialog *dialog = tanba_control_panel_name_dialog_new (NULL, "Old_name");
  GtkWidget *root = GTK_WIDGET (dialog);
  GtkWidget *entry = child (root, "name_entry");
  GtkWidget *ok_button = child (root, "ok_button");
  int submitted = 0;

  g_signal_connect (dialog, "submit", G_CALLBACK (count_cb), &submitted);
  gtk_window_present (GTK_WINDOW (dialog));
  iterate ();
  g_assert_cmpstr (tanba_control_panel_name_dialog_get_name (dialog), ==, "Old_name");
  gtk_test_accessible_assert_relation (entry, GTK_ACCESSIBLE_RELATION_LABELLED_BY, child (root, "name_label"), NULL);
  gtk_test_accessible_assert_relation (entry, GTK_ACCESSIBLE_RELATION_DESCRIBED_BY, child (root, "hint_label"), NULL);
  tanba_gui_test_assert_accessible (root);

  type_text (entry, "Директор");
  g_assert_nonnull (tanba_control_panel_name_dialog_get_message (dialog));
  g_signal_emit_by_name (ok_button, "clicked");
  g_assert_cmpint (submitted, ==, 0);
  gtk_test_accessible_assert_property (entry, GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                       tanba_control_panel_name_dialog_get_message (dialog));

  type_text (entry, "Director_2=main");
  g_assert_null (tanba_control_panel_name_dialog_get_message (dialog));
  g_signal_emit_by_name (ok_button, "clicked");
  g_assert_cmpint (submitted, ==, 1);

  /* No name at all is allowed too. */
  type_text (entry, "");
  g_assert_null (tanba_control_panel_name_dialog_get_message (dialog));
  gtk_window_destroy (GTK_WINDOW (dialog));
  iterate ();
}

/* ---- formatting ------------------------------------------------------------ */

static void
test_format_dialogs (void)
{
  AdwMessageDialog *dialog = tanba_control_panel_format_dialog_new (NULL, "Director", "0123456789abcdef", 2);
  GtkWidget *check = tanba_control_panel_format_dialog_get_check (dialog);

  /* It names what is destroyed, and the token. */
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "every key, every certificate"));
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "Director"));
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "0123456789abcdef"));
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "2 certificates"));
  g_assert_cmpstr (adw_message_dialog_get_default_response (dialog), ==, TANBA_FORMAT_RESPONSE_CANCEL);
  /* Not until the user says they understand. */
  g_assert_false (adw_message_dialog_get_response_enabled (dialog, TANBA_FORMAT_RESPONSE_FORMAT));
  {
    g_autofree char *name = tanba_gui_test_dup_name (check);

    /* Named by its words, not by the raw mnemonic "I _understand". */
    g_assert_true (g_str_has_prefix (name, "I understand that the keys"));
  }
  tanba_gui_test_assert_accessible (GTK_WIDGET (dialog));
  gtk_check_button_set_active (GTK_CHECK_BUTTON (check), TRUE);
  g_assert_true (adw_message_dialog_get_response_enabled (dialog, TANBA_FORMAT_RESPONSE_FORMAT));
  gtk_check_button_set_active (GTK_CHECK_BUTTON (check), FALSE);
  g_assert_false (adw_message_dialog_get_response_enabled (dialog, TANBA_FORMAT_RESPONSE_FORMAT));
  gtk_window_destroy (GTK_WINDOW (dialog));

  dialog = tanba_control_panel_format_refused_dialog_new (NULL, "A registration is unfinished.",
                                                          "qq111111_qwertyui");
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "A registration is unfinished."));
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "qq111111_qwertyui"));
  g_assert_true (adw_message_dialog_has_response (dialog, TANBA_FORMAT_RESPONSE_CONTINUE));
  g_assert_cmpstr (adw_message_dialog_get_response_label (dialog, TANBA_FORMAT_RESPONSE_CONTINUE),
                   ==, "C_ontinue Registration");
  g_assert_cmpstr (adw_message_dialog_get_default_response (dialog), ==, TANBA_FORMAT_RESPONSE_CONTINUE);
  gtk_window_destroy (GTK_WINDOW (dialog));
  iterate ();
}

/* ---- certificates ---------------------------------------------------------- */

static X509 *
make_certificate (const char *common_name,
                  const char *key_usage,
                  const char *extended_key_usage,
                  long        days_from_now)
{
  EVP_PKEY *key = EVP_EC_gen ("P-256");
  X509 *x509 = X509_new ();
  X509_NAME *name = X509_NAME_new ();
  X509V3_CTX ctx;

  X509_set_version (x509, 2);
  ASN1_INTEGER_set (X509_get_serialNumber (x509), 4242);
  X509_NAME_add_entry_by_txt (name, "CN", MBSTRING_UTF8, (const unsigned char *) common_name, -1, -1, 0);
  X509_set_subject_name (x509, name);
  X509_NAME_free (name);
  name = X509_NAME_new ();
  X509_NAME_add_entry_by_txt (name, "CN", MBSTRING_UTF8, (const unsigned char *) "Test Bank CA", -1, -1, 0);
  X509_set_issuer_name (x509, name);
  X509_NAME_free (name);
  X509_gmtime_adj (X509_getm_notBefore (x509), -400L * 24 * 3600);
  /* Half a day more, so whole days are not at an edge. */
  X509_gmtime_adj (X509_getm_notAfter (x509), days_from_now * 24 * 3600 + 12 * 3600);
  X509_set_pubkey (x509, key);
  X509V3_set_ctx (&ctx, x509, x509, NULL, NULL, 0);
  if (key_usage != NULL)
    {
      X509_EXTENSION *ext = X509V3_EXT_conf_nid (NULL, &ctx, NID_key_usage, key_usage);
      X509_add_ext (x509, ext, -1);
      X509_EXTENSION_free (ext);
    }
  if (extended_key_usage != NULL)
    {
      X509_EXTENSION *ext = X509V3_EXT_conf_nid (NULL, &ctx, NID_ext_key_usage, extended_key_usage);
      X509_add_ext (x509, ext, -1);
      X509_EXTENSION_free (ext);
    }
  g_assert_cmpint (X509_sign (x509, key, EVP_sha256 ()), >, 0);
  EVP_PKEY_free (key);
  return x509;
}

static void
test_certificate (void)
{
  X509 *signing = make_certificate ("Director Signing", "critical,digitalSignature,nonRepudiation", NULL, 200);
  X509 *auth = make_certificate ("Director Auth", "critical,digitalSignature", "clientAuth", 10);
  X509 *old = make_certificate ("Old", "critical,digitalSignature,nonRepudiation", "clientAuth", -4);
  g_autoptr(TanbaControlPanelCertificate) a = tanba_control_panel_certificate_new (signing, "signing", NULL, NULL, 30);
  g_autoptr(TanbaControlPanelCertificate) b = tanba_control_panel_certificate_new (auth, "auth", NULL, NULL, 30);
  g_autoptr(TanbaControlPanelCertificate) c = tanba_control_panel_certificate_new (old, NULL, NULL, NULL, 30);
  g_autofree char *text = NULL;
  g_autoptr(GBytes) pem = NULL;
  g_autoptr(GBytes) der = NULL;
  g_autoptr(GError) error = NULL;
  const unsigned char *p;
  X509 *back;

  g_assert_cmpstr (a->common_name, ==, "Director Signing");
  g_assert_cmpstr (a->issuer, ==, "CN=Test Bank CA");
  g_assert_cmpstr (a->serial, ==, "1092");
  g_assert_cmpint (a->purpose, ==, TANBA_CERTIFICATE_PURPOSE_SIGNING);
  g_assert_cmpstr (tanba_control_panel_certificate_purpose_text (a->purpose), ==, "Signing");
  g_assert_cmpint (a->validity, ==, TANBA_CERTIFICATE_VALID);
  g_assert_cmpint (a->days_left, ==, 200);
  text = tanba_control_panel_certificate_dup_state_text (a);
  g_assert_cmpstr (text, ==, "Valid, 200 days left");
  g_clear_pointer (&text, g_free);

  g_assert_cmpint (b->purpose, ==, TANBA_CERTIFICATE_PURPOSE_AUTHENTICATION);
  g_assert_cmpstr (tanba_control_panel_certificate_purpose_text (b->purpose), ==, "Authentication");
  g_assert_cmpint (b->validity, ==, TANBA_CERTIFICATE_EXPIRING);
  text = tanba_control_panel_certificate_dup_state_text (b);
  g_assert_cmpstr (text, ==, "Expires soon: 10 days left");
  g_clear_pointer (&text, g_free);
  /* The warning threshold is the setting's. */
  {
    g_autoptr(TanbaControlPanelCertificate) b5 = tanba_control_panel_certificate_new (auth, NULL, NULL, NULL, 5);
    g_assert_cmpint (b5->validity, ==, TANBA_CERTIFICATE_VALID);
  }

  g_assert_cmpint (c->purpose, ==, TANBA_CERTIFICATE_PURPOSE_SIGNING | TANBA_CERTIFICATE_PURPOSE_AUTHENTICATION);
  g_assert_cmpint (c->validity, ==, TANBA_CERTIFICATE_EXPIRED);
  text = tanba_control_panel_certificate_dup_state_text (c);
  g_assert_cmpstr (text, ==, "Expired 3 days ago");
  g_clear_pointer (&text, g_free);

  text = tanba_control_panel_certificate_dup_details (a);
  g_assert_nonnull (strstr (text, "Subject: CN=Director Signing"));
  g_assert_nonnull (strstr (text, "Purpose: Signing"));
  g_clear_pointer (&text, g_free);

  /* Export: PEM and DER both give the same certificate back. */
  pem = tanba_control_panel_certificate_export (a, TANBA_CERTIFICATE_FORMAT_PEM, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (g_bytes_get_data (pem, NULL), "-----BEGIN CERTIFICATE-----"));
  der = tanba_control_panel_certificate_export (a, TANBA_CERTIFICATE_FORMAT_DER, &error);
  g_assert_no_error (error);
  p = g_bytes_get_data (der, NULL);
  back = d2i_X509 (NULL, &p, g_bytes_get_size (der));
  g_assert_nonnull (back);
  g_assert_cmpint (X509_cmp (back, signing), ==, 0);
  X509_free (back);

  X509_free (signing);
  X509_free (auth);
  X509_free (old);
}

static void
test_certificates_tab (void)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *page = tanba_control_panel_certificates_new ();
  TanbaControlPanelCertificates *self = TANBA_CONTROL_PANEL_CERTIFICATES (page);
  g_autoptr(GPtrArray) certificates = g_ptr_array_new_with_free_func ((GDestroyNotify) tanba_cert_info_free);
  TanbaCertInfo *info;

  gtk_window_set_child (GTK_WINDOW (window), page);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_cmpuint (tanba_control_panel_certificates_get_n_items (self), ==, 0);
  g_assert_cmpstr (tanba_control_panel_certificates_get_status (self), ==, "No token is chosen.");

  tanba_control_panel_certificates_set_warning_days (self, 30);
  info = g_new0 (TanbaCertInfo, 1);
  info->label = g_strdup ("authentication");
  info->certificate = make_certificate ("Director Auth", "critical,digitalSignature", "clientAuth", 10);
  g_ptr_array_add (certificates, info);
  info = g_new0 (TanbaCertInfo, 1);
  info->label = g_strdup ("signing");
  info->certificate = make_certificate ("Director Signing", "critical,digitalSignature,nonRepudiation", NULL, -2);
  g_ptr_array_add (certificates, info);
  tanba_control_panel_certificates_set_certificates (self, certificates, NULL);

  g_assert_cmpuint (tanba_control_panel_certificates_get_n_items (self), ==, 2);
  g_assert_cmpstr (tanba_control_panel_certificates_get_status (self), ==,
                   "2 certificates. 1 has expired. 1 expires soon.");
  /* Each row is named with everything it shows, the state in words. */
  {
    g_autofree char *until = tanba_control_panel_certificate_dup_valid_until (tanba_control_panel_certificates_get_item (self, 0));
    g_autofree char *expected = g_strconcat ("Director Auth. Purpose: Authentication. Issuer: CN=Test Bank CA. Valid until: ",
                                             until, ". Expires soon: 10 days left", NULL);

    gtk_test_accessible_assert_property (tanba_control_panel_certificates_get_row (self, 0),
                                         GTK_ACCESSIBLE_PROPERTY_LABEL, expected);
  }
  g_assert_true (g_str_has_suffix (tanba_control_panel_certificates_get_item (self, 1)->subject, "Director Signing"));
  gtk_test_accessible_assert_relation (child (page, "list"), GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                       child (page, "heading_label"), NULL);
  g_assert_true (gtk_widget_get_sensitive (child (page, "export_pem_button")));

  tanba_control_panel_certificates_set_certificates (self, NULL, "The token was removed.");
  g_assert_cmpuint (tanba_control_panel_certificates_get_n_items (self), ==, 0);
  g_assert_false (gtk_widget_get_sensitive (child (page, "export_der_button")));
  gtk_window_destroy (GTK_WINDOW (window));
  iterate ();
}

/* ---- settings -------------------------------------------------------------- */

static void
test_settings_tab (void)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *page = tanba_control_panel_settings_new ();
  GSettings *settings = tanba_control_panel_settings_get_settings (TANBA_CONTROL_PANEL_SETTINGS (page));
  g_autofree char *algorithm = NULL;
  g_autofree char *ca = NULL;

  gtk_window_set_child (GTK_WINDOW (window), page);
  /* The tests run with the schema compiled into the build tree. */
  g_assert_nonnull (settings);
  type_text (child (page, "ca_entry"), "https://ca.example.kz/pkix/");
  ca = g_settings_get_string (settings, "ca-url");
  g_assert_cmpstr (ca, ==, "https://ca.example.kz/pkix/");
  gtk_drop_down_set_selected (GTK_DROP_DOWN (child (page, "algorithm_dropdown")), 1);
  algorithm = g_settings_get_string (settings, "key-algorithm");
  g_assert_cmpstr (algorithm, ==, "p256");
  g_settings_set_int (settings, "expiry-warning-days", 45);
  g_assert_cmpint ((int) gtk_spin_button_get_value (GTK_SPIN_BUTTON (child (page, "warning_spin"))), ==, 45);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (child (page, "term_spin")), 3);
  g_assert_cmpint (g_settings_get_int (settings, "certificate-term"), ==, 3);
  /* Every field is labelled by its mnemonic label. */
  gtk_test_accessible_assert_relation (child (page, "module_entry"), GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                       child (page, "module_label"), NULL);
  gtk_test_accessible_assert_relation (child (page, "algorithm_dropdown"), GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                       child (page, "algorithm_label"), NULL);
  gtk_test_accessible_assert_relation (child (page, "warning_spin"), GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                       child (page, "warning_label"), NULL);
  g_settings_reset (settings, "ca-url");
  g_settings_reset (settings, "key-algorithm");
  g_settings_reset (settings, "expiry-warning-days");
  g_settings_reset (settings, "certificate-term");
  gtk_window_destroy (GTK_WINDOW (window));
  iterate ();
}

/* Without the schema the tab says so (run in a subprocess with an empty schema dir). */
static void
test_settings_missing (void)
{
  if (g_test_subprocess ())
    {
      GtkWidget *page = tanba_control_panel_settings_new ();

      g_assert_null (tanba_control_panel_settings_get_settings (TANBA_CONTROL_PANEL_SETTINGS (page)));
      g_assert_nonnull (strstr (tanba_control_panel_settings_get_status (TANBA_CONTROL_PANEL_SETTINGS (page)),
                                "not installed"));
      g_assert_false (gtk_widget_get_visible (child (page, "fields")));
      g_object_ref_sink (page);
      g_object_unref (page);
      return;
    }
  {
    g_autofree char *old = g_strdup (g_getenv ("GSETTINGS_SCHEMA_DIR"));

    /* Only the build tree has the schema (GSETTINGS_SCHEMA_DIR); GTK needs
     * the system's schemas, so those stay. */
    g_unsetenv ("GSETTINGS_SCHEMA_DIR");
    for (const char *const *dir = g_get_system_data_dirs (); *dir != NULL; dir++)
      {
        g_autofree char *installed = g_build_filename (*dir, "glib-2.0", "schemas", "kz.tanba.Tanba.gschema.xml", NULL);

        if (g_file_test (installed, G_FILE_TEST_EXISTS))
          {
            g_setenv ("GSETTINGS_SCHEMA_DIR", old, TRUE);
            g_test_skip ("kz.tanba.Tanba is installed on this system: it cannot be missing");
            return;
          }
      }
    g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
    g_setenv ("GSETTINGS_SCHEMA_DIR", old, TRUE);
    g_test_trap_assert_passed ();
  }
}

/* ---- the window against SoftHSM -------------------------------------------- */

static TanbaTestSoftHsm *hsm;

static gboolean
window_has_token (gpointer data)
{
  GtkWidget *list = child (data, "info_list");
  int rows = 0;

  for (GtkWidget *row = gtk_widget_get_first_child (list); row != NULL; row = gtk_widget_get_next_sibling (row))
    rows++;
  return rows > 1;
}

static gboolean
window_logged_in (gpointer data)
{
  return tanba_control_panel_window_get_role (data) != TANBA_ROLE_NONE;
}

static GtkWindow *
find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels (); /* not ours */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return GTK_WINDOW (window);
    }
  return NULL;
}

static gboolean
login_dialog_has_error (gpointer data)
{
  GtkWidget *label = child (data, "message_label");

  return gtk_widget_has_css_class (label, "error");
}

static gboolean
refusal_shown (gpointer data)
{
  return find_toplevel (ADW_TYPE_MESSAGE_DIALOG) != NULL;
}

static void
continue_registration_cb (GSimpleAction *action,
                          GVariant      *parameter,
                          gpointer       user_data)
{
  g_free (*(char **) user_data);
  *(char **) user_data = g_variant_dup_string (parameter, NULL);
}

static gboolean info_says_unfinished (gpointer data);

static gboolean
window_has_state (gpointer data)
{
  return window_has_token (data) && info_says_unfinished (data);
}

static gboolean
info_says_unfinished (gpointer data)
{
  GtkWidget *list = child (data, "info_list");

  for (GtkWidget *row = gtk_widget_get_first_child (list); row != NULL; row = gtk_widget_get_next_sibling (row))
    {
      GtkWidget *box = gtk_list_box_row_get_child (GTK_LIST_BOX_ROW (row));
      GtkWidget *value = gtk_widget_get_last_child (box);

      if (g_str_has_prefix (gtk_label_get_text (GTK_LABEL (value)), "unfinished"))
        return TRUE;
    }
  return FALSE;
}

static void
test_window (void)
{
  g_autoptr(TanbaToken) token = tanba_test_softhsm_token (hsm, 0);
  g_autoptr(TanbaRegistrationMarker) marker = tanba_registration_marker_new ();
  g_autoptr(GSimpleActionGroup) app_actions = g_simple_action_group_new ();
  g_autoptr(GSimpleAction) action = g_simple_action_new ("continue-registration", G_VARIANT_TYPE_STRING);
  g_autofree char *continued = NULL;
  g_autoptr(GError) error = NULL;
  GtkWindow *window;
  GtkWindow *dialog;
  AdwMessageDialog *refusal;

  marker->user_id = g_strdup ("qq111111_qwertyui");
  g_assert_true (tanba_registration_marker_write (token, marker, &error));
  g_assert_no_error (error);

  window = tanba_control_panel_window_new_for_module (NULL, hsm->module_path);
  g_signal_connect (action, "activate", G_CALLBACK (continue_registration_cb), &continued);
  g_action_map_add_action (G_ACTION_MAP (app_actions), G_ACTION (action));
  gtk_widget_insert_action_group (GTK_WIDGET (window), "app", G_ACTION_GROUP (app_actions));
  gtk_window_present (window);
  wait_for (window_has_state, window);

  /* The tabs are named, and every group is labelled by its heading. */
  gtk_test_accessible_assert_property (gtk_widget_get_parent (child (GTK_WIDGET (window), "admin_tab_label")),
                                       GTK_ACCESSIBLE_PROPERTY_LABEL, "Administration");
  gtk_test_accessible_assert_relation (child (GTK_WIDGET (window), "pin_group"), GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                       child (GTK_WIDGET (window), "pin_heading"), NULL);
  gtk_test_accessible_assert_relation (child (GTK_WIDGET (window), "token_dropdown"), GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                       child (GTK_WIDGET (window), "token_label"), NULL);
  gtk_test_accessible_assert_relation (child (GTK_WIDGET (window), "format_button"), GTK_ACCESSIBLE_RELATION_DESCRIBED_BY,
                                       child (GTK_WIDGET (window), "format_description"), NULL);

  /* No focusable control without a name, on any tab. */
  for (int page = 0; page < 4; page++)
    {
      gtk_notebook_set_current_page (GTK_NOTEBOOK (child (GTK_WIDGET (window), "notebook")), page);
      iterate ();
      tanba_gui_test_assert_accessible (GTK_WIDGET (window));
    }
  gtk_notebook_set_current_page (GTK_NOTEBOOK (child (GTK_WIDGET (window), "notebook")), 0);

  /* A wrong PIN: the dialog says so and stays, the field cleared. */
  g_signal_emit_by_name (child (GTK_WIDGET (window), "login_button"), "clicked");
  dialog = find_toplevel (TANBA_TYPE_CONTROL_PANEL_LOGIN_DIALOG);
  g_assert_nonnull (dialog);
  type_text (child (GTK_WIDGET (dialog), "pin_entry"), "00000000");
  g_signal_emit_by_name (child (GTK_WIDGET (dialog), "login_button"), "clicked");
  wait_for (login_dialog_has_error, dialog);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (child (GTK_WIDGET (dialog), "pin_entry"))), ==, "");
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (child (GTK_WIDGET (dialog), "message_label"))), "wrong"));
  g_assert_cmpint (tanba_control_panel_window_get_role (TANBA_CONTROL_PANEL_WINDOW (window)), ==, TANBA_ROLE_NONE);

  /* The right one: logged in, the dialog gone, the result said. */
  type_text (child (GTK_WIDGET (dialog), "pin_entry"), TANBA_FACTORY_USER_PIN);
  g_signal_emit_by_name (child (GTK_WIDGET (dialog), "login_button"), "clicked");
  wait_for (window_logged_in, window);
  g_assert_cmpint (tanba_control_panel_window_get_role (TANBA_CONTROL_PANEL_WINDOW (window)), ==, TANBA_ROLE_USER);
  g_assert_cmpstr (tanba_control_panel_window_get_result (TANBA_CONTROL_PANEL_WINDOW (window)), ==,
                   "Logged in as the user.");
  iterate ();
  g_assert_null (find_toplevel (TANBA_TYPE_CONTROL_PANEL_LOGIN_DIALOG));
  gtk_test_accessible_assert_property (child (GTK_WIDGET (window), "login_button"),
                                       GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, "Logged in as the user.");

  /* An unfinished registration (written before the window opened): shown in
   * the information, and formatting is refused with the way out. */
  g_assert_true (info_says_unfinished (GTK_WIDGET (window)));
  g_signal_emit_by_name (child (GTK_WIDGET (window), "format_button"), "clicked");
  wait_for (refusal_shown, NULL);
  refusal = ADW_MESSAGE_DIALOG (find_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  g_assert_nonnull (strstr (adw_message_dialog_get_body (refusal), "unfinished"));
  g_assert_nonnull (strstr (adw_message_dialog_get_body (refusal), "qq111111_qwertyui"));
  /* No login was asked for: the refusal comes first. */
  g_assert_null (find_toplevel (TANBA_TYPE_CONTROL_PANEL_LOGIN_DIALOG));
  adw_message_dialog_response (refusal, TANBA_FORMAT_RESPONSE_CONTINUE);
  iterate ();
  g_assert_cmpstr (continued, ==, tanba_token_get_serial (token));

  /* The token is left as it was. */
  g_assert_cmpint (tanba_test_pkcs11_tool_login (hsm, tanba_token_get_slot_id (token), FALSE, TANBA_FACTORY_USER_PIN), ==, 0);
  gtk_window_destroy (window);
  iterate ();
}

/* The serial number in the chosen entry of the token chooser. */
static gboolean
chooser_shows (GtkWidget  *window,
               const char *serial)
{
  GtkDropDown *chooser = GTK_DROP_DOWN (child (window, "token_dropdown"));
  GObject *item = gtk_drop_down_get_selected_item (chooser);

  return item != NULL && strstr (gtk_string_object_get_string (GTK_STRING_OBJECT (item)), serial) != NULL;
}

/* Chooses @serial in the token chooser, as the user does. */
static void
choose (GtkWidget  *window,
        const char *serial)
{
  GtkDropDown *chooser = GTK_DROP_DOWN (child (window, "token_dropdown"));

  for (guint i = 0; i < g_list_model_get_n_items (gtk_drop_down_get_model (chooser)); i++)
    {
      gtk_drop_down_set_selected (chooser, i);
      if (chooser_shows (window, serial))
        break;
    }
  g_assert_true (chooser_shows (window, serial));
}

static gboolean
renew_focused (gpointer data)
{
  GtkWidget *page = child (data, "certificates_page");

  return gtk_window_get_focus (GTK_WINDOW (data)) == child (page, "renew_button");
}

/* The expiry notification's "Renew": the control panel on its Certificates
 * tab, the notified token chosen (not the one chosen before), "Renew…"
 * focused once that token's certificates are read. */
static void
test_show_renewal (void)
{
  g_autoptr(TanbaToken) other = tanba_test_softhsm_token (hsm, 0);
  g_autoptr(TanbaToken) token = tanba_test_softhsm_token (hsm, 1);
  g_autoptr(TanbaKeyInfo) key = NULL;
  g_autoptr(X509) certificate = make_certificate ("Director Signing", "critical,digitalSignature,nonRepudiation", NULL, 10);
  g_autoptr(GError) error = NULL;
  GtkWindow *window;
  GtkNotebook *notebook;

  g_assert_true (tanba_token_login (token, TANBA_ROLE_USER, TANBA_FACTORY_USER_PIN, &error));
  key = tanba_token_generate_key_pair (token, TANBA_KEY_P256, "signing", &error);
  g_assert_no_error (error);
  g_assert_true (tanba_token_store_certificate (token, certificate, key->id, "signing", &error));
  g_assert_true (tanba_token_logout (token, &error));

  window = tanba_control_panel_window_new_for_module (NULL, hsm->module_path);
  gtk_window_present (window);
  wait_for (window_has_token, window);
  /* The user had the other token chosen. */
  choose (GTK_WIDGET (window), tanba_token_get_serial (other));
  iterate ();

  tanba_control_panel_window_show_renewal (TANBA_CONTROL_PANEL_WINDOW (window), tanba_token_get_serial (token));
  notebook = GTK_NOTEBOOK (child (GTK_WIDGET (window), "notebook"));
  g_assert_cmpint (gtk_notebook_get_current_page (notebook), ==,
                   gtk_notebook_page_num (notebook, child (GTK_WIDGET (window), "certificates_page")));
  g_assert_true (chooser_shows (GTK_WIDGET (window), tanba_token_get_serial (token)));
  wait_for (renew_focused, window);
  /* What the focused button says: what is due. */
  gtk_test_accessible_assert_property (child (child (GTK_WIDGET (window), "certificates_page"), "renew_button"),
                                       GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                       tanba_control_panel_certificates_get_renew_line (TANBA_CONTROL_PANEL_CERTIFICATES (child (GTK_WIDGET (window), "certificates_page"))));
  g_assert_nonnull (strstr (tanba_control_panel_certificates_get_renew_line (TANBA_CONTROL_PANEL_CERTIFICATES (child (GTK_WIDGET (window), "certificates_page"))),
                            "expires in"));

  /* The user's own choice afterwards is not overridden when tokens change. */
  choose (GTK_WIDGET (window), tanba_token_get_serial (other));
  tanba_control_panel_window_show_renewal (TANBA_CONTROL_PANEL_WINDOW (window), NULL);
  g_assert_true (chooser_shows (GTK_WIDGET (window), tanba_token_get_serial (other)));

  gtk_window_destroy (window);
  iterate ();
  g_assert_true (tanba_token_login (token, TANBA_ROLE_USER, TANBA_FACTORY_USER_PIN, &error));
  g_assert_true (tanba_token_delete_certificate (token, key->id, &error));
  g_assert_true (tanba_token_delete_key (token, key->id, &error));
  g_assert_true (tanba_token_logout (token, &error));
}

int
main (int   argc,
      char *argv[])
{
  int status;

  tanba_gui_test_init (&argc, &argv);

  g_test_add_func ("/control-panel/pin-status", test_pin_status);
  g_test_add_func ("/control-panel/registration-text", test_registration_text);
  g_test_add_func ("/control-panel/login-dialog", test_login_dialog);
  g_test_add_func ("/control-panel/pin-dialog", test_pin_dialog);
  g_test_add_func ("/control-panel/name-dialog", test_name_dialog);
  g_test_add_func ("/control-panel/format-dialogs", test_format_dialogs);
  g_test_add_func ("/control-panel/certificate", test_certificate);
  g_test_add_func ("/control-panel/certificates-tab", test_certificates_tab);
  g_test_add_func ("/control-panel/settings-tab", test_settings_tab);
  g_test_add_func ("/control-panel/settings-missing", test_settings_missing);
  g_test_add_func ("/control-panel/window", test_window);
  g_test_add_func ("/control-panel/show-renewal", test_show_renewal);

  if (!g_test_subprocess ())
    hsm = tanba_test_softhsm_new (2);
  status = g_test_run ();
  g_clear_pointer (&hsm, tanba_test_softhsm_free);
  return status;
}
