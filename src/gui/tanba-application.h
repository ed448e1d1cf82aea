/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-application.h: the `tanba` program (app ID kz.tanba.Tanba).
 *
 * Opens the registration wizard, or with --control-panel the token control
 * panel. --module, --server and --trust-anchor override the settings. */
#pragma once

#include <adwaita.h>

#include "tanba-module.h"

G_BEGIN_DECLS

#define TANBA_TYPE_APPLICATION (tanba_application_get_type ())
G_DECLARE_FINAL_TYPE (TanbaApplication, tanba_application, TANBA, APPLICATION, AdwApplication)

TanbaApplication *tanba_application_new        (void);
/* The PKCS#11 module (--module, else the settings), loaded once; NULL with
 * @error when it does not load. Not a new reference. */
TanbaModule      *tanba_application_get_module (TanbaApplication  *self,
                                                GError           **error);

G_END_DECLS
