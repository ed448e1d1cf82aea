/* SPDX-License-Identifier: GPL-3.0-or-later */
/* main.c: the `tanba` program. */
#include "config.h"

#include <locale.h>

#include "tanba-i18n.h"
#include "tanba-process.h"
#include "tanba-application.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(TanbaApplication) app = NULL;

  tanba_process_protect_secrets ();
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app = tanba_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
