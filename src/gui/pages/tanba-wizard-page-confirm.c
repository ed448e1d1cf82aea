/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tanba-i18n.h"
#include "tanba-gui-util.h"
#include "tanba-wizard-page-confirm.h"

struct _TanbaWizardPageConfirm
{
  TanbaWizardPage parent_instance;

  GtkWidget *heading;
  GtkWidget *intro;
  GtkWidget *summary;
  GtkWidget *confirm_check;
};

G_DEFINE_FINAL_TYPE (TanbaWizardPageConfirm, tanba_wizard_page_confirm, TANBA_TYPE_WIZARD_PAGE)

static void
confirm_toggled_cb (TanbaWizardPageConfirm *self)
{
  tanba_wizard_page_set_complete (TANBA_WIZARD_PAGE (self),
                                  gtk_check_button_get_active (GTK_CHECK_BUTTON (self->confirm_check)));
}

static void
tanba_wizard_page_confirm_shown (TanbaWizardPage *page)
{
  TanbaWizardPageConfirm *self = TANBA_WIZARD_PAGE_CONFIRM (page);
  TanbaWizardData *data = tanba_wizard_page_get_data (page);
  g_autofree char *token = tanba_wizard_data_dup_token_title (data);
  g_autofree char *expiry = tanba_wizard_data_dup_expiry_date (data);
  g_autofree char *text = NULL;
  const char *name = data->token_name != NULL ? data->token_name : _("(none)");

  /* Translators: the data to confirm, one item a line. */
  text = g_strdup_printf (_("Token name: %s\nCertificates valid until: %s\nUser ID: %s\nToken: %s"),
                          name, expiry, data->user_id != NULL ? data->user_id : "", token);
  gtk_label_set_label (GTK_LABEL (self->summary), text);
  /* The data changed since the last confirmation: confirm again. */
  gtk_check_button_set_active (GTK_CHECK_BUTTON (self->confirm_check), FALSE);
}

static void
tanba_wizard_page_confirm_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), TANBA_TYPE_WIZARD_PAGE_CONFIRM);

  G_OBJECT_CLASS (tanba_wizard_page_confirm_parent_class)->dispose (object);
}

static void
tanba_wizard_page_confirm_class_init (TanbaWizardPageConfirmClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  TanbaWizardPageClass *page_class = TANBA_WIZARD_PAGE_CLASS (klass);

  object_class->dispose = tanba_wizard_page_confirm_dispose;
  page_class->shown = tanba_wizard_page_confirm_shown;

  gtk_widget_class_set_template_from_resource (widget_class, "/kz/tanba/Tanba/ui/pages/tanba-wizard-page-confirm.ui");
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPageConfirm, heading);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPageConfirm, intro);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPageConfirm, summary);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPageConfirm, confirm_check);
  gtk_widget_class_bind_template_callback (widget_class, confirm_toggled_cb);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
tanba_wizard_page_confirm_init (TanbaWizardPageConfirm *self)
{
  TanbaWizardPage *page = TANBA_WIZARD_PAGE (self);

  gtk_widget_init_template (GTK_WIDGET (self));

  tanba_wizard_page_set_title (page, _("Confirmation"));
  tanba_wizard_page_set_heading (page, self->heading);
  tanba_gui_described_by (GTK_WIDGET (self), self->intro);
  tanba_gui_fix_mnemonic_name (self->confirm_check);
  tanba_gui_described_by (self->confirm_check, self->summary);
  tanba_gui_set_required (self->confirm_check, TRUE);
  /* The summary first: a screen reader reads the data, then Tab reaches the check box. */
  tanba_wizard_page_set_first_focus (page, self->summary);
}

TanbaWizardPage *
tanba_wizard_page_confirm_new (TanbaWizardData *data)
{
  TanbaWizardPage *page;

  g_return_val_if_fail (data != NULL, NULL);

  page = g_object_new (TANBA_TYPE_WIZARD_PAGE_CONFIRM, NULL);
  tanba_wizard_page_set_data (page, data);
  return page;
}
