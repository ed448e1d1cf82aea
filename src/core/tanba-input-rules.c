/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-input-rules.c: user ID, OTP PIN, token name and PKCS#11 label rules. */
#include "config.h"

#include <string.h>

#include "tanba-i18n.h"
#include "tanba-input-rules.h"

/* Helpers */

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

static gboolean
is_trimmable (gunichar c)
{
  /* g_unichar_isspace() covers the no-break space; zero-width space and the
   * byte-order mark are invisible and come along from copies too. */
  return g_unichar_isspace (c) || c == 0x200B || c == 0xFEFF;
}

/* The bounds of @text without the white space around it. */
static void
trim_bounds (const char  *text,
             const char **start,
             const char **end)
{
  const char *s = text;
  const char *e = text + strlen (text);

  if (!g_utf8_validate (text, -1, NULL))
    {
      while (s < e && g_ascii_isspace (*s))
        s++;
      while (e > s && g_ascii_isspace (e[-1]))
        e--;
    }
  else
    {
      while (s < e && is_trimmable (g_utf8_get_char (s)))
        s = g_utf8_next_char (s);
      while (e > s)
        {
          const char *prev = g_utf8_prev_char (e);

          if (!is_trimmable (g_utf8_get_char (prev)))
            break;
          e = prev;
        }
    }

  *start = s;
  *end = e;
}

/* The first character of @text (@len bytes of valid UTF-8) for which @allowed
 * is FALSE, or NULL. */
static const char *
find_disallowed (const char *text,
                 gsize       len,
                 gboolean  (*allowed) (gunichar c))
{
  const char *end = text + len;

  for (const char *p = text; p < end; p = g_utf8_next_char (p))
    if (!allowed (g_utf8_get_char (p)))
      return p;
  return NULL;
}

/* One character of valid UTF-8, as a new string. */
static char *
dup_char (const char *p)
{
  return g_strndup (p, (gsize) (g_utf8_next_char (p) - p));
}

/* Token name */

static gboolean
token_name_char_allowed (gunichar c)
{
  return is_latin_letter (c) || is_digit (c) || c == '-' || c == '_' || c == '=';
}

gboolean
tanba_token_name_validate (const char  *name,
                           GError     **error)
{
  const char *bad;
  glong n_chars;

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (name == NULL || name[0] == '\0')
    return TRUE;

  if (!g_utf8_validate (name, -1, NULL))
    {
      g_set_error_literal (error, TANBA_POLICY_ERROR,
                           TANBA_POLICY_ERROR_TOKEN_NAME_INVALID_CHARACTER,
                           _("The token name contains characters that cannot be read. "
                             "Use Latin letters, digits and “-”, “_”, “=”."));
      return FALSE;
    }

  bad = find_disallowed (name, strlen (name), token_name_char_allowed);
  if (bad != NULL)
    {
      gunichar c = g_utf8_get_char (bad);
      g_autofree char *shown = dup_char (bad);

      if (g_unichar_isspace (c))
        g_set_error_literal (error, TANBA_POLICY_ERROR,
                             TANBA_POLICY_ERROR_TOKEN_NAME_INVALID_CHARACTER,
                             _("The token name contains a space. Use “-” or “_” instead."));
      else if (g_unichar_isalpha (c))
        g_set_error (error, TANBA_POLICY_ERROR,
                     TANBA_POLICY_ERROR_TOKEN_NAME_INVALID_CHARACTER,
                     /* Translators: %s is the letter typed, e.g. a Cyrillic “Т”. */
                     _("The token name contains “%s”, which is not a letter from A to Z. "
                       "Switch the keyboard layout to English; a name can have Latin letters, "
                       "digits and “-”, “_”, “=”."),
                     shown);
      else
        g_set_error (error, TANBA_POLICY_ERROR,
                     TANBA_POLICY_ERROR_TOKEN_NAME_INVALID_CHARACTER,
                     /* Translators: %s is the character typed, e.g. “/”. */
                     _("The token name cannot contain “%s”. "
                       "A name can have Latin letters, digits and “-”, “_”, “=”."),
                     shown);
      return FALSE;
    }

  n_chars = g_utf8_strlen (name, -1);
  if (n_chars > TANBA_TOKEN_NAME_MAX_LEN)
    {
      g_set_error (error, TANBA_POLICY_ERROR, TANBA_POLICY_ERROR_TOKEN_NAME_TOO_LONG,
                   /* Translators: the first %u is the length of the name typed,
                    * the second the maximum (32). */
                   g_dngettext (GETTEXT_PACKAGE,
                                "The token name has %u character; it can have at most %u. Shorten it.",
                                "The token name has %u characters; it can have at most %u. Shorten it.",
                                (gulong) n_chars),
                   (guint) n_chars, (guint) TANBA_TOKEN_NAME_MAX_LEN);
      return FALSE;
    }

  return TRUE;
}

/* PKCS#11 label */

gboolean
tanba_pkcs11_label_pad (const char  *name,
                        char         label[TANBA_PKCS11_LABEL_LEN + 1],
                        GError     **error)
{
  gsize len;

  g_return_val_if_fail (label != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  memset (label, ' ', TANBA_PKCS11_LABEL_LEN);
  label[TANBA_PKCS11_LABEL_LEN] = '\0';

  if (name == NULL)
    return TRUE;

  if (!g_utf8_validate (name, -1, NULL))
    {
      g_set_error_literal (error, TANBA_POLICY_ERROR, TANBA_POLICY_ERROR_LABEL_INVALID_ENCODING,
                           _("The token name contains characters that cannot be read. "
                             "Use Latin letters, digits and “-”, “_”, “=”."));
      return FALSE;
    }

  len = strlen (name);
  if (len > TANBA_PKCS11_LABEL_LEN)
    {
      g_set_error (error, TANBA_POLICY_ERROR, TANBA_POLICY_ERROR_LABEL_TOO_LONG,
                   /* Translators: %s is the name; a token label holds 32 bytes,
                    * and a letter outside A–Z takes two or more of them. */
                   _("The name “%s” does not fit in the token’s label (at most %u bytes). "
                     "Use a shorter name."),
                   name, (guint) TANBA_PKCS11_LABEL_LEN);
      return FALSE;
    }

  memcpy (label, name, len);
  return TRUE;
}

/* User ID */

static gboolean
user_id_char_allowed (gunichar c)
{
  return is_latin_letter (c) || is_digit (c) || c == '_' || c == '-' || c == '.';
}

char *
tanba_user_id_normalize (const char *user_id)
{
  const char *start;
  const char *end;

  if (user_id == NULL)
    return g_strdup ("");

  trim_bounds (user_id, &start, &end);
  return g_strndup (start, (gsize) (end - start));
}

gboolean
tanba_user_id_validate (const char  *user_id,
                        GError     **error)
{
  const char *start;
  const char *end;
  const char *bad;

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (user_id == NULL)
    user_id = "";
  trim_bounds (user_id, &start, &end);

  if (start == end)
    {
      g_set_error_literal (error, TANBA_POLICY_ERROR, TANBA_POLICY_ERROR_USER_ID_EMPTY,
                           _("Type your user ID. It is in appendix 2 to your contract, "
                             "for example qq111111_qwertyui."));
      return FALSE;
    }

  if (!g_utf8_validate (start, end - start, NULL))
    {
      g_set_error_literal (error, TANBA_POLICY_ERROR, TANBA_POLICY_ERROR_USER_ID_INVALID_CHARACTER,
                           _("The user ID contains characters that cannot be read. "
                             "Type it as in appendix 2 to your contract, for example qq111111_qwertyui."));
      return FALSE;
    }

  bad = find_disallowed (start, (gsize) (end - start), user_id_char_allowed);
  if (bad != NULL)
    {
      gunichar c = g_utf8_get_char (bad);
      g_autofree char *shown = dup_char (bad);

      if (g_unichar_isspace (c))
        g_set_error_literal (error, TANBA_POLICY_ERROR, TANBA_POLICY_ERROR_USER_ID_INVALID_CHARACTER,
                             _("The user ID contains a space. Type it without spaces, "
                               "as in appendix 2 to your contract, for example qq111111_qwertyui."));
      else if (g_unichar_isalpha (c))
        g_set_error (error, TANBA_POLICY_ERROR, TANBA_POLICY_ERROR_USER_ID_INVALID_CHARACTER,
                     /* Translators: %s is the letter typed, e.g. a Cyrillic “у”. */
                     _("The user ID contains “%s”, which is not a letter from A to Z. "
                       "Switch the keyboard layout to English and type the ID as in appendix 2 "
                       "to your contract, for example qq111111_qwertyui."),
                     shown);
      else
        g_set_error (error, TANBA_POLICY_ERROR, TANBA_POLICY_ERROR_USER_ID_INVALID_CHARACTER,
                     /* Translators: %s is the character typed, e.g. “@”. */
                     _("The user ID cannot contain “%s”. It has Latin letters, digits, "
                       "“_”, “-” or “.”, for example qq111111_qwertyui."),
                     shown);
      return FALSE;
    }

  if (g_utf8_strlen (start, end - start) > TANBA_USER_ID_MAX_LEN)
    {
      g_set_error (error, TANBA_POLICY_ERROR, TANBA_POLICY_ERROR_USER_ID_TOO_LONG,
                   g_dngettext (GETTEXT_PACKAGE,
                                "The user ID is longer than %u character. "
                                "Check it against appendix 2 to your contract.",
                                "The user ID is longer than %u characters. "
                                "Check it against appendix 2 to your contract.",
                                TANBA_USER_ID_MAX_LEN),
                   (guint) TANBA_USER_ID_MAX_LEN);
      return FALSE;
    }

  return TRUE;
}

gboolean
tanba_user_id_equal (const char *typed,
                     const char *certified)
{
  const char *a_start, *a_end;
  const char *b_start, *b_end;
  gsize len;

  if (typed == NULL || certified == NULL)
    return FALSE;

  trim_bounds (typed, &a_start, &a_end);
  trim_bounds (certified, &b_start, &b_end);

  len = (gsize) (a_end - a_start);
  if (len == 0 || len != (gsize) (b_end - b_start))
    return FALSE;
  return g_ascii_strncasecmp (a_start, b_start, len) == 0;
}

gboolean
tanba_user_id_check_match (const char  *typed,
                           const char  *certified,
                           GError     **error)
{
  g_autofree char *typed_shown = NULL;
  g_autofree char *certified_shown = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (tanba_user_id_equal (typed, certified))
    return TRUE;

  typed_shown = tanba_user_id_normalize (typed);
  certified_shown = tanba_user_id_normalize (certified);
  g_set_error (error, TANBA_POLICY_ERROR, TANBA_POLICY_ERROR_USER_ID_MISMATCH,
               /* Translators: the first %s is the user ID in the key file's
                * certificate, the second the user ID typed. */
               _("This key file belongs to another user: it was issued for “%s”, "
                 "but the user ID typed is “%s”. Check the user ID in appendix 2 to your "
                 "contract, and that the key file is yours and not another user’s or "
                 "another company’s."),
               certified_shown, typed_shown);
  return FALSE;
}

/* OTP PIN */

gboolean
tanba_otp_pin_normalize (char   *text,
                         gssize  len)
{
  gboolean changed = FALSE;

  g_return_val_if_fail (text != NULL || len == 0, FALSE);

  /* Byte by byte is safe in UTF-8: bytes of multi-byte characters are all
   * >= 0x80 and never look like 'a'..'z'. */
  for (gsize i = 0; len < 0 ? text[i] != '\0' : i < (gsize) len; i++)
    if (text[i] >= 'a' && text[i] <= 'z')
      {
        text[i] = (char) (text[i] - 'a' + 'A');
        changed = TRUE;
      }

  return changed;
}

gboolean
tanba_otp_pin_validate (const char  *pin,
                        GError     **error)
{
  gsize n_chars = 0;

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (pin == NULL)
    pin = "";

  if (!g_utf8_validate (pin, -1, NULL))
    {
      g_set_error_literal (error, TANBA_POLICY_ERROR, TANBA_POLICY_ERROR_OTP_PIN_INVALID_CHARACTER,
                           _("The PIN contains characters that cannot be read. "
                             "Type the 11 characters from the OTP card."));
      return FALSE;
    }

  /* Characters first: they say more than the length. Nothing of the PIN is
   * quoted, it is a secret. */
  for (const char *p = pin; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      n_chars++;
      if ((c >= 'A' && c <= 'Z') || is_digit (c))
        continue;

      if (c >= 'a' && c <= 'z')
        g_set_error_literal (error, TANBA_POLICY_ERROR, TANBA_POLICY_ERROR_OTP_PIN_INVALID_CHARACTER,
                             _("Type the PIN in capital letters, as on the OTP card."));
      else if (g_unichar_isspace (c))
        g_set_error_literal (error, TANBA_POLICY_ERROR, TANBA_POLICY_ERROR_OTP_PIN_INVALID_CHARACTER,
                             _("The PIN contains a space. Type the 11 characters from the OTP card "
                               "without spaces."));
      else if (g_unichar_isalpha (c))
        g_set_error_literal (error, TANBA_POLICY_ERROR, TANBA_POLICY_ERROR_OTP_PIN_INVALID_CHARACTER,
                             _("The PIN contains a letter that is not from A to Z. "
                               "Switch the keyboard layout to English."));
      else
        g_set_error_literal (error, TANBA_POLICY_ERROR, TANBA_POLICY_ERROR_OTP_PIN_INVALID_CHARACTER,
                             _("The PIN contains a character that is not a Latin letter or digit. "
                               "Type it as on the OTP card."));
      return FALSE;
    }

  if (n_chars == 0)
    {
      g_set_error (error, TANBA_POLICY_ERROR, TANBA_POLICY_ERROR_OTP_PIN_LENGTH,
                   /* Translators: %u is the length of the PIN (11). */
                   _("Type the PIN from the OTP card: %u capital Latin letters and digits."),
                   (guint) TANBA_OTP_PIN_LEN);
      return FALSE;
    }

  if (n_chars != TANBA_OTP_PIN_LEN)
    {
      g_set_error (error, TANBA_POLICY_ERROR, TANBA_POLICY_ERROR_OTP_PIN_LENGTH,
                   /* Translators: the first %u is how many characters were typed,
                    * the second the length of the PIN on the OTP card (11). */
                   g_dngettext (GETTEXT_PACKAGE,
                                "The PIN has %u character; the PIN on the OTP card has %u.",
                                "The PIN has %u characters; the PIN on the OTP card has %u.",
                                n_chars),
                   (guint) MIN (n_chars, G_MAXUINT), (guint) TANBA_OTP_PIN_LEN);
      return FALSE;
    }

  return TRUE;
}

static inline char
lookalike_of (char c)
{
  switch (c)
    {
    case 'I': return '1';
    case '1': return 'I';
    case 'O': return '0';
    case '0': return 'O';
    default: return '\0';
    }
}

/* The next number with as many bits set as @c (Gosper's hack); @c > 0. */
static inline guint64
next_same_weight (guint64 c)
{
  guint64 lowest = c & -c;
  guint64 ripple = c + lowest;

  return ripple | (((c ^ ripple) >> 2) / lowest);
}

GStrv
tanba_otp_pin_dup_lookalikes (const char *pin)
{
  /* Byte offsets of the swappable characters; only the first 63 count
   * (2^63 variants would be far beyond the cap anyway). */
  gsize positions[63];
  guint n_positions = 0;
  gsize len;
  GPtrArray *variants;

  g_return_val_if_fail (pin != NULL, NULL);

  len = strlen (pin);
  for (gsize i = 0; i < len && n_positions < G_N_ELEMENTS (positions); i++)
    if (lookalike_of (pin[i]) != '\0')
      positions[n_positions++] = i;

  variants = g_ptr_array_new ();
  g_ptr_array_add (variants, g_strndup (pin, len));

  /* By number of swaps: one, two, ... Each mask says which positions swap. */
  for (guint weight = 1;
       weight <= n_positions && variants->len < TANBA_OTP_PIN_MAX_VARIANTS;
       weight++)
    {
      guint64 limit = G_GUINT64_CONSTANT (1) << n_positions;

      for (guint64 mask = (G_GUINT64_CONSTANT (1) << weight) - 1;
           mask < limit && variants->len < TANBA_OTP_PIN_MAX_VARIANTS;
           mask = next_same_weight (mask))
        {
          char *variant = g_strndup (pin, len);

          for (guint bit = 0; bit < n_positions; bit++)
            if (mask & (G_GUINT64_CONSTANT (1) << bit))
              variant[positions[bit]] = lookalike_of (variant[positions[bit]]);
          g_ptr_array_add (variants, variant);
        }
    }

  g_ptr_array_add (variants, NULL);
  return (GStrv) g_ptr_array_free (variants, FALSE);
}

void
tanba_otp_pin_lookalikes_free (GStrv variants)
{
  if (variants == NULL)
    return;

  for (guint i = 0; variants[i] != NULL; i++)
    tanba_policy_text_free (variants[i]);
  g_free (variants);
}
