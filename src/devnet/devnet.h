/*
 * devnet.h: og-veil-devnet, a local stand-in for every remote party of
 * PROTOCOL.md on loopback: chain JSON-RPC with the TEE registry (§3), the
 * relay (§5), TEE gateways (§4, §6, §7, §9), the auth server (§2) and the
 * Chat app's /cli-auth page (§1), with fault switches.  It links the leaf
 * modules only (libogveil-core.a), never the daemon core.
 */
#ifndef DEVNET_H
#define DEVNET_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "abi.h"
#include "bytes.h"
#include "json.h"
#include "ohttp.h"

struct bufferevent;
struct event;
struct event_base;
struct evhttp;
struct evhttp_request;
struct ssl_ctx_st;

/* The path on a gateway the relay forwards OHTTP requests to. */
#define DEVNET_GATEWAY_PATH	"/v1/chat/ohttp"
#define DEVNET_USER_EMAIL	"dev@og-veil.local"
#define DEVNET_CHAIN_ID		31337
#define DEVNET_MAX_BODY		(64U * 1024 * 1024)

/* Fault switches (flags and the admin endpoint); see og-veil-devnet(1). */
enum devnet_fault {
	DEVNET_F_TAMPER_OUTPUT,		/* change content after signing */
	DEVNET_F_TAMPER_TOKEN,		/* alter a token after signing */
	DEVNET_F_WRONG_TEE_ID,		/* answer with another key's tee_id */
	DEVNET_F_BAD_SIGNATURE,		/* flip a bit of the signature */
	DEVNET_F_BAD_REQUEST_HASH,	/* sign a different request hash */
	DEVNET_F_DROP_FINAL,		/* chunked body without final chunk */
	DEVNET_F_TRUNCATE,		/* cut the body inside a chunk */
	DEVNET_F_KILL_MID_STREAM,	/* gateway drops mid-stream */
	DEVNET_F_ERROR_EVENT,		/* in-stream {"error": ...} event */
	DEVNET_F_SLOW_STREAM,		/* value: ms between frames */
	DEVNET_F_RELAY_STATUS,		/* value: the relay's status */
	DEVNET_F_RELAY_CLOSE,		/* relay closes before the first byte */
	DEVNET_F_PCR_MISMATCH,		/* registry: another pcrHash */
	DEVNET_F_CORRUPT_ABI,		/* registry answer is malformed ABI */
	DEVNET_F_CHAIN_DOWN,		/* chain RPC refuses connections */
	DEVNET_F_AUTH_DOWN,		/* auth server refuses connections */
	DEVNET_F_EXPIRE_TOKEN,		/* relay rejects current token */
	DEVNET_F_REVOKE_TOKEN,		/* refresh token revoked: 400 */
	DEVNET_F_UNSIGNED_EXTRA,	/* unsigned text beside the signed */
	DEVNET_F_RELAY_FORWARD_BILLING,	/* relay keeps the billing frame */
	DEVNET_F_GATEWAY_STATUS,	/* value: a plaintext refusal */
	DEVNET_F_RELAY_WORDING,		/* value: other relay error texts */
	DEVNET_F_SLOW_AUTH,		/* value: ms before a refresh answer */
	DEVNET_F_HOSTILE_ENDPOINT,	/* registry endpoint with CR LF, ESC */
	DEVNET_F_RELAY_DELAY,		/* value: ms the relay holds a call */
	DEVNET_F__COUNT
};

struct devnet_fault_state {
	int		 on;
	int		 gateway;	/* -1: every gateway */
	long long	 value;
};

struct devnet_gateway;
struct devnet_relay_pool;

/*
 * A worker's counters of the services every worker serves.  Each worker
 * writes only its own slot; GET /stats (worker 0) sums them.
 */
struct devnet_counts {
	uint64_t	 dc_pid;
	uint64_t	 dc_relay_requests;
	uint64_t	 dc_relay_connections;
	uint64_t	 dc_relay_errors;
	uint64_t	 dc_relay_billing;	/* frames seen */
	uint64_t	 dc_gateway_requests;
};

/* The whole network: one per process, one event_base. */
struct devnet {
	struct event_base	*dn_base;
	struct ssl_ctx_st	*dn_ssl_ctx;	/* NULL unless --tls */
	int			 dn_tls;
	int			 dn_bench;	/* reuse signatures, no delay */
	int			 dn_verbose;
	int			 dn_rsa_bits;
	int			 dn_stream_delay_ms;
	int			 dn_stream_frames;	/* 0 or answer length */
	int			 dn_token_ttl;	/* seconds */
	int			 dn_bundle_late; /* 1st token expired s ago */
	struct devnet_gateway	**dn_gateways;	/* owned */
	size_t			 dn_ngateways;
	struct devnet_fault_state dn_faults[DEVNET_F__COUNT];
	char			*dn_access_token;	/* owned: current */
	char			*dn_refresh_token;	/* owned: current */
	int64_t			 dn_token_expires_at;
	char			*dn_anon_key;		/* owned */
	uint8_t			 dn_registry_address[20];
	/*
	 * --workers: processes serving the relay and the gateways on the
	 * same ports (SO_REUSEPORT), forked once everything is set up;
	 * worker 0, the first, also serves chain, auth, app and admin.
	 */
	int			 dn_workers;	/* 1 without --workers */
	int			 dn_worker;	/* this process's index */
	pid_t			*dn_worker_pids; /* owned: [dn_workers] */
	struct event		*dn_sigchld;	/* owned; worker 0 only */
	/* Counters for tests and the benchmark (GET /stats on admin). */
	struct devnet_counts	*dn_counts;	/* this worker's slot */
	/* [dn_workers]: &dn_counts_one, or a shared mapping (owned) */
	struct devnet_counts	*dn_counts_all;
	struct devnet_counts	 dn_counts_one;
	uint64_t		 dn_token_refreshes;
	uint64_t		 dn_chain_calls;
	uint64_t		 dn_auth_calls;
	uint64_t		 dn_app_calls;
	/*
	 * The last decrypted requests the gateways received (GET /received
	 * on admin), oldest first from dn_received_next: what the enclave
	 * saw, for the tests of --pii-scrub.  Each owned or NULL.
	 */
#define DEVNET_RECEIVED_MAX	16
	char			*dn_received[DEVNET_RECEIVED_MAX];
	size_t			 dn_received_next;
	/* Files and services (devnet.c and one devnet-<service>.c each). */
	char			*dn_state_path;		/* owned */
	char			*dn_bundle_path;	/* owned or NULL */
	char			*dn_ca_path;		/* owned or NULL */
	char			*dn_user_id;		/* owned */
	char			*dn_expired_token; /* owned: rejected token */
	struct ssl_ctx_st	*dn_client_ctx;	/* NULL unless --tls: relay */
	struct event		*dn_sigint;	/* owned */
	struct event		*dn_sigterm;	/* owned */
	struct evhttp		*dn_relay_http;	/* owned */
	struct evhttp		*dn_chain_http;	/* owned; NULL when down */
	struct evhttp		*dn_auth_http;	/* owned; NULL when down */
	struct evhttp		*dn_app_http;	/* owned */
	struct evhttp		*dn_admin_http;	/* owned */
	int			 dn_relay_port;
	int			 dn_chain_port;
	int			 dn_auth_port;
	int			 dn_app_port;
	int			 dn_admin_port;
	struct devnet_relay_pool *dn_relay_pools; /* owned: one per gateway */
};

/* devnet.c: main(), flags, state and bundle files. */
/* 1 when fault f applies to gateway index i (-1: any). */
int	devnet_fault_on(const struct devnet *, enum devnet_fault, int);
long long devnet_fault_value(const struct devnet *, enum devnet_fault);
/* Bind an evhttp on 127.0.0.1:port (0: ephemeral), TLS when --tls. */
struct evhttp *devnet_listen(struct devnet *, int, int *, const char **);
/* "http://127.0.0.1:port" or https: a new string. */
char	*devnet_url(const struct devnet *, int);
/* evhttp_set_bevcb() callback (arg: the devnet): TLS when --tls. */
struct bufferevent *devnet_bevcb(struct event_base *, void *);
/*
 * End a chunked reply (evhttp_send_reply_end) once it is safe under TLS:
 * when its output is on the wire.  Use it instead of
 * evhttp_send_reply_end() on server connections; req is evhttp's.
 */
void	 devnet_reply_end(struct evhttp_request *);
/* Fault name (kebab-case) and back: -1 when unknown. */
const char *devnet_fault_name(enum devnet_fault);
int	 devnet_fault_lookup(const char *);
/* Turn a fault on (gateway -1: all) or every fault off. */
void	 devnet_fault_set(struct devnet *, enum devnet_fault, int, long long);
void	 devnet_fault_clear(struct devnet *);
/* Rewrite the state file atomically (after ports or keys changed). */
int	 devnet_write_state(struct devnet *, const char **);
/* The state file's JSON, appended to out. */
void	 devnet_state_json(struct devnet *, struct buf *);
/* The CLI-auth bundle (PROTOCOL.md §1), appended to out. */
void	 devnet_bundle_json(struct devnet *, struct buf *);
/* Send a JSON reply (body: JSON text) with status code. */
void	 devnet_reply_json(struct evhttp_request *, int, const char *);
/* Send {"detail": msg} with status code. */
void	 devnet_reply_detail(struct evhttp_request *, int, const char *);
/* Request body as a new NUL-terminated string; NULL when over max. */
char	*devnet_body(struct evhttp_request *, size_t, size_t *);
/* Logging to stderr: warnings always, debug lines under -v. */
void	 devnet_warnx(const char *, ...)
	    __attribute__((__format__(__printf__, 1, 2)));
void	 devnet_debug(const char *, ...)
	    __attribute__((__format__(__printf__, 1, 2)));

/* devnet-tls.c: a fresh CA and a 127.0.0.1/localhost server certificate. */
int	 devnet_tls_init(struct devnet *, const char *, const char **);
void	 devnet_tls_free(struct devnet *);

/* devnet-gateway.c: a TEE gateway (HPKE recipient, model, RSA-PSS signer). */
struct devnet_gateway *devnet_gateway_new(struct devnet *, int, const char **);
void	 devnet_gateway_free(struct devnet_gateway *);
/* Registry entry as the chain serves it (pcr mismatch applied by caller). */
void	 devnet_gateway_abi(const struct devnet_gateway *, struct abi_tee *);
int	 devnet_gateway_port(const struct devnet_gateway *);
const char *devnet_gateway_tee_id(const struct devnet_gateway *);
/* Close or re-open the listener (connections refused while stopped). */
void	 devnet_gateway_stop(struct devnet_gateway *);
int	 devnet_gateway_start(struct devnet_gateway *, const char **);
int	 devnet_gateway_running(const struct devnet_gateway *);
/* New OHTTP key (key id + 1) and RSA key. */
int	 devnet_gateway_rotate(struct devnet_gateway *, const char **);
/* Append the gateway's entry of the state file (a JSON object) to out. */
void	 devnet_gateway_state_json(const struct devnet_gateway *, struct buf *);

/* devnet-model.c: the deterministic built-in model. */
/*
 * Answer a wire request: the text "Echo: <last user text>" split into
 * tokens (at most max_tokens of them), or a tool call to the first offered
 * tool when tools are present and tool_choice is not "none"; an agent's
 * command tool (Bash, exec_command)
 * is called for "run: <command>" and its result answered "Tool result
 * received: <result>".  See og-veil-devnet(1).
 */
struct devnet_answer {
	char		**tokens;	/* owned: content pieces, in order */
	size_t		 ntokens;
	char		*tool_name;	/* owned or NULL */
	char		*tool_args;	/* owned or NULL: JSON text */
	int		 prompt_tokens;
	int		 completion_tokens;
	int		 truncated;	/* max_tokens hit: "length" */
};
int	 devnet_model_answer(const struct json_value *, struct devnet_answer *,
	    const char **);
void	 devnet_answer_clear(struct devnet_answer *);
/* Repeat a text answer's tokens until it has at least n (--stream-frames). */
void	 devnet_model_pad(struct devnet_answer *, size_t);

/* The services: devnet-{relay,chain,auth,app,admin}.c. */
int	 devnet_relay_start(struct devnet *, int, int *, const char **);
/* A worker's own relay listener on the relay's port (--workers). */
int	 devnet_relay_listen(struct devnet *, const char **);
int	 devnet_chain_start(struct devnet *, int, int *, const char **);
void	 devnet_chain_stop(struct devnet *);
int	 devnet_chain_resume(struct devnet *, const char **);
int	 devnet_auth_start(struct devnet *, int, int *, const char **);
void	 devnet_auth_stop(struct devnet *);
int	 devnet_auth_resume(struct devnet *, const char **);
int	 devnet_app_start(struct devnet *, int, int *, const char **);
int	 devnet_admin_start(struct devnet *, int, int *, const char **);
/* 1 when the bearer token is the current, unexpired access token. */
int	 devnet_auth_token_ok(const struct devnet *, const char *);
/* Issue a fresh access and refresh token pair (and the anon key once). */
void	 devnet_auth_issue(struct devnet *);
/* expire-token: the current access token is rejected from now on. */
void	 devnet_auth_expire(struct devnet *);
void	 devnet_auth_free(struct devnet *);
void	 devnet_relay_free(struct devnet *);
void	 devnet_chain_free(struct devnet *);

/* devnet-admin.c: keep a decrypted request for GET /received. */
void	 devnet_admin_received(struct devnet *, const char *, size_t);
void	 devnet_admin_free(struct devnet *);

#endif /* DEVNET_H */
