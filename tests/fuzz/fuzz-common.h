/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-common.h: shared by the fuzz targets in tests/fuzz/ (libFuzzer entry
 * points; tests/fuzz/fuzz-replay.c runs them over files without libFuzzer). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <string.h>

#include <glib.h>

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* A NUL-terminated copy of @data (embedded NULs stay: C string functions see
 * the prefix). */
static inline char *
fuzz_strndup (const uint8_t *data,
              size_t         size)
{
  char *copy = g_malloc (size + 1);

  if (size > 0)
    memcpy (copy, data, size);
  copy[size] = '\0';
  return copy;
}

/* Takes a length-prefixed piece off the front of @data: one byte n, then up
 * to n bytes. Returns a NUL-terminated copy; @data and @size advance. */
static inline char *
fuzz_take_string (const uint8_t **data,
                  size_t         *size)
{
  size_t n;
  char *piece;

  if (*size == 0)
    return g_strdup ("");
  n = MIN ((size_t) (*data)[0], *size - 1);
  piece = fuzz_strndup (*data + 1, n);
  *data += n + 1;
  *size -= n + 1;
  return piece;
}

/* The targets feed garbage on purpose: warnings are expected and dropped
 * (TANBA_FUZZ_VERBOSE=1 shows them); a critical (a failed precondition, a
 * g_return_if_fail) is a bug and aborts. */
static inline GLogWriterOutput
fuzz_log_writer (GLogLevelFlags   level,
                 const GLogField *fields,
                 gsize            n_fields,
                 gpointer         user_data)
{
  if ((level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL)) != 0
      || g_getenv ("TANBA_FUZZ_VERBOSE") != NULL)
    return g_log_writer_default (level, fields, n_fields, user_data);
  return G_LOG_WRITER_HANDLED;
}

static inline void
fuzz_init_logs (void)
{
  g_log_set_writer_func (fuzz_log_writer, NULL, NULL);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
}
