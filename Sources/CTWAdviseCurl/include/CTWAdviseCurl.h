// One HTTP exchange through libcurl, loaded at run time with dlopen (libcurl.so.4), for TWAdvisePrometheus.
//
// Why C: curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call through a pointer.
// Why dlopen: linking libcurl (as Foundation's URLSession does) loads it and some thirty libraries it needs
// (TLS, Kerberos, LDAP, ...) into every twadvise process, about 8 ms before main on a 2-vCPU VM, for the one
// command that talks to Prometheus. No curl header is needed to build: the few option numbers used are
// libcurl's stable ABI, written out in CTWAdviseCurl.c.
#ifndef CTWADVISE_CURL_H
#define CTWADVISE_CURL_H

#include <stddef.h>

/// What to send. Every pointer is borrowed for the duration of the call.
typedef struct {
    /// The full URL (http or https; other schemes are refused by libcurl's protocol filter).
    const char *url;
    /// Header lines ("Name: value"), `header_count` of them.
    const char *const *headers;
    size_t header_count;
    /// Non-zero: POST `body` (`body_length` bytes); zero: GET.
    int post;
    const void *body;
    size_t body_length;
    /// A PEM file of CA certificates to verify the server with instead of the system's store; NULL: system.
    const char *ca_file;
    /// The whole exchange's deadline, connection included, in milliseconds (> 0).
    long timeout_ms;
    /// The largest body accepted, in bytes; a larger Content-Length is refused before any byte.
    size_t limit;
    /// Polled during the transfer (at least once a second): non-zero (set with twa_http_cancel) aborts it.
    int *cancel;
} twa_http_request;

/// What came back.
typedef struct {
    /// libcurl's result code (CURLcode); 0 when the exchange completed (whatever the HTTP status).
    int code;
    /// 1 when the body passed `limit` (announced or received).
    int too_large;
    /// -1 when libcurl could not be loaded (see `error`).
    int unavailable;
    /// The HTTP status (0 when none was received).
    long status;
    /// The operating system's errno of a failed connection, 0 when none.
    long os_errno;
    /// The body (malloc'd; free with twa_http_release), `length` bytes.
    unsigned char *body;
    size_t length;
    /// libcurl's message for `code` (its error buffer, else curl_easy_strerror), or why loading failed.
    char error[256];
} twa_http_response;

/// Performs `request` on the calling thread (blocking) and fills `response`.
void twa_http_perform(const twa_http_request *request, twa_http_response *response);

/// Sets `*flag` (atomically) so that the exchange polling it stops (CURLE_ABORTED_BY_CALLBACK).
void twa_http_cancel(int *flag);

/// Frees the body of `response`.
void twa_http_release(twa_http_response *response);

/// The loaded libcurl's version ("7.88.1"), or NULL when it cannot be loaded.
const char *twa_http_version(void);

#endif
