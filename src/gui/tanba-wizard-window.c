/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tanba-resources.h"

#include "tanba-i18n.h"
#include "tanba-gui-util.h"
#include "tanba-wizard-window.h"
#include "pages/tanba-wizard-page-connect.h"
#include "pages/tanba-wizard-page-password.h"
#include "pages/tanba-wizard-page-welcome.h"
#include "pages/tanba-wizard-page-data.h"
#include "pages/tanba-wizard-page-personalize.h"
#include "pages/tanba-wizard-page-confirm.h"
#include "pages/tanba-wizard-page-progress.h"
#include "pages/tanba-wizard-page-done.h"

struct _TanbaWizardWindow
{
  AdwApplicationWindow parent_instance;

  GtkWidget       *stack;
  GtkWidget       *back_button;
  GtkWidget       *next_button;
  GtkWidget       *window_title;
  GtkWidget       *cancel_button;

  TanbaWizardData *data;
  TanbaWizardPage *pages[TANBA_WIZARD_N_PAGES];
  GPtrArray       *history;     /* names of the pages shown before, for Back */
  GCancellable    *cancellable; /* of the current apply */
  gboolean         closing;     /* the user said yes to closing */
};

G_DEFINE_FINAL_TYPE (TanbaWizardWindow, tanba_wizard_window, ADW_TYPE_APPLICATION_WINDOW)

static const char *const page_names[TANBA_WIZARD_N_PAGES] = {
  "connect", "password", "welcome", "data", "personalize", "confirm", "progress", "done",
};

typedef TanbaWizardPage *(*PageNew) (TanbaWizardData *data);

static const PageNew page_new[TANBA_WIZARD_N_PAGES] = {
  tanba_wizard_page_connect_new, tanba_wizard_page_password_new, tanba_wizard_page_welcome_new,
  tanba_wizard_page_data_new, tanba_wizard_page_personalize_new, tanba_wizard_page_confirm_new,
  tanba_wizard_page_progress_new, tanba_wizard_page_done_new,
};

static void update_buttons (TanbaWizardWindow *self);

static void page_notify_cb        (TanbaWizardPage   *page,
                                   GParamSpec        *pspec,
                                   TanbaWizardWindow *self);
static void page_request_next_cb  (TanbaWizardPage   *page,
                                   TanbaWizardWindow *self);

static void
add_page (TanbaWizardWindow *self,
          int                index)
{
  GtkStackPage *stack_page;

  self->pages[index] = page_new[index] (self->data);
  stack_page = gtk_stack_add_named (GTK_STACK (self->stack), GTK_WIDGET (self->pages[index]), page_names[index]);
  gtk_stack_page_set_title (stack_page, tanba_wizard_page_get_title (self->pages[index]));
  /* GtkStackPage is an accessible object of its own: name it. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (stack_page),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, tanba_wizard_page_get_title (self->pages[index]),
                                  -1);
  g_signal_connect (self->pages[index], "notify", G_CALLBACK (page_notify_cb), self);
  g_signal_connect (self->pages[index], "request-next", G_CALLBACK (page_request_next_cb), self);
}

/* Every page, in order. */
static void
ensure_pages (TanbaWizardWindow *self)
{
  for (int i = 0; i < TANBA_WIZARD_N_PAGES; i++)
    if (self->pages[i] == NULL)
      add_page (self, i);
}

static gboolean
add_pages_idle_cb (gpointer user_data)
{
  TanbaWizardWindow *self = user_data;

  /* Closed meanwhile (unrealized): nothing to build. */
  if (gtk_widget_get_realized (GTK_WIDGET (self)))
    ensure_pages (self);
  return G_SOURCE_REMOVE;
}

static void
first_frame_cb (GdkFrameClock     *clock,
                TanbaWizardWindow *self)
{
  g_signal_handlers_disconnect_by_func (clock, first_frame_cb, self);
  g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, add_pages_idle_cb, g_object_ref (self), g_object_unref);
}

static void
realize_cb (GtkWidget *widget)
{
  g_signal_connect_object (gtk_widget_get_frame_clock (widget), "after-paint",
                           G_CALLBACK (first_frame_cb), widget, 0);
}


static int
page_index (TanbaWizardWindow *self,
            TanbaWizardPage   *page)
{
  for (int i = 0; i < TANBA_WIZARD_N_PAGES; i++)
    if (self->pages[i] == page)
      return i;
  return -1;
}

static int
name_index (const char *name)
{
  for (int i = 0; i < TANBA_WIZARD_N_PAGES; i++)
    if (g_strcmp0 (page_names[i], name) == 0)
      return i;
  return -1;
}

static void
focus_page (TanbaWizardPage *page)
{
  GtkWidget *focus = tanba_wizard_page_get_first_focus (page);

  if (focus != NULL && gtk_widget_is_visible (focus) && gtk_widget_is_sensitive (focus)
      && gtk_widget_grab_focus (focus))
    tanba_gui_focus (focus);
  else
    gtk_widget_child_focus (GTK_WIDGET (page), GTK_DIR_TAB_FORWARD);
}

static void
update_title_for (TanbaWizardWindow *self,
                  TanbaWizardPage   *page)
{
  g_autofree char *title = NULL;
  int index;

  if (page == NULL)
    return;
  index = page_index (self, page);
  /* Translators: the window title: "Step 4 of 8 — Registration data". */
  title = g_strdup_printf (_("Step %d of %d — %s"), index + 1, TANBA_WIZARD_N_PAGES,
                           tanba_wizard_page_get_title (page));
  gtk_window_set_title (GTK_WINDOW (self), title);
  adw_window_title_set_title (ADW_WINDOW_TITLE (self->window_title), tanba_wizard_page_get_title (page));
  g_free (title);
  /* Translators: under the page title in the window's header: "Step 4 of 8". */
  title = g_strdup_printf (_("Step %d of %d"), index + 1, TANBA_WIZARD_N_PAGES);
  adw_window_title_set_subtitle (ADW_WINDOW_TITLE (self->window_title), title);
}

static void
update_title (TanbaWizardWindow *self)
{
  update_title_for (self, tanba_wizard_window_get_current_page (self));
}

static void
show_page (TanbaWizardWindow *self,
           int                index,
           gboolean           forward)
{
  TanbaWizardPage *current = tanba_wizard_window_get_current_page (self);
  TanbaWizardPage *page;

  if (self->pages[index] == NULL)
    ensure_pages (self);
  page = self->pages[index];

  if (forward && current != NULL && current != page)
    g_ptr_array_add (self->history, g_strdup (page_names[page_index (self, current)]));

  tanba_wizard_page_shown (page);
  /* The title first: GtkStack moves the focus into the new page itself, and
   * a screen reader that hears of the new title after the focus speaks it
   * over the page (Orca 43 cut the done page's summary so). */
  update_title_for (self, page);
  gtk_stack_set_visible_child (GTK_STACK (self->stack), GTK_WIDGET (page));
  update_buttons (self);
  /* Switching GtkStack pages loses the focus: put it on the page every time. */
  focus_page (page);
}

static void
update_buttons (TanbaWizardWindow *self)
{
  TanbaWizardPage *page = tanba_wizard_window_get_current_page (self);
  gboolean applying, complete, last;
  int index;

  if (page == NULL)
    return;
  index = page_index (self, page);
  applying = tanba_wizard_page_get_applying (page);
  complete = tanba_wizard_page_get_complete (page);
  last = index == TANBA_WIZARD_N_PAGES - 1;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "wizard.next", complete && !applying);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "wizard.back",
                                 !applying && self->history->len > 0
                                 && tanba_wizard_page_get_can_go_back (page));
  gtk_widget_set_visible (self->back_button, tanba_wizard_page_get_can_go_back (page));
  gtk_widget_set_visible (self->cancel_button, !last);
  /* Only on a change: each set renames the button on the accessibility bus. */
  if (g_strcmp0 (gtk_button_get_label (GTK_BUTTON (self->next_button)), last ? _("_Finish") : _("_Next")) != 0)
    tanba_gui_button_set_label (self->next_button, last ? _("_Finish") : _("_Next"));
  /* The progress page moves on by itself: Next stays out of the way. */
  gtk_widget_set_visible (self->next_button, g_strcmp0 (page_names[index], "progress") != 0);
}

static void
page_notify_cb (TanbaWizardPage   *page,
                GParamSpec        *pspec,
                TanbaWizardWindow *self)
{
  if (page != tanba_wizard_window_get_current_page (self))
    return;
  if (g_strcmp0 (pspec->name, "title") == 0)
    update_title (self);
  else
    update_buttons (self);
}

static void
go_next (TanbaWizardWindow *self,
         TanbaWizardPage   *page)
{
  const char *next = tanba_wizard_page_get_next (page);
  int index = next != NULL ? name_index (next) : page_index (self, page) + 1;

  tanba_wizard_page_set_next (page, NULL);
  if (index >= TANBA_WIZARD_N_PAGES)
    {
      TanbaWizardData *finished = tanba_wizard_window_get_data (self);
      GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

      /* Finish: the sign-in window, with the new profile selected. */
      if (app != NULL && finished->token != NULL
          && g_action_group_has_action (G_ACTION_GROUP (app), "sign-in"))
        g_action_group_activate_action (G_ACTION_GROUP (app), "sign-in",
                                        g_variant_new_string (tanba_token_get_serial (finished->token)));
      self->closing = TRUE;
      gtk_window_close (GTK_WINDOW (self));
      return;
    }
  g_return_if_fail (index >= 0);
  show_page (self, index, TRUE);
}

static void
page_request_next_cb (TanbaWizardPage   *page,
                      TanbaWizardWindow *self)
{
  if (page == tanba_wizard_window_get_current_page (self))
    go_next (self, page);
}

static void
apply_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(TanbaWizardWindow) self = user_data;
  TanbaWizardPage *page = TANBA_WIZARD_PAGE (source);
  g_autoptr(GError) error = NULL;
  gboolean ok;

  ok = tanba_wizard_page_apply_finish (page, result, &error);
  tanba_wizard_page_set_applying (page, FALSE);
  g_clear_object (&self->cancellable);
  if (gtk_widget_in_destruction (GTK_WIDGET (self)))
    return;
  update_buttons (self);
  /* A page shows its own errors (it knows which field they belong to). */
  if (ok && page == tanba_wizard_window_get_current_page (self))
    go_next (self, page);
}

static void
next_action_cb (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  TanbaWizardWindow *self = TANBA_WIZARD_WINDOW (widget);
  TanbaWizardPage *page = tanba_wizard_window_get_current_page (self);

  if (page == NULL || !tanba_wizard_page_get_complete (page) || tanba_wizard_page_get_applying (page))
    return;

  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  tanba_wizard_page_set_applying (page, TRUE);
  update_buttons (self);
  tanba_wizard_page_apply (page, self->cancellable, apply_cb, g_object_ref (self));
}

static void
back_action_cb (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  TanbaWizardWindow *self = TANBA_WIZARD_WINDOW (widget);
  g_autofree char *name = NULL;
  int index;

  if (self->history->len == 0)
    return;
  name = g_strdup (g_ptr_array_index (self->history, self->history->len - 1));
  g_ptr_array_remove_index (self->history, self->history->len - 1);
  index = name_index (name);
  if (index >= 0)
    show_page (self, index, FALSE);
}

static void
cancel_action_cb (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  TanbaWizardWindow *self = TANBA_WIZARD_WINDOW (widget);
  TanbaWizardPage *page = tanba_wizard_window_get_current_page (self);

  if (TANBA_IS_WIZARD_PAGE_PROGRESS (page) && tanba_wizard_page_get_applying (page))
    {
      tanba_wizard_page_progress_cancel (TANBA_WIZARD_PAGE_PROGRESS (page));
      return;
    }
  if (self->cancellable != NULL)
    {
      g_cancellable_cancel (self->cancellable);
      return;
    }
  gtk_window_close (GTK_WINDOW (self));
}

static void
close_response_cb (AdwMessageDialog  *dialog,
                   const char        *response,
                   TanbaWizardWindow *self)
{
  TanbaWizardPage *page;

  if (g_strcmp0 (response, "stop") != 0)
    return;
  page = tanba_wizard_window_get_current_page (self);
  if (TANBA_IS_WIZARD_PAGE_PROGRESS (page))
    tanba_wizard_page_progress_cancel (TANBA_WIZARD_PAGE_PROGRESS (page));
  self->closing = TRUE;
  gtk_window_close (GTK_WINDOW (self));
}

static gboolean
tanba_wizard_window_close_request (GtkWindow *window)
{
  TanbaWizardWindow *self = TANBA_WIZARD_WINDOW (window);
  AdwMessageDialog *dialog;

  if (self->closing || !tanba_wizard_window_is_registering (self))
    {
      if (self->cancellable != NULL)
        g_cancellable_cancel (self->cancellable);
      return GTK_WINDOW_CLASS (tanba_wizard_window_parent_class)->close_request (window);
    }

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (window,
                                                       _("Stop the registration?"),
                                                       _("The registration is not finished. What is done so far stays on the token: start Tanba again and choose “Continue registration” to finish it.")));
  adw_message_dialog_add_responses (dialog,
                                    "keep", _("_Keep registering"),
                                    "stop", _("_Stop and close"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "stop", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, "keep");
  adw_message_dialog_set_close_response (dialog, "keep");
  g_signal_connect (dialog, "response", G_CALLBACK (close_response_cb), self);
  tanba_gui_fix_mnemonic_names (GTK_WIDGET (dialog));
  gtk_window_present (GTK_WINDOW (dialog));
  return TRUE;
}

/* GTK 4.8 tells assistive technologies nothing about the focused control
 * when its window becomes active (the window manager gives it the focus, a
 * dialog over it closes): Orca names the window and stops there, and the
 * user does not hear where the keys go. Giving the focus to the same control
 * again sends the focus event Orca reads, with the page around it; its
 * selection or cursor stays as it was. */
static void
is_active_cb (GtkWindow         *window,
              GParamSpec        *pspec,
              TanbaWizardWindow *self)
{
  GtkWidget *focus;
  int start = 0, end = 0;
  gboolean label_selection = FALSE;

  if (!gtk_window_is_active (window) || self->closing)
    return;
  focus = gtk_window_get_focus (window);
  if (focus == NULL)
    {
      TanbaWizardPage *page = tanba_wizard_window_get_current_page (self);

      if (page != NULL)
        focus_page (page);
      return;
    }

  g_object_ref (focus);
  if (GTK_IS_LABEL (focus))
    label_selection = gtk_label_get_selection_bounds (GTK_LABEL (focus), &start, &end);
  gtk_window_set_focus (window, NULL);
  if (GTK_IS_TEXT (focus))
    gtk_text_grab_focus_without_selecting (GTK_TEXT (focus));
  else
    gtk_widget_grab_focus (focus);
  /* A selectable label selects all of its text when focused: as before. */
  if (GTK_IS_LABEL (focus) && gtk_label_get_selectable (GTK_LABEL (focus)))
    gtk_label_select_region (GTK_LABEL (focus), label_selection ? start : 0, label_selection ? end : 0);
  g_object_unref (focus);
}

static void
tanba_wizard_window_map (GtkWidget *widget)
{
  TanbaWizardWindow *self = TANBA_WIZARD_WINDOW (widget);
  TanbaWizardPage *page = tanba_wizard_window_get_current_page (self);

  GTK_WIDGET_CLASS (tanba_wizard_window_parent_class)->map (widget);
  /* The first page gets the focus, not the header bar. */
  if (page != NULL)
    focus_page (page);
}

static void
tanba_wizard_window_dispose (GObject *object)
{
  TanbaWizardWindow *self = TANBA_WIZARD_WINDOW (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  for (int i = 0; i < TANBA_WIZARD_N_PAGES; i++)
    if (self->pages[i] != NULL)
      g_signal_handlers_disconnect_by_data (self->pages[i], self);
  gtk_widget_dispose_template (GTK_WIDGET (self), TANBA_TYPE_WIZARD_WINDOW);

  G_OBJECT_CLASS (tanba_wizard_window_parent_class)->dispose (object);
}

static void
tanba_wizard_window_finalize (GObject *object)
{
  TanbaWizardWindow *self = TANBA_WIZARD_WINDOW (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->history, g_ptr_array_unref);
  g_clear_pointer (&self->data, tanba_wizard_data_unref);

  G_OBJECT_CLASS (tanba_wizard_window_parent_class)->finalize (object);
}

static void
tanba_wizard_window_class_init (TanbaWizardWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = tanba_wizard_window_dispose;
  object_class->finalize = tanba_wizard_window_finalize;
  window_class->close_request = tanba_wizard_window_close_request;
  widget_class->map = tanba_wizard_window_map;

  gtk_widget_class_set_template_from_resource (widget_class, "/kz/tanba/Tanba/ui/tanba-wizard-window.ui");
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardWindow, back_button);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardWindow, next_button);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, TanbaWizardWindow, cancel_button);

  gtk_widget_class_install_action (widget_class, "wizard.next", NULL, next_action_cb);
  gtk_widget_class_install_action (widget_class, "wizard.back", NULL, back_action_cb);
  gtk_widget_class_install_action (widget_class, "wizard.cancel", NULL, cancel_action_cb);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, GDK_ALT_MASK, "wizard.back", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Right, GDK_ALT_MASK, "wizard.next", NULL);

  g_type_ensure (TANBA_TYPE_WIZARD_PAGE_CONNECT);
  /* Links the GResource in (its constructor registers it). */
  (void) tanba_get_resource ();
}

static void
tanba_wizard_window_init (TanbaWizardWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->history = g_ptr_array_new_with_free_func (g_free);
  tanba_gui_fix_mnemonic_name (self->back_button);
  tanba_gui_fix_mnemonic_name (self->next_button);
  tanba_gui_fix_mnemonic_name (self->cancel_button);
  gtk_window_set_default_widget (GTK_WINDOW (self), self->next_button);
  g_signal_connect (self, "notify::is-active", G_CALLBACK (is_active_cb), self);

  /* Scroll bars are named after their class unless named. */
  {
    GtkWidget *scrolled = gtk_widget_get_ancestor (self->stack, GTK_TYPE_SCROLLED_WINDOW);

    if (scrolled != NULL)
      {
        tanba_gui_set_name (gtk_scrolled_window_get_vscrollbar (GTK_SCROLLED_WINDOW (scrolled)),
                            _("Vertical scroll bar"));
        tanba_gui_set_name (gtk_scrolled_window_get_hscrollbar (GTK_SCROLLED_WINDOW (scrolled)),
                            _("Horizontal scroll bar"));
      }
  }
}

TanbaWizardWindow *
tanba_wizard_window_new (AdwApplication  *app,
                         TanbaWizardData *data)
{
  TanbaWizardWindow *self;

  g_return_val_if_fail (app == NULL || ADW_IS_APPLICATION (app), NULL);
  g_return_val_if_fail (data != NULL, NULL);

  self = g_object_new (TANBA_TYPE_WIZARD_WINDOW, "application", app, NULL);
  self->data = tanba_wizard_data_ref (data);

  /* The first page now, the others once the window has drawn its first
   * frame (or as soon as one is asked for): building them took a third of
   * what the wizard adds to a bare window's start. */
  add_page (self, 0);
  g_signal_connect (self, "realize", G_CALLBACK (realize_cb), NULL);
  show_page (self, 0, FALSE);
  return self;
}

TanbaWizardData *
tanba_wizard_window_get_data (TanbaWizardWindow *self)
{
  g_return_val_if_fail (TANBA_IS_WIZARD_WINDOW (self), NULL);

  return self->data;
}

TanbaWizardPage *
tanba_wizard_window_get_page (TanbaWizardWindow *self,
                              const char        *name)
{
  int index;

  g_return_val_if_fail (TANBA_IS_WIZARD_WINDOW (self), NULL);

  index = name_index (name);
  if (index >= 0 && self->pages[index] == NULL)
    ensure_pages (self);
  return index >= 0 ? self->pages[index] : NULL;
}

TanbaWizardPage *
tanba_wizard_window_get_current_page (TanbaWizardWindow *self)
{
  GtkWidget *child;

  g_return_val_if_fail (TANBA_IS_WIZARD_WINDOW (self), NULL);

  child = gtk_stack_get_visible_child (GTK_STACK (self->stack));
  return child != NULL ? TANBA_WIZARD_PAGE (child) : NULL;
}

void
tanba_wizard_window_go_to (TanbaWizardWindow *self,
                           const char        *name)
{
  int index;

  g_return_if_fail (TANBA_IS_WIZARD_WINDOW (self));

  index = name_index (name);
  g_return_if_fail (index >= 0);
  show_page (self, index, TRUE);
}

gboolean
tanba_wizard_window_is_registering (TanbaWizardWindow *self)
{
  TanbaWizardPage *page;

  g_return_val_if_fail (TANBA_IS_WIZARD_WINDOW (self), FALSE);

  page = tanba_wizard_window_get_current_page (self);
  return TANBA_IS_WIZARD_PAGE_PROGRESS (page) && !tanba_wizard_page_get_complete (page);
}
