/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-demo.h: a private copy of the fixed demo data directory
 * (tests/fuzz/data/demo/, see its README) for the targets that need the
 * reference server's CA and database or trust its root. */
#pragma once

#include <glib.h>

/* Copies data/demo into a new temporary directory, builds its database from
 * demo.sql, and returns the directory; it is removed at exit. */
const char *fuzz_demo_dir (void);

/* User @index's ID and OTP PIN (see data/demo/README). */
const char *fuzz_demo_user_id (guint index);
const char *fuzz_demo_otp_pin (guint index);
