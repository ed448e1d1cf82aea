/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-password-policy.h: the rules for a new token password, and the error
 * domain of all of Tanba's input rules.
 *
 * The rules (spec 4, guide 3.17): at least 8 characters, at most what the
 * token allows, Latin letters and digits only, at least one letter and one
 * digit, no three consecutive ascending or descending letters or digits
 * ("123", "678", "abc", "cba"; case-insensitive, so "aBc" counts), no
 * character three times in a row ("111", "aaa"; case-insensitive, so "aAa"
 * counts too), and the confirmation matches.
 *
 * Two ways in: tanba_password_policy_evaluate() gives every rule with its
 * state for a live checklist; tanba_password_policy_check() just says yes, or
 * no with a GError whose code names the first rule broken.
 *
 * Secrets: nothing here logs a password or keeps a copy of it. GError
 * messages never quote the password. The one text that does quote a part of
 * it (tanba_password_evaluation_dup_sentence(), for the screen only) is
 * freed with tanba_policy_text_free(), which wipes it first.
 *
 * The other input rules (user ID, OTP PIN, token name, PKCS#11 label) are in
 * tanba-input-rules.h. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* One domain for all of Tanba's input rules (this file and tanba-input-rules.h). */
#define TANBA_POLICY_ERROR (tanba_policy_error_quark ())

typedef enum
{
  /* New token password: one code per rule, in checklist order. */
  TANBA_POLICY_ERROR_PASSWORD_TOO_SHORT,          /* fewer than 8 characters (or empty) */
  TANBA_POLICY_ERROR_PASSWORD_TOO_LONG,           /* more than the token allows */
  TANBA_POLICY_ERROR_PASSWORD_INVALID_CHARACTER,  /* not a Latin letter or digit */
  TANBA_POLICY_ERROR_PASSWORD_NO_LETTER,
  TANBA_POLICY_ERROR_PASSWORD_NO_DIGIT,
  TANBA_POLICY_ERROR_PASSWORD_SEQUENCE,           /* "123", "cba", ... */
  TANBA_POLICY_ERROR_PASSWORD_REPEATED,           /* "111", "aaa", ... */
  TANBA_POLICY_ERROR_PASSWORD_MISMATCH,           /* confirmation differs (or is empty) */

  /* Token name (tanba-input-rules.h). */
  TANBA_POLICY_ERROR_TOKEN_NAME_TOO_LONG,
  TANBA_POLICY_ERROR_TOKEN_NAME_INVALID_CHARACTER,

  /* PKCS#11 label (tanba-input-rules.h). */
  TANBA_POLICY_ERROR_LABEL_TOO_LONG,              /* more than 32 bytes */
  TANBA_POLICY_ERROR_LABEL_INVALID_ENCODING,      /* not UTF-8 */

  /* User ID (tanba-input-rules.h). */
  TANBA_POLICY_ERROR_USER_ID_EMPTY,
  TANBA_POLICY_ERROR_USER_ID_TOO_LONG,
  TANBA_POLICY_ERROR_USER_ID_INVALID_CHARACTER,
  TANBA_POLICY_ERROR_USER_ID_MISMATCH,            /* key file of another user */

  /* OTP PIN (tanba-input-rules.h). */
  TANBA_POLICY_ERROR_OTP_PIN_LENGTH,              /* not exactly 11 characters */
  TANBA_POLICY_ERROR_OTP_PIN_INVALID_CHARACTER,   /* not a capital Latin letter or digit */
} TanbaPolicyError;

GQuark tanba_policy_error_quark (void);

/* Fewest characters of a new password. */
#define TANBA_PASSWORD_MIN_LEN 8

/* The rules, in the order a checklist shows them. */
typedef enum
{
  TANBA_PASSWORD_RULE_MIN_LENGTH,
  TANBA_PASSWORD_RULE_MAX_LENGTH,    /* only when the token sets a maximum */
  TANBA_PASSWORD_RULE_CHARACTERS,    /* Latin letters and digits only */
  TANBA_PASSWORD_RULE_HAS_LETTER,
  TANBA_PASSWORD_RULE_HAS_DIGIT,
  TANBA_PASSWORD_RULE_NO_SEQUENCE,
  TANBA_PASSWORD_RULE_NO_REPEAT,
  TANBA_PASSWORD_RULE_CONFIRMATION,  /* only when a confirmation is asked for */
  TANBA_PASSWORD_N_RULES
} TanbaPasswordRule;

typedef enum
{
  TANBA_RULE_STATE_NOT_APPLICABLE, /* nothing typed yet: show the rule neutral */
  TANBA_RULE_STATE_MET,
  TANBA_RULE_STATE_NOT_MET,
} TanbaRuleState;

typedef struct
{
  TanbaPasswordRule rule;
  TanbaRuleState    state;
  const char       *description; /* translated, short: "At least 8 characters";
                                  * owned by the evaluation */
} TanbaPasswordRuleResult;

typedef struct _TanbaPasswordEvaluation TanbaPasswordEvaluation;

/* Evaluates @password against every rule. @max_len is the token's
 * ulMaxPinLen; 0 (or G_MAXSIZE, CK_UNAVAILABLE_INFORMATION) means no maximum,
 * and the MAX_LENGTH rule is then left out. @confirmation NULL means no
 * confirmation is asked for (the CLI reading a secret once), and the
 * CONFIRMATION rule is left out; "" means not typed yet (NOT_APPLICABLE).
 * While @password is NULL or empty, every rule is NOT_APPLICABLE. The set of
 * rules depends on @max_len and on @confirmation being NULL only, so a
 * checklist built from one evaluation fits all later ones.
 * Neither string is copied. */
TanbaPasswordEvaluation       *tanba_password_policy_evaluate (const char *password,
                                                               const char *confirmation,
                                                               gsize       max_len);
/* Wipes and frees. */
void                           tanba_password_evaluation_free (TanbaPasswordEvaluation *self);

/* The rules in checklist order; @n_results receives their number. */
const TanbaPasswordRuleResult *tanba_password_evaluation_get_results (const TanbaPasswordEvaluation *self,
                                                                      guint                         *n_results);
/* The state of @rule; NOT_APPLICABLE also for a rule left out. */
TanbaRuleState                 tanba_password_evaluation_get_state (const TanbaPasswordEvaluation *self,
                                                                    TanbaPasswordRule              rule);
/* TRUE when every rule is MET. */
gboolean                       tanba_password_evaluation_is_acceptable (const TanbaPasswordEvaluation *self);
/* One translated sentence about the first rule not met, e.g. "The password
 * has three ascending characters in a row (“123”).", or NULL when the
 * password is acceptable. It may quote up to three characters of the
 * password: put it on screen, never in a log; free with
 * tanba_policy_text_free(). */
char                          *tanba_password_evaluation_dup_sentence (const TanbaPasswordEvaluation *self);

/* Yes or no: FALSE with a TANBA_POLICY_ERROR_PASSWORD_* code for the first rule
 * broken (checklist order) and a translated message that does not quote the
 * password. @confirmation NULL: not checked; "" never matches. */
gboolean                       tanba_password_policy_check (const char  *password,
                                                            const char  *confirmation,
                                                            gsize        max_len,
                                                            GError     **error);

/* A stable name for JSON output and tests: "min-length", "max-length",
 * "characters", "has-letter", "has-digit", "no-sequence", "no-repeat",
 * "confirmation". */
const char                    *tanba_password_rule_to_string (TanbaPasswordRule rule);
/* Translated words a screen reader can add to a rule: "met", "not met",
 * "not checked yet". */
const char                    *tanba_rule_state_to_string (TanbaRuleState state);

/* Wipes a string that may hold part of a secret, then frees it. NULL is fine. */
void                           tanba_policy_text_free (char *text);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TanbaPasswordEvaluation, tanba_password_evaluation_free)

G_END_DECLS
