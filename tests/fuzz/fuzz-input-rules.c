/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-input-rules.c: what a user types, from hostile bytes: the new
 * password rules (with its confirmation and the token's maximum), the token
 * name and its PKCS#11 label, the user ID, the OTP PIN and its look-alikes.
 *
 * Input: one byte selects the token's maximum PIN length (0: none), then a
 * length-prefixed confirmation, then the text itself. */
#include "config.h"

#include "fuzz-common.h"
#include "tanba-input-rules.h"
#include "tanba-password-policy.h"

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  fuzz_init_logs ();
  return 0;
}

/* 12 or more characters without a space, with a letter and a digit */
static gboolean
looks_secret (const char *text)
{
  gboolean letter = FALSE, digit = FALSE;

  if (strlen (text) < 12 || strchr (text, ' ') != NULL)
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    {
      letter |= g_ascii_isalpha (*p);
      digit |= g_ascii_isdigit (*p);
    }
  return letter && digit;
}

static void
check_password (const char *text,
                const char *confirmation,
                gsize       max_len)
{
  g_autoptr(TanbaPasswordEvaluation) evaluation = NULL;
  g_autoptr(GError) error = NULL;
  const TanbaPasswordRuleResult *results;
  guint n_results = 0;
  gboolean ok;
  char *sentence;

  ok = tanba_password_policy_check (text, confirmation, max_len, &error);
  g_assert_true (ok == (error == NULL));
  if (error != NULL)
    {
      g_assert_true (error->domain == TANBA_POLICY_ERROR);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      /* the message never quotes the password (checked where a quote could
       * not be a word of the message by chance) */
      if (looks_secret (text))
        g_assert_null (strstr (error->message, text));
    }

  evaluation = tanba_password_policy_evaluate (text, confirmation, max_len);
  results = tanba_password_evaluation_get_results (evaluation, &n_results);
  g_assert_cmpuint (n_results, <=, TANBA_PASSWORD_N_RULES);
  for (guint i = 0; i < n_results; i++)
    {
      g_assert_nonnull (results[i].description);
      g_assert_nonnull (tanba_password_rule_to_string (results[i].rule));
      g_assert_nonnull (tanba_rule_state_to_string (results[i].state));
      g_assert_true (tanba_password_evaluation_get_state (evaluation, results[i].rule)
                     == results[i].state);
    }
  /* both ways in agree */
  g_assert_true (tanba_password_evaluation_is_acceptable (evaluation) == ok);
  sentence = tanba_password_evaluation_dup_sentence (evaluation);
  g_assert_true ((sentence == NULL) == ok);
  if (sentence != NULL)
    g_assert_true (g_utf8_validate (sentence, -1, NULL));
  tanba_policy_text_free (sentence);
}

static void
check_names (const char *text)
{
  char label[TANBA_PKCS11_LABEL_LEN + 1];
  g_autoptr(GError) error = NULL;
  g_autofree char *normalized = NULL;

  if (tanba_token_name_validate (text, &error))
    {
      /* a valid name always fits a label */
      g_assert_true (tanba_pkcs11_label_pad (text, label, NULL));
      g_assert_cmpuint (strlen (label), ==, TANBA_PKCS11_LABEL_LEN);
    }
  else
    g_assert_true (error->domain == TANBA_POLICY_ERROR);
  g_clear_error (&error);

  if (!tanba_pkcs11_label_pad (text, label, &error))
    g_assert_true (error->domain == TANBA_POLICY_ERROR);
  g_assert_cmpuint (strlen (label), ==, TANBA_PKCS11_LABEL_LEN);
  g_clear_error (&error);

  normalized = tanba_user_id_normalize (text);
  g_assert_nonnull (normalized);
  g_assert_cmpuint (strlen (normalized), <=, strlen (text));
  if (tanba_user_id_validate (text, &error))
    {
      g_autofree char *twice = tanba_user_id_normalize (normalized);

      g_assert_cmpstr (twice, ==, normalized);
      g_assert_true (tanba_user_id_validate (normalized, NULL));
      g_assert_true (tanba_user_id_equal (text, normalized));
      g_assert_true (tanba_user_id_check_match (text, normalized, NULL));
    }
  else
    g_assert_true (error->domain == TANBA_POLICY_ERROR);
  g_clear_error (&error);
  tanba_user_id_check_match (text, "qq111111_qwertyui", NULL);
}

static void
check_otp_pin (const char *text)
{
  g_autofree char *pin = g_strdup (text);
  g_autoptr(GError) error = NULL;
  GStrv variants;
  guint n;

  tanba_otp_pin_normalize (pin, -1);
  g_assert_false (tanba_otp_pin_normalize (pin, -1)); /* idempotent */
  if (!tanba_otp_pin_validate (pin, &error))
    {
      g_assert_true (error->domain == TANBA_POLICY_ERROR);
      if (looks_secret (pin))
        g_assert_null (strstr (error->message, pin));
    }

  variants = tanba_otp_pin_dup_lookalikes (pin);
  g_assert_nonnull (variants);
  n = g_strv_length (variants);
  g_assert_cmpuint (n, >=, 1);
  g_assert_cmpuint (n, <=, TANBA_OTP_PIN_MAX_VARIANTS);
  g_assert_cmpstr (variants[0], ==, pin);
  for (guint i = 0; i < n; i++)
    g_assert_cmpuint (strlen (variants[i]), ==, strlen (pin));
  tanba_otp_pin_lookalikes_free (variants);

  /* with an explicit length too */
  tanba_otp_pin_normalize (pin, (gssize) strlen (pin) / 2);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *confirmation = NULL;
  g_autofree char *text = NULL;
  gsize max_len = 0;

  if (size > 0)
    {
      max_len = data[0] == 0xff ? G_MAXSIZE : data[0];
      data++;
      size--;
    }
  confirmation = fuzz_take_string (&data, &size);
  text = fuzz_strndup (data, size);

  check_password (text, NULL, max_len);
  check_password (text, confirmation, max_len);
  check_password (text, text, max_len);
  check_names (text);
  check_otp_pin (text);
  return 0;
}
