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
  /* Translations from another tree than the installed one: the build
   * tree's po/ in the translated GUI tests (TANBA_LOCALEDIR=BUILD/po). */
  const char *localedir = g_getenv ("TANBA_LOCALEDIR");

  tanba_process_protect_secrets ();
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL && *localedir != '\0' ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app = tanba_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
