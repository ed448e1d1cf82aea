/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-registration.h: registering a token with the bank, as a resumable
 * state machine.
 *
 * Steps, each idempotent: personalize the empty token (label + new password),
 * generate the signing key, generate the authentication key, enroll and store
 * the signing certificate, enroll and store the authentication certificate,
 * register both with the bank, done. The step reached is written before and
 * after each step to the token's marker object and to the journal
 * ($XDG_STATE_HOME/tanba/), never with a secret. A run on a token whose
 * registration is unfinished continues where it stopped and reuses what
 * exists: keys already made, certificates already issued (the CA sends the
 * same one again for the same key).
 *
 * tanba_registration_run() works in the calling thread (a worker: it blocks on
 * the token and the network). tanba_registration_run_async() runs it in a
 * GTask thread and delivers progress on the caller's main context. */
#pragma once

#include <gio/gio.h>

#include "tanba-key-file.h"
#include "tanba-token.h"
#include "tanba-registration-marker.h"

G_BEGIN_DECLS

#define TANBA_REGISTRATION_ERROR (tanba_registration_error_quark ())

typedef enum
{
  TANBA_REGISTRATION_ERROR_FAILED,
  TANBA_REGISTRATION_ERROR_NOT_EMPTY,        /* the token has a profile and no unfinished registration */
  TANBA_REGISTRATION_ERROR_OTHER_USER,       /* the unfinished registration is another user's */
  TANBA_REGISTRATION_ERROR_MISSING_INPUT,    /* a parameter the next step needs was not given */
  TANBA_REGISTRATION_ERROR_ALREADY_DONE,     /* nothing left to do */
  /* Personalization: the token refused the administrator PIN (the factory
   * one when none was given). The token is unchanged: ask for the PIN that
   * was set, and never send the refused one again. */
  TANBA_REGISTRATION_ERROR_ADMIN_PIN,
  /* Personalization: the administrator PIN is locked; the token cannot be
   * re-initialized (the bank must unblock or replace it). */
  TANBA_REGISTRATION_ERROR_ADMIN_PIN_LOCKED,
} TanbaRegistrationErrorCode;

GQuark tanba_registration_error_quark (void);

/* In order. The names are what the marker and the journal store. */
typedef enum
{
  TANBA_REGISTRATION_STEP_PERSONALIZE,                /* "personalized" */
  TANBA_REGISTRATION_STEP_SIGNING_KEY,                /* "signing-key" */
  TANBA_REGISTRATION_STEP_AUTHENTICATION_KEY,         /* "authentication-key" */
  TANBA_REGISTRATION_STEP_SIGNING_CERTIFICATE,        /* "signing-certificate": issued */
  TANBA_REGISTRATION_STEP_STORE_SIGNING,              /* "signing-stored": on the token, confirmed */
  TANBA_REGISTRATION_STEP_AUTHENTICATION_CERTIFICATE, /* "authentication-certificate" */
  TANBA_REGISTRATION_STEP_STORE_AUTHENTICATION,       /* "authentication-stored" */
  TANBA_REGISTRATION_STEP_BANK,                       /* "bank-registered" */
  TANBA_REGISTRATION_STEP_DONE,                       /* "done" */
  TANBA_REGISTRATION_N_STEPS
} TanbaRegistrationStep;

typedef enum
{
  TANBA_STEP_STATE_PENDING,
  TANBA_STEP_STATE_RUNNING,
  TANBA_STEP_STATE_DONE,
  TANBA_STEP_STATE_SKIPPED,   /* done by an earlier run */
  TANBA_STEP_STATE_FAILED,
} TanbaStepState;

const char *tanba_registration_step_to_string (TanbaRegistrationStep step);  /* marker name */
/* Translated, for a step list ("Generate the signing key"). */
const char *tanba_registration_step_title     (TanbaRegistrationStep step);

/* What the run needs. Secrets are copied in by the setters and wiped on free. */
typedef struct _TanbaRegistrationParams TanbaRegistrationParams;

TanbaRegistrationParams *tanba_registration_params_new  (void);
void tanba_registration_params_free (TanbaRegistrationParams *params);

void tanba_registration_params_set_user_id        (TanbaRegistrationParams *params, const char *user_id);
/* Signature protection with the init key file... */
void tanba_registration_params_set_key_file       (TanbaRegistrationParams *params, const char *path);
void tanba_registration_params_set_key_password   (TanbaRegistrationParams *params, const char *password); /* NULL: the OTP PIN */
/* The key file, already opened by the caller (a check before the run, say):
 * the run uses it instead of opening the file again. Takes @key_file. */
void tanba_registration_params_take_opened_key_file (TanbaRegistrationParams *params, TanbaKeyFile *key_file);
/* ...or MAC protection with the user ID and the OTP PIN. */
void tanba_registration_params_set_use_mac        (TanbaRegistrationParams *params, gboolean use_mac);
void tanba_registration_params_set_otp_pin        (TanbaRegistrationParams *params, const char *otp_pin);
/* The token's password now (12345678 on a new token), the new one chosen at
 * personalization (NULL: keep), the administrator PIN (NULL: the factory one;
 * if the token refuses it, the run fails with TANBA_REGISTRATION_ERROR_ADMIN_PIN
 * and changes nothing on the token). */
void tanba_registration_params_set_current_pin    (TanbaRegistrationParams *params, const char *pin);
void tanba_registration_params_set_new_pin        (TanbaRegistrationParams *params, const char *pin);
void tanba_registration_params_set_admin_pin      (TanbaRegistrationParams *params, const char *pin);
void tanba_registration_params_set_token_name     (TanbaRegistrationParams *params, const char *name);
void tanba_registration_params_set_algorithm      (TanbaRegistrationParams *params, TanbaKeyAlgorithm algorithm);
void tanba_registration_params_set_term_years     (TanbaRegistrationParams *params, guint years);
/* Where: the CA's CMP address, the bank's base address, the trust anchor (PEM). */
void tanba_registration_params_set_ca_url         (TanbaRegistrationParams *params, const char *url);
void tanba_registration_params_set_bank_url       (TanbaRegistrationParams *params, const char *url);
void tanba_registration_params_set_trust_anchor   (TanbaRegistrationParams *params, const char *path);
/* Both URLs from one server address (the reference server): URL/pkix/ and URL. */
void tanba_registration_params_set_server         (TanbaRegistrationParams *params, const char *url);

/* Progress: @step's state changed; @fraction of the whole run (0..1); @text in
 * words (translated). Called in the thread that runs the registration. */
typedef void (*TanbaRegistrationProgressFunc) (TanbaRegistrationStep  step,
                                               TanbaStepState         state,
                                               double                 fraction,
                                               const char            *text,
                                               gpointer               user_data);

/* What a token's state means for registration: NULL marker = none. */
typedef enum
{
  TANBA_REGISTRATION_STATE_EMPTY,       /* factory state: a new registration can start */
  TANBA_REGISTRATION_STATE_UNFINISHED,  /* continue it */
  TANBA_REGISTRATION_STATE_COMPLETE,    /* a finished profile: sign in */
  TANBA_REGISTRATION_STATE_OTHER,       /* personalized, but not by a Tanba registration */
} TanbaRegistrationState;

/* Reads the marker (and the journal when the marker is missing) of @token.
 * @marker_out (may be NULL) receives the marker or NULL. */
TanbaRegistrationState tanba_registration_inspect (TanbaToken               *token,
                                                   TanbaRegistrationMarker **marker_out,
                                                   GError                  **error);

/* Runs (or continues) the registration. Returns the last step's marker on
 * success (step "done"). On failure the token and the journal say where it
 * stopped; a later call with the same token continues. */
TanbaRegistrationMarker *tanba_registration_run (TanbaToken                    *token,
                                                 const TanbaRegistrationParams *params,
                                                 TanbaRegistrationProgressFunc  progress,
                                                 gpointer                       progress_data,
                                                 GCancellable                  *cancellable,
                                                 GError                       **error);

/* The same in a worker thread. @progress is called on the main context that
 * was thread-default when this was called. Takes ownership of @params. */
void tanba_registration_run_async (TanbaToken                    *token,
                                   TanbaRegistrationParams       *params,
                                   TanbaRegistrationProgressFunc  progress,
                                   gpointer                       progress_data,
                                   GDestroyNotify                 progress_data_free,
                                   GCancellable                  *cancellable,
                                   GAsyncReadyCallback            callback,
                                   gpointer                       user_data);
TanbaRegistrationMarker *tanba_registration_run_finish (GAsyncResult  *result,
                                                        GError       **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TanbaRegistrationParams, tanba_registration_params_free)

G_END_DECLS
