/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tanba-i18n.h"
#include "tanba-gui-util.h"
#include "tanba-input-rules.h"
#include "tanba-password-checklist.h"
#include "tanba-wizard-page-personalize.h"

struct _TanbaWizardPagePersonalize
{
  TanbaWizardPage parent_instance;

  GtkWidget *heading;
  GtkWidget *intro;
  GtkWidget *name_label;
  GtkWidget *name_entry;
  GtkWidget *name_hint;
  GtkWidget *name_error;
  GtkWidget *password_label;
  GtkWidget *password_entry;
  GtkWidget *confirmation_label;
  GtkWidget *confirmation_entry;
  GtkWidget *checklist;
};

G_DEFINE_FINAL_TYPE (TanbaWizardPagePersonalize, tanba_wizard_page_personalize, TANBA_TYPE_WIZARD_PAGE)

static void
update_complete (TanbaWizardPagePersonalize *self)
{
  TanbaPasswordChecklist *checklist = TANBA_PASSWORD_CHECKLIST (self->checklist);
  const char *name = gtk_editable_get_text (GTK_EDITABLE (self->name_entry));
  const char *password = gtk_editable_get_text (GTK_EDITABLE (self->password_entry));
  const char *confirmation = gtk_editable_get_text (GTK_EDITABLE (self->confirmation_entry));
  g_autoptr(GError) error = NULL;
  gboolean name_ok;
  GtkWidget *focus;

  name_ok = tanba_token_name_validate (name, &error);
  gtk_label_set_label (GTK_LABEL (self->name_error), error != NULL ? error->message : "");
  gtk_widget_set_visible (self->name_error, error != NULL);
  tanba_gui_set_description (self->name_entry, error != NULL ? error->message : NULL);

  tanba_password_checklist_update (checklist, password, confirmation);
  /* The checklist state, spoken with the password fields (never the password). */
  focus = gtk_widget_has_focus (GTK_WIDGET (gtk_editable_get_delegate (GTK_EDITABLE (self->confirmation_entry))))
          ? self->confirmation_entry : self->password_entry;
  if (password[0] != '\0' || confirmation[0] != '\0')
    tanba_gui_speak (focus, tanba_password_checklist_get_summary (checklist));
  tanba_gui_set_description (focus == self->password_entry ? self->confirmation_entry : self->password_entry,
                             password[0] != '\0' ? tanba_password_checklist_get_summary (checklist) : NULL);

  tanba_wizard_page_set_complete (TANBA_WIZARD_PAGE (self),
                                  name_ok && tanba_password_checklist_is_acceptable (checklist));
}

static void
tanba_wizard_page_personalize_shown (TanbaWizardPage *page)
{
  TanbaWizardPagePersonalize *self = TANBA_WIZARD_PAGE_PERSONALIZE (page);
  TanbaWizardData *data = tanba_wizard_page_get_data (page);
  gsize max_len = 0;

  if (data->token_info != NULL && data->token_info->max_pin_len > 0
      && data->token_info->max_pin_len < G_MAXSIZE)
    max_len = data->token_info->max_pin_len;
  tanba_password_checklist_set_max_length (TANBA_PASSWORD_CHECKLIST (self->checklist), max_len);
  update_complete (self);
}

static void
tanba_wizard_page_personalize_apply (TanbaWizardPage     *page,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  TanbaWizardPagePersonalize *self = TANBA_WIZARD_PAGE_PERSONALIZE (page);
  TanbaWizardData *data = tanba_wizard_page_get_data (page);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  const char *name = gtk_editable_get_text (GTK_EDITABLE (self->name_entry));

  g_task_set_source_tag (task, tanba_wizard_page_personalize_apply);
  tanba_wizard_data_set_string (&data->token_name, name[0] != '\0' ? name : NULL);
  tanba_wizard_data_set_secret (&data->new_pin, gtk_editable_get_text (GTK_EDITABLE (self->password_entry)));
  g_task_return_boolean (task, TRUE);
}

static void
tanba_wizard_page_personalize_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), TANBA_TYPE_WIZARD_PAGE_PERSONALIZE);

  G_OBJECT_CLASS (tanba_wizard_page_personalize_parent_class)->dispose (object);
}

static void
tanba_wizard_page_personalize_class_init (TanbaWizardPagePersonalizeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  TanbaWizardPageClass *page_class = TANBA_WIZARD_PAGE_CLASS (klass);

  object_class->dispose = tanba_wizard_page_personalize_dispose;
  page_class->shown = tanba_wizard_page_personalize_shown;
  page_class->apply = tanba_wizard_page_personalize_apply;

  g_type_ensure (TANBA_TYPE_PASSWORD_CHECKLIST);
  gtk_widget_class_set_template_from_resource (widget_class, "/kz/tanba/Tanba/ui/pages/tanba-wizard-page-personalize.ui");
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPagePersonalize, heading);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPagePersonalize, intro);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPagePersonalize, name_label);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPagePersonalize, name_entry);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPagePersonalize, name_hint);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPagePersonalize, name_error);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPagePersonalize, password_label);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPagePersonalize, password_entry);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPagePersonalize, confirmation_label);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPagePersonalize, confirmation_entry);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPagePersonalize, checklist);
  gtk_widget_class_bind_template_callback (widget_class, update_complete);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
tanba_wizard_page_personalize_init (TanbaWizardPagePersonalize *self)
{
  TanbaWizardPage *page = TANBA_WIZARD_PAGE (self);

  gtk_widget_init_template (GTK_WIDGET (self));

  tanba_wizard_page_set_title (page, _("Token personalization"));
  tanba_wizard_page_set_heading (page, self->heading);
  tanba_gui_described_by (GTK_WIDGET (self), self->intro);
  tanba_gui_label_for (self->name_label, self->name_entry);
  tanba_gui_described_by (self->name_entry, self->name_hint);
  tanba_gui_label_for (self->password_label, self->password_entry);
  tanba_gui_described_by (self->password_entry, self->checklist);
  tanba_gui_set_required (self->password_entry, TRUE);
  tanba_gui_label_for (self->confirmation_label, self->confirmation_entry);
  tanba_gui_described_by (self->confirmation_entry, self->checklist);
  tanba_gui_set_required (self->confirmation_entry, TRUE);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (self->password_entry),
                                  GTK_ACCESSIBLE_RELATION_CONTROLS, self->checklist, NULL,
                                  -1);
  tanba_wizard_page_set_first_focus (page, self->name_entry);
}

TanbaWizardPage *
tanba_wizard_page_personalize_new (TanbaWizardData *data)
{
  TanbaWizardPage *page;

  g_return_val_if_fail (data != NULL, NULL);

  page = g_object_new (TANBA_TYPE_WIZARD_PAGE_PERSONALIZE, NULL);
  tanba_wizard_page_set_data (page, data);
  return page;
}
