/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tanba-resources.h"

#include "tanba-wizard-page.h"

typedef struct
{
  char            *title;
  char            *next;
  GtkWidget       *heading;
  GtkWidget       *first_focus;
  TanbaWizardData *data;
  guint            complete : 1;
  guint            applying : 1;
  guint            can_go_back : 1;
} TanbaWizardPagePrivate;

G_DEFINE_TYPE_WITH_PRIVATE (TanbaWizardPage, tanba_wizard_page, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_TITLE,
  PROP_COMPLETE,
  PROP_APPLYING,
  PROP_CAN_GO_BACK,
  N_PROPS
};

enum {
  SIGNAL_REQUEST_NEXT,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* g_set_str() is GLib 2.76. */
static gboolean
set_str (char       **slot,
         const char  *value)
{
  if (g_strcmp0 (*slot, value) == 0)
    return FALSE;
  g_free (*slot);
  *slot = g_strdup (value);
  return TRUE;
}

static void
tanba_wizard_page_real_shown (TanbaWizardPage *self)
{
}

static void
tanba_wizard_page_real_apply (TanbaWizardPage     *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, tanba_wizard_page_real_apply);
  g_task_return_boolean (task, TRUE);
}

static gboolean
tanba_wizard_page_real_apply_finish (TanbaWizardPage  *self,
                                     GAsyncResult     *result,
                                     GError          **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
tanba_wizard_page_dispose (GObject *object)
{
  TanbaWizardPage *self = TANBA_WIZARD_PAGE (object);
  TanbaWizardPagePrivate *priv = tanba_wizard_page_get_instance_private (self);
  GtkWidget *child;

  priv->heading = NULL;
  priv->first_focus = NULL;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (tanba_wizard_page_parent_class)->dispose (object);
}

static void
tanba_wizard_page_finalize (GObject *object)
{
  TanbaWizardPage *self = TANBA_WIZARD_PAGE (object);
  TanbaWizardPagePrivate *priv = tanba_wizard_page_get_instance_private (self);

  g_clear_pointer (&priv->title, g_free);
  g_clear_pointer (&priv->next, g_free);
  g_clear_pointer (&priv->data, tanba_wizard_data_unref);

  G_OBJECT_CLASS (tanba_wizard_page_parent_class)->finalize (object);
}

static void
tanba_wizard_page_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  TanbaWizardPage *self = TANBA_WIZARD_PAGE (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      g_value_set_string (value, tanba_wizard_page_get_title (self));
      break;
    case PROP_COMPLETE:
      g_value_set_boolean (value, tanba_wizard_page_get_complete (self));
      break;
    case PROP_APPLYING:
      g_value_set_boolean (value, tanba_wizard_page_get_applying (self));
      break;
    case PROP_CAN_GO_BACK:
      g_value_set_boolean (value, tanba_wizard_page_get_can_go_back (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tanba_wizard_page_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  TanbaWizardPage *self = TANBA_WIZARD_PAGE (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      tanba_wizard_page_set_title (self, g_value_get_string (value));
      break;
    case PROP_COMPLETE:
      tanba_wizard_page_set_complete (self, g_value_get_boolean (value));
      break;
    case PROP_APPLYING:
      tanba_wizard_page_set_applying (self, g_value_get_boolean (value));
      break;
    case PROP_CAN_GO_BACK:
      tanba_wizard_page_set_can_go_back (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tanba_wizard_page_class_init (TanbaWizardPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tanba_wizard_page_dispose;
  object_class->finalize = tanba_wizard_page_finalize;
  object_class->get_property = tanba_wizard_page_get_property;
  object_class->set_property = tanba_wizard_page_set_property;

  klass->shown = tanba_wizard_page_real_shown;
  klass->apply = tanba_wizard_page_real_apply;
  klass->apply_finish = tanba_wizard_page_real_apply_finish;

  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_COMPLETE] =
    g_param_spec_boolean ("complete", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_APPLYING] =
    g_param_spec_boolean ("applying", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_CAN_GO_BACK] =
    g_param_spec_boolean ("can-go-back", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * TanbaWizardPage::request-next:
   *
   * The page asks the window to move on without Next being pressed.
   */
  signals[SIGNAL_REQUEST_NEXT] =
    g_signal_new ("request-next",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
  /* Links the GResource in (its constructor registers it). */
  (void) tanba_get_resource ();
}

static void
tanba_wizard_page_init (TanbaWizardPage *self)
{
  TanbaWizardPagePrivate *priv = tanba_wizard_page_get_instance_private (self);
  GtkLayoutManager *layout = gtk_box_layout_new (GTK_ORIENTATION_VERTICAL);

  priv->can_go_back = TRUE;
  gtk_box_layout_set_spacing (GTK_BOX_LAYOUT (layout), 12);
  gtk_widget_set_layout_manager (GTK_WIDGET (self), layout);
}

const char *
tanba_wizard_page_get_title (TanbaWizardPage *self)
{
  TanbaWizardPagePrivate *priv;

  g_return_val_if_fail (TANBA_IS_WIZARD_PAGE (self), NULL);
  priv = tanba_wizard_page_get_instance_private (self);
  return priv->title;
}

void
tanba_wizard_page_set_title (TanbaWizardPage *self,
                             const char      *title)
{
  TanbaWizardPagePrivate *priv;

  g_return_if_fail (TANBA_IS_WIZARD_PAGE (self));
  priv = tanba_wizard_page_get_instance_private (self);
  if (set_str (&priv->title, title))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
}

gboolean
tanba_wizard_page_get_complete (TanbaWizardPage *self)
{
  TanbaWizardPagePrivate *priv;

  g_return_val_if_fail (TANBA_IS_WIZARD_PAGE (self), FALSE);
  priv = tanba_wizard_page_get_instance_private (self);
  return priv->complete;
}

void
tanba_wizard_page_set_complete (TanbaWizardPage *self,
                                gboolean         complete)
{
  TanbaWizardPagePrivate *priv;

  g_return_if_fail (TANBA_IS_WIZARD_PAGE (self));
  priv = tanba_wizard_page_get_instance_private (self);
  complete = !!complete;
  if (priv->complete != complete)
    {
      priv->complete = complete;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COMPLETE]);
    }
}

gboolean
tanba_wizard_page_get_applying (TanbaWizardPage *self)
{
  TanbaWizardPagePrivate *priv;

  g_return_val_if_fail (TANBA_IS_WIZARD_PAGE (self), FALSE);
  priv = tanba_wizard_page_get_instance_private (self);
  return priv->applying;
}

void
tanba_wizard_page_set_applying (TanbaWizardPage *self,
                                gboolean         applying)
{
  TanbaWizardPagePrivate *priv;

  g_return_if_fail (TANBA_IS_WIZARD_PAGE (self));
  priv = tanba_wizard_page_get_instance_private (self);
  applying = !!applying;
  if (priv->applying != applying)
    {
      priv->applying = applying;
      gtk_accessible_update_state (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_STATE_BUSY, applying, -1);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_APPLYING]);
    }
}

gboolean
tanba_wizard_page_get_can_go_back (TanbaWizardPage *self)
{
  TanbaWizardPagePrivate *priv;

  g_return_val_if_fail (TANBA_IS_WIZARD_PAGE (self), FALSE);
  priv = tanba_wizard_page_get_instance_private (self);
  return priv->can_go_back;
}

void
tanba_wizard_page_set_can_go_back (TanbaWizardPage *self,
                                   gboolean         can_go_back)
{
  TanbaWizardPagePrivate *priv;

  g_return_if_fail (TANBA_IS_WIZARD_PAGE (self));
  priv = tanba_wizard_page_get_instance_private (self);
  can_go_back = !!can_go_back;
  if (priv->can_go_back != can_go_back)
    {
      priv->can_go_back = can_go_back;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_GO_BACK]);
    }
}

void
tanba_wizard_page_set_heading (TanbaWizardPage *self,
                               GtkWidget       *heading)
{
  TanbaWizardPagePrivate *priv;

  g_return_if_fail (TANBA_IS_WIZARD_PAGE (self));
  g_return_if_fail (GTK_IS_WIDGET (heading));
  priv = tanba_wizard_page_get_instance_private (self);

  priv->heading = heading;
  gtk_accessible_update_relation (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_RELATION_LABELLED_BY, heading, NULL,
                                  -1);
  if (GTK_IS_LABEL (heading))
    gtk_accessible_update_property (GTK_ACCESSIBLE (heading),
                                    GTK_ACCESSIBLE_PROPERTY_LEVEL, 1,
                                    -1);
}

GtkWidget *
tanba_wizard_page_get_heading (TanbaWizardPage *self)
{
  TanbaWizardPagePrivate *priv;

  g_return_val_if_fail (TANBA_IS_WIZARD_PAGE (self), NULL);
  priv = tanba_wizard_page_get_instance_private (self);
  return priv->heading;
}

GtkWidget *
tanba_wizard_page_get_first_focus (TanbaWizardPage *self)
{
  TanbaWizardPagePrivate *priv;

  g_return_val_if_fail (TANBA_IS_WIZARD_PAGE (self), NULL);
  priv = tanba_wizard_page_get_instance_private (self);
  return priv->first_focus;
}

void
tanba_wizard_page_set_first_focus (TanbaWizardPage *self,
                                   GtkWidget       *widget)
{
  TanbaWizardPagePrivate *priv;

  g_return_if_fail (TANBA_IS_WIZARD_PAGE (self));
  g_return_if_fail (widget == NULL || GTK_IS_WIDGET (widget));
  priv = tanba_wizard_page_get_instance_private (self);
  priv->first_focus = widget;
}

TanbaWizardData *
tanba_wizard_page_get_data (TanbaWizardPage *self)
{
  TanbaWizardPagePrivate *priv;

  g_return_val_if_fail (TANBA_IS_WIZARD_PAGE (self), NULL);
  priv = tanba_wizard_page_get_instance_private (self);
  return priv->data;
}

void
tanba_wizard_page_set_data (TanbaWizardPage *self,
                            TanbaWizardData *data)
{
  TanbaWizardPagePrivate *priv;

  g_return_if_fail (TANBA_IS_WIZARD_PAGE (self));
  priv = tanba_wizard_page_get_instance_private (self);
  if (data != NULL)
    tanba_wizard_data_ref (data);
  g_clear_pointer (&priv->data, tanba_wizard_data_unref);
  priv->data = data;
}

const char *
tanba_wizard_page_get_next (TanbaWizardPage *self)
{
  TanbaWizardPagePrivate *priv;

  g_return_val_if_fail (TANBA_IS_WIZARD_PAGE (self), NULL);
  priv = tanba_wizard_page_get_instance_private (self);
  return priv->next;
}

void
tanba_wizard_page_set_next (TanbaWizardPage *self,
                            const char      *page_name)
{
  TanbaWizardPagePrivate *priv;

  g_return_if_fail (TANBA_IS_WIZARD_PAGE (self));
  priv = tanba_wizard_page_get_instance_private (self);
  set_str (&priv->next, page_name);
}

void
tanba_wizard_page_request_next (TanbaWizardPage *self)
{
  g_return_if_fail (TANBA_IS_WIZARD_PAGE (self));

  g_signal_emit (self, signals[SIGNAL_REQUEST_NEXT], 0);
}

void
tanba_wizard_page_shown (TanbaWizardPage *self)
{
  g_return_if_fail (TANBA_IS_WIZARD_PAGE (self));

  TANBA_WIZARD_PAGE_GET_CLASS (self)->shown (self);
}

void
tanba_wizard_page_apply (TanbaWizardPage     *self,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_return_if_fail (TANBA_IS_WIZARD_PAGE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  TANBA_WIZARD_PAGE_GET_CLASS (self)->apply (self, cancellable, callback, user_data);
}

gboolean
tanba_wizard_page_apply_finish (TanbaWizardPage  *self,
                                GAsyncResult     *result,
                                GError          **error)
{
  g_return_val_if_fail (TANBA_IS_WIZARD_PAGE (self), FALSE);

  return TANBA_WIZARD_PAGE_GET_CLASS (self)->apply_finish (self, result, error);
}
