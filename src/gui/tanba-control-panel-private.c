/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-control-panel-private.c: what the control panel's files share. */
#include "config.h"

#include "tanba-control-panel-private.h"
#include "tanba-gui-util.h"

void
tanba_control_panel_fix_button_names (GtkWidget *root)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if ((GTK_IS_BUTTON (child) && gtk_button_get_use_underline (GTK_BUTTON (child)))
          || (GTK_IS_CHECK_BUTTON (child) && gtk_check_button_get_use_underline (GTK_CHECK_BUTTON (child))))
        tanba_gui_fix_mnemonic_name (child);
      tanba_control_panel_fix_button_names (child);
    }
}

void
tanba_control_panel_name_drop_down (GtkWidget *drop_down,
                                    GtkWidget *label)
{
  GObject *item = gtk_drop_down_get_selected_item (GTK_DROP_DOWN (drop_down));
  const char *chosen = GTK_IS_STRING_OBJECT (item) ? gtk_string_object_get_string (GTK_STRING_OBJECT (item)) : NULL;

  for (GtkWidget *child = gtk_widget_get_first_child (drop_down); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_TOGGLE_BUTTON (child))
      {
        gtk_accessible_update_relation (GTK_ACCESSIBLE (child),
                                        GTK_ACCESSIBLE_RELATION_LABELLED_BY, label, NULL,
                                        -1);
        tanba_gui_set_description (child, chosen);
      }
}

static void
is_active_cb (GtkWindow  *window,
              GParamSpec *pspec,
              gpointer    user_data)
{
  GtkWidget *focus;

  if (!gtk_window_is_active (window))
    return;
  focus = gtk_window_get_focus (window);
  if (focus == NULL)
    return;
  g_object_ref (focus);
  gtk_window_set_focus (window, NULL);
  gtk_window_set_focus (window, focus);
  g_object_unref (focus);
}

void
tanba_control_panel_refocus_on_activate (GtkWindow *window)
{
  g_return_if_fail (GTK_IS_WINDOW (window));

  g_signal_connect (window, "notify::is-active", G_CALLBACK (is_active_cb), NULL);
}

void
tanba_control_panel_dialog_set_message (char      **store,
                                        GtkWidget  *label,
                                        const char *message,
                                        gboolean    is_error)
{
  g_free (*store);
  *store = g_strdup (message);
  tanba_gui_show_message (label, message, is_error);
}

void
tanba_control_panel_dialog_set_busy (GtkWidget *spinner,
                                     GtkWidget *ok_button,
                                     gboolean   busy)
{
  gtk_widget_set_visible (spinner, busy);
  gtk_spinner_set_spinning (GTK_SPINNER (spinner), busy);
  gtk_widget_set_sensitive (ok_button, !busy);
}
