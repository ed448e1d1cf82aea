/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-registration-marker.h: the registration state kept on the token.
 *
 * A PKCS#11 data object (application "tanba", label "tanba-registration") holding
 * a small key file: which step the registration reached, for whom, and the IDs
 * of the keys it made. No secrets. The same text is kept in the journal. */
#pragma once

#include <glib.h>

#include "tanba-token.h"

G_BEGIN_DECLS

typedef struct
{
  char    *step;          /* the last step completed, e.g. "personalized"; "done" when finished */
  char    *user_id;
  char    *started;       /* ISO 8601 UTC */
  char    *updated;
  char    *signing_key_id;         /* hex CKA_ID, or NULL */
  char    *authentication_key_id;
  char    *algorithm;     /* "rsa2048" or "p256": the keys it makes, or NULL */
  gint     term_years;
} TanbaRegistrationMarker;

TanbaRegistrationMarker *tanba_registration_marker_new    (void);
void      tanba_registration_marker_free   (TanbaRegistrationMarker *marker);
gboolean  tanba_registration_marker_is_finished (const TanbaRegistrationMarker *marker);

char     *tanba_registration_marker_to_data   (const TanbaRegistrationMarker *marker,
                                               gsize                         *length);
TanbaRegistrationMarker *tanba_registration_marker_parse (const char  *data,
                                                          gsize        length,
                                                          GError     **error);

/* NULL with no error when the token has no marker. */
TanbaRegistrationMarker *tanba_registration_marker_read (TanbaToken  *token,
                                                         GError     **error);
gboolean  tanba_registration_marker_write  (TanbaToken                    *token,
                                            const TanbaRegistrationMarker *marker,
                                            GError                       **error);
gboolean  tanba_registration_marker_delete (TanbaToken  *token,
                                            GError     **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TanbaRegistrationMarker, tanba_registration_marker_free)

G_END_DECLS
