/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-control-panel-certificates.h: the Certificates tab: the token's
 * certificates with subject, purpose, issuer, validity and days left (expired
 * and expiring ones marked in words), their details, and export to PEM or DER. */
#pragma once

#include <gtk/gtk.h>

#include "tanba-control-panel-certificate.h"
#include "tanba-token.h"

G_BEGIN_DECLS

#define TANBA_TYPE_CONTROL_PANEL_CERTIFICATES (tanba_control_panel_certificates_get_type ())
G_DECLARE_FINAL_TYPE (TanbaControlPanelCertificates, tanba_control_panel_certificates,
                      TANBA, CONTROL_PANEL_CERTIFICATES, GtkWidget)

GtkWidget *tanba_control_panel_certificates_new (void);
/* @certificates: TanbaCertInfo elements (NULL: none could be read, @error says
 * why; also NULL with @error NULL when no token is chosen). */
void       tanba_control_panel_certificates_set_certificates (TanbaControlPanelCertificates *self,
                                                              GPtrArray                     *certificates,
                                                              const char                    *error);
/* The expiry-warning-days setting (default: read from GSettings). */
void       tanba_control_panel_certificates_set_warning_days (TanbaControlPanelCertificates *self,
                                                              int                            days);
/* Renewal (helper "signin"): the token whose certificates "Renew…" renews
 * (tanba_renewal_run in a worker, with progress); NULL: none. The CA and
 * bank addresses are the settings, or the application's object data
 * "tanba-server-url" (CA at URL/pkix/) and "tanba-trust-anchor" when set.
 * Emits "renewed" (with the renewed token's serial number) after a renewal. */
void       tanba_control_panel_certificates_set_token        (TanbaControlPanelCertificates *self,
                                                              TanbaToken                    *token);
/* Starts the renewal with @pin as "Renew…" does (tests). */
void       tanba_control_panel_certificates_renew            (TanbaControlPanelCertificates *self,
                                                              const char                    *pin);
gboolean   tanba_control_panel_certificates_is_renewing      (TanbaControlPanelCertificates *self);
/* Moves the keyboard focus to "Renew…" (or, when it cannot act, to the list
 * of certificates). */
void       tanba_control_panel_certificates_focus_renew      (TanbaControlPanelCertificates *self);
/* "The signing certificate expires in 12 days — renew it.", or NULL. */
const char *tanba_control_panel_certificates_get_renew_line  (TanbaControlPanelCertificates *self);
/* The last renewal's result in words, or NULL. */
const char *tanba_control_panel_certificates_get_renew_result (TanbaControlPanelCertificates *self);
guint      tanba_control_panel_certificates_get_n_items      (TanbaControlPanelCertificates *self);
const TanbaControlPanelCertificate *
           tanba_control_panel_certificates_get_item         (TanbaControlPanelCertificates *self,
                                                              guint                          index);
/* The line above the list ("2 certificates; 1 expires soon"). */
const char *tanba_control_panel_certificates_get_status      (TanbaControlPanelCertificates *self);
/* The list row of item @index (for tests). */
GtkWidget  *tanba_control_panel_certificates_get_row         (TanbaControlPanelCertificates *self,
                                                              guint                          index);

G_END_DECLS
