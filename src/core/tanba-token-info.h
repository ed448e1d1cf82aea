/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-token-info.h: what a token says about itself (C_GetTokenInfo), in plain fields. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _TanbaModule TanbaModule;

typedef struct
{
  gulong   slot_id;
  char    *slot_description;
  gboolean removable;
  char    *label;            /* blank padding trimmed; "" on a factory-state token */
  char    *manufacturer;
  char    *model;
  char    *serial;
  gulong   flags;            /* the raw CKF_* token flags */
  gulong   min_pin_len;
  gulong   max_pin_len;
  gint64   free_memory;      /* bytes, -1 when the token does not say */
  gint64   total_memory;
} TanbaTokenInfo;

TanbaTokenInfo *tanba_token_info_query (TanbaModule *module,
                                        gulong       slot_id,
                                        GError     **error);
TanbaTokenInfo *tanba_token_info_copy  (const TanbaTokenInfo *info);
void            tanba_token_info_free  (TanbaTokenInfo *info);
gboolean        tanba_token_info_equal (const TanbaTokenInfo *a,
                                        const TanbaTokenInfo *b);

gboolean tanba_token_info_is_initialized         (const TanbaTokenInfo *info);
gboolean tanba_token_info_user_pin_set           (const TanbaTokenInfo *info);
gboolean tanba_token_info_user_pin_count_low     (const TanbaTokenInfo *info);
gboolean tanba_token_info_user_pin_final_try     (const TanbaTokenInfo *info);
gboolean tanba_token_info_user_pin_locked        (const TanbaTokenInfo *info);
gboolean tanba_token_info_user_pin_to_be_changed (const TanbaTokenInfo *info);
gboolean tanba_token_info_so_pin_count_low       (const TanbaTokenInfo *info);
gboolean tanba_token_info_so_pin_final_try       (const TanbaTokenInfo *info);
gboolean tanba_token_info_so_pin_locked          (const TanbaTokenInfo *info);
gboolean tanba_token_info_so_pin_to_be_changed   (const TanbaTokenInfo *info);

/* A token as shipped: initialized, empty label. */
gboolean tanba_token_info_is_factory_empty       (const TanbaTokenInfo *info);

/* The label for people: the label, or "<no label>" (translated). */
char    *tanba_token_info_dup_display_label      (const TanbaTokenInfo *info);

/* Every token present in @module, in slot order. Element type TanbaTokenInfo. */
GPtrArray *tanba_token_info_list (TanbaModule *module,
                                  GError     **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TanbaTokenInfo, tanba_token_info_free)

G_END_DECLS
