/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-password-policy.c: the input rules (spec 4): new token password, token
 * name, PKCS#11 label, user ID, OTP PIN and its look-alike variants. */
#include "config.h"

#include <locale.h>
#include <string.h>

#include "tanba-input-rules.h"
#include "tanba-password-policy.h"

/* A password with a letter and a digit, no run and no repeat, that stays so
 * whichever of the runs below is put anywhere into it. */
#define BASE "q8m8q8m8"

/* Expected states, one character per rule in TanbaPasswordRule order:
 * '+' met, 'x' not met, '.' not applicable or left out. */
typedef struct
{
  const char *password;
  const char *confirmation;
  gsize       max_len;
  const char *states;
  int         code;      /* TANBA_POLICY_ERROR_* from check, or -1 */
} PasswordCase;

static const PasswordCase password_cases[] = {
  /* nothing typed */
  { NULL,             NULL,        0, "........", TANBA_POLICY_ERROR_PASSWORD_TOO_SHORT },
  { "",               "",          0, "........", TANBA_POLICY_ERROR_PASSWORD_TOO_SHORT },
  { "",               "a1b2c3d4",  8, "........", TANBA_POLICY_ERROR_PASSWORD_TOO_SHORT },
  /* minimum length: 7 / 8 */
  { "a1b2c3d",        "a1b2c3d",   0, "x.++++++", TANBA_POLICY_ERROR_PASSWORD_TOO_SHORT },
  { "a1b2c3d4",       "a1b2c3d4",  0, "+.++++++", -1 },
  { "a",              NULL,        0, "x.++x++.", TANBA_POLICY_ERROR_PASSWORD_TOO_SHORT },
  /* maximum length: at, one over, none (0 and CK_UNAVAILABLE_INFORMATION) */
  { "a1b2c3d4",       "a1b2c3d4",  8, "++++++++", -1 },
  { "a1b2c3d4e",      "a1b2c3d4e", 8, "+x++++++", TANBA_POLICY_ERROR_PASSWORD_TOO_LONG },
  { "a1b2c3d4e5f6g7h8i9", NULL,   16, "+x+++++.", TANBA_POLICY_ERROR_PASSWORD_TOO_LONG },
  { "a1b2c3d4e5f6g7h8i9", NULL,    0, "+.+++++.", -1 },
  { "a1b2c3d4e5f6g7h8i9", NULL, G_MAXSIZE, "+.+++++.", -1 },
  /* characters */
  { "a1b2c3d4!",      NULL,        0, "+.x++++.", TANBA_POLICY_ERROR_PASSWORD_INVALID_CHARACTER },
  { "a1b2 c3d4",      NULL,        0, "+.x++++.", TANBA_POLICY_ERROR_PASSWORD_INVALID_CHARACTER },
  { "a1b2c3d\xd0\xb0", NULL,       0, "+.x++++.", TANBA_POLICY_ERROR_PASSWORD_INVALID_CHARACTER }, /* Cyrillic а */
  { "\xd0\xbf\xd0\xb0\xd1\x80\xd0\xbe\xd0\xbb\xd1\x8c" "12", NULL, 0, "+.xx+++.", /* пароль12 */
    TANBA_POLICY_ERROR_PASSWORD_INVALID_CHARACTER },
  { "a1b2c3d\xc3\xa9", NULL,       0, "+.x++++.", TANBA_POLICY_ERROR_PASSWORD_INVALID_CHARACTER }, /* é */
  { "a1b2c3d4\xff",   NULL,        0, "+.x++++.", TANBA_POLICY_ERROR_PASSWORD_INVALID_CHARACTER }, /* not UTF-8 */
  { "A1B2C3D4",       NULL,        0, "+.+++++.", -1 },
  /* a letter, a digit */
  { "13572468",       NULL,        0, "+.+x+++.", TANBA_POLICY_ERROR_PASSWORD_NO_LETTER },
  { "qwrtypsd",       NULL,        0, "+.++x++.", TANBA_POLICY_ERROR_PASSWORD_NO_DIGIT },
  { "QWRTYPSD",       NULL,        0, "+.++x++.", TANBA_POLICY_ERROR_PASSWORD_NO_DIGIT },
  /* runs and repeats (more below, at every position) */
  { "a1b2c3d4123",    NULL,        0, "+.+++x+.", TANBA_POLICY_ERROR_PASSWORD_SEQUENCE },
  { "a1b2c3d4111",    NULL,        0, "+.++++x.", TANBA_POLICY_ERROR_PASSWORD_REPEATED },
  { "abc11123",       NULL,        0, "+.+++xx.", TANBA_POLICY_ERROR_PASSWORD_SEQUENCE },
  /* confirmation */
  { "a1b2c3d4",       "",          0, "+.+++++.", TANBA_POLICY_ERROR_PASSWORD_MISMATCH },
  { "a1b2c3d4",       "a1b2c3d",   0, "+.+++++x", TANBA_POLICY_ERROR_PASSWORD_MISMATCH },
  { "a1b2c3d4",       "A1B2C3D4",  0, "+.+++++x", TANBA_POLICY_ERROR_PASSWORD_MISMATCH },
  { "a1b2c3d4",       "a1b2c3d45", 0, "+.+++++x", TANBA_POLICY_ERROR_PASSWORD_MISMATCH },
  { "a1b2c3d4",       NULL,        0, "+.+++++.", -1 },
  /* the first rule broken gives the code: short beats everything */
  { "abc",            "x",         0, "x.++xx+x", TANBA_POLICY_ERROR_PASSWORD_TOO_SHORT },
};

static TanbaRuleState
state_from_char (char c)
{
  switch (c)
    {
    case '+': return TANBA_RULE_STATE_MET;
    case 'x': return TANBA_RULE_STATE_NOT_MET;
    default: return TANBA_RULE_STATE_NOT_APPLICABLE;
    }
}

static void
assert_states (const char *password,
               const char *confirmation,
               gsize       max_len,
               const char *states,
               int         code)
{
  g_autoptr(TanbaPasswordEvaluation) evaluation = NULL;
  g_autoptr(GError) error = NULL;
  const TanbaPasswordRuleResult *results;
  guint n_results = 0;
  guint expected_n = TANBA_PASSWORD_N_RULES;
  gboolean ok;

  g_assert_cmpuint (strlen (states), ==, TANBA_PASSWORD_N_RULES);

  evaluation = tanba_password_policy_evaluate (password, confirmation, max_len);
  for (guint rule = 0; rule < TANBA_PASSWORD_N_RULES; rule++)
    {
      TanbaRuleState state = tanba_password_evaluation_get_state (evaluation, rule);

      if (state != state_from_char (states[rule]))
        g_error ("“%s” / “%s” / %" G_GSIZE_FORMAT ": rule %s is %s, expected %c",
                 password ? password : "(null)", confirmation ? confirmation : "(null)",
                 max_len, tanba_password_rule_to_string (rule),
                 tanba_rule_state_to_string (state), states[rule]);
    }

  /* The list leaves out MAX_LENGTH without a maximum and CONFIRMATION
   * without a confirmation, and keeps checklist order. */
  if (max_len == 0 || max_len == G_MAXSIZE)
    expected_n--;
  if (confirmation == NULL)
    expected_n--;
  results = tanba_password_evaluation_get_results (evaluation, &n_results);
  g_assert_cmpuint (n_results, ==, expected_n);
  for (guint i = 0; i < n_results; i++)
    {
      g_assert_cmpint (results[i].state, ==,
                       tanba_password_evaluation_get_state (evaluation, results[i].rule));
      g_assert_nonnull (results[i].description);
      g_assert_cmpstr (results[i].description, !=, "");
      if (i > 0)
        g_assert_cmpint (results[i - 1].rule, <, results[i].rule);
    }

  ok = tanba_password_policy_check (password, confirmation, max_len, &error);
  if (code < 0)
    {
      g_assert_no_error (error);
      g_assert_true (ok);
      g_assert_true (tanba_password_evaluation_is_acceptable (evaluation));
      g_assert_null (tanba_password_evaluation_dup_sentence (evaluation));
    }
  else
    {
      char *sentence;

      g_assert_error (error, TANBA_POLICY_ERROR, code);
      g_assert_false (ok);
      g_assert_false (tanba_password_evaluation_is_acceptable (evaluation));
      sentence = tanba_password_evaluation_dup_sentence (evaluation);
      g_assert_nonnull (sentence);
      g_assert_cmpstr (sentence, !=, "");
      tanba_policy_text_free (sentence);
      /* The error never quotes the password (too short ones could be any
       * word of the message). */
      if (password != NULL && strlen (password) >= 4)
        g_assert_null (strstr (error->message, password));
    }
}

static void
test_password_table (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (password_cases); i++)
    {
      const PasswordCase *c = &password_cases[i];

      g_test_message ("case %" G_GSIZE_FORMAT, i);
      assert_states (c->password, c->confirmation, c->max_len, c->states, c->code);
    }
}

/* @run put at every position of BASE. */
static void
assert_run_everywhere (const char *run,
                       const char *states,
                       int         code,
                       const char *sentence_part)
{
  gsize base_len = strlen (BASE);

  for (gsize pos = 0; pos <= base_len; pos++)
    {
      g_autofree char *password = g_strdup_printf ("%.*s%s%s", (int) pos, BASE, run, BASE + pos);
      g_autoptr(TanbaPasswordEvaluation) evaluation = NULL;
      char *sentence;

      assert_states (password, password, 0, states, code);

      evaluation = tanba_password_policy_evaluate (password, password, 0);
      sentence = tanba_password_evaluation_dup_sentence (evaluation);
      if (sentence_part == NULL)
        g_assert_null (sentence);
      else
        {
          g_autofree char *quoted = g_strdup_printf ("(“%.3s”)", run);

          g_assert_nonnull (strstr (sentence, sentence_part));
          /* The (first three characters of the) run are quoted as typed, case kept. */
          g_assert_nonnull (strstr (sentence, quoted));
        }
      tanba_policy_text_free (sentence);
    }
}

static void
test_password_base (void)
{
  assert_states (BASE, BASE, 0, "+.++++++", -1);
}

static void
test_password_sequences (void)
{
  static const char *const ascending[] = {
    "123", "234", "678", "789", "012", "abc", "xyz", "klm", "aBc", "ABC", "XyZ",
  };
  static const char *const descending[] = {
    "987", "321", "876", "210", "cba", "zyx", "CbA", "ZYX", "mlk",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (ascending); i++)
    assert_run_everywhere (ascending[i], "+.+++x++", TANBA_POLICY_ERROR_PASSWORD_SEQUENCE,
                           "ascending");
  for (gsize i = 0; i < G_N_ELEMENTS (descending); i++)
    assert_run_everywhere (descending[i], "+.+++x++", TANBA_POLICY_ERROR_PASSWORD_SEQUENCE,
                           "descending");
}

static void
test_password_not_sequences (void)
{
  /* Steps other than one, wrapping around, letters and digits mixed, two
   * only: none of these is a run. */
  static const char *const fine[] = {
    "135", "ace", "890", "yza", "09a", "9ab", "ab1", "12a", "a1b", "aab", "abd",
    "1a2", "acb", "213", "zab", "12", "ab",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (fine); i++)
    assert_run_everywhere (fine[i], "+.++++++", -1, NULL);
}

static void
test_password_repeats (void)
{
  static const char *const repeats[] = {
    "111", "999", "aaa", "ZZZ", "aAa", "ZzZ", "1111",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (repeats); i++)
    assert_run_everywhere (repeats[i], "+.++++x+", TANBA_POLICY_ERROR_PASSWORD_REPEATED,
                           "three times");

  /* Two in a row is fine. */
  assert_run_everywhere ("11", "+.++++++", -1, NULL);
  assert_run_everywhere ("aA", "+.++++++", -1, NULL);
}

static void
test_password_sentences (void)
{
  static const struct
  {
    const char *password;
    const char *confirmation;
    gsize       max_len;
    const char *parts[3];     /* all must be in the sentence */
  } cases[] = {
    { "",                 "",         0, { "at least 8", NULL } },
    { "a1b2c3d",          "",         0, { "has 7 characters", "at least 8", NULL } },
    { "a1b2c3d4e",        "",         8, { "at most 8", NULL } },
    { "a1b2c3d\xd0\xb6",  "",         0, { "“\xd0\xb6”", "keyboard layout", NULL } }, /* ж */
    { "a1b2c3d4#",        "",         0, { "“#”", "Latin letters and digits", NULL } },
    { "a1b2 c3d4",        "",         0, { "a space", NULL } },
    { "13572468",         "",         0, { "letter", NULL } },
    { "qwrtypsd",         "",         0, { "digit", NULL } },
    { "q5m5q5m5",         "",         0, { "again", NULL } },
    { "q5m5q5m5",         "q5m5q5m",  0, { "does not match", NULL } },
    { "xq7aBc5",          "",         0, { "has 7", NULL } },  /* length first */
    { "xq7aBc5m",         "",         0, { "ascending", "(“aBc”)", NULL } },
    { "xq7CbA5m",         "",         0, { "descending", "(“CbA”)", NULL } },
    { "x9876q5m",         "",         0, { "(“987”)", NULL } },      /* the first run */
    { "x5aAa5m5",         "",         0, { "(“aAa”)", NULL } },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(TanbaPasswordEvaluation) evaluation =
        tanba_password_policy_evaluate (cases[i].password, cases[i].confirmation, cases[i].max_len);
      char *sentence = tanba_password_evaluation_dup_sentence (evaluation);

      g_test_message ("sentence %" G_GSIZE_FORMAT ": %s", i, sentence);
      g_assert_nonnull (sentence);
      for (guint j = 0; cases[i].parts[j] != NULL; j++)
        g_assert_nonnull (strstr (sentence, cases[i].parts[j]));
      tanba_policy_text_free (sentence);
    }
}

static void
test_password_error_messages (void)
{
  /* The GError may reach a log: it names the rule, never the characters. */
  static const struct
  {
    const char *password;
    const char *secret_part;
  } cases[] = {
    { "q5m5q5m5789",        "789" },
    { "q5m5q5m5zyx",        "zyx" },
    { "q5m5q5m5www",        "www" },
    { "q5m5q5m5#",          "#" },
    { "q5m5q5m5\xd0\xb6",   "\xd0\xb6" },
    { "q5m5",               "4" },    /* not even its length */
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (tanba_password_policy_check (cases[i].password, cases[i].password, 0, &error));
      g_assert_nonnull (error);
      g_test_message ("error %" G_GSIZE_FORMAT ": %s", i, error->message);
      g_assert_null (strstr (error->message, cases[i].secret_part));
    }
}

static void
test_password_descriptions (void)
{
  g_autoptr(TanbaPasswordEvaluation) evaluation = tanba_password_policy_evaluate ("", "", 16);
  const TanbaPasswordRuleResult *results;
  guint n_results;

  results = tanba_password_evaluation_get_results (evaluation, &n_results);
  g_assert_cmpuint (n_results, ==, TANBA_PASSWORD_N_RULES);
  g_assert_cmpint (results[0].rule, ==, TANBA_PASSWORD_RULE_MIN_LENGTH);
  g_assert_cmpstr (results[0].description, ==, "At least 8 characters");
  g_assert_cmpint (results[1].rule, ==, TANBA_PASSWORD_RULE_MAX_LENGTH);
  g_assert_cmpstr (results[1].description, ==, "At most 16 characters");
  for (guint i = 0; i < n_results; i++)
    {
      g_assert_cmpint (results[i].rule, ==, i);
      g_assert_cmpint (results[i].state, ==, TANBA_RULE_STATE_NOT_APPLICABLE);
      g_assert_nonnull (tanba_password_rule_to_string (results[i].rule));
    }
  g_assert_cmpstr (tanba_password_rule_to_string (TANBA_PASSWORD_RULE_NO_SEQUENCE), ==, "no-sequence");
  g_assert_cmpstr (tanba_rule_state_to_string (TANBA_RULE_STATE_MET), ==, "met");
  g_assert_cmpstr (tanba_rule_state_to_string (TANBA_RULE_STATE_NOT_MET), ==, "not met");
  g_assert_cmpstr (tanba_rule_state_to_string (TANBA_RULE_STATE_NOT_APPLICABLE), ==, "not checked yet");

  /* NULL is fine for the free functions. */
  tanba_password_evaluation_free (NULL);
  tanba_policy_text_free (NULL);
}

/* Token name */

static void
test_token_name (void)
{
  static const struct
  {
    const char *name;
    int         code;
  } cases[] = {
    { NULL, -1 },
    { "", -1 },
    { "KAZTOKEN", -1 },
    { "my-token_1=2", -1 },
    { "A", -1 },
    { "abcdefghijklmnopqrstuvwxyz012345", -1 },                     /* 32 */
    { "abcdefghijklmnopqrstuvwxyz0123456", TANBA_POLICY_ERROR_TOKEN_NAME_TOO_LONG }, /* 33 */
    { "my token", TANBA_POLICY_ERROR_TOKEN_NAME_INVALID_CHARACTER },
    { " token", TANBA_POLICY_ERROR_TOKEN_NAME_INVALID_CHARACTER },
    { "token/1", TANBA_POLICY_ERROR_TOKEN_NAME_INVALID_CHARACTER },
    { "token.1", TANBA_POLICY_ERROR_TOKEN_NAME_INVALID_CHARACTER },
    { "\xd1\x82\xd0\xbe\xd0\xba\xd0\xb5\xd0\xbd", TANBA_POLICY_ERROR_TOKEN_NAME_INVALID_CHARACTER }, /* токен */
    { "tok\xd0\xb0", TANBA_POLICY_ERROR_TOKEN_NAME_INVALID_CHARACTER },  /* Cyrillic а */
    { "\xc3\x84" "BC", TANBA_POLICY_ERROR_TOKEN_NAME_INVALID_CHARACTER }, /* Ä */
    { "tok\xff", TANBA_POLICY_ERROR_TOKEN_NAME_INVALID_CHARACTER },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      gboolean ok = tanba_token_name_validate (cases[i].name, &error);

      g_test_message ("name %" G_GSIZE_FORMAT ": %s", i, error ? error->message : "ok");
      if (cases[i].code < 0)
        {
          g_assert_no_error (error);
          g_assert_true (ok);
        }
      else
        {
          g_assert_error (error, TANBA_POLICY_ERROR, cases[i].code);
          g_assert_false (ok);
        }
    }
}

static void
test_token_name_messages (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (tanba_token_name_validate ("tok\xd0\xb0", &error));
  g_assert_nonnull (strstr (error->message, "“\xd0\xb0”"));
  g_assert_nonnull (strstr (error->message, "keyboard layout"));
  g_clear_error (&error);

  g_assert_false (tanba_token_name_validate ("abcdefghijklmnopqrstuvwxyz0123456", &error));
  g_assert_nonnull (strstr (error->message, "33"));
  g_assert_nonnull (strstr (error->message, "32"));
  g_clear_error (&error);

  g_assert_false (tanba_token_name_validate ("my token", &error));
  g_assert_nonnull (strstr (error->message, "space"));
  g_clear_error (&error);

  g_assert_false (tanba_token_name_validate ("a/b", &error));
  g_assert_nonnull (strstr (error->message, "“/”"));
}

/* PKCS#11 label */

static void
test_label_pad (void)
{
  static const struct
  {
    const char *name;
    const char *padded;  /* NULL: refused */
    int         code;
  } cases[] = {
    { NULL,       "                                ", -1 },
    { "",         "                                ", -1 },
    { "KAZ",      "KAZ                             ", -1 },
    { "abcdefghijklmnopqrstuvwxyz012345", "abcdefghijklmnopqrstuvwxyz012345", -1 },
    { "abcdefghijklmnopqrstuvwxyz0123456", NULL, TANBA_POLICY_ERROR_LABEL_TOO_LONG },
    /* 16 Cyrillic letters are 32 bytes: they fit; 17 do not */
    { "\xd0\xb0\xd0\xb0\xd0\xb0\xd0\xb0\xd0\xb0\xd0\xb0\xd0\xb0\xd0\xb0"
      "\xd0\xb0\xd0\xb0\xd0\xb0\xd0\xb0\xd0\xb0\xd0\xb0\xd0\xb0\xd0\xb0",
      "\xd0\xb0\xd0\xb0\xd0\xb0\xd0\xb0\xd0\xb0\xd0\xb0\xd0\xb0\xd0\xb0"
      "\xd0\xb0\xd0\xb0\xd0\xb0\xd0\xb0\xd0\xb0\xd0\xb0\xd0\xb0\xd0\xb0", -1 },
    { "\xd0\xb0\xd0\xb0\xd0\xb0\xd0\xb0\xd0\xb0\xd0\xb0\xd0\xb0\xd0\xb0"
      "\xd0\xb0\xd0\xb0\xd0\xb0\xd0\xb0\xd0\xb0\xd0\xb0\xd0\xb0\xd0\xb0\xd0\xb0",
      NULL, TANBA_POLICY_ERROR_LABEL_TOO_LONG },
    { "bad\xff",  NULL, TANBA_POLICY_ERROR_LABEL_INVALID_ENCODING },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      char label[TANBA_PKCS11_LABEL_LEN + 1];
      gboolean ok;

      memset (label, 'X', sizeof label);
      ok = tanba_pkcs11_label_pad (cases[i].name, label, &error);

      /* Always 32 bytes and a NUL, all blanks when refused. */
      g_assert_cmpint (label[TANBA_PKCS11_LABEL_LEN], ==, '\0');
      g_assert_cmpuint (strlen (label), ==, TANBA_PKCS11_LABEL_LEN);
      if (cases[i].padded != NULL)
        {
          g_assert_no_error (error);
          g_assert_true (ok);
          g_assert_cmpmem (label, TANBA_PKCS11_LABEL_LEN, cases[i].padded, TANBA_PKCS11_LABEL_LEN);
        }
      else
        {
          g_assert_error (error, TANBA_POLICY_ERROR, cases[i].code);
          g_assert_false (ok);
          g_assert_cmpstr (label, ==, "                                ");
        }
    }
}

/* User ID */

static void
test_user_id_validate (void)
{
  static const struct
  {
    const char *id;
    int         code;
  } cases[] = {
    { "qq111111_qwertyui", -1 },
    { "QQ111111_QWERTYUI", -1 },
    { "  qq111111_qwertyui \n", -1 },
    { "\t\xc2\xa0qq111111_qwertyui\xe2\x80\x8b", -1 },   /* no-break and zero-width space */
    { "a", -1 },
    { "first.last-1", -1 },
    { "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", -1 },  /* 64 */
    { "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",        /* 65 */
      TANBA_POLICY_ERROR_USER_ID_TOO_LONG },
    { NULL, TANBA_POLICY_ERROR_USER_ID_EMPTY },
    { "", TANBA_POLICY_ERROR_USER_ID_EMPTY },
    { "   \t ", TANBA_POLICY_ERROR_USER_ID_EMPTY },
    { "qq111111 qwertyui", TANBA_POLICY_ERROR_USER_ID_INVALID_CHARACTER },
    { "qq111111_qw\xd0\xb5rtyui", TANBA_POLICY_ERROR_USER_ID_INVALID_CHARACTER },  /* Cyrillic е */
    { "user@bank", TANBA_POLICY_ERROR_USER_ID_INVALID_CHARACTER },
    { "qq\xff", TANBA_POLICY_ERROR_USER_ID_INVALID_CHARACTER },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      gboolean ok = tanba_user_id_validate (cases[i].id, &error);

      g_test_message ("user ID %" G_GSIZE_FORMAT ": %s", i, error ? error->message : "ok");
      if (cases[i].code < 0)
        {
          g_assert_no_error (error);
          g_assert_true (ok);
        }
      else
        {
          g_assert_error (error, TANBA_POLICY_ERROR, cases[i].code);
          g_assert_false (ok);
        }
    }
}

static void
test_user_id_compare (void)
{
  static const struct
  {
    const char *typed;
    const char *certified;
    gboolean    equal;
  } cases[] = {
    { "qq111111_qwertyui", "qq111111_qwertyui", TRUE },
    { "QQ111111_QWERTYUI", "qq111111_qwertyui", TRUE },
    { "Qq111111_QwErTyUi", "qQ111111_qWeRtYuI", TRUE },
    { "  qq111111_qwertyui\n", "qq111111_qwertyui", TRUE },
    { "qq111111_qwertyui", " QQ111111_QWERTYUI ", TRUE },
    { "\xc2\xa0qq1\xe2\x80\x8b", "QQ1", TRUE },
    { "qq111111_qwertyui", "qq111111_qwertyu", FALSE },
    { "qq111111_qwertyu", "qq111111_qwertyui", FALSE },
    { "qq111111_qwertyui", "qq111112_qwertyui", FALSE },
    { "qq111111_qw\xd0\xb5rtyui", "qq111111_qwertyui", FALSE },  /* Cyrillic е */
    { "qq1 x", "qq1", FALSE },
    { "", "", FALSE },
    { "  ", "", FALSE },
    { NULL, "qq1", FALSE },
    { "qq1", NULL, FALSE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;

      g_test_message ("compare %" G_GSIZE_FORMAT, i);
      g_assert_cmpint (tanba_user_id_equal (cases[i].typed, cases[i].certified), ==, cases[i].equal);
      g_assert_cmpint (tanba_user_id_equal (cases[i].certified, cases[i].typed), ==, cases[i].equal);
      g_assert_cmpint (tanba_user_id_check_match (cases[i].typed, cases[i].certified, &error), ==,
                       cases[i].equal);
      if (cases[i].equal)
        g_assert_no_error (error);
      else
        g_assert_error (error, TANBA_POLICY_ERROR, TANBA_POLICY_ERROR_USER_ID_MISMATCH);
    }
}

static void
test_user_id_mismatch_message (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (tanba_user_id_check_match (" qq111111_qwertyui ", "zz222222_asdfghjk", &error));
  g_assert_error (error, TANBA_POLICY_ERROR, TANBA_POLICY_ERROR_USER_ID_MISMATCH);
  g_assert_nonnull (strstr (error->message, "another user"));
  g_assert_nonnull (strstr (error->message, "“zz222222_asdfghjk”"));
  g_assert_nonnull (strstr (error->message, "“qq111111_qwertyui”"));  /* trimmed */
}

static void
test_user_id_normalize (void)
{
  static const struct
  {
    const char *in;
    const char *out;
  } cases[] = {
    { "  Qq111111_Qwertyui \n", "Qq111111_Qwertyui" },  /* case kept */
    { "\xc2\xa0qq1\xe2\x80\x8b\xef\xbb\xbf", "qq1" },
    { "qq1", "qq1" },
    { "   ", "" },
    { NULL, "" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *normalized = tanba_user_id_normalize (cases[i].in);

      g_assert_cmpstr (normalized, ==, cases[i].out);
    }
}

/* OTP PIN */

static void
test_otp_pin_normalize (void)
{
  static const struct
  {
    const char *in;
    gssize      len;
    const char *out;
    gboolean    changed;
  } cases[] = {
    { "a1b2c3d4e5f", -1, "A1B2C3D4E5F", TRUE },
    { "A1B2C3D4E5F", -1, "A1B2C3D4E5F", FALSE },
    { "abcd",         2, "ABcd", TRUE },      /* only @len bytes */
    { "abcd",         0, "abcd", FALSE },
    { "",            -1, "", FALSE },
    { "\xd0\xbf" "in", -1, "\xd0\xbf" "IN", TRUE },  /* Cyrillic п untouched */
    { "x-y z!",      -1, "X-Y Z!", TRUE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = g_strdup (cases[i].in);

      g_assert_cmpint (tanba_otp_pin_normalize (text, cases[i].len), ==, cases[i].changed);
      g_assert_cmpstr (text, ==, cases[i].out);
    }

  /* As typed, one character at a time. */
  {
    char typed[] = "q";

    g_assert_true (tanba_otp_pin_normalize (typed, 1));
    g_assert_cmpstr (typed, ==, "Q");
  }
}

static void
test_otp_pin_validate (void)
{
  static const struct
  {
    const char *pin;
    int         code;
  } cases[] = {
    { "A1B2C3D4E5F", -1 },
    { "ABCDEFGHIJK", -1 },
    { "01234567890", -1 },
    { "A1B2C3D4E5", TANBA_POLICY_ERROR_OTP_PIN_LENGTH },      /* 10 */
    { "A1B2C3D4E5FG", TANBA_POLICY_ERROR_OTP_PIN_LENGTH },    /* 12 */
    { "", TANBA_POLICY_ERROR_OTP_PIN_LENGTH },
    { NULL, TANBA_POLICY_ERROR_OTP_PIN_LENGTH },
    { "a1B2C3D4E5F", TANBA_POLICY_ERROR_OTP_PIN_INVALID_CHARACTER },
    { "A1B2C D4E5F", TANBA_POLICY_ERROR_OTP_PIN_INVALID_CHARACTER },
    { "A1B2C-D4E5F", TANBA_POLICY_ERROR_OTP_PIN_INVALID_CHARACTER },
    { "\xd0\x90" "1B2C3D4E5F", TANBA_POLICY_ERROR_OTP_PIN_INVALID_CHARACTER },  /* Cyrillic А */
    { "A1B2C3D4E5\xff", TANBA_POLICY_ERROR_OTP_PIN_INVALID_CHARACTER },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      gboolean ok = tanba_otp_pin_validate (cases[i].pin, &error);

      g_test_message ("PIN %" G_GSIZE_FORMAT ": %s", i, error ? error->message : "ok");
      if (cases[i].code < 0)
        {
          g_assert_no_error (error);
          g_assert_true (ok);
        }
      else
        {
          g_assert_error (error, TANBA_POLICY_ERROR, cases[i].code);
          g_assert_false (ok);
          /* The PIN is a secret: never in the message. */
          if (cases[i].pin != NULL && cases[i].pin[0] != '\0')
            {
              g_autofree char *head = g_strndup (cases[i].pin, 4);

              g_assert_null (strstr (error->message, head));
            }
        }
    }

  {
    g_autoptr(GError) error = NULL;

    g_assert_false (tanba_otp_pin_validate ("A1B2C3D4E5", &error));
    g_assert_nonnull (strstr (error->message, "10"));
    g_assert_nonnull (strstr (error->message, "11"));
  }
}

static guint
count_swaps (const char *pin,
             const char *variant)
{
  guint n = 0;

  g_assert_cmpuint (strlen (pin), ==, strlen (variant));
  for (gsize i = 0; pin[i] != '\0'; i++)
    {
      if (pin[i] == variant[i])
        continue;
      /* Only I/1 and O/0 may differ. */
      g_assert_true ((pin[i] == 'I' && variant[i] == '1') || (pin[i] == '1' && variant[i] == 'I') ||
                     (pin[i] == 'O' && variant[i] == '0') || (pin[i] == '0' && variant[i] == 'O'));
      n++;
    }
  return n;
}

static void
assert_lookalikes (const char *pin,
                   guint       expected_n)
{
  GStrv variants = tanba_otp_pin_dup_lookalikes (pin);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  guint n = g_strv_length (variants);
  guint last_swaps = 0;

  g_test_message ("look-alikes of %s: %u", pin, n);
  g_assert_cmpuint (n, ==, expected_n);
  g_assert_cmpuint (n, <=, TANBA_OTP_PIN_MAX_VARIANTS);
  g_assert_cmpstr (variants[0], ==, pin);

  for (guint i = 0; i < n; i++)
    {
      guint swaps = count_swaps (pin, variants[i]);

      /* No duplicates, fewest swaps first. */
      g_assert_true (g_hash_table_add (seen, variants[i]));
      g_assert_cmpuint (swaps, >=, last_swaps);
      g_assert_cmpuint (swaps, <=, last_swaps + 1);
      last_swaps = swaps;
    }

  tanba_otp_pin_lookalikes_free (variants);
}

static void
test_otp_pin_lookalikes_content (void)
{
  static const struct
  {
    const char *pin;
    const char *variants[9];
  } cases[] = {
    { "ABCDEFGHJKL", { "ABCDEFGHJKL", NULL } },
    { "", { "", NULL } },
    { "AI3", { "AI3", "A13", NULL } },
    { "A13", { "A13", "AI3", NULL } },
    { "O", { "O", "0", NULL } },
    { "0", { "0", "O", NULL } },
    /* one swap (first position first), then both */
    { "I0", { "I0", "10", "IO", "1O", NULL } },
    { "X1YOZ", { "X1YOZ", "XIYOZ", "X1Y0Z", "XIY0Z", NULL } },
    { "1O0", { "1O0", "IO0", "100", "1OO", "I00", "IOO", "10O", "I0O", NULL } },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      GStrv variants = tanba_otp_pin_dup_lookalikes (cases[i].pin);

      g_assert_cmpstrv (variants, cases[i].variants);
      tanba_otp_pin_lookalikes_free (variants);
    }
}

static void
test_otp_pin_lookalikes_count (void)
{
  /* All 2^n for n = 0..8, then capped at 2^8. */
  static const struct
  {
    const char *pin;
    guint       n;
  } cases[] = {
    { "ABCDEFGHJKL", 1 },
    { "ABCDEFGHJK1", 2 },
    { "ABCDEFGHJ0O", 4 },
    { "ABCDEFGHIO1", 8 },
    { "ABCDEFG0IO1", 16 },
    { "ABCDEF10IO1", 32 },
    { "ABCDEI10IO1", 64 },
    { "ABCD0I10IO1", 128 },
    { "ABCO0I10IO1", 256 },
    { "ABIO0I10IO1", 256 },      /* 9 positions: 512, capped */
    { "IIIIIIIIIII", 256 },      /* 11 positions: 2048, capped */
    { "O0I1O0I1O0I1O0I1O0I1O0I1O0I1O0I1O0I1O0I1O0I1O0I1O0I1O0I1O0I1O0I1O0I1", 256 }, /* > 63 */
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    assert_lookalikes (cases[i].pin, cases[i].n);
}

static void
test_otp_pin_lookalikes_capped (void)
{
  /* 11 swappable positions: 1 + 11 + 55 + 165 = 232 variants with up to
   * three swaps come first, then 24 of the 330 with four. */
  GStrv variants = tanba_otp_pin_dup_lookalikes ("IIIIIIIIIII");
  guint by_swaps[12] = { 0 };

  g_assert_cmpuint (g_strv_length (variants), ==, 256);
  for (guint i = 0; variants[i] != NULL; i++)
    by_swaps[count_swaps ("IIIIIIIIIII", variants[i])]++;
  g_assert_cmpuint (by_swaps[0], ==, 1);
  g_assert_cmpuint (by_swaps[1], ==, 11);
  g_assert_cmpuint (by_swaps[2], ==, 55);
  g_assert_cmpuint (by_swaps[3], ==, 165);
  g_assert_cmpuint (by_swaps[4], ==, 24);
  g_assert_cmpuint (by_swaps[5], ==, 0);
  g_assert_cmpstr (variants[1], ==, "1IIIIIIIIII");
  g_assert_cmpstr (variants[11], ==, "IIIIIIIIII1");
  g_assert_cmpstr (variants[12], ==, "11IIIIIIIII");
  tanba_otp_pin_lookalikes_free (variants);

  tanba_otp_pin_lookalikes_free (NULL);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/policy/password/table", test_password_table);
  g_test_add_func ("/policy/password/base", test_password_base);
  g_test_add_func ("/policy/password/sequences", test_password_sequences);
  g_test_add_func ("/policy/password/not-sequences", test_password_not_sequences);
  g_test_add_func ("/policy/password/repeats", test_password_repeats);
  g_test_add_func ("/policy/password/sentences", test_password_sentences);
  g_test_add_func ("/policy/password/error-messages", test_password_error_messages);
  g_test_add_func ("/policy/password/descriptions", test_password_descriptions);
  g_test_add_func ("/policy/token-name/validate", test_token_name);
  g_test_add_func ("/policy/token-name/messages", test_token_name_messages);
  g_test_add_func ("/policy/label/pad", test_label_pad);
  g_test_add_func ("/policy/user-id/validate", test_user_id_validate);
  g_test_add_func ("/policy/user-id/compare", test_user_id_compare);
  g_test_add_func ("/policy/user-id/mismatch-message", test_user_id_mismatch_message);
  g_test_add_func ("/policy/user-id/normalize", test_user_id_normalize);
  g_test_add_func ("/policy/otp-pin/normalize", test_otp_pin_normalize);
  g_test_add_func ("/policy/otp-pin/validate", test_otp_pin_validate);
  g_test_add_func ("/policy/otp-pin/lookalikes-content", test_otp_pin_lookalikes_content);
  g_test_add_func ("/policy/otp-pin/lookalikes-count", test_otp_pin_lookalikes_count);
  g_test_add_func ("/policy/otp-pin/lookalikes-capped", test_otp_pin_lookalikes_capped);

  return g_test_run ();
}
