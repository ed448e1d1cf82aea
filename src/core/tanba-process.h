/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-process.h: what every Tanba program does first to keep secrets in. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* No core dump (RLIMIT_CORE 0) and not dumpable (PR_SET_DUMPABLE 0): a crash
 * while a PIN or an OTP PIN is in memory writes it nowhere, and other
 * processes of the same user cannot read this one's memory. Set
 * TANBA_ALLOW_CORE_DUMPS=1 to debug a crash. */
void tanba_process_protect_secrets (void);

G_END_DECLS
