#include "CTWAdviseCurl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// libcurl's ABI, from curl/curl.h (stable since libcurl 7; the oldest used here, CURLOPT_XFERINFOFUNCTION and
// CURLOPT_TIMEOUT_MS, are 7.32 and 7.16.2). An option's number is its type base plus its index:
// LONG 0, OBJECTPOINT (strings, lists, data) 10000, FUNCTIONPOINT 20000, OFF_T 30000.
enum {
    OPT_WRITEDATA = 10001, OPT_URL = 10002, OPT_ERRORBUFFER = 10010, OPT_WRITEFUNCTION = 20011,
    OPT_POSTFIELDS = 10015, OPT_HTTPHEADER = 10023, OPT_NOPROGRESS = 43, OPT_POST = 47, OPT_FOLLOWLOCATION = 52,
    OPT_XFERINFODATA = 10057, OPT_SSL_VERIFYPEER = 64, OPT_CAINFO = 10065, OPT_SSL_VERIFYHOST = 81,
    OPT_NOSIGNAL = 99, OPT_MAXFILESIZE_LARGE = 30117, OPT_POSTFIELDSIZE_LARGE = 30120, OPT_TIMEOUT_MS = 155,
    OPT_CONNECTTIMEOUT_MS = 156, OPT_PROTOCOLS = 181, OPT_XFERINFOFUNCTION = 20219, OPT_PROTOCOLS_STR = 10318,
    OPT_CAPATH = 10097, OPT_HTTP09_ALLOWED = 285,
};
enum { INFO_RESPONSE_CODE = 0x200000 + 2, INFO_OS_ERRNO = 0x200000 + 25 };
enum { E_OK = 0, E_WRITE_ERROR = 23, E_UNKNOWN_OPTION = 48, E_FAILED_INIT = 2 };
enum { PROTO_HTTP = 1 << 0, PROTO_HTTPS = 1 << 1, GLOBAL_DEFAULT = 3 };

typedef int64_t curl_off;
typedef void CURL;
struct slist;

static struct {
    int (*global_init)(long);
    CURL *(*easy_init)(void);
    int (*easy_setopt)(CURL *, int, ...);
    int (*easy_perform)(CURL *);
    int (*easy_getinfo)(CURL *, int, ...);
    void (*easy_cleanup)(CURL *);
    const char *(*easy_strerror)(int);
    struct slist *(*slist_append)(struct slist *, const char *);
    void (*slist_free_all)(struct slist *);
    char *(*version)(void);
    int init_code;
    char why[200];
} lib;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void) {
    static const char *const names[] = {"libcurl.so.4", "libcurl-gnutls.so.4", "libcurl-nss.so.4", "libcurl.so"};
    void *handle = NULL;
    for (size_t i = 0; i < sizeof names / sizeof names[0] && handle == NULL; i++)
        handle = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
        snprintf(lib.why, sizeof lib.why, "libcurl.so.4 was not found: install libcurl4 (Debian, Ubuntu) or libcurl (Fedora)");
        return;
    }
#define BIND(field, name)                                                                                    \
    if ((*(void **)&lib.field = dlsym(handle, name)) == NULL) {                                               \
        snprintf(lib.why, sizeof lib.why, "the libcurl found lacks %s: install libcurl 7.32 or newer", name); \
        return;                                                                                              \
    }
    BIND(global_init, "curl_global_init")
    BIND(easy_init, "curl_easy_init")
    BIND(easy_setopt, "curl_easy_setopt")
    BIND(easy_perform, "curl_easy_perform")
    BIND(easy_getinfo, "curl_easy_getinfo")
    BIND(easy_cleanup, "curl_easy_cleanup")
    BIND(easy_strerror, "curl_easy_strerror")
    BIND(slist_append, "curl_slist_append")
    BIND(slist_free_all, "curl_slist_free_all")
    BIND(version, "curl_version")
#undef BIND
    // Once, before any other thread uses libcurl: curl_global_init is not thread-safe.
    lib.init_code = lib.global_init(GLOBAL_DEFAULT);
    if (lib.init_code != E_OK) {
        snprintf(lib.why, sizeof lib.why, "libcurl could not start (curl_global_init: %s)", lib.easy_strerror(lib.init_code));
        lib.easy_init = NULL;
    }
}

static int loaded(void) {
    pthread_once(&once, load);
    return lib.easy_init != NULL && lib.why[0] == 0;
}

const char *twa_http_version(void) { return loaded() ? lib.version() : NULL; }

typedef struct {
    const twa_http_request *request;
    twa_http_response *response;
    size_t capacity;
} exchange;

static size_t on_data(char *data, size_t size, size_t count, void *context) {
    exchange *x = context;
    size_t n = size * count;  // libcurl guarantees size == 1
    twa_http_response *r = x->response;
    if (n > x->request->limit - r->length) {  // length never passes limit
        r->too_large = 1;
        return 0;  // CURLE_WRITE_ERROR
    }
    if (r->length + n > x->capacity) {
        size_t capacity = x->capacity ? x->capacity : 65536;
        while (capacity < r->length + n) capacity = capacity > SIZE_MAX / 2 ? SIZE_MAX : capacity * 2;
        if (capacity > x->request->limit) capacity = x->request->limit;
        unsigned char *grown = realloc(r->body, capacity);
        if (grown == NULL) return 0;
        r->body = grown;
        x->capacity = capacity;
    }
    memcpy(r->body + r->length, data, n);
    r->length += n;
    return n;
}

static int on_progress(void *context, curl_off dltotal, curl_off dlnow, curl_off ultotal, curl_off ulnow) {
    (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    const exchange *x = context;
    return x->request->cancel != NULL && __atomic_load_n(x->request->cancel, __ATOMIC_RELAXED) != 0;
}

void twa_http_cancel(int *flag) { __atomic_store_n(flag, 1, __ATOMIC_RELAXED); }

void twa_http_perform(const twa_http_request *request, twa_http_response *response) {
    memset(response, 0, sizeof *response);
    if (!loaded()) {
        response->unavailable = -1;
        response->code = E_FAILED_INIT;
        snprintf(response->error, sizeof response->error, "%s", lib.why);
        return;
    }
    CURL *curl = lib.easy_init();
    if (curl == NULL) {
        response->code = E_FAILED_INIT;
        snprintf(response->error, sizeof response->error, "libcurl could not make a handle (out of memory?)");
        return;
    }
    exchange x = {request, response, 0};
    struct slist *headers = NULL;
    int failed = 0;
    for (size_t i = 0; i < request->header_count && !failed; i++) {
        struct slist *appended = lib.slist_append(headers, request->headers[i]);
        if (appended == NULL) failed = 1; else headers = appended;
    }
    int code = failed ? 27 /* CURLE_OUT_OF_MEMORY */ : E_OK;
#define SET(option, value) if (code == E_OK) code = lib.easy_setopt(curl, option, value)
    SET(OPT_ERRORBUFFER, response->error);
    SET(OPT_URL, request->url);
    SET(OPT_NOSIGNAL, 1L);  // no SIGALRM for name lookups: the process has threads
    // Only http and https, and never a redirect: credentials go to the configured server only (or through the
    // proxy the environment names: libcurl honours http_proxy, https_proxy and no_proxy, as the README says).
    if (code == E_OK) {
        code = lib.easy_setopt(curl, OPT_PROTOCOLS_STR, "http,https");
        if (code == E_UNKNOWN_OPTION) code = lib.easy_setopt(curl, OPT_PROTOCOLS, (long)(PROTO_HTTP | PROTO_HTTPS));
    }
    SET(OPT_FOLLOWLOCATION, 0L);
    SET(OPT_SSL_VERIFYPEER, 1L);
    SET(OPT_SSL_VERIFYHOST, 2L);
    // A CA file replaces the system's trust store: libcurl built with a CA directory (Debian's: /etc/ssl/certs)
    // would otherwise keep trusting every CA there too.
    if (request->ca_file != NULL) {
        SET(OPT_CAINFO, request->ca_file);
        SET(OPT_CAPATH, (char *)NULL);
    }
    // No HTTP/0.9 answer (a body without status or headers): libcurl refuses it by default only since 7.66;
    // before 7.64 the option is unknown (such an answer then fails as a body that is not the API's JSON).
    if (code == E_OK) {
        int http09 = lib.easy_setopt(curl, OPT_HTTP09_ALLOWED, 0L);
        if (http09 != E_UNKNOWN_OPTION) code = http09;
    }
    SET(OPT_TIMEOUT_MS, request->timeout_ms);
    SET(OPT_CONNECTTIMEOUT_MS, request->timeout_ms);
    SET(OPT_MAXFILESIZE_LARGE, (curl_off)(request->limit > INT64_MAX ? INT64_MAX : (curl_off)request->limit));
    SET(OPT_HTTPHEADER, headers);
    SET(OPT_WRITEFUNCTION, on_data);
    SET(OPT_WRITEDATA, &x);
    SET(OPT_NOPROGRESS, 0L);
    SET(OPT_XFERINFOFUNCTION, on_progress);
    SET(OPT_XFERINFODATA, &x);
    if (request->post) {
        SET(OPT_POST, 1L);
        SET(OPT_POSTFIELDSIZE_LARGE, (curl_off)request->body_length);
        SET(OPT_POSTFIELDS, request->body);
    }
#undef SET
    if (code == E_OK) code = lib.easy_perform(curl);
    long status = 0, os_errno = 0;
    lib.easy_getinfo(curl, INFO_RESPONSE_CODE, &status);
    lib.easy_getinfo(curl, INFO_OS_ERRNO, &os_errno);
    response->code = code;
    response->status = status;
    response->os_errno = os_errno;
    if (code != E_OK && response->error[0] == 0)
        snprintf(response->error, sizeof response->error, "%s", lib.easy_strerror(code));
    if (code == E_WRITE_ERROR && !response->too_large)
        snprintf(response->error, sizeof response->error, "out of memory for the answer");
    lib.easy_cleanup(curl);
    lib.slist_free_all(headers);
}

void twa_http_release(twa_http_response *response) {
    free(response->body);
    response->body = NULL;
    response->length = 0;
}
