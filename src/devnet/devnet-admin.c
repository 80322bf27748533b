/*
 * devnet-admin.c: the devnet's control endpoint on loopback, for tests, the
 * demo and the benchmark: fault switches, gateway stop/start/rotate, the
 * counters and the state file.  Not part of PROTOCOL.md.
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "devnet.h"
#include "json.h"
#include "pyjson.h"
#include "xmalloc.h"

#define ADMIN_MAX_BODY	65536

enum admin_action {
	ADMIN_STOP,
	ADMIN_START,
	ADMIN_ROTATE
};

static const struct {
	const char		*name;
	enum admin_action	 action;
} admin_actions[] = {
	{ "stop-gateway", ADMIN_STOP },
	{ "start-gateway", ADMIN_START },
	{ "rotate-keys", ADMIN_ROTATE }
};

static void	admin_request_cb(struct evhttp_request *, void *);
static int	admin_gateway(struct devnet *, enum admin_action, int,
		    const char **);
static void	admin_fault(struct devnet *, struct evhttp_request *);
static void	admin_stats(struct devnet *, struct evhttp_request *);
static void	admin_error(struct evhttp_request *, int, const char *);

static void
admin_error(struct evhttp_request *req, int code, const char *msg)
{
	struct buf	b;

	buf_init(&b);
	buf_add_str(&b, "{\"ok\":false,\"error\":");
	pyjson_write_string(&b, msg, strlen(msg), 0);
	buf_add_str(&b, "}");
	devnet_reply_json(req, code, (const char *)b.data);
	buf_clear(&b, 0);
}

/* Act on gateway gw (-1: every gateway), then rewrite the state file. */
static int
admin_gateway(struct devnet *dn, enum admin_action a, int gw,
    const char **errstr)
{
	struct devnet_gateway	*g;
	const char		*why;
	size_t			 i;

	if (gw >= (int)dn->dn_ngateways) {
		*errstr = "no such gateway";
		return (-1);
	}
	for (i = 0; i < dn->dn_ngateways; i++) {
		if (gw != -1 && (int)i != gw)
			continue;
		g = dn->dn_gateways[i];
		switch (a) {
		case ADMIN_STOP:
			devnet_gateway_stop(g);
			break;
		case ADMIN_START:
			if (!devnet_gateway_running(g) &&
			    devnet_gateway_start(g, errstr) == -1)
				return (-1);
			break;
		case ADMIN_ROTATE:
			if (devnet_gateway_rotate(g, errstr) == -1)
				return (-1);
			break;
		}
		devnet_debug("admin: gateway %zu %s", i, a == ADMIN_STOP ?
		    "stopped" : a == ADMIN_START ? "started" : "rotated");
	}
	if (devnet_write_state(dn, &why) == -1)
		devnet_warnx("state file: %s", why);
	return (0);
}

/* POST /fault {"name": ..., "gateway": i, "value": n} */
static void
admin_fault(struct devnet *dn, struct evhttp_request *req)
{
	struct json_limits	 lim = { ADMIN_MAX_BODY, 8, 0 };
	struct json_value	*v = NULL, *jg, *jv;
	const char		*name, *errstr;
	char			*body;
	size_t			 len, i;
	int64_t			 gw = -1, value = 0;
	int			 f;

	if ((body = devnet_body(req, ADMIN_MAX_BODY, &len)) == NULL ||
	    (v = json_parse(body, len, &lim, &errstr)) == NULL ||
	    (name = json_get_str(v, "name")) == NULL) {
		admin_error(req, 400, "want {\"name\": fault, \"gateway\": i, "
		    "\"value\": n}");
		goto out;
	}
	if ((jg = json_get(v, "gateway")) != NULL && !json_is(jg, JSON_NULL) &&
	    (json_to_int64(jg, &gw) == -1 || gw < 0 ||
	    gw >= (int64_t)dn->dn_ngateways)) {
		admin_error(req, 400, "no such gateway");
		goto out;
	}
	if ((jv = json_get(v, "value")) != NULL && !json_is(jv, JSON_NULL) &&
	    (json_to_int64(jv, &value) == -1 || value < -1000000000LL ||
	    value > 1000000000LL)) {
		admin_error(req, 400, "value must be an integer");
		goto out;
	}
	for (i = 0; i < sizeof(admin_actions) / sizeof(admin_actions[0]);
	    i++) {
		if (strcmp(admin_actions[i].name, name) != 0)
			continue;
		if (admin_gateway(dn, admin_actions[i].action, (int)gw,
		    &errstr) == -1)
			admin_error(req, 500, errstr);
		else
			devnet_reply_json(req, 200, "{\"ok\":true}");
		goto out;
	}
	if ((f = devnet_fault_lookup(name)) == -1) {
		admin_error(req, 400, "unknown fault");
		goto out;
	}
	devnet_fault_set(dn, (enum devnet_fault)f, (int)gw, value);
	devnet_reply_json(req, 200, "{\"ok\":true}");
out:
	json_free(v);
	free(body);
}

/* Keep a copy of a decrypted request (a JSON object) for GET /received. */
void
devnet_admin_received(struct devnet *dn, const char *text, size_t len)
{
	size_t	 slot = dn->dn_received_next % DEVNET_RECEIVED_MAX;

	free(dn->dn_received[slot]);
	dn->dn_received[slot] = xstrndup(text, len);
	dn->dn_received_next++;
}

/* Free the kept requests (exit). */
void
devnet_admin_free(struct devnet *dn)
{
	size_t	 i;

	for (i = 0; i < DEVNET_RECEIVED_MAX; i++) {
		free(dn->dn_received[i]);
		dn->dn_received[i] = NULL;
	}
}

/* GET /received: the last decrypted requests, oldest first. */
static void
admin_received(struct devnet *dn, struct evhttp_request *req)
{
	struct buf	b;
	size_t		i, slot;
	int		n = 0;

	buf_init(&b);
	buf_add_str(&b, "[");
	for (i = 0; i < DEVNET_RECEIVED_MAX; i++) {
		slot = (dn->dn_received_next + i) % DEVNET_RECEIVED_MAX;
		if (dn->dn_received[slot] == NULL)
			continue;
		buf_printf(&b, "%s%s", n++ ? "," : "", dn->dn_received[slot]);
	}
	buf_add_str(&b, "]");
	devnet_reply_json(req, 200, (const char *)b.data);
	buf_clear(&b, 0);
}

/* GET /stats: the counters, gateways and active faults. */
static void
admin_stats(struct devnet *dn, struct evhttp_request *req)
{
	struct devnet_counts	 sum;
	const struct devnet_counts *c;
	struct buf		 b;
	size_t			 i;
	int			 f, n = 0, w;

	/* Every worker's relay counters, summed. */
	memset(&sum, 0, sizeof(sum));
	for (w = 0; w < dn->dn_workers; w++) {
		c = &dn->dn_counts_all[w];
		sum.dc_relay_requests += c->dc_relay_requests;
		sum.dc_relay_connections += c->dc_relay_connections;
		sum.dc_relay_errors += c->dc_relay_errors;
		sum.dc_relay_billing += c->dc_relay_billing;
	}
	buf_init(&b);
	buf_printf(&b, "{\"relay_requests\":%llu,\"relay_connections\":%llu,"
	    "\"relay_errors\":%llu,\"relay_billing_frames\":%llu,"
	    "\"token_refreshes\":%llu,"
	    "\"chain_calls\":%llu,\"auth_calls\":%llu,\"app_calls\":%llu,"
	    "\"gateways\":[",
	    (unsigned long long)sum.dc_relay_requests,
	    (unsigned long long)sum.dc_relay_connections,
	    (unsigned long long)sum.dc_relay_errors,
	    (unsigned long long)sum.dc_relay_billing,
	    (unsigned long long)dn->dn_token_refreshes,
	    (unsigned long long)dn->dn_chain_calls,
	    (unsigned long long)dn->dn_auth_calls,
	    (unsigned long long)dn->dn_app_calls);
	for (i = 0; i < dn->dn_ngateways; i++) {
		buf_printf(&b, "%s{\"index\":%zu,\"running\":%s,\"tee_id\":",
		    i > 0 ? "," : "", i,
		    devnet_gateway_running(dn->dn_gateways[i]) ?
		    "true" : "false");
		pyjson_write_string(&b, devnet_gateway_tee_id(
		    dn->dn_gateways[i]), strlen(devnet_gateway_tee_id(
		    dn->dn_gateways[i])), 0);
		buf_add_str(&b, "}");
	}
	buf_add_str(&b, "]");
	/* Only with --workers: what each worker served. */
	for (w = 0; dn->dn_workers > 1 && w < dn->dn_workers; w++) {
		c = &dn->dn_counts_all[w];
		buf_printf(&b, "%s{\"worker\":%d,\"pid\":%llu,"
		    "\"running\":%s,\"relay_requests\":%llu,"
		    "\"relay_connections\":%llu,\"relay_billing_frames\":%llu,"
		    "\"gateway_requests\":%llu}", w == 0 ? ",\"workers\":[" :
		    ",", w, (unsigned long long)c->dc_pid,
		    dn->dn_worker_pids[w] > 0 ? "true" : "false",
		    (unsigned long long)c->dc_relay_requests,
		    (unsigned long long)c->dc_relay_connections,
		    (unsigned long long)c->dc_relay_billing,
		    (unsigned long long)c->dc_gateway_requests);
		if (w + 1 == dn->dn_workers)
			buf_add_str(&b, "]");
	}
	buf_add_str(&b, ",\"faults\":{");
	for (f = 0; f < DEVNET_F__COUNT; f++) {
		if (!dn->dn_faults[f].on)
			continue;
		buf_printf(&b, "%s\"%s\":{\"gateway\":%d,\"value\":%lld}",
		    n++ > 0 ? "," : "", devnet_fault_name(f),
		    dn->dn_faults[f].gateway, dn->dn_faults[f].value);
	}
	buf_add_str(&b, "}}");
	devnet_reply_json(req, 200, (const char *)b.data);
	buf_clear(&b, 0);
}

static void
admin_request_cb(struct evhttp_request *req, void *arg)
{
	struct devnet	*dn = arg;
	struct buf	 b;
	const char	*path, *errstr, *p;
	char		 verb[16];
	int		 post, gw, off = 0;
	size_t		 i;
	static const char *verbs[] = { "stop", "start", "rotate" };

	path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	post = evhttp_request_get_command(req) == EVHTTP_REQ_POST;
	if (path == NULL) {
		admin_error(req, 404, "not found");
		return;
	}
	devnet_debug("admin: %s", path);
	/* Faults, gateways and keys are per process: worker 0's only. */
	if (post && dn->dn_workers > 1) {
		admin_error(req, 409, "not with --workers: faults, gateway "
		    "stops and key rotations would reach the first worker "
		    "only");
		return;
	}
	if (strcmp(path, "/fault") == 0 && post)
		admin_fault(dn, req);
	else if (strcmp(path, "/clear") == 0 && post) {
		devnet_fault_clear(dn);
		for (i = 0; i < dn->dn_ngateways; i++) {
			if (!devnet_gateway_running(dn->dn_gateways[i]) &&
			    devnet_gateway_start(dn->dn_gateways[i],
			    &errstr) == -1)
				devnet_warnx("gateway %zu: %s", i, errstr);
		}
		devnet_reply_json(req, 200, "{\"ok\":true}");
	} else if (strcmp(path, "/stats") == 0 && !post)
		admin_stats(dn, req);
	else if (strcmp(path, "/received") == 0 && !post)
		admin_received(dn, req);
	else if (strcmp(path, "/state") == 0 && !post) {
		buf_init(&b);
		devnet_state_json(dn, &b);
		devnet_reply_json(req, 200, (const char *)b.data);
		buf_clear(&b, 0);
	} else if (strncmp(path, "/gateway/", 9) == 0 && post &&
	    sscanf(path + 9, "%d/%15[a-z]%n", &gw, verb, &off) == 2 &&
	    path[9 + off] == '\0') {
		for (p = path + 9; *p >= '0' && *p <= '9'; p++)
			continue;
		for (i = 0; i < 3; i++) {
			if (strcmp(verb, verbs[i]) == 0)
				break;
		}
		if (i == 3 || gw < 0 || p == path + 9)
			admin_error(req, 404, "not found");
		else if (admin_gateway(dn, (enum admin_action)i, gw,
		    &errstr) == -1)
			admin_error(req, gw >= (int)dn->dn_ngateways ?
			    404 : 500, errstr);
		else
			devnet_reply_json(req, 200, "{\"ok\":true}");
	} else
		admin_error(req, 404, "not found");
}

int
devnet_admin_start(struct devnet *dn, int port, int *outport,
    const char **errstr)
{
	dn->dn_admin_http = devnet_listen(dn, port, outport, errstr);
	if (dn->dn_admin_http == NULL)
		return (-1);
	evhttp_set_gencb(dn->dn_admin_http, admin_request_cb, dn);
	return (0);
}
