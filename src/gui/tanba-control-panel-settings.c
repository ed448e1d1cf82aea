/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-control-panel-settings.c: the Settings tab. */
#include "config.h"

#include <adwaita.h>

#include "tanba-i18n.h"
#include "tanba-control-panel-private.h"
#include "tanba-control-panel-settings.h"
#include "tanba-gui-util.h"
#include "tanba-settings.h"

struct _TanbaControlPanelSettings
{
  GtkWidget             parent_instance;

  GtkWidget            *scrolled;
  GtkWidget            *page;
  GtkWidget            *heading_label;
  GtkWidget            *status_label;
  GtkWidget            *fields;
  GtkWidget            *module_label;
  GtkWidget            *module_entry;
  GtkWidget            *module_hint;
  GtkWidget            *ca_label;
  GtkWidget            *ca_entry;
  GtkWidget            *ca_hint;
  GtkWidget            *bank_label;
  GtkWidget            *bank_entry;
  GtkWidget            *trust_label;
  GtkWidget            *trust_entry;
  GtkWidget            *trust_button;
  GtkWidget            *trust_hint;
  GtkWidget            *algorithm_label;
  GtkWidget            *algorithm_dropdown;
  GtkWidget            *term_label;
  GtkWidget            *term_spin;
  GtkWidget            *warning_label;
  GtkWidget            *warning_spin;

  GSettings            *settings;
  GtkFileChooserNative *chooser;
};

G_DEFINE_FINAL_TYPE (TanbaControlPanelSettings, tanba_control_panel_settings, GTK_TYPE_WIDGET)

/* The key-algorithm enum's nicks, in the drop-down's order. */
static const char *const algorithm_nicks[] = { "rsa2048", "p256" };

/* ---- helpers --------------------------------------------------------------- */

static gboolean
algorithm_get_mapping (GValue   *value,
                       GVariant *variant,
                       gpointer  user_data)
{
  const char *nick = g_variant_get_string (variant, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (algorithm_nicks); i++)
    if (g_strcmp0 (nick, algorithm_nicks[i]) == 0)
      {
        g_value_set_uint (value, i);
        return TRUE;
      }
  return FALSE;
}

static GVariant *
algorithm_set_mapping (const GValue       *value,
                       const GVariantType *expected_type,
                       gpointer            user_data)
{
  guint index = g_value_get_uint (value);

  if (index >= G_N_ELEMENTS (algorithm_nicks))
    return NULL;
  return g_variant_new_string (algorithm_nicks[index]);
}

/* ---- callbacks ------------------------------------------------------------- */

static void
algorithm_selected_cb (TanbaControlPanelSettings *self)
{
  tanba_control_panel_name_drop_down (self->algorithm_dropdown, self->algorithm_label);
}

static void
trust_response_cb (TanbaControlPanelSettings *self,
                   int                        response,
                   GtkNativeDialog           *chooser)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

      if (path != NULL)
        gtk_editable_set_text (GTK_EDITABLE (self->trust_entry), path);
    }
  g_clear_object (&self->chooser);
  tanba_gui_focus (self->trust_entry);
}

static void
trust_clicked_cb (TanbaControlPanelSettings *self)
{
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  if (self->chooser != NULL)
    return;
  self->chooser = gtk_file_chooser_native_new (_("Choose the Trust Anchor"),
                                               GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                               GTK_FILE_CHOOSER_ACTION_OPEN,
                                               _("_Open"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  gtk_file_filter_set_name (filter, _("PEM certificates"));
  gtk_file_filter_add_pattern (filter, "*.pem");
  gtk_file_filter_add_pattern (filter, "*.crt");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
  g_signal_connect_swapped (self->chooser, "response", G_CALLBACK (trust_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

/* ---- overrides ------------------------------------------------------------- */

static void
tanba_control_panel_settings_dispose (GObject *object)
{
  TanbaControlPanelSettings *self = TANBA_CONTROL_PANEL_SETTINGS (object);

  if (self->chooser != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->chooser, self);
      gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
      g_clear_object (&self->chooser);
    }
  g_clear_object (&self->settings);
  g_clear_pointer (&self->scrolled, gtk_widget_unparent);
  gtk_widget_dispose_template (GTK_WIDGET (self), TANBA_TYPE_CONTROL_PANEL_SETTINGS);
  G_OBJECT_CLASS (tanba_control_panel_settings_parent_class)->dispose (object);
}

static void
tanba_control_panel_settings_class_init (TanbaControlPanelSettingsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tanba_control_panel_settings_dispose;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               TANBA_CONTROL_PANEL_UI ("tanba-control-panel-settings.ui"));
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, TanbaControlPanelSettings, name)
  BIND (scrolled);
  BIND (page);
  BIND (heading_label);
  BIND (status_label);
  BIND (fields);
  BIND (module_label);
  BIND (module_entry);
  BIND (module_hint);
  BIND (ca_label);
  BIND (ca_entry);
  BIND (ca_hint);
  BIND (bank_label);
  BIND (bank_entry);
  BIND (trust_label);
  BIND (trust_entry);
  BIND (trust_button);
  BIND (trust_hint);
  BIND (algorithm_label);
  BIND (algorithm_dropdown);
  BIND (term_label);
  BIND (term_spin);
  BIND (warning_label);
  BIND (warning_spin);
#undef BIND
  gtk_widget_class_bind_template_callback (widget_class, trust_clicked_cb);
}

static void
tanba_control_panel_settings_init (TanbaControlPanelSettings *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  /* The controls inside take the focus: no unnamed focus stop (GTK 4.8
   * drops a scrolled window's name). */
  gtk_widget_set_focusable (self->scrolled, FALSE);

  tanba_gui_fix_mnemonic_name (self->trust_button);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (self->page),
                                  GTK_ACCESSIBLE_RELATION_LABELLED_BY, self->heading_label, NULL,
                                  -1);
  tanba_gui_label_for (self->module_label, self->module_entry);
  tanba_gui_described_by (self->module_entry, self->module_hint);
  tanba_gui_label_for (self->ca_label, self->ca_entry);
  tanba_gui_described_by (self->ca_entry, self->ca_hint);
  tanba_gui_label_for (self->bank_label, self->bank_entry);
  tanba_gui_label_for (self->trust_label, self->trust_entry);
  tanba_gui_described_by (self->trust_entry, self->trust_hint);
  tanba_gui_label_for (self->algorithm_label, self->algorithm_dropdown);
  tanba_control_panel_name_drop_down (self->algorithm_dropdown, self->algorithm_label);
  g_signal_connect_swapped (self->algorithm_dropdown, "notify::selected",
                            G_CALLBACK (algorithm_selected_cb), self);
  tanba_gui_label_for (self->term_label, self->term_spin);
  tanba_gui_label_for (self->warning_label, self->warning_spin);

  self->settings = tanba_settings_new ();
  if (self->settings == NULL)
    {
      gtk_label_set_text (GTK_LABEL (self->status_label),
                          _("The settings cannot be changed here: the settings schema kz.tanba.Tanba is not installed. Tanba uses its built-in defaults. Install Tanba (or run it from its build directory with GSETTINGS_SCHEMA_DIR set) to change them."));
      gtk_widget_set_visible (self->fields, FALSE);
      /* The only thing on the tab: let the keyboard reach it. */
      gtk_label_set_selectable (GTK_LABEL (self->status_label), TRUE);
      return;
    }

  g_settings_bind (self->settings, "pkcs11-module", self->module_entry, "text", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "ca-url", self->ca_entry, "text", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "bank-url", self->bank_entry, "text", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "trust-anchor", self->trust_entry, "text", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind_with_mapping (self->settings, "key-algorithm", self->algorithm_dropdown, "selected",
                                G_SETTINGS_BIND_DEFAULT, algorithm_get_mapping, algorithm_set_mapping,
                                NULL, NULL);
  g_settings_bind (self->settings, "certificate-term", self->term_spin, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "expiry-warning-days", self->warning_spin, "value", G_SETTINGS_BIND_DEFAULT);
}

/* ---- public API ------------------------------------------------------------ */

GtkWidget *
tanba_control_panel_settings_new (void)
{
  return g_object_new (TANBA_TYPE_CONTROL_PANEL_SETTINGS, NULL);
}

GSettings *
tanba_control_panel_settings_get_settings (TanbaControlPanelSettings *self)
{
  g_return_val_if_fail (TANBA_IS_CONTROL_PANEL_SETTINGS (self), NULL);

  return self->settings;
}

const char *
tanba_control_panel_settings_get_status (TanbaControlPanelSettings *self)
{
  g_return_val_if_fail (TANBA_IS_CONTROL_PANEL_SETTINGS (self), NULL);

  return gtk_label_get_text (GTK_LABEL (self->status_label));
}
