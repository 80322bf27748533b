/*
 * og-veil.h: the one internal header of the og-veil command and daemon.
 * Every daemon struct, and prototypes in sections per file, as in tmux.h.
 * Leaf modules (bytes, json, pyjson, keccak, hpke, ohttp, digest, sse,
 * verify, abi, registry) have their own headers and never include this one.
 */
#ifndef OG_VEIL_H
#define OG_VEIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define OG_VEIL_VERSION		PACKAGE_VERSION
#define OG_VEIL_APP_NAME	"opengradient-veil"
#define OG_VEIL_DEFAULT_HOST	"127.0.0.1"
#define OG_VEIL_DEFAULT_PORT	11434
#define OG_VEIL_DEFAULT_APP_URL	"https://chat.opengradient.ai"
#define OG_VEIL_DEFAULT_REFRESH	300
#define OG_VEIL_DEFAULT_MAX_BODY	(32U * 1024 * 1024)
#define OG_VEIL_DEFAULT_MAX_RESPONSE	(32U * 1024 * 1024)
#define OG_VEIL_DEFAULT_MAX_UNVERIFIED	(512U * 1024 * 1024)
#define OG_VEIL_DEFAULT_MAX_HEADERS	(64U * 1024)
#define OG_VEIL_DEFAULT_MAX_CONNS	8192
/* Registry entries cached in sqlite are served without the chain for this long. */
#define OG_VEIL_REGISTRY_TTL	3600

/* Resolved configuration: defaults, then OG_VEIL_* environment, then flags. */
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
	int		 tee_refresh_interval;	/* seconds, 0 = off */
	int		 verbose;
	int		 foreground;
	size_t		 max_body;
	size_t		 max_response;
	size_t		 max_unverified;
	size_t		 max_headers;
	int		 max_conns;
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
void		 log_init(int, int, const char *);
int		 log_reopen(void);
void		 log_close(void);
int		 log_get_verbose(void);
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
/* Defaults and environment into cfg; -1 with a message in errbuf. */
int		 config_init(struct veil_config *, char *, size_t);
void		 config_clear(struct veil_config *);
/* Validate a port, PCR, tee_id text: -1 with an actionable errbuf. */
int		 config_check(const struct veil_config *, char *, size_t);
/* The base URL agents use: http://host:port/v1 (new string). */
char		*config_base_url(const struct veil_config *);
/* Create $OG_VEIL_HOME 0700, refusing a symlink or group/other-writable one. */
int		 config_prepare_home(const struct veil_config *, char *, size_t);

/* store.c: sqlite in $OG_VEIL_HOME (0600, WAL, busy timeout, migrations). */
struct store	*store_open(const char *, char *, size_t);
void		 store_close(struct store *);
/* 0 and a filled session, 1 when not logged in, -1 on error. */
int		 store_session_load(struct store *, struct session *);
int		 store_session_save(struct store *, const struct session *);
int		 store_session_delete(struct store *);
int		 store_tokens_update(struct store *, const char *, const char *,
		    int64_t);
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
void		 session_clear(struct session *);

/* auth.c: PROTOCOL.md §1, bundle validation (no I/O). */
/* Parse and validate a bundle; fills s or -1 with an actionable errbuf. */
int		 auth_bundle_parse(const char *, size_t, struct session *, char *,
		    size_t);

#endif /* OG_VEIL_H */
