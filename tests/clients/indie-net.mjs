// indie-net.mjs: an independent implementation of the OpenGradient
// network's remote parties (PROTOCOL.md sections 1-9), for tests only,
// written from PROTOCOL.md and the vectors README: a chain JSON-RPC
// (getActiveTEEs), a relay, two TEE gateways (OHTTP/HPKE recipient,
// RSA-PSS signer), an auth server, and the login bundle.  Loopback only.
//
//   node indie-net.mjs --self-test VECTOR_DIR
//   node indie-net.mjs --state FILE --bundle FILE
//
// The gateways pick their answer's form from the request's model name:
// "indie-<tok>-<tok>…" (see VARIANTS below); the answer text is
// "indie: " + the last user text.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { keccak256 } from './indie/keccak.mjs';
import * as hpke from './indie/hpke.mjs';
import { parse, dumps, canonical, CanonError, PyNum } from './indie/pyjson.mjs';
import { encodeTees } from './indie/abi.mjs';
import { sign } from './indie/sign.mjs';
import { selfTest } from './indie/selftest.mjs';

const VARIANTS = `
  single-shot:  bare (no envelope; default {"status":200,"body":…}),
                noids (no id/object/created), err500 (status 500 envelope)
  proof fields: tsstr (timestamp as decimal string), 0x / upper (hash hex),
                teeidupper ("0x"+HEX), teeidbare (no 0x)
  stream:       fdone (signed frame + [DONE] in the final chunk), nodone
                (signed frame alone in the final chunk), emptyfinal (final
                chunk empty), default: [DONE] alone in the final chunk;
                multi (3 events a chunk), crlf, comments (": keep-alive"),
                split (events cut across chunks), wide (8-byte varints),
                trickle (body written in 7-byte pieces), compact (raw UTF-8
                JSON frames), lastdelta (the signed frame carries text),
                tool2 (two tool calls), billing (the gateway's plaintext
                billing frame before the final chunk, PROTOCOL.md 6; this
                relay forwards it, as a relay that fails to strip it would)
  limits:       the answer stops after max_tokens words (finish "length");
                a request over 512 KiB gets 413 (PROTOCOL.md 5)
  refusals:     status<NNN> (a plaintext non-2xx {"detail": ...} from the
                gateway, passed on by the relay, PROTOCOL.md 5)
  negative:     tamper (output changed after signing), wrongtee (the other
                gateway's tee_id), badsig, nofinal (no final chunk),
                errevent ({"error": …} mid-stream)`;

const TEE_TYPE = 1;
const REGISTRY = '0x' + crypto.randomBytes(20).toString('hex');
const ANON_KEY = 'indie-anon-' + crypto.randomBytes(8).toString('hex');

function arg(name) {
	const i = process.argv.indexOf(name);
	return i > 0 ? process.argv[i + 1] : undefined;
}

function b64u(s) {
	return Buffer.from(s).toString('base64url');
}

function newJwt() {
	return b64u('{"alg":"HS256","typ":"JWT"}') + '.' + b64u(JSON.stringify({
	    sub: 'indie-user', exp: Math.floor(Date.now() / 1000) + 3600,
	    n: crypto.randomBytes(6).toString('hex') })) + '.' +
	    crypto.randomBytes(32).toString('base64url');
}

function readBody(req) {
	return new Promise((resolve, reject) => {
		const parts = [];
		req.on('data', (d) => parts.push(d));
		req.on('end', () => resolve(Buffer.concat(parts)));
		req.on('error', reject);
	});
}

function listen(handler) {
	return new Promise((resolve) => {
		const srv = http.createServer((req, res) => {
			handler(req, res).catch((e) => {
				console.error('indie-net: ' + e.stack);
				if (!res.headersSent)
					res.writeHead(500);
				res.end();
			});
		});
		srv.listen(0, '127.0.0.1', () =>
		    resolve('http://127.0.0.1:' + srv.address().port));
	});
}

function sendJson(res, status, obj) {
	const b = Buffer.from(JSON.stringify(obj));
	res.writeHead(status, { 'Content-Type': 'application/json',
	    'Content-Length': b.length });
	res.end(b);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- gateways ----

function makeGateway(name, keyId, bits) {
	const kp = hpke.generateKeyPair();
	const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa',
	    { modulusLength: bits });
	const spki = publicKey.export({ format: 'der', type: 'spki' });
	return {
		name, keyId, aeadId: 3, sk: kp.sk, pk: kp.pk, privateKey, spki,
		teeId: '0x' + keccak256(spki).toString('hex'),
		pcr: crypto.randomBytes(32),
		tls: crypto.randomBytes(200 + keyId),
	};
}

function lastUserText(wire) {
	const msgs = wire.get('messages');
	for (let i = msgs.length - 1; i >= 0; i--) {
		const m = msgs[i];
		if (m.get('role') !== 'user')
			continue;
		const c = m.get('content');
		if (typeof c === 'string')
			return c;
		if (Array.isArray(c))
			return c.filter((p) => p.get('type') === 'text')
			    .map((p) => p.get('text') || '').join('');
		return '';
	}
	return '';
}

function fmtHash(h, v) {
	let s = h.toString('hex');
	if (v.has('upper'))
		s = s.toUpperCase();
	return (v.has('0x') ? '0x' : '') + s;
}

function fmtTeeId(id, v) {
	if (v.has('teeidupper'))
		return '0x' + id.slice(2).toUpperCase();
	if (v.has('teeidbare'))
		return id.slice(2);
	return id;
}

// Split s into n roughly equal pieces on code point boundaries.
function pieces(s, n) {
	const cps = [...s];
	const out = [];
	const step = Math.max(1, Math.ceil(cps.length / n));
	for (let i = 0; i < cps.length; i += step)
		out.push(cps.slice(i, i + step).join(''));
	return out.length ? out : [''];
}

async function handleGateway(net, gw, req, res) {
	const body = await readBody(req);
	// PROTOCOL.md 5: the gateway refuses hdr || enc || ct over 512 KiB.
	if (body.length > 512 * 1024) {
		sendJson(res, 413, { detail: 'encapsulated request too large' });
		return;
	}
	let d;
	try {
		d = hpke.ohttpDecapsulate(body, gw.keyId, gw.sk, gw.aeadId);
	} catch (e) {
		res.writeHead(400, { 'Content-Type': 'text/plain' });
		res.end('indie gateway: cannot decapsulate: ' + e.message);
		return;
	}
	const stream = req.headers['x-ohttp-stream'] === 'true';
	const single = (obj, status = 200) => {
		const pt = Buffer.from(JSON.stringify(obj), 'utf8');
		const out = hpke.sealSingle(d.ctx, d.enc, pt);
		res.writeHead(status, { 'Content-Type': 'message/ohttp-res',
		    'Content-Length': out.length });
		res.end(out);
	};
	let wire, canon;
	try {
		wire = parse(d.plaintext.toString('utf8'));
		canon = canonical(wire);
	} catch (e) {
		const msg = e instanceof CanonError ? e.message : 'bad JSON';
		single({ status: 400, body: { error: 'indie: ' + msg } });
		return;
	}
	// What came on the wire, for the tests (PROTOCOL.md 7): its keys and
	// the tool_choice passed through (null would be a defect).
	net.log.push({ gateway: gw.name, stream,
	    wire_stream: wire.get('stream') === true,
	    wire_keys: [...wire.keys()].sort(),
	    tool_choice: wire.has('tool_choice') ?
	    dumps(wire.get('tool_choice')) : undefined });
	const reqHash = keccak256(dumps(canon));
	const model = canon.get('model');
	const v = new Set(model.split('-').slice(1));
	const refusal = [...v].find((t) => /^status[0-9]{3}$/.test(t));
	if (refusal) {
		// A plaintext refusal, never sealed (PROTOCOL.md 5).
		sendJson(res, Number(refusal.slice(6)), { detail:
		    'indie gateway refuses: status ' + refusal.slice(6) });
		return;
	}
	let text = 'indie: ' + lastUserText(wire);
	// The gateway reads max_tokens only (PROTOCOL.md 7): n words here.
	const maxTok = canon.get('max_tokens');
	let capped = false;
	if (maxTok instanceof PyNum && !maxTok.isFloat && maxTok.value > 0) {
		const words = text.split(' ');
		if (words.length > maxTok.value) {
			text = words.slice(0, maxTok.value).join(' ');
			capped = true;
		}
	}
	let toolCalls = null;
	if (canon.has('tools')) {
		const fn = canon.get('tools')[0].get('function');
		const tname = fn instanceof Map ? fn.get('name') : 'tool';
		toolCalls = [{ id: 'call_indie_0', type: 'function', function:
		    { name: tname, arguments: dumps({ q: lastUserText(wire) }) } }];
		if (v.has('tool2'))
			toolCalls.push({ id: 'call_indie_1', type: 'function',
			    function: { name: tname, arguments: '{"n": 2}' } });
	}
	const output = toolCalls ? dumps(toolCalls) : text;
	const outHash = keccak256(output);
	const ts = Math.floor(Date.now() / 1000);
	let sig = sign(gw.privateKey, reqHash, outHash, ts);
	if (v.has('badsig')) {
		sig = Buffer.from(sig);
		sig[5] ^= 0x10;
	}
	let teeId = gw.teeId;
	if (v.has('wrongtee'))
		teeId = net.gateways.find((g) => g !== gw)?.teeId ||
		    '0x' + crypto.randomBytes(32).toString('hex');
	const proof = {
		tee_signature: sig.toString('base64'),
		tee_timestamp: v.has('tsstr') ? String(ts) : ts,
		tee_request_hash: fmtHash(reqHash, v),
		tee_output_hash: fmtHash(outHash, v),
		tee_id: fmtTeeId(teeId, v),
	};
	const usage = { prompt_tokens: 7, completion_tokens: output.length,
	    total_tokens: 7 + output.length };
	const finish = toolCalls ? 'tool_calls' : capped ? 'length' : 'stop';

	if (!stream) {
		if (v.has('err500')) {
			single({ status: 500, body: { error: 'indie: upstream fell over' } });
			return;
		}
		const message = { role: 'assistant',
		    content: toolCalls ? null : text };
		if (toolCalls)
			message.tool_calls = JSON.parse(JSON.stringify(toolCalls));
		if (v.has('tamper')) {
			if (toolCalls)
				message.tool_calls[0].function.arguments += ' ';
			else
				message.content += '!';
		}
		const r = { model, choices: [{ index: 0, message,
		    finish_reason: finish }], usage, ...proof };
		if (!v.has('noids'))
			Object.assign(r, { id: 'chatcmpl-indie' +
			    crypto.randomBytes(6).toString('hex'),
			    object: 'chat.completion', created: ts });
		single(v.has('bare') ? r : { status: 200, body: r });
		return;
	}

	// Streaming: frames, then SSE events, then OHTTP chunks.
	const frames = [];
	const frame = (delta, fr = null) => ({ choices: [{ delta, index: 0,
	    finish_reason: fr }], model });
	let lastPiece = '';
	if (toolCalls) {
		frames.push(frame({ role: 'assistant', content: null }));
		toolCalls.forEach((tc, i) => frames.push(frame({ tool_calls: [{
		    index: i, id: tc.id, type: 'function', function: {
		    name: tc.function.name, arguments: '' } }] })));
		const frags = toolCalls.map((tc) => pieces(tc.function.arguments, 4));
		for (let k = 0; k < 4; k++)
			frags.forEach((f, i) => {
				if (k < f.length)
					frames.push(frame({ tool_calls: [{ index: i,
					    function: { arguments: f[k] } }] }));
			});
	} else {
		const ps = pieces(text, 5);
		if (v.has('lastdelta'))
			lastPiece = ps.pop();
		ps.forEach((p, i) => frames.push(frame(i === 0 ?
		    { role: 'assistant', content: p } : { content: p })));
	}
	if (v.has('tamper')) {
		const f = frames[frames.length - 1].choices[0].delta;
		if (f.tool_calls)
			f.tool_calls[0].function.arguments += 'X';
		else
			f.content += 'X';
	}
	const fin = frame(lastPiece ? { content: lastPiece } : {}, finish);
	Object.assign(fin, { usage }, proof);
	const eol = v.has('crlf') ? '\r\n' : '\n';
	const ser = (o) => (v.has('compact') ? JSON.stringify(o) : dumps(o, false));
	const ev = (s) => 'data: ' + s + eol + eol;
	const events = frames.map((f) => ev(ser(f)));
	if (v.has('errevent'))
		events.splice(1, 0, ev(ser({ error: 'indie: stream broke',
		    exception_type: 'APIError' })));
	if (v.has('comments'))
		for (let i = events.length; i > 0; i--)
			events.splice(i, 0, ': keep-alive' + eol + eol);
	const signedEv = ev(ser(fin)), doneEv = ev('[DONE]');
	let body2, finalPt;
	if (v.has('fdone')) {
		body2 = events;
		finalPt = signedEv + doneEv;
	} else if (v.has('nodone')) {
		body2 = events;
		finalPt = signedEv;
	} else if (v.has('emptyfinal')) {
		body2 = [...events, signedEv, doneEv];
		finalPt = '';
	} else {
		body2 = [...events, signedEv];
		finalPt = doneEv;
	}
	let chunks;
	if (v.has('split')) {
		const all = [...body2.join('')];
		chunks = [];
		for (let i = 0; i < all.length; i += 37)
			chunks.push(all.slice(i, i + 37).join(''));
	} else if (v.has('multi')) {
		chunks = [];
		for (let i = 0; i < body2.length; i += 3)
			chunks.push(body2.slice(i, i + 3).join(''));
	} else {
		chunks = body2;
	}
	if (v.has('comments') && !v.has('split'))
		chunks.splice(1, 0, ': ping' + eol + eol);
	const sealer = new hpke.ChunkSealer(d.ctx, d.enc, null, v.has('wide'));
	const wireParts = [sealer.head(), ...chunks.map((c) =>
	    sealer.chunk(Buffer.from(c, 'utf8')))];
	if (v.has('billing')) {
		// PROTOCOL.md 6: magic, u32 BE length, cost JSON; not a chunk.
		const cost = Buffer.from(JSON.stringify({ model,
		    usage, cost: '0.0000042' }), 'utf8');
		const len = Buffer.alloc(4);
		len.writeUInt32BE(cost.length);
		wireParts.push(Buffer.concat([Buffer.from(
		    '\n--opengradient-ohttp-billing-v1--\n', 'latin1'), len, cost]));
	}
	if (!v.has('nofinal'))
		wireParts.push(sealer.final(Buffer.from(finalPt, 'utf8')));
	res.writeHead(200, { 'Content-Type': 'message/ohttp-chunked-res' });
	for (const p of wireParts) {
		if (v.has('trickle')) {
			for (let i = 0; i < p.length; i += 7) {
				res.write(p.subarray(i, i + 7));
				await sleep(1);
			}
		} else {
			res.write(p);
			await sleep(2);
		}
	}
	res.end();
}

// ---- relay, chain, auth ----

async function handleRelay(net, req, res) {
	const u = new URL(req.url, 'http://x');
	if (req.method === 'GET' && u.pathname === '/indie/stats') {
		sendJson(res, 200, { requests: net.requests, refreshes: net.refreshes,
		    rejected: net.rejected, log: net.log });
		return;
	}
	if (req.method !== 'POST' || u.pathname !== '/api/v1/chat/ohttp') {
		sendJson(res, 404, { detail: 'Not Found' });
		return;
	}
	const body = await readBody(req);
	const auth = req.headers.authorization || '';
	const m = /^Bearer (.+)$/.exec(auth);
	if (!m || !net.tokens.has(m[1])) {
		net.rejected++;
		sendJson(res, 401, { detail: 'indie relay: invalid or expired token' });
		return;
	}
	if (req.headers['content-type'] !== 'message/ohttp-req') {
		sendJson(res, 415, { detail: 'indie relay: want message/ohttp-req' });
		return;
	}
	const id = String(req.headers['x-tee-id'] || '').toLowerCase();
	const gw = net.gateways.find((g) => g.teeId === id);
	if (!gw) {
		sendJson(res, 404, { detail: 'indie relay: unknown TEE ' + id });
		return;
	}
	net.requests++;
	const up = http.request(gw.url + '/v1/ohttp', { method: 'POST',
	    headers: { 'Content-Type': 'message/ohttp-req',
	    Accept: req.headers.accept || '', 'Content-Length': body.length,
	    'X-OHTTP-Stream': req.headers['x-ohttp-stream'] || 'false' } },
	    (ur) => {
		res.writeHead(ur.statusCode, { 'Content-Type':
		    ur.headers['content-type'] || 'application/octet-stream' });
		ur.pipe(res);
	});
	up.on('error', () => sendJson(res, 502, { error: 'indie relay: TEE unreachable' }));
	up.end(body);
}

async function handleChain(net, req, res) {
	const body = await readBody(req);
	let r;
	try {
		r = JSON.parse(body.toString('utf8'));
	} catch {
		sendJson(res, 200, { jsonrpc: '2.0', id: null, error: { code: -32700,
		    message: 'parse error' } });
		return;
	}
	const reply = (o) => sendJson(res, 200, { jsonrpc: '2.0', id: r.id, ...o });
	if (r.method !== 'eth_call') {
		reply({ error: { code: -32601, message: 'method not found' } });
		return;
	}
	const call = (r.params || [])[0] || {};
	const data = String(call.data || call.input || '').toLowerCase();
	if (String(call.to || '').toLowerCase() !== REGISTRY ||
	    !data.startsWith('0x4b6014da') || data.length !== 10 + 64) {
		reply({ error: { code: 3, message: 'execution reverted' } });
		return;
	}
	net.chainCalls++;
	const type = parseInt(data.slice(10), 16);
	reply({ result: '0x' + encodeTees(type === TEE_TYPE ? net.registry : [])
	    .toString('hex') });
}

async function handleAuth(net, req, res) {
	const u = new URL(req.url, 'http://x');
	const body = await readBody(req);
	if (req.method !== 'POST' || u.pathname !== '/auth/v1/token' ||
	    u.searchParams.get('grant_type') !== 'refresh_token') {
		sendJson(res, 404, { error: 'not found' });
		return;
	}
	let rt;
	try {
		rt = JSON.parse(body.toString('utf8')).refresh_token;
	} catch {
		rt = null;
	}
	if (req.headers.apikey !== ANON_KEY || rt !== net.refreshToken) {
		sendJson(res, 400, { error: 'invalid_grant',
		    error_description: 'Invalid Refresh Token' });
		return;
	}
	net.refreshes++;
	const at = newJwt();
	net.tokens.add(at);
	net.refreshToken = 'indie-rt-' + crypto.randomBytes(12).toString('hex');
	sendJson(res, 200, { access_token: at, token_type: 'bearer',
	    expires_in: 3600, refresh_token: net.refreshToken,
	    user: { id: 'indie-user', email: 'ada@example.com' } });
}

function teeEntry(gw, endpoint, ohttpPk, spki) {
	const h = (b) => '0x' + b.toString('hex');
	const now = Math.floor(Date.now() / 1000);
	return {
		owner: h(crypto.randomBytes(20)),
		paymentAddress: h(crypto.randomBytes(20)),
		endpoint, publicKey: h(spki), tlsCertificate: h(gw.tls),
		pcrHash: h(gw.pcr), teeType: TEE_TYPE, enabled: true,
		registeredAt: String(now - 86400), lastHeartbeatAt: String(now),
		ohttpConfig: { keyId: gw.keyId, kemId: 0x20, kdfId: 1,
		    aeadId: gw.aeadId, publicKey: h(ohttpPk),
		    keyConfig: h(hpke.ohttpKeyConfig(gw.keyId, ohttpPk, gw.aeadId)),
		    registeredAt: String(now - 3600) },
	};
}

async function serve() {
	const statePath = arg('--state'), bundlePath = arg('--bundle');
	if (!statePath || !bundlePath) {
		console.error('usage: indie-net.mjs --state FILE --bundle FILE\n' +
		    '       indie-net.mjs --self-test VECTOR_DIR\nvariants:' + VARIANTS);
		process.exit(2);
	}
	const net = { tokens: new Set(), requests: 0, refreshes: 0, rejected: 0,
	    chainCalls: 0, log: [], refreshToken: 'indie-rt-' +
	    crypto.randomBytes(12).toString('hex') };
	net.gateways = [makeGateway('a', 0x2a, 2048),
	    makeGateway('b', 0x07, 3072)];
	for (const gw of net.gateways)
		gw.url = await listen((q, s) => handleGateway(net, gw, q, s));
	// A skipped entry (no endpoint), an unusable one (16-byte OHTTP key),
	// then the two real gateways.
	const junk = makeGateway('junk', 1, 1024);
	net.registry = [
		teeEntry(junk, '', junk.pk, junk.spki),
		teeEntry(junk, 'https://junk.indie.invalid', junk.pk.subarray(0, 16),
		    junk.spki),
		...net.gateways.map((g) => teeEntry(g,
		    `https://tee-${g.name}.indie.invalid:8443`, g.pk, g.spki)),
	];
	const relay = await listen((q, s) => handleRelay(net, q, s));
	const chain = await listen((q, s) => handleChain(net, q, s));
	const auth = await listen((q, s) => handleAuth(net, q, s));
	// The bundle's token is within og-veil's 60 s margin: it must refresh
	// before its first relay call, and the relay only takes fresh tokens.
	const bundle = {
		type: 'opengradient-cli-auth', access_token: newJwt(),
		refresh_token: net.refreshToken, token_type: 'bearer',
		expires_at: Math.floor(Date.now() / 1000) + 30, expires_in: 30,
		user: { id: 'indie-user', email: 'ada@example.com',
		    is_anonymous: false },
		config: { app_env: 'indie', supabase_url: auth,
		    supabase_anon_key: ANON_KEY, chat_api_base_url: relay,
		    tee_registry_rpc_url: chain, tee_registry_address: REGISTRY,
		    tee_registry_tee_type: TEE_TYPE },
	};
	fs.writeFileSync(bundlePath, JSON.stringify(bundle, null, 2), { mode: 0o600 });
	const state = { relay_url: relay, chain_rpc_url: chain, auth_url: auth,
	    registry_address: REGISTRY, tee_type: TEE_TYPE,
	    gateways: net.gateways.map((g) => ({ name: g.name, url: g.url,
	    tee_id: g.teeId, pcr_hash: '0x' + g.pcr.toString('hex') })) };
	fs.writeFileSync(statePath + '.tmp', JSON.stringify(state, null, 2));
	fs.renameSync(statePath + '.tmp', statePath);
	console.log('indie-net: serving; relay ' + relay);
}

if (process.argv.includes('--self-test')) {
	process.exit(selfTest(arg('--self-test')) ? 1 : 0);
} else {
	await serve();
}
