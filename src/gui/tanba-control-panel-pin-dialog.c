/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-control-panel-pin-dialog.c: change or unblock a PIN, under the password policy. */
#include "config.h"

#include "tanba-i18n.h"
#include "tanba-control-panel-operations.h"
#include "tanba-control-panel-pin-dialog.h"
#include "tanba-control-panel-private.h"
#include "tanba-gui-util.h"
#include "tanba-password-checklist.h"
#include "tanba-password-policy.h"

struct _TanbaControlPanelPinDialog
{
  AdwWindow                parent_instance;

  GtkWidget               *cancel_button;
  GtkWidget               *ok_button;
  GtkWidget               *content;
  GtkWidget               *heading_label;
  GtkWidget               *explanation_label;
  GtkWidget               *new_label;
  GtkWidget               *new_entry;
  GtkWidget               *confirm_label;
  GtkWidget               *confirm_entry;
  GtkWidget               *rules_label;
  GtkWidget               *checklist;
  GtkWidget               *spinner;
  GtkWidget               *message_label;

  TanbaControlPanelPinMode mode;
  char                    *message;
  gboolean                 busy;
};

G_DEFINE_FINAL_TYPE (TanbaControlPanelPinDialog, tanba_control_panel_pin_dialog, ADW_TYPE_WINDOW)

enum
{
  SUBMIT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ---- helpers --------------------------------------------------------------- */

static void
set_message (TanbaControlPanelPinDialog *self,
             const char                 *message,
             gboolean                    is_error)
{
  tanba_control_panel_dialog_set_message (&self->message, self->message_label, message, is_error);
}

static void
update_checklist (TanbaControlPanelPinDialog *self)
{
  tanba_password_checklist_update (TANBA_PASSWORD_CHECKLIST (self->checklist),
                                   gtk_editable_get_text (GTK_EDITABLE (self->new_entry)),
                                   gtk_editable_get_text (GTK_EDITABLE (self->confirm_entry)));
}

/* ---- callbacks ------------------------------------------------------------- */

static void
entry_changed_cb (TanbaControlPanelPinDialog *self)
{
  update_checklist (self);
  if (self->message != NULL && !self->busy)
    {
      set_message (self, NULL, FALSE);
      tanba_gui_set_description (self->new_entry, NULL);
      tanba_gui_set_description (self->confirm_entry, NULL);
    }
}

static void
ok_clicked_cb (TanbaControlPanelPinDialog *self)
{
  g_autofree char *summary = NULL;
  GtkWidget *focus;

  if (self->busy)
    return;
  update_checklist (self);
  if (tanba_password_checklist_is_acceptable (TANBA_PASSWORD_CHECKLIST (self->checklist)))
    {
      g_signal_emit (self, signals[SUBMIT], 0);
      return;
    }

  /* Say which rule failed, on screen and to the screen reader, in the field
   * to fix. That field is cleared: GTK 4.8 gives a password field's text to
   * the screen reader, which would read it out when the focus comes back. */
  /* A copy: clearing the fields below re-evaluates the checklist. */
  summary = g_strdup (tanba_password_checklist_get_summary (TANBA_PASSWORD_CHECKLIST (self->checklist)));
  set_message (self, summary, TRUE);
  focus = self->new_entry;
  {
    const char *password = gtk_editable_get_text (GTK_EDITABLE (self->new_entry));
    const char *confirmation = gtk_editable_get_text (GTK_EDITABLE (self->confirm_entry));

    /* Only the confirmation is wrong: fix it where it is typed. */
    if (tanba_password_policy_check (password, NULL, 0, NULL)
        && !tanba_password_policy_check (password, confirmation, 0, NULL))
      focus = self->confirm_entry;
  }
  self->busy = TRUE; /* keep the message while the fields are cleared */
  if (focus == self->new_entry)
    gtk_editable_set_text (GTK_EDITABLE (self->new_entry), "");
  gtk_editable_set_text (GTK_EDITABLE (self->confirm_entry), "");
  self->busy = FALSE;
  tanba_gui_set_description (focus == self->new_entry ? self->confirm_entry : self->new_entry, NULL);
  tanba_gui_focus (focus);
  tanba_gui_speak (focus, summary);
}

/* ---- overrides ------------------------------------------------------------- */

static void
tanba_control_panel_pin_dialog_dispose (GObject *object)
{
  TanbaControlPanelPinDialog *self = TANBA_CONTROL_PANEL_PIN_DIALOG (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), TANBA_TYPE_CONTROL_PANEL_PIN_DIALOG);
  G_OBJECT_CLASS (tanba_control_panel_pin_dialog_parent_class)->dispose (object);
}

static void
tanba_control_panel_pin_dialog_finalize (GObject *object)
{
  TanbaControlPanelPinDialog *self = TANBA_CONTROL_PANEL_PIN_DIALOG (object);

  g_free (self->message);
  G_OBJECT_CLASS (tanba_control_panel_pin_dialog_parent_class)->finalize (object);
}

static void
tanba_control_panel_pin_dialog_class_init (TanbaControlPanelPinDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tanba_control_panel_pin_dialog_dispose;
  object_class->finalize = tanba_control_panel_pin_dialog_finalize;

  signals[SUBMIT] = g_signal_new ("submit", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  g_type_ensure (TANBA_TYPE_PASSWORD_CHECKLIST);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               TANBA_CONTROL_PANEL_UI ("tanba-control-panel-pin-dialog.ui"));
  gtk_widget_class_bind_template_child (widget_class, TanbaControlPanelPinDialog, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, TanbaControlPanelPinDialog, ok_button);
  gtk_widget_class_bind_template_child (widget_class, TanbaControlPanelPinDialog, content);
  gtk_widget_class_bind_template_child (widget_class, TanbaControlPanelPinDialog, heading_label);
  gtk_widget_class_bind_template_child (widget_class, TanbaControlPanelPinDialog, explanation_label);
  gtk_widget_class_bind_template_child (widget_class, TanbaControlPanelPinDialog, new_label);
  gtk_widget_class_bind_template_child (widget_class, TanbaControlPanelPinDialog, new_entry);
  gtk_widget_class_bind_template_child (widget_class, TanbaControlPanelPinDialog, confirm_label);
  gtk_widget_class_bind_template_child (widget_class, TanbaControlPanelPinDialog, confirm_entry);
  gtk_widget_class_bind_template_child (widget_class, TanbaControlPanelPinDialog, rules_label);
  gtk_widget_class_bind_template_child (widget_class, TanbaControlPanelPinDialog, checklist);
  gtk_widget_class_bind_template_child (widget_class, TanbaControlPanelPinDialog, spinner);
  gtk_widget_class_bind_template_child (widget_class, TanbaControlPanelPinDialog, message_label);
  gtk_widget_class_bind_template_callback (widget_class, entry_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, ok_clicked_cb);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
tanba_control_panel_pin_dialog_init (TanbaControlPanelPinDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  tanba_gui_fix_mnemonic_name (self->cancel_button);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (self->content),
                                  GTK_ACCESSIBLE_RELATION_LABELLED_BY, self->heading_label, NULL,
                                  GTK_ACCESSIBLE_RELATION_DESCRIBED_BY, self->explanation_label, NULL,
                                  -1);
  tanba_gui_set_required (self->new_entry, TRUE);
  tanba_gui_set_required (self->confirm_entry, TRUE);
  tanba_control_panel_refocus_on_activate (GTK_WINDOW (self));
  gtk_accessible_update_relation (GTK_ACCESSIBLE (self->new_entry),
                                  GTK_ACCESSIBLE_RELATION_CONTROLS, self->checklist, NULL,
                                  -1);
}

/* ---- public API ------------------------------------------------------------ */

TanbaControlPanelPinDialog *
tanba_control_panel_pin_dialog_new (GtkWindow               *parent,
                                    TanbaControlPanelPinMode mode,
                                    const char              *token_name,
                                    gsize                    max_len)
{
  TanbaControlPanelPinDialog *self;
  g_autofree char *heading = NULL;
  const char *title, *explanation, *button, *new_label, *confirm_label;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);

  switch (mode)
    {
    case TANBA_CONTROL_PANEL_PIN_CHANGE_ADMIN:
      title = _("Change the Administrator PIN");
      explanation = _("Type the new administrator PIN twice. Keep it safe: it is needed to unblock the user PIN and to format the token.");
      button = _("_Change PIN");
      new_label = _("_New administrator PIN");
      confirm_label = _("C_onfirm the new administrator PIN");
      break;
    case TANBA_CONTROL_PANEL_PIN_UNBLOCK_USER:
      title = _("Unblock the User PIN");
      explanation = _("Unblocking sets a new user PIN and resets the count of wrong tries. Type the new user PIN twice.");
      button = _("_Unblock");
      new_label = _("_New user PIN");
      confirm_label = _("C_onfirm the new user PIN");
      break;
    case TANBA_CONTROL_PANEL_PIN_CHANGE_USER:
    default:
      mode = TANBA_CONTROL_PANEL_PIN_CHANGE_USER;
      title = _("Change the User PIN");
      explanation = _("The user PIN is the token password you sign in to the bank with. Type the new PIN twice.");
      button = _("_Change PIN");
      new_label = _("_New user PIN");
      confirm_label = _("C_onfirm the new user PIN");
      break;
    }

  self = g_object_new (TANBA_TYPE_CONTROL_PANEL_PIN_DIALOG,
                       /* A subclass of AdwWindow is a generic "filler" in GTK 4.8,
                        * and the DIALOG role loses the window's showing and
                        * active states (Orca then ignores it): a window. */
                       "accessible-role", GTK_ACCESSIBLE_ROLE_WINDOW,
                       "transient-for", parent,
                       "title", title,
                       NULL);
  self->mode = mode;
  /* Translators: the first %s is what is done ("Change the User PIN"), the second the token's name. */
  heading = g_strdup_printf (_("%s of the token “%s”"), title, token_name != NULL ? token_name : "");
  gtk_label_set_text (GTK_LABEL (self->heading_label), heading);
  gtk_label_set_text (GTK_LABEL (self->explanation_label), explanation);
  tanba_gui_button_set_label (self->ok_button, button);
  gtk_label_set_text_with_mnemonic (GTK_LABEL (self->new_label), new_label);
  gtk_label_set_text_with_mnemonic (GTK_LABEL (self->confirm_label), confirm_label);
  tanba_gui_label_for (self->new_label, self->new_entry);
  tanba_gui_label_for (self->confirm_label, self->confirm_entry);
  tanba_password_checklist_set_max_length (TANBA_PASSWORD_CHECKLIST (self->checklist), max_len);
  update_checklist (self);
  gtk_window_set_focus (GTK_WINDOW (self), self->new_entry);
  return self;
}

TanbaControlPanelPinMode
tanba_control_panel_pin_dialog_get_mode (TanbaControlPanelPinDialog *self)
{
  g_return_val_if_fail (TANBA_IS_CONTROL_PANEL_PIN_DIALOG (self), TANBA_CONTROL_PANEL_PIN_CHANGE_USER);

  return self->mode;
}

char *
tanba_control_panel_pin_dialog_dup_pin (TanbaControlPanelPinDialog *self)
{
  g_return_val_if_fail (TANBA_IS_CONTROL_PANEL_PIN_DIALOG (self), NULL);

  return tanba_control_panel_secret_dup (gtk_editable_get_text (GTK_EDITABLE (self->new_entry)));
}

gboolean
tanba_control_panel_pin_dialog_is_acceptable (TanbaControlPanelPinDialog *self)
{
  g_return_val_if_fail (TANBA_IS_CONTROL_PANEL_PIN_DIALOG (self), FALSE);

  update_checklist (self);
  return tanba_password_checklist_is_acceptable (TANBA_PASSWORD_CHECKLIST (self->checklist));
}

void
tanba_control_panel_pin_dialog_set_busy (TanbaControlPanelPinDialog *self,
                                         gboolean                    busy)
{
  g_return_if_fail (TANBA_IS_CONTROL_PANEL_PIN_DIALOG (self));

  self->busy = busy;
  tanba_control_panel_dialog_set_busy (self->spinner, self->ok_button, busy);
  if (busy)
    set_message (self, self->mode == TANBA_CONTROL_PANEL_PIN_UNBLOCK_USER
                       ? _("Unblocking the user PIN…") : _("Changing the PIN…"), FALSE);
}

void
tanba_control_panel_pin_dialog_show_error (TanbaControlPanelPinDialog *self,
                                           const char                 *message)
{
  g_return_if_fail (TANBA_IS_CONTROL_PANEL_PIN_DIALOG (self));
  g_return_if_fail (message != NULL);

  tanba_control_panel_pin_dialog_set_busy (self, FALSE);
  gtk_editable_set_text (GTK_EDITABLE (self->new_entry), "");
  gtk_editable_set_text (GTK_EDITABLE (self->confirm_entry), "");
  set_message (self, message, TRUE);
  tanba_gui_set_description (self->new_entry, message);
  tanba_gui_focus (self->new_entry);
  tanba_gui_speak (self->new_entry, message);
}

const char *
tanba_control_panel_pin_dialog_get_message (TanbaControlPanelPinDialog *self)
{
  g_return_val_if_fail (TANBA_IS_CONTROL_PANEL_PIN_DIALOG (self), NULL);

  return self->message;
}
