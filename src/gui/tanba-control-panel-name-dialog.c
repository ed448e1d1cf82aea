/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-control-panel-name-dialog.c: the token's name. */
#include "config.h"

#include "tanba-i18n.h"
#include "tanba-control-panel-name-dialog.h"
#include "tanba-control-panel-private.h"
#include "tanba-gui-util.h"
#include "tanba-input-rules.h"

struct _TanbaControlPanelNameDialog
{
  AdwWindow  parent_instance;

  GtkWidget *cancel_button;
  GtkWidget *ok_button;
  GtkWidget *content;
  GtkWidget *heading_label;
  GtkWidget *name_label;
  GtkWidget *name_entry;
  GtkWidget *hint_label;
  GtkWidget *spinner;
  GtkWidget *message_label;

  char      *message;
  gboolean   busy;
};

G_DEFINE_FINAL_TYPE (TanbaControlPanelNameDialog, tanba_control_panel_name_dialog, ADW_TYPE_WINDOW)

enum
{
  SUBMIT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ---- helpers --------------------------------------------------------------- */

static void
set_message (TanbaControlPanelNameDialog *self,
             const char                  *message,
             gboolean                     is_error)
{
  tanba_control_panel_dialog_set_message (&self->message, self->message_label, message, is_error);
}

/* Checks the name; says what is wrong, and returns whether it is valid. */
static gboolean
validate (TanbaControlPanelNameDialog *self)
{
  g_autoptr(GError) error = NULL;

  if (tanba_token_name_validate (gtk_editable_get_text (GTK_EDITABLE (self->name_entry)), &error))
    {
      set_message (self, NULL, FALSE);
      return TRUE;
    }
  set_message (self, error->message, TRUE);
  return FALSE;
}

/* ---- callbacks ------------------------------------------------------------- */

static void
name_changed_cb (TanbaControlPanelNameDialog *self)
{
  gboolean valid;

  if (self->busy)
    return;
  valid = validate (self);
  /* The field's description carries the rule broken (read when it changes). */
  tanba_gui_set_description (self->name_entry, valid ? NULL : self->message);
}

static void
ok_clicked_cb (TanbaControlPanelNameDialog *self)
{
  if (self->busy)
    return;
  if (!validate (self))
    {
      tanba_gui_focus (self->name_entry);
      tanba_gui_speak (self->name_entry, self->message);
      return;
    }
  g_signal_emit (self, signals[SUBMIT], 0);
}

/* ---- overrides ------------------------------------------------------------- */

static void
tanba_control_panel_name_dialog_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), TANBA_TYPE_CONTROL_PANEL_NAME_DIALOG);
  G_OBJECT_CLASS (tanba_control_panel_name_dialog_parent_class)->dispose (object);
}

static void
tanba_control_panel_name_dialog_finalize (GObject *object)
{
  TanbaControlPanelNameDialog *self = TANBA_CONTROL_PANEL_NAME_DIALOG (object);

  g_free (self->message);
  G_OBJECT_CLASS (tanba_control_panel_name_dialog_parent_class)->finalize (object);
}

static void
tanba_control_panel_name_dialog_class_init (TanbaControlPanelNameDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tanba_control_panel_name_dialog_dispose;
  object_class->finalize = tanba_control_panel_name_dialog_finalize;

  signals[SUBMIT] = g_signal_new ("submit", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               TANBA_CONTROL_PANEL_UI ("tanba-control-panel-name-dialog.ui"));
  gtk_widget_class_bind_template_child (widget_class, TanbaControlPanelNameDialog, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, TanbaControlPanelNameDialog, ok_button);
  gtk_widget_class_bind_template_child (widget_class, TanbaControlPanelNameDialog, content);
  gtk_widget_class_bind_template_child (widget_class, TanbaControlPanelNameDialog, heading_label);
  gtk_widget_class_bind_template_child (widget_class, TanbaControlPanelNameDialog, name_label);
  gtk_widget_class_bind_template_child (widget_class, TanbaControlPanelNameDialog, name_entry);
  gtk_widget_class_bind_template_child (widget_class, TanbaControlPanelNameDialog, hint_label);
  gtk_widget_class_bind_template_child (widget_class, TanbaControlPanelNameDialog, spinner);
  gtk_widget_class_bind_template_child (widget_class, TanbaControlPanelNameDialog, message_label);
  gtk_widget_class_bind_template_callback (widget_class, name_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, ok_clicked_cb);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
tanba_control_panel_name_dialog_init (TanbaControlPanelNameDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  tanba_gui_fix_mnemonic_name (self->cancel_button);
  tanba_gui_fix_mnemonic_name (self->ok_button);
  tanba_gui_label_for (self->name_label, self->name_entry);
  tanba_gui_described_by (self->name_entry, self->hint_label);
  tanba_control_panel_refocus_on_activate (GTK_WINDOW (self));
  gtk_accessible_update_relation (GTK_ACCESSIBLE (self->content),
                                  GTK_ACCESSIBLE_RELATION_LABELLED_BY, self->heading_label, NULL,
                                  -1);
  gtk_label_set_text (GTK_LABEL (self->heading_label), _("The name the token is shown with"));
}

/* ---- public API ------------------------------------------------------------ */

TanbaControlPanelNameDialog *
tanba_control_panel_name_dialog_new (GtkWindow  *parent,
                                     const char *current_name)
{
  TanbaControlPanelNameDialog *self;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);

  self = g_object_new (TANBA_TYPE_CONTROL_PANEL_NAME_DIALOG,
                       /* A subclass of AdwWindow is a generic "filler" in GTK 4.8,
                        * and the DIALOG role loses the window's showing and
                        * active states (Orca then ignores it): a window. */
                       "accessible-role", GTK_ACCESSIBLE_ROLE_WINDOW,
                       "transient-for", parent,
                       NULL);
  gtk_editable_set_text (GTK_EDITABLE (self->name_entry), current_name != NULL ? current_name : "");
  gtk_window_set_focus (GTK_WINDOW (self), self->name_entry);
  return self;
}

const char *
tanba_control_panel_name_dialog_get_name (TanbaControlPanelNameDialog *self)
{
  g_return_val_if_fail (TANBA_IS_CONTROL_PANEL_NAME_DIALOG (self), NULL);

  return gtk_editable_get_text (GTK_EDITABLE (self->name_entry));
}

const char *
tanba_control_panel_name_dialog_get_message (TanbaControlPanelNameDialog *self)
{
  g_return_val_if_fail (TANBA_IS_CONTROL_PANEL_NAME_DIALOG (self), NULL);

  return self->message;
}

void
tanba_control_panel_name_dialog_set_busy (TanbaControlPanelNameDialog *self,
                                          gboolean                     busy)
{
  g_return_if_fail (TANBA_IS_CONTROL_PANEL_NAME_DIALOG (self));

  self->busy = busy;
  tanba_control_panel_dialog_set_busy (self->spinner, self->ok_button, busy);
  if (busy)
    set_message (self, _("Saving the name…"), FALSE);
}

void
tanba_control_panel_name_dialog_show_error (TanbaControlPanelNameDialog *self,
                                            const char                  *message)
{
  g_return_if_fail (TANBA_IS_CONTROL_PANEL_NAME_DIALOG (self));
  g_return_if_fail (message != NULL);

  tanba_control_panel_name_dialog_set_busy (self, FALSE);
  set_message (self, message, TRUE);
  tanba_gui_focus (self->name_entry);
  tanba_gui_speak (self->name_entry, message);
}
