/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tanba-http.c: HTTP(S) for the CMP client and the bank client (libsoup 3). */
#include "config.h"

#include <string.h>

#include "tanba-http.h"
#include "tanba-i18n.h"

G_DEFINE_QUARK (tanba-http-error-quark, tanba_http_error)

#define DEFAULT_TIMEOUT  60
#define DEFAULT_MAX_SIZE (1024 * 1024)
#define READ_CHUNK       16384

/* What the error messages need to know about a session. */
#define SESSION_ANCHOR_KEY  "tanba-http-trust-anchor"
#define SESSION_TIMEOUT_KEY "tanba-http-timeout"

static gboolean
host_is_loopback (const char *host)
{
  g_autoptr(GInetAddress) address = NULL;

  if (host == NULL || *host == '\0')
    return FALSE;
  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;
  address = g_inet_address_new_from_string (host);
  return address != NULL && g_inet_address_get_is_loopback (address);
}

/* A name or an address: no spaces or punctuation that cannot be in one
 * (international names are allowed as they are). */
static gboolean
host_is_plausible (const char *host)
{
  for (const char *p = host; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      if (c >= 0x80 || g_ascii_isalnum (c) || strchr ("-._:%", c) != NULL)
        continue;
      return FALSE;
    }
  return TRUE;
}

/* "host:port", with brackets around an IPv6 address. */
static char *
uri_authority (GUri *uri)
{
  const char *host = g_uri_get_host (uri);
  const char *scheme = g_uri_get_scheme (uri);
  int port = g_uri_get_port (uri);

  if (host == NULL)
    host = "";
  if (port < 0)
    port = g_ascii_strcasecmp (scheme, "https") == 0 ? 443 : 80;
  if (strchr (host, ':') != NULL)
    return g_strdup_printf ("[%s]:%d", host, port);
  return g_strdup_printf ("%s:%d", host, port);
}

static GUri *
parse_url (const char  *url,
           GError     **error)
{
  g_autoptr(GUri) uri = NULL;
  const char *scheme;
  const char *host;

  if (url == NULL || *url == '\0')
    {
      g_set_error (error, TANBA_HTTP_ERROR, TANBA_HTTP_ERROR_BAD_URL,
                   _("No server address is set. Enter the https:// address the bank gave you."));
      return NULL;
    }

  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL)
    {
      g_set_error (error, TANBA_HTTP_ERROR, TANBA_HTTP_ERROR_BAD_URL,
                   _("“%s” is not a web address. Enter the https:// address the bank gave you."),
                   url);
      return NULL;
    }

  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "https") != 0 && g_ascii_strcasecmp (scheme, "http") != 0)
    {
      g_set_error (error, TANBA_HTTP_ERROR, TANBA_HTTP_ERROR_BAD_URL,
                   _("The address “%s” does not start with https://. Enter the https:// address "
                     "the bank gave you."),
                   url);
      return NULL;
    }

  host = g_uri_get_host (uri);
  if (host == NULL || *host == '\0' || !host_is_plausible (host))
    {
      g_set_error (error, TANBA_HTTP_ERROR, TANBA_HTTP_ERROR_BAD_URL,
                   _("The address “%s” names no server. Enter the https:// address the bank "
                     "gave you."),
                   url);
      return NULL;
    }

  return g_steal_pointer (&uri);
}

static gboolean
check_uri (GUri    *uri,
           GError **error)
{
  if (g_ascii_strcasecmp (g_uri_get_scheme (uri), "http") == 0
      && !host_is_loopback (g_uri_get_host (uri)))
    {
      g_autofree char *authority = uri_authority (uri);

      g_set_error (error, TANBA_HTTP_ERROR, TANBA_HTTP_ERROR_INSECURE,
                   _("The address of %s starts with http://: the connection would not be "
                     "encrypted, which is allowed only to this computer. Use the https:// "
                     "address the bank gave you."),
                   authority);
      return FALSE;
    }
  return TRUE;
}

gboolean
tanba_http_check_url (const char  *url,
                      GError     **error)
{
  g_autoptr(GUri) uri = parse_url (url, error);

  return uri != NULL && check_uri (uri, error);
}

SoupSession *
tanba_http_session_new (const char  *trust_anchor,
                        guint        timeout_seconds,
                        GError     **error)
{
  g_autoptr(GTlsDatabase) database = NULL;
  g_autofree char *user_agent = NULL;
  SoupSession *session;

  if (timeout_seconds == 0)
    timeout_seconds = DEFAULT_TIMEOUT;

  if (trust_anchor != NULL)
    {
      g_autoptr(GError) local_error = NULL;
      GList *certificates;

      /* the file must hold at least one certificate: an empty database
       * would make every server untrusted, with a misleading message */
      certificates = g_tls_certificate_list_new_from_file (trust_anchor, &local_error);
      if (certificates == NULL)
        {
          g_set_error (error, TANBA_HTTP_ERROR, TANBA_HTTP_ERROR_TRUST_ANCHOR,
                       _("The trust anchor file %s cannot be read: %s. Choose the bank's CA "
                         "certificate file (PEM) in the settings."),
                       trust_anchor,
                       local_error != NULL ? local_error->message : _("it holds no certificate"));
          return NULL;
        }
      g_list_free_full (certificates, g_object_unref);

      database = g_tls_file_database_new (trust_anchor, &local_error);
      if (database == NULL)
        {
          g_set_error (error, TANBA_HTTP_ERROR, TANBA_HTTP_ERROR_TRUST_ANCHOR,
                       _("The trust anchor file %s cannot be read: %s. Choose the bank's CA "
                         "certificate file (PEM) in the settings."),
                       trust_anchor, local_error->message);
          return NULL;
        }
    }

  user_agent = g_strdup_printf ("Tanba/%s", PACKAGE_VERSION);
  /* the proxy resolver stays libsoup's default: the desktop's settings */
  session = soup_session_new_with_options ("timeout", timeout_seconds,
                                           "idle-timeout", timeout_seconds,
                                           "user-agent", user_agent,
                                           NULL);
  if (database != NULL)
    soup_session_set_tls_database (session, database);
  g_object_set_data_full (G_OBJECT (session), SESSION_ANCHOR_KEY, g_strdup (trust_anchor),
                          g_free);
  g_object_set_data (G_OBJECT (session), SESSION_TIMEOUT_KEY, GUINT_TO_POINTER (timeout_seconds));
  return session;
}

char *
tanba_http_join (const char *base,
                 const char *path)
{
  gsize base_len;

  g_return_val_if_fail (base != NULL, NULL);

  if (path == NULL)
    path = "";
  base_len = strlen (base);
  while (base_len > 0 && base[base_len - 1] == '/')
    base_len--;
  while (*path == '/')
    path++;
  return g_strdup_printf ("%.*s/%s", (int) base_len, base, path);
}

/* What the TLS layer said about the server's certificate. */
typedef struct
{
  gboolean             seen;
  GTlsCertificateFlags flags;
} TlsVerdict;

static gboolean
accept_certificate_cb (SoupMessage          *message,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  TlsVerdict *verdict = user_data;

  verdict->seen = TRUE;
  verdict->flags = errors;
  return FALSE; /* never overrule the verification */
}

/* Translators: the reasons below complete “The server %s is not trusted: %s.” */
static char *
describe_certificate_flags (GTlsCertificateFlags flags,
                            const char          *anchor)
{
  if (flags & G_TLS_CERTIFICATE_UNKNOWN_CA)
    {
      if (anchor != NULL)
        return g_strdup_printf (_("its certificate is not issued by the bank's CA in the trust "
                                  "anchor file %s"),
                                anchor);
      return g_strdup (_("its certificate is not issued by a certificate authority this "
                         "computer trusts"));
    }
  if (flags & G_TLS_CERTIFICATE_BAD_IDENTITY)
    return g_strdup (_("its certificate is made out for another server name"));
  if (flags & G_TLS_CERTIFICATE_EXPIRED)
    return g_strdup (_("its certificate has expired"));
  if (flags & G_TLS_CERTIFICATE_NOT_ACTIVATED)
    return g_strdup (_("its certificate is not valid yet (check this computer's date and time)"));
  if (flags & G_TLS_CERTIFICATE_REVOKED)
    return g_strdup (_("its certificate has been revoked"));
  if (flags & G_TLS_CERTIFICATE_INSECURE)
    return g_strdup (_("its certificate uses an insecure algorithm"));
  return g_strdup (_("its certificate could not be verified"));
}

/* Turns a libsoup/GIO error into a TANBA_HTTP_ERROR (cancellation stays
 * G_IO_ERROR_CANCELLED). */
static void
set_transport_error (GError           **error,
                     SoupSession       *session,
                     GUri              *uri,
                     const TlsVerdict  *verdict,
                     const GError      *cause)
{
  g_autofree char *authority = uri_authority (uri);
  const char *anchor = g_object_get_data (G_OBJECT (session), SESSION_ANCHOR_KEY);
  guint timeout = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (session), SESSION_TIMEOUT_KEY));

  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, cause->message);
      return;
    }

  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    {
      if (timeout == 0)
        timeout = soup_session_get_timeout (session);
      g_set_error (error, TANBA_HTTP_ERROR, TANBA_HTTP_ERROR_TIMEOUT,
                   g_dngettext (GETTEXT_PACKAGE,
                                "The server %s did not answer within %u second. Check the "
                                "network connection and try again later.",
                                "The server %s did not answer within %u seconds. Check the "
                                "network connection and try again later.",
                                timeout),
                   authority, timeout);
      return;
    }

  if ((verdict != NULL && verdict->seen && verdict->flags != 0)
      || g_error_matches (cause, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE))
    {
      g_autofree char *why = describe_certificate_flags (verdict != NULL && verdict->seen
                                                           ? verdict->flags
                                                           : G_TLS_CERTIFICATE_UNKNOWN_CA,
                                                         anchor);

      /* Translators: the first %s is host:port, the second one of the
       * “its certificate …” reasons above */
      g_set_error (error, TANBA_HTTP_ERROR, TANBA_HTTP_ERROR_UNTRUSTED,
                   _("The server %s is not trusted: %s. Check the server address and the trust "
                     "anchor in the settings; if both are right, tell the bank."),
                   authority, why);
      return;
    }

  if (g_error_matches (cause, G_TLS_ERROR, G_TLS_ERROR_NOT_TLS))
    {
      g_set_error (error, TANBA_HTTP_ERROR, TANBA_HTTP_ERROR_UNREACHABLE,
                   _("The server %s does not speak HTTPS. Check the address in the settings."),
                   authority);
      return;
    }

  if (cause->domain == G_TLS_ERROR)
    {
      g_set_error (error, TANBA_HTTP_ERROR, TANBA_HTTP_ERROR_UNREACHABLE,
                   _("No secure connection to %s could be set up (%s). Check the address in "
                     "the settings and try again later."),
                   authority, cause->message);
      return;
    }

  if (cause->domain == G_RESOLVER_ERROR)
    {
      g_set_error (error, TANBA_HTTP_ERROR, TANBA_HTTP_ERROR_UNREACHABLE,
                   _("The server name %s cannot be found (%s). Check the address in the "
                     "settings and the network connection."),
                   authority, cause->message);
      return;
    }

  if (cause->domain == SOUP_SESSION_ERROR)
    {
      g_set_error (error, TANBA_HTTP_ERROR, TANBA_HTTP_ERROR_BAD_RESPONSE,
                   _("The server %s sent an answer that is not valid HTTP (%s)."),
                   authority, cause->message);
      return;
    }

  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT)
      || g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED)
      || g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE))
    {
      g_set_error (error, TANBA_HTTP_ERROR, TANBA_HTTP_ERROR_UNREACHABLE,
                   _("The connection to %s was closed before the answer came. Try again "
                     "later."),
                   authority);
      return;
    }

  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
    {
      g_set_error (error, TANBA_HTTP_ERROR, TANBA_HTTP_ERROR_UNREACHABLE,
                   _("Nothing answers at %s: the server is not running or the address is "
                     "wrong. Check the address in the settings, then try again."),
                   authority);
      return;
    }

  g_set_error (error, TANBA_HTTP_ERROR, TANBA_HTTP_ERROR_UNREACHABLE,
               _("The server %s cannot be reached (%s). Check the network connection and the "
                 "address in the settings, then try again."),
               authority, cause->message);
}

/* Reads at most @max_size bytes; more is an error (FALSE with @too_large). */
static GBytes *
read_body (GInputStream  *stream,
           gsize          max_size,
           gboolean      *too_large,
           GCancellable  *cancellable,
           GError       **error)
{
  g_autoptr(GByteArray) buffer = g_byte_array_new ();

  *too_large = FALSE;
  for (;;)
    {
      gsize old_len = buffer->len;
      gssize n;

      g_byte_array_set_size (buffer, old_len + READ_CHUNK);
      n = g_input_stream_read (stream, buffer->data + old_len, READ_CHUNK, cancellable, error);
      if (n < 0)
        return NULL;
      g_byte_array_set_size (buffer, old_len + n);
      if (n == 0)
        break;
      if (buffer->len > max_size)
        {
          *too_large = TRUE;
          return NULL;
        }
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&buffer));
}

static void
set_status_error (GError      **error,
                  SoupMessage  *message,
                  GUri         *uri)
{
  g_autofree char *authority = uri_authority (uri);
  g_autofree char *text = NULL;
  guint status = soup_message_get_status (message);
  const char *reason = soup_message_get_reason_phrase (message);
  const char *advice;

  if (reason == NULL || *reason == '\0')
    reason = soup_status_get_phrase (status);
  if (reason == NULL)
    reason = "";

  if (SOUP_STATUS_IS_REDIRECTION (status))
    advice = _("Tanba does not follow redirections: check the address in the settings.");
  else if (status == SOUP_STATUS_NOT_FOUND || status == SOUP_STATUS_METHOD_NOT_ALLOWED)
    advice = _("Check the address in the settings.");
  else if (status == SOUP_STATUS_PROXY_AUTHENTICATION_REQUIRED)
    advice = _("The proxy server asks for a password: check the network proxy settings.");
  else if (SOUP_STATUS_IS_SERVER_ERROR (status))
    advice = _("The server has a problem; try again later.");
  else
    advice = "";

  /* Translators: the first %s is host:port, %u %s the HTTP status and its
   * reason phrase (in English, as the server sent it), e.g. “404 Not Found” */
  text = g_strdup_printf (_("The server %s answered “%u %s”."), authority, status, reason);
  if (*advice != '\0')
    g_set_error (error, TANBA_HTTP_ERROR, TANBA_HTTP_ERROR_STATUS, "%s %s", text, advice);
  else
    g_set_error_literal (error, TANBA_HTTP_ERROR, TANBA_HTTP_ERROR_STATUS, text);
}

GBytes *
tanba_http_send (SoupSession   *session,
                 SoupMessage   *message,
                 gsize          max_size,
                 GBytes       **error_body,
                 GCancellable  *cancellable,
                 GError       **error)
{
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autofree char *url = NULL;
  g_autoptr(GUri) uri = NULL;
  TlsVerdict verdict = { FALSE, 0 };
  gulong handler;
  goffset length;
  gboolean too_large = FALSE;
  guint status;

  g_return_val_if_fail (SOUP_IS_SESSION (session), NULL);
  g_return_val_if_fail (SOUP_IS_MESSAGE (message), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (error_body != NULL)
    *error_body = NULL;
  if (max_size == 0)
    max_size = DEFAULT_MAX_SIZE;

  url = g_uri_to_string (soup_message_get_uri (message));
  uri = parse_url (url, error);
  if (uri == NULL || !check_uri (uri, error))
    return NULL;

  /* a redirection could lead to plain HTTP elsewhere: never follow one */
  soup_message_add_flags (message, SOUP_MESSAGE_NO_REDIRECT);

  handler = g_signal_connect (message, "accept-certificate", G_CALLBACK (accept_certificate_cb),
                              &verdict);
  stream = soup_session_send (session, message, cancellable, &local_error);
  g_signal_handler_disconnect (message, handler);
  if (stream == NULL)
    {
      set_transport_error (error, session, uri, &verdict, local_error);
      return NULL;
    }

  status = soup_message_get_status (message);
  length = soup_message_headers_get_content_length (soup_message_get_response_headers (message));
  if (length > 0 && (guint64) length > max_size)
    too_large = TRUE;
  else
    body = read_body (stream, max_size, &too_large, cancellable, &local_error);
  g_input_stream_close (stream, NULL, NULL);

  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      if (error_body != NULL && body != NULL)
        *error_body = g_steal_pointer (&body);
      set_status_error (error, message, uri);
      return NULL;
    }

  if (too_large)
    {
      g_autofree char *authority = uri_authority (uri);
      g_autofree char *limit = g_format_size_full (max_size, G_FORMAT_SIZE_IEC_UNITS);

      g_set_error (error, TANBA_HTTP_ERROR, TANBA_HTTP_ERROR_BAD_RESPONSE,
                   _("The answer from %s is larger than %s, more than such an answer can be. "
                     "Check the address in the settings."),
                   authority, limit);
      return NULL;
    }
  if (body == NULL)
    {
      set_transport_error (error, session, uri, NULL, local_error);
      return NULL;
    }
  return g_steal_pointer (&body);
}

static SoupMessage *
message_new (const char  *method,
             const char  *url,
             GError     **error)
{
  g_autoptr(GUri) uri = parse_url (url, error);

  if (uri == NULL || !check_uri (uri, error))
    return NULL;
  return soup_message_new_from_uri (method, uri);
}

/* Sends a @method request to @url with @body (NULL: none), as
 * tanba_http_post() and tanba_http_get() describe. */
static GBytes *
request (SoupSession   *session,
         const char    *method,
         const char    *url,
         const char    *content_type,
         GBytes        *body,
         gsize          max_size,
         guint         *status_out,
         GBytes       **error_body,
         GCancellable  *cancellable,
         GError       **error)
{
  g_autoptr(SoupMessage) message = NULL;
  GBytes *response;

  g_return_val_if_fail (SOUP_IS_SESSION (session), NULL);

  if (status_out != NULL)
    *status_out = 0;
  if (error_body != NULL)
    *error_body = NULL;
  message = message_new (method, url, error);
  if (message == NULL)
    return NULL;
  if (body != NULL)
    soup_message_set_request_body_from_bytes (message, content_type, body);

  response = tanba_http_send (session, message, max_size, error_body, cancellable, error);
  if (status_out != NULL)
    *status_out = soup_message_get_status (message);
  return response;
}

GBytes *
tanba_http_post (SoupSession   *session,
                 const char    *url,
                 const char    *content_type,
                 GBytes        *body,
                 gsize          max_size,
                 guint         *status_out,
                 GBytes       **error_body,
                 GCancellable  *cancellable,
                 GError       **error)
{
  g_autoptr(GBytes) empty = NULL;

  if (body == NULL)
    body = empty = g_bytes_new_static ("", 0);
  return request (session, "POST", url, content_type, body, max_size, status_out, error_body,
                  cancellable, error);
}

GBytes *
tanba_http_get (SoupSession   *session,
                const char    *url,
                gsize          max_size,
                guint         *status_out,
                GBytes       **error_body,
                GCancellable  *cancellable,
                GError       **error)
{
  return request (session, "GET", url, NULL, NULL, max_size, status_out, error_body,
                  cancellable, error);
}
