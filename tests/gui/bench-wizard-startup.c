/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-wizard-startup: time from process start to the first frame of the
 * wizard window, and peak RSS, median of 10 runs, against a bare
 * libadwaita window (a header bar and a label) built by this benchmark in the
 * same run. Prints figures and ratios; asserts nothing about time.
 *
 * Both are full processes started by this one (fork + exec of itself with
 * --child MODE); the child prints CLOCK_MONOTONIC when its window's frame
 * clock reports the first paint and exits; the parent takes the child's peak
 * RSS from wait4(). The wizard child runs the real TanbaApplication with
 * --module SoftHSM and one factory token, as `tanba` does. Run inside
 * dbus-run-session + xvfb-run (meson.build). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "tanba-application.h"

#define N_RUNS 10

/* --- child --------------------------------------------------------------- */

static void
after_paint_cb (GdkFrameClock *clock,
                gpointer       user_data)
{
  printf ("%" G_GINT64_FORMAT "\n", g_get_monotonic_time ());
  fflush (stdout);
  _exit (0);
}

static void
window_map_cb (GtkWidget *window,
               gpointer   user_data)
{
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (window));

  g_signal_connect (gdk_surface_get_frame_clock (surface), "after-paint",
                    G_CALLBACK (after_paint_cb), NULL);
}

static void
window_added_cb (GtkApplication *app,
                 GtkWindow      *window,
                 gpointer        user_data)
{
  g_signal_connect (window, "map", G_CALLBACK (window_map_cb), NULL);
}

static void
bare_activate_cb (GApplication *app,
                  gpointer      user_data)
{
  GtkWidget *window = adw_application_window_new (GTK_APPLICATION (app));
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *label = gtk_label_new ("Bare libadwaita window");

  gtk_box_append (GTK_BOX (box), adw_header_bar_new ());
  gtk_widget_set_vexpand (label, TRUE);
  gtk_box_append (GTK_BOX (box), label);
  adw_application_window_set_content (ADW_APPLICATION_WINDOW (window), box);
  gtk_window_set_default_size (GTK_WINDOW (window), 640, 600);
  gtk_window_present (GTK_WINDOW (window));
}

static int
run_child (const char *mode,
           int         argc,
           char      **argv)
{
  g_autoptr(GApplication) app = NULL;

  if (g_str_equal (mode, "bare"))
    {
      app = G_APPLICATION (adw_application_new ("kz.tanba.BenchBare", G_APPLICATION_DEFAULT_FLAGS));
      g_signal_connect (app, "activate", G_CALLBACK (bare_activate_cb), NULL);
    }
  else
    app = G_APPLICATION (tanba_application_new ());
  g_signal_connect (app, "window-added", G_CALLBACK (window_added_cb), NULL);
  return g_application_run (app, argc, argv);
}

/* --- parent -------------------------------------------------------------- */

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
median (double *values,
        guint   n)
{
  qsort (values, n, sizeof (double), (int (*)(const void *, const void *)) compare_double);
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

static void
run_once (const char *self,
          const char *mode,
          double     *ms,
          double     *rss_mib)
{
  int pipefd[2];
  gint64 start, painted = 0;
  struct rusage usage;
  int status;
  pid_t pid;
  FILE *in;

  g_assert_cmpint (pipe (pipefd), ==, 0);
  start = g_get_monotonic_time ();
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      dup2 (pipefd[1], STDOUT_FILENO);
      close (pipefd[0]);
      if (g_str_equal (mode, "wizard"))
        execl (self, self, "--child", mode, "--module", "/usr/lib/softhsm/libsofthsm2.so", (char *) NULL);
      else
        execl (self, self, "--child", mode, (char *) NULL);
      _exit (127);
    }
  close (pipefd[1]);
  in = fdopen (pipefd[0], "r");
  if (fscanf (in, "%" G_GINT64_FORMAT, &painted) != 1)
    painted = 0;
  fclose (in);
  g_assert_cmpint (wait4 (pid, &status, 0, &usage), ==, pid);
  if (painted == 0 || !WIFEXITED (status) || WEXITSTATUS (status) != 0)
    g_error ("the %s child painted no frame (status %d)", mode, status);
  *ms = (painted - start) / 1000.0;
  *rss_mib = usage.ru_maxrss / 1024.0;
}

int
main (int   argc,
      char *argv[])
{
  const char *modes[] = { "bare", "wizard" };
  double ms[2][N_RUNS], rss[2][N_RUNS], med_ms[2], med_rss[2];
  g_autofree char *self = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *conf = NULL;
  g_autofree char *tokens = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;

  if (argc >= 3 && g_str_equal (argv[1], "--child"))
    {
      const char *mode = argv[2];

      /* The application sees its program name and the options after MODE. */
      argv[2] = argv[0];
      return run_child (mode, argc - 2, argv + 2);
    }

  self = g_file_read_link ("/proc/self/exe", &error);
  g_assert_no_error (error);

  /* One factory token, as the demo has. */
  dir = g_dir_make_tmp ("tanba-bench-XXXXXX", &error);
  g_assert_no_error (error);
  tokens = g_build_filename (dir, "tokens", NULL);
  g_mkdir (tokens, 0700);
  conf = g_build_filename (dir, "softhsm2.conf", NULL);
  {
    g_autofree char *text = g_strdup_printf ("directories.tokendir = %s\nobjectstore.backend = file\n"
                                             "log.level = ERROR\nslots.removable = true\n", tokens);
    const char *init[] = { "softhsm2-util", "--init-token", "--free", "--label", "",
                           "--so-pin", "87654321", "--pin", "12345678", NULL };

    g_file_set_contents (conf, text, -1, &error);
    g_assert_no_error (error);
    g_setenv ("SOFTHSM2_CONF", conf, TRUE);
    g_spawn_sync (NULL, (char **) init, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                  NULL, NULL, NULL, NULL, &status, &error);
    g_assert_no_error (error);
  }

  /* One run of each to warm the caches, not counted. */
  for (guint m = 0; m < 2; m++)
    run_once (self, modes[m], &ms[m][0], &rss[m][0]);
  for (guint i = 0; i < N_RUNS; i++)
    for (guint m = 0; m < 2; m++)
      run_once (self, modes[m], &ms[m][i], &rss[m][i]);

  for (guint m = 0; m < 2; m++)
    {
      printf ("%-7s first frame:", modes[m]);
      for (guint i = 0; i < N_RUNS; i++)
        printf (" %.0f", ms[m][i]);
      printf (" ms\n");
      med_ms[m] = median (ms[m], N_RUNS);
      med_rss[m] = median (rss[m], N_RUNS);
    }
  printf ("median start to first frame: bare %.1f ms, wizard %.1f ms, ratio %.2f (target <= 1.15)\n",
          med_ms[0], med_ms[1], med_ms[1] / med_ms[0]);
  printf ("median peak RSS:             bare %.1f MiB, wizard %.1f MiB, ratio %.2f (target <= 1.2)\n",
          med_rss[0], med_rss[1], med_rss[1] / med_rss[0]);

  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);

    if (system (cmd) != 0)
      g_printerr ("could not remove %s\n", dir);
  }
  return 0;
}
