/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-control-panel-login-dialog.c: "Enter PIN…" as the user or the administrator. */
#include "config.h"

#include "tanba-i18n.h"
#include "tanba-control-panel-login-dialog.h"
#include "tanba-control-panel-operations.h"
#include "tanba-control-panel-private.h"
#include "tanba-gui-util.h"

struct _TanbaControlPanelLoginDialog
{
  AdwWindow       parent_instance;

  GtkWidget      *cancel_button;
  GtkWidget      *login_button;
  GtkWidget      *content;
  GtkWidget      *heading_label;
  GtkWidget      *reason_label;
  GtkWidget      *role_box;
  GtkWidget      *role_label;
  GtkWidget      *user_radio;
  GtkWidget      *admin_radio;
  GtkWidget      *status_label;
  GtkWidget      *pin_label;
  GtkWidget      *pin_entry;
  GtkWidget      *spinner;
  GtkWidget      *message_label;

  TanbaTokenInfo *info;
  char           *status;
  char           *error;
  gboolean        locked;
  gboolean        busy;
};

G_DEFINE_FINAL_TYPE (TanbaControlPanelLoginDialog, tanba_control_panel_login_dialog, ADW_TYPE_WINDOW)

enum
{
  SUBMIT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ---- helpers --------------------------------------------------------------- */

char *
tanba_control_panel_pin_status_text (const TanbaTokenInfo *info,
                                     TanbaRole             role,
                                     gboolean             *locked)
{
  gboolean is_locked;
  char *text = NULL;

  if (locked != NULL)
    *locked = FALSE;
  if (info == NULL)
    return NULL;

  if (role == TANBA_ROLE_ADMIN)
    {
      is_locked = tanba_token_info_so_pin_locked (info);
      if (is_locked)
        text = g_strdup (_("The administrator PIN is locked after too many wrong attempts. The token can no longer be administered; contact your bank."));
      else if (tanba_token_info_so_pin_final_try (info))
        text = g_strdup (_("Last try: only one try is left for the administrator PIN. Another wrong PIN locks it."));
      else if (tanba_token_info_so_pin_count_low (info))
        text = g_strdup (_("Few tries left: the administrator PIN was entered wrong before. Type it carefully."));
    }
  else
    {
      is_locked = tanba_token_info_user_pin_locked (info);
      if (is_locked)
        text = g_strdup (_("The user PIN is locked after too many wrong attempts. Log in as administrator and unblock it."));
      else if (tanba_token_info_user_pin_final_try (info))
        text = g_strdup (_("Last try: only one try is left for the user PIN. Another wrong PIN locks the token."));
      else if (tanba_token_info_user_pin_count_low (info))
        text = g_strdup (_("Few tries left: the user PIN was entered wrong before. Type it carefully."));
      else if (!tanba_token_info_user_pin_set (info))
        text = g_strdup (_("The user PIN is not set on this token. Log in as administrator to format it."));
    }
  if (locked != NULL)
    *locked = is_locked;
  return text;
}

static void
update_sensitivity (TanbaControlPanelLoginDialog *self)
{
  const char *pin = gtk_editable_get_text (GTK_EDITABLE (self->pin_entry));

  gtk_widget_set_sensitive (self->login_button, !self->busy && !self->locked && pin != NULL && pin[0] != '\0');
  /* The focused field stays sensitive while the PIN is checked: making it
   * insensitive would throw the focus (and the screen reader) elsewhere. */
  gtk_widget_set_sensitive (self->pin_entry, !self->locked);
}

/* The PIN field's description: the tries left, then the last error. */
static void
update_description (TanbaControlPanelLoginDialog *self)
{
  g_autoptr(GString) text = g_string_new (NULL);

  if (self->error != NULL)
    g_string_append (text, self->error);
  if (self->status != NULL)
    {
      if (text->len > 0)
        g_string_append_c (text, ' ');
      g_string_append (text, self->status);
    }
  tanba_gui_set_description (self->pin_entry, text->str);
}

static void
update_status (TanbaControlPanelLoginDialog *self)
{
  TanbaRole role = tanba_control_panel_login_dialog_get_role (self);
  GtkWidget *radio = role == TANBA_ROLE_ADMIN ? self->admin_radio : self->user_radio;
  GtkWidget *other = role == TANBA_ROLE_ADMIN ? self->user_radio : self->admin_radio;
  const char *base;

  g_clear_pointer (&self->status, g_free);
  self->status = tanba_control_panel_pin_status_text (self->info, role, &self->locked);
  gtk_label_set_text (GTK_LABEL (self->status_label), self->status != NULL ? self->status : "");
  gtk_widget_set_visible (self->status_label, self->status != NULL);
  if (self->locked)
    gtk_widget_add_css_class (self->status_label, "error");
  else
    gtk_widget_remove_css_class (self->status_label, "error");

  /* The chosen role's radio button says the tries left when it gets checked. */
  base = role == TANBA_ROLE_ADMIN
         ? _("The administrator PIN unblocks the user PIN and formats the token. By default it is 87654321.")
         : _("The user PIN is the token password you sign in to the bank with.");
  if (self->status != NULL)
    {
      g_autofree char *full = g_strdup_printf ("%s %s", self->status, base);
      tanba_gui_set_description (radio, full);
    }
  else
    tanba_gui_set_description (radio, base);
  tanba_gui_set_description (other, role == TANBA_ROLE_ADMIN
                                    ? _("The user PIN is the token password you sign in to the bank with.")
                                    : _("The administrator PIN unblocks the user PIN and formats the token. By default it is 87654321."));
  update_description (self);
  update_sensitivity (self);
}

/* ---- callbacks ------------------------------------------------------------- */

static void
role_toggled_cb (TanbaControlPanelLoginDialog *self)
{
  g_clear_pointer (&self->error, g_free);
  gtk_widget_set_visible (self->message_label, FALSE);
  gtk_editable_set_text (GTK_EDITABLE (self->pin_entry), "");
  update_status (self);
}

static void
pin_changed_cb (TanbaControlPanelLoginDialog *self)
{
  update_sensitivity (self);
}

static void
login_clicked_cb (TanbaControlPanelLoginDialog *self)
{
  const char *pin = gtk_editable_get_text (GTK_EDITABLE (self->pin_entry));

  if (self->busy || self->locked || pin == NULL || pin[0] == '\0')
    return;
  g_signal_emit (self, signals[SUBMIT], 0);
}

/* ---- overrides ------------------------------------------------------------- */

static void
tanba_control_panel_login_dialog_dispose (GObject *object)
{
  TanbaControlPanelLoginDialog *self = TANBA_CONTROL_PANEL_LOGIN_DIALOG (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), TANBA_TYPE_CONTROL_PANEL_LOGIN_DIALOG);
  G_OBJECT_CLASS (tanba_control_panel_login_dialog_parent_class)->dispose (object);
}

static void
tanba_control_panel_login_dialog_finalize (GObject *object)
{
  TanbaControlPanelLoginDialog *self = TANBA_CONTROL_PANEL_LOGIN_DIALOG (object);

  g_clear_pointer (&self->info, tanba_token_info_free);
  g_free (self->status);
  g_free (self->error);
  G_OBJECT_CLASS (tanba_control_panel_login_dialog_parent_class)->finalize (object);
}

static void
tanba_control_panel_login_dialog_class_init (TanbaControlPanelLoginDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tanba_control_panel_login_dialog_dispose;
  object_class->finalize = tanba_control_panel_login_dialog_finalize;

  /* The window runs the login on this signal; see show_error(). */
  signals[SUBMIT] = g_signal_new ("submit", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               TANBA_CONTROL_PANEL_UI ("tanba-control-panel-login-dialog.ui"));
  gtk_widget_class_bind_template_child (widget_class, TanbaControlPanelLoginDialog, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, TanbaControlPanelLoginDialog, login_button);
  gtk_widget_class_bind_template_child (widget_class, TanbaControlPanelLoginDialog, content);
  gtk_widget_class_bind_template_child (widget_class, TanbaControlPanelLoginDialog, heading_label);
  gtk_widget_class_bind_template_child (widget_class, TanbaControlPanelLoginDialog, reason_label);
  gtk_widget_class_bind_template_child (widget_class, TanbaControlPanelLoginDialog, role_box);
  gtk_widget_class_bind_template_child (widget_class, TanbaControlPanelLoginDialog, role_label);
  gtk_widget_class_bind_template_child (widget_class, TanbaControlPanelLoginDialog, user_radio);
  gtk_widget_class_bind_template_child (widget_class, TanbaControlPanelLoginDialog, admin_radio);
  gtk_widget_class_bind_template_child (widget_class, TanbaControlPanelLoginDialog, status_label);
  gtk_widget_class_bind_template_child (widget_class, TanbaControlPanelLoginDialog, pin_label);
  gtk_widget_class_bind_template_child (widget_class, TanbaControlPanelLoginDialog, pin_entry);
  gtk_widget_class_bind_template_child (widget_class, TanbaControlPanelLoginDialog, spinner);
  gtk_widget_class_bind_template_child (widget_class, TanbaControlPanelLoginDialog, message_label);
  gtk_widget_class_bind_template_callback (widget_class, role_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, pin_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, login_clicked_cb);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
tanba_control_panel_login_dialog_init (TanbaControlPanelLoginDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  tanba_gui_fix_mnemonic_name (self->cancel_button);
  tanba_gui_fix_mnemonic_name (self->login_button);
  tanba_gui_fix_mnemonic_name (self->user_radio);
  tanba_gui_fix_mnemonic_name (self->admin_radio);
  tanba_gui_label_for (self->pin_label, self->pin_entry);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (self->role_box),
                                  GTK_ACCESSIBLE_RELATION_LABELLED_BY, self->role_label, NULL,
                                  -1);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (self->content),
                                  GTK_ACCESSIBLE_RELATION_LABELLED_BY, self->heading_label, NULL,
                                  GTK_ACCESSIBLE_RELATION_DESCRIBED_BY, self->reason_label, NULL,
                                  -1);
  tanba_gui_set_required (self->pin_entry, TRUE);
  tanba_control_panel_refocus_on_activate (GTK_WINDOW (self));
}

/* ---- public API ------------------------------------------------------------ */

TanbaControlPanelLoginDialog *
tanba_control_panel_login_dialog_new (GtkWindow            *parent,
                                      const char           *token_name,
                                      const TanbaTokenInfo *info,
                                      TanbaRole             role)
{
  TanbaControlPanelLoginDialog *self;
  g_autofree char *heading = NULL;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);

  self = g_object_new (TANBA_TYPE_CONTROL_PANEL_LOGIN_DIALOG,
                       /* A subclass of AdwWindow is a generic "filler" in GTK 4.8,
                        * and the DIALOG role loses the window's showing and
                        * active states (Orca then ignores it): a window. */
                       "accessible-role", GTK_ACCESSIBLE_ROLE_WINDOW,
                       "transient-for", parent,
                       NULL);
  /* Translators: %s is the token's name. */
  heading = g_strdup_printf (_("Log in to the token “%s”"), token_name != NULL ? token_name : "");
  gtk_label_set_text (GTK_LABEL (self->heading_label), heading);
  self->info = info != NULL ? tanba_token_info_copy (info) : NULL;
  gtk_check_button_set_active (GTK_CHECK_BUTTON (role == TANBA_ROLE_ADMIN ? self->admin_radio : self->user_radio),
                               TRUE);
  update_status (self);
  /* Focus: the PIN field, unless the chosen role is locked. */
  gtk_window_set_focus (GTK_WINDOW (self),
                        self->locked ? (role == TANBA_ROLE_ADMIN ? self->admin_radio : self->user_radio)
                                     : self->pin_entry);
  return self;
}

void
tanba_control_panel_login_dialog_set_info (TanbaControlPanelLoginDialog *self,
                                           const TanbaTokenInfo         *info)
{
  g_return_if_fail (TANBA_IS_CONTROL_PANEL_LOGIN_DIALOG (self));

  g_clear_pointer (&self->info, tanba_token_info_free);
  self->info = info != NULL ? tanba_token_info_copy (info) : NULL;
  update_status (self);
}

TanbaRole
tanba_control_panel_login_dialog_get_role (TanbaControlPanelLoginDialog *self)
{
  g_return_val_if_fail (TANBA_IS_CONTROL_PANEL_LOGIN_DIALOG (self), TANBA_ROLE_NONE);

  return gtk_check_button_get_active (GTK_CHECK_BUTTON (self->admin_radio)) ? TANBA_ROLE_ADMIN : TANBA_ROLE_USER;
}

char *
tanba_control_panel_login_dialog_dup_pin (TanbaControlPanelLoginDialog *self)
{
  g_return_val_if_fail (TANBA_IS_CONTROL_PANEL_LOGIN_DIALOG (self), NULL);

  return tanba_control_panel_secret_dup (gtk_editable_get_text (GTK_EDITABLE (self->pin_entry)));
}

void
tanba_control_panel_login_dialog_set_busy (TanbaControlPanelLoginDialog *self,
                                           gboolean                      busy)
{
  g_return_if_fail (TANBA_IS_CONTROL_PANEL_LOGIN_DIALOG (self));

  self->busy = busy;
  gtk_widget_set_visible (self->spinner, busy);
  gtk_spinner_set_spinning (GTK_SPINNER (self->spinner), busy);
  if (busy)
    {
      gtk_label_set_text (GTK_LABEL (self->message_label), _("Checking the PIN…"));
      gtk_widget_remove_css_class (self->message_label, "error");
      gtk_widget_set_visible (self->message_label, TRUE);
    }
  update_sensitivity (self);
}

void
tanba_control_panel_login_dialog_show_error (TanbaControlPanelLoginDialog *self,
                                             const char                   *message)
{
  g_return_if_fail (TANBA_IS_CONTROL_PANEL_LOGIN_DIALOG (self));
  g_return_if_fail (message != NULL);

  tanba_control_panel_login_dialog_set_busy (self, FALSE);
  g_free (self->error);
  self->error = g_strdup (message);
  gtk_label_set_text (GTK_LABEL (self->message_label), message);
  gtk_widget_add_css_class (self->message_label, "error");
  gtk_widget_set_visible (self->message_label, TRUE);
  /* A wrong PIN is cleared, never left selected in the field. */
  gtk_editable_set_text (GTK_EDITABLE (self->pin_entry), "");
  update_status (self);
  if (!self->locked)
    {
      tanba_gui_focus (self->pin_entry);
      update_description (self);
    }
  else
    {
      GtkWidget *radio = tanba_control_panel_login_dialog_get_role (self) == TANBA_ROLE_ADMIN
                         ? self->admin_radio : self->user_radio;
      g_autofree char *spoken = g_strdup_printf ("%s %s", message, self->status);

      tanba_gui_focus (radio);
      tanba_gui_speak (radio, spoken);
    }
}

void
tanba_control_panel_login_dialog_set_reason (TanbaControlPanelLoginDialog *self,
                                             const char                   *reason)
{
  g_return_if_fail (TANBA_IS_CONTROL_PANEL_LOGIN_DIALOG (self));

  gtk_label_set_text (GTK_LABEL (self->reason_label), reason != NULL ? reason : "");
  gtk_widget_set_visible (self->reason_label, reason != NULL);
  /* Read with the first field too, since the dialog opens on it. */
  if (reason != NULL)
    {
      g_autofree char *text = g_strdup_printf ("%s %s", reason, self->status != NULL ? self->status : "");
      tanba_gui_set_description (self->pin_entry, g_strstrip (text));
    }
  else
    update_description (self);
}

const char *
tanba_control_panel_login_dialog_get_status (TanbaControlPanelLoginDialog *self)
{
  g_return_val_if_fail (TANBA_IS_CONTROL_PANEL_LOGIN_DIALOG (self), NULL);

  return self->status;
}
