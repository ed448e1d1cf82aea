/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tanba-gui-util.h"

void
tanba_gui_label_for (GtkWidget *label,
                     GtkWidget *widget)
{
  g_return_if_fail (GTK_IS_LABEL (label));
  g_return_if_fail (GTK_IS_WIDGET (widget));

  gtk_label_set_mnemonic_widget (GTK_LABEL (label), widget);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (widget),
                                  GTK_ACCESSIBLE_RELATION_LABELLED_BY, label, NULL,
                                  -1);
}

#define HINT_KEY   "tanba-gui-hint"
#define SPOKEN_KEY "tanba-gui-spoken"

/* The description a widget shows: what was spoken last, else its hint's text. */
static void
refresh_description (GtkWidget *widget)
{
  const char *spoken = g_object_get_data (G_OBJECT (widget), SPOKEN_KEY);
  GtkWidget *hint = g_object_get_data (G_OBJECT (widget), HINT_KEY);
  const char *text = spoken;

  if (text == NULL && hint != NULL && GTK_IS_LABEL (hint))
    text = gtk_label_get_text (GTK_LABEL (hint));
  if (text == NULL || text[0] == '\0')
    gtk_accessible_reset_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
  else
    gtk_accessible_update_property (GTK_ACCESSIBLE (widget),
                                    GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text,
                                    -1);
}

static void
hint_label_changed_cb (GtkWidget  *hint,
                       GParamSpec *pspec,
                       GtkWidget  *widget)
{
  refresh_description (widget);
}

void
tanba_gui_described_by (GtkWidget *widget,
                        GtkWidget *hint)
{
  g_return_if_fail (GTK_IS_WIDGET (widget));
  g_return_if_fail (GTK_IS_WIDGET (hint));

  gtk_accessible_update_relation (GTK_ACCESSIBLE (widget),
                                  GTK_ACCESSIBLE_RELATION_DESCRIBED_BY, hint, NULL,
                                  -1);
  /* GTK 4.8 passes DESCRIBED_BY on as a relation but computes no
   * description from it: the hint's text is the DESCRIPTION too. */
  if (GTK_IS_LABEL (hint))
    {
      g_object_set_data (G_OBJECT (widget), HINT_KEY, hint);
      g_signal_connect_object (hint, "notify::label", G_CALLBACK (hint_label_changed_cb), widget, 0);
      refresh_description (widget);
    }
}

void
tanba_gui_set_required (GtkWidget *widget,
                        gboolean   required)
{
  g_return_if_fail (GTK_IS_WIDGET (widget));

  gtk_accessible_update_property (GTK_ACCESSIBLE (widget),
                                  GTK_ACCESSIBLE_PROPERTY_REQUIRED, required,
                                  -1);
}

/* "_Next" -> "Next", "a__b" -> "a_b". */
static char *
strip_mnemonic (const char *text)
{
  GString *s = g_string_new (NULL);

  for (const char *p = text; p != NULL && *p != '\0'; p++)
    {
      if (*p == '_')
        {
          if (p[1] == '_')
            p++;
          else
            continue;
        }
      g_string_append_c (s, *p);
    }
  return g_string_free (s, FALSE);
}

static gboolean
check_mnemonic_activate_cb (GtkWidget *button,
                            gboolean   group_cycling,
                            gpointer   user_data)
{
  /* Alt+letter toggles a check button without moving the focus, so a
   * screen reader, which speaks changes of the focused control, says
   * nothing: take the focus too. */
  gtk_widget_grab_focus (button);
  return FALSE;
}

void
tanba_gui_fix_mnemonic_name (GtkWidget *button)
{
  g_return_if_fail (GTK_IS_WIDGET (button));

  if (GTK_IS_CHECK_BUTTON (button))
    {
      if (g_object_get_data (G_OBJECT (button), "tanba-gui-mnemonic-focus") == NULL)
        {
          g_object_set_data (G_OBJECT (button), "tanba-gui-mnemonic-focus", GINT_TO_POINTER (1));
          g_signal_connect (button, "mnemonic-activate", G_CALLBACK (check_mnemonic_activate_cb), NULL);
        }
      /* A check button is named by its LABEL property only (its label child
       * does not name it in 4.8): set it without the underscore. */
      g_autofree char *name = strip_mnemonic (gtk_check_button_get_label (GTK_CHECK_BUTTON (button)));

      gtk_accessible_update_property (GTK_ACCESSIBLE (button),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, name,
                                      -1);
    }
  else
    gtk_accessible_reset_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL);
}

void
tanba_gui_fix_mnemonic_names (GtkWidget *root)
{
  g_return_if_fail (GTK_IS_WIDGET (root));

  if ((GTK_IS_BUTTON (root) && gtk_button_get_use_underline (GTK_BUTTON (root))
       && gtk_button_get_label (GTK_BUTTON (root)) != NULL)
      || (GTK_IS_CHECK_BUTTON (root) && gtk_check_button_get_use_underline (GTK_CHECK_BUTTON (root))))
    tanba_gui_fix_mnemonic_name (root);
  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    tanba_gui_fix_mnemonic_names (child);
}

void
tanba_gui_button_set_label (GtkWidget  *button,
                            const char *mnemonic_label)
{
  g_return_if_fail (GTK_IS_BUTTON (button) || GTK_IS_CHECK_BUTTON (button));

  if (GTK_IS_BUTTON (button))
    {
      gtk_button_set_use_underline (GTK_BUTTON (button), TRUE);
      gtk_button_set_label (GTK_BUTTON (button), mnemonic_label);
    }
  else
    {
      gtk_check_button_set_use_underline (GTK_CHECK_BUTTON (button), TRUE);
      gtk_check_button_set_label (GTK_CHECK_BUTTON (button), mnemonic_label);
    }
  tanba_gui_fix_mnemonic_name (button);
}

void
tanba_gui_set_name (GtkWidget  *widget,
                    const char *name)
{
  g_return_if_fail (GTK_IS_WIDGET (widget));

  gtk_accessible_update_property (GTK_ACCESSIBLE (widget),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, name,
                                  -1);
}

void
tanba_gui_set_description (GtkWidget  *widget,
                           const char *description)
{
  g_return_if_fail (GTK_IS_WIDGET (widget));

  g_object_set_data_full (G_OBJECT (widget), SPOKEN_KEY,
                          description != NULL && description[0] != '\0' ? g_strdup (description) : NULL,
                          g_free);
  refresh_description (widget);
}

void
tanba_gui_speak (GtkWidget  *focus,
                 const char *message)
{
  g_return_if_fail (GTK_IS_WIDGET (focus));

#if GTK_CHECK_VERSION(4, 14, 0)
  if (message != NULL && message[0] != '\0')
    gtk_accessible_announce (GTK_ACCESSIBLE (focus), message,
                             GTK_ACCESSIBLE_ANNOUNCEMENT_PRIORITY_MEDIUM);
#endif
  /* Orca reads description changes of the focused object; on newer GTK the
   * description also keeps the message with the field for later review. */
  tanba_gui_set_description (focus, message);
}

void
tanba_gui_focus (GtkWidget *widget)
{
  g_return_if_fail (GTK_IS_WIDGET (widget));

  gtk_widget_grab_focus (widget);
  /* An entry grabbed this way selects its text; keep a password from being
   * re-focused selected (field notes: clear it instead). */
  if (GTK_IS_EDITABLE (widget))
    gtk_editable_set_position (GTK_EDITABLE (widget), -1);
}

/* The character after the first single underscore of a mnemonic label, 0 if none. */
static gunichar
mnemonic_char (const char *text)
{
  for (const char *p = text; p != NULL && *p != '\0'; p = g_utf8_next_char (p))
    {
      if (*p != '_')
        continue;
      if (p[1] == '_')
        {
          p++;
          continue;
        }
      return p[1] != '\0' ? g_utf8_get_char (p + 1) : 0;
    }
  return 0;
}

/* The showing, sensitive label under @root whose mnemonic is @c (lower case). */
static GtkWidget *
find_mnemonic_label (GtkWidget *root,
                     gunichar   c)
{
  if (!gtk_widget_get_mapped (root) || !gtk_widget_is_sensitive (root))
    return NULL;
  if (GTK_IS_LABEL (root) && gtk_label_get_use_underline (GTK_LABEL (root))
      && g_unichar_tolower (mnemonic_char (gtk_label_get_label (GTK_LABEL (root)))) == c)
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_mnemonic_label (child, c);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
mnemonic_key_pressed_cb (GtkEventControllerKey *controller,
                         guint                  keyval,
                         guint                  keycode,
                         GdkModifierType        state,
                         gpointer               user_data)
{
  GtkWidget *window = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (controller));
  gunichar c = g_unichar_tolower (gdk_keyval_to_unicode (keyval));
  GtkWidget *label;

  if ((state & gtk_accelerator_get_default_mod_mask ()) != GDK_ALT_MASK || c <= 0xff)
    return FALSE;
  label = find_mnemonic_label (window, c);
  /* GTK's own mnemonic handled it already when its keyval is right. */
  if (label == NULL || gtk_label_get_mnemonic_keyval (GTK_LABEL (label)) == gdk_keyval_to_lower (keyval))
    return FALSE;
  return gtk_widget_mnemonic_activate (label, FALSE);
}

static void
toplevels_changed_cb (GListModel *toplevels,
                      guint       position,
                      guint       removed,
                      guint       added,
                      gpointer    user_data)
{
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(GtkWidget) window = g_list_model_get_item (toplevels, i);
      GtkEventController *controller;

      if (g_object_get_data (G_OBJECT (window), "tanba-gui-mnemonic-keys") != NULL)
        continue;
      g_object_set_data (G_OBJECT (window), "tanba-gui-mnemonic-keys", GINT_TO_POINTER (1));
      controller = gtk_event_controller_key_new ();
      gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
      g_signal_connect (controller, "key-pressed", G_CALLBACK (mnemonic_key_pressed_cb), NULL);
      gtk_widget_add_controller (window, controller);
    }
}

void
tanba_gui_mnemonic_keys_init (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  static gboolean done;

  if (done)
    return;
  done = TRUE;
  g_signal_connect (toplevels, "items-changed", G_CALLBACK (toplevels_changed_cb), NULL);
  toplevels_changed_cb (toplevels, 0, 0, g_list_model_get_n_items (toplevels), NULL);
}

void
tanba_gui_show_message (GtkWidget  *label,
                        const char *message,
                        gboolean    error)
{
  g_return_if_fail (GTK_IS_LABEL (label));

  gtk_label_set_text (GTK_LABEL (label), message != NULL ? message : "");
  gtk_widget_set_visible (label, message != NULL);
  if (error)
    gtk_widget_add_css_class (label, "error");
  else
    gtk_widget_remove_css_class (label, "error");
}
