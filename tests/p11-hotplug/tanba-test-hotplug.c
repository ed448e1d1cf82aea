/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-test-hotplug.c: a PKCS#11 module for tests that forwards every call to
 * SoftHSM and makes tokens appear and disappear on command.
 *
 * SoftHSM does not see tokens created or deleted by another process after
 * C_Initialize, so a test cannot plug a token in or pull it out. This module
 * pretends to: the file named by TANBA_HOTPLUG_CONTROL lists, one a line, the
 * serial numbers of the tokens that are "removed" now (no file or an empty file:
 * every token is present; blank lines and lines starting with '#' are ignored).
 * A line "!device-error" makes the module fail instead: C_GetSlotList,
 * C_GetSlotInfo, C_GetTokenInfo and C_WaitForSlotEvent answer CKR_DEVICE_ERROR (a reader gone bad).
 * A line "!one-session" makes C_OpenSession answer CKR_SESSION_COUNT while a
 * session is open on the token already (a token that allows one at a time).
 * The file is read again whenever its size, inode or nanosecond mtime/ctime
 * changes; write it with a rename (g_file_set_contents) so that two writes in
 * the same clock tick are still told apart.
 *
 * For a removed token:
 * - C_GetSlotList (TRUE) leaves its slot out; C_GetSlotList (FALSE) keeps it;
 * - C_GetSlotInfo clears CKF_TOKEN_PRESENT;
 * - C_GetTokenInfo, C_OpenSession and C_InitToken answer CKR_TOKEN_NOT_PRESENT;
 * - the sessions open on it are closed in SoftHSM (which logs the token out, as
 *   pulling a real token does) and any later call on them answers
 *   CKR_DEVICE_REMOVED, even after the token is back.
 * C_WaitForSlotEvent works with CKF_DONT_BLOCK only (CKR_NO_EVENT, or one slot
 * whose presence changed since it was last reported); blocking waits answer
 * CKR_FUNCTION_NOT_SUPPORTED, as SoftHSM does.
 *
 * PIN tries: SoftHSM never locks a PIN. With TANBA_HOTPLUG_PIN_TRIES=N (N > 0)
 * this module counts wrong PINs per token and role as a hardware token does:
 * after a wrong PIN the token info says "count low", with one try left "final
 * try", and after N wrong PINs in a row C_Login answers CKR_PIN_LOCKED without
 * asking SoftHSM. A right PIN resets the count; C_InitPIN (the administrator
 * unblocking the user) resets the user's. The counts live in the file
 * TANBA_HOTPLUG_CONTROL with ".pins" appended, so that, as on a real token,
 * they carry over from one process to the next.
 *
 * The real module is SOFTHSM2_MODULE, else /usr/lib/softhsm/libsofthsm2.so.
 * Every function not named above goes to it untouched. This file uses only
 * libc, so that any PKCS#11 loader (libp11, p11-kit, OpenSC's pkcs11-tool)
 * can load it. */

#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <p11-kit/pkcs11.h>

#define DEFAULT_REAL_MODULE "/usr/lib/softhsm/libsofthsm2.so"
#define SERIAL_LEN 16

typedef struct
{
  CK_SESSION_HANDLE handle;
  CK_SLOT_ID        slot;
  char              serial[SERIAL_LEN + 1];
  int               dead;      /* its token was removed: CKR_DEVICE_REMOVED */
} Session;

typedef struct
{
  CK_SLOT_ID slot;
  int        present;          /* as last reported by C_WaitForSlotEvent */
} SlotPresence;

typedef struct
{
  int             exists;
  dev_t           dev;
  ino_t           ino;
  off_t           size;
  struct timespec mtime;
  struct timespec ctime;
} ControlStamp;

static pthread_once_t    load_once = PTHREAD_ONCE_INIT;
static CK_RV             load_rv = CKR_GENERAL_ERROR;
static void             *real_handle;
static CK_FUNCTION_LIST *real;
static CK_FUNCTION_LIST  hotplug_functions;

/* Everything below is guarded by state_lock. */
static pthread_mutex_t   state_lock = PTHREAD_MUTEX_INITIALIZER;
static int               initialized;
static char             *control_path;
static ControlStamp      control_stamp;
static char            **removed;
static size_t            n_removed;
static int               device_error;
static int               one_session;
static Session          *sessions;
static size_t            n_sessions;
static SlotPresence     *presence;
static size_t            n_presence;

/* Wrong PINs in a row, per token serial and role (0 user, 1 administrator). */
typedef struct
{
  char serial[SERIAL_LEN + 1];
  int  wrong[2];
} PinTries;
static PinTries         *pin_tries;
static size_t            n_pin_tries;

static void pin_tries_apply_flags (const char *serial, CK_TOKEN_INFO *info);

/* Helpers (state_lock held) */

static void
serial_from_token_info (const CK_TOKEN_INFO *info,
                        char                 serial[SERIAL_LEN + 1])
{
  size_t len = SERIAL_LEN;

  memcpy (serial, info->serialNumber, SERIAL_LEN);
  while (len > 0 && (serial[len - 1] == ' ' || serial[len - 1] == '\0'))
    len--;
  serial[len] = '\0';
}

static int
serial_is_removed (const char *serial)
{
  if (serial[0] == '\0')
    return 0;
  for (size_t i = 0; i < n_removed; i++)
    if (strcmp (removed[i], serial) == 0)
      return 1;
  return 0;
}

static CK_RV
real_slot_serial (CK_SLOT_ID slot,
                  char       serial[SERIAL_LEN + 1])
{
  CK_TOKEN_INFO info;
  CK_RV rv;

  rv = real->C_GetTokenInfo (slot, &info);
  if (rv == CKR_OK)
    serial_from_token_info (&info, serial);
  else
    serial[0] = '\0';
  return rv;
}

static int
slot_is_removed (CK_SLOT_ID slot)
{
  char serial[SERIAL_LEN + 1];

  if (n_removed == 0)
    return 0;
  if (real_slot_serial (slot, serial) != CKR_OK)
    return 0;
  return serial_is_removed (serial);
}

static void
removed_clear (void)
{
  for (size_t i = 0; i < n_removed; i++)
    free (removed[i]);
  free (removed);
  removed = NULL;
  n_removed = 0;
  device_error = 0;
  one_session = 0;
}

static char *
strip (char *line)
{
  char *end;

  while (*line == ' ' || *line == '\t')
    line++;
  end = line + strlen (line);
  while (end > line && (end[-1] == ' ' || end[-1] == '\t' ||
                        end[-1] == '\n' || end[-1] == '\r'))
    end--;
  *end = '\0';
  return line;
}

static void
removed_load (void)
{
  FILE *file;
  char *line = NULL;
  size_t line_size = 0;

  removed_clear ();
  file = fopen (control_path, "re");
  if (file == NULL)
    return;
  while (getline (&line, &line_size, file) != -1)
    {
      char *serial = strip (line);
      char **grown;

      if (serial[0] == '\0' || serial[0] == '#')
        continue;
      if (strcmp (serial, "!device-error") == 0)
        {
          device_error = 1;
          continue;
        }
      if (strcmp (serial, "!one-session") == 0)
        {
          one_session = 1;
          continue;
        }
      grown = realloc (removed, (n_removed + 1) * sizeof *removed);
      if (grown == NULL)
        break;
      removed = grown;
      removed[n_removed] = strdup (serial);
      if (removed[n_removed] != NULL)
        n_removed++;
    }
  free (line);
  fclose (file);
}

/* Reads the control file again if it changed, and kills the sessions of the
 * tokens it newly removes. */
static void
control_refresh (void)
{
  ControlStamp stamp;
  struct stat st;

  if (control_path == NULL)
    return;
  /* Compared with memcmp: no stray padding bytes. */
  memset (&stamp, 0, sizeof stamp);
  if (stat (control_path, &st) == 0)
    {
      stamp.exists = 1;
      stamp.dev = st.st_dev;
      stamp.ino = st.st_ino;
      stamp.size = st.st_size;
      stamp.mtime = st.st_mtim;
      stamp.ctime = st.st_ctim;
    }
  if (memcmp (&stamp, &control_stamp, sizeof stamp) == 0)
    return;
  control_stamp = stamp;
  removed_load ();

  for (size_t i = 0; i < n_sessions; i++)
    {
      if (sessions[i].dead || !serial_is_removed (sessions[i].serial))
        continue;
      /* Pulling a token ends its sessions and its login. */
      real->C_CloseSession (sessions[i].handle);
      sessions[i].dead = 1;
    }
}

/* Takes state_lock itself. */
static int
device_error_now (void)
{
  int failing;

  pthread_mutex_lock (&state_lock);
  control_refresh ();
  failing = device_error;
  pthread_mutex_unlock (&state_lock);
  return failing;
}

static Session *
session_find (CK_SESSION_HANDLE handle)
{
  for (size_t i = 0; i < n_sessions; i++)
    if (sessions[i].handle == handle)
      return &sessions[i];
  return NULL;
}

static void
session_forget (Session *session)
{
  size_t index = (size_t) (session - sessions);

  memmove (&sessions[index], &sessions[index + 1],
           (n_sessions - index - 1) * sizeof *sessions);
  n_sessions--;
}

static void
session_remember (CK_SESSION_HANDLE handle,
                  CK_SLOT_ID        slot,
                  const char       *serial)
{
  Session *session = session_find (handle);

  if (session == NULL)
    {
      Session *grown = realloc (sessions, (n_sessions + 1) * sizeof *sessions);

      if (grown == NULL)
        return;
      sessions = grown;
      session = &sessions[n_sessions++];
    }
  session->handle = handle;
  session->slot = slot;
  memcpy (session->serial, serial, SERIAL_LEN + 1);
  session->dead = 0;
}

static void
state_reset (void)
{
  removed_clear ();
  free (sessions);
  sessions = NULL;
  n_sessions = 0;
  free (presence);
  presence = NULL;
  n_presence = 0;
  free (control_path);
  control_path = NULL;
  memset (&control_stamp, 0, sizeof control_stamp);
}

/* The real slot list, malloc'd. */
static CK_RV
real_slot_list (CK_BBOOL     token_present,
                CK_SLOT_ID **out_slots,
                CK_ULONG    *out_count)
{
  CK_SLOT_ID *slots = NULL;
  CK_ULONG count = 0;
  CK_RV rv;

  for (;;)
    {
      CK_SLOT_ID *grown;

      rv = real->C_GetSlotList (token_present, NULL, &count);
      if (rv != CKR_OK)
        break;
      grown = realloc (slots, (count + 1) * sizeof *slots);
      if (grown == NULL)
        {
          rv = CKR_HOST_MEMORY;
          break;
        }
      slots = grown;
      rv = real->C_GetSlotList (token_present, slots, &count);
      if (rv != CKR_BUFFER_TOO_SMALL)
        break;
    }
  if (rv != CKR_OK)
    {
      free (slots);
      return rv;
    }
  *out_slots = slots;
  *out_count = count;
  return CKR_OK;
}

static int
slot_present_now (CK_SLOT_ID slot)
{
  CK_SLOT_INFO info;

  if (real->C_GetSlotInfo (slot, &info) != CKR_OK)
    return 0;
  if (!(info.flags & CKF_TOKEN_PRESENT))
    return 0;
  return !slot_is_removed (slot);
}

static SlotPresence *
presence_find (CK_SLOT_ID slot)
{
  for (size_t i = 0; i < n_presence; i++)
    if (presence[i].slot == slot)
      return &presence[i];
  return NULL;
}

/* Records the presence of every slot now, as the point C_WaitForSlotEvent
 * starts from. */
static void
presence_snapshot (void)
{
  CK_SLOT_ID *slots;
  CK_ULONG count;

  free (presence);
  presence = NULL;
  n_presence = 0;
  if (real_slot_list (CK_FALSE, &slots, &count) != CKR_OK)
    return;
  presence = calloc (count + 1, sizeof *presence);
  if (presence != NULL)
    {
      for (CK_ULONG i = 0; i < count; i++)
        {
          presence[i].slot = slots[i];
          presence[i].present = slot_present_now (slots[i]);
        }
      n_presence = count;
    }
  free (slots);
}

/* Overridden functions */

static CK_RV
hotplug_C_Initialize (CK_VOID_PTR init_args)
{
  CK_RV rv = real->C_Initialize (init_args);
  const char *path;

  /* SoftHSM may already be initialized by another user in the process
   * (a test that also opens it directly): this module still starts. */
  if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED)
    return rv;
  pthread_mutex_lock (&state_lock);
  if (rv == CKR_CRYPTOKI_ALREADY_INITIALIZED && initialized)
    {
      pthread_mutex_unlock (&state_lock);
      return rv;
    }
  initialized = 1;
  state_reset ();
  path = getenv ("TANBA_HOTPLUG_CONTROL");
  if (path != NULL && path[0] != '\0')
    control_path = strdup (path);
  control_refresh ();
  presence_snapshot ();
  pthread_mutex_unlock (&state_lock);
  return rv;
}

static CK_RV
hotplug_C_Finalize (CK_VOID_PTR reserved)
{
  CK_RV rv = real->C_Finalize (reserved);

  if (rv == CKR_OK)
    {
      pthread_mutex_lock (&state_lock);
      state_reset ();
      initialized = 0;
      pthread_mutex_unlock (&state_lock);
    }
  return rv;
}

static CK_RV
hotplug_C_GetSlotList (CK_BBOOL       token_present,
                       CK_SLOT_ID_PTR slot_list,
                       CK_ULONG_PTR   count)
{
  CK_SLOT_ID *slots;
  CK_ULONG n_slots;
  CK_ULONG n_kept = 0;
  CK_RV rv;

  if (count == NULL)
    return CKR_ARGUMENTS_BAD;
  if (device_error_now ())
    return CKR_DEVICE_ERROR;
  if (!token_present)
    return real->C_GetSlotList (token_present, slot_list, count);

  pthread_mutex_lock (&state_lock);
  control_refresh ();
  rv = real_slot_list (CK_TRUE, &slots, &n_slots);
  if (rv == CKR_OK)
    {
      for (CK_ULONG i = 0; i < n_slots; i++)
        if (!slot_is_removed (slots[i]))
          slots[n_kept++] = slots[i];
    }
  pthread_mutex_unlock (&state_lock);
  if (rv != CKR_OK)
    return rv;

  if (slot_list == NULL)
    rv = CKR_OK;
  else if (*count < n_kept)
    rv = CKR_BUFFER_TOO_SMALL;
  else
    memcpy (slot_list, slots, n_kept * sizeof *slots);
  *count = n_kept;
  free (slots);
  return rv;
}

static CK_RV
hotplug_C_GetSlotInfo (CK_SLOT_ID       slot,
                       CK_SLOT_INFO_PTR info)
{
  CK_RV rv;

  if (device_error_now ())
    return CKR_DEVICE_ERROR;
  rv = real->C_GetSlotInfo (slot, info);
  if (rv != CKR_OK)
    return rv;
  pthread_mutex_lock (&state_lock);
  control_refresh ();
  if (slot_is_removed (slot))
    info->flags &= ~CKF_TOKEN_PRESENT;
  pthread_mutex_unlock (&state_lock);
  return rv;
}

static CK_RV
hotplug_C_GetTokenInfo (CK_SLOT_ID        slot,
                        CK_TOKEN_INFO_PTR info)
{
  CK_TOKEN_INFO real_info;
  char serial[SERIAL_LEN + 1];
  CK_RV rv;

  if (info == NULL)
    return CKR_ARGUMENTS_BAD;
  if (device_error_now ())
    return CKR_DEVICE_ERROR;
  rv = real->C_GetTokenInfo (slot, &real_info);
  if (rv != CKR_OK)
    return rv;
  serial_from_token_info (&real_info, serial);
  pthread_mutex_lock (&state_lock);
  control_refresh ();
  if (serial_is_removed (serial))
    rv = CKR_TOKEN_NOT_PRESENT;
  else
    pin_tries_apply_flags (serial, &real_info);
  pthread_mutex_unlock (&state_lock);
  if (rv == CKR_OK)
    *info = real_info;
  return rv;
}

static CK_RV
hotplug_C_WaitForSlotEvent (CK_FLAGS       flags,
                            CK_SLOT_ID_PTR slot,
                            CK_VOID_PTR    reserved)
{
  CK_SLOT_ID *slots;
  CK_ULONG count;
  CK_RV rv;

  if (!(flags & CKF_DONT_BLOCK))
    return CKR_FUNCTION_NOT_SUPPORTED;
  if (slot == NULL)
    return CKR_ARGUMENTS_BAD;
  if (device_error_now ())
    return CKR_DEVICE_ERROR;

  pthread_mutex_lock (&state_lock);
  control_refresh ();
  rv = real_slot_list (CK_FALSE, &slots, &count);
  if (rv == CKR_OK)
    {
      rv = CKR_NO_EVENT;
      for (CK_ULONG i = 0; i < count && rv == CKR_NO_EVENT; i++)
        {
          SlotPresence *known = presence_find (slots[i]);
          int present = slot_present_now (slots[i]);

          if (known == NULL)
            {
              SlotPresence *grown = realloc (presence,
                                             (n_presence + 1) * sizeof *presence);

              if (grown == NULL)
                continue;
              presence = grown;
              known = &presence[n_presence++];
              known->slot = slots[i];
              known->present = 0;     /* a new slot with a token is an insertion */
            }
          if (known->present != present)
            {
              known->present = present;
              *slot = slots[i];
              rv = CKR_OK;
            }
        }
      free (slots);
    }
  pthread_mutex_unlock (&state_lock);
  return rv;
}

static CK_RV
hotplug_C_InitToken (CK_SLOT_ID      slot,
                     CK_UTF8CHAR_PTR pin,
                     CK_ULONG        pin_len,
                     CK_UTF8CHAR_PTR label)
{
  int is_removed;

  pthread_mutex_lock (&state_lock);
  control_refresh ();
  is_removed = slot_is_removed (slot);
  pthread_mutex_unlock (&state_lock);
  if (is_removed)
    return CKR_TOKEN_NOT_PRESENT;
  return real->C_InitToken (slot, pin, pin_len, label);
}

static CK_RV
hotplug_C_OpenSession (CK_SLOT_ID            slot,
                       CK_FLAGS              flags,
                       CK_VOID_PTR           application,
                       CK_NOTIFY             notify,
                       CK_SESSION_HANDLE_PTR session)
{
  char serial[SERIAL_LEN + 1];
  CK_RV rv;

  pthread_mutex_lock (&state_lock);
  control_refresh ();
  real_slot_serial (slot, serial);
  rv = serial_is_removed (serial) ? CKR_TOKEN_NOT_PRESENT : CKR_OK;
  for (size_t i = 0; rv == CKR_OK && one_session && i < n_sessions; i++)
    if (sessions[i].slot == slot && !sessions[i].dead)
      rv = CKR_SESSION_COUNT;
  pthread_mutex_unlock (&state_lock);
  if (rv != CKR_OK)
    return rv;

  rv = real->C_OpenSession (slot, flags, application, notify, session);
  if (rv == CKR_OK)
    {
      pthread_mutex_lock (&state_lock);
      session_remember (*session, slot, serial);
      pthread_mutex_unlock (&state_lock);
    }
  return rv;
}

static CK_RV
hotplug_C_CloseSession (CK_SESSION_HANDLE handle)
{
  Session *session;
  CK_RV rv;

  pthread_mutex_lock (&state_lock);
  control_refresh ();
  session = session_find (handle);
  if (session != NULL && session->dead)
    {
      /* SoftHSM already closed it when the token went. */
      session_forget (session);
      pthread_mutex_unlock (&state_lock);
      return CKR_DEVICE_REMOVED;
    }
  pthread_mutex_unlock (&state_lock);

  rv = real->C_CloseSession (handle);
  if (rv == CKR_OK)
    {
      pthread_mutex_lock (&state_lock);
      session = session_find (handle);
      if (session != NULL)
        session_forget (session);
      pthread_mutex_unlock (&state_lock);
    }
  return rv;
}

static CK_RV
hotplug_C_CloseAllSessions (CK_SLOT_ID slot)
{
  CK_RV rv = real->C_CloseAllSessions (slot);

  if (rv == CKR_OK)
    {
      pthread_mutex_lock (&state_lock);
      for (size_t i = n_sessions; i > 0; i--)
        if (sessions[i - 1].slot == slot)
          session_forget (&sessions[i - 1]);
      pthread_mutex_unlock (&state_lock);
    }
  return rv;
}

/* CKR_DEVICE_REMOVED if @handle belongs to a token that was pulled out. */
static CK_RV
session_check (CK_SESSION_HANDLE handle)
{
  Session *session;
  CK_RV rv = CKR_OK;

  pthread_mutex_lock (&state_lock);
  control_refresh ();
  session = session_find (handle);
  if (session != NULL && session->dead)
    rv = CKR_DEVICE_REMOVED;
  pthread_mutex_unlock (&state_lock);
  return rv;
}

/* Every other call on a session: refused on a pulled token, else forwarded. */
/* The counts file, read before and written after each change (state_lock held). */
static void
pin_tries_load (void)
{
  char path[4096];
  char serial[SERIAL_LEN + 1];
  int user, so;
  FILE *file;

  n_pin_tries = 0;
  if (control_path == NULL)
    return;
  snprintf (path, sizeof path, "%s.pins", control_path);
  file = fopen (path, "r");
  if (file == NULL)
    return;
  while (fscanf (file, "%16s %d %d", serial, &user, &so) == 3)
    {
      pin_tries = realloc (pin_tries, (n_pin_tries + 1) * sizeof *pin_tries);
      snprintf (pin_tries[n_pin_tries].serial, sizeof pin_tries[n_pin_tries].serial, "%s", serial);
      pin_tries[n_pin_tries].wrong[0] = user;
      pin_tries[n_pin_tries].wrong[1] = so;
      n_pin_tries++;
    }
  fclose (file);
}

static void
pin_tries_save (void)
{
  char path[4096], temporary[4200];
  FILE *file;

  if (control_path == NULL)
    return;
  snprintf (path, sizeof path, "%s.pins", control_path);
  snprintf (temporary, sizeof temporary, "%s.%d", path, (int) getpid ());
  file = fopen (temporary, "w");
  if (file == NULL)
    return;
  for (size_t i = 0; i < n_pin_tries; i++)
    fprintf (file, "%s %d %d\n", pin_tries[i].serial, pin_tries[i].wrong[0], pin_tries[i].wrong[1]);
  fclose (file);
  rename (temporary, path);
}

static int
pin_tries_limit (void)
{
  const char *value = getenv ("TANBA_HOTPLUG_PIN_TRIES");

  return value != NULL ? atoi (value) : 0;
}

/* state_lock held */
static PinTries *
pin_tries_find (const char *serial)
{
  for (size_t i = 0; i < n_pin_tries; i++)
    if (strcmp (pin_tries[i].serial, serial) == 0)
      return &pin_tries[i];
  pin_tries = realloc (pin_tries, (n_pin_tries + 1) * sizeof *pin_tries);
  memset (&pin_tries[n_pin_tries], 0, sizeof *pin_tries);
  snprintf (pin_tries[n_pin_tries].serial, sizeof pin_tries[n_pin_tries].serial, "%s", serial);
  return &pin_tries[n_pin_tries++];
}

/* The token's PIN flags as the emulated counters say (state_lock held). */
static void
pin_tries_apply_flags (const char    *serial,
                       CK_TOKEN_INFO *info)
{
  int limit = pin_tries_limit ();
  PinTries *tries;
  const CK_FLAGS low[2] = { CKF_USER_PIN_COUNT_LOW, CKF_SO_PIN_COUNT_LOW };
  const CK_FLAGS final[2] = { CKF_USER_PIN_FINAL_TRY, CKF_SO_PIN_FINAL_TRY };
  const CK_FLAGS locked[2] = { CKF_USER_PIN_LOCKED, CKF_SO_PIN_LOCKED };

  if (limit <= 0)
    return;
  pin_tries_load ();
  tries = pin_tries_find (serial);
  for (int role = 0; role < 2; role++)
    {
      info->flags &= ~(low[role] | final[role] | locked[role]);
      if (tries->wrong[role] >= limit)
        info->flags |= locked[role];
      else if (tries->wrong[role] == limit - 1)
        info->flags |= low[role] | final[role];
      else if (tries->wrong[role] > 0)
        info->flags |= low[role];
    }
}

static const char *
session_serial (CK_SESSION_HANDLE handle,
                char              serial[SERIAL_LEN + 1])
{
  Session *session;

  pthread_mutex_lock (&state_lock);
  session = session_find (handle);
  if (session != NULL)
    snprintf (serial, SERIAL_LEN + 1, "%s", session->serial);
  pthread_mutex_unlock (&state_lock);
  return session != NULL ? serial : NULL;
}

static CK_RV
hotplug_C_Login (CK_SESSION_HANDLE session,
                 CK_USER_TYPE      user,
                 CK_UTF8CHAR_PTR   pin,
                 CK_ULONG          len)
{
  CK_RV rv = session_check (session);
  char serial[SERIAL_LEN + 1];
  int limit = pin_tries_limit ();
  int role = user == CKU_SO ? 1 : 0;
  PinTries *tries;

  if (rv != CKR_OK)
    return rv;
  if (limit <= 0 || user == CKU_CONTEXT_SPECIFIC || session_serial (session, serial) == NULL)
    return real->C_Login (session, user, pin, len);

  pthread_mutex_lock (&state_lock);
  pin_tries_load ();
  tries = pin_tries_find (serial);
  rv = tries->wrong[role] >= limit ? CKR_PIN_LOCKED : CKR_OK;
  pthread_mutex_unlock (&state_lock);
  if (rv != CKR_OK)
    return rv;

  rv = real->C_Login (session, user, pin, len);
  pthread_mutex_lock (&state_lock);
  pin_tries_load ();
  tries = pin_tries_find (serial);
  if (rv == CKR_PIN_INCORRECT)
    {
      tries->wrong[role]++;
      if (tries->wrong[role] >= limit)
        rv = CKR_PIN_LOCKED;
    }
  else if (rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN)
    tries->wrong[role] = 0;
  pin_tries_save ();
  pthread_mutex_unlock (&state_lock);
  return rv;
}

static CK_RV
hotplug_C_InitPIN (CK_SESSION_HANDLE session,
                   CK_UTF8CHAR_PTR   pin,
                   CK_ULONG          len)
{
  CK_RV rv = session_check (session);
  char serial[SERIAL_LEN + 1];

  if (rv != CKR_OK)
    return rv;
  rv = real->C_InitPIN (session, pin, len);
  if (rv == CKR_OK && session_serial (session, serial) != NULL)
    {
      pthread_mutex_lock (&state_lock);
      pin_tries_load ();
      pin_tries_find (serial)->wrong[0] = 0;
      pin_tries_save ();
      pthread_mutex_unlock (&state_lock);
    }
  return rv;
}

#define SESSION_CALL(name, params, args)          \
  static CK_RV                                    \
  hotplug_##name params                           \
  {                                               \
    CK_RV rv = session_check (session);           \
                                                  \
    if (rv != CKR_OK)                             \
      return rv;                                  \
    return real->name args;                       \
  }

SESSION_CALL (C_SetPIN,
              (CK_SESSION_HANDLE session, CK_UTF8CHAR_PTR old_pin, CK_ULONG old_len,
               CK_UTF8CHAR_PTR new_pin, CK_ULONG new_len),
              (session, old_pin, old_len, new_pin, new_len))
SESSION_CALL (C_GetSessionInfo,
              (CK_SESSION_HANDLE session, CK_SESSION_INFO_PTR info),
              (session, info))
SESSION_CALL (C_GetOperationState,
              (CK_SESSION_HANDLE session, CK_BYTE_PTR state, CK_ULONG_PTR len),
              (session, state, len))
SESSION_CALL (C_SetOperationState,
              (CK_SESSION_HANDLE session, CK_BYTE_PTR state, CK_ULONG len,
               CK_OBJECT_HANDLE enc_key, CK_OBJECT_HANDLE auth_key),
              (session, state, len, enc_key, auth_key))
SESSION_CALL (C_Logout, (CK_SESSION_HANDLE session), (session))
SESSION_CALL (C_CreateObject,
              (CK_SESSION_HANDLE session, CK_ATTRIBUTE_PTR templ, CK_ULONG count,
               CK_OBJECT_HANDLE_PTR object),
              (session, templ, count, object))
SESSION_CALL (C_CopyObject,
              (CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object,
               CK_ATTRIBUTE_PTR templ, CK_ULONG count, CK_OBJECT_HANDLE_PTR copy),
              (session, object, templ, count, copy))
SESSION_CALL (C_DestroyObject,
              (CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object),
              (session, object))
SESSION_CALL (C_GetObjectSize,
              (CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object, CK_ULONG_PTR size),
              (session, object, size))
SESSION_CALL (C_GetAttributeValue,
              (CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object,
               CK_ATTRIBUTE_PTR templ, CK_ULONG count),
              (session, object, templ, count))
SESSION_CALL (C_SetAttributeValue,
              (CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object,
               CK_ATTRIBUTE_PTR templ, CK_ULONG count),
              (session, object, templ, count))
SESSION_CALL (C_FindObjectsInit,
              (CK_SESSION_HANDLE session, CK_ATTRIBUTE_PTR templ, CK_ULONG count),
              (session, templ, count))
SESSION_CALL (C_FindObjects,
              (CK_SESSION_HANDLE session, CK_OBJECT_HANDLE_PTR objects,
               CK_ULONG max_count, CK_ULONG_PTR count),
              (session, objects, max_count, count))
SESSION_CALL (C_FindObjectsFinal, (CK_SESSION_HANDLE session), (session))
SESSION_CALL (C_EncryptInit,
              (CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism,
               CK_OBJECT_HANDLE key),
              (session, mechanism, key))
SESSION_CALL (C_Encrypt,
              (CK_SESSION_HANDLE session, CK_BYTE_PTR data, CK_ULONG data_len,
               CK_BYTE_PTR out, CK_ULONG_PTR out_len),
              (session, data, data_len, out, out_len))
SESSION_CALL (C_EncryptUpdate,
              (CK_SESSION_HANDLE session, CK_BYTE_PTR part, CK_ULONG part_len,
               CK_BYTE_PTR out, CK_ULONG_PTR out_len),
              (session, part, part_len, out, out_len))
SESSION_CALL (C_EncryptFinal,
              (CK_SESSION_HANDLE session, CK_BYTE_PTR out, CK_ULONG_PTR out_len),
              (session, out, out_len))
SESSION_CALL (C_DecryptInit,
              (CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism,
               CK_OBJECT_HANDLE key),
              (session, mechanism, key))
SESSION_CALL (C_Decrypt,
              (CK_SESSION_HANDLE session, CK_BYTE_PTR data, CK_ULONG data_len,
               CK_BYTE_PTR out, CK_ULONG_PTR out_len),
              (session, data, data_len, out, out_len))
SESSION_CALL (C_DecryptUpdate,
              (CK_SESSION_HANDLE session, CK_BYTE_PTR part, CK_ULONG part_len,
               CK_BYTE_PTR out, CK_ULONG_PTR out_len),
              (session, part, part_len, out, out_len))
SESSION_CALL (C_DecryptFinal,
              (CK_SESSION_HANDLE session, CK_BYTE_PTR out, CK_ULONG_PTR out_len),
              (session, out, out_len))
SESSION_CALL (C_DigestInit,
              (CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism),
              (session, mechanism))
SESSION_CALL (C_Digest,
              (CK_SESSION_HANDLE session, CK_BYTE_PTR data, CK_ULONG data_len,
               CK_BYTE_PTR out, CK_ULONG_PTR out_len),
              (session, data, data_len, out, out_len))
SESSION_CALL (C_DigestUpdate,
              (CK_SESSION_HANDLE session, CK_BYTE_PTR part, CK_ULONG part_len),
              (session, part, part_len))
SESSION_CALL (C_DigestKey,
              (CK_SESSION_HANDLE session, CK_OBJECT_HANDLE key),
              (session, key))
SESSION_CALL (C_DigestFinal,
              (CK_SESSION_HANDLE session, CK_BYTE_PTR out, CK_ULONG_PTR out_len),
              (session, out, out_len))
SESSION_CALL (C_SignInit,
              (CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism,
               CK_OBJECT_HANDLE key),
              (session, mechanism, key))
SESSION_CALL (C_Sign,
              (CK_SESSION_HANDLE session, CK_BYTE_PTR data, CK_ULONG data_len,
               CK_BYTE_PTR out, CK_ULONG_PTR out_len),
              (session, data, data_len, out, out_len))
SESSION_CALL (C_SignUpdate,
              (CK_SESSION_HANDLE session, CK_BYTE_PTR part, CK_ULONG part_len),
              (session, part, part_len))
SESSION_CALL (C_SignFinal,
              (CK_SESSION_HANDLE session, CK_BYTE_PTR out, CK_ULONG_PTR out_len),
              (session, out, out_len))
SESSION_CALL (C_SignRecoverInit,
              (CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism,
               CK_OBJECT_HANDLE key),
              (session, mechanism, key))
SESSION_CALL (C_SignRecover,
              (CK_SESSION_HANDLE session, CK_BYTE_PTR data, CK_ULONG data_len,
               CK_BYTE_PTR out, CK_ULONG_PTR out_len),
              (session, data, data_len, out, out_len))
SESSION_CALL (C_VerifyInit,
              (CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism,
               CK_OBJECT_HANDLE key),
              (session, mechanism, key))
SESSION_CALL (C_Verify,
              (CK_SESSION_HANDLE session, CK_BYTE_PTR data, CK_ULONG data_len,
               CK_BYTE_PTR signature, CK_ULONG signature_len),
              (session, data, data_len, signature, signature_len))
SESSION_CALL (C_VerifyUpdate,
              (CK_SESSION_HANDLE session, CK_BYTE_PTR part, CK_ULONG part_len),
              (session, part, part_len))
SESSION_CALL (C_VerifyFinal,
              (CK_SESSION_HANDLE session, CK_BYTE_PTR signature,
               CK_ULONG signature_len),
              (session, signature, signature_len))
SESSION_CALL (C_VerifyRecoverInit,
              (CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism,
               CK_OBJECT_HANDLE key),
              (session, mechanism, key))
SESSION_CALL (C_VerifyRecover,
              (CK_SESSION_HANDLE session, CK_BYTE_PTR signature,
               CK_ULONG signature_len, CK_BYTE_PTR out, CK_ULONG_PTR out_len),
              (session, signature, signature_len, out, out_len))
SESSION_CALL (C_DigestEncryptUpdate,
              (CK_SESSION_HANDLE session, CK_BYTE_PTR part, CK_ULONG part_len,
               CK_BYTE_PTR out, CK_ULONG_PTR out_len),
              (session, part, part_len, out, out_len))
SESSION_CALL (C_DecryptDigestUpdate,
              (CK_SESSION_HANDLE session, CK_BYTE_PTR part, CK_ULONG part_len,
               CK_BYTE_PTR out, CK_ULONG_PTR out_len),
              (session, part, part_len, out, out_len))
SESSION_CALL (C_SignEncryptUpdate,
              (CK_SESSION_HANDLE session, CK_BYTE_PTR part, CK_ULONG part_len,
               CK_BYTE_PTR out, CK_ULONG_PTR out_len),
              (session, part, part_len, out, out_len))
SESSION_CALL (C_DecryptVerifyUpdate,
              (CK_SESSION_HANDLE session, CK_BYTE_PTR part, CK_ULONG part_len,
               CK_BYTE_PTR out, CK_ULONG_PTR out_len),
              (session, part, part_len, out, out_len))
SESSION_CALL (C_GenerateKey,
              (CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism,
               CK_ATTRIBUTE_PTR templ, CK_ULONG count, CK_OBJECT_HANDLE_PTR key),
              (session, mechanism, templ, count, key))
SESSION_CALL (C_GenerateKeyPair,
              (CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism,
               CK_ATTRIBUTE_PTR public_templ, CK_ULONG public_count,
               CK_ATTRIBUTE_PTR private_templ, CK_ULONG private_count,
               CK_OBJECT_HANDLE_PTR public_key, CK_OBJECT_HANDLE_PTR private_key),
              (session, mechanism, public_templ, public_count, private_templ,
               private_count, public_key, private_key))
SESSION_CALL (C_WrapKey,
              (CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism,
               CK_OBJECT_HANDLE wrapping_key, CK_OBJECT_HANDLE key,
               CK_BYTE_PTR wrapped, CK_ULONG_PTR wrapped_len),
              (session, mechanism, wrapping_key, key, wrapped, wrapped_len))
SESSION_CALL (C_UnwrapKey,
              (CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism,
               CK_OBJECT_HANDLE unwrapping_key, CK_BYTE_PTR wrapped,
               CK_ULONG wrapped_len, CK_ATTRIBUTE_PTR templ, CK_ULONG count,
               CK_OBJECT_HANDLE_PTR key),
              (session, mechanism, unwrapping_key, wrapped, wrapped_len, templ,
               count, key))
SESSION_CALL (C_DeriveKey,
              (CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism,
               CK_OBJECT_HANDLE base_key, CK_ATTRIBUTE_PTR templ, CK_ULONG count,
               CK_OBJECT_HANDLE_PTR key),
              (session, mechanism, base_key, templ, count, key))
SESSION_CALL (C_SeedRandom,
              (CK_SESSION_HANDLE session, CK_BYTE_PTR seed, CK_ULONG seed_len),
              (session, seed, seed_len))
SESSION_CALL (C_GenerateRandom,
              (CK_SESSION_HANDLE session, CK_BYTE_PTR out, CK_ULONG out_len),
              (session, out, out_len))
SESSION_CALL (C_GetFunctionStatus, (CK_SESSION_HANDLE session), (session))
SESSION_CALL (C_CancelFunction, (CK_SESSION_HANDLE session), (session))

/* Loading */

static void
load_real_module (void)
{
  const char *path = getenv ("SOFTHSM2_MODULE");
  CK_C_GetFunctionList get_function_list;
  CK_FUNCTION_LIST *list = NULL;

  if (path == NULL || path[0] == '\0')
    path = DEFAULT_REAL_MODULE;
  real_handle = dlopen (path, RTLD_NOW | RTLD_LOCAL);
  if (real_handle == NULL)
    {
      fprintf (stderr, "tanba-test-hotplug: cannot load %s: %s\n", path, dlerror ());
      return;
    }
  get_function_list = (CK_C_GetFunctionList) dlsym (real_handle, "C_GetFunctionList");
  if (get_function_list == C_GetFunctionList)
    {
      fprintf (stderr, "tanba-test-hotplug: %s is this module itself\n", path);
      return;
    }
  if (get_function_list == NULL || get_function_list (&list) != CKR_OK || list == NULL)
    {
      fprintf (stderr, "tanba-test-hotplug: %s is not a PKCS#11 module\n", path);
      return;
    }
  real = list;

  hotplug_functions = *real;
  hotplug_functions.C_Initialize = hotplug_C_Initialize;
  hotplug_functions.C_Finalize = hotplug_C_Finalize;
  hotplug_functions.C_GetFunctionList = C_GetFunctionList;
  hotplug_functions.C_GetSlotList = hotplug_C_GetSlotList;
  hotplug_functions.C_GetSlotInfo = hotplug_C_GetSlotInfo;
  hotplug_functions.C_GetTokenInfo = hotplug_C_GetTokenInfo;
  hotplug_functions.C_WaitForSlotEvent = hotplug_C_WaitForSlotEvent;
  hotplug_functions.C_InitToken = hotplug_C_InitToken;
  hotplug_functions.C_OpenSession = hotplug_C_OpenSession;
  hotplug_functions.C_CloseSession = hotplug_C_CloseSession;
  hotplug_functions.C_CloseAllSessions = hotplug_C_CloseAllSessions;

#define OVERRIDE(name) hotplug_functions.name = hotplug_##name
  OVERRIDE (C_InitPIN);
  OVERRIDE (C_SetPIN);
  OVERRIDE (C_GetSessionInfo);
  OVERRIDE (C_GetOperationState);
  OVERRIDE (C_SetOperationState);
  OVERRIDE (C_Login);
  OVERRIDE (C_Logout);
  OVERRIDE (C_CreateObject);
  OVERRIDE (C_CopyObject);
  OVERRIDE (C_DestroyObject);
  OVERRIDE (C_GetObjectSize);
  OVERRIDE (C_GetAttributeValue);
  OVERRIDE (C_SetAttributeValue);
  OVERRIDE (C_FindObjectsInit);
  OVERRIDE (C_FindObjects);
  OVERRIDE (C_FindObjectsFinal);
  OVERRIDE (C_EncryptInit);
  OVERRIDE (C_Encrypt);
  OVERRIDE (C_EncryptUpdate);
  OVERRIDE (C_EncryptFinal);
  OVERRIDE (C_DecryptInit);
  OVERRIDE (C_Decrypt);
  OVERRIDE (C_DecryptUpdate);
  OVERRIDE (C_DecryptFinal);
  OVERRIDE (C_DigestInit);
  OVERRIDE (C_Digest);
  OVERRIDE (C_DigestUpdate);
  OVERRIDE (C_DigestKey);
  OVERRIDE (C_DigestFinal);
  OVERRIDE (C_SignInit);
  OVERRIDE (C_Sign);
  OVERRIDE (C_SignUpdate);
  OVERRIDE (C_SignFinal);
  OVERRIDE (C_SignRecoverInit);
  OVERRIDE (C_SignRecover);
  OVERRIDE (C_VerifyInit);
  OVERRIDE (C_Verify);
  OVERRIDE (C_VerifyUpdate);
  OVERRIDE (C_VerifyFinal);
  OVERRIDE (C_VerifyRecoverInit);
  OVERRIDE (C_VerifyRecover);
  OVERRIDE (C_DigestEncryptUpdate);
  OVERRIDE (C_DecryptDigestUpdate);
  OVERRIDE (C_SignEncryptUpdate);
  OVERRIDE (C_DecryptVerifyUpdate);
  OVERRIDE (C_GenerateKey);
  OVERRIDE (C_GenerateKeyPair);
  OVERRIDE (C_WrapKey);
  OVERRIDE (C_UnwrapKey);
  OVERRIDE (C_DeriveKey);
  OVERRIDE (C_SeedRandom);
  OVERRIDE (C_GenerateRandom);
  OVERRIDE (C_GetFunctionStatus);
  OVERRIDE (C_CancelFunction);
#undef OVERRIDE

  load_rv = CKR_OK;
}

CK_RV
C_GetFunctionList (CK_FUNCTION_LIST_PTR_PTR list)
{
  if (list == NULL)
    return CKR_ARGUMENTS_BAD;
  pthread_once (&load_once, load_real_module);
  if (load_rv != CKR_OK)
    return load_rv;
  *list = &hotplug_functions;
  return CKR_OK;
}
