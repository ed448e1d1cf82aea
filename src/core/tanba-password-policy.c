/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-password-policy.c: the rules for a new token password.
 *
 * The password is read in place, once, character by character; what the
 * rules found (including the at most three characters a sentence quotes) is
 * kept in an Analysis that is wiped when done. */
#include "config.h"

#include <stdarg.h>
#include <string.h>

#include "tanba-i18n.h"
#include "tanba-password-policy.h"

/* The largest quote: three characters of up to four UTF-8 bytes each. */
#define QUOTE_SIZE 16

typedef struct
{
  TanbaRuleState state[TANBA_PASSWORD_N_RULES];
  gboolean       has_rule[TANBA_PASSWORD_N_RULES];
  gsize          max_len;              /* 0: no maximum */
  gsize          n_chars;
  gboolean       confirmation_empty;
  gboolean       sequence_descending;
  gboolean       bad_is_space;
  gboolean       bad_is_foreign_letter; /* a letter, but not a Latin one */
  char           sequence_quote[QUOTE_SIZE];
  char           repeat_quote[QUOTE_SIZE];
  char           bad_quote[QUOTE_SIZE]; /* empty when it could not be quoted */
} Analysis;

struct _TanbaPasswordEvaluation
{
  Analysis                analysis;
  TanbaPasswordRuleResult results[TANBA_PASSWORD_N_RULES];
  guint                   n_results;
};

G_DEFINE_QUARK (tanba-policy-error-quark, tanba_policy_error)

/* The error code for each rule: the codes follow the rules' order. */
G_STATIC_ASSERT ((int) TANBA_POLICY_ERROR_PASSWORD_TOO_SHORT == (int) TANBA_PASSWORD_RULE_MIN_LENGTH);
G_STATIC_ASSERT ((int) TANBA_POLICY_ERROR_PASSWORD_MISMATCH == (int) TANBA_PASSWORD_RULE_CONFIRMATION);

/* Helpers */

/* Like g_strdup_printf(), but formats straight into one buffer of the right
 * size, so that no reallocated intermediate copy of a quoted secret is left
 * behind on the heap. */
static char *format_secret (const char *format,
                            ...) G_GNUC_PRINTF (1, 2);

static char *
format_secret (const char *format,
               ...)
{
  va_list args;
  gsize size;
  char *text;

  va_start (args, format);
  size = g_printf_string_upper_bound (format, args);
  va_end (args);

  text = g_malloc (size);
  va_start (args, format);
  g_vsnprintf (text, size, format, args);
  va_end (args);

  return text;
}

static inline const char *
next_char (const char *p,
           gboolean    utf8)
{
  return utf8 ? g_utf8_next_char (p) : p + 1;
}

static inline gunichar
get_char (const char *p,
          gboolean    utf8)
{
  return utf8 ? g_utf8_get_char (p) : (guchar) *p;
}

static inline gboolean
is_latin_letter (gunichar c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline gboolean
is_digit (gunichar c)
{
  return c >= '0' && c <= '9';
}

/* Copies the bytes from @start to @end (exclusive) into @quote. */
static void
set_quote (char        quote[QUOTE_SIZE],
           const char *start,
           const char *end)
{
  gsize len = (gsize) (end - start);

  g_assert (len < QUOTE_SIZE);
  memcpy (quote, start, len);
  quote[len] = '\0';
}

/* Three characters, each a Latin letter (any case) or each a digit, going
 * up or down by one: "123", "987", "abc", "CbA". */
static gboolean
is_sequence (gunichar  a,
             gunichar  b,
             gunichar  c,
             gboolean *descending)
{
  int step;

  if (is_latin_letter (a) && is_latin_letter (b) && is_latin_letter (c))
    {
      a = g_ascii_tolower ((char) a);
      b = g_ascii_tolower ((char) b);
      c = g_ascii_tolower ((char) c);
    }
  else if (!(is_digit (a) && is_digit (b) && is_digit (c)))
    return FALSE;

  step = (int) b - (int) a;
  if ((step != 1 && step != -1) || (int) c - (int) b != step)
    return FALSE;

  *descending = step < 0;
  return TRUE;
}

static gboolean
is_repeat (gunichar a,
           gunichar b,
           gunichar c)
{
  a = g_unichar_tolower (a);
  return g_unichar_tolower (b) == a && g_unichar_tolower (c) == a;
}

static void
analyze (Analysis   *a,
         const char *password,
         const char *confirmation,
         gsize       max_len)
{
  const char *p;
  const char *prev1 = NULL; /* the character before p */
  const char *prev2 = NULL; /* the one before that */
  gboolean utf8;
  gboolean bad_seen = FALSE;
  gboolean has_letter = FALSE;
  gboolean has_digit = FALSE;
  gboolean has_sequence = FALSE;
  gboolean has_repeat = FALSE;

  memset (a, 0, sizeof *a);

  if (max_len == G_MAXSIZE)
    max_len = 0;
  a->max_len = max_len;

  for (guint i = 0; i < TANBA_PASSWORD_N_RULES; i++)
    a->has_rule[i] = TRUE;
  a->has_rule[TANBA_PASSWORD_RULE_MAX_LENGTH] = max_len > 0;
  a->has_rule[TANBA_PASSWORD_RULE_CONFIRMATION] = confirmation != NULL;
  a->confirmation_empty = confirmation == NULL || confirmation[0] == '\0';

  /* Nothing typed yet: every state stays NOT_APPLICABLE. */
  if (password == NULL || password[0] == '\0')
    return;

  /* Bytes that are not UTF-8 count one character each, and break the
   * character rule without being quoted. */
  utf8 = g_utf8_validate (password, -1, NULL);
  if (!utf8)
    bad_seen = TRUE;

  for (p = password; *p != '\0'; p = next_char (p, utf8))
    {
      gunichar c = get_char (p, utf8);

      a->n_chars++;

      if (is_latin_letter (c))
        has_letter = TRUE;
      else if (is_digit (c))
        has_digit = TRUE;
      else if (!bad_seen)
        {
          bad_seen = TRUE;
          a->bad_is_space = g_unichar_isspace (c);
          a->bad_is_foreign_letter = g_unichar_isalpha (c);
          set_quote (a->bad_quote, p, next_char (p, utf8));
        }

      if (prev2 != NULL)
        {
          gunichar c1 = get_char (prev1, utf8);
          gunichar c2 = get_char (prev2, utf8);

          if (!has_sequence && is_sequence (c2, c1, c, &a->sequence_descending))
            {
              has_sequence = TRUE;
              set_quote (a->sequence_quote, prev2, next_char (p, utf8));
            }
          if (!has_repeat && is_repeat (c2, c1, c))
            {
              has_repeat = TRUE;
              if (utf8)
                set_quote (a->repeat_quote, prev2, next_char (p, utf8));
            }
        }

      prev2 = prev1;
      prev1 = p;
    }

#define STATE(ok) ((ok) ? TANBA_RULE_STATE_MET : TANBA_RULE_STATE_NOT_MET)
  a->state[TANBA_PASSWORD_RULE_MIN_LENGTH] = STATE (a->n_chars >= TANBA_PASSWORD_MIN_LEN);
  a->state[TANBA_PASSWORD_RULE_MAX_LENGTH] = STATE (max_len == 0 || a->n_chars <= max_len);
  a->state[TANBA_PASSWORD_RULE_CHARACTERS] = STATE (!bad_seen);
  a->state[TANBA_PASSWORD_RULE_HAS_LETTER] = STATE (has_letter);
  a->state[TANBA_PASSWORD_RULE_HAS_DIGIT] = STATE (has_digit);
  a->state[TANBA_PASSWORD_RULE_NO_SEQUENCE] = STATE (!has_sequence);
  a->state[TANBA_PASSWORD_RULE_NO_REPEAT] = STATE (!has_repeat);
  if (confirmation == NULL || confirmation[0] == '\0')
    a->state[TANBA_PASSWORD_RULE_CONFIRMATION] = TANBA_RULE_STATE_NOT_APPLICABLE;
  else
    a->state[TANBA_PASSWORD_RULE_CONFIRMATION] = STATE (strcmp (password, confirmation) == 0);
#undef STATE

  if (!a->has_rule[TANBA_PASSWORD_RULE_MAX_LENGTH])
    a->state[TANBA_PASSWORD_RULE_MAX_LENGTH] = TANBA_RULE_STATE_NOT_APPLICABLE;
  if (!a->has_rule[TANBA_PASSWORD_RULE_CONFIRMATION])
    a->state[TANBA_PASSWORD_RULE_CONFIRMATION] = TANBA_RULE_STATE_NOT_APPLICABLE;
}

/* The first rule in the list that is not met, or TANBA_PASSWORD_N_RULES. */
static TanbaPasswordRule
first_failed_rule (const Analysis *a)
{
  for (guint i = 0; i < TANBA_PASSWORD_N_RULES; i++)
    if (a->has_rule[i] && a->state[i] != TANBA_RULE_STATE_MET)
      return (TanbaPasswordRule) i;
  return TANBA_PASSWORD_N_RULES;
}

static char *
describe_rule (TanbaPasswordRule rule,
               gsize             max_len)
{
  switch (rule)
    {
    case TANBA_PASSWORD_RULE_MIN_LENGTH:
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                           "At least %u character",
                                           "At least %u characters",
                                           TANBA_PASSWORD_MIN_LEN),
                              (guint) TANBA_PASSWORD_MIN_LEN);
    case TANBA_PASSWORD_RULE_MAX_LENGTH:
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                           "At most %u character",
                                           "At most %u characters",
                                           max_len),
                              (guint) MIN (max_len, G_MAXUINT));
    case TANBA_PASSWORD_RULE_CHARACTERS:
      return g_strdup (_("Only Latin letters and digits"));
    case TANBA_PASSWORD_RULE_HAS_LETTER:
      return g_strdup (_("At least one Latin letter"));
    case TANBA_PASSWORD_RULE_HAS_DIGIT:
      return g_strdup (_("At least one digit"));
    case TANBA_PASSWORD_RULE_NO_SEQUENCE:
      return g_strdup (_("No three consecutive letters or digits, like 123 or cba"));
    case TANBA_PASSWORD_RULE_NO_REPEAT:
      return g_strdup (_("No character three times in a row, like 111 or aaa"));
    case TANBA_PASSWORD_RULE_CONFIRMATION:
      return g_strdup (_("The confirmation matches the password"));
    case TANBA_PASSWORD_N_RULES:
    default:
      g_assert_not_reached ();
    }
}

/* What is wrong with the password under @rule, and what to do. With @quote
 * the text may quote characters of the password (for the screen); without,
 * it never does (for a GError, which may end up in a log). */
static char *
describe_problem (const Analysis   *a,
                  TanbaPasswordRule rule,
                  gboolean          quote)
{
  switch (rule)
    {
    case TANBA_PASSWORD_RULE_MIN_LENGTH:
      if (a->n_chars == 0)
        return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                             "Type a new password of at least %u Latin letter and digits.",
                                             "Type a new password of at least %u Latin letters and digits.",
                                             TANBA_PASSWORD_MIN_LEN),
                                (guint) TANBA_PASSWORD_MIN_LEN);
      if (quote)
        /* Translators: the first %u is how many characters were typed, the
         * second is the minimum (8). */
        return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                             "The password has %u character; it needs at least %u.",
                                             "The password has %u characters; it needs at least %u.",
                                             a->n_chars),
                                (guint) MIN (a->n_chars, G_MAXUINT),
                                (guint) TANBA_PASSWORD_MIN_LEN);
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                           "The password is too short: it needs at least %u character.",
                                           "The password is too short: it needs at least %u characters.",
                                           TANBA_PASSWORD_MIN_LEN),
                              (guint) TANBA_PASSWORD_MIN_LEN);

    case TANBA_PASSWORD_RULE_MAX_LENGTH:
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                           "The password is too long: this token allows at most %u character.",
                                           "The password is too long: this token allows at most %u characters.",
                                           a->max_len),
                              (guint) MIN (a->max_len, G_MAXUINT));

    case TANBA_PASSWORD_RULE_CHARACTERS:
      if (a->bad_is_space)
        return g_strdup (_("The password contains a space. Use only Latin letters and digits."));
      if (a->bad_is_foreign_letter)
        {
          if (quote && a->bad_quote[0] != '\0')
            /* Translators: %s is the letter typed, e.g. a Cyrillic “ж”. */
            return format_secret (_("The password contains “%s”, which is not a letter from A to Z. "
                                    "Switch the keyboard layout to English and use only Latin letters and digits."),
                                  a->bad_quote);
          return g_strdup (_("The password contains a letter that is not from A to Z. "
                             "Switch the keyboard layout to English and use only Latin letters and digits."));
        }
      if (quote && a->bad_quote[0] != '\0')
        /* Translators: %s is the character typed, e.g. “!”. */
        return format_secret (_("The password contains “%s”. Use only Latin letters and digits."),
                              a->bad_quote);
      return g_strdup (_("The password contains a character that is not a Latin letter or digit. "
                         "Use only Latin letters and digits."));

    case TANBA_PASSWORD_RULE_HAS_LETTER:
      return g_strdup (_("The password needs at least one Latin letter."));

    case TANBA_PASSWORD_RULE_HAS_DIGIT:
      return g_strdup (_("The password needs at least one digit."));

    case TANBA_PASSWORD_RULE_NO_SEQUENCE:
      if (quote && a->sequence_descending)
        /* Translators: %s is the run found in the password, e.g. “cba”. */
        return format_secret (_("The password has three descending characters in a row (“%s”). "
                                "Change one of them."),
                              a->sequence_quote);
      if (quote)
        /* Translators: %s is the run found in the password, e.g. “123”. */
        return format_secret (_("The password has three ascending characters in a row (“%s”). "
                                "Change one of them."),
                              a->sequence_quote);
      return g_strdup (_("The password has three consecutive letters or digits in a row, "
                         "like “123” or “cba”. Change one of them."));

    case TANBA_PASSWORD_RULE_NO_REPEAT:
      if (quote && a->repeat_quote[0] != '\0')
        /* Translators: %s is the run found in the password, e.g. “111”. */
        return format_secret (_("The password has the same character three times in a row (“%s”). "
                                "Change one of them."),
                              a->repeat_quote);
      return g_strdup (_("The password has the same character three times in a row, "
                         "like “111” or “aaa”. Change one of them."));

    case TANBA_PASSWORD_RULE_CONFIRMATION:
      if (a->confirmation_empty)
        return g_strdup (_("Type the password again in the confirmation field."));
      return g_strdup (_("The confirmation does not match the password. Type the same password in both fields."));

    case TANBA_PASSWORD_N_RULES:
    default:
      g_assert_not_reached ();
    }
}

/* Public API */

TanbaPasswordEvaluation *
tanba_password_policy_evaluate (const char *password,
                                const char *confirmation,
                                gsize       max_len)
{
  TanbaPasswordEvaluation *self = g_new0 (TanbaPasswordEvaluation, 1);

  analyze (&self->analysis, password, confirmation, max_len);

  for (guint i = 0; i < TANBA_PASSWORD_N_RULES; i++)
    {
      TanbaPasswordRuleResult *result;

      if (!self->analysis.has_rule[i])
        continue;

      result = &self->results[self->n_results++];
      result->rule = (TanbaPasswordRule) i;
      result->state = self->analysis.state[i];
      result->description = describe_rule ((TanbaPasswordRule) i, self->analysis.max_len);
    }

  return self;
}

void
tanba_password_evaluation_free (TanbaPasswordEvaluation *self)
{
  if (self == NULL)
    return;

  for (guint i = 0; i < self->n_results; i++)
    g_free ((char *) self->results[i].description);

  explicit_bzero (self, sizeof *self);
  g_free (self);
}

const TanbaPasswordRuleResult *
tanba_password_evaluation_get_results (const TanbaPasswordEvaluation *self,
                                       guint                         *n_results)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (n_results != NULL)
    *n_results = self->n_results;
  return self->results;
}

TanbaRuleState
tanba_password_evaluation_get_state (const TanbaPasswordEvaluation *self,
                                     TanbaPasswordRule              rule)
{
  g_return_val_if_fail (self != NULL, TANBA_RULE_STATE_NOT_APPLICABLE);
  g_return_val_if_fail (rule < TANBA_PASSWORD_N_RULES, TANBA_RULE_STATE_NOT_APPLICABLE);

  return self->analysis.state[rule];
}

gboolean
tanba_password_evaluation_is_acceptable (const TanbaPasswordEvaluation *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return first_failed_rule (&self->analysis) == TANBA_PASSWORD_N_RULES;
}

char *
tanba_password_evaluation_dup_sentence (const TanbaPasswordEvaluation *self)
{
  TanbaPasswordRule rule;

  g_return_val_if_fail (self != NULL, NULL);

  rule = first_failed_rule (&self->analysis);
  if (rule == TANBA_PASSWORD_N_RULES)
    return NULL;
  return describe_problem (&self->analysis, rule, TRUE);
}

gboolean
tanba_password_policy_check (const char  *password,
                             const char  *confirmation,
                             gsize        max_len,
                             GError     **error)
{
  Analysis a;
  TanbaPasswordRule rule;

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  analyze (&a, password, confirmation, max_len);
  rule = first_failed_rule (&a);
  if (rule != TANBA_PASSWORD_N_RULES)
    {
      g_autofree char *message = describe_problem (&a, rule, FALSE);

      /* The codes follow the rules' order (see the static asserts). */
      g_set_error_literal (error, TANBA_POLICY_ERROR, (int) rule, message);
    }

  explicit_bzero (&a, sizeof a);
  return rule == TANBA_PASSWORD_N_RULES;
}

const char *
tanba_password_rule_to_string (TanbaPasswordRule rule)
{
  static const char *const names[TANBA_PASSWORD_N_RULES] = {
    [TANBA_PASSWORD_RULE_MIN_LENGTH] = "min-length",
    [TANBA_PASSWORD_RULE_MAX_LENGTH] = "max-length",
    [TANBA_PASSWORD_RULE_CHARACTERS] = "characters",
    [TANBA_PASSWORD_RULE_HAS_LETTER] = "has-letter",
    [TANBA_PASSWORD_RULE_HAS_DIGIT] = "has-digit",
    [TANBA_PASSWORD_RULE_NO_SEQUENCE] = "no-sequence",
    [TANBA_PASSWORD_RULE_NO_REPEAT] = "no-repeat",
    [TANBA_PASSWORD_RULE_CONFIRMATION] = "confirmation",
  };

  g_return_val_if_fail (rule < TANBA_PASSWORD_N_RULES, NULL);

  return names[rule];
}

const char *
tanba_rule_state_to_string (TanbaRuleState state)
{
  switch (state)
    {
    case TANBA_RULE_STATE_MET:
      /* Translators: the state of a password rule, read by a screen reader. */
      return _("met");
    case TANBA_RULE_STATE_NOT_MET:
      /* Translators: the state of a password rule, read by a screen reader. */
      return _("not met");
    case TANBA_RULE_STATE_NOT_APPLICABLE:
      /* Translators: the state of a password rule while nothing is typed. */
      return _("not checked yet");
    default:
      g_return_val_if_reached (NULL);
    }
}

void
tanba_policy_text_free (char *text)
{
  if (text == NULL)
    return;

  explicit_bzero (text, strlen (text));
  g_free (text);
}
