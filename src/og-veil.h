/*
 * og-veil.h: the one internal header of the og-veil command and daemon.
 * Every daemon struct, and prototypes in sections per file, as in tmux.h.
 * Leaf modules (bytes, json, pyjson, keccak, x25519, hpke, ohttp, digest,
 * sse, verify, abi, registry) have their own headers and never include
 * this one.
 */
#ifndef OG_VEIL_H
#define OG_VEIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define OG_VEIL_VERSION		PACKAGE_VERSION
#define OG_VEIL_APP_NAME	"opengradient-veil"
#define OG_VEIL_DEFAULT_HOST	"127.0.0.1"
/* The state directory of contrib/og-veil.service (StateDirectory=). */
#define OG_VEIL_SERVICE_HOME	"/var/lib/og-veil"
#define OG_VEIL_DEFAULT_PORT	11434
#define OG_VEIL_DEFAULT_APP_URL	"https://chat.opengradient.ai"
#define OG_VEIL_DEFAULT_REFRESH	300
/*
 * The network refuses encapsulated requests over 512 KiB (PROTOCOL.md §5);
 * a body may be larger than what it seals to (whitespace, fields the wire
 * drops), so 8 times that.
 */
#define OG_VEIL_DEFAULT_MAX_BODY	(4U * 1024 * 1024)
#define OG_VEIL_DEFAULT_MAX_RESPONSE	(32U * 1024 * 1024)
#define OG_VEIL_DEFAULT_MAX_UNVERIFIED	(512U * 1024 * 1024)
#define OG_VEIL_DEFAULT_MAX_HEADERS	(64U * 1024)
#define OG_VEIL_DEFAULT_MAX_CONNS	8192
/*
 * After a failed registry read og-veil reads the chain again this soon
 * (or after tee_refresh_interval, when that is shorter).
 */
#define OG_VEIL_REGISTRY_RETRY	30

/* config.c: where a setting's value came from (veil_config.source[]). */
#define CONFIG_SRC_DEFAULT	0
#define CONFIG_SRC_ENV		1
#define CONFIG_SRC_FILE		2	/* -c file (or server.conf) */
#define CONFIG_SRC_FLAG		3
#define CONFIG_MAX_OPTIONS	96	/* rows of config_options[] at most */

/*
 * Resolved configuration: defaults, then OG_VEIL_* environment, then -c,
 * then flags.  Each setting is a row of config_options[] (config.c).
 */
struct veil_config {
	char		*home;		/* owned: $OG_VEIL_HOME */
	char		*host;		/* owned */
	int		 port;
	char		*tee_id;	/* owned or NULL: pinned tee_id */
	char		*expected_pcr;	/* owned or NULL: pinned pcrHash */
	char		*app_url;	/* owned */
	char		*api_key;	/* owned or NULL */
	char		*ca_file;	/* owned or NULL: extra trusted CA */
	char		**allow_origins; /* owned, NULL-terminated */
	char		**allow_hosts;	/* owned, NULL-terminated */
	char		**model_aliases; /* owned, NULL-terminated FROM=TO */
	int		 tee_refresh_interval;	/* seconds, 0 = off */
	int		 quarantine;	/* first back-off, seconds, 0 = off */
	int		 verbose;
	int		 foreground;
	int		 service;	/* --service: the systemd service's */
	size_t		 max_body;
	size_t		 max_response;
	size_t		 max_unverified;
	size_t		 max_headers;
	int		 max_conns;
	int		 body_timeout;	/* seconds of silence within a body */
	int		 deadline;	/* seconds of a request's whole life */
	int		 first_byte;	/* seconds to a stream commit, 0 off */
	int		 keepalive;	/* seconds between keep-alives */
	int		 pii_scrub;	/* redact before sealing (pii.h) */
	int		 keep_content;	/* receipts keep request and output */
	int		 receipts_max;	/* receipts kept; 0: none written */
	int		 receipts_days;	/* receipts older removed; 0: never */
	/* CONFIG_SRC_* of each config_options[] row */
	unsigned char	 source[CONFIG_MAX_OPTIONS];
};

/* A setting's type: how its text is parsed and what its field is. */
enum config_type {
	CONFIG_T_STR,		/* char *, owned; NULL when unset */
	CONFIG_T_INT,		/* int, co_min..co_max */
	CONFIG_T_SIZE,		/* size_t bytes (k/m/g), co_min..co_max */
	CONFIG_T_LIST,		/* char **, owned, NULL-terminated */
	CONFIG_T_BOOL,		/* int 0/1; the flag takes no argument */
	CONFIG_T_COUNT,		/* int; the flag counts (-vv) */
	CONFIG_T_CLI		/* no field: the parser acts (-c, -h, -V) */
};
#define CONFIG_F_SERVE		0x01	/* the server's only: "server flags" */
#define CONFIG_F_SAVE		0x02	/* in server.conf, for restart */
#define CONFIG_F_NOFLAG		0x04	/* environment and file only */
#define CONFIG_F_SECRET		0x08	/* wiped on free, never printed */
#define CONFIG_F_CLIENT		0x10	/* clients take it from server.conf */
#define CONFIG_F_ALIAS		0x20	/* sets the field of the row above */

/* One setting (config.c explains how to add one). */
struct config_option {
	const char	*co_name;	/* --name; config_set()'s name */
	int		 co_letter;	/* -letter, or 0 */
	const char	*co_env;	/* OG_VEIL_* (and file NAME), or NULL */
	const char	*co_env_alt;	/* read before co_env, or NULL */
	enum config_type co_type;
	size_t		 co_offset;	/* of the field in veil_config */
	long long	 co_min;	/* CONFIG_T_INT, CONFIG_T_SIZE */
	long long	 co_max;
	/* A string's check: 0 and new *out (NULL: unset), or -1 (errbuf). */
	int		(*co_check)(const struct config_option *,
			    const char *, char **, char *, size_t);
	const char	*co_default;	/* text, parsed as if given, or NULL */
	const char	*co_what;	/* its name in messages: "max body" */
	const char	*co_arg;	/* its argument in help, or NULL */
	const char	*co_help;	/* one line for `og-veil help` */
	int		 co_flags;	/* CONFIG_F_* */
};

/* The login session of PROTOCOL.md §1, as stored. */
struct session {
	char		*access_token;	/* owned; never logged */
	char		*refresh_token;	/* owned or NULL; never logged */
	int64_t		 expires_at;	/* unix seconds, 0 = unknown */
	char		*user_id;	/* owned or NULL */
	char		*user_email;	/* owned or NULL */
	char		*app_env;	/* owned: "production" by default */
	char		*supabase_url;	/* owned */
	char		*supabase_anon_key; /* owned */
	char		*chat_api_base_url; /* owned */
	char		*rpc_url;	/* owned or NULL */
	char		*registry_address; /* owned or NULL: 0x + 40 hex */
	int		 tee_type;
};

struct store;

/* log.c */
/* log_init(foreground, verbose, file): stderr, or append to file (0600). */
void		 log_init(int, int, const char *);
int		 log_reopen(void);
void		 log_close(void);
struct event_base;
/* log_batch(base): info lines written once per pass of base's loop. */
void		 log_batch(struct event_base *);
void		 log_warn(const char *, ...)
		    __attribute__((__format__(__printf__, 1, 2)));
void		 log_warnx(const char *, ...)
		    __attribute__((__format__(__printf__, 1, 2)));
void		 log_info(const char *, ...)
		    __attribute__((__format__(__printf__, 1, 2)));
void		 log_debug(const char *, ...)
		    __attribute__((__format__(__printf__, 1, 2)));
__attribute__((__noreturn__)) void fatal(const char *, ...)
		    __attribute__((__format__(__printf__, 1, 2)));
__attribute__((__noreturn__)) void fatalx(const char *, ...)
		    __attribute__((__format__(__printf__, 1, 2)));
/* Drain OpenSSL's error queue into the log at warning level. */
void		 log_openssl(const char *);

/* config.c */
/* Every setting, NULL-name terminated; config_noptions() rows. */
extern const struct config_option config_options[];
size_t		 config_noptions(void);
/* The row of a --name, or NULL. */
const struct config_option *config_option_find(const char *);
/* Copy one row's value from the second config into the first (as src). */
void		 config_copy_option(struct veil_config *,
		    const struct veil_config *, const struct config_option *,
		    int);
/* Where the setting --name came from: CONFIG_SRC_* (DEFAULT if unknown). */
int		 config_source(const struct veil_config *, const char *);
/* Set one row from text with its CONFIG_SRC_*; -1 with errbuf. */
int		 config_set_option(struct veil_config *,
		    const struct config_option *, const char *, int, char *,
		    size_t);
/* Defaults and environment into cfg; -1 with a message in errbuf. */
int		 config_init(struct veil_config *, char *, size_t);
void		 config_clear(struct veil_config *);
/* Validate a port, PCR, tee_id text: -1 with an actionable errbuf. */
int		 config_check(const struct veil_config *, char *, size_t);
/* The base URL agents use: http://host:port/v1 (new string). */
char		*config_base_url(const struct veil_config *);
/* A home systemd symlinked (DynamicUser=) becomes its real path. */
int		 config_resolve_home(struct veil_config *, char *, size_t);
/* Create $OG_VEIL_HOME 0700, refusing a symlink or group/other-writable one. */
int		 config_prepare_home(const struct veil_config *, char *,
		    size_t);
/* Set one option by its long flag name from text; -1 with errbuf. */
int		 config_set(struct veil_config *, const char *, const char *,
		    char *, size_t);
/* Apply an env-style NAME=value file (-c); -1 with errbuf. */
int		 config_load_file(struct veil_config *, const char *, char *,
		    size_t);
/* $OG_VEIL_HOME/name (new string). */
char		*config_path(const struct veil_config *, const char *);
/* The detached server's settings, for `og-veil restart` (cmd-serve.c). */
#define CMD_SERVE_CONF		"server.conf"
/* A detached server's log, under $OG_VEIL_HOME (cmd-serve.c, cmd-logs.c). */
#define CMD_SERVE_LOG		"server.log"
/* Save the settings in effect where config_load_file() can read them. */
int		 config_save_file(const struct veil_config *, const char *,
		    char *, size_t);

/* store.c: sqlite in $OG_VEIL_HOME (0600, WAL, busy timeout, migrations). */
struct store	*store_open(const char *, char *, size_t);
void		 store_close(struct store *);
/* 0 and a filled session, 1 when not logged in, -1 on error. */
int		 store_session_load(struct store *, struct session *);
int		 store_session_save(struct store *, const struct session *);
int		 store_session_delete(struct store *);
/* Tokens of the session whose refresh token is the first argument. */
int		 store_tokens_update(struct store *, const char *, const char *,
		    const char *, int64_t);
/* The busy timeout (ms) for this connection: a few ms on the loop. */
void		 store_set_busy_ms(struct store *, int);
#define STORE_LOOP_BUSY_MS	5
/* 1 when another connection changed the database since the last call. */
int		 store_changed(struct store *);
/* The raw getActiveTEEs result for (rpc, address, type), and when fetched. */
int		 store_registry_save(struct store *, const char *, const char *,
		    int, const uint8_t *, size_t, int64_t);
/* 0 and new *data (caller frees), 1 when absent, -1 on error. */
int		 store_registry_load(struct store *, const char *, const char *,
		    int, uint8_t **, size_t *, int64_t *);
int		 store_pref_set(struct store *, const char *, const char *);
/* A new string or NULL. */
char		*store_pref_get(struct store *, const char *);
/* Free what a session owns (tokens wiped) and zero it. */
void		 session_clear(struct session *);
/* The schema version (PRAGMA user_version) this og-veil writes. */
int		 store_schema_version(void);
/*
 * Create a state file 0600 (O_EXCL, no symlink), or check an existing one:
 * a regular file we own, a looser mode tightened.  -1 with errbuf.
 */
int		 store_create_file(const char *, char *, size_t);
/* Quarantined TEEs (quarantine.h), remembered across restarts. */
struct quarantine;
struct quarantine_entry;
int		 store_quarantine_save(struct store *,
		    const struct quarantine_entry *);
int		 store_quarantine_delete(struct store *, const char *);
/* Restore every stored entry into the table: how many, or -1. */
int		 store_quarantine_load(struct store *, struct quarantine *);

/* receipt-store.c: receipts in $OG_VEIL_HOME/receipts.db (receipt.h). */
struct receipt;
struct receipt_store;
typedef void (*receipt_store_cb)(void *, const struct receipt *);
/* writable: the daemon (creates it); else read-only (CLI).  NULL: errbuf. */
struct receipt_store *receipt_store_open(const char *, int, char *, size_t);
void		 receipt_store_close(struct receipt_store *);
void		 receipt_store_set_busy_ms(struct receipt_store *, int);
int		 receipt_store_begin(struct receipt_store *);
/* Commit, or roll back and -1. */
int		 receipt_store_commit(struct receipt_store *);
/* Insert one (an id already stored is kept); -1 busy or error. */
int		 receipt_store_put(struct receipt_store *,
		    const struct receipt *);
/* Keep at most max_count rows and none older than max_age (0: no bound). */
int		 receipt_store_prune(struct receipt_store *, uint64_t, int64_t,
		    int64_t);
/* 0 and r filled (caller clears), 1 when no such id, -1 on error. */
int		 receipt_store_get(struct receipt_store *, const char *,
		    struct receipt *);
/* Newest first, created at or after since, at most limit (0: all). */
int		 receipt_store_list(struct receipt_store *, int64_t, size_t,
		    receipt_store_cb, void *);
const char	*receipt_store_errmsg(struct receipt_store *);
/* Checkpoint from a thread, not in the writer's commits (walckpt.c). */
int		 receipt_store_offload(struct receipt_store *, char *, size_t);

/* walckpt.c: a WAL database's checkpoints run by a thread of their own. */
struct sqlite3;
struct walckpt;
/* Checkpoint path once the log of db (the caller's) passes pages; NULL. */
struct walckpt	*walckpt_new(struct sqlite3 *, const char *, int, char *,
		    size_t);
/* Checkpoints run, and logs the thread restarted. */
void		 walckpt_counts(struct walckpt *, unsigned long *,
		    unsigned long *);
/* Stop and join the thread (one last checkpoint); before closing db. */
void		 walckpt_free(struct walckpt *);

/* receipt-writer.c: receipts queued off the reply path, written in batches. */
struct receipt_writer;
struct event_base;
/* Open receipts.db for writing; NULL with errbuf. */
struct receipt_writer *receipt_writer_new(struct event_base *, const char *,
		    uint64_t, int64_t, char *, size_t);
/* Queue r; its contents move to the writer (r is left init'ed). */
void		 receipt_writer_add(struct receipt_writer *, struct receipt *);
size_t		 receipt_writer_queued(const struct receipt_writer *);
/* Write what is queued (briefly retrying), then close. */
void		 receipt_writer_free(struct receipt_writer *);

/* auth.c: PROTOCOL.md §1, bundle validation (no I/O). */
#define AUTH_MAX_BUNDLE		(1024U * 1024)	/* larger bundles are refused */
/* Parse and validate a bundle; fills s or -1 with an actionable errbuf. */
int		 auth_bundle_parse(const char *, size_t, struct session *,
		    char *, size_t);
/* 1 when the session names a TEE registry (serving is possible). */
int		 auth_session_can_serve(const struct session *);
/* 1 for an https:// URL or an http:// one to a loopback host. */
int		 auth_url_is_private(const char *);
/* Refuse plain-HTTP non-loopback URLs unless allowed; -1 with errbuf. */
int		 auth_session_check_urls(const struct session *, int, char *,
		    size_t);
/* The Origin a browser sends for pages of url (lower case); -1 if none. */
int		 auth_url_origin(const char *, char *, size_t);

/* ---- command line ---------------------------------------------------- */

struct option;

/* Exit statuses of the og-veil command. */
#define CMD_EXIT_OK		0
#define CMD_EXIT_FAIL		1
#define CMD_EXIT_USAGE		2
#define CMD_EXIT_NOT_RUNNING	3	/* status: the server is not running */
#define CMD_EXIT_NOT_READY	4	/* status: it runs but cannot serve */

/* Option values: short options are their letter, long-only ones >= 256. */
#define CMD_MAXOPT		320

/* A parsed command line (cmd.c). */
struct cmd_args {
	int			 argc;		/* operands after the flags */
	char			**argv;		/* not owned */
	int			 flags[CMD_MAXOPT];	/* count per option */
	const char		*values[CMD_MAXOPT];	/* last argument */
	struct veil_config	*cfg;		/* not owned: resolved */
};

/* One command, one file (STYLE.md §2). */
struct cmd_entry {
	const char		*name;
	const char		*alias;		/* or NULL */
	struct {
		const char	*template;	/* getopt short flags */
		int		 lower;		/* operands, -1: any */
		int		 upper;
	} args;
	const struct option	*options;	/* long flags or NULL */
	const char		*usage;		/* flags and operands */
	const char		*help;		/* what it does (--help) */
	int			 flags;
#define CMD_F_CLIENT		0x1	/* talks to the running server */
	int			(*exec)(const struct cmd_entry *,
				    struct cmd_args *);
};

/* og-veil.c */
__attribute__((__noreturn__)) void usage(void);

/* cmd.c */
extern const struct cmd_entry *const cmd_table[];
extern const struct cmd_entry cmd_help_entry;
/* Exact name or alias, else a unique prefix; NULL with *ambiguous set. */
const struct cmd_entry *cmd_find(const char *, int *);
/* Say that a command is unknown, or ambiguous with its candidates. */
void		 cmd_find_error(const char *, int);
/*
 * Parse argv (global flags anywhere, then the command and its flags) into
 * *entry (NULL: no command) and args; builds cfg from defaults, the
 * environment, -c and flags.  -1: go on and run; otherwise the exit
 * status, with any message (or -h, -V output) already printed.
 */
int		 cmd_parse(int, char **, const struct cmd_entry **,
		    struct cmd_args *, struct veil_config *);
/* Print an entry's usage line (and help text when full) to fp. */
void		 cmd_usage(FILE *, const struct cmd_entry *, int);
/* Prepare $OG_VEIL_HOME and open the store; NULL after printing why. */
struct store	*cmd_store_open(const struct veil_config *);
/*
 * The running server's host, port and API key (its server.conf) for those
 * not given on the command line, in the environment or by -c.
 */
void		 cmd_client_adopt(struct veil_config *);
/* What ps shows for this process (over the command line's memory). */
void		 cmd_set_title(const char *);
/* Read up to max bytes of fd into a new NUL-terminated string; -1 over. */
int		 cmd_read_all(int, size_t, char **, size_t *);

/* cmd-pidfile.c */
/* The running server: 1 and *pid, 0 not running, or -1 stale (pid given). */
int		 cmd_pidfile_read(const struct veil_config *, long *);
/* Remove a stale pidfile, saying why it was stale. */
void		 cmd_pidfile_remove_stale(const struct veil_config *, long);
/* Wait up to the seconds given for pid to exit; 0 when it did. */
int		 cmd_pidfile_wait_exit(long, int);

/* cmd-http.c */
/*
 * A blocking HTTP/1.0 request to the server on loopback (CLI only):
 * 0 with *status and a new *body (NUL-terminated), -1 with errbuf.
 */
int		 cmd_http(const struct veil_config *, const char *,
		    const char *, const char *, size_t, int, int *, char **,
		    size_t *, char *, size_t);
/*
 * Wait for a server that is starting: up to the first seconds for its
 * pidfile, then up to the second for GET /health.  1 when it answers.
 */
int		 cmd_http_wait_server(struct veil_config *, int, int);
/* 1 when GET /health answers as og-veil's does. */
int		 cmd_http_healthy(const struct veil_config *);

/* cmd-serve.c */
/* Start the daemon detached and wait until it is ready. */
int		 cmd_serve_start(struct cmd_args *);

/* cmd-login.c */
/* Sign in (browser or manual) and store the session; an exit status. */
int		 cmd_login_run(struct cmd_args *, int, int, int);

/* login.c: the loopback listener of PROTOCOL.md §1. */
#define LOGIN_TIMEOUT		300	/* seconds */
/*
 * Listen on 127.0.0.1:<ephemeral> under a random path, print (and with
 * open_browser try to open) the /cli-auth URL and wait for a valid bundle
 * POSTed from the app's origin (its URLs checked, allow_http aside).
 * 0 and s filled, or -1 with errbuf.
 */
int		 login_listen(const char *, int, int, int, struct session *,
		    char *, size_t);
/* <app_url>/cli-auth?redirect_uri=<uri>&app_name=... (new string). */
char		*login_url(const char *, const char *);

/* ---- daemon ---------------------------------------------------------- */

#include <sys/queue.h>

#include <time.h>

#include "digest.h"
#include "json.h"
#include "ohttp.h"
#include "pii.h"
#include "verify.h"

struct event_base;
struct evdns_base;
struct evhttp;
struct evkeyvalq;
struct evhttp_request;
struct event;
struct req;
struct http_client;
struct relay_call;
struct rpc_call;

/* A TEE from the registry, shared by the requests using it (counted). */
struct tee {
	int			 te_refs;
	int			 te_dropped;	/* failed: not selected again */
	/* 0x + lower hex */
	char			 te_id[VERIFY_TEE_ID_LEN + 1];
	char			 te_pcr[67];	/* 0x + lower hex */
	char			*te_endpoint;	/* owned: display only */
	struct ohttp_key_config	 te_kc;
	uint8_t			*te_spki;	/* owned: DER signing key */
	size_t			 te_spki_len;
	struct verify_key	*te_vkey;	/* owned: te_spki parsed once */
};

/* The daemon: one per process, one event_base, one thread. */
struct veil {
	struct event_base	*vl_base;
	struct evdns_base	*vl_dns;
	const struct veil_config *vl_cfg;	/* not owned */
	struct store		*vl_store;	/* owned */
	struct session		 vl_session;	/* owned: the login, reloaded */
	int			 vl_logged_in;
	struct http_client	*vl_http;	/* owned: outbound pool */
	TAILQ_HEAD(, req)	 vl_reqs;	/* requests in flight */
	size_t			 vl_nreqs;
	/* budget.c: bytes held for requests (bodies, answers, streams) */
	size_t			 vl_unverified;
	int			 vl_draining;	/* SIGTERM: no new requests */
	/* Upstream state (tee.c, token.c): see their sections. */
	struct tee		*vl_tee;	/* counted: current selection */
	/* owned: usable registry entries */
	struct tee		**vl_tees;
	size_t			 vl_ntees;
	/* unix time of the registry read */
	int64_t			 vl_tees_fetched;
	/* 1: the registry is the sqlite cache (the chain is unreachable) */
	int			 vl_tees_cached;
	void			*vl_tee_waiters; /* tee.c: pending selections */
	/* token.c: pending refreshes */
	void			*vl_token_waiters;
	struct event		*vl_refresh_ev;	/* registry refresh timer */
	uint64_t		 vl_next_id;	/* request ids for logs */
	/* opened, for bench */
	uint64_t		 vl_upstream_connections;
	/* owned or NULL (--receipts-max 0): receipts of verified answers */
	struct receipt_writer	*vl_receipts;
};

/*
 * http-client.c: outbound HTTP(S) on the loop, keep-alive pooled per origin.
 * Timeouts: connect 10 s, first byte 60 s, idle between body pieces 120 s,
 * total 600 s.  (HTTP_CALL_OK, not HTTP_OK: <event2/http.h> owns that.)
 */
#define HTTP_CALL_OK	0
/* refused, DNS, TLS handshake or connect timeout */
#define HTTP_E_CONNECT	1
#define HTTP_E_TIMEOUT	2	/* first byte, idle or total timeout */
#define HTTP_E_IO	3	/* reset or truncated after the status */
struct http_call;
struct http_call_cb {
	/* Status and headers arrived; -1 aborts: no callback afterwards. */
	int	(*hc_headers)(void *, int, struct evkeyvalq *);
	/* Body bytes as they arrive; -1 aborts: no callback afterwards. */
	int	(*hc_data)(void *, const uint8_t *, size_t);
	/*
	 * Exactly once, unless cancelled or aborted, never from inside
	 * http_call_new(): HTTP_CALL_OK or HTTP_E_* and a message (NULL on
	 * success).  The call handle is gone after it.
	 */
	void	(*hc_done)(void *, int, const char *);
};
/* ca_file (NULL: none) is trusted beside the system CAs and SSL_CERT_FILE. */
struct http_client *http_client_new(struct event_base *, struct evdns_base *,
		    const char *, char *, size_t);
void		 http_client_free(struct http_client *);
/* Timeouts in ms: connect, first byte, idle, total (0 keeps one). */
void		 http_client_set_timeouts(struct http_client *, int, int, int,
		    int);
/* Connections opened so far (for vl_upstream_connections), idle now. */
uint64_t	 http_client_connections_opened(const struct http_client *);
size_t		 http_client_connections_idle(const struct http_client *);
/*
 * method "GET" or "POST", an http(s) URL, headers: NULL-terminated name,
 * value, name, value, ...; the body is copied.  NULL on a bad URL.
 */
struct http_call *http_call_new(struct http_client *, const char *,
		    const char *, const char *const *, const uint8_t *, size_t,
		    const struct http_call_cb *, void *);
/* The same, the body borrowed: kept unchanged until hc_done or cancel. */
struct http_call *http_call_new_borrowed(struct http_client *,
		    const char *, const char *, const char *const *,
		    const uint8_t *, size_t, const struct http_call_cb *,
		    void *);
/* Cancel, safe anywhere: no callback afterwards.  NULL is a no-op. */
void		 http_call_cancel(struct http_call *);

/* rpc.c: JSON-RPC 2.0 eth_call (PROTOCOL.md §3). */
#define RPC_MAX_RESULT	(4U * 1024 * 1024)	/* decoded result bytes */
#define RPC_MAX_ANSWER	(2 * RPC_MAX_RESULT + 64 * 1024)
/* Result (NULL and a message on failure), once, from the loop. */
typedef void (*rpc_cb)(void *, const uint8_t *, size_t, const char *);
/* eth_call(to, data) at url; NULL on a bad URL.  Gone after the callback. */
struct rpc_call	*rpc_eth_call(struct veil *, const char *, const char *,
		    const uint8_t *, size_t, rpc_cb, void *);
void		 rpc_cancel(struct rpc_call *);
/* The request body for (id, to, data): a new string. */
char		*rpc_request_new(uint64_t, const char *, const uint8_t *,
		    size_t, size_t *);
/* An answer for id: 0 and new *out, or -1 and a message in errbuf. */
int		 rpc_parse_response(const uint8_t *, size_t, uint64_t,
		    uint8_t **, size_t *, char *, size_t);

/* token.c: the access token, refreshed before expiry (PROTOCOL.md §2). */
#define TOKEN_EXPIRY_MARGIN	60	/* seconds before expires_at */
/*
 * token is NULL on failure (status 401: run og-veil login; 502/503: the
 * refresh failed, try again); the token is valid during the callback only.
 * Always called from the loop, never from inside token_get().
 */
typedef void (*token_cb)(void *, const char *, int, const char *);
/* Call cb with a valid token (now, or after one shared refresh). */
void		 token_get(struct veil *, token_cb, void *);
/* Force a refresh (the relay said 401), then call cb. */
void		 token_refresh(struct veil *, token_cb, void *);
/* Forget every pending answer for this argument. */
void		 token_cancel(struct veil *, void *);
/* Free the refresh state (shutdown). */
void		 token_clear(struct veil *);
/* 1 when the session's access token must be refreshed at time now. */
int		 token_expired(const struct session *, int64_t);
/* A 200 refresh answer: new access (and maybe refresh) token, expiry. */
int		 token_parse_refresh(const uint8_t *, size_t, int64_t, char **,
		    char **, int64_t *, const char **);

/* tee.c: registry discovery, cache, selection, refresh timer (§3, §10). */
struct abi_tee;
/*
 * tee is a new reference (tee_unref it) or NULL with status (503) and
 * message.  Always called from the loop, never from inside tee_select().
 */
typedef void (*tee_cb)(void *, struct tee *, int, const char *);
/* A TEE from a usable registry entry (one reference), or NULL. */
struct tee	*tee_new(const struct abi_tee *);
void		 tee_select(struct veil *, tee_cb, void *);
void		 tee_cancel(struct veil *, void *);
/* The TEE failed (connect failure, timeout): never select it again. */
void		 tee_drop(struct veil *, struct tee *);
/* The relay refused tee: re-read the registry, reselect if it rotated. */
int		 tee_recheck(struct veil *, struct tee *, tee_cb, void *);
struct tee	*tee_ref(struct tee *);
void		 tee_unref(struct tee *);
void		 tee_refresh_start(struct veil *);
void		 tee_clear_all(struct veil *);
/* ,"registry_source":"chain"|"cache"|null,"registry_age":secs|null */
void		 tee_health_json(const struct veil *, struct buf *);
/*
 * t failed verification (reason: the agent's error text): quarantine it,
 * unless it is pinned (--tee-id) or --quarantine is 0; then only logged.
 */
void		 tee_quarantine(struct veil *, struct tee *, const char *);
/* t answered verified: a quarantine that had ended is forgotten. */
void		 tee_verified(struct veil *, struct tee *);
/* Seconds until a quarantined TEE may be selected again, or 0. */
long long	 tee_retry_after(const struct veil *);

/* relay.c: the relay call (PROTOCOL.md §5) and its error mapping. */
#define RELAY_OK	0
#define RELAY_E_CONNECT	1	/* unreachable: nothing was sent */
#define RELAY_E_HTTP	2	/* non-2xx: status and message given */
#define RELAY_E_IO	3	/* sent, then broken: it may have run */
#define RELAY_E_AUTH	4	/* no valid login: status 401 */
struct relay_cb {
	/* 2xx status arrived (before any data). */
	void	(*rc_start)(void *, int);
	/*
	 * Ciphertext body bytes; return -1 to abort: rc_done(RELAY_E_IO)
	 * then follows from the loop unless relay_cancel() comes first.
	 */
	int	(*rc_data)(void *, const uint8_t *, size_t);
	/*
	 * Once, from the loop, unless cancelled: result, HTTP status to pass
	 * on, message (NULL on RELAY_OK), Retry-After or NULL.  The handle
	 * is gone after it.
	 */
	void	(*rc_done)(void *, int, int, const char *, const char *);
};
/*
 * POST the encapsulated body for tee; refreshes the token once on 401.
 * The body is borrowed until rc_done or relay_cancel(), not copied.
 */
struct relay_call *relay_post(struct veil *, const struct tee *, int,
		    const uint8_t *, size_t, const struct relay_cb *, void *);
/* Cancel: no callback afterwards.  NULL is a no-op. */
void		 relay_cancel(struct relay_call *);
/* The message of a relay error body (detail, error, raw): "" when empty. */
void		 relay_error_message(const uint8_t *, size_t, char *, size_t);
/* 1 when a failed call (result, status) may go to another TEE (§10). */
int		 relay_may_fail_over(int, int);
/* 1 for a relay status passed on (4xx, 5xx; else 502). */
int		 relay_status_valid(int);
/* Retry-After as delta-seconds, capped; -1 to drop it. */
int		 relay_retry_after(const char *, char *, size_t);


/* server.c: lifecycle of `og-veil serve` (the daemon side). */
/* The pidfile under $OG_VEIL_HOME, locked (fcntl) while serve runs. */
#define SERVER_PIDFILE		"og-veil.pid"
/* SIGTERM: in-flight requests get this long to finish. */
#define SERVER_GRACE_SECONDS	30
/* Run until SIGTERM/SIGINT; returns the exit status. */
int		 server_run(const struct veil_config *);
/* sd_notify(3)-style message to $NOTIFY_SOCKET; no-op when unset. */
void		 server_notify(const char *);
/* STATUS= for systemd from the current state. */
void		 server_notify_status(const struct veil *);
/* NULL when a chat can be served, else why not (readiness). */
const char	*server_unready_reason(const struct veil *);
/* GET /health/ready: 200, or 503 with the reason. */
void		 server_health_ready(struct veil *, struct evhttp_request *);
/* Agent connections counted now. */
size_t		 server_conn_count(void);

/* server-conn.c: agent connections, counted from accept (og-veil(1)). */
#define SERVER_HEADER_SECONDS	10	/* a whole header block */
#define SERVER_WRITE_SECONDS	20	/* an answer the agent does not read */
#define SERVER_EVICT_SECONDS	1	/* a stalled request this old, at cap */
#define SERVER_LOG_EVERY	10	/* seconds between repeated warnings */
#define SERVER_PAUSE_MS		250	/* accept paused after EMFILE */
struct evconnlistener;
struct server_conn;
void		 server_conn_start(struct event_base *, struct evhttp *,
		    struct evconnlistener *, size_t, size_t, int);
void		 server_conn_unlisten(void);
void		 server_conn_stop(void);
/* A request on the agent connection: busy until answered; 0. */
int		 server_conn_track(struct veil *, struct evhttp_request *);
/* Route the connection's close to rq, until server_conn_unset_req(rq). */
void		 server_conn_set_req(struct evhttp_request *, struct req *);
void		 server_conn_unset_req(struct req *);
/* HTTP/1.0: a stream is sent close-delimited (call before reply_start). */
void		 server_conn_stream_prepare(struct evhttp_request *);
/* RFC 9112 Host rules; 0 and the host to check, or -1 and why (400). */
int		 server_conn_host(struct evhttp_request *, const char **,
		    const char **);

/* metrics.c: counters and histograms for GET /metrics (Prometheus). */
enum metrics_family {
	METRICS_REQUESTS,	/* route, dialect, outcome */
	METRICS_VERIFY_FAILURES, /* reason */
	METRICS_RELAY_STATUS,	/* status */
	METRICS_FAILOVERS,
	METRICS_QUARANTINES,
	METRICS_TEE_CHANGES,
	METRICS_KEY_ROTATIONS,
	METRICS_REGISTRY_READS,	/* result */
	METRICS_TOKEN_REFRESHES, /* result */
	METRICS_RECEIPTS,	/* result */
	METRICS_PII_REDACTIONS,	/* kind */
	METRICS_FIRST_BYTE,	/* histograms, seconds: dialect */
	METRICS_VERIFIED,
	METRICS_UPSTREAM,
	METRICS_REQUEST_LOOP,
	METRICS__COUNT
};
/*
 * Add n to a counter; the label pairs (name, value, ..., NULL) must come
 * from bounded sets chosen by the code, never from agent or upstream text.
 */
void		 metrics_count(enum metrics_family, uint64_t, ...);
/* One sample (seconds) of a histogram; label pairs as above. */
void		 metrics_observe(enum metrics_family, double, ...);
/* Seconds since a CLOCK_MONOTONIC time. */
double		 metrics_since(const struct timespec *);
/* A series' value (labels exact, NULL: all series of the family summed). */
uint64_t	 metrics_value(enum metrics_family, const char *);
void		 metrics_reset(void);
/* The text exposition; gauges read from vl (NULL: none), conns given. */
void		 metrics_render(struct buf *, const struct veil *, size_t);

/*
 * error.c: the one table of the errors og-veil answers with (code, HTTP
 * status, the OpenAI `code` string, a default message).  Each dialect
 * wraps an entry in its own envelope (dl_error, dl_stream_error): the
 * error class or Anthropic error type follows from the status.
 */
enum error_code {
	ERROR_EMPTY_BODY,
	ERROR_BODY_TOO_LARGE,
	ERROR_INVALID_JSON,
	ERROR_INVALID_REQUEST,
	ERROR_CONTEXT_LENGTH,
	ERROR_NO_TEE,
	ERROR_ENCAPSULATION,
	ERROR_RELAY,
	ERROR_RESPONSE_TOO_LARGE,
	ERROR_NOT_LOGGED_IN,
	ERROR_UPSTREAM_UNREACHABLE,
	ERROR_UPSTREAM,
	ERROR_UPSTREAM_TIMEOUT,
	ERROR_VERIFICATION,
	ERROR_CLIENT_CLOSED,
	ERROR_SHUTTING_DOWN,
	ERROR_HEADERS_TOO_LARGE,
	ERROR_TOO_MANY_CONNECTIONS,
	ERROR_HOST_NOT_ALLOWED,
	ERROR_ORIGIN_NOT_ALLOWED,
	ERROR_NOT_FOUND,
	ERROR_METHOD_NOT_ALLOWED,
	ERROR_INVALID_API_KEY,
	ERROR_BAD_FRAMING,
	ERROR_UNSUPPORTED_MEDIA_TYPE,
	ERROR_OVERLOADED,
	ERROR_MODEL_NOT_FOUND,
	ERROR_BAD_MODEL_ID
};
struct error_def {
	enum error_code	 code;
	int		 status;	/* 0: the caller's (relay errors) */
	const char	*name;		/* OpenAI error.code, or NULL */
	const char	*message;	/* default message */
};
/* The table entry of a code (never NULL). */
const struct error_def *error_def(enum error_code);
/* The OpenAI error class of a status: invalid_request_error, ... */
const char	*error_openai_type(int);
/* The Anthropic error type of a status: invalid_request_error, ... */
const char	*error_anthropic_type(int);
/*
 * A message into errbuf (errlen bytes; errbuf NULL: none) for a leaf
 * function's caller; always -1, so "return (error_fmt(...));".
 */
int		 error_fmt(char *, size_t, const char *, ...)
		    __attribute__((__format__(__printf__, 3, 4)));

/*
 * translate.c: the chat-body pieces anthropic.c and responses.c build
 * alike.  Each builder returns a new value and owns what it is given.
 */
struct json_value;
/* A dialect translation's error: a 400 message and the field at fault. */
struct translate_err {
	char	*msg;
	size_t	 msglen;
	char	*param;
	size_t	 paramlen;
};
/* Fill e (param, then the formatted message); returns -1. */
int		 translate_fail(struct translate_err *, const char *,
		    const char *, ...)
		    __attribute__((__format__(__printf__, 3, 4)));
/* A copy of a string value, else "". */
struct json_value *translate_str(const struct json_value *);
/* The text of a string or of text parts, joined by the separator. */
void		 translate_text(struct buf *, const struct json_value *,
		    const char *);
struct json_value *translate_text_value(const struct json_value *,
		    const char *);
/* {"type": type, key: value}. */
struct json_value *translate_typed(const char *, const char *,
		    struct json_value *);
/* {"role": role, "content": content}. */
struct json_value *translate_msg(const char *, struct json_value *);
/* A tool message: the call id, the content. */
struct json_value *translate_tool_msg(struct json_value *,
		    struct json_value *);
/* A function tool call: id, name, arguments. */
struct json_value *translate_call(struct json_value *, struct json_value *,
		    struct json_value *);
/* A function tool: the tool's name and description, parameters or NULL. */
struct json_value *translate_tool(const struct json_value *,
		    struct json_value *);
/* The tool_choice naming the function the value's "name" names. */
struct json_value *translate_tool_choice(const struct json_value *);

/*
 * answer.c: the verified answer, the one value verification produces
 * (PROTOCOL.md §8, §9) and every dialect renders (§10).  Nothing in it was
 * left unverified: the text or the tool calls the enclave signed (never
 * both), a finish_reason token, numeric usage, a model name and the proof.
 * For a stream it also holds the verified frames, as values, in order.
 */
/*
 * One verified stream frame as the replay needs it, never re-parsed: its
 * content is the next af_text bytes of an_text (text form), its tool-call
 * deltas the next af_calls bytes of an_frame_calls (tool form: the
 * scrubbed array as compact JSON), its model and finish_reason names in
 * an_names.  Only what §8 signs is here; which form shows is an_tools.
 */
struct answer_frame {
	uint32_t		 af_text;
	uint32_t		 af_calls;
	uint32_t		 af_model;	/* offset in an_names */
	uint32_t		 af_finish;	/* in an_names, or AF_NULL */
	uint8_t			 af_flags;
#define AF_ROLE			 0x01		/* delta.role: "assistant" */
#define AF_CONTENT		 0x02		/* delta.content (text form) */
#define AF_CALLS		 0x04		/* delta.tool_calls (tools) */
};
#define AF_NULL			 UINT32_MAX	/* finish_reason: null */
struct answer {
	int			 an_stream;
	int			 an_tools;	/* signed: the tool calls */
	char			*an_text;	/* owned or NULL: null */
	size_t			 an_text_len;
	/* owned or NULL: the §8 signed output, when it is not an_text */
	char			*an_signed;
	size_t			 an_signed_len;
	/* owned or NULL: [{id, type, function: {name, arguments}}] */
	struct json_value	*an_calls;
	char			*an_finish;	/* owned or NULL: a token */
	struct json_value	*an_usage;	/* owned or NULL: numbers */
	char			*an_model;	/* owned: the model to show */
	struct verify_proof	 an_proof;
	/* owned: the enclave's tee_* fields, as it sent them (an object) */
	struct json_value	*an_tee;
	/* owned, non-stream: the OpenAI chat.completion (scrub_response) */
	struct json_value	*an_chat;
	/* owned, stream: the frames in order, the final one last */
	struct answer_frame	*an_frames;
	size_t			 an_nframes;
	char			*an_frame_calls;	/* owned or NULL */
	size_t			 an_frame_calls_len;
	char			*an_names;	/* owned: NUL-separated */
	size_t			 an_names_len;
	char			*an_chunk_id;	/* owned: chatcmpl-... */
	long long		 an_created;	/* the chunks' created */
};
/* Where a verifier reports why nothing may be delivered. */
struct answer_error {
	enum error_code	 code;
	char		 message[512];
};
/* What an answer is verified against: the TEE and the sealed request. */
struct answer_check {
	const struct verify_key	*vkey;
	const char		*tee_id;
	const uint8_t		*request_hash;	/* 32 bytes */
	const char		*model;		/* the request's model */
	size_t			 max_mem;	/* parsed answer; 0: no cap */
};
void		 answer_init(struct answer *);
void		 answer_clear(struct answer *);
/*
 * Non-stream: open the single-shot response, verify it, fill an.  0, or
 * -1 with the error (nothing may be delivered).
 */
int		 answer_open(const struct ohttp_ctx *, const uint8_t *, size_t,
		    const struct answer_check *, struct answer *,
		    struct answer_error *);
void		 answer_set_error(struct answer_error *, enum error_code,
		    const char *, ...)
		    __attribute__((__format__(__printf__, 3, 4)));

/*
 * The dialects (chat.c, anthropic.c, responses.c): translation of the
 * agent's body into the OpenAI chat body PROTOCOL.md §7 seals, and the
 * rendering of a verified answer or an error in the agent's API.
 *
 * The delivery path (req.c) drives a renderer in this order:
 *   non-stream: dl_answer (verified), or dl_error;
 *   stream:     [commit: headers, dl_stream_begin] [dl_stream_keepalive]*
 *               then dl_stream_next, piece by piece (the verified frames
 *               and the end: [DONE], message_stop, response.completed),
 *               or, once
 *               committed, dl_stream_error (in-band, ends the stream);
 *               before a commit an error is dl_error with its status.
 * Renderers only append to a buffer; req.c writes it.  A commit before
 * verification (issue 11) sends 200 and dl_stream_begin, which carries no
 * content; dl_stream_next then omits what begin already sent.  Each call
 * of dl_stream_next goes on from the render's cursor (rd_part, rd_frame,
 * ...) and stops at a frame boundary once b holds limit bytes, so the
 * delivery path renders the replay as the agent's connection drains
 * instead of all at once; render_stream_answer() is the whole stream in
 * one call, the same bytes.
 */
struct render {
	const struct dialect	*rd_dialect;	/* not owned */
	char			*rd_id;		/* owned: msg_..., resp_... */
	char			*rd_model;	/* owned: the agent's model */
	long long		 rd_created;
	int			 rd_flags;
#define RENDER_BEGUN		 0x01	/* dl_stream_begin was sent */
#define RENDER_INCLUDE_USAGE	 0x02	/* chat stream_options */
	uint64_t		 rd_seq;	/* responses sequence_number */
	/* not owned: the agent's own body (echoed fields), or NULL */
	const struct json_value	*rd_body;
	/* verification block of §10 for the answer (set by req.c) */
	struct json_value	*rd_proof;	/* owned or NULL */
	/* dl_stream_next's cursor: where the next piece starts */
	int			 rd_part;	/* 0 new, 1 frames, 2 ended */
	size_t			 rd_frame;	/* next frame */
	size_t			 rd_text;	/* its bytes in an_text */
	size_t			 rd_calls;	/* in an_frame_calls */
};
/*
 * What one dl_stream_next piece holds at least (the last may hold less):
 * with a frame more and libevent's chain header it still fits the 16 KiB
 * evbuffer chain it is copied into (chains are powers of two).
 */
#define RENDER_PIECE		(12U * 1024)
struct dialect {
	const char	*dl_name;	/* "chat", "anthropic", "responses" */
	const char	*dl_id_prefix;	/* "chatcmpl-", "msg_", "resp_" */
	/*
	 * The agent's body into an OpenAI chat body (*out, new) and its
	 * stream flag; NULL translate: the body is one already.  -1 with
	 * a 400 message (param may stay "").
	 */
	int		(*dl_translate)(const struct json_value *,
			    struct json_value **, int *, char *, size_t,
			    char *, size_t);
	/* The error envelope for status (a reply not yet committed). */
	void		(*dl_error)(struct buf *, const struct error_def *, int,
			    const char *, const char *);
	/* The verified non-stream body; -1 with err when it cannot be. */
	int		(*dl_answer)(struct render *, const struct answer *,
			    struct buf *, struct answer_error *);
	/* A committed stream's opening events (no content; may be none). */
	void		(*dl_stream_begin)(struct render *, struct buf *);
	/* A content-free keep-alive event. */
	void		(*dl_stream_keepalive)(struct render *, struct buf *);
	/*
	 * The next piece of the verified stream, of at least limit bytes
	 * unless it ends the stream: 1 when more follows, 0 at the end
	 * (and after it), -1 with err (on the first call only, before any
	 * byte).
	 */
	int		(*dl_stream_next)(struct render *,
			    const struct answer *, struct buf *,
			    struct answer_error *, size_t);
	/* An in-band error ending a committed stream. */
	void		(*dl_stream_error)(struct render *,
			    const struct error_def *, int, const char *,
			    struct buf *);
};
extern const struct dialect dialect_chat;
extern const struct dialect dialect_anthropic;
extern const struct dialect dialect_responses;
void		 render_init(struct render *, const struct dialect *,
		    const struct json_value *, const char *);
void		 render_clear(struct render *);
void		 render_rewind(struct render *);
/* The whole verified stream (dl_stream_next unbounded); -1 with err. */
int		 render_stream_answer(struct render *, const struct answer *,
		    struct buf *, struct answer_error *);

/* chat.c: OpenAI Chat Completions (today's answers, byte for byte). */
/* The OpenAI envelope with the given error type (veil_error for chat). */
void		 chat_error_json(struct buf *, const char *, const char *,
		    const char *, const char *);
/* One SSE "data: <compact json>\n\n" event. */
void		 chat_sse_data(struct buf *, const struct json_value *);
/* One SSE event with its name: "event: <name>\ndata: <json>\n\n". */
void		 chat_sse_event(struct buf *, const char *,
		    const struct json_value *);
/* The tool call arguments (JSON text) of a verified call as an object. */
struct json_value *chat_call_input(const struct json_value *);
/* The usage member k (prompt_tokens, ...) as an integer, else 0. */
long long	 chat_usage_int(const struct json_value *, const char *);

/* anthropic.c: Anthropic Messages (/v1/messages). */
/* count_tokens: the conservative estimate for a body; -1 with a 400. */
int		 anthropic_count_tokens(const struct json_value *,
		    long long *, char *, size_t);
/* The token estimate of n bytes of sealed request (see og-veil(1)). */
long long	 anthropic_estimate_tokens(size_t);

/* responses.c: OpenAI Responses (/v1/responses). */

/* budget.c: memory held for requests, one process-wide cap. */
#define BUDGET_PARSE_FACTOR	8
/* Non-integer numbers in one body: each is formatted on the loop. */
#define BUDGET_MAX_FLOATS	65536
#define BUDGET_PARSE_MIN	(16U * 1024 * 1024)
struct json_value;
int		 budget_charge(struct veil *, size_t *, size_t);
void		 budget_uncharge(struct veil *, size_t *, size_t);
void		 budget_release(struct veil *, size_t *);
size_t		 budget_parse_cap(const struct veil_config *);
/* The tree is the caller's; *msg is new (the caller frees it) on NULL. */
struct json_value *budget_json_parse(struct veil *, const void *, size_t,
		    unsigned int, size_t *, int *, char **);

/* model.c: the model a request runs on (--model-alias, og-veil(1)). */
int		 model_alias_check(const char *, char *, size_t);
/* A new string; *listed (may be NULL): the network lists the result. */
char		*model_resolve(char *const *, const char *, int *);
void		 model_apply(const struct veil_config *, struct json_value *);
void		 model_aliases_json(const struct veil_config *, struct buf *,
		    int);
int		 model_alias_json_one(const struct veil_config *, const char *,
		    struct buf *);
void		 model_cleanup(void);

/* api.c: the HTTP surface (PROTOCOL.md §10). */
#define API_MODEL_CREATED	1735689600	/* "created" of /v1/models */
/* The evhttp general callback; arg is the struct veil. */
void		 api_request_cb(struct evhttp_request *, void *);
/* Send the chat (OpenAI) error envelope; code and param may be NULL. */
void		 api_reply_error(struct evhttp_request *, int, const char *,
		    const char *, const char *);
/*
 * Send an error of the table in a dialect's envelope; status 0 is the
 * table's; detail NULL is the table's message.
 */
void		 api_fail(struct evhttp_request *, const struct dialect *,
		    enum error_code, int, const char *, const char *);
/* Send b as application/json with status (b is cleared). */
void		 api_reply_json(struct evhttp_request *, int, struct buf *);
/* 1 when id (after any provider/ prefix) is an OpenGradient model. */
int		 api_model_known(const char *);
/* The part of a model id after its last '/' (points into the argument). */
const char	*api_model_base(const char *);
/* The i-th built-in model id, or NULL past the end. */
const char	*api_model_at(size_t);

/* validate.c: the agent's body checked as the OpenAI API does, before §7. */
#define VALIDATE_MAX_MESSAGES	4096
struct validate_error {
	char		 param[256];	/* "" when no field is at fault */
	char		 message[512];
};
/* 0, or -1 with a 400 message naming the field (param). */
int		 validate_chat_request(const struct json_value *,
		    struct validate_error *);

/* req.c: one agent request, REQ_NEW to REQ_DELIVER. */
#define REQ_DEADLINE_SECONDS	600	/* --deadline default, first-byte max */
#define REQ_MAX_JSON_DEPTH	64
/* The gateway refuses an encapsulated request larger (PROTOCOL.md §5). */
#define REQ_MAX_SEALED		(512U * 1024)
enum req_state {
	REQ_NEW,
	REQ_SELECT,
	REQ_RELAY,
	REQ_COLLECT,
	REQ_VERIFY,
	REQ_DELIVER
};
struct stream;
struct req {
	uint64_t		 rq_id;		/* for logs; never a token */
	enum req_state		 rq_state;
	int			 rq_flags;
#define RQ_STREAM		 0x01
#define RQ_CLIENT_GONE		 0x02
#define RQ_RETRIED		 0x04		/* failover used (once) */
#define RQ_DONE			 0x08		/* req_free() called */
#define RQ_REPLIED		 0x10		/* the agent has its answer */
#define RQ_DELIVERING		 0x40		/* bytes went to the agent */
#define RQ_COMMITTED		 0x80		/* 200 sent; no content yet */
#define RQ_FIRST_BYTE		 0x100		/* counted in the metrics */
	struct veil		*rq_veil;	/* back-pointer, not owned */
	struct evhttp_request	*rq_in;		/* evhttp owns it */
	struct server_conn	*rq_conn;	/* server-conn.c's, or NULL */
	const struct dialect	*rq_dialect;	/* not owned: a static */
	struct render		 rq_render;	/* owned */
	struct json_value	*rq_agent;	/* owned or NULL: as sent */
	struct json_value	*rq_body;	/* owned: the chat body */
	struct digest_request	 rq_digest;	/* owned: wire and canonical */
	struct tee		*rq_tee;	/* counted reference */
	struct ohttp_ctx	 rq_ohttp;	/* owned; wiped on free */
	int			 rq_have_ohttp;
	struct buf		 rq_sealed;	/* owned: encapsulated */
	struct relay_call	*rq_relay;	/* owned until rc_done */
	int			 rq_relay_done;	/* rc_done came for rq_relay */
	struct buf		 rq_resp;	/* non-stream ciphertext */
	struct stream		*rq_stream;	/* owned: held until verified */
	size_t			 rq_held;	/* budget.c: bytes charged */
	struct event		*rq_timeout;	/* owned: deadline */
	struct event		*rq_watch;	/* owned: agent socket EOF */
	struct commit		*rq_commit;	/* owned: early reply */
	/* owned: a verified stream being written as the agent reads it */
	struct answer		*rq_answer;
	const char		*rq_free_reason;
	/* relay status before recheck */
	int			 rq_refused;
	char			*rq_refused_msg; /* owned: its message */
	struct timespec		 rq_started;	/* CLOCK_MONOTONIC */
	uint64_t		 rq_loop_ns;	/* loop time in its callbacks */
	uint64_t		 rq_resp_bytes;	/* relay body bytes */
	struct pii_counts	 rq_pii;	/* what --pii-scrub redacted */
	char			 rq_receipt[32]; /* receipt id, or "" */
	TAILQ_ENTRY(req)	 rq_entry;	/* on vl_reqs */
};
/* Take over an agent's POST in a dialect (api.c checked the guards). */
void		 req_start(struct veil *, struct evhttp_request *,
		    const struct dialect *);
void		 req_enter_state(struct req *, enum req_state);
/*
 * Fail with an error of the table (detail NULL: its message), in the
 * request's dialect: the envelope, or in-band once committed; then free.
 */
void		 req_fail(struct req *, enum error_code, const char *);
/* The same with a status (0: the table's) and a param ("" or NULL). */
void		 req_fail_status(struct req *, enum error_code, int,
		    const char *, const char *);
/* The only exit: cancels upstream, wipes secrets; the memory goes later. */
void		 req_free(struct req *, const char *);
/* The agent's connection closed. */
void		 req_client_gone(struct req *);
/* Fail every request in flight (shutdown). */
void		 req_abort_all(struct veil *, const char *);
/*
 * The delivery path.  req_commit(): a stream's 200, headers and the
 * dialect's opening (no content; idempotent).  req_keepalive(): one
 * content-free event on a committed stream.  req_deliver(): a verified
 * answer rendered in the dialect, with the proof headers and block, then
 * req_free(); the answer is cleared.
 */
void		 req_commit(struct req *);
void		 req_keepalive(struct req *);
void		 req_deliver(struct req *, struct answer *);
/* The verification block of §10 (an object) for a proof; new value. */
struct json_value *req_proof_json(const struct req *,
		    const struct verify_proof *);
/* "chatcmpl-" + 24 hex: a new string. */
char		*req_completion_id(void);
/* prefix + 24 random hex digits: a new string. */
char		*req_random_id(const char *);

/* outcome.c: metrics for every outcome, a receipt for a verified one. */
/* A receipt id for the answer about to be delivered (rq_receipt). */
void		 outcome_receipt_id(struct req *);
void		 outcome_verified(struct req *, const struct answer *);
void		 outcome_failed(struct req *, const struct error_def *, int,
		    const char *);
/* The first byte goes to the agent now (reply or stream commit). */
void		 outcome_first_byte(struct req *);
/* X-OpenGradient-Receipt and the redaction counts, before a reply. */
void		 outcome_headers(struct req *, struct evkeyvalq *);

/* redact.c: --pii-scrub on the request path (pii.h). */
void		 redact_request(struct req *);
void		 redact_header(struct req *, struct evkeyvalq *);

/*
 * commit.c: a stream not verified after first_byte seconds is committed
 * (req_commit()) and kept alive (req_keepalive()) until it is delivered.
 */
struct commit;
/* Arm the first-byte timer of a stream request (first_byte 0: nothing). */
void		 commit_arm(struct req *);
/* No more keep-alives (the request is delivered or ends). */
void		 commit_stop(struct req *);
void		 commit_free(struct commit *);

/*
 * stream.c: the streaming verifier (PROTOCOL.md §6, §8, §9): ciphertext
 * in, a verified struct answer out.  It knows no request and no evhttp:
 * held bytes count against max (per stream) and *unverified (shared).
 */
struct stream	*stream_new(const struct ohttp_ctx *, const char *, size_t,
		    size_t *);
void		 stream_free(struct stream *);
/* Ciphertext from the relay; -1 with the error. */
int		 stream_feed(struct stream *, const uint8_t *, size_t,
		    struct answer_error *);
/* End of body: verify everything and fill the answer; -1 on failure. */
int		 stream_finish(struct stream *, const struct answer_check *,
		    struct answer *, struct answer_error *);
/* Bytes this stream holds unverified. */
size_t		 stream_held(const struct stream *);

/* scrub.c: only what PROTOCOL.md §8 signs reaches the agent (§10). */
struct json_value *scrub_response(const struct json_value *, const char *,
		    const char *, size_t);
struct sse_frame;
/*
 * A stream frame's delta in the held form (struct answer_frame): its AF_
 * flags; its tool-call deltas, as the fold reads them, appended to b as
 * compact JSON when AF_CALLS, *ncalls the calls they show.
 */
int		 scrub_frame(const struct sse_frame *, struct buf *, size_t *);
/* The model a frame shows: its own when sane, else fallback (NULL: ""). */
const char	*scrub_frame_model(const struct sse_frame *, const char *,
		    size_t *);
/* 1 when the frame's finish_reason shows (a token), 0 for null. */
int		 scrub_frame_finish(const struct sse_frame *);
struct json_value *scrub_usage(const struct json_value *);
/* The enclave's tee_* proof fields of an answer: a new object. */
struct json_value *scrub_proof_fields(const struct json_value *);

#endif /* OG_VEIL_H */
