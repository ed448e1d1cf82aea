/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-registration-private.h: what the registration's parameters hold,
 * for tanba-registration.c (the run) and tanba-registration-params.c. */
#pragma once

#include "tanba-key-file.h"
#include "tanba-registration.h"

G_BEGIN_DECLS

struct _TanbaRegistrationParams
{
  char             *user_id;
  char             *key_file;
  TanbaKeyFile     *opened_key_file;
  char             *key_password;
  gboolean          use_mac;
  char             *otp_pin;
  char             *current_pin;
  char             *new_pin;
  char             *admin_pin;
  char             *token_name;
  TanbaKeyAlgorithm algorithm;
  gboolean          algorithm_set;
  guint             term_years;
  char             *ca_url;
  char             *bank_url;
  char             *trust_anchor;
};

G_END_DECLS
