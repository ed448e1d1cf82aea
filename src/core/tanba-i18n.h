/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-i18n.h: gettext for the core and the programs; include after config.h. */
#pragma once

#include <glib/gi18n-lib.h>
