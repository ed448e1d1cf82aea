/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-x509.h: what a certificate says, as text for people and JSON. */
#pragma once

#include <glib.h>
#include <openssl/x509.h>

G_BEGIN_DECLS

/* The first entry @nid (NID_commonName, NID_organizationName…) of the
 * subject, as valid UTF-8, or NULL when there is none. */
char *tanba_x509_subject_entry (X509 *certificate,
                                int   nid);
/* The serial number in upper-case hex ("" if unreadable). */
char *tanba_x509_serial_hex    (X509 *certificate);

G_END_DECLS
