/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-token-monitor.c: how soon the token monitor reports a token plugged in
 * or pulled out, and what it costs while nothing happens.
 *
 * Two factory SoftHSM tokens behind the test module tests/p11-hotplug
 * (TANBA_PKCS11_MODULE); the first is pulled out and plugged in again
 * N_SAMPLES times, at random points of the poll cycle. Prints figures and
 * asserts nothing about time. Run: meson test -C BUILD --benchmark --suite monitor -v */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <glib/gstdio.h>

#include "tanba-test-token.h"
#include "tanba-token-monitor.h"

#define N_SAMPLES 20
#define IDLE_SECONDS 10
#define WAIT_TIMEOUT_S 10
#define N_POLL_SAMPLES 200

typedef struct
{
  GMainLoop  *loop;
  const char *serial;
  const char *signal;       /* the signal awaited */
  gint64      seen_at;
  gboolean    expired;
} Waiter;

static char *control_path;

static void
set_removed (const char *serial)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = g_strdup_printf ("%s\n", serial != NULL ? serial : "");

  g_file_set_contents (control_path, text, -1, &error);
  g_assert_no_error (error);
}

static void
token_event (Waiter               *waiter,
             const char           *signal,
             const TanbaTokenInfo *info)
{
  if (waiter->seen_at != 0 || g_strcmp0 (waiter->signal, signal) != 0 ||
      g_strcmp0 (waiter->serial, info->serial) != 0)
    return;
  waiter->seen_at = g_get_monotonic_time ();
  g_main_loop_quit (waiter->loop);
}

static void
token_added_cb (TanbaTokenMonitor *monitor,
                gpointer           info,
                Waiter            *waiter)
{
  token_event (waiter, "token-added", info);
}

static void
token_removed_cb (TanbaTokenMonitor *monitor,
                  gpointer           info,
                  Waiter            *waiter)
{
  token_event (waiter, "token-removed", info);
}

static gboolean
expired_cb (gpointer data)
{
  Waiter *waiter = data;

  waiter->expired = TRUE;
  g_main_loop_quit (waiter->loop);
  return G_SOURCE_REMOVE;
}

/* Waits for @signal about the waiter's token; returns when it came (0: never). */
static gint64
wait_for (Waiter     *waiter,
          const char *signal)
{
  guint timeout_id = g_timeout_add_seconds (WAIT_TIMEOUT_S, expired_cb, waiter);

  while (waiter->seen_at == 0 && !waiter->expired)
    g_main_loop_run (waiter->loop);
  if (!waiter->expired)
    g_source_remove (timeout_id);
  return waiter->seen_at;
}

/* Runs the main loop for @seconds, so that pending work is done as in a real program. */
static void
idle_for (GMainLoop *loop,
          guint      seconds)
{
  Waiter waiter = { .loop = loop };

  g_timeout_add_seconds (seconds, expired_cb, &waiter);
  while (!waiter.expired)
    g_main_loop_run (loop);
}

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return (x > y) - (x < y);
}

static void
print_latency (const char *what,
               double     *ms,
               guint       n,
               guint       n_missed)
{
  if (n == 0)
    {
      printf ("%s latency: no event within %d s (n=0)\n", what, WAIT_TIMEOUT_S);
      return;
    }
  qsort (ms, n, sizeof *ms, compare_doubles);
  printf ("%s latency: median %.1f ms, max %.1f ms (n=%u)",
          what, n % 2 ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2, ms[n - 1], n);
  if (n_missed > 0)
    printf (", %u missed", n_missed);
  printf ("\n");
}

static double
cpu_ms (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000.0
       + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000.0;
}

static void
measure_latency (TanbaModule *module,
                 GMainLoop   *loop,
                 const char  *serial)
{
  g_autoptr(TanbaTokenMonitor) monitor = tanba_token_monitor_new (module, 0);
  double insert_ms[N_SAMPLES];
  double remove_ms[N_SAMPLES];
  guint n_insert = 0;
  guint n_remove = 0;
  Waiter waiter = { .loop = loop, .serial = serial };

  g_signal_connect (monitor, "token-added", G_CALLBACK (token_added_cb), &waiter);
  g_signal_connect (monitor, "token-removed", G_CALLBACK (token_removed_cb), &waiter);
  waiter.signal = "token-added";
  wait_for (&waiter, waiter.signal);

  for (guint i = 0; i < N_SAMPLES; i++)
    {
      gint64 start;

      /* Change the state at a random point of the poll cycle. */
      g_usleep (g_random_int_range (0, TANBA_TOKEN_MONITOR_DEFAULT_INTERVAL_MS * 1000));
      waiter = (Waiter) { .loop = loop, .serial = serial, .signal = "token-removed" };
      set_removed (serial);
      start = g_get_monotonic_time ();
      if (wait_for (&waiter, waiter.signal) != 0)
        remove_ms[n_remove++] = (waiter.seen_at - start) / 1000.0;

      g_usleep (g_random_int_range (0, TANBA_TOKEN_MONITOR_DEFAULT_INTERVAL_MS * 1000));
      waiter = (Waiter) { .loop = loop, .serial = serial, .signal = "token-added" };
      set_removed (NULL);
      start = g_get_monotonic_time ();
      if (wait_for (&waiter, waiter.signal) != 0)
        insert_ms[n_insert++] = (waiter.seen_at - start) / 1000.0;
    }

  printf ("poll interval: %d ms\n", TANBA_TOKEN_MONITOR_DEFAULT_INTERVAL_MS);
  print_latency ("insert->event", insert_ms, n_insert, N_SAMPLES - n_insert);
  print_latency ("remove->event", remove_ms, n_remove, N_SAMPLES - n_remove);
}

static void
measure_poll_cost (TanbaModule *module)
{
  double start = cpu_ms ();
  gint64 wall = g_get_monotonic_time ();
  guint n_tokens = 0;

  for (guint i = 0; i < N_POLL_SAMPLES; i++)
    {
      g_autoptr(GPtrArray) tokens = tanba_token_info_list (module, NULL);

      g_assert_nonnull (tokens);
      n_tokens = tokens->len;
    }
  printf ("one poll (%u tokens): %.3f ms CPU, %.3f ms wall (mean of %d)\n",
          n_tokens, (cpu_ms () - start) / N_POLL_SAMPLES,
          (g_get_monotonic_time () - wall) / 1000.0 / N_POLL_SAMPLES, N_POLL_SAMPLES);
}

static void
measure_idle_cpu (TanbaModule *module,
                  GMainLoop   *loop)
{
  double baseline;
  double with_monitor;
  double start;

  start = cpu_ms ();
  idle_for (loop, IDLE_SECONDS);
  baseline = cpu_ms () - start;

  {
    g_autoptr(TanbaTokenMonitor) monitor = tanba_token_monitor_new (module, 0);

    start = cpu_ms ();
    idle_for (loop, IDLE_SECONDS);
    with_monitor = cpu_ms () - start;
  }

  printf ("idle CPU over %d s without monitor: %.1f ms (user+sys)\n", IDLE_SECONDS, baseline);
  printf ("idle CPU over %d s with monitor: %.1f ms (user+sys), %.3f %% of one core\n",
          IDLE_SECONDS, with_monitor, with_monitor / (IDLE_SECONDS * 10.0));
  if (baseline >= 0.1)
    printf ("idle CPU ratio with/without monitor: %.1f\n", with_monitor / baseline);
  else
    printf ("idle CPU ratio with/without monitor: n/a (baseline under 0.1 ms)\n");
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(TanbaTestSoftHsm) hsm = NULL;
  g_autoptr(TanbaModule) module = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *control_dir = NULL;
  const char *module_path = g_getenv ("TANBA_PKCS11_MODULE");

  if (module_path == NULL)
    {
      fprintf (stderr, "Set TANBA_PKCS11_MODULE to the tanba-test-hotplug module (meson does).\n");
      return 77;
    }

  /* setenv before any thread exists (the token fixture starts some). */
  control_dir = g_dir_make_tmp ("tanba-hotplug-XXXXXX", &error);
  g_assert_no_error (error);
  control_path = g_build_filename (control_dir, "removed", NULL);
  g_setenv ("TANBA_HOTPLUG_CONTROL", control_path, TRUE);
  set_removed (NULL);
  hsm = tanba_test_softhsm_new (2);
  module = tanba_module_open (module_path, &error);
  g_assert_no_error (error);
  loop = g_main_loop_new (NULL, FALSE);

  measure_latency (module, loop, g_ptr_array_index (hsm->serials, 0));
  measure_poll_cost (module);
  measure_idle_cpu (module, loop);

  g_unlink (control_path);
  g_rmdir (control_dir);
  g_free (control_path);
  return 0;
}
