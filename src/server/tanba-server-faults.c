/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-server-faults.c: test-only fault switches. */

#include "config.h"

#include "tanba-server-faults.h"

#include <json-glib/json-glib.h>

#include "tanba-server-error.h"

#define DEFAULT_STALL_SECONDS 5
#define MAX_STALL_SECONDS     600

typedef struct
{
  TanbaFaultKind kind;
  char          *message;
  guint          skip;
  guint          count; /* 0: unlimited */
  guint          seconds;
} Fault;

struct _TanbaServerFaults
{
  GPtrArray  *faults;   /* Fault */
  GHashTable *requests; /* message type -> count */
  guint       injected;
};

static const char *kind_names[] = {
  [TANBA_FAULT_NONE] = "none",
  [TANBA_FAULT_DROP] = "drop",
  [TANBA_FAULT_HTTP_500] = "http-500",
  [TANBA_FAULT_STALL] = "stall",
  [TANBA_FAULT_CORRUPT] = "corrupt",
  [TANBA_FAULT_NONCE_EXPIRED] = "nonce-expired",
};

static void
fault_free (Fault *fault)
{
  g_free (fault->message);
  g_free (fault);
}

TanbaServerFaults *
tanba_server_faults_new (void)
{
  TanbaServerFaults *self = g_new0 (TanbaServerFaults, 1);

  self->faults = g_ptr_array_new_with_free_func ((GDestroyNotify) fault_free);
  self->requests = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return self;
}

void
tanba_server_faults_free (TanbaServerFaults *self)
{
  if (self == NULL)
    return;
  g_ptr_array_unref (self->faults);
  g_hash_table_unref (self->requests);
  g_free (self);
}

static gboolean
read_count (JsonObject  *object,
            const char  *member,
            guint        fallback,
            guint        maximum,
            guint       *value,
            GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);
  gint64 number;

  if (node == NULL)
    {
      *value = fallback;
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64
      || (number = json_node_get_int (node)) < 0 || number > maximum)
    {
      g_set_error (error, TANBA_SERVER_ERROR, TANBA_SERVER_ERROR_INVALID,
                   "\"%s\" must be a whole number from 0 to %u", member, maximum);
      return FALSE;
    }
  *value = number;
  return TRUE;
}

gboolean
tanba_server_faults_set (TanbaServerFaults  *self,
                         const char         *json,
                         gssize              length,
                         GError            **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GPtrArray) faults = g_ptr_array_new_with_free_func ((GDestroyNotify) fault_free);
  JsonNode *root;
  JsonArray *list;

  if (!json_parser_load_from_data (parser, json, length, error))
    return FALSE;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root)
      || !json_object_has_member (json_node_get_object (root), "faults")
      || !JSON_NODE_HOLDS_ARRAY (json_object_get_member (json_node_get_object (root), "faults")))
    {
      g_set_error_literal (error, TANBA_SERVER_ERROR, TANBA_SERVER_ERROR_INVALID,
                           "Expected {\"faults\": [...]}");
      return FALSE;
    }
  list = json_object_get_array_member (json_node_get_object (root), "faults");

  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      JsonNode *node = json_array_get_element (list, i);
      JsonObject *object;
      const char *kind, *message;
      Fault *fault;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          g_set_error_literal (error, TANBA_SERVER_ERROR, TANBA_SERVER_ERROR_INVALID,
                               "Each fault must be an object");
          return FALSE;
        }
      object = json_node_get_object (node);
      kind = json_object_get_string_member_with_default (object, "kind", NULL);
      message = json_object_get_string_member_with_default (object, "message", "any");

      fault = g_new0 (Fault, 1);
      g_ptr_array_add (faults, fault);
      fault->message = g_strdup (message);
      for (guint k = TANBA_FAULT_DROP; k < G_N_ELEMENTS (kind_names); k++)
        if (g_strcmp0 (kind, kind_names[k]) == 0)
          fault->kind = k;
      if (fault->kind == TANBA_FAULT_NONE)
        {
          g_set_error (error, TANBA_SERVER_ERROR, TANBA_SERVER_ERROR_INVALID,
                       "Unknown fault kind \"%s\" (drop, http-500, stall, corrupt, nonce-expired)",
                       kind != NULL ? kind : "");
          return FALSE;
        }
      if (!read_count (object, "skip", 0, G_MAXINT, &fault->skip, error)
          || !read_count (object, "count", 1, G_MAXINT, &fault->count, error)
          || !read_count (object, "seconds", DEFAULT_STALL_SECONDS, MAX_STALL_SECONDS,
                          &fault->seconds, error))
        return FALSE;
    }

  g_ptr_array_unref (self->faults);
  self->faults = g_steal_pointer (&faults);
  g_info ("Test faults set: %u", self->faults->len);
  return TRUE;
}

TanbaFaultKind
tanba_server_faults_take (TanbaServerFaults *self,
                          const char        *message,
                          guint             *seconds)
{
  TanbaFaultKind result = TANBA_FAULT_NONE;
  gpointer count;

  count = g_hash_table_lookup (self->requests, message);
  g_hash_table_insert (self->requests, g_strdup (message),
                       GUINT_TO_POINTER (GPOINTER_TO_UINT (count) + 1));

  for (guint i = 0; i < self->faults->len; i++)
    {
      Fault *fault = g_ptr_array_index (self->faults, i);

      if (!g_str_equal (fault->message, "any") && !g_str_equal (fault->message, message))
        continue;
      if (fault->skip > 0)
        {
          fault->skip--;
          continue;
        }
      if (result != TANBA_FAULT_NONE)
        continue;

      result = fault->kind;
      *seconds = fault->seconds;
      self->injected++;
      g_info ("Test fault: %s on %s", kind_names[fault->kind], message);
      if (fault->count > 0 && --fault->count == 0)
        {
          g_ptr_array_remove_index (self->faults, i);
          i--;
        }
    }
  return result;
}

char *
tanba_server_faults_to_json (TanbaServerFaults *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  GHashTableIter iter;
  gpointer key, value;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "faults");
  json_builder_begin_array (builder);
  for (guint i = 0; i < self->faults->len; i++)
    {
      Fault *fault = g_ptr_array_index (self->faults, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "kind");
      json_builder_add_string_value (builder, kind_names[fault->kind]);
      json_builder_set_member_name (builder, "message");
      json_builder_add_string_value (builder, fault->message);
      json_builder_set_member_name (builder, "skip");
      json_builder_add_int_value (builder, fault->skip);
      json_builder_set_member_name (builder, "count");
      json_builder_add_int_value (builder, fault->count);
      json_builder_set_member_name (builder, "seconds");
      json_builder_add_int_value (builder, fault->seconds);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "requests");
  json_builder_begin_object (builder);
  g_hash_table_iter_init (&iter, self->requests);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      json_builder_set_member_name (builder, key);
      json_builder_add_int_value (builder, GPOINTER_TO_UINT (value));
    }
  json_builder_end_object (builder);

  json_builder_set_member_name (builder, "injected");
  json_builder_add_int_value (builder, self->injected);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}
