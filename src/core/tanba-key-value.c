/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tanba-key-value.h"

void
tanba_key_value_set_optional (GKeyFile   *file,
                              const char *group,
                              const char *key,
                              const char *value)
{
  if (value != NULL)
    g_key_file_set_string (file, group, key, value);
}

char *
tanba_key_value_get_optional (GKeyFile   *file,
                              const char *group,
                              const char *key)
{
  char *value = g_key_file_get_string (file, group, key, NULL);

  if (value != NULL && value[0] == '\0')
    g_clear_pointer (&value, g_free);
  return value;
}
