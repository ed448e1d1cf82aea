/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tanba-i18n.h"
#include "tanba-gui-util.h"
#include "tanba-wizard-page-welcome.h"

struct _TanbaWizardPageWelcome
{
  TanbaWizardPage parent_instance;

  GtkWidget *heading;
  GtkWidget *body;
};

G_DEFINE_FINAL_TYPE (TanbaWizardPageWelcome, tanba_wizard_page_welcome, TANBA_TYPE_WIZARD_PAGE)

static void
tanba_wizard_page_welcome_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), TANBA_TYPE_WIZARD_PAGE_WELCOME);

  G_OBJECT_CLASS (tanba_wizard_page_welcome_parent_class)->dispose (object);
}

static void
tanba_wizard_page_welcome_class_init (TanbaWizardPageWelcomeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tanba_wizard_page_welcome_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/kz/tanba/Tanba/ui/pages/tanba-wizard-page-welcome.ui");
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPageWelcome, heading);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPageWelcome, body);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
tanba_wizard_page_welcome_init (TanbaWizardPageWelcome *self)
{
  TanbaWizardPage *page = TANBA_WIZARD_PAGE (self);

  gtk_widget_init_template (GTK_WIDGET (self));

  tanba_wizard_page_set_title (page, _("Welcome"));
  tanba_wizard_page_set_heading (page, self->heading);
  tanba_gui_described_by (GTK_WIDGET (self), self->body);
  /* The page has no field: the text itself takes the focus, so a screen
   * reader reads it; Enter still activates Next. */
  tanba_wizard_page_set_first_focus (page, self->body);
  tanba_wizard_page_set_complete (page, TRUE);
}

TanbaWizardPage *
tanba_wizard_page_welcome_new (TanbaWizardData *data)
{
  TanbaWizardPage *page;

  g_return_val_if_fail (data != NULL, NULL);

  page = g_object_new (TANBA_TYPE_WIZARD_PAGE_WELCOME, NULL);
  tanba_wizard_page_set_data (page, data);
  return page;
}
