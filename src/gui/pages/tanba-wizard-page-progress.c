/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tanba-i18n.h"
#include "tanba-gui-util.h"
#include "tanba-wizard-page-progress.h"

/* The steps shown: every one but "done". */
#define N_SHOWN_STEPS TANBA_REGISTRATION_STEP_DONE

struct _TanbaWizardPageProgress
{
  TanbaWizardPage parent_instance;

  GtkWidget    *heading;
  GtkWidget    *intro;
  GtkWidget    *time_hint;
  GtkWidget    *steps_label;
  GtkWidget    *steps_box;
  GtkWidget    *progress_bar;
  GtkWidget    *status_label;
  GtkWidget    *error_label;
  GtkWidget    *continue_button;
  GtkWidget    *data_button;
  GtkWidget    *admin_pin_box;
  GtkWidget    *admin_pin_label;
  GtkWidget    *admin_pin_entry;
  GtkWidget    *admin_pin_hint;
  GtkWidget    *admin_pin_error;

  GtkWidget    *step_rows[N_SHOWN_STEPS];
  GtkWidget    *step_icons[N_SHOWN_STEPS];
  GtkWidget    *step_states[N_SHOWN_STEPS];
  GCancellable *cancellable;
  int           last_spoken_percent;
  char         *pending_speech;     /* newer progress words, said when the interval is over */
  guint         speech_timeout;
  gboolean      admin_pin_spoken;   /* the field's description is a spoken message */
};

G_DEFINE_FINAL_TYPE (TanbaWizardPageProgress, tanba_wizard_page_progress, TANBA_TYPE_WIZARD_PAGE)

static const char *
state_text (TanbaStepState state)
{
  switch (state)
    {
    case TANBA_STEP_STATE_RUNNING:
      return _("in progress");
    case TANBA_STEP_STATE_DONE:
      return _("done");
    case TANBA_STEP_STATE_SKIPPED:
      return _("done earlier");
    case TANBA_STEP_STATE_FAILED:
      return _("failed");
    case TANBA_STEP_STATE_PENDING:
    default:
      return _("waiting");
    }
}

static const char *
state_icon (TanbaStepState state)
{
  switch (state)
    {
    case TANBA_STEP_STATE_RUNNING:
      return "media-playback-start-symbolic";
    case TANBA_STEP_STATE_DONE:
    case TANBA_STEP_STATE_SKIPPED:
      return "object-select-symbolic";
    case TANBA_STEP_STATE_FAILED:
      return "dialog-error-symbolic";
    case TANBA_STEP_STATE_PENDING:
    default:
      return "content-loading-symbolic";
    }
}

static void
set_step_state (TanbaWizardPageProgress *self,
                TanbaRegistrationStep    step,
                TanbaStepState           state)
{
  g_autofree char *name = NULL;

  if ((int) step < 0 || step >= N_SHOWN_STEPS)
    return;
  /* Translators: a registration step and its state: "Generate the signing key: done". */
  name = g_strdup_printf (_("%s: %s"), tanba_registration_step_title (step), state_text (state));
  gtk_label_set_label (GTK_LABEL (self->step_states[step]), state_text (state));
  gtk_image_set_from_icon_name (GTK_IMAGE (self->step_icons[step]), state_icon (state));
  tanba_gui_set_name (self->step_rows[step], name);
}

/* Progress is said at most once per SPEECH_INTERVAL_MS. Steps a few
 * milliseconds apart (a software token) reached Orca as a burst of
 * description changes that it read late and out of order: the newest state
 * first, when the bar got the focus, then the older ones. Now the first change
 * is said at once, and later ones, the newest only, when the interval is
 * over; on a hardware token, where steps take seconds, every step is said. */
#define SPEECH_INTERVAL_MS 500

static void
cancel_progress_speech (TanbaWizardPageProgress *self)
{
  g_clear_handle_id (&self->speech_timeout, g_source_remove);
  g_clear_pointer (&self->pending_speech, g_free);
}

static gboolean
speech_interval_over_cb (gpointer user_data)
{
  TanbaWizardPageProgress *self = user_data;

  if (self->pending_speech == NULL)
    {
      self->speech_timeout = 0;
      return G_SOURCE_REMOVE;
    }
  tanba_gui_speak (self->progress_bar, self->pending_speech);
  g_clear_pointer (&self->pending_speech, g_free);
  return G_SOURCE_CONTINUE;
}

/* Says @spoken on the progress bar: now if @now or nothing was said in the
 * last interval, else when the interval is over (unless newer words come). */
static void
speak_progress (TanbaWizardPageProgress *self,
                const char              *spoken,
                gboolean                 now)
{
  if (now)
    cancel_progress_speech (self);
  if (self->speech_timeout != 0)
    {
      g_free (self->pending_speech);
      self->pending_speech = g_strdup (spoken);
      return;
    }
  tanba_gui_speak (self->progress_bar, spoken);
  self->speech_timeout = g_timeout_add (SPEECH_INTERVAL_MS, speech_interval_over_cb, self);
  g_source_set_static_name (g_main_context_find_source_by_id (NULL, self->speech_timeout),
                            "[tanba] progress speech interval");
}

static void
set_fraction (TanbaWizardPageProgress *self,
              double                   fraction,
              const char              *words,
              gboolean                 now)
{
  int percent = (int) (CLAMP (fraction, 0.0, 1.0) * 100.0 + 0.5);
  g_autofree char *text = NULL;
  g_autofree char *spoken = NULL;

  gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (self->progress_bar), CLAMP (fraction, 0.0, 1.0));
  /* Translators: the progress bar's text. */
  text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d percent complete", "%d percent complete",
                                       (gulong) percent), percent);
  gtk_progress_bar_set_text (GTK_PROGRESS_BAR (self->progress_bar), text);
  /* GTK 4.8 sends no value changes for progress bars: speak the progress
   * through the bar's description, at coarse steps only. */
  if (percent != self->last_spoken_percent || words != NULL)
    {
      self->last_spoken_percent = percent;
      /* Translators: progress, then what is being done. */
      spoken = words != NULL ? g_strdup_printf (_("%s. %s"), text, words) : g_strdup (text);
      speak_progress (self, spoken, now);
    }
}

static void
progress_cb (TanbaRegistrationStep step,
             TanbaStepState        state,
             double                fraction,
             const char           *text,
             gpointer              user_data)
{
  TanbaWizardPageProgress *self = user_data;
  g_autofree char *words = NULL;

  if (gtk_widget_in_destruction (GTK_WIDGET (self)))
    return;
  /* Personalized (now or by an earlier run): the administrator PIN has
   * served its purpose and is not needed again. */
  if (step == TANBA_REGISTRATION_STEP_PERSONALIZE
      && (state == TANBA_STEP_STATE_DONE || state == TANBA_STEP_STATE_SKIPPED))
    {
      TanbaWizardData *data = tanba_wizard_page_get_data (TANBA_WIZARD_PAGE (self));

      tanba_wizard_data_set_secret (&data->admin_pin, NULL);
      data->admin_pin_needed = FALSE;
    }
  set_step_state (self, step, state);
  if (text != NULL && text[0] != '\0')
    gtk_label_set_label (GTK_LABEL (self->status_label), text);
  if ((int) step >= 0 && step < N_SHOWN_STEPS)
    /* Translators: a step and its state, spoken with the progress. */
    words = g_strdup_printf (_("%s: %s"), tanba_registration_step_title (step), state_text (state));
  /* Coarse: only when a step starts or ends. */
  set_fraction (self, fraction, words, FALSE);
}

/* What the token's flags say about its administrator PIN now, read before
 * the user types it: the chosen token asked afresh, else what it said when
 * it was chosen. */
static TanbaTokenInfo *
admin_pin_info (TanbaWizardData *data)
{
  TanbaTokenInfo *info = NULL;

  if (data->token != NULL)
    info = tanba_token_get_info (data->token, NULL);
  if (info == NULL && data->token_info != NULL)
    info = tanba_token_info_copy (data->token_info);
  return info;
}

/* The field's hint: what to type, then the tries left. Sets *@locked. */
static char *
admin_pin_hint_text (const TanbaTokenInfo *info,
                     gboolean             *locked)
{
  GString *hint = g_string_new (NULL);

  *locked = info != NULL && tanba_token_info_so_pin_locked (info);
  if (*locked)
    {
      g_string_append (hint, _("The administrator PIN is locked after too many wrong attempts. The token can no longer be administered; contact your bank."));
      g_string_append_c (hint, ' ');
      g_string_append (hint, _("The registration cannot go on with this token."));
      return g_string_free (hint, FALSE);
    }
  g_string_append (hint, _("Type the administrator PIN that was set for this token (it is changed in the token control panel), then press Enter."));
  if (info != NULL && tanba_token_info_so_pin_final_try (info))
    {
      g_string_append_c (hint, ' ');
      g_string_append (hint, _("Last try: only one try is left for the administrator PIN. Another wrong PIN locks it."));
    }
  else if (info != NULL && tanba_token_info_so_pin_count_low (info))
    {
      g_string_append_c (hint, ' ');
      g_string_append (hint, _("Few tries left: the administrator PIN was entered wrong before. Type it carefully."));
    }
  return g_string_free (hint, FALSE);
}

/* Speaks @message with the field's hint on the administrator PIN field
 * (focused), or on the progress bar when the field cannot take a PIN. */
static void
speak_admin_pin (TanbaWizardPageProgress *self,
                 const char              *message)
{
  const char *hint = gtk_label_get_label (GTK_LABEL (self->admin_pin_hint));
  g_autofree char *spoken = NULL;

  spoken = message != NULL ? g_strjoin (" ", message, hint, NULL) : g_strdup (hint);
  cancel_progress_speech (self);
  if (gtk_widget_get_sensitive (self->admin_pin_entry))
    {
      tanba_gui_focus (self->admin_pin_entry);
      tanba_gui_speak (self->admin_pin_entry, spoken);
      self->admin_pin_spoken = TRUE;
    }
  else
    {
      /* Locked: the field cannot be focused; it keeps its hint (what the
       * token's state is) as its description. */
      tanba_gui_set_description (self->admin_pin_entry, NULL);
      self->admin_pin_spoken = FALSE;
      tanba_gui_focus (self->progress_bar);
      tanba_gui_speak (self->progress_bar, spoken);
    }
}

void
tanba_wizard_page_progress_ask_admin_pin (TanbaWizardPageProgress *self,
                                          const char              *reason)
{
  TanbaWizardData *data;
  g_autoptr(TanbaTokenInfo) info = NULL;
  g_autofree char *hint = NULL;
  gboolean locked;

  g_return_if_fail (TANBA_IS_WIZARD_PAGE_PROGRESS (self));

  data = tanba_wizard_page_get_data (TANBA_WIZARD_PAGE (self));
  /* From now on the factory PIN is never sent again in this wizard. */
  data->admin_pin_needed = TRUE;
  tanba_wizard_data_set_secret (&data->admin_pin, NULL);

  info = admin_pin_info (data);
  hint = admin_pin_hint_text (info, &locked);
  gtk_label_set_label (GTK_LABEL (self->admin_pin_hint), hint);
  if (reason != NULL)
    {
      gtk_label_set_label (GTK_LABEL (self->error_label), reason);
      gtk_widget_set_visible (self->error_label, TRUE);
    }
  gtk_widget_set_visible (self->admin_pin_error, FALSE);
  /* A refused PIN is never shown again. */
  if (gtk_editable_get_text (GTK_EDITABLE (self->admin_pin_entry))[0] != '\0')
    gtk_editable_set_text (GTK_EDITABLE (self->admin_pin_entry), "");
  gtk_widget_set_sensitive (self->admin_pin_entry, !locked);
  gtk_widget_set_visible (self->admin_pin_box, TRUE);
  gtk_widget_set_visible (self->continue_button, !locked);
  gtk_widget_set_visible (self->data_button, FALSE);
  speak_admin_pin (self, reason);
}

static void
run_done_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(TanbaWizardPageProgress) self = user_data;
  TanbaWizardData *data = tanba_wizard_page_get_data (TANBA_WIZARD_PAGE (self));
  g_autoptr(TanbaRegistrationMarker) marker = NULL;
  g_autoptr(GError) error = NULL;
  GApplication *app = g_application_get_default ();

  marker = tanba_registration_run_finish (result, &error);
  g_clear_object (&self->cancellable);
  if (app != NULL)
    g_application_release (app);
  tanba_wizard_page_set_applying (TANBA_WIZARD_PAGE (self), FALSE);
  if (gtk_widget_in_destruction (GTK_WIDGET (self)))
    return;

  if (marker != NULL)
    {
      g_clear_pointer (&data->result, tanba_registration_marker_free);
      data->result = g_steal_pointer (&marker);
      data->continuing = FALSE;
      for (int i = 0; i < N_SHOWN_STEPS; i++)
        if (g_strcmp0 (gtk_label_get_label (GTK_LABEL (self->step_states[i])), state_text (TANBA_STEP_STATE_PENDING)) == 0)
          set_step_state (self, i, TANBA_STEP_STATE_DONE);
      set_fraction (self, 1.0, _("The registration is complete."), TRUE);
      tanba_wizard_page_set_complete (TANBA_WIZARD_PAGE (self), TRUE);
      tanba_wizard_page_request_next (TANBA_WIZARD_PAGE (self));
      return;
    }

  if (g_error_matches (error, TANBA_REGISTRATION_ERROR, TANBA_REGISTRATION_ERROR_ADMIN_PIN)
      || g_error_matches (error, TANBA_REGISTRATION_ERROR, TANBA_REGISTRATION_ERROR_ADMIN_PIN_LOCKED))
    {
      g_autofree char *message = NULL;

      /* Translators: %s says the token refused (or locked) the
       * administrator PIN; the field below it says what to type. */
      message = g_strdup_printf (_("The registration stopped: %s"), error->message);
      tanba_wizard_page_progress_ask_admin_pin (self, message);
      return;
    }

  {
    g_autofree char *message = NULL;

    if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      message = g_strdup (_("The registration was stopped. What is done so far stays on the token: press “Continue registration” to finish it."));
    else
      /* Translators: the registration failed; %s says why. */
      message = g_strdup_printf (_("The registration stopped: %s What is done so far stays on the token: press “Continue registration” to finish it."),
                                 error->message);
    gtk_label_set_label (GTK_LABEL (self->error_label), message);
    gtk_widget_set_visible (self->error_label, TRUE);
    gtk_widget_set_visible (self->continue_button, TRUE);
    gtk_widget_set_visible (self->data_button,
                            g_error_matches (error, TANBA_REGISTRATION_ERROR, TANBA_REGISTRATION_ERROR_MISSING_INPUT));
    cancel_progress_speech (self);
    tanba_gui_focus (self->continue_button);
    tanba_gui_speak (self->continue_button, message);
  }
}

/* @focus: put the focus on the progress bar (when the page is on screen
 * already; when it is being shown, the window does that, and a focus grab
 * on a page not yet visible reaches no screen reader). */
static void
start_run (TanbaWizardPageProgress *self,
           gboolean                 focus)
{
  TanbaWizardData *data = tanba_wizard_page_get_data (TANBA_WIZARD_PAGE (self));
  GApplication *app = g_application_get_default ();

  if (self->cancellable != NULL)
    return;

  /* The token refused the factory administrator PIN before: never send it
   * again; ask for the one that was set. */
  if (data->admin_pin_needed && data->admin_pin == NULL)
    {
      tanba_wizard_page_progress_ask_admin_pin (self, NULL);
      return;
    }

  gtk_widget_set_visible (self->error_label, FALSE);
  gtk_widget_set_visible (self->continue_button, FALSE);
  gtk_widget_set_visible (self->data_button, FALSE);
  gtk_widget_set_visible (self->admin_pin_box, FALSE);
  tanba_gui_set_description (self->continue_button, NULL);
  for (int i = 0; i < N_SHOWN_STEPS; i++)
    set_step_state (self, i, TANBA_STEP_STATE_PENDING);
  /* "0 percent" is not said: the bar says it when it gets the focus, and the
   * run may be further on by the time Orca reads a queued change. */
  self->last_spoken_percent = 0;
  set_fraction (self, 0.0, NULL, TRUE);
  speak_progress (self, _("The registration starts."), TRUE);
  if (focus)
    tanba_gui_focus (self->progress_bar);

  if (data->token == NULL)
    {
      gtk_label_set_label (GTK_LABEL (self->error_label), _("No token is chosen: go back to the first step."));
      gtk_widget_set_visible (self->error_label, TRUE);
      return;
    }

  self->cancellable = g_cancellable_new ();
  tanba_wizard_page_set_applying (TANBA_WIZARD_PAGE (self), TRUE);
  /* Closing the last window must not end the process under the worker. */
  if (app != NULL)
    g_application_hold (app);
  tanba_registration_run_async (data->token,
                                tanba_wizard_data_build_params (data),
                                progress_cb, g_object_ref (self), g_object_unref,
                                self->cancellable,
                                run_done_cb, g_object_ref (self));
}

static void
continue_clicked_cb (TanbaWizardPageProgress *self)
{
  TanbaWizardData *data = tanba_wizard_page_get_data (TANBA_WIZARD_PAGE (self));

  if (self->cancellable != NULL)
    return;
  if (gtk_widget_get_visible (self->admin_pin_box))
    {
      const char *pin = gtk_editable_get_text (GTK_EDITABLE (self->admin_pin_entry));

      if (!gtk_widget_get_sensitive (self->admin_pin_entry))
        return;
      if (pin == NULL || pin[0] == '\0')
        {
          const char *message = _("Type the administrator PIN first.");

          gtk_label_set_label (GTK_LABEL (self->admin_pin_error), message);
          gtk_widget_set_visible (self->admin_pin_error, TRUE);
          speak_admin_pin (self, message);
          return;
        }
      /* Copied into the data (wiped once used), never kept in the field. */
      tanba_wizard_data_set_secret (&data->admin_pin, pin);
      gtk_editable_set_text (GTK_EDITABLE (self->admin_pin_entry), "");
      tanba_gui_set_description (self->admin_pin_entry, NULL);
      self->admin_pin_spoken = FALSE;
    }
  start_run (self, TRUE);
}

static void
admin_pin_activate_cb (TanbaWizardPageProgress *self)
{
  continue_clicked_cb (self);
}

static void
admin_pin_changed_cb (TanbaWizardPageProgress *self)
{
  const char *pin = gtk_editable_get_text (GTK_EDITABLE (self->admin_pin_entry));

  /* Typing: the message was heard; the field is described by its hint again. */
  if (pin != NULL && pin[0] != '\0' && self->admin_pin_spoken)
    {
      self->admin_pin_spoken = FALSE;
      gtk_widget_set_visible (self->admin_pin_error, FALSE);
      tanba_gui_set_description (self->admin_pin_entry, NULL);
    }
}

static void
data_clicked_cb (TanbaWizardPageProgress *self)
{
  TanbaWizardData *data = tanba_wizard_page_get_data (TANBA_WIZARD_PAGE (self));

  data->continuing = TRUE;
  tanba_wizard_page_set_next (TANBA_WIZARD_PAGE (self), "data");
  tanba_wizard_page_request_next (TANBA_WIZARD_PAGE (self));
}

static void
tanba_wizard_page_progress_shown (TanbaWizardPage *page)
{
  TanbaWizardPageProgress *self = TANBA_WIZARD_PAGE_PROGRESS (page);

  if (!tanba_wizard_page_get_complete (page))
    start_run (self, FALSE);
}

static void
tanba_wizard_page_progress_dispose (GObject *object)
{
  TanbaWizardPageProgress *self = TANBA_WIZARD_PAGE_PROGRESS (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  cancel_progress_speech (self);
  gtk_widget_dispose_template (GTK_WIDGET (object), TANBA_TYPE_WIZARD_PAGE_PROGRESS);

  G_OBJECT_CLASS (tanba_wizard_page_progress_parent_class)->dispose (object);
}

static void
tanba_wizard_page_progress_finalize (GObject *object)
{
  TanbaWizardPageProgress *self = TANBA_WIZARD_PAGE_PROGRESS (object);

  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (tanba_wizard_page_progress_parent_class)->finalize (object);
}

static void
tanba_wizard_page_progress_class_init (TanbaWizardPageProgressClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  TanbaWizardPageClass *page_class = TANBA_WIZARD_PAGE_CLASS (klass);

  object_class->dispose = tanba_wizard_page_progress_dispose;
  object_class->finalize = tanba_wizard_page_progress_finalize;
  page_class->shown = tanba_wizard_page_progress_shown;

  gtk_widget_class_set_template_from_resource (widget_class, "/kz/tanba/Tanba/ui/pages/tanba-wizard-page-progress.ui");
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPageProgress, heading);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPageProgress, intro);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPageProgress, time_hint);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPageProgress, steps_label);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPageProgress, steps_box);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPageProgress, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPageProgress, status_label);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPageProgress, error_label);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPageProgress, continue_button);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPageProgress, data_button);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPageProgress, admin_pin_box);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPageProgress, admin_pin_label);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPageProgress, admin_pin_entry);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPageProgress, admin_pin_hint);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPageProgress, admin_pin_error);
  gtk_widget_class_bind_template_callback (widget_class, continue_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, data_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, admin_pin_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, admin_pin_changed_cb);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
tanba_wizard_page_progress_init (TanbaWizardPageProgress *self)
{
  TanbaWizardPage *page = TANBA_WIZARD_PAGE (self);

  gtk_widget_init_template (GTK_WIDGET (self));

  tanba_wizard_page_set_title (page, _("Creating the profile"));
  tanba_wizard_page_set_heading (page, self->heading);
  tanba_wizard_page_set_can_go_back (page, FALSE);
  tanba_gui_described_by (GTK_WIDGET (self), self->intro);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (self->steps_box),
                                  GTK_ACCESSIBLE_RELATION_LABELLED_BY, self->steps_label, NULL,
                                  -1);
  tanba_gui_set_name (self->progress_bar, _("Registration progress"));
  tanba_gui_described_by (self->progress_bar, self->time_hint);
  tanba_gui_fix_mnemonic_name (self->continue_button);
  tanba_gui_fix_mnemonic_name (self->data_button);
  /* The administrator PIN, asked for only when the token refused the factory one. */
  tanba_gui_label_for (self->admin_pin_label, self->admin_pin_entry);
  tanba_gui_described_by (self->admin_pin_entry, self->admin_pin_hint);
  tanba_gui_set_required (self->admin_pin_entry, TRUE);

  for (int i = 0; i < N_SHOWN_STEPS; i++)
    {
      GtkWidget *title;

      self->step_rows[i] = g_object_new (GTK_TYPE_BOX,
                                         "orientation", GTK_ORIENTATION_HORIZONTAL,
                                         "spacing", 8,
                                         "accessible-role", GTK_ACCESSIBLE_ROLE_LIST_ITEM,
                                         NULL);
      self->step_icons[i] = g_object_new (GTK_TYPE_IMAGE,
                                          "accessible-role", GTK_ACCESSIBLE_ROLE_PRESENTATION,
                                          NULL);
      title = g_object_new (GTK_TYPE_LABEL,
                            "label", tanba_registration_step_title (i),
                            "xalign", 0.0f,
                            "hexpand", TRUE,
                            "wrap", TRUE,
                            "accessible-role", GTK_ACCESSIBLE_ROLE_PRESENTATION,
                            NULL);
      self->step_states[i] = g_object_new (GTK_TYPE_LABEL,
                                           "xalign", 1.0f,
                                           "accessible-role", GTK_ACCESSIBLE_ROLE_PRESENTATION,
                                           NULL);
      gtk_widget_add_css_class (self->step_states[i], "dim-label");
      gtk_box_append (GTK_BOX (self->step_rows[i]), self->step_icons[i]);
      gtk_box_append (GTK_BOX (self->step_rows[i]), title);
      gtk_box_append (GTK_BOX (self->step_rows[i]), self->step_states[i]);
      gtk_box_append (GTK_BOX (self->steps_box), self->step_rows[i]);
      set_step_state (self, i, TANBA_STEP_STATE_PENDING);
    }
  tanba_wizard_page_set_first_focus (page, self->progress_bar);
}

TanbaWizardPage *
tanba_wizard_page_progress_new (TanbaWizardData *data)
{
  TanbaWizardPage *page;

  g_return_val_if_fail (data != NULL, NULL);

  page = g_object_new (TANBA_TYPE_WIZARD_PAGE_PROGRESS, NULL);
  tanba_wizard_page_set_data (page, data);
  return page;
}

void
tanba_wizard_page_progress_cancel (TanbaWizardPageProgress *self)
{
  g_return_if_fail (TANBA_IS_WIZARD_PAGE_PROGRESS (self));

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
}
