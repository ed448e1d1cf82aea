/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tanba-i18n.h"
#include "tanba-application.h"
#include "tanba-control-panel-window.h"
#include "tanba-expiry.h"
#include "tanba-gui-util.h"
#include "tanba-sign-verify-window.h"
#include "tanba-sign-window.h"
#include "tanba-signin-window.h"
#include "tanba-settings.h"
#include "tanba-token-monitor.h"
#include "tanba-wizard-window.h"

struct _TanbaApplication
{
  AdwApplication     parent_instance;

  char              *module_override;
  TanbaModule       *module;
  GError            *module_error;
  TanbaTokenMonitor *monitor;
  guint              expiry_source;
  char              *server;        /* --server, for every window */
  char              *trust_anchor;  /* --trust-anchor */
};

G_DEFINE_FINAL_TYPE (TanbaApplication, tanba_application, ADW_TYPE_APPLICATION)

static const GOptionEntry option_entries[] = {
  { "module", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    N_("PKCS#11 library giving access to tokens (instead of the setting)"), N_("PATH") },
  { "server", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Bank server address: certification authority at URL/pkix/, internet banking at URL"), N_("URL") },
  { "trust-anchor", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    N_("PEM file with the bank’s root certificate (instead of the setting)"), N_("FILE") },
  { "control-panel", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Open the token control panel instead of the registration wizard"), NULL },
  { "sign-in", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Open the sign-in window instead of the registration wizard"), NULL },
  { NULL }
};

static TanbaWizardData *
make_wizard_data (TanbaApplication *self,
                  const char       *server,
                  const char       *trust_anchor)
{
  g_autoptr(TanbaWizardData) data = tanba_wizard_data_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *algorithm = NULL;
  TanbaModule *module;

  module = tanba_application_get_module (self, &error);
  if (module != NULL)
    {
      data->module = tanba_module_ref (module);
      if (self->monitor == NULL)
        self->monitor = tanba_token_monitor_new (module, TANBA_TOKEN_MONITOR_DEFAULT_INTERVAL_MS);
      data->monitor = g_object_ref (self->monitor);
    }
  else
    data->module_error = g_strdup (error->message);

  data->ca_url = tanba_settings_dup_string ("ca-url");
  data->bank_url = tanba_settings_dup_string ("bank-url");
  data->trust_anchor = tanba_settings_dup_string ("trust-anchor");
  algorithm = tanba_settings_dup_string ("key-algorithm");
  data->algorithm = g_strcmp0 (algorithm, "p256") == 0 ? TANBA_KEY_P256 : TANBA_KEY_RSA2048;
  data->term_years = (guint) CLAMP (tanba_settings_get_int ("certificate-term", 1), 1, 3);
  if (server != NULL && server[0] != '\0')
    {
      /* --server names both: CA = URL/pkix/, bank = URL. */
      data->server_url = g_strdup (server);
      g_clear_pointer (&data->ca_url, g_free);
      g_clear_pointer (&data->bank_url, g_free);
    }
  if (trust_anchor != NULL && trust_anchor[0] != '\0')
    tanba_wizard_data_set_string (&data->trust_anchor, trust_anchor);
  return g_steal_pointer (&data);
}

static int
tanba_application_command_line (GApplication            *app,
                                 GApplicationCommandLine *cmdline)
{
  TanbaApplication *self = TANBA_APPLICATION (app);
  GVariantDict *options = g_application_command_line_get_options_dict (cmdline);
  g_autofree char *module = NULL;
  g_autofree char *server = NULL;
  g_autofree char *trust_anchor = NULL;
  gboolean control_panel = FALSE;
  gboolean sign_in = FALSE;
  TanbaModule *loaded;

  g_variant_dict_lookup (options, "module", "^ay", &module);
  g_variant_dict_lookup (options, "server", "s", &server);
  g_variant_dict_lookup (options, "trust-anchor", "^ay", &trust_anchor);
  g_variant_dict_lookup (options, "control-panel", "b", &control_panel);
  g_variant_dict_lookup (options, "sign-in", "b", &sign_in);

  if (module != NULL && module[0] != '\0')
    {
      if (self->module != NULL && g_strcmp0 (module, self->module_override) != 0)
        g_application_command_line_printerr (cmdline, "%s\n",
                                             _("Tanba is already running with another token library; --module is ignored."));
      else if (self->module == NULL)
        {
          g_free (self->module_override);
          self->module_override = g_steal_pointer (&module);
          g_clear_error (&self->module_error);
        }
    }
  if (trust_anchor != NULL && !g_file_test (trust_anchor, G_FILE_TEST_IS_REGULAR))
    {
      /* Translators: %s is a file name given with --trust-anchor. */
      g_application_command_line_printerr (cmdline, _("The trust anchor %s is not a readable file.\n"), trust_anchor);
      return 2;
    }
  if (server != NULL && !g_str_has_prefix (server, "http://") && !g_str_has_prefix (server, "https://"))
    {
      /* Translators: %s is the address given with --server. */
      g_application_command_line_printerr (cmdline, _("The server address %s must start with https:// or http://.\n"), server);
      return 2;
    }

  /* For every window: the token library, the bank, its root certificate. */
  if (self->module_override != NULL)
    g_object_set_data_full (G_OBJECT (self), "tanba-module-path", g_strdup (self->module_override), g_free);
  if (server != NULL)
    {
      g_free (self->server);
      self->server = g_strdup (server);
      g_object_set_data_full (G_OBJECT (self), "tanba-server-url", g_strdup (server), g_free);
    }
  if (trust_anchor != NULL)
    {
      g_free (self->trust_anchor);
      self->trust_anchor = g_strdup (trust_anchor);
      g_object_set_data_full (G_OBJECT (self), "tanba-trust-anchor", g_strdup (trust_anchor), g_free);
    }
  /* Certificates about to expire: told now and once a day. */
  if (self->expiry_source == 0 && (loaded = tanba_application_get_module (self, NULL)) != NULL)
    self->expiry_source = tanba_expiry_schedule (G_APPLICATION (self), loaded, 0);

  if (sign_in)
    g_action_group_activate_action (G_ACTION_GROUP (self), "sign-in", g_variant_new_string (""));
  else if (control_panel)
    gtk_window_present (tanba_control_panel_window_new (ADW_APPLICATION (self)));
  else
    {
      g_autoptr(TanbaWizardData) data = make_wizard_data (self, server, trust_anchor);
      TanbaWizardWindow *window = tanba_wizard_window_new (ADW_APPLICATION (self), data);

      gtk_window_present (GTK_WINDOW (window));
    }
  return 0;
}

static TanbaModule *
module_and_monitor (TanbaApplication  *self,
                    GError           **error)
{
  TanbaModule *module = tanba_application_get_module (self, error);

  if (module != NULL && self->monitor == NULL)
    self->monitor = tanba_token_monitor_new (module, TANBA_TOKEN_MONITOR_DEFAULT_INTERVAL_MS);
  return module;
}

static void
sign_in_activated (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       user_data)
{
  TanbaApplication *self = user_data;
  g_autoptr(GError) error = NULL;
  TanbaModule *module = module_and_monitor (self, &error);
  const char *serial = parameter != NULL ? g_variant_get_string (parameter, NULL) : "";

  gtk_window_present (tanba_signin_window_new (GTK_APPLICATION (self), module,
                                               error != NULL ? error->message : NULL, self->monitor,
                                               self->server, self->trust_anchor,
                                               serial[0] != '\0' ? serial : NULL));
}

static void
sign_document_activated (GSimpleAction *action,
                         GVariant      *parameter,
                         gpointer       user_data)
{
  TanbaApplication *self = user_data;
  g_autoptr(GError) error = NULL;
  TanbaModule *module = module_and_monitor (self, &error);

  gtk_window_present (tanba_sign_window_new (GTK_APPLICATION (self), module,
                                             error != NULL ? error->message : NULL, self->monitor,
                                             self->trust_anchor));
}

static void
verify_signature_activated (GSimpleAction *action,
                            GVariant      *parameter,
                            gpointer       user_data)
{
  TanbaApplication *self = user_data;

  gtk_window_present (tanba_sign_verify_window_new (GTK_APPLICATION (self), self->trust_anchor));
}

static void
renew_certificates_activated (GSimpleAction *action,
                              GVariant      *parameter,
                              gpointer       user_data)
{
  GtkWindow *panel = tanba_control_panel_window_new (ADW_APPLICATION (user_data));

  /* The control panel on its Certificates tab, the notified token chosen,
   * "Renew…" focused. */
  tanba_control_panel_window_show_renewal (TANBA_CONTROL_PANEL_WINDOW (panel),
                                           g_variant_get_string (parameter, NULL));
  gtk_window_present (panel);
}

/* From the control panel, when format was refused: the wizard, which finds
 * the unfinished registration on the token and offers to continue it. */
static void
continue_registration_activated (GSimpleAction *action,
                                 GVariant      *parameter,
                                 gpointer       user_data)
{
  TanbaApplication *self = user_data;
  g_autoptr(TanbaWizardData) data = make_wizard_data (self, self->server, self->trust_anchor);

  gtk_window_present (GTK_WINDOW (tanba_wizard_window_new (ADW_APPLICATION (self), data)));
}

static const GActionEntry app_actions[] = {
  { "sign-in", sign_in_activated, "s", NULL, NULL, { 0 } },
  { "sign-document", sign_document_activated, NULL, NULL, NULL, { 0 } },
  { "verify-signature", verify_signature_activated, NULL, NULL, NULL, { 0 } },
  { "renew-certificates", renew_certificates_activated, "s", NULL, NULL, { 0 } },
  { "continue-registration", continue_registration_activated, "s", NULL, NULL, { 0 } },
};

static void
tanba_application_activate (GApplication *app)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window != NULL)
    gtk_window_present (window);
}

static void
tanba_application_startup (GApplication *app)
{
  G_APPLICATION_CLASS (tanba_application_parent_class)->startup (app);

  /* GTK 4.8 exposes a password field's text on the accessibility bus: an
   * entry focused with Tab would have it selected, and Orca reads a
   * selection aloud. Keep the text unselected on focus. */
  g_object_set (gtk_settings_get_default (), "gtk-entry-select-on-focus", FALSE, NULL);
  /* The same for a focusable text (the done page's summary): a label that
   * selects all of itself on focus makes Orca 43 announce the selection,
   * which cut the summary it had just started to read. */
  g_object_set (gtk_settings_get_default (), "gtk-label-select-on-focus", FALSE, NULL);
  /* Alt+letter for the Russian and Kazakh labels' mnemonics. */
  tanba_gui_mnemonic_keys_init ();
}

static void
tanba_application_finalize (GObject *object)
{
  TanbaApplication *self = TANBA_APPLICATION (object);

  g_clear_object (&self->monitor);
  g_clear_pointer (&self->module, tanba_module_unref);
  g_clear_error (&self->module_error);
  g_clear_pointer (&self->module_override, g_free);
  g_clear_pointer (&self->server, g_free);
  g_clear_pointer (&self->trust_anchor, g_free);
  g_clear_handle_id (&self->expiry_source, g_source_remove);

  G_OBJECT_CLASS (tanba_application_parent_class)->finalize (object);
}

static void
tanba_application_class_init (TanbaApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = tanba_application_finalize;
  app_class->command_line = tanba_application_command_line;
  app_class->activate = tanba_application_activate;
  app_class->startup = tanba_application_startup;
}

static void
tanba_application_init (TanbaApplication *self)
{
  g_application_add_main_option_entries (G_APPLICATION (self), option_entries);
  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions), self);
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _("Register your token with the bank, and manage it."));
}

TanbaApplication *
tanba_application_new (void)
{
  return g_object_new (TANBA_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_HANDLES_COMMAND_LINE,
                       "resource-base-path", "/kz/tanba/Tanba",
                       NULL);
}

TanbaModule *
tanba_application_get_module (TanbaApplication  *self,
                              GError           **error)
{
  g_return_val_if_fail (TANBA_IS_APPLICATION (self), NULL);

  if (self->module == NULL && self->module_error == NULL)
    {
      g_autofree char *path = tanba_module_resolve_path (self->module_override);

      self->module = tanba_module_open (path, &self->module_error);
    }
  if (self->module == NULL)
    {
      g_propagate_error (error, g_error_copy (self->module_error));
      return NULL;
    }
  return self->module;
}
