/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-control-panel-window.c: the token control panel. */
#include "config.h"

#include <string.h>

#include "tanba-i18n.h"
#include "tanba-control-panel-certificates.h"
#include "tanba-control-panel-format-dialog.h"
#include "tanba-control-panel-login-dialog.h"
#include "tanba-control-panel-name-dialog.h"
#include "tanba-control-panel-operations.h"
#include "tanba-control-panel-pin-dialog.h"
#include "tanba-control-panel-private.h"
#include "tanba-control-panel-settings.h"
#include "tanba-control-panel-window.h"
#include "tanba-expiry.h"
#include "tanba-gui-util.h"
#include "tanba-module.h"
#include "tanba-token-error.h"
#include "tanba-token-monitor.h"

/* What to do once the role it needs has logged in. */
typedef enum
{
  PENDING_NONE,
  PENDING_UNBLOCK,
  PENDING_CHANGE_PIN,
  PENDING_RENAME,
  PENDING_FORMAT,
} PendingAction;

struct _TanbaControlPanelWindow
{
  AdwApplicationWindow         parent_instance;

  /* template */
  GtkWidget                   *notebook;
  GtkWidget                   *admin_tab_label;
  GtkWidget                   *certificates_tab_label;
  GtkWidget                   *settings_tab_label;
  GtkWidget                   *about_tab_label;
  GtkWidget                   *admin_scrolled;
  GtkWidget                   *about_scrolled;
  GtkWidget                   *admin_page;
  GtkWidget                   *tokens_group;
  GtkWidget                   *tokens_heading;
  GtkWidget                   *token_label;
  GtkWidget                   *token_dropdown;
  GtkWidget                   *login_button;
  GtkWidget                   *tokens_status_label;
  GtkWidget                   *info_group;
  GtkWidget                   *info_heading;
  GtkWidget                   *info_list;
  GtkWidget                   *pin_group;
  GtkWidget                   *pin_heading;
  GtkWidget                   *unblock_description;
  GtkWidget                   *unblock_button;
  GtkWidget                   *change_description;
  GtkWidget                   *change_button;
  GtkWidget                   *name_group;
  GtkWidget                   *name_heading;
  GtkWidget                   *name_description;
  GtkWidget                   *rename_button;
  GtkWidget                   *format_group;
  GtkWidget                   *format_heading;
  GtkWidget                   *format_description;
  GtkWidget                   *format_button;
  GtkWidget                   *result_label;
  GtkWidget                   *certificates_page;
  GtkWidget                   *settings_page;
  GtkWidget                   *about_page;
  GtkWidget                   *about_heading;
  GtkWidget                   *version_label;
  GtkWidget                   *about_button;

  /* tokens */
  TanbaModule                 *module;
  char                        *module_error;
  TanbaTokenMonitor           *monitor;
  GtkStringList               *token_names;
  GPtrArray                   *token_serials;  /* char *, in the drop-down's order */
  gboolean                     updating_tokens;
  TanbaToken                  *token;          /* the chosen token, or NULL */
  TanbaControlPanelTokenState *state;          /* what was last read from it */
  guint                        state_serial;   /* to drop stale reads */

  /* login: the role and its PIN, held while logged in (wiped on logout) */
  TanbaRole                    role;
  char                        *pin;
  char                        *pending_pin;    /* the PIN being tried */
  TanbaRole                    pending_role;
  PendingAction                pending;

  GCancellable                *cancellable;
  GtkWindow                   *dialog;         /* the open login/PIN/name dialog */
  gboolean                     busy;
  GtkWidget                   *spoken;         /* the widget whose description holds the last result */
  char                        *result;

  /* opened to renew (the expiry notification): the token to choose when it
   * shows up, "Renew…" to be focused once its certificates are read; NULL
   * once that is done or the user chose otherwise */
  char                        *wanted_serial;
};

G_DEFINE_FINAL_TYPE (TanbaControlPanelWindow, tanba_control_panel_window, ADW_TYPE_APPLICATION_WINDOW)

static void refresh_state (TanbaControlPanelWindow *self);
static void run_pending (TanbaControlPanelWindow *self);
static void show_refusal (TanbaControlPanelWindow *self,
                          const char              *reason);

/* ---- words ----------------------------------------------------------------- */

char *
tanba_control_panel_pin_state_text (const TanbaTokenInfo *info,
                                    TanbaRole             role)
{
  g_return_val_if_fail (info != NULL, NULL);

  if (role == TANBA_ROLE_ADMIN)
    {
      if (tanba_token_info_so_pin_locked (info))
        return g_strdup (_("locked"));
      if (tanba_token_info_so_pin_final_try (info))
        return g_strdup (_("last try left"));
      if (tanba_token_info_so_pin_count_low (info))
        return g_strdup (_("few tries left"));
      if (tanba_token_info_so_pin_to_be_changed (info))
        return g_strdup (_("must be changed"));
      return g_strdup (_("all tries left"));
    }
  if (!tanba_token_info_user_pin_set (info))
    return g_strdup (_("not set"));
  if (tanba_token_info_user_pin_locked (info))
    return g_strdup (_("locked: unblock it with the administrator PIN"));
  if (tanba_token_info_user_pin_final_try (info))
    return g_strdup (_("last try left"));
  if (tanba_token_info_user_pin_count_low (info))
    return g_strdup (_("few tries left"));
  if (tanba_token_info_user_pin_to_be_changed (info))
    return g_strdup (_("must be changed"));
  return g_strdup (_("all tries left"));
}

char *
tanba_control_panel_registration_text (const TanbaRegistrationMarker *marker,
                                       const char                    *error)
{
  if (error != NULL)
    /* Translators: %s says why the registration record could not be read. */
    return g_strdup_printf (_("unknown: %s"), error);
  if (marker == NULL)
    return g_strdup (_("none"));
  if (tanba_registration_marker_is_finished (marker))
    {
      if (marker->user_id != NULL)
        /* Translators: %s is a user ID. */
        return g_strdup_printf (_("complete, for the user %s"), marker->user_id);
      return g_strdup (_("complete"));
    }
  if (marker->user_id != NULL)
    /* Translators: %s is a user ID. */
    return g_strdup_printf (_("unfinished, for the user %s: continue it in the registration wizard"),
                            marker->user_id);
  return g_strdup (_("unfinished: continue it in the registration wizard"));
}

char *
tanba_control_panel_free_space_text (const TanbaTokenInfo *info)
{
  g_autofree char *free_text = NULL;
  g_autofree char *total_text = NULL;

  g_return_val_if_fail (info != NULL, NULL);

  if (info->free_memory < 0)
    return g_strdup (_("not reported by the token"));
  free_text = g_format_size (info->free_memory);
  if (info->total_memory <= 0)
    return g_steal_pointer (&free_text);
  total_text = g_format_size (info->total_memory);
  /* Translators: free space on the token: "12.3 kB of 64.0 kB". */
  return g_strdup_printf (_("%s of %s"), free_text, total_text);
}

static const char *
role_text (TanbaRole role)
{
  switch (role)
    {
    case TANBA_ROLE_USER:
      return _("Logged in as the user.");
    case TANBA_ROLE_ADMIN:
      return _("Logged in as the administrator.");
    case TANBA_ROLE_NONE:
    default:
      return _("Not logged in.");
    }
}

/* ---- helpers --------------------------------------------------------------- */

/* Says @message: visibly in the result line and spoken through @widget, which
 * has (or gets back) the focus. */
static void
say (TanbaControlPanelWindow *self,
     GtkWidget               *widget,
     const char              *message,
     gboolean                 is_error)
{
  g_free (self->result);
  self->result = g_strdup (message);
  tanba_gui_show_message (self->result_label, message, is_error);

  if (self->spoken != NULL && self->spoken != widget)
    tanba_gui_set_description (self->spoken, NULL);
  self->spoken = widget;
  if (widget != NULL)
    tanba_gui_speak (widget, message);
}

static void
forget_pin (TanbaControlPanelWindow *self)
{
  g_clear_pointer (&self->pin, tanba_control_panel_secret_free);
  self->role = TANBA_ROLE_NONE;
}

static void
close_dialog (TanbaControlPanelWindow *self)
{
  GtkWindow *dialog = g_steal_pointer (&self->dialog);

  if (dialog != NULL)
    {
      g_signal_handlers_disconnect_by_data (dialog, self);
      gtk_window_destroy (dialog);
    }
  self->pending = PENDING_NONE;
  g_clear_pointer (&self->pending_pin, tanba_control_panel_secret_free);
}

static void
dialog_destroyed_cb (TanbaControlPanelWindow *self,
                     GtkWindow               *dialog)
{
  if (self->dialog == dialog)
    {
      self->dialog = NULL;
      /* Closing the login dialog abandons the action that asked for it. */
      if (TANBA_IS_CONTROL_PANEL_LOGIN_DIALOG (dialog))
        self->pending = PENDING_NONE;
    }
}

static void
show_dialog (TanbaControlPanelWindow *self,
             GtkWindow               *dialog)
{
  close_dialog (self);
  self->dialog = dialog;
  g_signal_connect_swapped (dialog, "destroy", G_CALLBACK (dialog_destroyed_cb), self);
  gtk_window_present (dialog);
}

static const char *
token_name (TanbaControlPanelWindow *self)
{
  if (self->state != NULL && self->state->name != NULL)
    return self->state->name;
  return "";
}

static void
add_info_row (TanbaControlPanelWindow *self,
              const char              *title,
              const char              *value)
{
  g_autofree char *name = NULL;
  GtkWidget *row, *box, *title_label, *value_label;

  title_label = g_object_new (GTK_TYPE_LABEL,
                              "label", title,
                              "xalign", 0.0f,
                              "width-chars", 20,
                              "accessible-role", GTK_ACCESSIBLE_ROLE_PRESENTATION,
                              NULL);
  gtk_widget_add_css_class (title_label, "dim-label");
  value_label = g_object_new (GTK_TYPE_LABEL,
                              "label", value,
                              "xalign", 0.0f,
                              "wrap", TRUE,
                              "hexpand", TRUE,
                              "accessible-role", GTK_ACCESSIBLE_ROLE_PRESENTATION,
                              NULL);
  box = g_object_new (GTK_TYPE_BOX,
                      "spacing", 12,
                      "margin-start", 12, "margin-end", 12, "margin-top", 8, "margin-bottom", 8,
                      NULL);
  gtk_box_append (GTK_BOX (box), title_label);
  gtk_box_append (GTK_BOX (box), value_label);
  row = g_object_new (GTK_TYPE_LIST_BOX_ROW,
                      "activatable", FALSE,
                      "child", box,
                      NULL);
  /* Translators: an information row as a screen reader reads it: "Serial number: 1234". */
  name = g_strdup_printf (_("%s: %s"), title, value);
  tanba_gui_set_name (row, name);
  gtk_list_box_append (GTK_LIST_BOX (self->info_list), row);
}

static void
update_info (TanbaControlPanelWindow *self)
{
  GtkWidget *child;
  TanbaTokenInfo *info = self->state != NULL ? self->state->info : NULL;

  while ((child = gtk_widget_get_first_child (self->info_list)) != NULL)
    gtk_list_box_remove (GTK_LIST_BOX (self->info_list), child);

  if (info == NULL)
    {
      add_info_row (self, _("Token"), self->token != NULL ? _("reading…") : _("none chosen"));
      return;
    }

  {
    g_autofree char *label = tanba_token_info_dup_display_label (info);
    g_autofree char *user_pin = tanba_control_panel_pin_state_text (info, TANBA_ROLE_USER);
    g_autofree char *admin_pin = tanba_control_panel_pin_state_text (info, TANBA_ROLE_ADMIN);
    g_autofree char *space = tanba_control_panel_free_space_text (info);
    g_autofree char *registration = tanba_control_panel_registration_text (self->state->marker,
                                                                           self->state->marker_error);

    add_info_row (self, _("Name"), token_name (self));
    add_info_row (self, _("Label"), label);
    add_info_row (self, _("Manufacturer"), info->manufacturer != NULL ? info->manufacturer : "");
    add_info_row (self, _("Model"), info->model != NULL ? info->model : "");
    add_info_row (self, _("Serial number"), info->serial != NULL ? info->serial : "");
    add_info_row (self, _("User PIN"), user_pin);
    add_info_row (self, _("Administrator PIN"), admin_pin);
    add_info_row (self, _("Free space"), space);
    add_info_row (self, _("Registration"), registration);
  }
}

static void
update_login_state (TanbaControlPanelWindow *self)
{
  g_autoptr(GString) status = g_string_new (NULL);
  guint n_tokens = self->token_serials->len;

  if (self->module == NULL)
    g_string_append (status, self->module_error != NULL ? self->module_error : "");
  else if (n_tokens == 0)
    g_string_append (status, _("No token is connected. Connect your token: it appears here within a second."));
  else
    {
      g_string_append_printf (status, g_dngettext (GETTEXT_PACKAGE, "%u token connected.", "%u tokens connected.",
                                                   n_tokens),
                              n_tokens);
      g_string_append_c (status, ' ');
      g_string_append (status, role_text (self->role));
    }
  gtk_label_set_text (GTK_LABEL (self->tokens_status_label), status->str);

  tanba_gui_button_set_label (self->login_button,
                              self->role == TANBA_ROLE_NONE ? _("_Enter PIN…") : _("_Log Out"));
  if (self->spoken != self->login_button)
    tanba_gui_set_description (self->login_button, NULL);
  gtk_widget_set_sensitive (self->login_button, self->token != NULL);
  gtk_widget_set_sensitive (self->unblock_button, self->token != NULL);
  gtk_widget_set_sensitive (self->change_button, self->token != NULL);
  gtk_widget_set_sensitive (self->rename_button, self->token != NULL);
  gtk_widget_set_sensitive (self->format_button, self->token != NULL);
}

static void
update_certificates (TanbaControlPanelWindow *self)
{
  TanbaControlPanelCertificates *page = TANBA_CONTROL_PANEL_CERTIFICATES (self->certificates_page);

  /* "Renew…" renews this token's certificates (helper "signin"). */
  tanba_control_panel_certificates_set_token (page, self->token);
  if (self->state == NULL)
    tanba_control_panel_certificates_set_certificates (page, NULL, self->token != NULL ? _("Reading the token…") : NULL);
  else
    tanba_control_panel_certificates_set_certificates (page, self->state->certificates,
                                                       self->state->certificates_error);
}

static void
set_token (TanbaControlPanelWindow *self,
           const char              *serial)
{
  g_autoptr(GError) error = NULL;

  if (self->token != NULL && g_strcmp0 (serial, tanba_token_get_serial (self->token)) == 0)
    return;

  /* Another token (or none): the login and any dialog belong to the old one. */
  close_dialog (self);
  forget_pin (self);
  g_clear_pointer (&self->token, tanba_token_unref);
  g_clear_pointer (&self->state, tanba_control_panel_token_state_free);
  self->state_serial++;
  if (serial != NULL && self->module != NULL)
    {
      self->token = tanba_token_open (self->module, serial, &error);
      if (self->token == NULL)
        say (self, NULL, error->message, TRUE);
    }
  update_login_state (self);
  update_info (self);
  update_certificates (self);
  if (self->token != NULL)
    refresh_state (self);
}

static void
update_tokens (TanbaControlPanelWindow *self)
{
  GPtrArray *tokens = self->monitor != NULL ? tanba_token_monitor_get_tokens (self->monitor) : NULL;
  const char *current = self->token != NULL ? tanba_token_get_serial (self->token) : NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  guint selected = GTK_INVALID_LIST_POSITION;

  g_ptr_array_set_size (self->token_serials, 0);
  for (guint i = 0; tokens != NULL && i < tokens->len; i++)
    {
      TanbaTokenInfo *info = g_ptr_array_index (tokens, i);
      g_autofree char *label = tanba_token_info_dup_display_label (info);

      if (tanba_token_info_is_initialized (info))
        /* Translators: a token in the chooser: its label, model and serial number. */
        g_ptr_array_add (names, g_strdup_printf (_("%s (%s, serial number %s)"), label, info->model, info->serial));
      else
        /* Translators: a token in the chooser that was never initialized
         * (no serial number yet; Format initializes it): its label and model. */
        g_ptr_array_add (names, g_strdup_printf (_("%s (%s, not initialized)"), label, info->model));
      g_ptr_array_add (self->token_serials, g_strdup (info->serial));
      if (g_strcmp0 (info->serial, current) == 0)
        selected = i;
    }
  g_ptr_array_add (names, NULL);
  if (current != NULL && selected == GTK_INVALID_LIST_POSITION)
    say (self, NULL, _("The token was removed. Connect it again to go on; you will need to enter the PIN again."), TRUE);
  /* Opened for a token (to renew it): chosen as soon as it is connected,
   * unless the user is working with another one meanwhile (logged in, a
   * dialog open, an operation under way). */
  if (self->wanted_serial != NULL && current != NULL
      && (self->role != TANBA_ROLE_NONE || self->dialog != NULL || self->busy))
    g_clear_pointer (&self->wanted_serial, g_free);
  for (guint i = 0; self->wanted_serial != NULL && i < self->token_serials->len; i++)
    if (g_strcmp0 (g_ptr_array_index (self->token_serials, i), self->wanted_serial) == 0)
      selected = i;

  self->updating_tokens = TRUE;
  gtk_string_list_splice (self->token_names, 0, g_list_model_get_n_items (G_LIST_MODEL (self->token_names)),
                          (const char *const *) names->pdata);
  /* Nothing chosen yet: the first initialized token (SoftHSM and some readers
   * also list an empty, uninitialized one). */
  for (guint i = 0; selected == GTK_INVALID_LIST_POSITION && tokens != NULL && i < tokens->len; i++)
    if (tanba_token_info_is_initialized (g_ptr_array_index (tokens, i)))
      selected = i;
  if (selected == GTK_INVALID_LIST_POSITION && self->token_serials->len > 0)
    selected = 0;
  gtk_drop_down_set_selected (GTK_DROP_DOWN (self->token_dropdown), selected);
  self->updating_tokens = FALSE;
  tanba_control_panel_name_drop_down (self->token_dropdown, self->token_label);

  set_token (self, selected != GTK_INVALID_LIST_POSITION ? g_ptr_array_index (self->token_serials, selected) : NULL);
  update_login_state (self);
}

/* ---- reading the token ----------------------------------------------------- */

typedef struct
{
  TanbaControlPanelWindow *self;
  guint                    serial;
} ReadData;

/* The token the panel was opened for is chosen and was read (@read) or
 * could not be: once, either way, so that the focus is not pulled away
 * later, "Renew…" gets it, if the Certificates tab is still the one shown. */
static void
renew_focus_once (TanbaControlPanelWindow *self,
                  gboolean                 read)
{
  GtkNotebook *notebook = GTK_NOTEBOOK (self->notebook);

  g_clear_pointer (&self->wanted_serial, g_free);
  if (read && gtk_notebook_get_current_page (notebook) == gtk_notebook_page_num (notebook, self->certificates_page))
    tanba_control_panel_certificates_focus_renew (TANBA_CONTROL_PANEL_CERTIFICATES (self->certificates_page));
}

static void
read_state_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  ReadData *data = user_data;
  TanbaControlPanelWindow *self = data->self;
  g_autoptr(GError) error = NULL;
  TanbaControlPanelTokenState *state;

  state = tanba_control_panel_read_state_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || data->serial != self->state_serial)
    {
      tanba_control_panel_token_state_free (state);
      g_object_unref (self);
      g_free (data);
      return;
    }
  g_clear_pointer (&self->state, tanba_control_panel_token_state_free);
  self->state = state;
  if (state == NULL)
    say (self, NULL, error->message, TRUE);
  update_info (self);
  update_certificates (self);
  if (self->wanted_serial != NULL && self->token != NULL
      && g_strcmp0 (tanba_token_get_serial (self->token), self->wanted_serial) == 0)
    renew_focus_once (self, state != NULL);
  if (self->dialog != NULL && TANBA_IS_CONTROL_PANEL_LOGIN_DIALOG (self->dialog) && state != NULL)
    tanba_control_panel_login_dialog_set_info (TANBA_CONTROL_PANEL_LOGIN_DIALOG (self->dialog), state->info);
  g_object_unref (self);
  g_free (data);
}

static void
refresh_state (TanbaControlPanelWindow *self)
{
  ReadData *data;

  if (self->token == NULL)
    return;
  data = g_new0 (ReadData, 1);
  data->self = g_object_ref (self);
  data->serial = ++self->state_serial;
  tanba_control_panel_read_state_async (self->token, self->cancellable, read_state_cb, data);
}

/* ---- login ----------------------------------------------------------------- */

static void
login_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(TanbaControlPanelWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  TanbaControlPanelLoginDialog *dialog;

  if (!tanba_control_panel_operation_finish (result, &error))
    {
      g_autoptr(TanbaTokenInfo) info = NULL;

      self->busy = FALSE;
      g_clear_pointer (&self->pending_pin, tanba_control_panel_secret_free);
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      if (self->dialog == NULL || !TANBA_IS_CONTROL_PANEL_LOGIN_DIALOG (self->dialog))
        {
          say (self, self->login_button, error->message, TRUE);
          return;
        }
      dialog = TANBA_CONTROL_PANEL_LOGIN_DIALOG (self->dialog);
      /* The flags changed with the wrong PIN: show them before the next try. */
      if (self->token != NULL)
        info = tanba_token_get_info (self->token, NULL);
      if (info != NULL)
        tanba_control_panel_login_dialog_set_info (dialog, info);
      tanba_control_panel_login_dialog_show_error (dialog, error->message);
      refresh_state (self);
      return;
    }

  self->busy = FALSE;
  forget_pin (self);
  self->role = self->pending_role;
  self->pin = g_steal_pointer (&self->pending_pin);
  if (self->dialog != NULL)
    {
      /* Keep the pending action past the dialog's destruction. */
      PendingAction pending = self->pending;
      GtkWindow *closing = g_steal_pointer (&self->dialog);

      g_signal_handlers_disconnect_by_data (closing, self);
      gtk_window_destroy (closing);
      self->pending = pending;
    }
  update_login_state (self);
  say (self, self->login_button, role_text (self->role), FALSE);
  refresh_state (self);
  run_pending (self);
}

static void
login_submit_cb (TanbaControlPanelWindow      *self,
                 TanbaControlPanelLoginDialog *dialog)
{
  if (self->busy || self->token == NULL)
    return;
  self->busy = TRUE;
  g_clear_pointer (&self->pending_pin, tanba_control_panel_secret_free);
  self->pending_pin = tanba_control_panel_login_dialog_dup_pin (dialog);
  self->pending_role = tanba_control_panel_login_dialog_get_role (dialog);
  tanba_control_panel_login_dialog_set_busy (dialog, TRUE);
  tanba_control_panel_login_async (self->token, self->pending_role, self->pending_pin, self->cancellable,
                                   login_done_cb, g_object_ref (self));
}

/* Asks for @role's PIN; @pending runs once it is in. */
static void
ask_login (TanbaControlPanelWindow *self,
           TanbaRole                role,
           PendingAction            pending,
           const char              *reason)
{
  TanbaControlPanelLoginDialog *dialog;

  dialog = tanba_control_panel_login_dialog_new (GTK_WINDOW (self), token_name (self),
                                                 self->state != NULL ? self->state->info : NULL, role);
  if (reason != NULL)
    tanba_control_panel_login_dialog_set_reason (dialog, reason);
  g_signal_connect_swapped (dialog, "submit", G_CALLBACK (login_submit_cb), self);
  show_dialog (self, GTK_WINDOW (dialog));
  self->pending = pending;
}

static void
logout_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(TanbaControlPanelWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  self->busy = FALSE;
  if (!tanba_control_panel_operation_finish (result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        say (self, self->login_button, error->message, TRUE);
      return;
    }
  update_login_state (self);
  say (self, self->login_button, _("Logged out."), FALSE);
}

/* ---- operations ------------------------------------------------------------ */

static gboolean
check_idle (TanbaControlPanelWindow *self,
            GtkWidget               *widget)
{
  /* A mnemonic activates the button without focusing it: focus it, so the
   * focus comes back to it after the dialog, where the result is said. */
  gtk_widget_grab_focus (widget);
  if (self->token == NULL)
    {
      say (self, widget, _("Connect a token and choose it first."), TRUE);
      return FALSE;
    }
  if (self->busy)
    {
      say (self, widget, _("Wait until the operation on the token is finished."), FALSE);
      return FALSE;
    }
  return TRUE;
}

/* The start of an operation's callback: not busy any more. When the
 * operation failed (and was not cancelled), says why: in the dialog it came
 * from while that is open (nothing else opens while the panel is busy), else
 * through @button; and after an operation with the PIN held (@with_pin),
 * forgets a PIN the token refused or locked, and reads the token again for
 * its new flags. Returns whether the operation succeeded. */
static gboolean
operation_succeeded (TanbaControlPanelWindow *self,
                     GAsyncResult            *result,
                     GtkWidget               *button,
                     gboolean                 with_pin)
{
  g_autoptr(GError) error = NULL;

  self->busy = FALSE;
  if (tanba_control_panel_operation_finish (result, &error))
    return TRUE;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return FALSE;
  if (g_error_matches (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_REGISTRATION_UNFINISHED))
    show_refusal (self, error->message);
  else if (self->dialog != NULL && TANBA_IS_CONTROL_PANEL_PIN_DIALOG (self->dialog))
    tanba_control_panel_pin_dialog_show_error (TANBA_CONTROL_PANEL_PIN_DIALOG (self->dialog), error->message);
  else if (self->dialog != NULL && TANBA_IS_CONTROL_PANEL_NAME_DIALOG (self->dialog))
    tanba_control_panel_name_dialog_show_error (TANBA_CONTROL_PANEL_NAME_DIALOG (self->dialog), error->message);
  else
    say (self, button, error->message, TRUE);
  if (!with_pin)
    return FALSE;
  if (g_error_matches (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_PIN_INCORRECT)
      || g_error_matches (error, TANBA_TOKEN_ERROR, TANBA_TOKEN_ERROR_PIN_LOCKED))
    {
      forget_pin (self);
      update_login_state (self);
    }
  refresh_state (self);
  return FALSE;
}

static void
unblock_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(TanbaControlPanelWindow) self = user_data;

  if (!operation_succeeded (self, result, self->unblock_button, TRUE))
    return;
  close_dialog (self);
  say (self, self->unblock_button,
       _("PIN unblocked. The user can log in with the new user PIN now."), FALSE);
  refresh_state (self);
}

static void
change_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(TanbaControlPanelWindow) self = user_data;

  if (!operation_succeeded (self, result, self->change_button, TRUE))
    {
      g_clear_pointer (&self->pending_pin, tanba_control_panel_secret_free);
      return;
    }
  /* The new PIN is the one that logs this role in from now on. */
  tanba_control_panel_secret_free (self->pin);
  self->pin = g_steal_pointer (&self->pending_pin);
  close_dialog (self);
  say (self, self->change_button,
       self->role == TANBA_ROLE_ADMIN ? _("PIN changed. The administrator PIN is the new one now.")
                                      : _("PIN changed. Use the new user PIN from now on."),
       FALSE);
  refresh_state (self);
}

static void
pin_submit_cb (TanbaControlPanelWindow    *self,
               TanbaControlPanelPinDialog *dialog)
{
  g_autofree char *new_pin = NULL;

  if (self->busy || self->token == NULL || self->pin == NULL)
    return;
  new_pin = tanba_control_panel_pin_dialog_dup_pin (dialog);
  self->busy = TRUE;
  tanba_control_panel_pin_dialog_set_busy (dialog, TRUE);
  if (tanba_control_panel_pin_dialog_get_mode (dialog) == TANBA_CONTROL_PANEL_PIN_UNBLOCK_USER)
    tanba_control_panel_unblock_async (self->token, self->pin, new_pin, self->cancellable,
                                       unblock_done_cb, g_object_ref (self));
  else
    {
      g_clear_pointer (&self->pending_pin, tanba_control_panel_secret_free);
      self->pending_pin = tanba_control_panel_secret_dup (new_pin);
      tanba_control_panel_change_pin_async (self->token, self->role, self->pin, new_pin, self->cancellable,
                                            change_done_cb, g_object_ref (self));
    }
  explicit_bzero (new_pin, strlen (new_pin));
}

static gsize
max_pin_len (TanbaControlPanelWindow *self)
{
  if (self->state == NULL || self->state->info == NULL)
    return 0;
  return self->state->info->max_pin_len;
}

static void
open_pin_dialog (TanbaControlPanelWindow *self,
                 TanbaControlPanelPinMode mode)
{
  TanbaControlPanelPinDialog *dialog;

  dialog = tanba_control_panel_pin_dialog_new (GTK_WINDOW (self), mode, token_name (self), max_pin_len (self));
  g_signal_connect_swapped (dialog, "submit", G_CALLBACK (pin_submit_cb), self);
  show_dialog (self, GTK_WINDOW (dialog));
}

static void
rename_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(TanbaControlPanelWindow) self = user_data;

  if (!operation_succeeded (self, result, self->rename_button, FALSE))
    return;
  close_dialog (self);
  say (self, self->rename_button, _("The token name was saved."), FALSE);
  refresh_state (self);
}

static void
name_submit_cb (TanbaControlPanelWindow     *self,
                TanbaControlPanelNameDialog *dialog)
{
  if (self->busy || self->token == NULL)
    return;
  self->busy = TRUE;
  tanba_control_panel_name_dialog_set_busy (dialog, TRUE);
  tanba_control_panel_rename_async (self->token, tanba_control_panel_name_dialog_get_name (dialog),
                                    self->cancellable, rename_done_cb, g_object_ref (self));
}

static void
open_name_dialog (TanbaControlPanelWindow *self)
{
  TanbaControlPanelNameDialog *dialog;
  const char *current = "";

  /* Start from the name set, not from "<no label>". */
  if (self->state != NULL && self->state->info != NULL && self->state->info->label != NULL
      && self->state->info->label[0] != '\0')
    current = token_name (self);
  else if (self->state != NULL && self->state->info != NULL)
    {
      g_autofree char *display = tanba_token_info_dup_display_label (self->state->info);

      if (g_strcmp0 (display, token_name (self)) != 0)
        current = token_name (self);
    }
  dialog = tanba_control_panel_name_dialog_new (GTK_WINDOW (self), current);
  g_signal_connect_swapped (dialog, "submit", G_CALLBACK (name_submit_cb), self);
  show_dialog (self, GTK_WINDOW (dialog));
}

static void
continue_registration (TanbaControlPanelWindow *self)
{
  const char *serial = self->token != NULL ? tanba_token_get_serial (self->token) : "";

  if (!gtk_widget_activate_action (GTK_WIDGET (self), "app.continue-registration", "s", serial))
    say (self, self->format_button,
         _("The registration wizard is not available here. Start Tanba and choose this token to continue the registration."),
         TRUE);
}

static void
refused_response_cb (TanbaControlPanelWindow *self,
                     const char              *response)
{
  if (g_strcmp0 (response, TANBA_FORMAT_RESPONSE_CONTINUE) == 0)
    continue_registration (self);
}

static void
show_refusal (TanbaControlPanelWindow *self,
              const char              *reason)
{
  AdwMessageDialog *dialog;
  const char *user_id = self->state != NULL && self->state->marker != NULL ? self->state->marker->user_id : NULL;

  say (self, self->format_button, reason, TRUE);
  dialog = tanba_control_panel_format_refused_dialog_new (GTK_WINDOW (self), reason, user_id);
  g_signal_connect_object (dialog, "response", G_CALLBACK (refused_response_cb), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
format_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(TanbaControlPanelWindow) self = user_data;

  if (!operation_succeeded (self, result, self->format_button, TRUE))
    return;
  /* Formatting closes every session: nobody is logged in now. */
  forget_pin (self);
  update_login_state (self);
  say (self, self->format_button,
       _("The token was formatted: its keys and certificates are gone, the name is cleared and the user PIN is 12345678."),
       FALSE);
  refresh_state (self);
}

static void
format_response_cb (TanbaControlPanelWindow *self,
                    const char              *response)
{
  if (g_strcmp0 (response, TANBA_FORMAT_RESPONSE_FORMAT) != 0)
    {
      say (self, self->format_button, _("The token was not formatted."), FALSE);
      return;
    }
  if (self->token == NULL || self->pin == NULL || self->role != TANBA_ROLE_ADMIN || self->busy)
    return;
  self->busy = TRUE;
  say (self, self->format_button, _("Formatting the token… This may take a minute."), FALSE);
  tanba_control_panel_format_async (self->token, self->pin, self->cancellable,
                                    format_done_cb, g_object_ref (self));
}

static gboolean
registration_unfinished (TanbaControlPanelWindow *self)
{
  return self->state != NULL && self->state->marker != NULL
         && !tanba_registration_marker_is_finished (self->state->marker);
}

static void
open_format_dialog (TanbaControlPanelWindow *self)
{
  AdwMessageDialog *dialog;
  int n_certificates = self->state != NULL && self->state->certificates != NULL
                       ? (int) self->state->certificates->len : -1;

  dialog = tanba_control_panel_format_dialog_new (GTK_WINDOW (self), token_name (self),
                                                  tanba_token_get_serial (self->token), n_certificates);
  g_signal_connect_object (dialog, "response", G_CALLBACK (format_response_cb), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Runs @action now if the role it needs is logged in, else asks for the role. */
static void
start_action (TanbaControlPanelWindow *self,
              PendingAction            action)
{
  switch (action)
    {
    case PENDING_UNBLOCK:
      if (self->role != TANBA_ROLE_ADMIN)
        ask_login (self, TANBA_ROLE_ADMIN, action,
                   self->role == TANBA_ROLE_USER
                   ? _("Unblocking the user PIN needs the administrator. Logging in as administrator logs the user out.")
                   : _("Unblocking the user PIN needs the administrator PIN."));
      else
        open_pin_dialog (self, TANBA_CONTROL_PANEL_PIN_UNBLOCK_USER);
      break;

    case PENDING_CHANGE_PIN:
      if (self->role == TANBA_ROLE_NONE)
        ask_login (self, TANBA_ROLE_USER, action,
                   _("Log in with the PIN you want to change: the user PIN or the administrator PIN."));
      else
        open_pin_dialog (self, self->role == TANBA_ROLE_ADMIN ? TANBA_CONTROL_PANEL_PIN_CHANGE_ADMIN
                                                              : TANBA_CONTROL_PANEL_PIN_CHANGE_USER);
      break;

    case PENDING_RENAME:
      if (self->role == TANBA_ROLE_NONE)
        ask_login (self, TANBA_ROLE_USER, action, _("Setting the token name needs the user or administrator PIN."));
      else
        open_name_dialog (self);
      break;

    case PENDING_FORMAT:
      if (registration_unfinished (self))
        {
          show_refusal (self, _("The token cannot be formatted: a registration on it is unfinished, and formatting would destroy its keys. Continue the registration first."));
          return;
        }
      if (self->role != TANBA_ROLE_ADMIN)
        ask_login (self, TANBA_ROLE_ADMIN, action,
                   self->role == TANBA_ROLE_USER
                   ? _("Formatting needs the administrator. Logging in as administrator logs the user out.")
                   : _("Formatting needs the administrator PIN."));
      else
        open_format_dialog (self);
      break;

    case PENDING_NONE:
    default:
      break;
    }
}

static void
run_pending (TanbaControlPanelWindow *self)
{
  PendingAction action = self->pending;

  self->pending = PENDING_NONE;
  start_action (self, action);
}

/* ---- callbacks ------------------------------------------------------------- */

static void
token_selected_cb (TanbaControlPanelWindow *self)
{
  guint selected;

  if (self->updating_tokens)
    return;
  /* The user chose: the token the panel was opened for no longer counts. */
  g_clear_pointer (&self->wanted_serial, g_free);
  tanba_control_panel_name_drop_down (self->token_dropdown, self->token_label);
  selected = gtk_drop_down_get_selected (GTK_DROP_DOWN (self->token_dropdown));
  set_token (self, selected < self->token_serials->len ? g_ptr_array_index (self->token_serials, selected) : NULL);
}

static void
tokens_changed_cb (TanbaControlPanelWindow *self,
                   gpointer                 info)
{
  update_tokens (self);
}

static void
token_changed_cb (TanbaControlPanelWindow *self,
                  TanbaTokenInfo          *info)
{
  update_tokens (self);
  if (self->token != NULL && info != NULL && g_strcmp0 (info->serial, tanba_token_get_serial (self->token)) == 0)
    refresh_state (self);
}

static void
login_clicked_cb (TanbaControlPanelWindow *self)
{
  if (!check_idle (self, self->login_button))
    return;
  if (self->role == TANBA_ROLE_NONE)
    {
      ask_login (self, TANBA_ROLE_USER, PENDING_NONE, NULL);
      return;
    }
  forget_pin (self);
  self->busy = TRUE;
  tanba_control_panel_logout_async (self->token, self->cancellable, logout_done_cb, g_object_ref (self));
}

static void
unblock_clicked_cb (TanbaControlPanelWindow *self)
{
  if (check_idle (self, self->unblock_button))
    start_action (self, PENDING_UNBLOCK);
}

static void
change_clicked_cb (TanbaControlPanelWindow *self)
{
  if (check_idle (self, self->change_button))
    start_action (self, PENDING_CHANGE_PIN);
}

static void
rename_clicked_cb (TanbaControlPanelWindow *self)
{
  if (check_idle (self, self->rename_button))
    start_action (self, PENDING_RENAME);
}

static void
format_clicked_cb (TanbaControlPanelWindow *self)
{
  if (check_idle (self, self->format_button))
    start_action (self, PENDING_FORMAT);
}

static void
about_clicked_cb (TanbaControlPanelWindow *self)
{
  const char *developers[] = { _("Tanba developers"), NULL };
  GtkWidget *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", self,
                        "modal", TRUE,
                        "application-name", "Tanba",
                        "application-icon", APP_ID,
                        "version", PACKAGE_VERSION,
                        "developer-name", _("Tanba developers"),
                        "developers", developers,
                        "license-type", GTK_LICENSE_GPL_3_0,
                        "website", "https://tanba.kz/",
                        "issue-url", "https://tanba.kz/issues/",
                        "comments", _("Registers your token with the bank, gets certificates, signs documents and signs you in to internet banking."),
                        /* Translators: put your names here, one a line. */
                        "translator-credits", _("translator-credits"),
                        NULL);
  gtk_window_present (GTK_WINDOW (about));
}

/* ---- overrides ------------------------------------------------------------- */

static void
tanba_control_panel_window_dispose (GObject *object)
{
  TanbaControlPanelWindow *self = TANBA_CONTROL_PANEL_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  if (self->monitor != NULL)
    g_signal_handlers_disconnect_by_data (self->monitor, self);
  close_dialog (self);
  forget_pin (self);
  g_clear_object (&self->monitor);
  gtk_widget_dispose_template (GTK_WIDGET (self), TANBA_TYPE_CONTROL_PANEL_WINDOW);
  G_OBJECT_CLASS (tanba_control_panel_window_parent_class)->dispose (object);
}

static void
tanba_control_panel_window_finalize (GObject *object)
{
  TanbaControlPanelWindow *self = TANBA_CONTROL_PANEL_WINDOW (object);

  g_clear_pointer (&self->token, tanba_token_unref);
  g_clear_pointer (&self->state, tanba_control_panel_token_state_free);
  g_clear_pointer (&self->module, tanba_module_unref);
  g_clear_pointer (&self->token_serials, g_ptr_array_unref);
  g_clear_object (&self->token_names);
  g_clear_object (&self->cancellable);
  g_free (self->module_error);
  g_free (self->result);
  g_free (self->wanted_serial);
  G_OBJECT_CLASS (tanba_control_panel_window_parent_class)->finalize (object);
}

static void
tanba_control_panel_window_class_init (TanbaControlPanelWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tanba_control_panel_window_dispose;
  object_class->finalize = tanba_control_panel_window_finalize;

  g_type_ensure (TANBA_TYPE_CONTROL_PANEL_CERTIFICATES);
  g_type_ensure (TANBA_TYPE_CONTROL_PANEL_SETTINGS);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               TANBA_CONTROL_PANEL_UI ("tanba-control-panel-window.ui"));
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, TanbaControlPanelWindow, name)
  BIND (notebook);
  BIND (admin_tab_label);
  BIND (certificates_tab_label);
  BIND (settings_tab_label);
  BIND (about_tab_label);
  BIND (admin_scrolled);
  BIND (about_scrolled);
  BIND (admin_page);
  BIND (tokens_group);
  BIND (tokens_heading);
  BIND (token_label);
  BIND (token_dropdown);
  BIND (login_button);
  BIND (tokens_status_label);
  BIND (info_group);
  BIND (info_heading);
  BIND (info_list);
  BIND (pin_group);
  BIND (pin_heading);
  BIND (unblock_description);
  BIND (unblock_button);
  BIND (change_description);
  BIND (change_button);
  BIND (name_group);
  BIND (name_heading);
  BIND (name_description);
  BIND (rename_button);
  BIND (format_group);
  BIND (format_heading);
  BIND (format_description);
  BIND (format_button);
  BIND (result_label);
  BIND (certificates_page);
  BIND (settings_page);
  BIND (about_page);
  BIND (about_heading);
  BIND (version_label);
  BIND (about_button);
#undef BIND
  gtk_widget_class_bind_template_callback (widget_class, token_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, login_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, unblock_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, change_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, rename_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, format_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, about_clicked_cb);
}

static void
label_group (GtkWidget *group,
             GtkWidget *heading)
{
  gtk_accessible_update_relation (GTK_ACCESSIBLE (group),
                                  GTK_ACCESSIBLE_RELATION_LABELLED_BY, heading, NULL,
                                  -1);
}

static void
name_tab (GtkWidget *tab_label)
{
  GtkWidget *tab = gtk_widget_get_parent (tab_label);

  /* The notebook's tab widget is otherwise named after its class. */
  if (tab != NULL)
    tanba_gui_set_name (tab, gtk_label_get_text (GTK_LABEL (tab_label)));
}

/* A token's certificates were renewed: take back the expiry notifications
 * about it (the application sent them), and read the chosen token again. */
static void
renewed_cb (TanbaControlPanelWindow *self,
            const char              *serial)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  if (app != NULL && serial != NULL)
    tanba_expiry_withdraw (G_APPLICATION (app), serial);
  if (self->token != NULL)
    refresh_state (self);
}

static void
tanba_control_panel_window_init (TanbaControlPanelWindow *self)
{
  g_autofree char *version = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->role = TANBA_ROLE_NONE;
  self->cancellable = g_cancellable_new ();
  self->token_serials = g_ptr_array_new_with_free_func (g_free);
  self->token_names = gtk_string_list_new (NULL);
  gtk_drop_down_set_model (GTK_DROP_DOWN (self->token_dropdown), G_LIST_MODEL (self->token_names));

  /* Names and relations. */
  tanba_gui_label_for (self->token_label, self->token_dropdown);
  tanba_gui_fix_mnemonic_name (self->login_button);
  tanba_gui_fix_mnemonic_name (self->unblock_button);
  tanba_gui_fix_mnemonic_name (self->change_button);
  tanba_gui_fix_mnemonic_name (self->rename_button);
  tanba_gui_fix_mnemonic_name (self->format_button);
  tanba_gui_fix_mnemonic_name (self->about_button);
  tanba_gui_described_by (self->token_dropdown, self->tokens_status_label);
  tanba_gui_described_by (self->login_button, self->tokens_status_label);
  tanba_gui_described_by (self->unblock_button, self->unblock_description);
  tanba_gui_described_by (self->change_button, self->change_description);
  tanba_gui_described_by (self->rename_button, self->name_description);
  tanba_gui_described_by (self->format_button, self->format_description);
  label_group (self->tokens_group, self->tokens_heading);
  label_group (self->info_group, self->info_heading);
  label_group (self->info_list, self->info_heading);
  label_group (self->pin_group, self->pin_heading);
  label_group (self->name_group, self->name_heading);
  label_group (self->format_group, self->format_heading);
  label_group (self->about_page, self->about_heading);
  /* The pages' controls take the focus themselves: a focusable scrolled
   * window would be an unnamed stop in the tab order (GTK 4.8 drops its name). */
  gtk_widget_set_focusable (self->admin_scrolled, FALSE);
  gtk_widget_set_focusable (self->about_scrolled, FALSE);
  tanba_gui_set_name (self->notebook, _("Control panel sections"));
  tanba_control_panel_name_drop_down (self->token_dropdown, self->token_label);
  name_tab (self->admin_tab_label);
  name_tab (self->certificates_tab_label);
  name_tab (self->settings_tab_label);
  name_tab (self->about_tab_label);

  /* Translators: %s is the program's version. */
  version = g_strdup_printf (_("Version %s"), PACKAGE_VERSION);
  gtk_label_set_text (GTK_LABEL (self->version_label), version);

  tanba_control_panel_refocus_on_activate (GTK_WINDOW (self));
  /* After a renewal the token has new keys and certificates: read it again. */
  g_signal_connect_object (self->certificates_page, "renewed", G_CALLBACK (renewed_cb), self,
                           G_CONNECT_SWAPPED);
  update_login_state (self);
  update_info (self);
}

/* ---- public API ------------------------------------------------------------ */

GtkWindow *
tanba_control_panel_window_new_for_module (AdwApplication *app,
                                           const char     *module_path)
{
  TanbaControlPanelWindow *self;
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (app == NULL || ADW_IS_APPLICATION (app), NULL);

  self = g_object_new (TANBA_TYPE_CONTROL_PANEL_WINDOW,
                       "application", app,
                       NULL);
  if (module_path == NULL && app != NULL)
    module_path = g_object_get_data (G_OBJECT (app), "tanba-module-path");
  path = tanba_module_resolve_path (module_path);
  self->module = tanba_module_open (path, &error);
  if (self->module == NULL)
    {
      /* Translators: %s says why the PKCS#11 module did not load. */
      self->module_error = g_strdup_printf (_("Tokens cannot be reached: %s Check the PKCS#11 module on the Settings tab."),
                                            error->message);
      update_login_state (self);
      return GTK_WINDOW (self);
    }

  self->monitor = tanba_token_monitor_new (self->module, TANBA_TOKEN_MONITOR_DEFAULT_INTERVAL_MS);
  g_signal_connect_swapped (self->monitor, "token-added", G_CALLBACK (tokens_changed_cb), self);
  g_signal_connect_swapped (self->monitor, "token-removed", G_CALLBACK (tokens_changed_cb), self);
  g_signal_connect_swapped (self->monitor, "token-changed", G_CALLBACK (token_changed_cb), self);
  tanba_token_monitor_poll_now (self->monitor);
  update_tokens (self);
  return GTK_WINDOW (self);
}

GtkWindow *
tanba_control_panel_window_new (AdwApplication *app)
{
  return tanba_control_panel_window_new_for_module (app, NULL);
}

void
tanba_control_panel_window_show_renewal (TanbaControlPanelWindow *self,
                                         const char              *serial)
{
  g_return_if_fail (TANBA_IS_CONTROL_PANEL_WINDOW (self));

  gtk_notebook_set_current_page (GTK_NOTEBOOK (self->notebook),
                                 gtk_notebook_page_num (GTK_NOTEBOOK (self->notebook), self->certificates_page));
  g_free (self->wanted_serial);
  self->wanted_serial = serial != NULL && serial[0] != '\0' ? g_strdup (serial) : NULL;
  if (self->wanted_serial == NULL)
    return;
  if (self->token != NULL && g_strcmp0 (tanba_token_get_serial (self->token), serial) == 0)
    {
      /* Chosen already; its certificates are read, or "Renew…" is focused
       * when they are. */
      if (self->state != NULL)
        renew_focus_once (self, TRUE);
      return;
    }
  /* Another token was chosen: this one, if it is connected; else when it comes. */
  update_tokens (self);
}

TanbaRole
tanba_control_panel_window_get_role (TanbaControlPanelWindow *self)
{
  g_return_val_if_fail (TANBA_IS_CONTROL_PANEL_WINDOW (self), TANBA_ROLE_NONE);

  return self->role;
}

const char *
tanba_control_panel_window_get_result (TanbaControlPanelWindow *self)
{
  g_return_val_if_fail (TANBA_IS_CONTROL_PANEL_WINDOW (self), NULL);

  return self->result;
}
