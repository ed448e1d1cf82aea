/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-signin.c: the sign-in, "Sign a document" and "Verify a signature"
 * windows, the expiry warnings and the certificates tab's renewal line, with
 * GTK_A11Y=test under Xvfb and SoftHSM tokens.
 *
 * Token 0 holds a finished registration made here: an RSA signing key and a
 * P-256 authentication key generated on the token, certificates for them
 * from a test CA (the signing one expires in 10 days), and the registration
 * record naming them. Token 1 stays in factory state. `openssl cms -verify`
 * checks the document signatures independently. Sign-in's success against
 * the bank is the end-to-end test's (signin_e2e.py); here: wrong password,
 * token removed, registration unfinished, server not trusted, and that the
 * token is logged out after a sign-in. */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "tanba-control-panel-certificates.h"
#include "tanba-expiry.h"
#include "tanba-gui-test.h"
#include "tanba-gui-util.h"
#include "tanba-http.h"
#include "tanba-registration-marker.h"
#include "tanba-sign-verify-window.h"
#include "tanba-sign-window.h"
#include "tanba-signin-window.h"
#include "tanba-test-refserver.h"
#include "tanba-test-token.h"
#include "tanba-test-x509.h"
#include "tanba-token-error.h"

#define PIN TANBA_FACTORY_USER_PIN
#define TOKEN_NAME "Director-7"

static TanbaTestSoftHsm *hsm;
static char *tmp;
static char *ca_pem;
static EVP_PKEY *ca_key;
static X509 *ca_cert;
static char *serial0;

static char *
tmp_path (const char *name)
{
  return g_build_filename (tmp, name, NULL);
}

/* Token 0: a finished registration, made by hand. */
static void
register_token0 (void)
{
  g_autoptr(TanbaToken) token = tanba_test_softhsm_token (hsm, 0);
  g_autoptr(TanbaRegistrationMarker) marker = tanba_registration_marker_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(TanbaKeyInfo) signing = NULL;
  g_autoptr(TanbaKeyInfo) authentication = NULL;
  EVP_PKEY *public_key;
  X509 *cert;

  serial0 = g_strdup (tanba_token_get_serial (token));
  g_assert_true (tanba_token_login (token, TANBA_ROLE_USER, PIN, &error));
  g_assert_no_error (error);
  signing = tanba_token_generate_key_pair (token, TANBA_KEY_RSA2048, "Tanba signing key", &error);
  g_assert_no_error (error);
  authentication = tanba_token_generate_key_pair (token, TANBA_KEY_P256, "Tanba authentication key", &error);
  g_assert_no_error (error);

  public_key = tanba_token_get_public_key (token, signing->id, &error);
  g_assert_no_error (error);
  cert = tanba_test_x509_issue (public_key, ca_cert, ca_key, "Aigerim Bekova", "Tanba Test Bank",
                                TANBA_TEST_CERT_SIGNING, -3600, 10 * 86400 + 43200);
  EVP_PKEY_free (public_key);
  g_assert_true (tanba_token_store_certificate (token, cert, signing->id, "Tanba signing certificate", &error));
  g_assert_no_error (error);
  X509_free (cert);

  public_key = tanba_token_get_public_key (token, authentication->id, &error);
  g_assert_no_error (error);
  cert = tanba_test_x509_issue (public_key, ca_cert, ca_key, "Aigerim Bekova", "Tanba Test Bank",
                                TANBA_TEST_CERT_AUTHENTICATION, -3600, 400 * 86400 + 43200);
  EVP_PKEY_free (public_key);
  g_assert_true (tanba_token_store_certificate (token, cert, authentication->id, "Tanba authentication certificate", &error));
  g_assert_no_error (error);
  X509_free (cert);

  marker->step = g_strdup ("done");
  marker->user_id = g_strdup ("qq111111_qwertyui");
  marker->signing_key_id = tanba_id_to_hex (signing->id);
  marker->authentication_key_id = tanba_id_to_hex (authentication->id);
  marker->algorithm = g_strdup ("rsa2048");
  marker->term_years = 1;
  g_assert_true (tanba_registration_marker_write (token, marker, &error));
  g_assert_no_error (error);
  g_assert_true (tanba_token_set_name (token, TOKEN_NAME, &error));
  g_assert_no_error (error);
  g_assert_true (tanba_token_logout (token, &error));
  g_assert_no_error (error);
}

static void
wait_until (gboolean (*done) (gpointer),
            gpointer  data,
            guint     timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!done (data) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE), g_usleep (2000);
  g_assert_true (done (data));
}

static gboolean
signin_idle (gpointer data)
{
  return !tanba_signin_window_is_busy (data);
}

static gboolean
signin_has_profiles (gpointer data)
{
  GPtrArray *profiles = tanba_signin_window_get_profiles (data);

  return profiles != NULL && profiles->len > 0;
}

static TanbaSigninProfile *
fake_profile (const char *serial,
              const char *title,
              const char *user_id)
{
  TanbaSigninProfile *p = g_new0 (TanbaSigninProfile, 1);

  p->serial = g_strdup (serial);
  p->title = g_strdup (title);
  p->user_id = g_strdup (user_id);
  p->authentication_id = g_bytes_new_static ("\x01", 1);
  return p;
}

/* ---- the sign-in window ------------------------------------------------------------- */

static void
test_signin_markup (void)
{
  GtkWindow *window = tanba_signin_window_new (NULL, hsm->module, NULL, NULL, "https://127.0.0.1:9/",
                                               NULL, "S2");
  TanbaSigninWindow *self = TANBA_SIGNIN_WINDOW (window);
  g_autoptr(GPtrArray) profiles = g_ptr_array_new_with_free_func ((GDestroyNotify) tanba_signin_profile_free);
  GtkWidget *root = GTK_WIDGET (window);
  GtkWidget *password = tanba_gui_test_find_labelled (root, "Pass_word");
  GtkWidget *dropdown = tanba_gui_test_find_labelled (root, "_Profile");
  GtkWidget *signin = tanba_gui_test_find (root, GTK_TYPE_BUTTON, "_Sign In");
  GtkWidget *focus;

  g_assert_true (GTK_IS_PASSWORD_ENTRY (password));
  g_assert_true (GTK_IS_DROP_DOWN (dropdown));
  g_assert_false (gtk_password_entry_get_show_peek_icon (GTK_PASSWORD_ENTRY (password)));
  gtk_test_accessible_assert_relation (GTK_ACCESSIBLE (password), GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                       tanba_gui_test_find (root, GTK_TYPE_LABEL, "Pass_word"), NULL);
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (password), GTK_ACCESSIBLE_PROPERTY_REQUIRED, TRUE);
  gtk_test_accessible_assert_relation (GTK_ACCESSIBLE (dropdown), GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                       tanba_gui_test_find (root, GTK_TYPE_LABEL, "_Profile"), NULL);

  /* Two profiles; the one asked for (the wizard's new one) is selected. */
  g_ptr_array_add (profiles, fake_profile ("S1", "Accountant-1", "aa111111_aaaaaaaa"));
  g_ptr_array_add (profiles, fake_profile ("S2", "Director-2", "bb222222_bbbbbbbb"));
  tanba_signin_window_set_profiles (self, profiles);
  g_assert_cmpstr (tanba_signin_window_get_selected (self), ==, "S2");
  g_assert_false (gtk_widget_get_sensitive (signin));
  gtk_editable_set_text (GTK_EDITABLE (password), "x");
  g_assert_true (gtk_widget_get_sensitive (signin));
  gtk_editable_set_text (GTK_EDITABLE (password), "");
  g_assert_false (gtk_widget_get_sensitive (signin));

  /* The profile list says which profile is chosen (GTK 4.8 names the
   * drop-down's button by the label, the choice is its description). */
  for (GtkWidget *child = gtk_widget_get_first_child (dropdown); child != NULL; child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_TOGGLE_BUTTON (child))
      {
        gtk_test_accessible_assert_relation (GTK_ACCESSIBLE (child), GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                             tanba_gui_test_find (root, GTK_TYPE_LABEL, "_Profile"), NULL);
        gtk_test_accessible_assert_property (GTK_ACCESSIBLE (child), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                             "Director-2 (user bb222222_bbbbbbbb)");
      }

  /* Opened, the first control (the profile) has the focus. */
  gtk_window_present (window);
  for (int i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
  focus = gtk_root_get_focus (GTK_ROOT (window));
  g_assert_nonnull (focus);
  g_assert_true (focus == dropdown || gtk_widget_is_ancestor (focus, dropdown));
  tanba_gui_test_assert_accessible (root);

  /* No profile left: the hint says what to do, and describes the chooser. */
  g_ptr_array_set_size (profiles, 0);
  tanba_signin_window_set_profiles (self, profiles);
  g_assert_null (tanba_signin_window_get_selected (self));
  /* The token of the chosen profile was pulled out: said, through the focused control. */
  g_assert_cmpstr (tanba_signin_window_get_message (self), ==, "The token was removed. Connect it again to sign in.");
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (dropdown), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                       "No registered token is connected. Connect your token; if it is new, register it first with the registration wizard.");
  gtk_window_destroy (window);
}

/* The real token list: only the registered token is a profile. */
static void
test_signin_profiles (void)
{
  GtkWindow *window = tanba_signin_window_new (NULL, hsm->module, NULL, NULL, "https://127.0.0.1:9/", NULL, NULL);
  TanbaSigninWindow *self = TANBA_SIGNIN_WINDOW (window);
  GPtrArray *profiles;
  TanbaSigninProfile *p;
  g_autofree char *display = NULL;

  wait_until (signin_has_profiles, self, 10000);
  profiles = tanba_signin_window_get_profiles (self);
  g_assert_cmpuint (profiles->len, ==, 1);
  p = g_ptr_array_index (profiles, 0);
  g_assert_cmpstr (p->serial, ==, serial0);
  g_assert_cmpstr (p->title, ==, TOKEN_NAME);
  display = tanba_signin_profile_dup_display (p);
  g_assert_cmpstr (display, ==, TOKEN_NAME " (user qq111111_qwertyui)");
  g_assert_cmpstr (tanba_signin_window_get_selected (self), ==, serial0);
  gtk_window_destroy (window);
}

/* A wrong password: refused by the token once, the field cleared, the
 * message shown and spoken through the focused field's description. */
static void
test_signin_wrong_password (void)
{
  GtkWindow *window = tanba_signin_window_new (NULL, hsm->module, NULL, NULL, "https://127.0.0.1:9/", NULL, serial0);
  TanbaSigninWindow *self = TANBA_SIGNIN_WINDOW (window);
  GtkWidget *root = GTK_WIDGET (window);
  GtkWidget *password = tanba_gui_test_find_labelled (root, "Pass_word");
  GtkWidget *signin = tanba_gui_test_find (root, GTK_TYPE_BUTTON, "_Sign In");
  GtkWidget *message_label;
  const char *message;

  gtk_window_present (window);
  wait_until (signin_has_profiles, self, 10000);
  tanba_gui_focus (password);
  tanba_gui_test_type (password, "Wrong123");
  g_assert_true (gtk_widget_get_sensitive (signin));
  g_signal_emit_by_name (signin, "clicked");
  g_assert_true (tanba_signin_window_is_busy (self));
  wait_until (signin_idle, self, 30000);

  message = tanba_signin_window_get_message (self);
  g_test_message ("said: %s", message);
  g_assert_nonnull (message);
  g_assert_true (g_str_has_prefix (message, "The password is wrong. Type it again"));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (password)), ==, "");
  g_assert_null (tanba_signin_window_get_result (self));
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (password), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, message);
  message_label = tanba_gui_test_find (root, GTK_TYPE_LABEL, message);
  g_assert_nonnull (message_label);
  g_assert_true (gtk_widget_get_visible (message_label));
  g_assert_true (gtk_widget_has_css_class (message_label, "error"));
  /* The token takes the right password afterwards (one wrong try, not locked). */
  {
    g_autoptr(TanbaToken) token = tanba_test_softhsm_token (hsm, 0);

    g_assert_cmpint (tanba_test_pkcs11_tool_login (hsm, tanba_token_get_slot_id (token), FALSE, PIN), ==, 0);
  }
  gtk_window_destroy (window);
}

static void
test_signin_problems (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TanbaBankSession) session = NULL;
  g_autofree char *message = NULL;
  g_autoptr(TanbaToken) token1 = tanba_test_softhsm_token (hsm, 1);
  TanbaTokenInfo info = { 0 };

  /* The token is not there (pulled out). */
  session = tanba_signin_run (hsm->module, "0000000000000000", PIN, "https://127.0.0.1:9/", NULL, NULL, &error);
  g_assert_null (session);
  g_assert_error (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_TOKEN_REMOVED);
  g_assert_cmpint (tanba_signin_explain (error, NULL, &message), ==, TANBA_SIGNIN_PROBLEM_TOKEN);
  g_assert_cmpstr (message, ==, "The token was removed. Connect it again, choose its profile and sign in again.");
  g_clear_error (&error);
  g_clear_pointer (&message, g_free);

  /* A token whose registration is not finished: no password is tried. */
  session = tanba_signin_run (hsm->module, tanba_token_get_serial (token1), "Wrong123", "https://127.0.0.1:9/",
                              NULL, NULL, &error);
  g_assert_null (session);
  g_assert_error (error, TANBA_BANK_ERROR, TANBA_BANK_ERROR_NOT_REGISTERED);
  g_assert_cmpint (tanba_signin_explain (error, NULL, &message), ==, TANBA_SIGNIN_PROBLEM_CERTIFICATE);
  g_assert_nonnull (strstr (message, "not finished"));
  g_clear_error (&error);
  g_clear_pointer (&message, g_free);

  /* The bank's words for a revoked certificate are kept. */
  g_set_error_literal (&error, TANBA_BANK_ERROR, TANBA_BANK_ERROR_CERTIFICATE, "The certificate is revoked.");
  g_assert_cmpint (tanba_signin_explain (error, NULL, &message), ==, TANBA_SIGNIN_PROBLEM_CERTIFICATE);
  g_assert_cmpstr (message, ==, "The certificate is revoked.");
  g_clear_error (&error);
  g_clear_pointer (&message, g_free);

  /* A wrong password with the token's "last try" flag says so. */
  info.flags = CKF_TOKEN_INITIALIZED | CKF_USER_PIN_INITIALIZED | CKF_USER_PIN_FINAL_TRY;
  g_set_error_literal (&error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_PIN_INCORRECT, "wrong");
  g_assert_cmpint (tanba_signin_explain (error, &info, &message), ==, TANBA_SIGNIN_PROBLEM_PASSWORD);
  g_assert_nonnull (strstr (message, "Last try"));
  g_clear_error (&error);
  g_clear_pointer (&message, g_free);
  info.flags |= CKF_USER_PIN_LOCKED;
  g_set_error_literal (&error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_PIN_INCORRECT, "wrong");
  g_assert_cmpint (tanba_signin_explain (error, &info, &message), ==, TANBA_SIGNIN_PROBLEM_LOCKED);
  g_clear_error (&error);
  g_clear_pointer (&message, g_free);
}

/* A bank whose TLS certificate the trust anchor does not vouch for: nothing
 * is sent, and the message says so. Then the token is logged out: a wrong
 * password is refused as wrong, not waved through by a login that stayed. */
static void
test_signin_untrusted (void)
{
  g_autofree char *dir = tanba_test_make_tmp_dir ();
  g_autofree char *data = g_build_filename (dir, "server", NULL);
  g_autoptr(TanbaTestDemo) demo = tanba_test_demo_new (data, NULL);
  TanbaTestRefserver *server = tanba_test_refserver_start (demo->dir, TRUE, FALSE);
  g_autoptr(TanbaBankSession) session = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  session = tanba_signin_run (hsm->module, serial0, PIN, server->url, ca_pem, NULL, &error);
  g_test_message ("untrusted: %s", error != NULL ? error->message : "(none)");
  g_assert_null (session);
  g_assert_error (error, TANBA_HTTP_ERROR, TANBA_HTTP_ERROR_UNTRUSTED);
  g_assert_cmpint (tanba_signin_explain (error, NULL, &message), ==, TANBA_SIGNIN_PROBLEM_SERVER);
  g_assert_true (g_str_has_prefix (message, "The bank’s server is not the one Tanba trusts"));
  g_clear_error (&error);

  session = tanba_signin_run (hsm->module, serial0, "Wrong123", server->url, ca_pem, NULL, &error);
  g_assert_null (session);
  g_assert_error (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_PIN_INCORRECT);
  g_clear_error (&error);

  /* Trusted, but the bank never registered this certificate. */
  session = tanba_signin_run (hsm->module, serial0, PIN, server->url, demo->ca_certificate, NULL, &error);
  g_test_message ("unknown certificate: %s", error != NULL ? error->message : "(none)");
  g_assert_null (session);
  g_assert_error (error, TANBA_BANK_ERROR, TANBA_BANK_ERROR_CERTIFICATE);

  tanba_test_refserver_stop (server);
  tanba_test_remove_tree (dir);
}

/* ---- signing and verifying ----------------------------------------------------------- */

static gboolean
sign_idle (gpointer data)
{
  return !tanba_sign_window_is_busy (data);
}

static gboolean
sign_has_profiles (gpointer data)
{
  return tanba_sign_window_get_n_profiles (data) > 0;
}

static gboolean
verify_idle (gpointer data)
{
  return !tanba_sign_verify_window_is_busy (data);
}

static int
openssl_verify (const char *file,
                const char *signature)
{
  const char *argv[] = { "openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", signature,
                         "-content", file, "-CAfile", ca_pem, "-purpose", "any", "-out", "/dev/null", NULL };

  return tanba_test_run (argv, NULL, NULL, NULL);
}

static const char *
verify_in_window (const char *file)
{
  static char *kept;
  GtkWindow *window = tanba_sign_verify_window_new (NULL, ca_pem);
  TanbaSignVerifyWindow *self = TANBA_SIGN_VERIFY_WINDOW (window);
  GtkWidget *verify = tanba_gui_test_find (GTK_WIDGET (window), GTK_TYPE_BUTTON, "_Verify");

  g_assert_false (gtk_widget_get_sensitive (verify));
  tanba_sign_verify_window_set_file (self, file); /* FILE.p7s is picked by itself */
  g_assert_true (gtk_widget_get_sensitive (verify));
  tanba_gui_test_assert_accessible (GTK_WIDGET (window));
  g_signal_emit_by_name (verify, "clicked");
  wait_until (verify_idle, self, 30000);
  g_free (kept);
  kept = g_strdup (tanba_sign_verify_window_get_message (self));
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (verify), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, kept);
  gtk_window_destroy (window);
  return kept;
}

static void
test_sign_document (void)
{
  g_autofree char *file = tmp_path ("payment order.txt");
  g_autofree char *signature = g_strconcat (file, ".p7s", NULL);
  GtkWindow *window = tanba_sign_window_new (NULL, hsm->module, NULL, NULL, ca_pem);
  TanbaSignWindow *self = TANBA_SIGN_WINDOW (window);
  GtkWidget *root = GTK_WIDGET (window);
  GtkWidget *password = tanba_gui_test_find_labelled (root, "Token pass_word");
  GtkWidget *sign = tanba_gui_test_find (root, GTK_TYPE_BUTTON, "_Sign");
  GtkWidget *choose = tanba_gui_test_find (root, GTK_TYPE_BUTTON, "Choose the _Document…");
  const char *message;

  g_assert_true (g_file_set_contents (file, "Pay 1 000 000 KZT to Tanba LLP.\n", -1, NULL));
  g_assert_false (gtk_password_entry_get_show_peek_icon (GTK_PASSWORD_ENTRY (password)));
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (choose), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                       "No document is chosen.");
  gtk_window_present (window);
  wait_until (sign_has_profiles, self, 10000);
  tanba_gui_test_assert_accessible (root);
  g_assert_false (gtk_widget_get_sensitive (sign));
  tanba_sign_window_set_file (self, file);
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (choose), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, file);

  /* A wrong password first: nothing is written, the field is cleared. */
  tanba_gui_focus (password);
  tanba_gui_test_type (password, "Wrong123");
  g_signal_emit_by_name (sign, "clicked");
  wait_until (sign_idle, self, 30000);
  message = tanba_sign_window_get_message (self);
  g_test_message ("said: %s", message);
  g_assert_true (g_str_has_prefix (message, "The document was not signed. The password is wrong."));
  g_assert_false (g_file_test (signature, G_FILE_TEST_EXISTS));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (password)), ==, "");
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (password), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, message);

  tanba_gui_test_type (password, PIN);
  g_signal_emit_by_name (sign, "clicked");
  wait_until (sign_idle, self, 60000);
  message = tanba_sign_window_get_message (self);
  g_test_message ("said: %s", message);
  g_assert_nonnull (strstr (message, "Signed. The signature is saved to"));
  g_assert_nonnull (strstr (message, "payment order.txt.p7s"));
  g_assert_nonnull (strstr (message, "Signed by Aigerim Bekova, Tanba Test Bank."));
  g_assert_true (g_file_test (signature, G_FILE_TEST_IS_REGULAR));
  gtk_window_destroy (window);

  /* OpenSSL accepts it; the verify window says valid, who and when. */
  g_assert_cmpint (openssl_verify (file, signature), ==, 0);
  message = verify_in_window (file);
  g_test_message ("verified: %s", message);
  g_assert_true (g_str_has_prefix (message, "The signature is valid: signed by Aigerim Bekova (Tanba Test Bank) on "));
  g_assert_nonnull (strstr (message, ". Certificate "));

  /* A changed document: OpenSSL and Tanba both refuse it, and say why. */
  g_assert_true (g_file_set_contents (file, "Pay 9 000 000 KZT to Tanba LLP.\n", -1, NULL));
  g_assert_cmpint (openssl_verify (file, signature), !=, 0);
  message = verify_in_window (file);
  g_test_message ("tampered: %s", message);
  g_assert_true (g_str_has_prefix (message, "The signature is NOT valid. The file does not match the signature"));
  g_assert_nonnull (strstr (message, "Signed by Aigerim Bekova, Tanba Test Bank (certificate "));
  g_assert_nonnull (strstr (message, "Signed on "));

  /* The token was logged out after signing. */
  {
    g_autoptr(TanbaToken) token = tanba_test_softhsm_token (hsm, 0);

    g_assert_cmpint (tanba_token_get_role (token), ==, TANBA_ROLE_NONE);
  }
}

/* A signature made by OpenSSL (a software key with a signing certificate
 * from the same CA) is read and judged by Tanba. */
static void
test_verify_openssl_signature (void)
{
  g_autofree char *file = tmp_path ("contract.txt");
  g_autofree char *signature = g_strconcat (file, ".p7s", NULL);
  g_autofree char *key_path = tmp_path ("openssl-signer.key");
  g_autofree char *cert_path = tmp_path ("openssl-signer.crt");
  EVP_PKEY *key = EVP_EC_gen ("P-256");
  X509 *cert = tanba_test_x509_issue (key, ca_cert, ca_key, "Openssl Signer", "Tanba Test Bank",
                                      TANBA_TEST_CERT_SIGNING, -3600, 100 * 86400 + 43200);
  FILE *f;
  const char *argv[] = { "openssl", "cms", "-sign", "-binary", "-cades", "-outform", "DER", "-in", file,
                         "-signer", cert_path, "-inkey", key_path, "-out", signature, NULL };
  const char *message;

  g_assert_true (g_file_set_contents (file, "A contract.\n", -1, NULL));
  tanba_test_x509_write_pem (cert_path, cert);
  f = fopen (key_path, "w");
  g_assert_true (PEM_write_PrivateKey (f, key, NULL, NULL, 0, NULL, NULL));
  fclose (f);
  g_assert_cmpint (tanba_test_run (argv, NULL, NULL, NULL), ==, 0);
  message = verify_in_window (file);
  g_test_message ("openssl's: %s", message);
  g_assert_true (g_str_has_prefix (message, "The signature is valid: signed by Openssl Signer"));
  X509_free (cert);
  EVP_PKEY_free (key);
}

/* ---- expiry -------------------------------------------------------------------------- */

static void
test_expiry (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) warnings = tanba_expiry_collect (hsm->module, 30, &error);
  g_autoptr(GPtrArray) none = NULL;
  g_autoptr(GNotification) notification = NULL;
  g_autofree char *text = NULL;
  g_autofree char *id = NULL;
  g_autofree char *expected_id = g_strconcat ("tanba-expiry-", serial0, "-signing", NULL);
  TanbaExpiryWarning *w;

  g_assert_no_error (error);
  /* The signing certificate (10 days) is due; the authentication one (400) is not. */
  g_assert_cmpuint (warnings->len, ==, 1);
  w = g_ptr_array_index (warnings, 0);
  g_assert_cmpstr (w->serial, ==, serial0);
  g_assert_cmpstr (w->token_name, ==, TOKEN_NAME);
  g_assert_cmpint (w->profile, ==, TANBA_CERT_PROFILE_SIGNING);
  g_assert_cmpint (w->days_left, ==, 10);
  text = tanba_expiry_warning_text (w);
  g_assert_cmpstr (text, ==, "The signing certificate on " TOKEN_NAME " expires in 10 days. Renew it.");
  id = tanba_expiry_notification_id (w);
  g_assert_cmpstr (id, ==, expected_id);
  notification = tanba_expiry_notification_new (w);
  g_assert_nonnull (notification);

  /* Fewer warning days: nothing is due. */
  none = tanba_expiry_collect (hsm->module, 5, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (none->len, ==, 0);

  /* Expired and today. */
  w->days_left = -3;
  g_free (text);
  text = tanba_expiry_warning_text (w);
  g_assert_cmpstr (text, ==, "The signing certificate on " TOKEN_NAME " has expired. Renew it.");
  w->days_left = 1;
  w->profile = TANBA_CERT_PROFILE_AUTHENTICATION;
  g_free (text);
  text = tanba_expiry_warning_text (w);
  g_assert_cmpstr (text, ==, "The authentication certificate on " TOKEN_NAME " expires in 1 day. Renew it.");
}

/* The certificates tab says what is due and offers Renew… for the token. */
static void
test_certificates_renew_line (void)
{
  g_autoptr(TanbaToken) token = tanba_test_softhsm_token (hsm, 0);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) certificates = tanba_token_list_certificates (token, &error);
  GtkWidget *tab = tanba_control_panel_certificates_new ();
  TanbaControlPanelCertificates *self = TANBA_CONTROL_PANEL_CERTIFICATES (tab);
  GtkWidget *window = gtk_window_new ();
  GtkWidget *renew;

  g_object_ref_sink (tab);
  gtk_window_set_child (GTK_WINDOW (window), tab);
  g_assert_no_error (error);
  renew = tanba_gui_test_find (tab, GTK_TYPE_BUTTON, "_Renew…");
  g_assert_nonnull (renew);
  tanba_control_panel_certificates_set_warning_days (self, 30);
  tanba_control_panel_certificates_set_certificates (self, certificates, NULL);
  g_assert_false (gtk_widget_get_sensitive (renew));   /* no token given yet */
  tanba_control_panel_certificates_set_token (self, token);
  g_assert_true (gtk_widget_get_sensitive (renew));
  g_assert_cmpstr (tanba_control_panel_certificates_get_renew_line (self), ==,
                   "The signing certificate expires in 10 days — renew it.");
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (renew), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                       "The signing certificate expires in 10 days — renew it.");
  gtk_window_present (GTK_WINDOW (window));
  tanba_gui_test_assert_accessible (window);
  tanba_control_panel_certificates_set_token (self, NULL);
  g_assert_false (gtk_widget_get_sensitive (renew));
  gtk_window_destroy (GTK_WINDOW (window));
  g_object_unref (tab);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  tanba_gui_test_init (&argc, &argv);

  g_test_add_func ("/signin/markup", test_signin_markup);
  g_test_add_func ("/signin/profiles", test_signin_profiles);
  g_test_add_func ("/signin/wrong-password", test_signin_wrong_password);
  g_test_add_func ("/signin/problems", test_signin_problems);
  g_test_add_func ("/signin/untrusted-then-logged-out", test_signin_untrusted);
  g_test_add_func ("/sign/document", test_sign_document);
  g_test_add_func ("/sign/verify-openssl", test_verify_openssl_signature);
  g_test_add_func ("/expiry/collect", test_expiry);
  g_test_add_func ("/expiry/certificates-tab", test_certificates_renew_line);

  tmp = tanba_test_make_tmp_dir ();
  hsm = tanba_test_softhsm_new (2);
  ca_key = EVP_EC_gen ("P-256");
  ca_cert = tanba_test_x509_issue (ca_key, NULL, ca_key, "Tanba Test Root", "Tanba Test Bank",
                                  TANBA_TEST_CERT_CA, -3600, 3650 * 86400 + 43200);
  ca_pem = tmp_path ("ca.pem");
  tanba_test_x509_write_pem (ca_pem, ca_cert);
  register_token0 ();

  status = g_test_run ();

  g_clear_pointer (&hsm, tanba_test_softhsm_free);
  X509_free (ca_cert);
  EVP_PKEY_free (ca_key);
  tanba_test_remove_tree (tmp);
  return status;
}
