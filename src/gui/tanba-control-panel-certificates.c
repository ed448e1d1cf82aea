/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-control-panel-certificates.c: the Certificates tab. */
#include "config.h"

#include <adwaita.h>

#include "tanba-i18n.h"
#include "tanba-control-panel-certificates.h"
#include "tanba-control-panel-private.h"
#include "tanba-gui-util.h"
#include "tanba-renewal.h"
#include "tanba-settings.h"
#include "tanba-token.h"
#include "tanba-token-error.h"

#include <string.h>

struct _TanbaControlPanelCertificates
{
  GtkWidget  parent_instance;

  GtkWidget *scrolled;
  GtkWidget *page;
  GtkWidget *heading_label;
  GtkWidget *status_label;
  GtkWidget *list;
  GtkWidget *details_button;
  GtkWidget *export_pem_button;
  GtkWidget *export_der_button;
  GtkWidget *renew_label;
  GtkWidget *renew_button;
  GtkWidget *renew_progress;

  /* Renewal (helper "signin"): the token shown, and the run in progress. */
  TanbaToken   *token;
  GCancellable *cancellable;
  gboolean      renewing;
  int           progress_step;
  char         *renew_result;
  gboolean      renew_ok;

  GPtrArray *items; /* TanbaControlPanelCertificate */
  GPtrArray *rows;
  int        warning_days;
  char      *status;
  GtkWidget *spoken; /* the widget whose description carries the last result */
  GtkFileChooserNative *chooser;
};

enum
{
  RENEWED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (TanbaControlPanelCertificates, tanba_control_panel_certificates, GTK_TYPE_WIDGET)

/* ---- helpers --------------------------------------------------------------- */

static void
speak (TanbaControlPanelCertificates *self,
       GtkWidget                     *widget,
       const char                    *message)
{
  if (self->spoken != NULL && self->spoken != widget)
    tanba_gui_set_description (self->spoken, NULL);
  self->spoken = widget;
  tanba_gui_speak (widget, message);
}

static TanbaControlPanelCertificate *
selected_item (TanbaControlPanelCertificates *self)
{
  GtkListBoxRow *row = gtk_list_box_get_selected_row (GTK_LIST_BOX (self->list));
  int index;

  if (row == NULL)
    return NULL;
  index = gtk_list_box_row_get_index (row);
  if (index < 0 || (guint) index >= self->items->len)
    return NULL;
  return g_ptr_array_index (self->items, index);
}

static void
update_buttons (TanbaControlPanelCertificates *self)
{
  gboolean any = selected_item (self) != NULL;

  gtk_widget_set_sensitive (self->details_button, any);
  gtk_widget_set_sensitive (self->export_pem_button, any);
  gtk_widget_set_sensitive (self->export_der_button, any);
  gtk_widget_set_sensitive (self->renew_button, self->token != NULL && !self->renewing && self->items->len > 0);
}

/* "The signing certificate expires in 12 days — renew it." for each due one. */
static void
update_renew_line (TanbaControlPanelCertificates *self)
{
  g_autoptr(GString) line = g_string_new (NULL);

  for (guint i = 0; i < self->items->len; i++)
    {
      TanbaControlPanelCertificate *item = g_ptr_array_index (self->items, i);
      gboolean signing = (item->purpose & TANBA_CERTIFICATE_PURPOSE_SIGNING) != 0;
      int days = (int) CLAMP (item->days_left, G_MININT, G_MAXINT);

      if (item->validity != TANBA_CERTIFICATE_EXPIRING && item->validity != TANBA_CERTIFICATE_EXPIRED)
        continue;
      if (item->purpose == TANBA_CERTIFICATE_PURPOSE_OTHER)
        continue;
      if (line->len > 0)
        g_string_append_c (line, ' ');
      if (item->validity == TANBA_CERTIFICATE_EXPIRED)
        g_string_append (line, signing ? _("The signing certificate has expired — renew it.")
                                       : _("The authentication certificate has expired — renew it."));
      else
        /* Translators: %d is a number of days. */
        g_string_append_printf (line, signing ? g_dngettext (GETTEXT_PACKAGE,
                                                             "The signing certificate expires in %d day — renew it.",
                                                             "The signing certificate expires in %d days — renew it.", days)
                                              : g_dngettext (GETTEXT_PACKAGE,
                                                             "The authentication certificate expires in %d day — renew it.",
                                                             "The authentication certificate expires in %d days — renew it.", days),
                                days);
    }
  /* The last renewal's result stays in view (the window reads the token
   * again afterwards, which replaces the status line). */
  gtk_widget_remove_css_class (self->renew_label, "success");
  gtk_widget_remove_css_class (self->renew_label, "error");
  gtk_widget_remove_css_class (self->renew_label, "warning");
  if (self->renew_result != NULL)
    {
      gtk_label_set_text (GTK_LABEL (self->renew_label), self->renew_result);
      gtk_widget_add_css_class (self->renew_label, self->renew_ok ? "success" : "error");
      gtk_widget_set_visible (self->renew_label, TRUE);
      return;
    }
  gtk_widget_add_css_class (self->renew_label, "warning");
  gtk_label_set_text (GTK_LABEL (self->renew_label), line->str);
  gtk_widget_set_visible (self->renew_label, line->len > 0);
  /* The Renew button says why it is there. */
  if (self->renew_result == NULL)
    tanba_gui_set_description (self->renew_button,
                               line->len > 0 ? line->str
                                             : _("Makes new keys on the token, gets new certificates for them and registers them with the bank."));
}

static GtkWidget *
add_line (GtkWidget  *box,
          const char *text,
          const char *css_class)
{
  GtkWidget *label = g_object_new (GTK_TYPE_LABEL,
                                   "label", text,
                                   "xalign", 0.0f,
                                   "wrap", TRUE,
                                   "accessible-role", GTK_ACCESSIBLE_ROLE_PRESENTATION,
                                   NULL);

  if (css_class != NULL)
    gtk_widget_add_css_class (label, css_class);
  gtk_box_append (GTK_BOX (box), label);
  return label;
}

static GtkWidget *
make_row (TanbaControlPanelCertificate *item)
{
  g_autofree char *state = tanba_control_panel_certificate_dup_state_text (item);
  g_autofree char *until = tanba_control_panel_certificate_dup_valid_until (item);
  g_autofree char *purpose = NULL, *issuer = NULL, *valid = NULL, *name = NULL;
  const char *title = item->common_name != NULL ? item->common_name : item->subject;
  const char *state_class = NULL;
  GtkWidget *row, *box;

  /* Translators: a line of a certificate in the list. */
  purpose = g_strdup_printf (_("Purpose: %s"), tanba_control_panel_certificate_purpose_text (item->purpose));
  issuer = g_strdup_printf (_("Issuer: %s"), item->issuer);
  valid = g_strdup_printf (_("Valid until: %s"), until);
  /* Translators: the whole certificate row as a screen reader reads it:
   * subject, purpose, issuer, valid until, state. */
  name = g_strdup_printf (_("%s. %s. %s. %s. %s"), title, purpose, issuer, valid, state);

  if (item->validity == TANBA_CERTIFICATE_EXPIRED || item->validity == TANBA_CERTIFICATE_NOT_YET_VALID)
    state_class = "error";
  else if (item->validity == TANBA_CERTIFICATE_EXPIRING)
    state_class = "warning";

  box = g_object_new (GTK_TYPE_BOX,
                      "orientation", GTK_ORIENTATION_VERTICAL,
                      "spacing", 2,
                      "margin-start", 12, "margin-end", 12, "margin-top", 8, "margin-bottom", 8,
                      NULL);
  add_line (box, title, "heading");
  add_line (box, purpose, NULL);
  add_line (box, issuer, "dim-label");
  add_line (box, valid, NULL);
  /* The state in words, not in colour only. */
  add_line (box, state, state_class);

  row = gtk_list_box_row_new ();
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  tanba_gui_set_name (row, name);
  return row;
}

static void
set_status (TanbaControlPanelCertificates *self,
            const char                    *status)
{
  g_free (self->status);
  self->status = g_strdup (status);
  gtk_label_set_text (GTK_LABEL (self->status_label), status);
  /* The list says what the line above it says. */
  tanba_gui_set_description (self->list, status);
}

static void
rebuild (TanbaControlPanelCertificates *self,
         const char                    *error)
{
  guint expired = 0, expiring = 0;
  g_autoptr(GString) status = g_string_new (NULL);

  for (guint i = 0; i < self->rows->len; i++)
    gtk_list_box_remove (GTK_LIST_BOX (self->list), g_ptr_array_index (self->rows, i));
  g_ptr_array_set_size (self->rows, 0);
  self->spoken = NULL;

  for (guint i = 0; i < self->items->len; i++)
    {
      TanbaControlPanelCertificate *item = g_ptr_array_index (self->items, i);
      GtkWidget *row = make_row (item);

      gtk_list_box_append (GTK_LIST_BOX (self->list), row);
      g_ptr_array_add (self->rows, row);
      if (item->validity == TANBA_CERTIFICATE_EXPIRED)
        expired++;
      else if (item->validity == TANBA_CERTIFICATE_EXPIRING)
        expiring++;
    }

  if (error != NULL)
    g_string_append (status, error);
  else if (self->items->len == 0)
    g_string_append (status, _("There are no certificates on this token."));
  else
    {
      g_string_append_printf (status, g_dngettext (GETTEXT_PACKAGE, "%u certificate.", "%u certificates.",
                                                   self->items->len),
                              self->items->len);
      if (expired > 0)
        {
          g_string_append_c (status, ' ');
          g_string_append_printf (status, g_dngettext (GETTEXT_PACKAGE, "%u has expired.", "%u have expired.", expired),
                                  expired);
        }
      if (expiring > 0)
        {
          g_string_append_c (status, ' ');
          g_string_append_printf (status, g_dngettext (GETTEXT_PACKAGE, "%u expires soon.", "%u expire soon.", expiring),
                                  expiring);
        }
    }
  set_status (self, status->str);
  update_renew_line (self);
  gtk_widget_set_visible (self->list, self->items->len > 0);
  if (self->rows->len > 0)
    gtk_list_box_select_row (GTK_LIST_BOX (self->list), g_ptr_array_index (self->rows, 0));
  update_buttons (self);
}

/* ---- callbacks ------------------------------------------------------------- */

static void
row_selected_cb (TanbaControlPanelCertificates *self)
{
  update_buttons (self);
}

static void
details_clicked_cb (TanbaControlPanelCertificates *self)
{
  TanbaControlPanelCertificate *item = selected_item (self);
  g_autofree char *details = NULL;
  GtkWidget *dialog;

  if (item == NULL)
    return;
  details = tanba_control_panel_certificate_dup_details (item);
  dialog = adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                   _("Certificate Details"), details);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("Close"));
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "close");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "close");
  tanba_control_panel_fix_button_names (dialog);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
row_activated_cb (TanbaControlPanelCertificates *self)
{
  details_clicked_cb (self);
}

static void
export_response_cb (TanbaControlPanelCertificates *self,
                    int                            response,
                    GtkNativeDialog               *chooser)
{
  TanbaCertificateFormat format = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (chooser), "format"));
  GtkWidget *button = format == TANBA_CERTIFICATE_FORMAT_PEM ? self->export_pem_button : self->export_der_button;
  TanbaControlPanelCertificate *item = selected_item (self);
  g_autoptr(GFile) file = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  g_autofree char *path = NULL;

  g_clear_object (&self->chooser);
  if (response != GTK_RESPONSE_ACCEPT || item == NULL)
    return;

  file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  bytes = tanba_control_panel_certificate_export (item, format, &error);
  if (bytes != NULL)
    g_file_replace_contents (file, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                             NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION, NULL, NULL, &error);
  path = g_file_get_parse_name (file);
  if (error != NULL)
    /* Translators: %s is a file name, then the reason. */
    message = g_strdup_printf (_("The certificate was not saved to %s: %s"), path, error->message);
  else
    message = g_strdup_printf (_("The certificate was saved to %s."), path);
  set_status (self, message);
  speak (self, button, message);
}

static void
export (TanbaControlPanelCertificates *self,
        TanbaCertificateFormat         format)
{
  TanbaControlPanelCertificate *item = selected_item (self);
  g_autofree char *file_name = NULL;
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
  const char *base;

  if (item == NULL || self->chooser != NULL)
    return;

  base = item->common_name != NULL ? item->common_name : _("certificate");
  file_name = g_strconcat (base, format == TANBA_CERTIFICATE_FORMAT_PEM ? ".pem" : ".cer", NULL);
  g_strdelimit (file_name, "/\\:", '_');

  self->chooser = gtk_file_chooser_native_new (format == TANBA_CERTIFICATE_FORMAT_PEM
                                               ? _("Export the Certificate as PEM")
                                               : _("Export the Certificate as DER"),
                                               GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                               GTK_FILE_CHOOSER_ACTION_SAVE,
                                               _("_Save"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), file_name);
  if (format == TANBA_CERTIFICATE_FORMAT_PEM)
    {
      gtk_file_filter_set_name (filter, _("PEM certificates"));
      gtk_file_filter_add_pattern (filter, "*.pem");
      gtk_file_filter_add_pattern (filter, "*.crt");
    }
  else
    {
      gtk_file_filter_set_name (filter, _("DER certificates"));
      gtk_file_filter_add_pattern (filter, "*.cer");
      gtk_file_filter_add_pattern (filter, "*.der");
    }
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
  g_object_set_data (G_OBJECT (self->chooser), "format", GINT_TO_POINTER (format));
  g_signal_connect_swapped (self->chooser, "response", G_CALLBACK (export_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
export_pem_clicked_cb (TanbaControlPanelCertificates *self)
{
  export (self, TANBA_CERTIFICATE_FORMAT_PEM);
}

static void
export_der_clicked_cb (TanbaControlPanelCertificates *self)
{
  export (self, TANBA_CERTIFICATE_FORMAT_DER);
}

/* ---- renewal (helper "signin") ---------------------------------------------- */

typedef struct
{
  TanbaToken *token;
  char       *pin;
  char       *ca_url;
  char       *bank_url;
  char       *trust_anchor;
  guint       term_years;
  GObject    *self;       /* a reference, for progress */
  gboolean    unfinished; /* after a failure */
} RenewData;

static void
renew_data_free (RenewData *data)
{
  if (data->pin != NULL)
    explicit_bzero (data->pin, strlen (data->pin));
  g_free (data->pin);
  g_free (data->ca_url);
  g_free (data->bank_url);
  g_free (data->trust_anchor);
  g_clear_pointer (&data->token, tanba_token_unref);
  g_clear_object (&data->self);
  g_free (data);
}

typedef struct
{
  TanbaControlPanelCertificates *self;
  double                         fraction;
  char                          *text;
} RenewProgress;

static gboolean
renew_progress_idle (gpointer user_data)
{
  RenewProgress *p = user_data;
  TanbaControlPanelCertificates *self = p->self;

  if (!gtk_widget_in_destruction (GTK_WIDGET (self)) && self->renewing)
    {
      int step = (int) (CLAMP (p->fraction, 0.0, 1.0) * 4);

      gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (self->renew_progress), CLAMP (p->fraction, 0.0, 1.0));
      if (p->text != NULL)
        gtk_progress_bar_set_text (GTK_PROGRESS_BAR (self->renew_progress), p->text);
      /* GTK 4.8 progress bars send no value events: say it at coarse steps. */
      if (step != self->progress_step)
        {
          /* Translators: progress of the renewal: a percentage, then the step. */
          g_autofree char *said = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d percent complete: %s",
                                                                "%d percent complete: %s", (gulong) (step * 25)),
                                                   step * 25,
                                                   p->text != NULL ? p->text : "");

          self->progress_step = step;
          speak (self, self->renew_progress, said);
        }
    }
  g_object_unref (p->self);
  g_free (p->text);
  g_free (p);
  return G_SOURCE_REMOVE;
}

static void
renew_progress_cb (double      fraction,
                   const char *text,
                   gpointer    user_data)
{
  RenewData *data = user_data;
  RenewProgress *p = g_new0 (RenewProgress, 1);

  p->self = g_object_ref ((TanbaControlPanelCertificates *) data->self);
  p->fraction = fraction;
  p->text = g_strdup (text);
  g_idle_add (renew_progress_idle, p);
}

static void
renew_thread (GTask        *task,
              gpointer      source,
              gpointer      task_data,
              GCancellable *cancellable)
{
  RenewData *data = task_data;
  TanbaRenewalParams params = { 0 };
  GError *error = NULL;
  GPtrArray *certificates;

  params.pin = data->pin;
  params.which = TANBA_RENEW_BOTH;
  params.term_years = data->term_years;
  params.ca_url = data->ca_url;
  params.bank_url = data->bank_url;
  params.trust_anchor = data->trust_anchor;
  if (!tanba_renewal_run (data->token, &params, renew_progress_cb, data, cancellable, &error))
    {
      explicit_bzero (data->pin, strlen (data->pin));
      data->unfinished = tanba_renewal_is_unfinished (data->token);
      g_task_return_error (task, error);
      return;
    }
  explicit_bzero (data->pin, strlen (data->pin));
  certificates = tanba_token_list_certificates (data->token, &error);
  if (certificates == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, certificates, (GDestroyNotify) g_ptr_array_unref);
}

static void
renew_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  TanbaControlPanelCertificates *self = TANBA_CONTROL_PANEL_CERTIFICATES (source);
  RenewData *data = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) certificates = g_task_propagate_pointer (G_TASK (result), &error);
  g_autofree char *message = NULL;

  if (gtk_widget_in_destruction (GTK_WIDGET (self)))
    return;
  self->renewing = FALSE;
  gtk_widget_set_visible (self->renew_progress, FALSE);
  if (certificates != NULL)
    {
      message = g_strdup (_("The certificates were renewed: new keys are on the token, and the bank registered the new certificates."));
      tanba_control_panel_certificates_set_certificates (self, certificates, NULL);
      g_signal_emit (self, signals[RENEWED], 0, tanba_token_get_serial (data->token));
    }
  else if (data->unfinished)
    /* Translators: %s says what failed. */
    message = g_strdup_printf (_("The renewal is not finished: %s Nothing done so far is lost: press Renew again to finish it."),
                               error->message);
  else
    message = g_strdup_printf (_("The certificates were not renewed: %s"), error->message);
  g_free (self->renew_result);
  self->renew_result = g_strdup (message);
  self->renew_ok = certificates != NULL;
  update_buttons (self);
  set_status (self, message);
  update_renew_line (self);
  tanba_gui_focus (self->renew_button);
  speak (self, self->renew_button, message);
}

static void
renew_start (TanbaControlPanelCertificates *self,
             const char                    *pin)
{
  g_autoptr(GTask) task = NULL;
  GApplication *app = g_application_get_default ();
  const char *server = app != NULL ? g_object_get_data (G_OBJECT (app), "tanba-server-url") : NULL;
  const char *anchor = app != NULL ? g_object_get_data (G_OBJECT (app), "tanba-trust-anchor") : NULL;
  RenewData *data = g_new0 (RenewData, 1);

  data->token = tanba_token_ref (self->token);
  data->pin = g_strdup (pin);
  if (server != NULL)
    {
      /* --server: the CA at URL/pkix/, the bank at URL. */
      data->bank_url = g_str_has_suffix (server, "/") ? g_strdup (server) : g_strconcat (server, "/", NULL);
      data->ca_url = g_strconcat (data->bank_url, "pkix/", NULL);
    }
  else
    {
      data->ca_url = tanba_settings_dup_string ("ca-url");
      data->bank_url = tanba_settings_dup_string ("bank-url");
    }
  data->trust_anchor = anchor != NULL ? g_strdup (anchor) : tanba_settings_dup_string ("trust-anchor");
  data->term_years = (guint) CLAMP (tanba_settings_get_int ("certificate-term", 1), 1, 3);
  data->self = G_OBJECT (g_object_ref (self));

  self->renewing = TRUE;
  self->progress_step = -1;
  g_clear_pointer (&self->renew_result, g_free);
  update_buttons (self);
  gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (self->renew_progress), 0.0);
  gtk_progress_bar_set_text (GTK_PROGRESS_BAR (self->renew_progress), _("Starting the renewal…"));
  gtk_widget_set_visible (self->renew_progress, TRUE);
  tanba_gui_focus (self->renew_progress);
  speak (self, self->renew_progress, _("Renewing the certificates. Generating a key on the token may take up to 5 minutes."));

  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  task = g_task_new (self, self->cancellable, renew_done_cb, NULL);
  g_task_set_task_data (task, data, (GDestroyNotify) renew_data_free);
  g_task_run_in_thread (task, renew_thread);
}

static void
renew_response_cb (AdwMessageDialog              *dialog,
                   const char                    *response,
                   TanbaControlPanelCertificates *self)
{
  GtkWidget *entry = g_object_get_data (G_OBJECT (dialog), "tanba-renew-password");
  g_autofree char *pin = g_strdup (gtk_editable_get_text (GTK_EDITABLE (entry)));

  gtk_editable_set_text (GTK_EDITABLE (entry), "");
  /* GTK 4.8: a password entry destroyed while focused leaves its caps-lock
   * watch behind (warnings on the next key); the dialog closes now. */
  gtk_window_set_focus (GTK_WINDOW (dialog), NULL);
  if (g_strcmp0 (response, "renew") == 0 && pin[0] != '\0' && self->token != NULL && !self->renewing)
    renew_start (self, pin);
  else
    tanba_gui_focus (self->renew_button);
  explicit_bzero (pin, strlen (pin));
}

static gboolean
renew_respond_idle (gpointer data)
{
  AdwMessageDialog *dialog = data;

  if (adw_message_dialog_get_response_enabled (dialog, "renew"))
    adw_message_dialog_response (dialog, "renew");
  g_object_unref (dialog);
  return G_SOURCE_REMOVE;
}

/* Enter in the password field: respond once the key is handled (the
 * dialog, and the field with it, go away on the response). */
static void
renew_password_activate_cb (GtkEditable      *entry,
                            AdwMessageDialog *dialog)
{
  g_idle_add (renew_respond_idle, g_object_ref (dialog));
}

static void
renew_password_changed_cb (GtkEditable      *entry,
                           AdwMessageDialog *dialog)
{
  const char *text = gtk_editable_get_text (entry);

  adw_message_dialog_set_response_enabled (dialog, "renew", text != NULL && text[0] != '\0');
}

static void
renew_clicked_cb (TanbaControlPanelCertificates *self)
{
  AdwMessageDialog *dialog;
  GtkWidget *box, *label, *entry;

  if (self->token == NULL || self->renewing)
    return;
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                                       _("Renew the Certificates?"),
                                                       _("Renewal makes new key pairs on the token, gets new signing and authentication certificates for them from the bank’s certification authority, and registers them with the bank. The old keys are removed afterwards. If it is interrupted, press Renew again: it continues where it stopped.")));
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "renew", _("_Renew"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "renew", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_response_enabled (dialog, "renew", FALSE);
  adw_message_dialog_set_default_response (dialog, "renew");
  adw_message_dialog_set_close_response (dialog, "cancel");

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  label = gtk_label_new_with_mnemonic (_("Token pass_word"));
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  entry = gtk_password_entry_new ();
  gtk_password_entry_set_show_peek_icon (GTK_PASSWORD_ENTRY (entry), FALSE);
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), entry);
  tanba_gui_label_for (label, entry);
  tanba_gui_set_required (entry, TRUE);
  adw_message_dialog_set_extra_child (dialog, box);
  g_object_set_data (G_OBJECT (dialog), "tanba-renew-password", entry);
  g_signal_connect_object (entry, "changed", G_CALLBACK (renew_password_changed_cb), dialog, 0);
  g_signal_connect_object (entry, "activate", G_CALLBACK (renew_password_activate_cb), dialog, 0);
  g_signal_connect_object (dialog, "response", G_CALLBACK (renew_response_cb), self, 0);
  tanba_control_panel_fix_button_names (GTK_WIDGET (dialog));
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (entry);
}

/* ---- overrides ------------------------------------------------------------- */

static void
tanba_control_panel_certificates_dispose (GObject *object)
{
  TanbaControlPanelCertificates *self = TANBA_CONTROL_PANEL_CERTIFICATES (object);

  if (self->chooser != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->chooser, self);
      gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
      g_clear_object (&self->chooser);
    }
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  /* The list removes its rows as it goes, and says so ("row-selected"). */
  if (self->list != NULL)
    g_signal_handlers_disconnect_by_data (self->list, self);
  g_clear_pointer (&self->scrolled, gtk_widget_unparent);
  gtk_widget_dispose_template (GTK_WIDGET (self), TANBA_TYPE_CONTROL_PANEL_CERTIFICATES);
  G_OBJECT_CLASS (tanba_control_panel_certificates_parent_class)->dispose (object);
}

static void
tanba_control_panel_certificates_finalize (GObject *object)
{
  TanbaControlPanelCertificates *self = TANBA_CONTROL_PANEL_CERTIFICATES (object);

  g_clear_pointer (&self->items, g_ptr_array_unref);
  g_clear_pointer (&self->rows, g_ptr_array_unref);
  g_free (self->status);
  g_free (self->renew_result);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->token, tanba_token_unref);
  G_OBJECT_CLASS (tanba_control_panel_certificates_parent_class)->finalize (object);
}

static void
tanba_control_panel_certificates_class_init (TanbaControlPanelCertificatesClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tanba_control_panel_certificates_dispose;
  object_class->finalize = tanba_control_panel_certificates_finalize;

  /* After a renewal, with the renewed token's serial number: the window
   * reads the token again. */
  signals[RENEWED] = g_signal_new ("renewed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               TANBA_CONTROL_PANEL_UI ("tanba-control-panel-certificates.ui"));
  gtk_widget_class_bind_template_child (widget_class, TanbaControlPanelCertificates, scrolled);
  gtk_widget_class_bind_template_child (widget_class, TanbaControlPanelCertificates, page);
  gtk_widget_class_bind_template_child (widget_class, TanbaControlPanelCertificates, heading_label);
  gtk_widget_class_bind_template_child (widget_class, TanbaControlPanelCertificates, status_label);
  gtk_widget_class_bind_template_child (widget_class, TanbaControlPanelCertificates, list);
  gtk_widget_class_bind_template_child (widget_class, TanbaControlPanelCertificates, details_button);
  gtk_widget_class_bind_template_child (widget_class, TanbaControlPanelCertificates, export_pem_button);
  gtk_widget_class_bind_template_child (widget_class, TanbaControlPanelCertificates, export_der_button);
  gtk_widget_class_bind_template_child (widget_class, TanbaControlPanelCertificates, renew_label);
  gtk_widget_class_bind_template_child (widget_class, TanbaControlPanelCertificates, renew_button);
  gtk_widget_class_bind_template_child (widget_class, TanbaControlPanelCertificates, renew_progress);
  gtk_widget_class_bind_template_callback (widget_class, row_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, details_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, export_pem_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, export_der_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, renew_clicked_cb);
}

static void
tanba_control_panel_certificates_init (TanbaControlPanelCertificates *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  /* The controls inside take the focus: no unnamed focus stop (GTK 4.8
   * drops a scrolled window's name). */
  gtk_widget_set_focusable (self->scrolled, FALSE);

  self->items = g_ptr_array_new_with_free_func ((GDestroyNotify) tanba_control_panel_certificate_free);
  self->rows = g_ptr_array_new ();
  self->warning_days = tanba_settings_get_int ("expiry-warning-days", 30);

  tanba_gui_fix_mnemonic_name (self->details_button);
  tanba_gui_fix_mnemonic_name (self->export_pem_button);
  tanba_gui_fix_mnemonic_name (self->export_der_button);
  tanba_gui_fix_mnemonic_name (self->renew_button);
  tanba_gui_set_name (self->renew_progress, _("Renewal progress"));
  gtk_accessible_update_relation (GTK_ACCESSIBLE (self->page),
                                  GTK_ACCESSIBLE_RELATION_LABELLED_BY, self->heading_label, NULL,
                                  -1);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (self->list),
                                  GTK_ACCESSIBLE_RELATION_LABELLED_BY, self->heading_label, NULL,
                                  -1);
  rebuild (self, _("No token is chosen."));
}

/* ---- public API ------------------------------------------------------------ */

GtkWidget *
tanba_control_panel_certificates_new (void)
{
  return g_object_new (TANBA_TYPE_CONTROL_PANEL_CERTIFICATES, NULL);
}

void
tanba_control_panel_certificates_set_warning_days (TanbaControlPanelCertificates *self,
                                                   int                            days)
{
  g_return_if_fail (TANBA_IS_CONTROL_PANEL_CERTIFICATES (self));

  self->warning_days = days;
}

void
tanba_control_panel_certificates_set_certificates (TanbaControlPanelCertificates *self,
                                                   GPtrArray                     *certificates,
                                                   const char                    *error)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

  g_return_if_fail (TANBA_IS_CONTROL_PANEL_CERTIFICATES (self));

  g_ptr_array_set_size (self->items, 0);
  if (certificates != NULL)
    for (guint i = 0; i < certificates->len; i++)
      {
        TanbaCertInfo *info = g_ptr_array_index (certificates, i);

        if (info->certificate != NULL)
          g_ptr_array_add (self->items,
                           tanba_control_panel_certificate_new (info->certificate, info->label, info->id,
                                                                now, self->warning_days));
      }
  if (certificates == NULL && error == NULL)
    error = _("No token is chosen.");
  rebuild (self, error);
}

void
tanba_control_panel_certificates_set_token (TanbaControlPanelCertificates *self,
                                            TanbaToken                    *token)
{
  g_return_if_fail (TANBA_IS_CONTROL_PANEL_CERTIFICATES (self));

  if (token == self->token)
    return;
  /* A renewal in progress keeps its own reference to its token. */
  g_clear_pointer (&self->token, tanba_token_unref);
  self->token = token != NULL ? tanba_token_ref (token) : NULL;
  if (!self->renewing)
    g_clear_pointer (&self->renew_result, g_free);
  update_renew_line (self);
  update_buttons (self);
}

gboolean
tanba_control_panel_certificates_is_renewing (TanbaControlPanelCertificates *self)
{
  g_return_val_if_fail (TANBA_IS_CONTROL_PANEL_CERTIFICATES (self), FALSE);

  return self->renewing;
}

void
tanba_control_panel_certificates_focus_renew (TanbaControlPanelCertificates *self)
{
  g_return_if_fail (TANBA_IS_CONTROL_PANEL_CERTIFICATES (self));

  /* "Renew…" says in its description what is due; when it cannot act (no
   * certificates, a renewal under way) the list says what there is. */
  tanba_gui_focus (gtk_widget_get_sensitive (self->renew_button) ? self->renew_button : self->list);
}

const char *
tanba_control_panel_certificates_get_renew_line (TanbaControlPanelCertificates *self)
{
  g_return_val_if_fail (TANBA_IS_CONTROL_PANEL_CERTIFICATES (self), NULL);

  return gtk_widget_get_visible (self->renew_label) ? gtk_label_get_text (GTK_LABEL (self->renew_label)) : NULL;
}

void
tanba_control_panel_certificates_renew (TanbaControlPanelCertificates *self,
                                        const char                    *pin)
{
  g_return_if_fail (TANBA_IS_CONTROL_PANEL_CERTIFICATES (self));
  g_return_if_fail (pin != NULL);

  if (self->token != NULL && !self->renewing)
    renew_start (self, pin);
}

const char *
tanba_control_panel_certificates_get_renew_result (TanbaControlPanelCertificates *self)
{
  g_return_val_if_fail (TANBA_IS_CONTROL_PANEL_CERTIFICATES (self), NULL);

  return self->renew_result;
}

guint
tanba_control_panel_certificates_get_n_items (TanbaControlPanelCertificates *self)
{
  g_return_val_if_fail (TANBA_IS_CONTROL_PANEL_CERTIFICATES (self), 0);

  return self->items->len;
}

const TanbaControlPanelCertificate *
tanba_control_panel_certificates_get_item (TanbaControlPanelCertificates *self,
                                           guint                          index)
{
  g_return_val_if_fail (TANBA_IS_CONTROL_PANEL_CERTIFICATES (self), NULL);
  g_return_val_if_fail (index < self->items->len, NULL);

  return g_ptr_array_index (self->items, index);
}

const char *
tanba_control_panel_certificates_get_status (TanbaControlPanelCertificates *self)
{
  g_return_val_if_fail (TANBA_IS_CONTROL_PANEL_CERTIFICATES (self), NULL);

  return self->status;
}

GtkWidget *
tanba_control_panel_certificates_get_row (TanbaControlPanelCertificates *self,
                                          guint                          index)
{
  g_return_val_if_fail (TANBA_IS_CONTROL_PANEL_CERTIFICATES (self), NULL);
  g_return_val_if_fail (index < self->rows->len, NULL);

  return g_ptr_array_index (self->rows, index);
}
