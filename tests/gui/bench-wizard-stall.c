/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-wizard-stall: the longest main-loop stall during a whole
 * registration run from the wizard's progress page (target <= 16 ms: the
 * window never freezes while the worker registers). A high-priority 1 ms
 * timer records the gaps between its runs; the figures are printed, nothing
 * about time is asserted (the run itself must succeed).
 *
 * Real parts: a SoftHSM token in factory state, the reference server over
 * HTTP on loopback, the demo user's key file. Run inside dbus-run-session +
 * xvfb-run (meson.build), so the accessibility bridge is live as for users. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "tanba-test-refserver.h"
#include "tanba-token.h"
#include "tanba-wizard-window.h"

typedef struct
{
  gint64  last;
  gint64  start;
  GArray *gaps;   /* gint64 µs */
  gint64  worst[3];      /* the longest gaps... */
  gint64  worst_at[3];   /* ...and when they ended, µs after the start */
} Timer;

static gboolean
tick_cb (gpointer user_data)
{
  Timer *timer = user_data;
  gint64 now = g_get_monotonic_time ();

  if (timer->last != 0)
    {
      gint64 gap = now - timer->last;

      g_array_append_val (timer->gaps, gap);
      for (guint i = 0; i < 3; i++)
        if (gap > timer->worst[i])
          {
            memmove (&timer->worst[i + 1], &timer->worst[i], (2 - i) * sizeof (gint64));
            memmove (&timer->worst_at[i + 1], &timer->worst_at[i], (2 - i) * sizeof (gint64));
            timer->worst[i] = gap;
            timer->worst_at[i] = now - timer->start;
            break;
          }
    }
  timer->last = now;
  return G_SOURCE_CONTINUE;
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static TanbaToken *
open_factory_token (TanbaModule *module)
{
  g_autoptr(GPtrArray) tokens = NULL;
  g_autoptr(GError) error = NULL;

  tokens = tanba_token_info_list (module, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < tokens->len; i++)
    {
      TanbaTokenInfo *info = g_ptr_array_index (tokens, i);

      if (tanba_token_info_is_factory_empty (info))
        {
          TanbaToken *token = tanba_token_open (module, info->serial, &error);

          g_assert_no_error (error);
          return token;
        }
    }
  g_error ("no factory token");
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *dir = tanba_test_make_tmp_dir ();
  g_autofree char *hsm_dir = g_build_filename (dir, "hsm", NULL);
  g_autofree char *tokens_dir = g_build_filename (hsm_dir, "tokens", NULL);
  g_autofree char *conf = g_build_filename (hsm_dir, "softhsm2.conf", NULL);
  g_autofree char *server_dir = g_build_filename (dir, "server", NULL);
  g_autoptr(TanbaTestDemo) demo = NULL;
  g_autoptr(TanbaWizardData) data = NULL;
  g_autoptr(GError) error = NULL;
  TanbaTestRefserver *server;
  TanbaTestDemoUser *user;
  TanbaWizardWindow *window;
  TanbaWizardPage *done;
  Timer timer = { 0 };
  gint64 start, end;
  guint timer_id;

  /* One factory token (SoftHSM reads its configuration once: before gtk_init). */
  g_mkdir_with_parents (tokens_dir, 0700);
  {
    g_autofree char *text = g_strdup_printf ("directories.tokendir = %s\nobjectstore.backend = file\n"
                                             "log.level = ERROR\nslots.removable = true\n", tokens_dir);
    const char *init[] = { "softhsm2-util", "--init-token", "--free", "--label", "",
                           "--so-pin", "87654321", "--pin", "12345678", NULL };
    int status = 0;

    g_file_set_contents (conf, text, -1, &error);
    g_assert_no_error (error);
    g_setenv ("SOFTHSM2_CONF", conf, TRUE);
    g_spawn_sync (NULL, (char **) init, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                  NULL, NULL, NULL, NULL, &status, &error);
    g_assert_no_error (error);
    g_assert_true (g_spawn_check_wait_status (status, NULL));
  }
  demo = tanba_test_demo_new (server_dir, NULL);
  server = tanba_test_refserver_start (server_dir, FALSE, FALSE);
  user = g_ptr_array_index (demo->users, 0);

  gtk_init ();
  adw_init ();

  /* What the pages before the progress page collect. */
  data = tanba_wizard_data_new ();
  data->module = tanba_module_open ("/usr/lib/softhsm/libsofthsm2.so", &error);
  g_assert_no_error (error);
  data->token = open_factory_token (data->module);
  data->token_info = tanba_token_get_info (data->token, &error);
  g_assert_no_error (error);
  data->term_years = 1;
  data->algorithm = TANBA_KEY_RSA2048;
  data->server_url = g_strdup (server->url);
  data->trust_anchor = g_strdup (demo->ca_certificate);
  tanba_wizard_data_set_secret (&data->current_pin, "12345678");
  tanba_wizard_data_set_secret (&data->new_pin, "Bench2026x");
  data->token_name = g_strdup ("Bench");
  data->user_id = g_strdup (user->user_id);
  tanba_wizard_data_set_secret (&data->otp_pin, user->otp_pin);
  data->key_file = g_strdup (user->key_file);

  window = tanba_wizard_window_new (NULL, data);
  gtk_window_present (GTK_WINDOW (window));
  done = tanba_wizard_window_get_page (window, "done");
  /* The window's own first frames (realize, styles, fonts) are not part of
   * the registration: let them pass. */
  start = g_get_monotonic_time ();
  while (!gtk_widget_get_mapped (GTK_WIDGET (window)) || g_get_monotonic_time () - start < 500000)
    g_main_context_iteration (NULL, FALSE), g_usleep (1000);

  timer.gaps = g_array_new (FALSE, FALSE, sizeof (gint64));
  timer_id = g_timeout_add_full (G_PRIORITY_HIGH, 1, tick_cb, &timer, NULL);
  start = g_get_monotonic_time ();
  timer.start = start;
  tanba_wizard_window_go_to (window, "progress");
  while (tanba_wizard_window_get_current_page (window) != done
         && g_get_monotonic_time () - start < 600 * G_USEC_PER_SEC)
    {
      g_main_context_iteration (NULL, TRUE);
      if (!tanba_wizard_page_get_applying (tanba_wizard_window_get_page (window, "progress"))
          && tanba_wizard_window_get_current_page (window) != done
          && g_get_monotonic_time () - start > G_USEC_PER_SEC)
        g_error ("the registration stopped before it was done");
    }
  end = g_get_monotonic_time ();
  g_source_remove (timer_id);
  g_assert_true (tanba_wizard_window_get_current_page (window) == done);

  g_array_sort (timer.gaps, compare_gint64);
  {
    guint n = timer.gaps->len;
    gint64 max = g_array_index (timer.gaps, gint64, n - 1);
    gint64 p99 = g_array_index (timer.gaps, gint64, (n * 99) / 100);
    gint64 p50 = g_array_index (timer.gaps, gint64, n / 2);
    guint over16 = 0;

    for (guint i = 0; i < n; i++)
      over16 += g_array_index (timer.gaps, gint64, i) > 16000;
    printf ("registration run: %.2f s, %u timer ticks\n", (end - start) / 1e6, n);
    printf ("main-loop gaps: median %.2f ms, p99 %.2f ms, longest %.2f ms (target <= 16 ms); %u gaps over 16 ms\n",
            p50 / 1000.0, p99 / 1000.0, max / 1000.0, over16);
    printf ("longest gaps: %.2f ms at %.3f s, %.2f ms at %.3f s, %.2f ms at %.3f s (the page switches are at 0 s and at the end)\n",
            timer.worst[0] / 1000.0, timer.worst_at[0] / 1e6, timer.worst[1] / 1000.0, timer.worst_at[1] / 1e6,
            timer.worst[2] / 1000.0, timer.worst_at[2] / 1e6);
  }

  gtk_window_destroy (GTK_WINDOW (window));
  tanba_test_refserver_stop (server);
  tanba_test_remove_tree (dir);
  g_array_unref (timer.gaps);
  return 0;
}
