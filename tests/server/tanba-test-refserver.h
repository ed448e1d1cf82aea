/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-test-refserver.h: test fixture for the reference server: a demo data
 * directory (tanba-refserver --init-demo) and a running server on a free
 * loopback port, plus running helper programs (openssl) without secrets
 * on their command line.
 *
 * The server binary is $TANBA_REFSERVER, else
 * $TANBA_TEST_BUILDDIR/../src/server/tanba-refserver. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct
{
  char *user_id;
  char *otp_pin;
  char *key_file;
} TanbaTestDemoUser;

typedef struct
{
  char      *dir;            /* the data directory */
  char      *ca_certificate;
  GPtrArray *users;          /* TanbaTestDemoUser, in --init-demo order */
} TanbaTestDemo;

typedef struct
{
  GSubprocess *process;
  char        *url;      /* the first line the server printed */
  char        *host_port; /* "127.0.0.1:PORT" */
  char        *log_path;  /* the server's stderr */
} TanbaTestRefserver;

/* The path of tanba-refserver. */
const char         *tanba_test_refserver_path   (void);

/* A new temporary directory (removed by tanba_test_remove_tree). */
char               *tanba_test_make_tmp_dir     (void);
void                tanba_test_remove_tree      (const char          *path);

/* Runs `tanba-refserver --init-demo DIR --json` (plus @extra_args, may be
 * NULL) and parses its output; asserts it succeeds. */
TanbaTestDemo      *tanba_test_demo_new         (const char          *dir,
                                                 const char * const  *extra_args);
void                tanba_test_demo_free        (TanbaTestDemo       *demo);

/* Starts `tanba-refserver --data DIR --listen 127.0.0.1:0 [--tls]
 * [--test-faults]` with G_MESSAGES_DEBUG=all (stderr into DIR/server-N.log)
 * and waits for its URL line. */
TanbaTestRefserver *tanba_test_refserver_start  (const char          *data_dir,
                                                 gboolean             tls,
                                                 gboolean             test_faults);
/* SIGTERM, then asserts a clean exit. */
void                tanba_test_refserver_stop   (TanbaTestRefserver  *server);

/* Writes @secret into a new 0600 file in @dir and returns its path, for
 * "-passin file:PATH" and the like. */
char               *tanba_test_write_secret     (const char          *dir,
                                                 const char          *name,
                                                 const char          *secret);

/* Runs @argv (NULL-terminated) in @cwd (may be NULL); returns the exit
 * status, output in @out/@err (may be NULL). */
int                 tanba_test_run_in           (const char          *cwd,
                                                 const char * const  *argv,
                                                 char               **out,
                                                 char               **err);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TanbaTestDemo, tanba_test_demo_free)

G_END_DECLS
