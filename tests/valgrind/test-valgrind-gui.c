/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The `tanba` program's start under valgrind's memcheck: with a SoftHSM
 * factory token and --module SoftHSM, the registration wizard (and the token
 * control panel) is left on screen for a few seconds, then closed as a window
 * manager closes a window when the user clicks its close button
 * (WM_DELETE_WINDOW), so that the program quits normally and the leak check
 * sees everything it freed. No invalid read or write, no definitely lost
 * byte (tests/valgrind/tanba.supp lists the third-party allocations set
 * aside: fontconfig, ld.so).
 *
 * Run inside dbus-run-session + xvfb-run (meson.build): the application
 * registers its name on a private session bus and GTK's accessibility bus
 * starts on demand there, as on a desktop. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <X11/Xatom.h>
#include <X11/Xlib.h>
#include <glib/gstdio.h>
#include <gio/gio.h>

#include "tanba-test-refserver.h"
#include "tanba-test-token.h"
#include "tanba-test-valgrind.h"

/* Generous: under valgrind the first window takes ~10 s on an idle machine. */
#define WINDOW_TIMEOUT_S 300
#define EXIT_TIMEOUT_S   180
/* How long the first window stays on screen (token monitor polling, focus,
 * accessibility bus traffic), in seconds. */
#define SHOW_S           5

static TanbaTestSoftHsm *hsm;
static char *work_dir;
static Display *display;

static int
ignore_x_error (Display     *d,
                XErrorEvent *event)
{
  /* A window may go away between listing and reading it. */
  return 0;
}

static char *
window_title (Window window)
{
  Atom utf8 = XInternAtom (display, "UTF8_STRING", False);
  Atom type;
  int format;
  unsigned long n, after;
  unsigned char *data = NULL;
  char *title = NULL;

  if (XGetWindowProperty (display, window, XInternAtom (display, "_NET_WM_NAME", False), 0, 1024,
                          False, utf8, &type, &format, &n, &after, &data) == Success
      && data != NULL && type == utf8 && format == 8)
    title = g_strndup ((const char *) data, n);
  if (data != NULL)
    XFree (data);
  return title;
}

/* The viewable top-level window of process @pid, or None. */
static Window
find_window (unsigned long pid)
{
  Atom pid_atom = XInternAtom (display, "_NET_WM_PID", False);
  Window root_return, parent, *children = NULL;
  unsigned int n_children = 0;
  Window found = None;

  if (!XQueryTree (display, DefaultRootWindow (display), &root_return, &parent, &children, &n_children))
    return None;
  for (unsigned int i = 0; i < n_children && found == None; i++)
    {
      Atom type;
      int format;
      unsigned long n, after;
      unsigned char *data = NULL;
      XWindowAttributes attributes;

      if (XGetWindowProperty (display, children[i], pid_atom, 0, 1, False, XA_CARDINAL, &type,
                              &format, &n, &after, &data) == Success
          && data != NULL && type == XA_CARDINAL && format == 32 && n == 1
          && *(unsigned long *) data == pid
          && XGetWindowAttributes (display, children[i], &attributes)
          && attributes.map_state == IsViewable)
        found = children[i];
      if (data != NULL)
        XFree (data);
    }
  if (children != NULL)
    XFree (children);
  return found;
}

/* What a window manager sends when the user closes a window. */
static void
close_window (Window window)
{
  XEvent event = { 0 };

  event.xclient.type = ClientMessage;
  event.xclient.window = window;
  event.xclient.message_type = XInternAtom (display, "WM_PROTOCOLS", False);
  event.xclient.format = 32;
  event.xclient.data.l[0] = (long) XInternAtom (display, "WM_DELETE_WINDOW", False);
  event.xclient.data.l[1] = CurrentTime;
  XSendEvent (display, window, False, NoEventMask, &event);
  XSync (display, False);
}

static void
exited_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  gboolean *exited = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *exited = TRUE;
}

/* Iterates the default main context until *@flag or @seconds pass. */
static void
wait_for_flag (const gboolean *flag,
               double          seconds)
{
  g_autoptr(GTimer) timer = g_timer_new ();

  while (!*flag && g_timer_elapsed (timer, NULL) < seconds)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (50 * 1000);
}

static void
run_gui (const char *name,
         const char *extra_arg,
         const char *title_prefix,
         gboolean    module_env)
{
  const char *tanba = g_getenv ("TANBA_GUI");
  g_autofree char *log_name = g_strdup_printf ("valgrind-%s.log", name);
  g_autofree char *log_path = g_build_filename (work_dir, log_name, NULL);
  g_autofree char *out_path = g_build_filename (work_dir, "tanba-output.log", NULL);
  g_autofree char *state_dir = g_build_filename (work_dir, "state", NULL);
  const char *program[] = { tanba, "--module", hsm->module_path, extra_arg, NULL };
  g_autoptr(GPtrArray) argv = NULL;
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_INHERIT);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GTimer) timer = g_timer_new ();
  g_autofree char *title = NULL;
  gboolean exited = FALSE;
  Window window = None;
  unsigned long pid;
  double shown_after, closed_after;

  g_assert_nonnull (tanba);
  argv = tanba_test_valgrind_argv (log_path, program);
  for (guint i = 0; tanba_test_valgrind_env[i] != NULL; i += 2)
    g_subprocess_launcher_setenv (launcher, tanba_test_valgrind_env[i], tanba_test_valgrind_env[i + 1], TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_STATE_HOME", state_dir, TRUE);
  if (module_env)
    g_subprocess_launcher_setenv (launcher, "TANBA_PKCS11_MODULE", hsm->module_path, TRUE);
  /* Its output (GTK warnings, if any) for the post-mortem. */
  g_subprocess_launcher_set_stdout_file_path (launcher, out_path);
  g_subprocess_launcher_set_stderr_file_path (launcher, out_path);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  /* valgrind runs the program in its own process: the window's _NET_WM_PID. */
  pid = strtoul (g_subprocess_get_identifier (process), NULL, 10);
  g_subprocess_wait_async (process, NULL, exited_cb, &exited);

  while (!exited && window == None && g_timer_elapsed (timer, NULL) < WINDOW_TIMEOUT_S)
    {
      window = find_window (pid);
      if (window == None)
        {
          g_main_context_iteration (NULL, FALSE);
          g_usleep (200 * 1000);
        }
    }
  if (window == None)
    {
      g_autofree char *output = NULL;

      g_file_get_contents (out_path, &output, NULL, NULL);
      if (!exited)
        g_subprocess_force_exit (process);
      g_error ("%s: no window after %.0f s (%s); its output:\n%s", name, g_timer_elapsed (timer, NULL),
               exited ? "the program exited" : "killed", output != NULL ? output : "");
    }
  shown_after = g_timer_elapsed (timer, NULL);
  title = window_title (window);
  g_test_message ("%s: window 0x%lx \"%s\" shown after %.1f s under valgrind", name, window,
                  title != NULL ? title : "", shown_after);
  g_assert_nonnull (title);
  g_assert_true (g_str_has_prefix (title, title_prefix));

  wait_for_flag (&exited, SHOW_S);
  g_assert_false (exited);
  /* Still there, still the program's. */
  g_assert_true (find_window (pid) == window);

  g_timer_start (timer);
  close_window (window);
  wait_for_flag (&exited, EXIT_TIMEOUT_S);
  closed_after = g_timer_elapsed (timer, NULL);
  if (!exited)
    {
      g_subprocess_force_exit (process);
      g_error ("%s did not quit within %d s of its window being closed", name, EXIT_TIMEOUT_S);
    }
  g_test_message ("%s: quit %.1f s after its window was closed", name, closed_after);
  {
    g_autofree char *output = NULL;

    if (g_file_get_contents (out_path, &output, NULL, NULL) && output[0] != '\0')
      g_test_message ("%s's output:\n%s", name, output);
  }
  g_assert_true (g_subprocess_get_if_exited (process));
  tanba_test_valgrind_check (name, log_path, g_subprocess_get_exit_status (process), 0, NULL);
}

static void
test_wizard (void)
{
  run_gui ("tanba-wizard", NULL, "Step ", FALSE);
}

static void
test_control_panel (void)
{
  /* The control panel does not yet take --module from the application (it
   * reads the application's "tanba-module-path" data, which nothing sets)
   * and would load the default p11-kit proxy: the module also goes through
   * TANBA_PKCS11_MODULE, which it does honour. */
  run_gui ("tanba-control-panel", "--control-panel", "Token Control Panel", TRUE);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  display = XOpenDisplay (NULL);
  if (display == NULL)
    g_error ("No X display: run this test inside xvfb-run (meson test does)");
  XSetErrorHandler (ignore_x_error);
  work_dir = tanba_test_make_tmp_dir ();
  g_test_message ("valgrind's reports: %s/valgrind-*.log", work_dir);
  hsm = tanba_test_softhsm_new (1);

  g_test_add_func ("/valgrind/gui/wizard", test_wizard);
  g_test_add_func ("/valgrind/gui/control-panel", test_control_panel);
  status = g_test_run ();

  tanba_test_softhsm_free (hsm);
  if (g_getenv ("TANBA_TEST_KEEP") == NULL)
    tanba_test_remove_tree (work_dir);
  g_free (work_dir);
  XCloseDisplay (display);
  return status;
}
