/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-token-monitor.c: tells when tokens are connected, removed or change.
 *
 * A worker thread lists the tokens every interval (tanba_token_info_list: raw
 * C_GetSlotList (TRUE) + C_GetSlotInfo + C_GetTokenInfo, never libp11, never
 * the module lock, so a long key generation elsewhere does not hold it up).
 * When the list differs from the one it sent last, it sends the new list, as
 * a read-only snapshot, to the main context the monitor was created in. There
 * the snapshot is compared with the current list and the signals are emitted,
 * so every signal and all the state the signals are about live on one thread.
 *
 * Tokens are told apart by slot ID and serial number: a token that changes
 * slot (SoftHSM moves a token when it is re-initialized) is removed and added.
 *
 * When the module fails (CKR_DEVICE_ERROR, pcscd gone, ...) the last known
 * list stays as it is: a glitch must not make tokens vanish and come back. The
 * first failure of a run of failures is logged at debug level, and so is the
 * recovery; nothing is emitted meanwhile. A token pulled out between the two
 * calls of a poll is simply not in the list.
 *
 * Each snapshot carries a number taken when its poll began; one that arrives
 * after a newer snapshot was applied (a poll_now() overtook the thread) is
 * dropped, so the signals never go back to an older state. */
#include "config.h"

#include "tanba-token-error.h"
#include "tanba-token-monitor.h"

struct _TanbaTokenMonitor
{
  GObject       parent_instance;

  TanbaModule  *module;
  GMainContext *context;
  guint         interval_ms;

  /* Main context only. */
  GPtrArray    *tokens;            /* element type TanbaTokenInfo, read-only */
  guint64       applied_serial;    /* the number of the snapshot in @tokens */

  /* Guarded by @lock. */
  GMutex        lock;
  GCond         cond;
  gboolean      stopping;
  guint64       next_serial;
  gboolean      failing;           /* the last poll failed: already logged */

  GThread      *thread;
};

/* A snapshot on its way to the main context. */
typedef struct
{
  GWeakRef   monitor;
  GPtrArray *tokens;
  guint64    serial;
} Snapshot;

enum
{
  TOKEN_ADDED,
  TOKEN_REMOVED,
  TOKEN_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (TanbaTokenMonitor, tanba_token_monitor, G_TYPE_OBJECT)

/* Helpers */

static const TanbaTokenInfo *
find_same_token (GPtrArray            *tokens,
                 const TanbaTokenInfo *info)
{
  for (guint i = 0; i < tokens->len; i++)
    {
      const TanbaTokenInfo *other = g_ptr_array_index (tokens, i);

      if (other->slot_id == info->slot_id && g_strcmp0 (other->serial, info->serial) == 0)
        return other;
    }
  return NULL;
}

static gboolean
token_lists_equal (GPtrArray *a,
                   GPtrArray *b)
{
  if (a == NULL || b == NULL || a->len != b->len)
    return FALSE;
  for (guint i = 0; i < a->len; i++)
    if (!tanba_token_info_equal (g_ptr_array_index (a, i), g_ptr_array_index (b, i)))
      return FALSE;
  return TRUE;
}

/* Lists the tokens now, on the calling thread. Returns NULL when the module
 * failed; @serial orders the result among all polls. */
static GPtrArray *
query_tokens (TanbaTokenMonitor *self,
              guint64           *serial)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) tokens = NULL;

  g_mutex_lock (&self->lock);
  *serial = ++self->next_serial;
  g_mutex_unlock (&self->lock);

  tokens = tanba_token_info_list (self->module, &error);

  g_mutex_lock (&self->lock);
  if (tokens == NULL && !self->failing)
    g_debug ("Token monitor: cannot list the tokens of %s, keeping the last known list: %s",
             tanba_module_get_path (self->module), error->message);
  else if (tokens != NULL && self->failing)
    g_debug ("Token monitor: %s answers again", tanba_module_get_path (self->module));
  self->failing = tokens == NULL;
  g_mutex_unlock (&self->lock);

  return g_steal_pointer (&tokens);
}

/* Main context: makes @tokens the current list and says what changed. */
static void
apply_tokens (TanbaTokenMonitor *self,
              GPtrArray         *tokens,
              guint64            serial)
{
  g_autoptr(GPtrArray) old = NULL;

  if (serial < self->applied_serial)
    return;
  self->applied_serial = serial;
  if (token_lists_equal (self->tokens, tokens))
    return;

  /* Handlers that ask for the list see the new one. */
  old = g_steal_pointer (&self->tokens);
  self->tokens = g_ptr_array_ref (tokens);

  g_object_ref (self);
  for (guint i = 0; i < old->len; i++)
    {
      TanbaTokenInfo *info = g_ptr_array_index (old, i);

      if (find_same_token (tokens, info) == NULL)
        g_signal_emit (self, signals[TOKEN_REMOVED], 0, info);
    }
  for (guint i = 0; i < tokens->len; i++)
    {
      TanbaTokenInfo *info = g_ptr_array_index (tokens, i);
      const TanbaTokenInfo *before = find_same_token (old, info);

      if (before == NULL)
        g_signal_emit (self, signals[TOKEN_ADDED], 0, info);
      else if (!tanba_token_info_equal (before, info))
        g_signal_emit (self, signals[TOKEN_CHANGED], 0, info);
    }
  g_object_unref (self);
}

static void
snapshot_free (gpointer data)
{
  Snapshot *snapshot = data;

  g_weak_ref_clear (&snapshot->monitor);
  g_ptr_array_unref (snapshot->tokens);
  g_free (snapshot);
}

static gboolean
snapshot_apply_cb (gpointer data)
{
  Snapshot *snapshot = data;
  g_autoptr(TanbaTokenMonitor) self = g_weak_ref_get (&snapshot->monitor);

  /* Gone, or disposed: nobody is listening any more. */
  if (self != NULL && self->thread != NULL)
    apply_tokens (self, snapshot->tokens, snapshot->serial);
  return G_SOURCE_REMOVE;
}

/* Any thread: hands @tokens to the main context. An idle source, not
 * g_main_context_invoke(), which would run the handlers on this thread when
 * the main context happens to be free. */
static void
send_tokens (TanbaTokenMonitor *self,
             GPtrArray         *tokens,
             guint64            serial)
{
  g_autoptr(GSource) source = g_idle_source_new ();
  Snapshot *snapshot = g_new0 (Snapshot, 1);

  g_weak_ref_init (&snapshot->monitor, self);
  snapshot->tokens = g_ptr_array_ref (tokens);
  snapshot->serial = serial;

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, snapshot_apply_cb, snapshot, snapshot_free);
  g_source_set_static_name (source, "[tanba] token monitor");
  g_source_attach (source, self->context);
}

static gpointer
poll_thread (gpointer data)
{
  TanbaTokenMonitor *self = data;
  g_autoptr(GPtrArray) last_sent = NULL;

  g_mutex_lock (&self->lock);
  while (!self->stopping)
    {
      g_autoptr(GPtrArray) tokens = NULL;
      guint64 serial;
      gint64 wake_at;

      g_mutex_unlock (&self->lock);
      tokens = query_tokens (self, &serial);
      if (tokens != NULL && !token_lists_equal (tokens, last_sent))
        {
          send_tokens (self, tokens, serial);
          g_clear_pointer (&last_sent, g_ptr_array_unref);
          last_sent = g_steal_pointer (&tokens);
        }
      g_mutex_lock (&self->lock);

      /* Sleep until the next poll, or until dispose says stop. */
      wake_at = g_get_monotonic_time () + (gint64) self->interval_ms * G_TIME_SPAN_MILLISECOND;
      while (!self->stopping)
        if (!g_cond_wait_until (&self->cond, &self->lock, wake_at))
          break;
    }
  g_mutex_unlock (&self->lock);
  return NULL;
}

/* GObject overrides */

static void
tanba_token_monitor_dispose (GObject *object)
{
  TanbaTokenMonitor *self = TANBA_TOKEN_MONITOR (object);

  if (self->thread != NULL)
    {
      g_mutex_lock (&self->lock);
      self->stopping = TRUE;
      g_cond_signal (&self->cond);
      g_mutex_unlock (&self->lock);
      /* At most one PKCS#11 poll away. */
      g_thread_join (g_steal_pointer (&self->thread));
    }

  G_OBJECT_CLASS (tanba_token_monitor_parent_class)->dispose (object);
}

static void
tanba_token_monitor_finalize (GObject *object)
{
  TanbaTokenMonitor *self = TANBA_TOKEN_MONITOR (object);

  g_clear_pointer (&self->tokens, g_ptr_array_unref);
  g_clear_pointer (&self->module, tanba_module_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);

  G_OBJECT_CLASS (tanba_token_monitor_parent_class)->finalize (object);
}

static void
tanba_token_monitor_class_init (TanbaTokenMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tanba_token_monitor_dispose;
  object_class->finalize = tanba_token_monitor_finalize;

  /**
   * TanbaTokenMonitor::token-added:
   * @info: (type gpointer): the TanbaTokenInfo of the new token, valid during emission
   */
  signals[TOKEN_ADDED] =
    g_signal_new ("token-added",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_POINTER);
  /**
   * TanbaTokenMonitor::token-removed:
   * @info: (type gpointer): the TanbaTokenInfo last seen for the token, valid during emission
   */
  signals[TOKEN_REMOVED] =
    g_signal_new ("token-removed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_POINTER);
  /**
   * TanbaTokenMonitor::token-changed:
   * @info: (type gpointer): the token's new TanbaTokenInfo (label, flags...), valid during emission
   */
  signals[TOKEN_CHANGED] =
    g_signal_new ("token-changed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_POINTER);
}

static void
tanba_token_monitor_init (TanbaTokenMonitor *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->tokens = g_ptr_array_new_with_free_func ((GDestroyNotify) tanba_token_info_free);
}

/* Public API */

/**
 * tanba_token_monitor_new:
 * @module: the module to watch
 * @interval_ms: time between polls, 0 for TANBA_TOKEN_MONITOR_DEFAULT_INTERVAL_MS
 *
 * Starts watching at once. The tokens already connected are announced with
 * "token-added" from the main context that is the thread-default now, as soon
 * as it runs; call tanba_token_monitor_poll_now() to have them at once.
 */
TanbaTokenMonitor *
tanba_token_monitor_new (TanbaModule *module,
                         guint        interval_ms)
{
  TanbaTokenMonitor *self;

  g_return_val_if_fail (module != NULL, NULL);

  self = g_object_new (TANBA_TYPE_TOKEN_MONITOR, NULL);
  self->module = tanba_module_ref (module);
  self->context = g_main_context_ref_thread_default ();
  self->interval_ms = interval_ms > 0 ? interval_ms : TANBA_TOKEN_MONITOR_DEFAULT_INTERVAL_MS;
  self->thread = g_thread_new ("tanba-token-monitor", poll_thread, self);
  return self;
}

GPtrArray *
tanba_token_monitor_get_tokens (TanbaTokenMonitor *self)
{
  g_return_val_if_fail (TANBA_IS_TOKEN_MONITOR (self), NULL);
  return self->tokens;
}

/**
 * tanba_token_monitor_poll_now:
 *
 * Lists the tokens on the calling thread and, when that thread can own the
 * monitor's main context (normally: it is the main thread), emits what changed
 * before returning. Otherwise the result is handed to the main context like the
 * worker thread's. A failing module changes nothing.
 */
void
tanba_token_monitor_poll_now (TanbaTokenMonitor *self)
{
  g_autoptr(GPtrArray) tokens = NULL;
  guint64 serial;

  g_return_if_fail (TANBA_IS_TOKEN_MONITOR (self));

  tokens = query_tokens (self, &serial);
  if (tokens == NULL)
    return;
  if (g_main_context_acquire (self->context))
    {
      apply_tokens (self, tokens, serial);
      g_main_context_release (self->context);
    }
  else
    send_tokens (self, tokens, serial);
}
