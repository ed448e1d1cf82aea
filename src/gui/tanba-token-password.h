/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-token-password.h: the part the sign-in and signing windows share:
 * the profile chooser, kept up to date with the tokens connected (each scan
 * off the main thread), the token password field, the spinner and the
 * message line, spoken through the focused control (GTK 4.8: through its
 * DESCRIPTION, field notes), and the token work's data for a worker thread.
 *
 * A window embeds a TanbaTokenPassword, sets the widget fields from its
 * template children, calls _init(), then _watch() with the module. Not a
 * widget: the window stays the GTask source, so the struct lives as long as
 * any of its tasks. */
#pragma once

#include <gtk/gtk.h>

#include "tanba-module.h"
#include "tanba-signin-profile.h"
#include "tanba-token-monitor.h"

G_BEGIN_DECLS

typedef struct
{
  /* Set by the window before tanba_token_password_init(): the window, and
   * its template children (TANBA_TOKEN_PASSWORD_BIND). */
  GtkWidget         *window;
  GtkWidget         *content;          /* labelled by heading, described by intro */
  GtkWidget         *heading_label;
  GtkWidget         *intro_label;
  GtkWidget         *profile_label;
  GtkWidget         *profile_dropdown;
  GtkWidget         *profile_hint;
  GtkWidget         *password_label;
  GtkWidget         *password_entry;
  GtkWidget         *spinner;
  GtkWidget         *message_label;
  GtkWidget         *fallback;         /* speaks when the focus is outside the window */
  const char        *no_profile_hint;  /* the hint when no registered token is connected */
  /* The window's own update (it calls tanba_token_password_update_sensitivity()). */
  void             (*update_sensitivity) (GtkWidget *window);
  /* Optional: the profile chosen went away (its token was pulled out). */
  void             (*profile_lost) (GtkWidget *window);

  /* State, read by the window. */
  TanbaModule       *module;
  char              *module_error;
  TanbaTokenMonitor *monitor;
  GtkStringList     *names;
  GPtrArray         *profiles;   /* TanbaSigninProfile */
  char              *wanted;     /* serial to select once seen */
  char              *selected;   /* serial selected */
  gboolean           scanned;    /* a scan has finished */
  guint              scan_serial;
  guint              scan_idle;
  gboolean           updating;
  GCancellable      *cancellable;
  gboolean           busy;
  char              *message;
  GtkWidget         *spoken;     /* whose description holds the message */
} TanbaTokenPassword;

/* Binds the template children of the window class @Type to the fields of
 * its TanbaTokenPassword @member (the children keep these ids). */
#define TANBA_TOKEN_PASSWORD_BIND_ONE(widget_class, Type, member, name) \
  gtk_widget_class_bind_template_child_full (widget_class, #name, FALSE, G_STRUCT_OFFSET (Type, member.name))
#define TANBA_TOKEN_PASSWORD_BIND(widget_class, Type, member) \
  G_STMT_START { \
    TANBA_TOKEN_PASSWORD_BIND_ONE (widget_class, Type, member, content); \
    TANBA_TOKEN_PASSWORD_BIND_ONE (widget_class, Type, member, heading_label); \
    TANBA_TOKEN_PASSWORD_BIND_ONE (widget_class, Type, member, intro_label); \
    TANBA_TOKEN_PASSWORD_BIND_ONE (widget_class, Type, member, profile_label); \
    TANBA_TOKEN_PASSWORD_BIND_ONE (widget_class, Type, member, profile_dropdown); \
    TANBA_TOKEN_PASSWORD_BIND_ONE (widget_class, Type, member, profile_hint); \
    TANBA_TOKEN_PASSWORD_BIND_ONE (widget_class, Type, member, password_label); \
    TANBA_TOKEN_PASSWORD_BIND_ONE (widget_class, Type, member, password_entry); \
    TANBA_TOKEN_PASSWORD_BIND_ONE (widget_class, Type, member, spinner); \
    TANBA_TOKEN_PASSWORD_BIND_ONE (widget_class, Type, member, message_label); \
  } G_STMT_END

/* Names and relations of the widgets, the chooser's model. */
void      tanba_token_password_init     (TanbaTokenPassword *tp);
/* Keeps the profiles up to date with @monitor's tokens (a new monitor when
 * NULL); @module NULL: says @module_error instead. */
void      tanba_token_password_watch    (TanbaTokenPassword *tp,
                                         TanbaModule        *module,
                                         const char         *module_error,
                                         TanbaTokenMonitor  *monitor);
/* Cancels the work, stops watching, drops the focus (GTK 4.8: a password
 * entry destroyed while focused leaves its caps-lock watch behind). */
void      tanba_token_password_dispose  (TanbaTokenPassword *tp);
void      tanba_token_password_finalize (TanbaTokenPassword *tp);

/* Speaks @message through the focused control (the password field for its
 * inner text), or the fallback when the focus is elsewhere. */
void      tanba_token_password_speak    (TanbaTokenPassword *tp,
                                         const char         *message);
/* Shows @message (NULL: none) in the message line, and speaks it. */
void      tanba_token_password_show_message (TanbaTokenPassword *tp,
                                             const char         *message,
                                             gboolean            error);
/* Updates the hint under the chooser. */
void      tanba_token_password_update_hint (TanbaTokenPassword *tp);
/* Updates the chooser, field and spinner to the busy state; returns whether
 * the window's action can run (not busy, a profile and a password). */
gboolean  tanba_token_password_update_sensitivity (TanbaTokenPassword *tp);

TanbaSigninProfile *tanba_token_password_get_profile (TanbaTokenPassword *tp);
/* The "notify::selected" handler's part: FALSE while the list is rebuilt. */
gboolean  tanba_token_password_profile_selected (TanbaTokenPassword *tp);
/* Selects the profile of the token @serial, now or once it is seen. */
void      tanba_token_password_select   (TanbaTokenPassword *tp,
                                         const char         *serial);
/* Shows @profiles as if a scan had found them. */
void      tanba_token_password_set_profiles (TanbaTokenPassword *tp,
                                             GPtrArray          *profiles);
/* Scans the tokens again (once the main loop is idle). */
void      tanba_token_password_schedule_scan (TanbaTokenPassword *tp);

/* The token work's data, for a worker thread. */
typedef struct
{
  TanbaModule    *module;
  char           *serial;
  char           *pin;          /* secret: wiped after the work and on free */
  char           *trust_anchor;
  char           *argument;     /* the document's path, or the bank's address */
  TanbaTokenInfo *info;         /* after a failure: the token's flags now */
} TanbaTokenPasswordJob;

/* The job for the profile chosen and the password typed, or NULL when one
 * is missing or a job runs. */
TanbaTokenPasswordJob *tanba_token_password_job_new (TanbaTokenPassword *tp,
                                                     const char         *argument,
                                                     const char         *trust_anchor);
/* Busy: the focus in the password field (kept there for Orca), @progress said. */
void      tanba_token_password_go_busy  (TanbaTokenPassword *tp,
                                         const char         *progress);
/* In the worker, after the work: wipes the PIN; after a failure (@ok FALSE)
 * reads the token's flags (tries left) into @job->info. */
void      tanba_token_password_job_done (TanbaTokenPasswordJob *job,
                                         gboolean               ok);
void      tanba_token_password_job_free (TanbaTokenPasswordJob *job);
/* The start of a job's callback: FALSE when the window is going or the work
 * was cancelled (nothing to show); else not busy any more, and the password
 * field cleared (whatever went wrong, a password is not kept in the field:
 * a wrong one is typed again, and no screen reader reads it back). */
gboolean  tanba_token_password_finish   (TanbaTokenPassword *tp,
                                         const GError       *error);

G_END_DECLS
