/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tanba-settings.h"

GSettings *
tanba_settings_new (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source == NULL)
    return NULL;
  schema = g_settings_schema_source_lookup (source, TANBA_SETTINGS_SCHEMA, TRUE);
  if (schema == NULL)
    return NULL;
  return g_settings_new_full (schema, NULL, NULL);
}

char *
tanba_settings_dup_string (const char *key)
{
  g_autoptr(GSettings) settings = tanba_settings_new ();
  g_autofree char *value = NULL;

  g_return_val_if_fail (key != NULL, NULL);

  if (settings == NULL)
    return NULL;
  value = g_settings_get_string (settings, key);
  if (value == NULL || value[0] == '\0')
    return NULL;
  return g_steal_pointer (&value);
}

int
tanba_settings_get_int (const char *key,
                        int         fallback)
{
  g_autoptr(GSettings) settings = tanba_settings_new ();

  g_return_val_if_fail (key != NULL, fallback);

  if (settings == NULL)
    return fallback;
  return g_settings_get_int (settings, key);
}
