/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-registration.c: the registration state machine (see the header).
 *
 * Each step first looks at what exists (the marker, the keys and certificates
 * on the token) and does only what is missing, so that a run after any
 * interruption (a dropped connection, a killed process, a pulled token)
 * finishes the job without a second key pair or a second certificate. */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "tanba-bank-client.h"
#include "tanba-cmp-client.h"
#include "tanba-http.h"
#include "tanba-i18n.h"
#include "tanba-input-rules.h"
#include "tanba-key-file.h"
#include "tanba-password-policy.h"
#include "tanba-registration-journal.h"
#include "tanba-registration-private.h"
#include "tanba-openssl-autoptr.h"
#include "tanba-token-error.h"

#define SIGNING_KEY_LABEL         "Tanba signing key"
#define AUTHENTICATION_KEY_LABEL  "Tanba authentication key"
#define SIGNING_CERT_LABEL        "Tanba signing certificate"
#define AUTHENTICATION_CERT_LABEL "Tanba authentication certificate"
/* The label of a token personalized without a name. */
#define TANBA_DEFAULT_TOKEN_NAME  "KAZTOKEN"

G_DEFINE_QUARK (tanba-registration-error-quark, tanba_registration_error)


static const struct
{
  const char *name;
  double      weight;   /* share of the progress bar */
} steps[TANBA_REGISTRATION_N_STEPS] = {
  [TANBA_REGISTRATION_STEP_PERSONALIZE] = { "personalized", 0.10 },
  [TANBA_REGISTRATION_STEP_SIGNING_KEY] = { "signing-key", 0.20 },
  [TANBA_REGISTRATION_STEP_AUTHENTICATION_KEY] = { "authentication-key", 0.20 },
  [TANBA_REGISTRATION_STEP_SIGNING_CERTIFICATE] = { "signing-certificate", 0.12 },
  [TANBA_REGISTRATION_STEP_STORE_SIGNING] = { "signing-stored", 0.08 },
  [TANBA_REGISTRATION_STEP_AUTHENTICATION_CERTIFICATE] = { "authentication-certificate", 0.12 },
  [TANBA_REGISTRATION_STEP_STORE_AUTHENTICATION] = { "authentication-stored", 0.08 },
  [TANBA_REGISTRATION_STEP_BANK] = { "bank-registered", 0.10 },
  [TANBA_REGISTRATION_STEP_DONE] = { "done", 0.00 },
};

const char *
tanba_registration_step_to_string (TanbaRegistrationStep step)
{
  g_return_val_if_fail (step < TANBA_REGISTRATION_N_STEPS, NULL);
  return steps[step].name;
}

const char *
tanba_registration_step_title (TanbaRegistrationStep step)
{
  switch (step)
    {
    case TANBA_REGISTRATION_STEP_PERSONALIZE:
      return _("Personalize the token");
    case TANBA_REGISTRATION_STEP_SIGNING_KEY:
      return _("Generate the signing key");
    case TANBA_REGISTRATION_STEP_AUTHENTICATION_KEY:
      return _("Generate the authentication key");
    case TANBA_REGISTRATION_STEP_SIGNING_CERTIFICATE:
      return _("Request the signing certificate");
    case TANBA_REGISTRATION_STEP_STORE_SIGNING:
      return _("Store the signing certificate on the token");
    case TANBA_REGISTRATION_STEP_AUTHENTICATION_CERTIFICATE:
      return _("Request the authentication certificate");
    case TANBA_REGISTRATION_STEP_STORE_AUTHENTICATION:
      return _("Store the authentication certificate on the token");
    case TANBA_REGISTRATION_STEP_BANK:
      return _("Register the certificates with the bank");
    case TANBA_REGISTRATION_STEP_DONE:
      return _("Finish the registration");
    case TANBA_REGISTRATION_N_STEPS:
    default:
      break;
    }
  g_return_val_if_reached (NULL);
}

/* The index of the step a marker says was completed last; -1 for none. */
static int
completed_index (const TanbaRegistrationMarker *marker)
{
  if (marker == NULL || marker->step == NULL)
    return -1;
  for (int i = 0; i < TANBA_REGISTRATION_N_STEPS; i++)
    if (g_strcmp0 (marker->step, steps[i].name) == 0)
      return i;
  return -1;
}

static const char *
algorithm_name (TanbaKeyAlgorithm algorithm)
{
  return algorithm == TANBA_KEY_P256 ? "p256" : "rsa2048";
}

static gboolean
algorithm_from_name (const char        *name,
                     TanbaKeyAlgorithm *algorithm)
{
  if (g_strcmp0 (name, "p256") == 0)
    *algorithm = TANBA_KEY_P256;
  else if (g_strcmp0 (name, "rsa2048") == 0)
    *algorithm = TANBA_KEY_RSA2048;
  else
    return FALSE;
  return TRUE;
}

/* The run */

typedef struct
{
  TanbaToken                    *token;
  const TanbaRegistrationParams *params;
  TanbaRegistrationProgressFunc  progress;
  gpointer                       progress_data;
  GCancellable                  *cancellable;

  TanbaRegistrationMarker       *marker;    /* what the token says */
  TanbaRegistrationJournal      *journal;   /* what the computer says */
  TanbaKeyAlgorithm              algorithm;
  TanbaKeyFile                  *key_file;  /* opened once, when first needed, or the params' */
  TanbaCmpClient                *cmp;
  TanbaRegistrationStep          current;
  gboolean                       storing;   /* inside the accept callback */
} Run;

static double
fraction_before (TanbaRegistrationStep step)
{
  double sum = 0;

  for (guint i = 0; i < step; i++)
    sum += steps[i].weight;
  return MIN (sum, 1.0);
}

static void
report (Run                   *run,
        TanbaRegistrationStep  step,
        TanbaStepState         state,
        const char            *text)
{
  double fraction = fraction_before (step);

  if (state == TANBA_STEP_STATE_DONE || state == TANBA_STEP_STATE_SKIPPED)
    fraction += steps[step].weight;
  if (step == TANBA_REGISTRATION_STEP_DONE && state == TANBA_STEP_STATE_DONE)
    fraction = 1.0;
  g_debug ("registration: %s %s", steps[step].name,
           state == TANBA_STEP_STATE_RUNNING ? "running"
           : state == TANBA_STEP_STATE_DONE ? "done"
           : state == TANBA_STEP_STATE_SKIPPED ? "skipped"
           : state == TANBA_STEP_STATE_FAILED ? "failed" : "pending");
  if (run->progress != NULL)
    run->progress (step, state, MIN (fraction, 1.0),
                   text != NULL ? text : tanba_registration_step_title (step),
                   run->progress_data);
}

static void
journal_save (Run *run)
{
  g_autoptr(GError) error = NULL;

  if (run->marker != NULL)
    {
      tanba_registration_marker_free (run->journal->marker);
      run->journal->marker = tanba_registration_marker_copy (run->marker);
    }
  /* The journal helps; the token's marker is what counts. A journal that
   * cannot be written (a read-only home) is logged, not fatal. */
  if (!tanba_registration_journal_save (run->journal, &error))
    g_warning ("Registration journal: %s", error->message);
}

/* Adds @step's @state to the journal; saves it unless @defer. A step's
 * "done" is deferred: the next step's "running" follows at once and saves
 * both in one atomic replace (the token's marker, written first, already says
 * the step is done). A run that ends saves whatever is deferred. */
static void
journal_record (Run                   *run,
                TanbaRegistrationStep  step,
                const char            *state,
                gboolean               defer)
{
  /* The step under way stays named after a failure: the next run needs to
   * know that the token may have been re-initialized already. */
  if (g_strcmp0 (state, "running") == 0)
    {
      g_free (run->journal->running_step);
      run->journal->running_step = g_strdup (steps[step].name);
    }
  else if (g_strcmp0 (state, "done") == 0)
    g_clear_pointer (&run->journal->running_step, g_free);
  tanba_registration_journal_add (run->journal, steps[step].name, state);
  if (!defer)
    journal_save (run);
}

static void
journal_step (Run                   *run,
              TanbaRegistrationStep  step,
              const char            *state)
{
  journal_record (run, step, state, FALSE);
}

/* Records on the token (marker) and in the journal that the steps @first to
 * @last, which ended together, are complete: one marker write says so for
 * all of them. */
static gboolean
complete_steps (Run                   *run,
                TanbaRegistrationStep  first,
                TanbaRegistrationStep  last,
                GError               **error)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

  g_free (run->marker->step);
  run->marker->step = g_strdup (steps[last].name);
  g_free (run->marker->updated);
  run->marker->updated = g_date_time_format_iso8601 (now);
  if (!tanba_registration_marker_write (run->token, run->marker, error))
    return FALSE;
  for (TanbaRegistrationStep step = first; step <= last; step++)
    {
      journal_record (run, step, "done", step != TANBA_REGISTRATION_STEP_DONE);
      report (run, step, TANBA_STEP_STATE_DONE, NULL);
    }
  return TRUE;
}

/* Records on the token (marker) and in the journal that @step is complete. */
static gboolean
complete_step (Run                   *run,
               TanbaRegistrationStep  step,
               GError               **error)
{
  return complete_steps (run, step, step, error);
}

/* For the interruption tests only: with TANBA_TEST_PAUSE_AT=STEP the process
 * stops itself (SIGSTOP) when that step begins, after saying so, so that a
 * test can kill it or pull the token out at exactly that point. */
static void
pause_at (const char *name)
{
  const char *at = g_getenv ("TANBA_TEST_PAUSE_AT");

  if (at != NULL && g_str_equal (at, name))
    {
      g_debug ("registration: paused at %s", name);
      fflush (stdout);
      fflush (stderr);
      raise (SIGSTOP);
    }
}

static void
pause_point (TanbaRegistrationStep step)
{
  pause_at (steps[step].name);
}

static gboolean
begin_step (Run                   *run,
            TanbaRegistrationStep  step,
            GError               **error)
{
  if (g_cancellable_set_error_if_cancelled (run->cancellable, error))
    return FALSE;
  run->current = step;
  journal_step (run, step, "running");
  report (run, step, TANBA_STEP_STATE_RUNNING, NULL);
  pause_point (step);
  return TRUE;
}

static void
skip_step (Run                   *run,
           TanbaRegistrationStep  step)
{
  report (run, step, TANBA_STEP_STATE_SKIPPED, NULL);
}

static gboolean
require (const char  *value,
         const char  *what,
         GError     **error)
{
  if (value != NULL && value[0] != '\0')
    return TRUE;
  g_set_error (error, TANBA_REGISTRATION_ERROR, TANBA_REGISTRATION_ERROR_MISSING_INPUT,
               _("The registration cannot go on without %s."), what);
  return FALSE;
}

/* The password the token has once it is personalized. */
static const char *
user_pin (Run *run)
{
  return run->params->new_pin != NULL ? run->params->new_pin : run->params->current_pin;
}

static gboolean
ensure_user_login (Run     *run,
                   GError **error)
{
  if (tanba_token_get_role (run->token) == TANBA_ROLE_USER)
    return TRUE;
  if (!require (user_pin (run), _("the token password"), error))
    return FALSE;
  return tanba_token_login (run->token, TANBA_ROLE_USER, user_pin (run), error);
}

/* Formatting failed with @token_error (taken). When the token refused the
 * administrator PIN, C_InitToken changed nothing (the token is still in
 * factory state): the error says so, with the tries the token's flags say
 * are left, so that the caller asks for the PIN instead of sending the same
 * one again. Anything else is passed on as it is. */
static gboolean
fail_personalize (Run     *run,
                  GError  *token_error,
                  gboolean factory_pin,
                  GError **error)
{
  g_autoptr(TanbaTokenInfo) info = NULL;
  g_autoptr(GString) message = NULL;

  if (token_error->domain != TANBA_TOKEN_ERROR
      || (token_error->code != TANBA_TOKEN_ERROR_PIN_INCORRECT
          && token_error->code != TANBA_TOKEN_ERROR_PIN_LOCKED))
    {
      g_propagate_error (error, token_error);
      return FALSE;
    }
  info = tanba_token_get_info (run->token, NULL);
  /* Re-initialized already (the PIN was refused afterwards): not this case. */
  if (info == NULL || !tanba_token_info_is_factory_empty (info))
    {
      g_propagate_error (error, token_error);
      return FALSE;
    }
  g_debug ("registration: the token refused the %s administrator PIN: %s",
           factory_pin ? "factory" : "given", token_error->message);

  if (token_error->code == TANBA_TOKEN_ERROR_PIN_LOCKED || tanba_token_info_so_pin_locked (info))
    {
      g_error_free (token_error);
      g_set_error_literal (error, TANBA_REGISTRATION_ERROR, TANBA_REGISTRATION_ERROR_ADMIN_PIN_LOCKED,
                           _("The token’s administrator PIN is locked after too many wrong attempts, so the token cannot be personalized. Nothing on the token was changed. Contact your bank: the token must be unblocked or replaced."));
      return FALSE;
    }
  g_error_free (token_error);

  message = g_string_new (factory_pin
                          ? _("The token did not accept the factory administrator PIN 87654321: it was changed on this token.")
                          : _("The token did not accept the administrator PIN that was entered."));
  if (tanba_token_info_so_pin_final_try (info))
    g_string_append_printf (message, " %s", _("Only one try is left: another wrong administrator PIN locks it, and the token can then no longer be personalized."));
  else if (tanba_token_info_so_pin_count_low (info))
    g_string_append_printf (message, " %s", _("Few tries are left before the administrator PIN locks."));
  g_string_append_printf (message, " %s", _("Nothing on the token was changed. The registration needs the administrator PIN that was set for this token."));
  g_set_error_literal (error, TANBA_REGISTRATION_ERROR, TANBA_REGISTRATION_ERROR_ADMIN_PIN, message->str);
  return FALSE;
}

/* Step 1: a new label and a new password on the empty token. */
static gboolean
personalize (Run     *run,
             GError **error)
{
  const TanbaRegistrationParams *p = run->params;
  g_autoptr(TanbaTokenInfo) info = NULL;
  g_autofree char *label = NULL;
  const char *admin_pin = p->admin_pin != NULL ? p->admin_pin : TANBA_FACTORY_ADMIN_PIN;
  GError *format_error = NULL;

  if (!require (p->user_id, _("the user ID"), error)
      || !require (p->current_pin, _("the token's current password"), error)
      || !require (p->new_pin, _("a new token password"), error))
    return FALSE;
  if (!tanba_user_id_validate (p->user_id, error))
    return FALSE;
  label = g_strdup (p->token_name != NULL ? p->token_name : "");
  g_strstrip (label);
  /* An empty label would make the token look new again after a crash. */
  if (label[0] == '\0')
    {
      g_free (label);
      label = g_strdup (TANBA_DEFAULT_TOKEN_NAME);
    }
  if (!tanba_token_name_validate (label, error))
    return FALSE;
  info = tanba_token_get_info (run->token, error);
  if (info == NULL)
    return FALSE;
  if (!tanba_password_policy_check (p->new_pin, NULL, info->max_pin_len, error))
    return FALSE;

  /* The marker to be, in the journal before the token changes. */
  run->marker = tanba_registration_marker_new ();
  run->marker->user_id = g_strdup (p->user_id);
  run->marker->term_years = (gint) p->term_years;
  run->marker->algorithm = g_strdup (algorithm_name (run->algorithm));
  g_free (run->journal->token_label);
  run->journal->token_label = g_strdup (label);
  if (!begin_step (run, TANBA_REGISTRATION_STEP_PERSONALIZE, error))
    return FALSE;
  /* The current password proves it is the user's token; then the token is
   * initialized again with the name and the new password. */
  if (!tanba_token_login (run->token, TANBA_ROLE_USER, p->current_pin, error)
      || !tanba_token_logout (run->token, error))
    return FALSE;
  if (!tanba_token_format (run->token, admin_pin, label, p->new_pin, FALSE, &format_error))
    return fail_personalize (run, format_error, p->admin_pin == NULL, error);
  /* The riskiest moment: re-initialized, no marker yet (the journal knows). */
  pause_at ("personalized-formatted");
  if (!tanba_token_login (run->token, TANBA_ROLE_USER, p->new_pin, error))
    return FALSE;
  return complete_step (run, TANBA_REGISTRATION_STEP_PERSONALIZE, error);
}

static TanbaKeyInfo *
find_key (GPtrArray  *keys,
          const char *id_hex,
          const char *label)
{
  for (guint i = 0; keys != NULL && i < keys->len; i++)
    {
      TanbaKeyInfo *key = g_ptr_array_index (keys, i);
      g_autofree char *hex = tanba_id_to_hex (key->id);

      if (!key->has_private)
        continue;
      if (id_hex != NULL ? g_ascii_strcasecmp (hex, id_hex) == 0 : g_strcmp0 (key->label, label) == 0)
        return key;
    }
  return NULL;
}

/* Steps 2 and 3: a key pair, or the one an earlier run made, looked up in
 * @keys (the token's keys, listed once by ensure_keys, logged in). A key
 * with our label that the marker does not name was made by a run that
 * stopped before it could write the marker: it is adopted, so no key is left
 * orphaned. */
static gboolean
ensure_key (Run                   *run,
            GPtrArray             *keys,
            TanbaRegistrationStep  step,
            const char            *label,
            char                 **marker_id,
            GError               **error)
{
  g_autoptr(TanbaKeyInfo) made = NULL;
  TanbaKeyInfo *found;

  found = *marker_id != NULL ? find_key (keys, *marker_id, NULL) : NULL;
  if (found != NULL)
    {
      if (completed_index (run->marker) < (int) step)
        return complete_step (run, step, error);
      skip_step (run, step);
      return TRUE;
    }
  if (!begin_step (run, step, error))
    return FALSE;
  found = find_key (keys, NULL, label);
  if (found == NULL)
    {
      made = tanba_token_generate_key_pair (run->token, run->algorithm, label, error);
      if (made == NULL)
        return FALSE;
      found = made;
    }
  else
    g_debug ("registration: adopting the key \"%s\" an earlier run made", label);
  g_free (*marker_id);
  *marker_id = tanba_id_to_hex (found->id);
  return complete_step (run, step, error);
}

/* Steps 2 and 3 on a token that has neither key yet (the usual case): both
 * key pairs are generated at the same time, which takes the time of one on
 * a token that can (a software token on several cores); the marker is
 * written once, after both. Anything else (a key that is there already,
 * one to adopt) goes key by key. */
static gboolean
ensure_keys (Run     *run,
             GError **error)
{
  static const char * const labels[] = { SIGNING_KEY_LABEL, AUTHENTICATION_KEY_LABEL };
  g_autoptr(GPtrArray) keys = NULL;
  TanbaKeyInfo *made[G_N_ELEMENTS (labels)] = { NULL };
  gboolean ok;

  if (!ensure_user_login (run, error))
    return FALSE;
  keys = tanba_token_list_keys (run->token, error);
  if (keys == NULL)
    return FALSE;
  if (run->marker->signing_key_id != NULL || run->marker->authentication_key_id != NULL
      || find_key (keys, NULL, SIGNING_KEY_LABEL) != NULL
      || find_key (keys, NULL, AUTHENTICATION_KEY_LABEL) != NULL)
    return ensure_key (run, keys, TANBA_REGISTRATION_STEP_SIGNING_KEY, SIGNING_KEY_LABEL,
                       &run->marker->signing_key_id, error)
           && ensure_key (run, keys, TANBA_REGISTRATION_STEP_AUTHENTICATION_KEY, AUTHENTICATION_KEY_LABEL,
                          &run->marker->authentication_key_id, error);

  if (!begin_step (run, TANBA_REGISTRATION_STEP_SIGNING_KEY, error)
      || !begin_step (run, TANBA_REGISTRATION_STEP_AUTHENTICATION_KEY, error))
    return FALSE;
  /* A pair that was made while the other failed stays on the token, under
   * its label: the next run adopts it. */
  ok = tanba_token_generate_key_pairs (run->token, run->algorithm, labels, G_N_ELEMENTS (labels),
                                       made, error);
  if (ok)
    {
      run->marker->signing_key_id = tanba_id_to_hex (made[0]->id);
      run->marker->authentication_key_id = tanba_id_to_hex (made[1]->id);
      ok = complete_steps (run, TANBA_REGISTRATION_STEP_SIGNING_KEY,
                           TANBA_REGISTRATION_STEP_AUTHENTICATION_KEY, error);
    }
  else
    /* The failure is told for the key that was not made. */
    run->current = made[0] == NULL ? TANBA_REGISTRATION_STEP_SIGNING_KEY
                                   : TANBA_REGISTRATION_STEP_AUTHENTICATION_KEY;
  if (!ok)
    {
      /* The other one, begun with it, is not done either: waiting again (a
       * pair that was made is adopted by the next run). */
      report (run, run->current == TANBA_REGISTRATION_STEP_SIGNING_KEY
                   ? TANBA_REGISTRATION_STEP_AUTHENTICATION_KEY : TANBA_REGISTRATION_STEP_SIGNING_KEY,
              TANBA_STEP_STATE_PENDING, NULL);
    }
  for (guint i = 0; i < G_N_ELEMENTS (made); i++)
    g_clear_pointer (&made[i], tanba_key_info_free);
  return ok;
}

static gboolean
open_key_file (Run     *run,
               GError **error)
{
  const TanbaRegistrationParams *p = run->params;
  const char *password;

  if (run->key_file != NULL || p->use_mac)
    return TRUE;
  if (p->opened_key_file != NULL)
    run->key_file = p->opened_key_file;
  else
    {
      if (!require (p->key_file, _("the key file"), error))
        return FALSE;
      password = p->key_password != NULL ? p->key_password : p->otp_pin;
      if (!require (password, _("the OTP PIN"), error))
        return FALSE;
      run->key_file = tanba_key_file_open (p->key_file, password, error);
      if (run->key_file == NULL)
        return FALSE;
    }
  return tanba_key_file_check_user_id (run->key_file,
                                       run->marker != NULL ? run->marker->user_id : p->user_id,
                                       error);
}

static gboolean
ensure_cmp (Run     *run,
            GError **error)
{
  const TanbaRegistrationParams *p = run->params;

  if (run->cmp != NULL)
    return TRUE;
  if (!require (p->ca_url, _("the address of the bank's certification authority"), error)
      || !require (p->trust_anchor, _("the bank's root certificate (trust anchor)"), error))
    return FALSE;
  if (!open_key_file (run, error))
    return FALSE;
  run->cmp = tanba_cmp_client_new (p->ca_url, p->trust_anchor, error);
  if (run->cmp == NULL)
    return FALSE;
  if (p->use_mac)
    {
      if (!require (p->otp_pin, _("the OTP PIN"), error))
        return FALSE;
      tanba_cmp_client_set_mac_protection (run->cmp, run->marker->user_id, p->otp_pin);
    }
  else
    tanba_cmp_client_set_signature_protection (run->cmp,
                                               tanba_key_file_get_key (run->key_file),
                                               tanba_key_file_get_certificate (run->key_file),
                                               tanba_key_file_get_chain (run->key_file));
  return TRUE;
}

static gboolean
same_public_key (X509     *certificate,
                 EVP_PKEY *key)
{
  EVP_PKEY *certified = X509_get0_pubkey (certificate);

  return certified != NULL && key != NULL && EVP_PKEY_eq (certified, key) == 1;
}

typedef struct
{
  Run                   *run;
  GBytes                *id;
  const char            *label;
  TanbaRegistrationStep  enroll_step;
  EVP_PKEY              *public_key;
} Storing;

/* Called by the CMP client with the certificate, before certConf: put it on
 * the token next to its key; only then is it confirmed to the CA. */
static gboolean
store_received (X509     *certificate,
                gpointer  user_data,
                GError  **error)
{
  Storing *s = user_data;
  Run *run = s->run;
  g_autoptr(X509) existing = NULL;
  GError *local_error = NULL;

  if (!same_public_key (certificate, s->public_key))
    {
      g_set_error_literal (error, TANBA_REGISTRATION_ERROR, TANBA_REGISTRATION_ERROR_FAILED,
                           _("The certification authority issued a certificate for another key. It was refused."));
      return FALSE;
    }
  if (!complete_step (run, s->enroll_step, error))
    return FALSE;
  if (!begin_step (run, s->enroll_step + 1, error))
    return FALSE;
  existing = tanba_token_find_certificate (run->token, s->id, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  if (existing != NULL)
    {
      if (X509_cmp (existing, certificate) == 0)
        return TRUE;
      /* An older certificate for the same key (a superseded issue): replace it. */
      if (!tanba_token_delete_certificate (run->token, s->id, error))
        return FALSE;
    }
  return tanba_token_store_certificate (run->token, certificate, s->id, s->label, error);
}

/* A key ID from the marker; a damaged one is an error, not a crash. */
static GBytes *
marker_key_id (const char  *hex,
               GError     **error)
{
  GBytes *id = tanba_id_from_hex (hex);

  if (id == NULL)
    g_set_error_literal (error, TANBA_REGISTRATION_ERROR, TANBA_REGISTRATION_ERROR_FAILED,
                         _("The registration record on the token names a key it cannot identify. Format the token and register again."));
  return id;
}

/* Steps 4–7: request a certificate for a key, store it, confirm it. Done
 * already when the marker says so and the certificate is on the token. */
static gboolean
ensure_certificate (Run                   *run,
                    TanbaRegistrationStep  enroll_step,
                    TanbaCertProfile       profile,
                    const char            *key_id_hex,
                    const char            *label,
                    GError               **error)
{
  g_autoptr(GBytes) id = marker_key_id (key_id_hex, error);
  g_autoptr(X509) present = NULL;
  g_autoptr(X509) issued = NULL;
  g_autoptr(EVP_PKEY) public_key = NULL;
  EVP_PKEY *key;
  GError *local_error = NULL;
  Storing storing;

  if (id == NULL || !ensure_user_login (run, error))
    return FALSE;
  public_key = tanba_token_get_public_key (run->token, id, error);
  if (public_key == NULL)
    return FALSE;
  present = tanba_token_find_certificate (run->token, id, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  if (present != NULL && completed_index (run->marker) >= (int) enroll_step + 1
      && same_public_key (present, public_key))
    {
      skip_step (run, enroll_step);
      skip_step (run, enroll_step + 1);
      return TRUE;
    }

  if (!begin_step (run, enroll_step, error) || !ensure_cmp (run, error))
    return FALSE;
  key = tanba_token_get_private_key (run->token, id, error);
  if (key == NULL)
    return FALSE;
  storing = (Storing) { run, id, label, enroll_step, public_key };
  issued = tanba_cmp_client_enroll (run->cmp, key, profile, run->marker->user_id,
                                    tanba_cmp_term_days ((guint) run->marker->term_years),
                                    store_received, &storing, run->cancellable, error);
  EVP_PKEY_free (key);
  if (issued == NULL)
    return FALSE;
  return complete_step (run, enroll_step + 1, error);
}

static X509 *
certificate_for (Run        *run,
                 const char *key_id_hex,
                 GError    **error)
{
  g_autoptr(GBytes) id = marker_key_id (key_id_hex, error);
  GError *local_error = NULL;
  X509 *cert;

  if (id == NULL)
    return NULL;
  cert = tanba_token_find_certificate (run->token, id, &local_error);

  if (cert == NULL && local_error == NULL)
    g_set_error_literal (&local_error, TANBA_REGISTRATION_ERROR, TANBA_REGISTRATION_ERROR_FAILED,
                         _("A certificate the registration stored on the token is missing. Continue the registration to request it again."));
  if (local_error != NULL)
    g_propagate_error (error, local_error);
  return cert;
}

/* Step 8: the bank accepts both certificates (repeating it is harmless). */
static gboolean
register_with_bank (Run     *run,
                    GError **error)
{
  const TanbaRegistrationParams *p = run->params;
  g_autoptr(X509) signing = NULL;
  g_autoptr(X509) authentication = NULL;
  g_autoptr(GBytes) signing_id = NULL;
  g_autoptr(TanbaBankClient) bank = NULL;
  g_autoptr(TanbaBankRegistration) result = NULL;
  EVP_PKEY *key;

  if (completed_index (run->marker) >= TANBA_REGISTRATION_STEP_BANK)
    {
      skip_step (run, TANBA_REGISTRATION_STEP_BANK);
      return TRUE;
    }
  if (!begin_step (run, TANBA_REGISTRATION_STEP_BANK, error)
      || !require (p->bank_url, _("the bank's address"), error)
      || !ensure_user_login (run, error))
    return FALSE;
  signing = certificate_for (run, run->marker->signing_key_id, error);
  if (signing == NULL)
    return FALSE;
  authentication = certificate_for (run, run->marker->authentication_key_id, error);
  if (authentication == NULL)
    return FALSE;
  bank = tanba_bank_client_new (p->bank_url, p->trust_anchor, error);
  if (bank == NULL)
    return FALSE;
  signing_id = marker_key_id (run->marker->signing_key_id, error);
  if (signing_id == NULL)
    return FALSE;
  key = tanba_token_get_private_key (run->token, signing_id, error);
  if (key == NULL)
    return FALSE;
  result = tanba_bank_client_register (bank, signing, key, authentication, run->cancellable, error);
  EVP_PKEY_free (key);
  if (result == NULL)
    return FALSE;
  g_debug ("registration: the bank says \"%s\"", result->status);
  return complete_step (run, TANBA_REGISTRATION_STEP_BANK, error);
}

TanbaRegistrationState
tanba_registration_inspect (TanbaToken               *token,
                            TanbaRegistrationMarker **marker_out,
                            GError                  **error)
{
  g_autoptr(TanbaRegistrationMarker) marker = NULL;
  g_autoptr(TanbaTokenInfo) info = NULL;
  GError *local_error = NULL;
  TanbaRegistrationState state;

  if (marker_out != NULL)
    *marker_out = NULL;
  marker = tanba_registration_marker_read (token, &local_error);
  if (local_error != NULL)
    {
      /* A damaged marker means a registration was under way. */
      if (local_error->domain == TANBA_TOKEN_ERROR && local_error->code == TANBA_TOKEN_ERROR_FAILED)
        {
          g_clear_error (&local_error);
          marker = tanba_registration_marker_new ();
        }
      else
        {
          g_propagate_error (error, local_error);
          return TANBA_REGISTRATION_STATE_OTHER;
        }
    }
  if (marker != NULL)
    state = tanba_registration_marker_is_finished (marker)
            ? TANBA_REGISTRATION_STATE_COMPLETE : TANBA_REGISTRATION_STATE_UNFINISHED;
  else
    {
      g_autoptr(TanbaRegistrationJournal) journal = NULL;

      info = tanba_token_get_info (token, error);
      if (info == NULL)
        return TANBA_REGISTRATION_STATE_OTHER;
      journal = tanba_registration_journal_load (tanba_token_get_serial (token), NULL);
      if (tanba_token_info_is_factory_empty (info))
        state = TANBA_REGISTRATION_STATE_EMPTY;
      /* Stopped between re-initializing the token and writing the marker. */
      else if (journal != NULL && g_strcmp0 (journal->status, "done") != 0
               && g_strcmp0 (journal->running_step, steps[TANBA_REGISTRATION_STEP_PERSONALIZE].name) == 0
               && g_strcmp0 (journal->token_label, info->label) == 0)
        {
          state = TANBA_REGISTRATION_STATE_UNFINISHED;
          marker = tanba_registration_marker_copy (journal->marker);
          g_free (marker->step);
          marker->step = g_strdup ("started");
        }
      else
        state = TANBA_REGISTRATION_STATE_OTHER;
    }
  if (marker_out != NULL)
    *marker_out = g_steal_pointer (&marker);
  return state;
}

static void
run_clear (Run *run)
{
  tanba_registration_marker_free (run->marker);
  tanba_registration_journal_free (run->journal);
  if (run->key_file != run->params->opened_key_file)
    tanba_key_file_free (run->key_file);
  tanba_cmp_client_free (run->cmp);
}

static gboolean
run_steps (Run     *run,
           GError **error)
{
  const TanbaRegistrationParams *p = run->params;
  g_autoptr(TanbaRegistrationMarker) found = NULL;
  TanbaRegistrationState state;

  /* Addresses that will be refused later are refused now, before the token
   * is touched. */
  if ((p->ca_url != NULL && !tanba_http_check_url (p->ca_url, error))
      || (p->bank_url != NULL && !tanba_http_check_url (p->bank_url, error)))
    return FALSE;

  state = tanba_registration_inspect (run->token, &found, error);
  switch (state)
    {
    case TANBA_REGISTRATION_STATE_COMPLETE:
      g_set_error_literal (error, TANBA_REGISTRATION_ERROR, TANBA_REGISTRATION_ERROR_ALREADY_DONE,
                           _("This token's registration is already complete. Sign in with it, or format it in the control panel to register again."));
      return FALSE;
    case TANBA_REGISTRATION_STATE_OTHER:
      if (error != NULL && *error != NULL)
        return FALSE;
      g_set_error_literal (error, TANBA_REGISTRATION_ERROR, TANBA_REGISTRATION_ERROR_NOT_EMPTY,
                           _("This token is not empty and holds no unfinished registration. Use a new token, or format this one in the control panel first."));
      return FALSE;
    case TANBA_REGISTRATION_STATE_UNFINISHED:
      if (p->user_id != NULL && found->user_id != NULL && !tanba_user_id_equal (p->user_id, found->user_id))
        {
          g_set_error (error, TANBA_REGISTRATION_ERROR, TANBA_REGISTRATION_ERROR_OTHER_USER,
                       _("The unfinished registration on this token is for user %s, not %s. Continue it with that user's data, or format the token."),
                       found->user_id, p->user_id);
          return FALSE;
        }
      if (found->user_id == NULL && p->user_id != NULL)
        found->user_id = g_strdup (p->user_id);
      run->marker = g_steal_pointer (&found);
      if (!algorithm_from_name (run->marker->algorithm, &run->algorithm))
        run->algorithm = p->algorithm;
      if (run->marker->algorithm == NULL)
        run->marker->algorithm = g_strdup (algorithm_name (run->algorithm));
      break;
    case TANBA_REGISTRATION_STATE_EMPTY:
    default:
      run->algorithm = p->algorithm;
      break;
    }

  run->journal = tanba_registration_journal_load (tanba_token_get_serial (run->token), NULL);
  if (run->journal == NULL || state == TANBA_REGISTRATION_STATE_EMPTY)
    {
      tanba_registration_journal_free (run->journal);
      run->journal = tanba_registration_journal_new (tanba_token_get_serial (run->token));
    }
  g_free (run->journal->status);
  run->journal->status = g_strdup ("running");
  g_clear_pointer (&run->journal->last_error, g_free);

  /* A key file that does not open, or is another user's, stops the run
   * before the token is touched. */
  if (!p->use_mac && completed_index (run->marker) < TANBA_REGISTRATION_STEP_STORE_AUTHENTICATION
      && !open_key_file (run, error))
    return FALSE;

  if (run->marker == NULL)
    {
      if (!personalize (run, error))
        return FALSE;
    }
  else
    {
      if (completed_index (run->marker) < TANBA_REGISTRATION_STEP_PERSONALIZE)
        {
          /* Re-initialized, but the marker was not written yet. */
          if (!ensure_user_login (run, error) || !complete_step (run, TANBA_REGISTRATION_STEP_PERSONALIZE, error))
            return FALSE;
        }
      else
        skip_step (run, TANBA_REGISTRATION_STEP_PERSONALIZE);
    }

  if (!ensure_keys (run, error))
    return FALSE;
  if (!ensure_certificate (run, TANBA_REGISTRATION_STEP_SIGNING_CERTIFICATE, TANBA_CERT_PROFILE_SIGNING,
                           run->marker->signing_key_id, SIGNING_CERT_LABEL, error)
      || !ensure_certificate (run, TANBA_REGISTRATION_STEP_AUTHENTICATION_CERTIFICATE,
                              TANBA_CERT_PROFILE_AUTHENTICATION,
                              run->marker->authentication_key_id, AUTHENTICATION_CERT_LABEL, error))
    return FALSE;
  if (!register_with_bank (run, error))
    return FALSE;
  if (!begin_step (run, TANBA_REGISTRATION_STEP_DONE, error))
    return FALSE;
  g_free (run->journal->status);
  run->journal->status = g_strdup ("done");
  return complete_step (run, TANBA_REGISTRATION_STEP_DONE, error);
}

TanbaRegistrationMarker *
tanba_registration_run (TanbaToken                    *token,
                        const TanbaRegistrationParams *params,
                        TanbaRegistrationProgressFunc  progress,
                        gpointer                       progress_data,
                        GCancellable                  *cancellable,
                        GError                       **error)
{
  Run run = { 0 };
  GError *local_error = NULL;
  TanbaRegistrationMarker *result = NULL;

  g_return_val_if_fail (token != NULL, NULL);
  g_return_val_if_fail (params != NULL, NULL);

  run.token = token;
  run.params = params;
  run.progress = progress;
  run.progress_data = progress_data;
  run.cancellable = cancellable;
  run.current = TANBA_REGISTRATION_STEP_PERSONALIZE;
  if (params->term_years < 1 || params->term_years > 3)
    {
      g_set_error (error, TANBA_REGISTRATION_ERROR, TANBA_REGISTRATION_ERROR_MISSING_INPUT,
                   _("The certificate term must be 1, 2 or 3 years, not %u."), params->term_years);
      return NULL;
    }

  if (run_steps (&run, &local_error))
    result = tanba_registration_marker_copy (run.marker);
  else
    {
      if (run.journal != NULL)
        {
          gboolean cancelled = g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
                               || g_error_matches (local_error, TANBA_CMP_ERROR, TANBA_CMP_ERROR_CANCELLED);

          g_free (run.journal->status);
          run.journal->status = g_strdup (cancelled ? "cancelled" : "failed");
          g_free (run.journal->last_error);
          run.journal->last_error = g_strdup (local_error->message);
          journal_step (&run, run.current, cancelled ? "cancelled" : "failed");
        }
      if (run.marker != NULL || run.journal != NULL)
        report (&run, run.current, TANBA_STEP_STATE_FAILED, local_error->message);
      g_propagate_error (error, local_error);
    }
  /* Leave the token logged out whatever happened; a removed token cannot be. */
  tanba_token_logout (token, NULL);
  run_clear (&run);
  return result;
}
