/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-control-panel-settings.h: the Settings tab, bound to GSettings
 * kz.tanba.Tanba (PKCS#11 module, CA and bank addresses, trust anchor, key
 * algorithm, certificate term, expiry warning). When the schema is not
 * installed the tab says so instead of showing fields that save nothing. */
#pragma once

#include <gio/gio.h>
#include <gtk/gtk.h>

G_BEGIN_DECLS

#define TANBA_TYPE_CONTROL_PANEL_SETTINGS (tanba_control_panel_settings_get_type ())
G_DECLARE_FINAL_TYPE (TanbaControlPanelSettings, tanba_control_panel_settings,
                      TANBA, CONTROL_PANEL_SETTINGS, GtkWidget)

GtkWidget  *tanba_control_panel_settings_new        (void);
/* NULL when the schema is not installed. */
GSettings  *tanba_control_panel_settings_get_settings (TanbaControlPanelSettings *self);
const char *tanba_control_panel_settings_get_status (TanbaControlPanelSettings *self);

G_END_DECLS
