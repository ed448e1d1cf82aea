/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-token-monitor.c: hot-plug events of TanbaTokenMonitor.
 *
 * Two factory-state SoftHSM tokens sit behind the test module in
 * tests/p11-hotplug (TANBA_PKCS11_MODULE), which "pulls out" the tokens whose
 * serial numbers are listed in the file TANBA_HOTPLUG_CONTROL. The /hotplug/
 * cases check that module itself, as the monitor's tests rely on it. */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <libp11.h>

#include "tanba-test-token.h"
#include "tanba-token-monitor.h"

/* Guard against hangs: a wait that takes longer fails the test. */
#define WAIT_TIMEOUT_S 10
/* After an expected event, wait this long for unexpected ones. */
#define SETTLE_MS (3 * TANBA_TOKEN_MONITOR_DEFAULT_INTERVAL_MS)

typedef enum
{
  EVENT_ADDED,
  EVENT_REMOVED,
  EVENT_CHANGED,
} EventKind;

typedef struct
{
  EventKind kind;
  gulong    slot_id;
  char     *serial;
  gulong    flags;
} Event;

typedef struct
{
  TanbaTokenMonitor *monitor;
  GPtrArray         *events;       /* element type Event */
  GMainLoop         *loop;
  gboolean           expired;
} Fixture;

/* Shared by every case: SoftHSM cannot see tokens made after C_Initialize,
 * so the tokens are made once, before the module is opened. */
static struct
{
  TanbaTestSoftHsm *hsm;
  char             *control_dir;
  char             *control;     /* TANBA_HOTPLUG_CONTROL */
  TanbaModule      *module;      /* the test module, not SoftHSM itself */
  const char       *serial[2];   /* owned by hsm */
  gulong            slot[2];
} world;

static int cannot_list_logged;
static int answers_again_logged;

/* Helpers */

static void
event_free (gpointer data)
{
  Event *event = data;

  g_free (event->serial);
  g_free (event);
}

/* Writes the list of removed tokens (NULL-terminated serials); a rename, so
 * that the module notices even two writes within one clock tick. */
static void
set_removed (const char *first,
             ...)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  va_list args;

  va_start (args, first);
  for (const char *serial = first; serial != NULL; serial = va_arg (args, const char *))
    g_string_append_printf (text, "%s\n", serial);
  va_end (args);

  g_file_set_contents (world.control, text->str, -1, &error);
  g_assert_no_error (error);
}

static void
record (Fixture              *f,
        EventKind             kind,
        const TanbaTokenInfo *info)
{
  Event *event = g_new0 (Event, 1);

  g_assert_nonnull (info);
  event->kind = kind;
  event->slot_id = info->slot_id;
  event->serial = g_strdup (info->serial);
  event->flags = info->flags;
  g_ptr_array_add (f->events, event);
  g_main_loop_quit (f->loop);
}

static void
token_added_cb (TanbaTokenMonitor *monitor,
                gpointer           info,
                Fixture           *f)
{
  record (f, EVENT_ADDED, info);
}

static void
token_removed_cb (TanbaTokenMonitor *monitor,
                  gpointer           info,
                  Fixture           *f)
{
  record (f, EVENT_REMOVED, info);
}

static void
token_changed_cb (TanbaTokenMonitor *monitor,
                  gpointer           info,
                  Fixture           *f)
{
  record (f, EVENT_CHANGED, info);
}

static gboolean
expired_cb (gpointer data)
{
  Fixture *f = data;

  f->expired = TRUE;
  g_main_loop_quit (f->loop);
  return G_SOURCE_REMOVE;
}

static const Event *
find_event (Fixture    *f,
            EventKind   kind,
            const char *serial,
            guint       from)
{
  for (guint i = from; i < f->events->len; i++)
    {
      const Event *event = g_ptr_array_index (f->events, i);

      if (event->kind == kind && g_strcmp0 (event->serial, serial) == 0)
        return event;
    }
  return NULL;
}

/* Runs the main loop until the event comes (returned), or fails after
 * WAIT_TIMEOUT_S. */
static const Event *
wait_for_event (Fixture    *f,
                EventKind   kind,
                const char *serial,
                guint       from)
{
  const Event *event;
  guint timeout_id;

  f->expired = FALSE;
  timeout_id = g_timeout_add_seconds (WAIT_TIMEOUT_S, expired_cb, f);
  while ((event = find_event (f, kind, serial, from)) == NULL && !f->expired)
    g_main_loop_run (f->loop);
  if (!f->expired)
    g_source_remove (timeout_id);
  if (event == NULL)
    g_error ("No %s event for token %s within %d s",
             kind == EVENT_ADDED ? "token-added" : kind == EVENT_REMOVED ? "token-removed" : "token-changed",
             serial, WAIT_TIMEOUT_S);
  return event;
}

/* Runs the main loop for @ms, whatever happens. */
static void
run_for (Fixture *f,
         guint    ms)
{
  f->expired = FALSE;
  g_timeout_add (ms, expired_cb, f);
  while (!f->expired)
    g_main_loop_run (f->loop);
}

static const TanbaTokenInfo *
find_token (GPtrArray  *tokens,
            const char *serial)
{
  for (guint i = 0; i < tokens->len; i++)
    {
      const TanbaTokenInfo *info = g_ptr_array_index (tokens, i);

      if (g_strcmp0 (info->serial, serial) == 0)
        return info;
    }
  return NULL;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  guint interval_ms = GPOINTER_TO_UINT (data);

  if (world.module == NULL)
    {
      g_test_skip ("softhsm2-util is not installed");
      return;
    }
  set_removed (NULL);
  f->events = g_ptr_array_new_with_free_func (event_free);
  f->loop = g_main_loop_new (NULL, FALSE);
  f->monitor = tanba_token_monitor_new (world.module, interval_ms);
  g_signal_connect (f->monitor, "token-added", G_CALLBACK (token_added_cb), f);
  g_signal_connect (f->monitor, "token-removed", G_CALLBACK (token_removed_cb), f);
  g_signal_connect (f->monitor, "token-changed", G_CALLBACK (token_changed_cb), f);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  if (world.module == NULL)
    return;
  /* No reference may be left behind, and the thread must stop. */
  g_assert_finalize_object (g_steal_pointer (&f->monitor));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_pointer (&f->events, g_ptr_array_unref);
  g_clear_pointer (&f->loop, g_main_loop_unref);
  set_removed (NULL);
}

/* Both tokens announced by the monitor's first poll. */
static void
wait_for_start (Fixture *f)
{
  wait_for_event (f, EVENT_ADDED, world.serial[0], 0);
  wait_for_event (f, EVENT_ADDED, world.serial[1], 0);
}

static guint
count_events_about (Fixture    *f,
                    const char *serial,
                    guint       from)
{
  guint count = 0;

  for (guint i = from; i < f->events->len; i++)
    {
      const Event *event = g_ptr_array_index (f->events, i);

      if (g_strcmp0 (event->serial, serial) == 0)
        count++;
    }
  return count;
}

/* Monitor cases */

static void
test_added_on_start (Fixture       *f,
                     gconstpointer  data)
{
  GPtrArray *tokens;

  if (world.module == NULL)
    return;
  wait_for_start (f);
  run_for (f, SETTLE_MS);

  /* One token-added each, and nothing else about them. */
  g_assert_cmpuint (count_events_about (f, world.serial[0], 0), ==, 1);
  g_assert_cmpuint (count_events_about (f, world.serial[1], 0), ==, 1);
  for (guint i = 0; i < f->events->len; i++)
    g_assert_cmpint (((Event *) g_ptr_array_index (f->events, i))->kind, ==, EVENT_ADDED);

  tokens = tanba_token_monitor_get_tokens (f->monitor);
  g_assert_nonnull (find_token (tokens, world.serial[0]));
  g_assert_nonnull (find_token (tokens, world.serial[1]));
  /* SoftHSM's spare uninitialized slot is a token too. */
  g_assert_cmpuint (tokens->len, ==, f->events->len);
}

static void
test_remove_insert (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(TanbaTokenInfo) other_before = NULL;
  GPtrArray *tokens;
  const Event *event;
  guint mark;

  if (world.module == NULL)
    return;
  wait_for_start (f);
  run_for (f, SETTLE_MS);
  other_before = tanba_token_info_copy (find_token (tanba_token_monitor_get_tokens (f->monitor),
                                                   world.serial[1]));

  /* Pull out the first token. */
  mark = f->events->len;
  set_removed (world.serial[0], NULL);
  event = wait_for_event (f, EVENT_REMOVED, world.serial[0], mark);
  g_assert_cmpuint (event->slot_id, ==, world.slot[0]);
  run_for (f, SETTLE_MS);
  g_assert_cmpuint (f->events->len, ==, mark + 1);

  /* The other one is untouched. */
  tokens = tanba_token_monitor_get_tokens (f->monitor);
  g_assert_null (find_token (tokens, world.serial[0]));
  g_assert_true (tanba_token_info_equal (find_token (tokens, world.serial[1]), other_before));

  /* Plug it in again. */
  mark = f->events->len;
  set_removed (NULL);
  event = wait_for_event (f, EVENT_ADDED, world.serial[0], mark);
  g_assert_cmpuint (event->slot_id, ==, world.slot[0]);
  run_for (f, SETTLE_MS);
  g_assert_cmpuint (f->events->len, ==, mark + 1);
  tokens = tanba_token_monitor_get_tokens (f->monitor);
  g_assert_nonnull (find_token (tokens, world.serial[0]));
  g_assert_true (tanba_token_info_equal (find_token (tokens, world.serial[1]), other_before));

  /* Both out, then both in. */
  mark = f->events->len;
  set_removed (world.serial[0], world.serial[1], NULL);
  wait_for_event (f, EVENT_REMOVED, world.serial[0], mark);
  wait_for_event (f, EVENT_REMOVED, world.serial[1], mark);
  set_removed (NULL);
  wait_for_event (f, EVENT_ADDED, world.serial[0], mark);
  wait_for_event (f, EVENT_ADDED, world.serial[1], mark);
  run_for (f, SETTLE_MS);
  g_assert_cmpuint (f->events->len, ==, mark + 4);
}

static void
test_changed (Fixture       *f,
              gconstpointer  data)
{
  CK_FUNCTION_LIST *p11 = tanba_module_get_functions (world.module);
  CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
  const Event *event;
  guint mark;
  CK_RV rv;

  if (world.module == NULL)
    return;
  wait_for_start (f);
  run_for (f, SETTLE_MS);

  tanba_module_lock (world.module);
  rv = p11->C_OpenSession (world.slot[0], CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &session);
  tanba_module_unlock (world.module);
  g_assert_cmphex (rv, ==, CKR_OK);

  /* A wrong PIN: the token raises its "few tries left" flag. */
  mark = f->events->len;
  tanba_module_lock (world.module);
  rv = p11->C_Login (session, CKU_USER, (CK_UTF8CHAR_PTR) "00000000", 8);
  tanba_module_unlock (world.module);
  g_assert_cmphex (rv, ==, CKR_PIN_INCORRECT);
  event = wait_for_event (f, EVENT_CHANGED, world.serial[0], mark);
  g_assert_cmphex (event->flags & CKF_USER_PIN_COUNT_LOW, ==, CKF_USER_PIN_COUNT_LOW);
  g_assert_cmpuint (event->slot_id, ==, world.slot[0]);
  run_for (f, SETTLE_MS);
  g_assert_cmpuint (f->events->len, ==, mark + 1);
  g_assert_true (tanba_token_info_user_pin_count_low (find_token (tanba_token_monitor_get_tokens (f->monitor),
                                                                  world.serial[0])));

  /* The right PIN clears it. */
  mark = f->events->len;
  tanba_module_lock (world.module);
  rv = p11->C_Login (session, CKU_USER, (CK_UTF8CHAR_PTR) TANBA_FACTORY_USER_PIN, strlen (TANBA_FACTORY_USER_PIN));
  tanba_module_unlock (world.module);
  g_assert_cmphex (rv, ==, CKR_OK);
  event = wait_for_event (f, EVENT_CHANGED, world.serial[0], mark);
  g_assert_cmphex (event->flags & CKF_USER_PIN_COUNT_LOW, ==, 0);
  run_for (f, SETTLE_MS);
  g_assert_cmpuint (f->events->len, ==, mark + 1);

  tanba_module_lock (world.module);
  p11->C_Logout (session);
  p11->C_CloseSession (session);
  tanba_module_unlock (world.module);

  /* The other token was never mentioned after its token-added. */
  g_assert_cmpuint (count_events_about (f, world.serial[1], 0), ==, 1);
}

static void
test_poll_now (Fixture       *f,
               gconstpointer  data)
{
  guint mark;

  if (world.module == NULL)
    return;
  /* The thread polls once at start, then not for a minute. */
  wait_for_start (f);

  mark = f->events->len;
  set_removed (world.serial[1], NULL);
  tanba_token_monitor_poll_now (f->monitor);
  /* Emitted before poll_now() returned, without the main loop. */
  g_assert_nonnull (find_event (f, EVENT_REMOVED, world.serial[1], mark));
  g_assert_cmpuint (f->events->len, ==, mark + 1);

  /* Nothing changed: nothing emitted. */
  tanba_token_monitor_poll_now (f->monitor);
  g_assert_cmpuint (f->events->len, ==, mark + 1);
  run_for (f, SETTLE_MS);
  g_assert_cmpuint (f->events->len, ==, mark + 1);

  set_removed (NULL);
  tanba_token_monitor_poll_now (f->monitor);
  g_assert_nonnull (find_event (f, EVENT_ADDED, world.serial[1], mark));
  g_assert_cmpuint (f->events->len, ==, mark + 2);
}

static void
test_module_error (Fixture       *f,
                   gconstpointer  data)
{
  GPtrArray *tokens;
  guint n_tokens;
  guint mark;
  int logged_before = g_atomic_int_get (&cannot_list_logged);
  int recovered_before = g_atomic_int_get (&answers_again_logged);

  if (world.module == NULL)
    return;
  wait_for_start (f);
  run_for (f, SETTLE_MS);
  n_tokens = tanba_token_monitor_get_tokens (f->monitor)->len;

  /* The module fails for several polls: the last list stays, no event, one log line. */
  mark = f->events->len;
  set_removed ("!device-error", NULL);
  run_for (f, 8 * TANBA_TOKEN_MONITOR_DEFAULT_INTERVAL_MS);
  tanba_token_monitor_poll_now (f->monitor);
  g_assert_cmpuint (f->events->len, ==, mark);
  tokens = tanba_token_monitor_get_tokens (f->monitor);
  g_assert_cmpuint (tokens->len, ==, n_tokens);
  g_assert_nonnull (find_token (tokens, world.serial[0]));
  g_assert_cmpint (g_atomic_int_get (&cannot_list_logged) - logged_before, ==, 1);

  /* It answers again, as before: still nothing to say. */
  set_removed (NULL);
  run_for (f, 4 * TANBA_TOKEN_MONITOR_DEFAULT_INTERVAL_MS);
  g_assert_cmpuint (f->events->len, ==, mark);
  g_assert_cmpint (g_atomic_int_get (&answers_again_logged) - recovered_before, ==, 1);

  /* A token pulled out during the failure is reported once it answers. */
  set_removed ("!device-error", world.serial[0], NULL);
  run_for (f, 4 * TANBA_TOKEN_MONITOR_DEFAULT_INTERVAL_MS);
  g_assert_cmpuint (f->events->len, ==, mark);
  set_removed (world.serial[0], NULL);
  wait_for_event (f, EVENT_REMOVED, world.serial[0], mark);
  run_for (f, SETTLE_MS);
  g_assert_cmpuint (f->events->len, ==, mark + 1);
}

static void
test_dispose_while_polling (void)
{
  if (world.module == NULL)
    {
      g_test_skip ("softhsm2-util is not installed");
      return;
    }

  /* Unref at every point of a poll: it must stop at once, never hang. */
  for (guint i = 0; i < 40; i++)
    {
      TanbaTokenMonitor *monitor = tanba_token_monitor_new (world.module, 1);
      gint64 start;

      g_usleep ((i % 10) * 200);
      start = g_get_monotonic_time ();
      g_assert_finalize_object (monitor);
      g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC);
    }

  /* A long interval does not delay stopping: the thread waits on a condition. */
  for (guint i = 0; i < 3; i++)
    {
      TanbaTokenMonitor *monitor = tanba_token_monitor_new (world.module, 60 * 1000);
      gint64 start;

      g_usleep (50 * 1000);
      start = g_get_monotonic_time ();
      g_assert_finalize_object (monitor);
      g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC);
    }

  /* The snapshots still on their way find no monitor and are dropped. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* Test module cases */

static void
test_hotplug_raw (void)
{
  CK_FUNCTION_LIST *p11;
  CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
  CK_SESSION_HANDLE other = CK_INVALID_HANDLE;
  CK_SESSION_INFO session_info;
  CK_SLOT_ID slots[16];
  CK_ULONG n_present = G_N_ELEMENTS (slots);
  CK_ULONG n_all = G_N_ELEMENTS (slots);
  CK_ULONG n;
  CK_SLOT_INFO slot_info;
  CK_TOKEN_INFO token_info;
  CK_SLOT_ID event_slot;
  CK_UTF8CHAR label[32];
  gboolean listed;

  if (world.module == NULL)
    {
      g_test_skip ("softhsm2-util is not installed");
      return;
    }
  p11 = tanba_module_get_functions (world.module);
  memset (label, ' ', sizeof label);
  tanba_module_lock (world.module);
  set_removed (NULL);

  g_assert_cmphex (p11->C_GetSlotList (CK_TRUE, slots, &n_present), ==, CKR_OK);
  g_assert_cmphex (p11->C_GetSlotList (CK_FALSE, slots, &n_all), ==, CKR_OK);
  g_assert_cmphex (p11->C_OpenSession (world.slot[0], CKF_SERIAL_SESSION, NULL, NULL, &session), ==, CKR_OK);
  /* Forget the events of earlier cases. */
  for (guint i = 0; i < 16 && p11->C_WaitForSlotEvent (CKF_DONT_BLOCK, &event_slot, NULL) == CKR_OK; i++)
    ;
  g_assert_cmphex (p11->C_WaitForSlotEvent (CKF_DONT_BLOCK, &event_slot, NULL), ==, CKR_NO_EVENT);
  g_assert_cmphex (p11->C_WaitForSlotEvent (0, &event_slot, NULL), ==, CKR_FUNCTION_NOT_SUPPORTED);

  set_removed (world.serial[0], NULL);

  /* Listing with tokenPresent = TRUE leaves the slot out; FALSE keeps it. */
  n = 0;
  g_assert_cmphex (p11->C_GetSlotList (CK_TRUE, NULL, &n), ==, CKR_OK);
  g_assert_cmpuint (n, ==, n_present - 1);
  n = 0;
  g_assert_cmphex (p11->C_GetSlotList (CK_TRUE, slots, &n), ==, CKR_BUFFER_TOO_SMALL);
  g_assert_cmpuint (n, ==, n_present - 1);
  n = G_N_ELEMENTS (slots);
  g_assert_cmphex (p11->C_GetSlotList (CK_TRUE, slots, &n), ==, CKR_OK);
  listed = FALSE;
  for (CK_ULONG i = 0; i < n; i++)
    listed |= slots[i] == world.slot[0];
  g_assert_false (listed);
  n = G_N_ELEMENTS (slots);
  g_assert_cmphex (p11->C_GetSlotList (CK_FALSE, slots, &n), ==, CKR_OK);
  g_assert_cmpuint (n, ==, n_all);

  g_assert_cmphex (p11->C_GetSlotInfo (world.slot[0], &slot_info), ==, CKR_OK);
  g_assert_cmphex (slot_info.flags & CKF_TOKEN_PRESENT, ==, 0);
  g_assert_cmphex (p11->C_GetSlotInfo (world.slot[1], &slot_info), ==, CKR_OK);
  g_assert_cmphex (slot_info.flags & CKF_TOKEN_PRESENT, ==, CKF_TOKEN_PRESENT);
  g_assert_cmphex (p11->C_GetTokenInfo (world.slot[0], &token_info), ==, CKR_TOKEN_NOT_PRESENT);
  g_assert_cmphex (p11->C_GetTokenInfo (world.slot[1], &token_info), ==, CKR_OK);
  g_assert_cmphex (p11->C_OpenSession (world.slot[0], CKF_SERIAL_SESSION, NULL, NULL, &other),
                   ==, CKR_TOKEN_NOT_PRESENT);
  g_assert_cmphex (p11->C_InitToken (world.slot[0], (CK_UTF8CHAR_PTR) TANBA_FACTORY_ADMIN_PIN,
                                     strlen (TANBA_FACTORY_ADMIN_PIN), label),
                   ==, CKR_TOKEN_NOT_PRESENT);
  g_assert_cmphex (p11->C_GetSessionInfo (session, &session_info), ==, CKR_DEVICE_REMOVED);

  g_assert_cmphex (p11->C_WaitForSlotEvent (CKF_DONT_BLOCK, &event_slot, NULL), ==, CKR_OK);
  g_assert_cmpuint (event_slot, ==, world.slot[0]);
  g_assert_cmphex (p11->C_WaitForSlotEvent (CKF_DONT_BLOCK, &event_slot, NULL), ==, CKR_NO_EVENT);

  /* Back in: the token answers, the old session stays dead. */
  set_removed (NULL);
  g_assert_cmphex (p11->C_WaitForSlotEvent (CKF_DONT_BLOCK, &event_slot, NULL), ==, CKR_OK);
  g_assert_cmpuint (event_slot, ==, world.slot[0]);
  g_assert_cmphex (p11->C_WaitForSlotEvent (CKF_DONT_BLOCK, &event_slot, NULL), ==, CKR_NO_EVENT);
  g_assert_cmphex (p11->C_GetTokenInfo (world.slot[0], &token_info), ==, CKR_OK);
  g_assert_cmphex (p11->C_GetSessionInfo (session, &session_info), ==, CKR_DEVICE_REMOVED);
  g_assert_cmphex (p11->C_CloseSession (session), ==, CKR_DEVICE_REMOVED);
  g_assert_cmphex (p11->C_OpenSession (world.slot[0], CKF_SERIAL_SESSION, NULL, NULL, &other), ==, CKR_OK);
  g_assert_cmphex (p11->C_GetSessionInfo (other, &session_info), ==, CKR_OK);
  g_assert_cmpuint (session_info.slotID, ==, world.slot[0]);
  g_assert_cmphex (p11->C_CloseSession (other), ==, CKR_OK);

  tanba_module_unlock (world.module);
}

static void
test_hotplug_pkcs11_tool (void)
{
  g_autofree char *tool = g_find_program_in_path ("pkcs11-tool");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;
  const char *argv[] = { NULL, "--module", NULL, "--list-token-slots", NULL };

  if (world.module == NULL || tool == NULL)
    {
      g_test_skip ("softhsm2-util or pkcs11-tool is not installed");
      return;
    }
  argv[0] = tool;
  argv[2] = tanba_module_get_path (world.module);

  set_removed (world.serial[0], NULL);
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &error);
  set_removed (NULL);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("pkcs11-tool failed: %s", err);
  g_assert_null (strstr (out, world.serial[0]));
  g_assert_nonnull (strstr (out, world.serial[1]));
}

static void
test_hotplug_libp11 (void)
{
  if (g_test_subprocess ())
    {
      g_autofree char *removed = NULL;
      PKCS11_CTX *ctx = PKCS11_CTX_new ();
      PKCS11_SLOT *slots = NULL;
      unsigned int n_slots = 0;
      guint n_initialized = 0;
      guint n_empty = 0;

      /* The parent pulled out one token: its serial is the control file. */
      g_assert_true (g_file_get_contents (g_getenv ("TANBA_HOTPLUG_CONTROL"), &removed, NULL, NULL));
      g_strstrip (removed);
      g_assert_cmpstr (removed, !=, "");

      g_assert_cmpint (PKCS11_CTX_load (ctx, g_getenv ("TANBA_PKCS11_MODULE")), ==, 0);
      g_assert_cmpint (PKCS11_enumerate_slots (ctx, &slots, &n_slots), ==, 0);
      for (unsigned int i = 0; i < n_slots; i++)
        {
          if (slots[i].token == NULL)
            {
              n_empty++;
              continue;
            }
          g_assert_cmpstr (slots[i].token->serialnr, !=, removed);
          if (slots[i].token->initialized)
            n_initialized++;
        }
      /* The slot of the pulled token is still listed, without its token. */
      g_assert_cmpuint (n_initialized, ==, 1);
      g_assert_cmpuint (n_empty, ==, 1);
      g_assert_nonnull (PKCS11_find_token (ctx, slots, n_slots));
      PKCS11_release_all_slots (ctx, slots, n_slots);
      PKCS11_CTX_unload (ctx);
      PKCS11_CTX_free (ctx);
      return;
    }

  if (world.module == NULL)
    {
      g_test_skip ("softhsm2-util is not installed");
      return;
    }
  /* In a process of its own: unloading finalizes the module. */
  set_removed (world.serial[1], NULL);
  g_test_trap_subprocess (NULL, 30 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  set_removed (NULL);
  g_test_trap_assert_passed ();
}

/* Set-up of the whole run */

static GLogWriterOutput
count_log_writer (GLogLevelFlags   level,
                  const GLogField *fields,
                  gsize            n_fields,
                  gpointer         user_data)
{
  for (gsize i = 0; i < n_fields; i++)
    {
      const char *message;

      if (g_strcmp0 (fields[i].key, "MESSAGE") != 0 || fields[i].length != -1)
        continue;
      message = fields[i].value;
      if (g_str_has_prefix (message, "Token monitor: cannot list"))
        g_atomic_int_inc (&cannot_list_logged);
      else if (strstr (message, "answers again") != NULL)
        g_atomic_int_inc (&answers_again_logged);
    }
  return g_log_writer_default (level, fields, n_fields, user_data);
}

static void
world_setup (void)
{
  g_autofree char *softhsm_util = g_find_program_in_path ("softhsm2-util");
  g_autoptr(GPtrArray) tokens = NULL;
  g_autoptr(GError) error = NULL;
  const char *module_path = g_getenv ("TANBA_PKCS11_MODULE");

  if (softhsm_util == NULL)
    return;
  g_assert_nonnull (module_path);

  /* Before any thread exists (the token fixture starts some): setenv is not thread-safe. */
  world.control_dir = g_dir_make_tmp ("tanba-hotplug-XXXXXX", &error);
  g_assert_no_error (error);
  world.control = g_build_filename (world.control_dir, "removed", NULL);
  g_setenv ("TANBA_HOTPLUG_CONTROL", world.control, TRUE);
  world.hsm = tanba_test_softhsm_new (2);

  world.module = tanba_module_open (module_path, &error);
  g_assert_no_error (error);
  tokens = tanba_token_info_list (world.module, &error);
  g_assert_no_error (error);
  for (guint n = 0; n < 2; n++)
    {
      const TanbaTokenInfo *info;

      world.serial[n] = g_ptr_array_index (world.hsm->serials, n);
      info = find_token (tokens, world.serial[n]);
      g_assert_nonnull (info);
      world.slot[n] = info->slot_id;
    }
}

static void
world_teardown (void)
{
  g_clear_pointer (&world.module, tanba_module_unref);
  g_clear_pointer (&world.hsm, tanba_test_softhsm_free);
  if (world.control != NULL)
    {
      g_unlink (world.control);
      g_rmdir (world.control_dir);
    }
  g_clear_pointer (&world.control, g_free);
  g_clear_pointer (&world.control_dir, g_free);
}

int
main (int   argc,
      char *argv[])
{
  int result;

  g_log_set_writer_func (count_log_writer, NULL, NULL);
  g_test_init (&argc, &argv, NULL);

  /* A subprocess only runs its own case, with the parent's environment. */
  if (!g_test_subprocess ())
    world_setup ();

#define MONITOR_TEST(path, func, interval) \
  g_test_add (path, Fixture, GUINT_TO_POINTER (interval), fixture_setup, func, fixture_teardown)
  MONITOR_TEST ("/monitor/added-on-start", test_added_on_start, 0);
  MONITOR_TEST ("/monitor/remove-insert", test_remove_insert, 0);
  MONITOR_TEST ("/monitor/changed", test_changed, 0);
  MONITOR_TEST ("/monitor/poll-now", test_poll_now, 60 * 1000);
  MONITOR_TEST ("/monitor/module-error", test_module_error, 0);
#undef MONITOR_TEST
  g_test_add_func ("/monitor/dispose-while-polling", test_dispose_while_polling);
  g_test_add_func ("/hotplug/raw", test_hotplug_raw);
  g_test_add_func ("/hotplug/pkcs11-tool", test_hotplug_pkcs11_tool);
  g_test_add_func ("/hotplug/libp11", test_hotplug_libp11);

  result = g_test_run ();
  world_teardown ();
  return result;
}
