// firstbyte.mjs CLIENT EXPECT [TEXT]: one stream through og-veil with an
// HTTP client whose header and body timeouts are 3 s (undici's
// headersTimeout and bodyTimeout), while the devnet takes longer than that
// to finish the generation.  The clients keep their default retries, as
// agents do: a timeout would send the request again.
//   CLIENT  openai (the official package, Chat Completions), aisdk (the
//           `ai` package with @ai-sdk/openai-compatible), anthropic (the
//           official @anthropic-ai/sdk, /v1/messages, its stream helper),
//           responses (the openai package's Responses API)
//   EXPECT  ok: the verified answer, with its proof in the last chunk;
//           timeout: the client gives up on a timeout (og-veil held the
//           reply: --first-byte 0); error: the stream fails with an error
//           whose message has TEXT, and no content was delivered
// Prints "ok committed" when the reply had no X-OpenGradient-Verified
// header (the headers left before the verdict), "ok held" otherwise.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { Agent, fetch as undiciFetch } from 'undici';
import { streamText } from 'ai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';

const TIMEOUT_MS = Number(process.env.FIRSTBYTE_TIMEOUT_MS || 3000);
const MODEL = process.env.VEIL_MODEL || 'gpt-4.1-mini';
export const PROMPT = process.env.FIRSTBYTE_PROMPT ||
    'hold the line while the enclave signs, one two three four five six';

const [clientName, expect, text = ''] = process.argv.slice(2);
const agent = new Agent({ headersTimeout: TIMEOUT_MS,
    bodyTimeout: TIMEOUT_MS });
let lastHeaders = null;
let chunks = 0;
let seen = '';	// every content byte any client was given

function got(t) {
	seen += t;
	return t;
}

async function timedFetch(url, init) {
	const r = await undiciFetch(url, { ...init, dispatcher: agent });
	lastHeaders = r.headers;
	return r;
}

function fail(msg) {
	console.error('FAIL: ' + msg);
	process.exit(1);
}

function isTimeout(e) {
	for (let c = e; c; c = c.cause) {
		const s = `${c.name || ''} ${c.code || ''} ${c.message || ''}`;
		if (/timeout|timed out/i.test(s))
			return true;
	}
	return false;
}

function describe(e) {
	const parts = [];
	for (let c = e; c; c = c.cause)
		parts.push(`${c.name || 'Error'}(${c.code || ''}): ${c.message}`);
	return parts.join(' <- ');
}

function checkProof(v) {
	if (!v || typeof v !== 'object')
		fail('no opengradient_verification in the last chunk');
	if (v.verified !== true)
		fail('verified is ' + JSON.stringify(v.verified));
	if (!/^0x[0-9a-f]{64}$/.test(v.tee_id || ''))
		fail('tee_id ' + v.tee_id);
	if (!/^(0x)?[0-9a-f]{64}$/.test(v.output_hash || ''))
		fail('output_hash ' + v.output_hash);
}

async function viaOpenAI() {
	const client = new OpenAI({ fetch: timedFetch });
	const stream = await client.chat.completions.create({ model: MODEL,
	    stream: true, messages: [{ role: 'user', content: PROMPT }] });
	let out = '', proof = null;
	for await (const c of stream) {
		chunks++;
		const d = c.choices && c.choices[0] && c.choices[0].delta;
		if (d && typeof d.content === 'string')
			out += got(d.content);
		if (c.opengradient_verification)
			proof = c.opengradient_verification;
	}
	checkProof(proof);
	return out;
}

async function viaAISDK() {
	const provider = createOpenAICompatible({ name: 'og-veil',
	    baseURL: process.env.OPENAI_BASE_URL, apiKey: 'og-veil',
	    fetch: timedFetch });
	let err = null;
	const r = streamText({ model: provider(MODEL), prompt: PROMPT,
	    onError: ({ error }) => { err = error; } });
	let out = '';
	for await (const t of r.textStream) {
		chunks++;
		out += got(t);
	}
	if (err)
		throw err;
	await r.finishReason;
	return out;
}

// The stream helper accumulates the message: after a commit its content
// starts with the commit's empty text block, which adds nothing.
async function viaAnthropic() {
	const client = new Anthropic({ fetch: timedFetch,
	    baseURL: process.env.OPENAI_BASE_URL.replace(/\/v1$/, ''),
	    apiKey: 'og-veil' });
	const stream = client.messages.stream({ model: process.env
	    .VEIL_ANTHROPIC_MODEL || 'claude-sonnet-4-5', max_tokens: 1024,
	    messages: [{ role: 'user', content: PROMPT }] });
	let out = '', proof = null, stopped = 0;
	for await (const ev of stream) {
		chunks++;
		if (ev.type === 'content_block_delta' &&
		    ev.delta.type === 'text_delta')
			out += got(ev.delta.text);
		if (ev.type === 'content_block_stop')
			stopped++;
		if (ev.type === 'message_delta')
			proof = ev.opengradient_verification;
	}
	const msg = await stream.finalMessage();
	const text = msg.content.filter((b) => b.type === 'text')
	    .map((b) => b.text).join('');
	if (text !== out)
		fail(`finalMessage text ${JSON.stringify(text)} != deltas`);
	if (stopped !== msg.content.length)
		fail(`${stopped} content_block_stop for ${msg.content.length} ` +
		    'blocks');
	checkProof(proof);
	return out;
}

async function viaResponses() {
	const client = new OpenAI({ fetch: timedFetch });
	const stream = await client.responses.create({ model: MODEL,
	    stream: true, input: PROMPT });
	let out = '', done = null, seq = -1, failed = null;
	for await (const ev of stream) {
		chunks++;
		if (ev.sequence_number !== seq + 1)
			fail(`sequence_number ${ev.sequence_number} after ${seq}`);
		seq = ev.sequence_number;
		if (ev.type === 'response.output_text.delta')
			out += got(ev.delta);
		if (ev.type === 'response.completed')
			done = ev.response;
		if (ev.type === 'response.failed')
			failed = ev.response.error;
	}
	if (failed) {
		const e = new Error(`response.failed: ${failed.code}: ` +
		    failed.message);
		throw e;
	}
	if (!done)
		fail('no response.completed');
	if (done.output_text !== undefined && done.output_text !== out)
		fail('output_text differs from the deltas');
	checkProof(done.opengradient_verification);
	return out;
}

const run = { openai: viaOpenAI, aisdk: viaAISDK, anthropic: viaAnthropic,
    responses: viaResponses }[clientName];
if (!run)
	fail('unknown client ' + clientName);
let out = '';
try {
	out = await run();
} catch (e) {
	if (expect === 'timeout' && isTimeout(e)) {
		console.log('ok timeout: ' + describe(e));
		process.exit(0);
	}
	if (expect === 'error') {
		if (seen !== '')
			fail('content was delivered before the error: ' + seen);
		if (!describe(e).includes(text))
			fail(`error "${describe(e)}" lacks "${text}"`);
		if (describe(e).includes(PROMPT))
			fail('the prompt is in the error');
		console.log('ok error: ' + describe(e));
		process.exit(0);
	}
	fail(`${clientName}: ${describe(e)}`);
}
if (expect !== 'ok')
	fail(`succeeded with ${JSON.stringify(out)}, expected ${expect}`);
if (out !== 'Echo: ' + PROMPT)
	fail(`text ${JSON.stringify(out)}, expected the echo of the prompt`);
const verified = lastHeaders && lastHeaders.get('x-opengradient-verified');
console.log(verified === 'true' ? 'ok held' : verified === null ?
    'ok committed' : 'FAIL: X-OpenGradient-Verified ' + verified);
process.exit(verified === 'true' || verified === null ? 0 : 1);
