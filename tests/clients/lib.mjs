// lib.mjs: shared helpers for the integration clients: an OpenAI client
// pointed at og-veil (OPENAI_BASE_URL, OPENAI_API_KEY from lib.sh), checks
// of the verification headers and block, and the devnet model's answer.
import OpenAI from 'openai';

export const client = new OpenAI({ maxRetries: 0, timeout: 120000 });
export const MODEL = process.env.VEIL_MODEL || 'gpt-4.1-mini';

export function fail(msg) {
	console.error('FAIL: ' + msg);
	process.exit(1);
}

export function check(cond, msg) {
	if (!cond)
		fail(msg);
}

export function eq(got, want, what) {
	const g = JSON.stringify(got), w = JSON.stringify(want);
	if (g !== w)
		fail(`${what}: got ${g}, expected ${w}`);
}

// The devnet model answers "Echo: " + the last user text.
export function echo(text) {
	return 'Echo: ' + (text === '' ? '(nothing)' : text);
}

// Python's json.dumps(v, sort_keys=True) for the flat objects we use.
export function pydumps(obj) {
	const esc = (s) => JSON.stringify(s).replace(/[\u007f-\uffff]/g,
	    (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
	return '{' + Object.keys(obj).sort().map((k) => esc(k) + ': ' +
	    esc(obj[k])).join(', ') + '}';
}

export function checkHeaders(response) {
	eq(response.headers.get('x-opengradient-verified'), 'true',
	    'X-OpenGradient-Verified');
	const id = response.headers.get('x-opengradient-tee-id');
	check(/^0x[0-9a-f]{64}$/.test(id || ''), 'X-OpenGradient-TEE-Id ' + id);
	return id;
}

export function checkProof(v, teeId) {
	check(v && typeof v === 'object', 'no opengradient_verification block');
	eq(v.verified, true, 'verified');
	eq(v.tee_id, teeId, 'tee_id in block');
	check(/^(0x)?[0-9a-f]{64}$/.test(v.request_hash), 'request_hash');
	check(/^(0x)?[0-9a-f]{64}$/.test(v.output_hash), 'output_hash');
	check(v.timestamp !== undefined && v.timestamp !== null, 'timestamp');
	check(typeof v.tee_host === 'string', 'tee_host');
}

// One non-stream request; returns the completion after checking the proof.
export async function chat(params) {
	const { data, response } = await client.chat.completions
	    .create({ model: MODEL, ...params }).withResponse();
	const id = checkHeaders(response);
	checkProof(data.opengradient_verification, id);
	return data;
}

// One stream; returns { text, chunks, toolCalls, final } after checks.
export async function chatStream(params) {
	const { data: stream, response } = await client.chat.completions
	    .create({ model: MODEL, stream: true, ...params }).withResponse();
	const teeId = checkHeaders(response);
	check((response.headers.get('content-type') || '')
	    .startsWith('text/event-stream'), 'content-type');
	const chunks = [];
	let text = '';
	const slots = [];
	for await (const c of stream) {
		chunks.push(c);
		eq(c.object, 'chat.completion.chunk', 'chunk object');
		check(/^chatcmpl-/.test(c.id), 'chunk id ' + c.id);
		eq(c.id, chunks[0].id, 'same id on every chunk');
		check(Number.isInteger(c.created), 'created');
		// PROTOCOL.md §10: only the last chunk, the one with the
		// verification block, keeps the enclave's proof fields.
		for (const k of Object.keys(c))
			check(!k.startsWith('tee_') || c.opengradient_verification,
			    'tee field in a chunk before the last: ' + k);
		const ch = c.choices && c.choices[0];
		if (!ch || !ch.delta)
			continue;
		if (typeof ch.delta.content === 'string')
			text += ch.delta.content;
		for (const t of ch.delta.tool_calls || []) {
			const s = slots[t.index] ||= { id: '', name: '', args: '' };
			if (t.id) s.id = t.id;
			if (t.function && t.function.name) s.name = t.function.name;
			if (t.function && t.function.arguments)
				s.args += t.function.arguments;
		}
	}
	check(chunks.length > 0, 'no chunks');
	const withProof = chunks.filter((c) => c.opengradient_verification);
	eq(withProof.length, 1, 'chunks with a verification block');
	checkProof(withProof[0].opengradient_verification, teeId);
	// The last chunk, or the one before the usage chunk.
	check(chunks.indexOf(withProof[0]) >= chunks.length - 2,
	    'the verification block is not on the last chunk');
	for (const k of ['tee_signature', 'tee_request_hash', 'tee_output_hash',
	    'tee_timestamp', 'tee_id'])
		check(k in withProof[0], 'last chunk keeps ' + k);
	const hex = (h) => String(h).replace(/^0x/i, '').toLowerCase();
	eq(hex(withProof[0].tee_output_hash),
	    hex(withProof[0].opengradient_verification.output_hash),
	    'tee_output_hash is the verified output hash');
	return { text, chunks, toolCalls: slots, final: withProof[0], teeId };
}

// A stream og-veil committed before verification (VEIL_COMMITTED=1, issue
// 11) has no X-OpenGradient-Verified header: its verdict is the proof in
// the last event.  The TEE id of the headers, or null when committed.
export const COMMITTED = process.env.VEIL_COMMITTED === '1';
export function streamHeaders(response) {
	if (!COMMITTED)
		return checkHeaders(response);
	eq(response.headers.get('x-opengradient-verified'), null,
	    'X-OpenGradient-Verified on a committed stream');
	return null;
}

// The proof block of a dialect's answer o and the enclave's proof fields
// kept beside it (teeId null: the block's own, a committed stream).
export function checkTee(o, teeId) {
	const v = o.opengradient_verification;
	checkProof(v, teeId !== null ? teeId : v && v.tee_id);
	for (const k of ['tee_signature', 'tee_request_hash',
	    'tee_output_hash', 'tee_timestamp', 'tee_id'])
		check(k in o, 'proof field ' + k);
}

// A request a fault makes og-veil refuse with status: send(prompt, isStream)
// starts it; a stream's events are read (text(ev): the content one
// carries).  It must throw, with no content delivered and no prompt in
// its message; checkError(e) checks the dialect's error.
export async function expectRefused(status, stream, send, text, checkError) {
	const prompt = 'secret words that must never leak';
	let content = '';
	try {
		const r = await send(prompt, stream === 'stream');
		if (stream === 'stream')
			for await (const ev of r)
				content += text(ev);
		fail(`succeeded (${JSON.stringify(content)}), ` +
		    `expected ${status}`);
	} catch (e) {
		check(content === '', 'content was delivered');
		eq(e.status, Number(status), 'status');
		checkError(e);
		check(!String(e.message).includes(prompt), 'prompt leaked');
		return e;
	}
}

// Run the mode named on the command line: node SCRIPT MODE [ARGS].
export async function runMode(modes) {
	const [mode, ...args] = process.argv.slice(2);
	if (!modes[mode])
		fail('unknown mode ' + mode);
	await modes[mode](...args);
	console.log('ok ' + mode);
}
