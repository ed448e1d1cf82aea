/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <locale.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "tanba-gui-test.h"

void
tanba_gui_test_init (int    *argc,
                     char ***argv)
{
  const char *localedir = g_getenv ("TANBA_LOCALEDIR");

  /* Translated runs (LANGUAGE=ru TANBA_LOCALEDIR=BUILD/po-like tree). */
  setlocale (LC_ALL, "");
  if (localedir != NULL)
    {
      bindtextdomain (GETTEXT_PACKAGE, localedir);
      bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
    }
  /* As the program does (main.c): GtkBuilder translates the .ui files'
   * labels through the default domain. */
  textdomain (GETTEXT_PACKAGE);
  g_test_init (argc, argv, NULL);
  gtk_init ();
  adw_init ();
}

static const char *
shown_text (GtkWidget *widget)
{
  if (GTK_IS_LABEL (widget))
    return gtk_label_get_label (GTK_LABEL (widget));
  if (GTK_IS_BUTTON (widget))
    return gtk_button_get_label (GTK_BUTTON (widget));
  if (GTK_IS_CHECK_BUTTON (widget))
    return gtk_check_button_get_label (GTK_CHECK_BUTTON (widget));
  if (GTK_IS_EXPANDER (widget))
    return gtk_expander_get_label (GTK_EXPANDER (widget));
  return NULL;
}

GtkWidget *
tanba_gui_test_find (GtkWidget  *root,
                     GType       type,
                     const char *label_text)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type)
      && (label_text == NULL || g_strcmp0 (shown_text (root), label_text) == 0))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = tanba_gui_test_find (child, type, label_text);

      if (found != NULL)
        return found;
    }
  return NULL;
}

GtkWidget *
tanba_gui_test_find_labelled (GtkWidget  *root,
                              const char *label_text)
{
  GtkWidget *label = tanba_gui_test_find (root, GTK_TYPE_LABEL, label_text);

  g_assert_nonnull (label);
  return gtk_label_get_mnemonic_widget (GTK_LABEL (label));
}

static gboolean
timeout_cb (gpointer user_data)
{
  gboolean *expired = user_data;

  *expired = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
tanba_gui_test_wait_flag (gboolean *done,
                          guint     timeout_ms)
{
  gboolean expired = FALSE;
  guint id = g_timeout_add (timeout_ms, timeout_cb, &expired);

  while (!*done && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (id);
  return *done;
}

static AdwMessageDialog *
find_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return ADW_MESSAGE_DIALOG (window);
    }
  return NULL;
}

AdwMessageDialog *
tanba_gui_test_wait_dialog (guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  AdwMessageDialog *dialog;

  while ((dialog = find_dialog ()) == NULL && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE), g_usleep (1000);
  return dialog;
}

void
tanba_gui_test_type (GtkWidget  *editable,
                     const char *text)
{
  GtkEditable *target = GTK_EDITABLE (editable);
  GtkEditable *delegate = gtk_editable_get_delegate (target);
  int position;

  /* Type into the GtkText that takes the keys, one character at a time. */
  while (delegate != NULL && gtk_editable_get_delegate (delegate) != NULL)
    delegate = gtk_editable_get_delegate (delegate);
  if (delegate != NULL)
    target = delegate;
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      position = gtk_editable_get_position (target);
      gtk_editable_insert_text (target, p, (int) (g_utf8_next_char (p) - p), &position);
      gtk_editable_set_position (target, position);
    }
}

static char *
text_of_labels (GtkWidget *widget)
{
  GString *s = g_string_new (NULL);

  if (GTK_IS_LABEL (widget))
    g_string_append (s, gtk_label_get_text (GTK_LABEL (widget)));
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      g_autofree char *t = text_of_labels (child);

      if (t[0] != '\0' && s->len > 0)
        g_string_append_c (s, ' ');
      g_string_append (s, t);
    }
  return g_string_free (s, FALSE);
}

char *
tanba_gui_test_dup_name (GtkWidget *widget)
{
  GtkAccessible *accessible = GTK_ACCESSIBLE (widget);

  /* gtk_test_accessible_check_property() compares; to read the value we
   * compare against a guess: the value string it returns on mismatch. */
  if (gtk_test_accessible_has_property (accessible, GTK_ACCESSIBLE_PROPERTY_LABEL))
    {
      char *value = gtk_test_accessible_check_property (accessible, GTK_ACCESSIBLE_PROPERTY_LABEL,
                                                        "\x01 impossible name");
      return value != NULL ? value : g_strdup ("");
    }

  /* LABELLED_BY: the mnemonic labels pointing at the widget. */
  if (gtk_test_accessible_has_relation (accessible, GTK_ACCESSIBLE_RELATION_LABELLED_BY))
    {
      GList *mnemonic = gtk_widget_list_mnemonic_labels (widget);
      GString *s = g_string_new (NULL);

      for (GList *l = mnemonic; l != NULL; l = l->next)
        g_string_append (s, gtk_label_get_text (GTK_LABEL (l->data)));
      g_list_free (mnemonic);
      if (s->len == 0)
        g_string_append (s, "(labelled by a widget)");
      return g_string_free (s, FALSE);
    }
  return text_of_labels (widget);
}

static gboolean
is_focusable_control (GtkWidget *widget)
{
  GtkWidget *parent = gtk_widget_get_parent (widget);

  if (!gtk_widget_get_focusable (widget) || !gtk_widget_get_visible (widget))
    return FALSE;
  /* The GtkText inside an entry is the entry's delegate: the entry is checked. */
  if (GTK_IS_TEXT (widget) && parent != NULL && GTK_IS_EDITABLE (parent))
    return FALSE;
  return TRUE;
}

static void
sweep (GtkWidget *widget)
{
  /* Hidden, or an inactive GtkStack page. */
  if (!gtk_widget_get_visible (widget) || !gtk_widget_get_child_visible (widget))
    return;
  if (is_focusable_control (widget))
    {
      GtkWidget *named = widget;
      g_autofree char *name = NULL;

      name = tanba_gui_test_dup_name (named);
      if (name == NULL || name[0] == '\0')
        g_error ("a focusable %s has no accessible name", G_OBJECT_TYPE_NAME (widget));
      if (g_str_has_prefix (name, "Gtk") || g_str_has_prefix (name, "Adw") || g_str_has_prefix (name, "Tanba"))
        g_error ("a focusable %s is named after a class: %s", G_OBJECT_TYPE_NAME (widget), name);
      if ((GTK_IS_BUTTON (widget) || GTK_IS_CHECK_BUTTON (widget))
          && gtk_test_accessible_has_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL)
          && strchr (name, '_') != NULL)
        g_error ("the %s “%s” keeps its raw mnemonic label as its name", G_OBJECT_TYPE_NAME (widget), name);
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    sweep (child);
}

void
tanba_gui_test_assert_accessible (GtkWidget *root)
{
  sweep (root);
}

typedef struct
{
  gboolean done;
  gboolean ok;
  GError  *error;
} ApplyResult;

static void
apply_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  ApplyResult *r = user_data;

  r->ok = tanba_wizard_page_apply_finish (TANBA_WIZARD_PAGE (source), result, &r->error);
  r->done = TRUE;
}

gboolean
tanba_gui_test_apply_page (TanbaWizardPage *page,
                           const char      *answer,
                           char           **dialog_heading,
                           char           **dialog_body,
                           guint            timeout_ms,
                           GError         **error)
{
  ApplyResult r = { 0 };

  tanba_wizard_page_apply (page, NULL, apply_cb, &r);
  if (answer != NULL)
    {
      AdwMessageDialog *dialog = tanba_gui_test_wait_dialog (20000);

      g_assert_nonnull (dialog);
      if (dialog_heading != NULL)
        *dialog_heading = g_strdup (adw_message_dialog_get_heading (dialog));
      if (dialog_body != NULL)
        *dialog_body = g_strdup (adw_message_dialog_get_body (dialog));
      adw_message_dialog_response (dialog, answer);
      /* Only a click closes the dialog by itself. */
      gtk_window_destroy (GTK_WINDOW (dialog));
    }
  g_assert_true (tanba_gui_test_wait_flag (&r.done, timeout_ms));
  if (r.error != NULL)
    g_propagate_error (error, r.error);
  return r.ok;
}
