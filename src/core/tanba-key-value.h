/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-key-value.h: optional string values in a GKeyFile group, as the
 * registration marker and journal store them. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Sets @key in @group; a NULL @value is left out. */
void  tanba_key_value_set_optional (GKeyFile   *file,
                                    const char *group,
                                    const char *key,
                                    const char *value);
/* @key of @group, or NULL when it is missing or empty. */
char *tanba_key_value_get_optional (GKeyFile   *file,
                                    const char *group,
                                    const char *key);

G_END_DECLS
