/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tanba-i18n.h"
#include "tanba-gui-util.h"
#include "tanba-token.h"
#include "tanba-wizard-page-connect.h"

struct _TanbaWizardPageConnect
{
  TanbaWizardPage parent_instance;

  GtkWidget *heading;
  GtkWidget *intro;
  GtkWidget *module_error_label;
  GtkWidget *token_label;
  GtkWidget *token_list;
  GtkWidget *no_token_hint;
  GtkWidget *term_label;
  GtkWidget *term_group;
  GtkWidget *term1;
  GtkWidget *term2;
  GtkWidget *term3;
  GtkWidget *term_hint;
  GtkWidget *connected_check;

  gulong     added_id;
  gulong     removed_id;
  gulong     changed_id;

  /* The hint shown when the list stays empty (no token, or no driver). */
  guint      no_token_delay_ms;
  guint      no_token_source;
  GtkWidget *hint_spoken_on;   /* weak: the widget the hint was spoken through */
};

/* How long the list may stay empty before the hint says what to check. */
#define NO_TOKEN_DELAY_MS 5000

G_DEFINE_FINAL_TYPE (TanbaWizardPageConnect, tanba_wizard_page_connect, TANBA_TYPE_WIZARD_PAGE)

#define ROW_INFO "tanba-token-info"

typedef struct
{
  char           *serial;
  TanbaTokenInfo *info;
} OpenData;

static void
open_data_free (OpenData *od)
{
  g_free (od->serial);
  g_clear_pointer (&od->info, tanba_token_info_free);
  g_free (od);
}

static char *
row_text (const TanbaTokenInfo *info)
{
  g_autofree char *label = tanba_token_info_dup_display_label (info);
  const char *model = info->model != NULL && info->model[0] != '\0' ? info->model : _("Token");

  if (tanba_token_info_is_factory_empty (info))
    /* Translators: a token in the list: model, label, then that it is new. */
    return g_strdup_printf (_("%s %s — empty, new token"), model, label);
  if (tanba_token_info_user_pin_locked (info))
    /* Translators: a token whose password is locked. */
    return g_strdup_printf (_("%s %s — password locked"), model, label);
  /* Translators: a token in the list: model and label. */
  return g_strdup_printf (_("%s %s"), model, label);
}

static char *
row_description (const TanbaTokenInfo *info)
{
  /* Translators: a token's serial number. */
  return g_strdup_printf (_("Serial number %s"), info->serial != NULL ? info->serial : "");
}

static void
update_row (GtkWidget            *row,
            const TanbaTokenInfo *info)
{
  GtkWidget *box = gtk_list_box_row_get_child (GTK_LIST_BOX_ROW (row));
  GtkWidget *title = gtk_widget_get_first_child (box);
  GtkWidget *subtitle = gtk_widget_get_next_sibling (title);
  g_autofree char *text = row_text (info);
  g_autofree char *description = row_description (info);

  g_object_set_data_full (G_OBJECT (row), ROW_INFO, tanba_token_info_copy (info),
                          (GDestroyNotify) tanba_token_info_free);
  gtk_label_set_label (GTK_LABEL (title), text);
  gtk_label_set_label (GTK_LABEL (subtitle), description);
  tanba_gui_set_name (row, text);
  tanba_gui_set_description (row, description);
}

static GtkWidget *
find_row (TanbaWizardPageConnect *self,
          const TanbaTokenInfo   *info)
{
  for (GtkWidget *child = gtk_widget_get_first_child (self->token_list);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      const TanbaTokenInfo *row_info;

      if (!GTK_IS_LIST_BOX_ROW (child))
        continue;
      row_info = g_object_get_data (G_OBJECT (child), ROW_INFO);
      if (row_info != NULL && row_info->slot_id == info->slot_id
          && g_strcmp0 (row_info->serial, info->serial) == 0)
        return child;
    }
  return NULL;
}

static gboolean
no_token_timeout_cb (gpointer user_data)
{
  TanbaWizardPageConnect *self = user_data;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;
  const char *hint = gtk_label_get_text (GTK_LABEL (self->no_token_hint));

  self->no_token_source = 0;
  gtk_widget_set_visible (self->no_token_hint, TRUE);
  /* Spoken like the page's other status text: through the description of
   * the focused widget (GTK 4.8 has no announce), else of the page's first. */
  if (focus == NULL || !gtk_widget_is_ancestor (focus, GTK_WIDGET (self)))
    focus = tanba_wizard_page_get_first_focus (TANBA_WIZARD_PAGE (self));
  if (focus != NULL)
    {
      tanba_gui_speak (focus, hint);
      g_set_weak_pointer (&self->hint_spoken_on, focus);
    }
  return G_SOURCE_REMOVE;
}

/* With a live list: the hint after a while with no token, gone with the first. */
static void
update_no_token_hint (TanbaWizardPageConnect *self)
{
  /* Rows removed while the template is disposed select nothing: no hint. */
  if (self->no_token_hint == NULL)
    return;
  if (self->added_id == 0 || tanba_wizard_page_connect_get_n_tokens (self) > 0)
    {
      g_clear_handle_id (&self->no_token_source, g_source_remove);
      if (gtk_widget_get_visible (self->no_token_hint))
        {
          gtk_widget_set_visible (self->no_token_hint, FALSE);
          if (self->hint_spoken_on != NULL)
            tanba_gui_speak (self->hint_spoken_on, NULL);
          g_clear_weak_pointer (&self->hint_spoken_on);
        }
      return;
    }
  if (self->no_token_source == 0 && !gtk_widget_get_visible (self->no_token_hint))
    self->no_token_source = g_timeout_add (self->no_token_delay_ms, no_token_timeout_cb, self);
}

static void
update_complete (TanbaWizardPageConnect *self)
{
  GtkListBoxRow *row = gtk_list_box_get_selected_row (GTK_LIST_BOX (self->token_list));
  GtkWidget *first = gtk_widget_get_first_child (self->token_list);

  tanba_wizard_page_set_complete (TANBA_WIZARD_PAGE (self),
                                  row != NULL
                                  && gtk_check_button_get_active (GTK_CHECK_BUTTON (self->connected_check)));
  while (first != NULL && !GTK_IS_LIST_BOX_ROW (first))
    first = gtk_widget_get_next_sibling (first);
  if (row != NULL)
    tanba_wizard_page_set_first_focus (TANBA_WIZARD_PAGE (self), GTK_WIDGET (row));
  else if (first != NULL)
    tanba_wizard_page_set_first_focus (TANBA_WIZARD_PAGE (self), first);
  else
    tanba_wizard_page_set_first_focus (TANBA_WIZARD_PAGE (self), self->connected_check);
  update_no_token_hint (self);
}

static void
add_row (TanbaWizardPageConnect *self,
         const TanbaTokenInfo   *info)
{
  GtkWidget *row, *box, *title, *subtitle;

  /* An uninitialized slot (SoftHSM's free one) is no token to register. */
  if (find_row (self, info) != NULL || !tanba_token_info_is_initialized (info))
    return;

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  gtk_widget_set_margin_top (box, 8);
  gtk_widget_set_margin_bottom (box, 8);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  title = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_wrap (GTK_LABEL (title), TRUE);
  subtitle = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (subtitle), 0);
  gtk_widget_add_css_class (subtitle, "dim-label");
  gtk_box_append (GTK_BOX (box), title);
  gtk_box_append (GTK_BOX (box), subtitle);
  row = gtk_list_box_row_new ();
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  update_row (row, info);
  gtk_list_box_append (GTK_LIST_BOX (self->token_list), row);

  /* One token, nothing chosen yet: choose it. */
  if (gtk_list_box_get_selected_row (GTK_LIST_BOX (self->token_list)) == NULL
      && tanba_wizard_page_connect_get_n_tokens (self) == 1)
    gtk_list_box_select_row (GTK_LIST_BOX (self->token_list), GTK_LIST_BOX_ROW (row));
  update_complete (self);
}

static void
token_added_cb (TanbaTokenMonitor      *monitor,
                gpointer                info,
                TanbaWizardPageConnect *self)
{
  add_row (self, info);
}

static void
token_removed_cb (TanbaTokenMonitor      *monitor,
                  gpointer                info,
                  TanbaWizardPageConnect *self)
{
  GtkWidget *row = find_row (self, info);
  gboolean had_focus;

  if (row == NULL)
    return;
  had_focus = gtk_widget_has_focus (row);
  gtk_list_box_remove (GTK_LIST_BOX (self->token_list), row);
  update_complete (self);
  if (had_focus)
    tanba_gui_focus (tanba_wizard_page_get_first_focus (TANBA_WIZARD_PAGE (self)));
}

static void
token_changed_cb (TanbaTokenMonitor      *monitor,
                  gpointer                info,
                  TanbaWizardPageConnect *self)
{
  GtkWidget *row = find_row (self, info);

  if (row != NULL)
    update_row (row, info);
  else
    add_row (self, info);
}

static void
row_selected_cb (TanbaWizardPageConnect *self,
                 GtkListBoxRow          *row)
{
  update_complete (self);
}

static guint
chosen_term (TanbaWizardPageConnect *self)
{
  if (gtk_check_button_get_active (GTK_CHECK_BUTTON (self->term3)))
    return 3;
  if (gtk_check_button_get_active (GTK_CHECK_BUTTON (self->term2)))
    return 2;
  return 1;
}

static void
term_toggled_cb (TanbaWizardPageConnect *self,
                 GtkCheckButton         *button)
{
  TanbaWizardData *data = tanba_wizard_page_get_data (TANBA_WIZARD_PAGE (self));

  if (data != NULL)
    data->term_years = chosen_term (self);
}

static void
open_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  TanbaWizardPage *page = source_object;
  TanbaWizardData *data = tanba_wizard_page_get_data (page);
  OpenData *od = task_data;
  g_autoptr(GError) error = NULL;
  TanbaToken *token;

  token = tanba_token_open (data->module, od->serial, &error);
  if (token == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, token, (GDestroyNotify) tanba_token_unref);
}

static void
tanba_wizard_page_connect_apply (TanbaWizardPage     *page,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  TanbaWizardPageConnect *self = TANBA_WIZARD_PAGE_CONNECT (page);
  GtkListBoxRow *row = gtk_list_box_get_selected_row (GTK_LIST_BOX (self->token_list));
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  const TanbaTokenInfo *info;
  OpenData *od;

  g_task_set_source_tag (task, tanba_wizard_page_connect_apply);
  info = row != NULL ? g_object_get_data (G_OBJECT (row), ROW_INFO) : NULL;
  if (info == NULL || tanba_wizard_page_get_data (page)->module == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "%s", _("No token is chosen."));
      return;
    }
  od = g_new0 (OpenData, 1);
  od->serial = g_strdup (info->serial);
  od->info = tanba_token_info_copy (info);
  g_task_set_task_data (task, od, (GDestroyNotify) open_data_free);
  g_task_run_in_thread (task, open_thread);
}

static gboolean
tanba_wizard_page_connect_apply_finish (TanbaWizardPage  *page,
                                        GAsyncResult     *result,
                                        GError          **error)
{
  TanbaWizardPageConnect *self = TANBA_WIZARD_PAGE_CONNECT (page);
  TanbaWizardData *data = tanba_wizard_page_get_data (page);
  OpenData *od = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) local_error = NULL;
  g_autoptr(TanbaToken) token = NULL;

  token = g_task_propagate_pointer (G_TASK (result), &local_error);
  if (token == NULL)
    {
      g_autofree char *message = NULL;

      /* Translators: the token could not be opened; %s says why. */
      message = g_strdup_printf (_("The token cannot be used: %s"), local_error->message);
      gtk_label_set_label (GTK_LABEL (self->module_error_label), message);
      gtk_widget_set_visible (self->module_error_label, TRUE);
      tanba_gui_speak (gtk_widget_has_focus (self->connected_check) ? self->connected_check
                       : tanba_wizard_page_get_first_focus (page), message);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  if (data->module_error == NULL)
    gtk_widget_set_visible (self->module_error_label, FALSE);
  tanba_wizard_data_set_token (data, token, od->info);
  data->term_years = chosen_term (self);
  return TRUE;
}

static void
tanba_wizard_page_connect_dispose (GObject *object)
{
  TanbaWizardPageConnect *self = TANBA_WIZARD_PAGE_CONNECT (object);
  TanbaWizardData *data = tanba_wizard_page_get_data (TANBA_WIZARD_PAGE (self));

  g_clear_handle_id (&self->no_token_source, g_source_remove);
  g_clear_weak_pointer (&self->hint_spoken_on);
  if (data != NULL && data->monitor != NULL)
    {
      g_clear_signal_handler (&self->added_id, data->monitor);
      g_clear_signal_handler (&self->removed_id, data->monitor);
      g_clear_signal_handler (&self->changed_id, data->monitor);
    }
  gtk_widget_dispose_template (GTK_WIDGET (self), TANBA_TYPE_WIZARD_PAGE_CONNECT);

  G_OBJECT_CLASS (tanba_wizard_page_connect_parent_class)->dispose (object);
}

static void
tanba_wizard_page_connect_class_init (TanbaWizardPageConnectClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  TanbaWizardPageClass *page_class = TANBA_WIZARD_PAGE_CLASS (klass);

  object_class->dispose = tanba_wizard_page_connect_dispose;
  page_class->apply = tanba_wizard_page_connect_apply;
  page_class->apply_finish = tanba_wizard_page_connect_apply_finish;

  gtk_widget_class_set_template_from_resource (widget_class, "/kz/tanba/Tanba/ui/pages/tanba-wizard-page-connect.ui");
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPageConnect, heading);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPageConnect, intro);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPageConnect, module_error_label);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPageConnect, token_label);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPageConnect, token_list);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPageConnect, no_token_hint);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPageConnect, term_label);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPageConnect, term_group);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPageConnect, term1);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPageConnect, term2);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPageConnect, term3);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPageConnect, term_hint);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardPageConnect, connected_check);
  gtk_widget_class_bind_template_callback (widget_class, row_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, term_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, update_complete);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
tanba_wizard_page_connect_init (TanbaWizardPageConnect *self)
{
  TanbaWizardPage *page = TANBA_WIZARD_PAGE (self);

  gtk_widget_init_template (GTK_WIDGET (self));
  self->no_token_delay_ms = NO_TOKEN_DELAY_MS;

  tanba_wizard_page_set_title (page, _("Connect the token"));
  tanba_wizard_page_set_heading (page, self->heading);
  tanba_gui_described_by (GTK_WIDGET (self), self->intro);
  tanba_gui_label_for (self->token_label, self->token_list);
  tanba_gui_described_by (self->token_list, self->intro);
  tanba_gui_set_required (self->token_list, TRUE);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (self->term_group),
                                  GTK_ACCESSIBLE_RELATION_LABELLED_BY, self->term_label, NULL,
                                  -1);
  tanba_gui_described_by (self->term_group, self->term_hint);
  tanba_gui_fix_mnemonic_name (self->term1);
  tanba_gui_fix_mnemonic_name (self->term2);
  tanba_gui_fix_mnemonic_name (self->term3);
  tanba_gui_fix_mnemonic_name (self->connected_check);
  tanba_gui_set_required (self->connected_check, TRUE);
  tanba_wizard_page_set_first_focus (page, self->connected_check);
}

TanbaWizardPage *
tanba_wizard_page_connect_new (TanbaWizardData *data)
{
  TanbaWizardPageConnect *self;

  g_return_val_if_fail (data != NULL, NULL);

  self = g_object_new (TANBA_TYPE_WIZARD_PAGE_CONNECT, NULL);
  tanba_wizard_page_set_data (TANBA_WIZARD_PAGE (self), data);

  switch (data->term_years)
    {
    case 3:
      gtk_check_button_set_active (GTK_CHECK_BUTTON (self->term3), TRUE);
      break;
    case 2:
      gtk_check_button_set_active (GTK_CHECK_BUTTON (self->term2), TRUE);
      break;
    default:
      gtk_check_button_set_active (GTK_CHECK_BUTTON (self->term1), TRUE);
      break;
    }

  if (data->module == NULL)
    {
      g_autofree char *message = NULL;

      /* Translators: the PKCS#11 library did not load; %s says why. */
      message = g_strdup_printf (_("Tokens cannot be found: %s Check the token library in the settings (tanba --module PATH)."),
                                 data->module_error != NULL ? data->module_error : "");
      gtk_label_set_label (GTK_LABEL (self->module_error_label), message);
      gtk_widget_set_visible (self->module_error_label, TRUE);
      tanba_gui_described_by (self->token_list, self->module_error_label);
    }
  else if (data->monitor != NULL)
    {
      GPtrArray *tokens;

      self->added_id = g_signal_connect (data->monitor, "token-added", G_CALLBACK (token_added_cb), self);
      self->removed_id = g_signal_connect (data->monitor, "token-removed", G_CALLBACK (token_removed_cb), self);
      self->changed_id = g_signal_connect (data->monitor, "token-changed", G_CALLBACK (token_changed_cb), self);
      tokens = tanba_token_monitor_get_tokens (data->monitor);
      for (guint i = 0; tokens != NULL && i < tokens->len; i++)
        add_row (self, g_ptr_array_index (tokens, i));
    }
  update_complete (self);
  return TANBA_WIZARD_PAGE (self);
}

void
tanba_wizard_page_connect_set_no_token_delay (TanbaWizardPageConnect *self,
                                              guint                   delay_ms)
{
  g_return_if_fail (TANBA_IS_WIZARD_PAGE_CONNECT (self));

  self->no_token_delay_ms = delay_ms;
  /* A wait under way starts again with the new delay. */
  if (self->no_token_source != 0)
    {
      g_clear_handle_id (&self->no_token_source, g_source_remove);
      update_no_token_hint (self);
    }
}

gboolean
tanba_wizard_page_connect_get_no_token_hint_shown (TanbaWizardPageConnect *self)
{
  g_return_val_if_fail (TANBA_IS_WIZARD_PAGE_CONNECT (self), FALSE);

  return gtk_widget_get_visible (self->no_token_hint);
}

guint
tanba_wizard_page_connect_get_n_tokens (TanbaWizardPageConnect *self)
{
  guint n = 0;

  g_return_val_if_fail (TANBA_IS_WIZARD_PAGE_CONNECT (self), 0);

  for (GtkWidget *child = gtk_widget_get_first_child (self->token_list);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_LIST_BOX_ROW (child))
      n++;
  return n;
}
