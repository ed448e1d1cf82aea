/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tanba-i18n.h"
#include "tanba-password-checklist.h"
#include "tanba-password-policy.h"

struct _TanbaPasswordChecklist
{
  GtkWidget  parent_instance;

  GtkWidget *rows[TANBA_PASSWORD_N_RULES];
  GtkWidget *icons[TANBA_PASSWORD_N_RULES];
  GtkWidget *labels[TANBA_PASSWORD_N_RULES];
  gsize      max_len;
  gboolean   with_confirmation;
  gboolean   acceptable;
  char      *summary;
};

G_DEFINE_FINAL_TYPE (TanbaPasswordChecklist, tanba_password_checklist, GTK_TYPE_WIDGET)

static const char *
state_icon (TanbaRuleState state)
{
  switch (state)
    {
    case TANBA_RULE_STATE_MET:
      return "object-select-symbolic";
    case TANBA_RULE_STATE_NOT_MET:
      return "window-close-symbolic";
    case TANBA_RULE_STATE_NOT_APPLICABLE:
    default:
      return "media-record-symbolic";
    }
}

static void
apply_evaluation (TanbaPasswordChecklist        *self,
                  const TanbaPasswordEvaluation *evaluation)
{
  const TanbaPasswordRuleResult *results;
  const char *first_unmet = NULL;
  guint n_results = 0;
  guint i;

  for (i = 0; i < TANBA_PASSWORD_N_RULES; i++)
    gtk_widget_set_visible (self->rows[i], FALSE);

  results = tanba_password_evaluation_get_results (evaluation, &n_results);
  for (i = 0; i < n_results; i++)
    {
      const TanbaPasswordRuleResult *r = &results[i];
      g_autofree char *name = NULL;

      /* Translators: a password rule and its state: "At least 8 characters: met". */
      name = g_strdup_printf (_("%s: %s"), r->description, tanba_rule_state_to_string (r->state));
      gtk_label_set_label (GTK_LABEL (self->labels[r->rule]), r->description);
      gtk_image_set_from_icon_name (GTK_IMAGE (self->icons[r->rule]), state_icon (r->state));
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->rows[r->rule]),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, name,
                                      -1);
      gtk_widget_remove_css_class (self->rows[r->rule], "success");
      gtk_widget_remove_css_class (self->rows[r->rule], "error");
      gtk_widget_remove_css_class (self->rows[r->rule], "dim-label");
      gtk_widget_add_css_class (self->rows[r->rule],
                                r->state == TANBA_RULE_STATE_MET ? "success" :
                                r->state == TANBA_RULE_STATE_NOT_MET ? "error" : "dim-label");
      gtk_widget_set_visible (self->rows[r->rule], TRUE);
      if (r->state != TANBA_RULE_STATE_MET && first_unmet == NULL)
        first_unmet = r->description;
    }

  self->acceptable = tanba_password_evaluation_is_acceptable (evaluation);
  g_free (self->summary);
  if (self->acceptable)
    self->summary = g_strdup (_("All password rules are met."));
  else
    /* Translators: the first password rule not met yet. */
    self->summary = g_strdup_printf (_("Not met: %s"), first_unmet != NULL ? first_unmet : "");
}

static void
tanba_password_checklist_dispose (GObject *object)
{
  TanbaPasswordChecklist *self = TANBA_PASSWORD_CHECKLIST (object);
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (tanba_password_checklist_parent_class)->dispose (object);
}

static void
tanba_password_checklist_finalize (GObject *object)
{
  TanbaPasswordChecklist *self = TANBA_PASSWORD_CHECKLIST (object);

  g_clear_pointer (&self->summary, g_free);

  G_OBJECT_CLASS (tanba_password_checklist_parent_class)->finalize (object);
}

static void
tanba_password_checklist_class_init (TanbaPasswordChecklistClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tanba_password_checklist_dispose;
  object_class->finalize = tanba_password_checklist_finalize;

  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_LIST);
  gtk_widget_class_set_css_name (widget_class, "passwordchecklist");
}

static void
tanba_password_checklist_init (TanbaPasswordChecklist *self)
{
  g_autoptr(TanbaPasswordEvaluation) evaluation = NULL;
  GtkLayoutManager *layout = gtk_box_layout_new (GTK_ORIENTATION_VERTICAL);
  guint i;

  gtk_box_layout_set_spacing (GTK_BOX_LAYOUT (layout), 4);
  gtk_widget_set_layout_manager (GTK_WIDGET (self), layout);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Password rules"),
                                  -1);

  for (i = 0; i < TANBA_PASSWORD_N_RULES; i++)
    {
      self->rows[i] = g_object_new (GTK_TYPE_BOX,
                                    "orientation", GTK_ORIENTATION_HORIZONTAL,
                                    "spacing", 6,
                                    "accessible-role", GTK_ACCESSIBLE_ROLE_LIST_ITEM,
                                    NULL);
      self->icons[i] = g_object_new (GTK_TYPE_IMAGE,
                                     "accessible-role", GTK_ACCESSIBLE_ROLE_PRESENTATION,
                                     NULL);
      self->labels[i] = g_object_new (GTK_TYPE_LABEL,
                                      "xalign", 0.0f,
                                      "wrap", TRUE,
                                      "accessible-role", GTK_ACCESSIBLE_ROLE_PRESENTATION,
                                      NULL);
      gtk_box_append (GTK_BOX (self->rows[i]), self->icons[i]);
      gtk_box_append (GTK_BOX (self->rows[i]), self->labels[i]);
      gtk_widget_set_parent (self->rows[i], GTK_WIDGET (self));
    }

  self->with_confirmation = TRUE;
  evaluation = tanba_password_policy_evaluate (NULL, "", self->max_len);
  apply_evaluation (self, evaluation);
}

GtkWidget *
tanba_password_checklist_new (void)
{
  return g_object_new (TANBA_TYPE_PASSWORD_CHECKLIST, NULL);
}

void
tanba_password_checklist_update (TanbaPasswordChecklist *self,
                                 const char             *password,
                                 const char             *confirmation)
{
  g_autoptr(TanbaPasswordEvaluation) evaluation = NULL;

  g_return_if_fail (TANBA_IS_PASSWORD_CHECKLIST (self));

  self->with_confirmation = confirmation != NULL;
  evaluation = tanba_password_policy_evaluate (password, confirmation, self->max_len);
  apply_evaluation (self, evaluation);
}

gboolean
tanba_password_checklist_is_acceptable (TanbaPasswordChecklist *self)
{
  g_return_val_if_fail (TANBA_IS_PASSWORD_CHECKLIST (self), FALSE);

  return self->acceptable;
}

void
tanba_password_checklist_set_max_length (TanbaPasswordChecklist *self,
                                         gsize                   max_len)
{
  g_autoptr(TanbaPasswordEvaluation) evaluation = NULL;

  g_return_if_fail (TANBA_IS_PASSWORD_CHECKLIST (self));

  self->max_len = max_len;
  evaluation = tanba_password_policy_evaluate (NULL, self->with_confirmation ? "" : NULL, max_len);
  apply_evaluation (self, evaluation);
}

const char *
tanba_password_checklist_get_summary (TanbaPasswordChecklist *self)
{
  g_return_val_if_fail (TANBA_IS_PASSWORD_CHECKLIST (self), NULL);

  return self->summary;
}
