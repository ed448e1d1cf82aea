/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-control-panel-certificate.c: a certificate in the user's words. */
#include "config.h"

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "tanba-i18n.h"
#include "tanba-control-panel-certificate.h"

#define SECONDS_PER_DAY (24 * 60 * 60)

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BIO, BIO_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BIGNUM, BN_free)

/* ---- helpers --------------------------------------------------------------- */

static char *
name_to_string (const X509_NAME *name)
{
  g_autoptr(BIO) bio = BIO_new (BIO_s_mem ());
  char *data = NULL;
  long length;

  if (name == NULL
      || X509_NAME_print_ex (bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0)
    return g_strdup ("");
  length = BIO_get_mem_data (bio, &data);
  if (length <= 0 || !g_utf8_validate (data, length, NULL))
    return g_strdup ("");
  return g_strndup (data, length);
}

static char *
common_name (const X509_NAME *name)
{
  int index = X509_NAME_get_index_by_NID (name, NID_commonName, -1);
  X509_NAME_ENTRY *entry;
  unsigned char *utf8 = NULL;
  char *result;
  int length;

  if (index < 0)
    return NULL;
  entry = X509_NAME_get_entry (name, index);
  length = ASN1_STRING_to_UTF8 (&utf8, X509_NAME_ENTRY_get_data (entry));
  if (length < 0)
    return NULL;
  result = g_utf8_validate ((char *) utf8, length, NULL) ? g_strndup ((char *) utf8, length) : NULL;
  OPENSSL_free (utf8);
  return result;
}

static GDateTime *
asn1_time_to_date_time (const ASN1_TIME *time)
{
  struct tm tm = { 0 };

  if (time == NULL || ASN1_TIME_to_tm (time, &tm) != 1)
    return NULL;
  return g_date_time_new_utc (tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                              tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static TanbaCertificatePurpose
purpose_of (X509 *x509)
{
  TanbaCertificatePurpose purpose = TANBA_CERTIFICATE_PURPOSE_OTHER;
  uint32_t key_usage = X509_get_key_usage (x509);

  if ((X509_get_extension_flags (x509) & EXFLAG_KUSAGE) && (key_usage & KU_NON_REPUDIATION))
    purpose |= TANBA_CERTIFICATE_PURPOSE_SIGNING;
  if ((X509_get_extension_flags (x509) & EXFLAG_XKUSAGE) && (X509_get_extended_key_usage (x509) & XKU_SSL_CLIENT))
    purpose |= TANBA_CERTIFICATE_PURPOSE_AUTHENTICATION;
  return purpose;
}

/* ---- public API ------------------------------------------------------------ */

TanbaControlPanelCertificate *
tanba_control_panel_certificate_new (X509       *x509,
                                     const char *label,
                                     GBytes     *id,
                                     GDateTime  *now,
                                     int         warning_days)
{
  TanbaControlPanelCertificate *self;
  g_autoptr(GDateTime) current = NULL;
  g_autoptr(BIGNUM) serial = NULL;
  char *hex;
  gint64 seconds;

  g_return_val_if_fail (x509 != NULL, NULL);

  current = now != NULL ? g_date_time_ref (now) : g_date_time_new_now_utc ();
  self = g_new0 (TanbaControlPanelCertificate, 1);
  X509_up_ref (x509);
  self->x509 = x509;
  self->label = g_strdup (label);
  self->id = id != NULL ? g_bytes_ref (id) : NULL;
  self->subject = name_to_string (X509_get_subject_name (x509));
  self->common_name = common_name (X509_get_subject_name (x509));
  self->issuer = name_to_string (X509_get_issuer_name (x509));
  serial = ASN1_INTEGER_to_BN (X509_get0_serialNumber (x509), NULL);
  hex = serial != NULL ? BN_bn2hex (serial) : NULL;
  self->serial = g_strdup (hex != NULL ? hex : "");
  OPENSSL_free (hex);
  self->not_before = asn1_time_to_date_time (X509_get0_notBefore (x509));
  self->not_after = asn1_time_to_date_time (X509_get0_notAfter (x509));
  self->purpose = purpose_of (x509);

  if (self->not_after == NULL)
    {
      self->days_left = 0;
      self->validity = TANBA_CERTIFICATE_EXPIRED;
      return self;
    }
  seconds = g_date_time_difference (self->not_after, current) / G_TIME_SPAN_SECOND;
  self->days_left = seconds / SECONDS_PER_DAY;
  if (seconds < 0)
    self->validity = TANBA_CERTIFICATE_EXPIRED;
  else if (self->not_before != NULL && g_date_time_compare (current, self->not_before) < 0)
    self->validity = TANBA_CERTIFICATE_NOT_YET_VALID;
  else if (self->days_left < warning_days)
    self->validity = TANBA_CERTIFICATE_EXPIRING;
  else
    self->validity = TANBA_CERTIFICATE_VALID;
  return self;
}

void
tanba_control_panel_certificate_free (TanbaControlPanelCertificate *self)
{
  if (self == NULL)
    return;
  X509_free (self->x509);
  g_free (self->label);
  g_clear_pointer (&self->id, g_bytes_unref);
  g_free (self->subject);
  g_free (self->common_name);
  g_free (self->issuer);
  g_free (self->serial);
  g_clear_pointer (&self->not_before, g_date_time_unref);
  g_clear_pointer (&self->not_after, g_date_time_unref);
  g_free (self);
}

const char *
tanba_control_panel_certificate_purpose_text (TanbaCertificatePurpose purpose)
{
  if ((purpose & TANBA_CERTIFICATE_PURPOSE_SIGNING) && (purpose & TANBA_CERTIFICATE_PURPOSE_AUTHENTICATION))
    return C_("certificate purpose", "Signing and authentication");
  if (purpose & TANBA_CERTIFICATE_PURPOSE_SIGNING)
    return C_("certificate purpose", "Signing");
  if (purpose & TANBA_CERTIFICATE_PURPOSE_AUTHENTICATION)
    return C_("certificate purpose", "Authentication");
  return C_("certificate purpose", "Other");
}

char *
tanba_control_panel_certificate_dup_state_text (const TanbaControlPanelCertificate *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  switch (self->validity)
    {
    case TANBA_CERTIFICATE_EXPIRED:
      if (self->days_left == 0)
        return g_strdup (_("Expired today"));
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Expired %d day ago", "Expired %d days ago",
                                           (gulong) -self->days_left),
                              (int) -self->days_left);
    case TANBA_CERTIFICATE_NOT_YET_VALID:
      return g_strdup (_("Not valid yet"));
    case TANBA_CERTIFICATE_EXPIRING:
      if (self->days_left == 0)
        return g_strdup (_("Expires soon: today"));
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Expires soon: %d day left", "Expires soon: %d days left",
                                           (gulong) self->days_left),
                              (int) self->days_left);
    case TANBA_CERTIFICATE_VALID:
    default:
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Valid, %d day left", "Valid, %d days left",
                                           (gulong) self->days_left),
                              (int) self->days_left);
    }
}

char *
tanba_control_panel_certificate_dup_valid_until (const TanbaControlPanelCertificate *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (self->not_after == NULL)
    return g_strdup (_("unknown"));
  return g_date_time_format (self->not_after, "%Y-%m-%d");
}

char *
tanba_control_panel_certificate_dup_details (const TanbaControlPanelCertificate *self)
{
  g_autofree char *state = NULL;
  g_autofree char *until = NULL;
  g_autofree char *from = NULL;
  g_autofree char *id = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  state = tanba_control_panel_certificate_dup_state_text (self);
  until = self->not_after != NULL ? g_date_time_format (self->not_after, "%Y-%m-%d %H:%M:%S UTC") : g_strdup ("—");
  from = self->not_before != NULL ? g_date_time_format (self->not_before, "%Y-%m-%d %H:%M:%S UTC") : g_strdup ("—");
  if (self->id != NULL)
    {
      gsize size;
      const guint8 *data = g_bytes_get_data (self->id, &size);
      GString *hex = g_string_new (NULL);

      for (gsize i = 0; i < size; i++)
        g_string_append_printf (hex, "%02x", data[i]);
      id = g_string_free (hex, FALSE);
    }

  /* Translators: the certificate details; each %s is a value. */
  return g_strdup_printf (_("Subject: %s\n"
                            "Purpose: %s\n"
                            "Issuer: %s\n"
                            "Serial number: %s\n"
                            "Valid from: %s\n"
                            "Valid until: %s\n"
                            "State: %s\n"
                            "Label on the token: %s\n"
                            "Key ID: %s"),
                          self->subject,
                          tanba_control_panel_certificate_purpose_text (self->purpose),
                          self->issuer,
                          self->serial,
                          from,
                          until,
                          state,
                          self->label != NULL ? self->label : "—",
                          id != NULL ? id : "—");
}

GBytes *
tanba_control_panel_certificate_export (const TanbaControlPanelCertificate *self,
                                        TanbaCertificateFormat              format,
                                        GError                            **error)
{
  g_autoptr(BIO) bio = BIO_new (BIO_s_mem ());
  char *data = NULL;
  long length;
  int ok;

  g_return_val_if_fail (self != NULL, NULL);

  ok = format == TANBA_CERTIFICATE_FORMAT_PEM ? PEM_write_bio_X509 (bio, self->x509)
                                               : i2d_X509_bio (bio, self->x509);
  length = BIO_get_mem_data (bio, &data);
  if (ok != 1 || length <= 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           _("The certificate could not be encoded for export."));
      return NULL;
    }
  return g_bytes_new (data, length);
}
