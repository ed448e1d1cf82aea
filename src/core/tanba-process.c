/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <sys/prctl.h>
#include <sys/resource.h>

#include "tanba-process.h"

void
tanba_process_protect_secrets (void)
{
  struct rlimit none = { 0, 0 };

  if (g_strcmp0 (g_getenv ("TANBA_ALLOW_CORE_DUMPS"), "1") == 0)
    return;
  if (setrlimit (RLIMIT_CORE, &none) != 0)
    g_warning ("Could not switch core dumps off");
  if (prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
    g_warning ("Could not make the process undumpable");
}
