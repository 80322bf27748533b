/*
 * error.c: the one table of the errors og-veil answers with.  Each entry
 * has its HTTP status, the OpenAI `code` string the Chat Completions
 * envelope has always carried and a default message; the dialects
 * (chat.c, anthropic.c, responses.c) wrap it in their own envelope, with
 * the error class (OpenAI) or error type (Anthropic) of the status.
 */
#include "compat.h"

#include <sys/queue.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include "og-veil.h"

static const struct error_def error_table[] = {
	{ ERROR_EMPTY_BODY, 400, "invalid_request_error",
	  "empty body: send a JSON request" },
	{ ERROR_BODY_TOO_LARGE, 413, "request_too_large",
	  "request body exceeds the size limit (OG_VEIL_MAX_BODY)" },
	{ ERROR_INVALID_JSON, 400, "invalid_json",
	  "the body is not valid JSON" },
	{ ERROR_INVALID_REQUEST, 400, "invalid_request_error",
	  "the request is invalid" },
	{ ERROR_CONTEXT_LENGTH, 400, "context_length_exceeded",
	  "prompt is too long for the network's request limit" },
	{ ERROR_NO_TEE, 503, "no_tee", "no usable TEE in the registry" },
	{ ERROR_ENCAPSULATION, 502, "encapsulation_failed",
	  "cannot encrypt the request for the TEE" },
	{ ERROR_RELAY, 0, "relay_error", "the relay refused the request" },
	{ ERROR_RESPONSE_TOO_LARGE, 502, "response_too_large",
	  "response exceeds the buffer cap (OG_VEIL_MAX_RESPONSE)" },
	{ ERROR_NOT_LOGGED_IN, 401, "not_logged_in",
	  "the Chat session expired or was signed out: run `og-veil login`" },
	{ ERROR_UPSTREAM_UNREACHABLE, 502, "upstream_unreachable",
	  "the relay or TEE is unreachable" },
	{ ERROR_UPSTREAM, 502, "upstream_error",
	  "the TEE answered with an error" },
	{ ERROR_UPSTREAM_TIMEOUT, 504, "upstream_timeout",
	  "upstream timeout: no verified answer in time" },
	{ ERROR_VERIFICATION, 502, "verification_failed",
	  "verification failed; nothing was delivered" },
	{ ERROR_CLIENT_CLOSED, 499, "client_closed", "agent went away" },
	{ ERROR_SHUTTING_DOWN, 503, "shutting_down",
	  "og-veil is shutting down; retry shortly" },
	{ ERROR_HEADERS_TOO_LARGE, 431, "headers_too_large",
	  "request headers exceed the size limit (OG_VEIL_MAX_HEADERS)" },
	{ ERROR_TOO_MANY_CONNECTIONS, 503, "too_many_connections",
	  "og-veil has too many open connections; retry shortly" },
	{ ERROR_HOST_NOT_ALLOWED, 403, "host_not_allowed",
	  "Host header not allowed (DNS rebinding guard): add it with "
	  "--allow-host or OG_VEIL_ALLOW_HOSTS, or set an API key" },
	{ ERROR_ORIGIN_NOT_ALLOWED, 403, "origin_not_allowed",
	  "cross-origin requests are refused: add the origin with "
	  "--allow-origin or OG_VEIL_ALLOW_ORIGINS" },
	{ ERROR_NOT_FOUND, 404, "not_found", "no such route" },
	{ ERROR_METHOD_NOT_ALLOWED, 405, "method_not_allowed",
	  "method not allowed for this path" },
	{ ERROR_INVALID_API_KEY, 401, "invalid_api_key",
	  "missing or wrong API key: send Authorization: Bearer <key> with "
	  "the key og-veil was started with (--api-key or OG_VEIL_API_KEY)" },
	{ ERROR_BAD_FRAMING, 400, "bad_request", "bad request framing" },
	{ ERROR_UNSUPPORTED_MEDIA_TYPE, 415, "unsupported_media_type",
	  "Content-Type must be application/json" },
	{ ERROR_OVERLOADED, 503, "overloaded",
	  "og-veil is holding too many unverified bytes; retry shortly" },
	{ ERROR_MODEL_NOT_FOUND, 404, "model_not_found",
	  "no such model: GET /v1/models lists the OpenGradient models" },
	{ ERROR_BAD_MODEL_ID, 400, NULL, "bad model id in path" },
};
#define ERROR_NTABLE	(sizeof(error_table) / sizeof(error_table[0]))

/* The entry of a code; the table is in enum order (test-error checks). */
const struct error_def *
error_def(enum error_code code)
{
	size_t	i;

	if ((size_t)code < ERROR_NTABLE && error_table[code].code == code)
		return (&error_table[code]);
	for (i = 0; i < ERROR_NTABLE; i++)
		if (error_table[i].code == code)
			return (&error_table[i]);
	return (&error_table[ERROR_UPSTREAM]);
}

/*
 * The error class (OpenAI) and error type (Anthropic, docs.anthropic.com
 * "Errors") of the statuses that have their own; NULL: the default.
 */
static const struct {
	int		 status;
	const char	*openai;
	const char	*anthropic;
} error_types[] = {
	{ 401, "authentication_error", "authentication_error" },
	{ 402, NULL, "billing_error" },
	{ 403, "permission_error", "permission_error" },
	{ 404, "not_found_error", "not_found_error" },
	{ 413, NULL, "request_too_large" },
	{ 429, "rate_limit_error", "rate_limit_error" },
	{ 503, NULL, "overloaded_error" },
	{ 504, NULL, "timeout_error" },
	{ 529, NULL, "overloaded_error" }
};

/* The type of a status in a dialect; server is its 5xx (and 499) type. */
static const char *
error_type(int status, int anthropic, const char *server)
{
	const char	*t;
	size_t		 i;

	for (i = 0; i < sizeof(error_types) / sizeof(error_types[0]); i++) {
		if (error_types[i].status != status)
			continue;
		t = anthropic ? error_types[i].anthropic :
		    error_types[i].openai;
		if (t != NULL)
			return (t);
	}
	return (status >= 500 || status == 499 ? server :
	    "invalid_request_error");
}

/* OpenAI's error classes, by status. */
const char *
error_openai_type(int status)
{
	return (error_type(status, 0, "server_error"));
}

/* Anthropic's error types, by status. */
const char *
error_anthropic_type(int status)
{
	return (error_type(status, 1, "api_error"));
}

/* Format into errbuf (of errlen bytes, NULL: nothing); returns -1. */
int
error_fmt(char *errbuf, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;

	if (errbuf != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(errbuf, errlen, fmt, ap);
		va_end(ap);
	}
	return (-1);
}
