/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-settings.h: the kz.tanba.Tanba settings, read without GTK.
 *
 * Programs run from a build tree or a prefix whose schema is not installed
 * still work: every getter then returns the schema's default. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define TANBA_SETTINGS_SCHEMA "kz.tanba.Tanba"

/* NULL when the schema is not installed. */
GSettings *tanba_settings_new (void);

/* The string value of @key, or NULL when the schema is missing or the value is empty. */
char      *tanba_settings_dup_string (const char *key);
int        tanba_settings_get_int    (const char *key,
                                      int         fallback);

G_END_DECLS
