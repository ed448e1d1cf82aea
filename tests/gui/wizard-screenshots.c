/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wizard-screenshots: a PNG of each page of the registration wizard, for the
 * README. Not a test. Run under Xvfb, in the language wanted:
 *
 *   xvfb-run -a BUILD/tests/gui/wizard-screenshots OUTDIR
 *   LANGUAGE=ru LC_ALL=ru_RU.UTF-8 TANBA_LOCALEDIR=BUILD/po xvfb-run -a ... OUTDIR
 *
 * Pages are filled with sample data (a SoftHSM token in factory state, a
 * made-up user); no server is contacted (the progress page is shown before
 * it starts). */
#include "config.h"

#include <locale.h>
#include <stdio.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "tanba-i18n.h"
#include "tanba-token-monitor.h"
#include "tanba-wizard-window.h"

static void
iterate (guint ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE), g_usleep (2000);
}

static void
save (GtkWidget  *window,
      const char *path)
{
  GdkPaintable *paintable = gtk_widget_paintable_new (window);
  int width = gtk_widget_get_width (window), height = gtk_widget_get_height (window);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  GskRenderNode *node;
  GdkTexture *texture;

  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (!gdk_texture_save_to_png (texture, path))
    g_printerr ("could not write %s\n", path);
  else
    printf ("%s\n", path);
  g_object_unref (texture);
  gsk_render_node_unref (node);
  g_object_unref (paintable);
}

int
main (int   argc,
      char *argv[])
{
  const char *names[] = { "connect", "password", "welcome", "data", "personalize", "confirm", "progress", "done" };
  g_autofree char *dir = g_dir_make_tmp ("tanba-shots-XXXXXX", NULL);
  g_autofree char *tokens = g_build_filename (dir, "tokens", NULL);
  g_autofree char *conf = g_build_filename (dir, "softhsm2.conf", NULL);
  g_autofree char *text = NULL;
  g_autoptr(TanbaWizardData) data = NULL;
  g_autoptr(GError) error = NULL;
  const char *localedir = g_getenv ("TANBA_LOCALEDIR");
  const char *init[] = { "softhsm2-util", "--init-token", "--free", "--label", "",
                         "--so-pin", "87654321", "--pin", "12345678", NULL };
  TanbaWizardWindow *window;
  int status = 0;

  if (argc != 2)
    {
      g_printerr ("usage: %s OUTDIR\n", argv[0]);
      return 2;
    }
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_mkdir_with_parents (argv[1], 0755);

  g_mkdir (tokens, 0700);
  text = g_strdup_printf ("directories.tokendir = %s\nobjectstore.backend = file\nslots.removable = true\n", tokens);
  g_file_set_contents (conf, text, -1, NULL);
  g_setenv ("SOFTHSM2_CONF", conf, TRUE);
  g_spawn_sync (NULL, (char **) init, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                NULL, NULL, NULL, NULL, &status, NULL);

  gtk_init ();
  adw_init ();
  data = tanba_wizard_data_new ();
  data->module = tanba_module_open ("/usr/lib/softhsm/libsofthsm2.so", &error);
  if (data->module != NULL)
    data->monitor = tanba_token_monitor_new (data->module, 100);
  data->user_id = g_strdup ("qq111111_qwertyui");
  data->token_name = g_strdup ("Director-1");
  data->result = tanba_registration_marker_new ();
  data->result->user_id = g_strdup ("qq111111_qwertyui");

  window = tanba_wizard_window_new (NULL, data);
  gtk_window_set_default_size (GTK_WINDOW (window), 640, 640);
  gtk_window_present (GTK_WINDOW (window));
  iterate (1500);
  if (data->monitor != NULL)
    {
      GPtrArray *list = tanba_token_monitor_get_tokens (data->monitor);

      for (guint i = 0; list != NULL && i < list->len; i++)
        if (tanba_token_info_is_factory_empty (g_ptr_array_index (list, i)))
          tanba_wizard_data_set_token (data, NULL, g_ptr_array_index (list, i));
    }

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *file = g_strdup_printf ("%u-%s.png", i + 1, names[i]);
      g_autofree char *path = g_build_filename (argv[1], file, NULL);

      if (i > 0)
        tanba_wizard_window_go_to (window, names[i]);
      iterate (400);
      save (GTK_WIDGET (window), path);
    }

  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);

    if (system (cmd) != 0)
      g_printerr ("could not remove %s\n", dir);
  }
  return 0;
}
