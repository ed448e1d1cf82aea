/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tanba-i18n.h"
#include "tanba-gui-util.h"
#include "tanba-wizard-page-done.h"

struct _TanbaWizardPageDone
{
  TanbaWizardPage parent_instance;

  GtkWidget *heading;
  GtkWidget *summary;
};

G_DEFINE_FINAL_TYPE (TanbaWizardPageDone, tanba_wizard_page_done, TANBA_TYPE_WIZARD_PAGE)

static void
tanba_wizard_page_done_shown (TanbaWizardPage *page)
{
  TanbaWizardPageDone *self = TANBA_WIZARD_PAGE_DONE (page);
  TanbaWizardData *data = tanba_wizard_page_get_data (page);
  g_autofree char *token = tanba_wizard_data_dup_token_title (data);
  const TanbaRegistrationMarker *result = data->result;
  const char *user_id = result != NULL && result->user_id != NULL ? result->user_id
                        : data->user_id != NULL ? data->user_id : "";
  g_autofree char *text = NULL;

  /* Translators: what the registration created; %s: user ID, then the token. */
  text = g_strdup_printf (_("Your profile for user %s is on the token %s:\n"
                            "• a signing key and its signing certificate;\n"
                            "• an authentication key and its authentication certificate;\n"
                            "both certificates are registered with the bank’s internet banking.\n\n"
                            "Use the token and its new password to sign in and to sign payment orders. Finish opens the sign-in window with this profile."),
                          user_id,
                          data->token_name != NULL ? data->token_name : token);
  gtk_label_set_label (GTK_LABEL (self->summary), text);
}

static void
tanba_wizard_page_done_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), TANBA_TYPE_WIZARD_PAGE_DONE);

  G_OBJECT_CLASS (tanba_wizard_page_done_parent_class)->dispose (object);
}

static void
tanba_wizard_page_done_class_init (TanbaWizardPageDoneClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  TanbaWizardPageClass *page_class = TANBA_WIZARD_PAGE_CLASS (klass);

  object_class->dispose = tanba_wizard_page_done_dispose;
  page_class->shown = tanba_wizard_page_done_shown;

  gtk_widget_class_set_template_from_resource (widget_class, "/kz/tanba/Tanba/ui/pages/tanba-wizard-page-done.ui");
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPageDone, heading);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPageDone, summary);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
tanba_wizard_page_done_init (TanbaWizardPageDone *self)
{
  TanbaWizardPage *page = TANBA_WIZARD_PAGE (self);

  gtk_widget_init_template (GTK_WIDGET (self));

  tanba_wizard_page_set_title (page, _("Done"));
  tanba_wizard_page_set_heading (page, self->heading);
  tanba_wizard_page_set_can_go_back (page, FALSE);
  tanba_gui_described_by (GTK_WIDGET (self), self->summary);
  tanba_wizard_page_set_first_focus (page, self->summary);
  tanba_wizard_page_set_complete (page, TRUE);
}

TanbaWizardPage *
tanba_wizard_page_done_new (TanbaWizardData *data)
{
  TanbaWizardPage *page;

  g_return_val_if_fail (data != NULL, NULL);

  page = g_object_new (TANBA_TYPE_WIZARD_PAGE_DONE, NULL);
  tanba_wizard_page_set_data (page, data);
  return page;
}
