/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-control-panel-certificate.h: one certificate as the Certificates tab
 * shows it: subject, purpose (from keyUsage and extendedKeyUsage), issuer,
 * validity, days left, and whether it has expired or expires soon — in words. */
#pragma once

#include <gio/gio.h>
#include <openssl/x509.h>

G_BEGIN_DECLS

typedef enum
{
  TANBA_CERTIFICATE_PURPOSE_OTHER = 0,
  TANBA_CERTIFICATE_PURPOSE_SIGNING = 1 << 0,        /* keyUsage nonRepudiation */
  TANBA_CERTIFICATE_PURPOSE_AUTHENTICATION = 1 << 1, /* extendedKeyUsage clientAuth */
} TanbaCertificatePurpose;

typedef enum
{
  TANBA_CERTIFICATE_VALID,
  TANBA_CERTIFICATE_EXPIRING,      /* within the expiry-warning-days setting */
  TANBA_CERTIFICATE_EXPIRED,
  TANBA_CERTIFICATE_NOT_YET_VALID,
} TanbaCertificateValidity;

typedef struct
{
  X509                    *x509;
  char                    *label;      /* the token object's label */
  GBytes                  *id;         /* CKA_ID */
  char                    *subject;    /* RFC 2253, UTF-8 */
  char                    *common_name;
  char                    *issuer;
  char                    *serial;     /* hex */
  GDateTime               *not_before; /* UTC */
  GDateTime               *not_after;
  gint64                   days_left;  /* whole days until not_after; negative once expired */
  TanbaCertificatePurpose  purpose;
  TanbaCertificateValidity validity;
} TanbaControlPanelCertificate;

typedef enum
{
  TANBA_CERTIFICATE_FORMAT_PEM,
  TANBA_CERTIFICATE_FORMAT_DER,
} TanbaCertificateFormat;

/* @now: NULL for the current time. @warning_days: the expiry-warning-days setting. */
TanbaControlPanelCertificate *tanba_control_panel_certificate_new (X509       *x509,
                                                                   const char *label,
                                                                   GBytes     *id,
                                                                   GDateTime  *now,
                                                                   int         warning_days);
void   tanba_control_panel_certificate_free (TanbaControlPanelCertificate *self);

/* Translated: "Signing", "Authentication", "Signing and authentication", "Other". */
const char *tanba_control_panel_certificate_purpose_text  (TanbaCertificatePurpose purpose);
/* Translated sentence: "Valid, 120 days left", "Expires soon: 5 days left", "Expired 3 days ago". */
char       *tanba_control_panel_certificate_dup_state_text (const TanbaControlPanelCertificate *self);
/* Translated date "2027-11-28" of not_after. */
char       *tanba_control_panel_certificate_dup_valid_until (const TanbaControlPanelCertificate *self);
/* Multi-line translated details for the details view. */
char       *tanba_control_panel_certificate_dup_details   (const TanbaControlPanelCertificate *self);

GBytes     *tanba_control_panel_certificate_export (const TanbaControlPanelCertificate *self,
                                                   TanbaCertificateFormat              format,
                                                   GError                            **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TanbaControlPanelCertificate, tanba_control_panel_certificate_free)

G_END_DECLS
