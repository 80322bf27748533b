// anthropic.mjs MODE [ARGS]: the official @anthropic-ai/sdk against
// og-veil's /v1/messages (ANTHROPIC_BASE_URL, ANTHROPIC_API_KEY from
// lib.sh), checking the verified answer, the proof headers and block, and
// the official event sequence.  Modes: create, stream, helper, tools,
// tools-stream, count, fault STATUS [stream].
import Anthropic from '@anthropic-ai/sdk';
import { check, eq, fail, echo, checkHeaders, streamHeaders, checkTee,
    expectRefused, runMode, COMMITTED } from './lib.mjs';

const client = new Anthropic({ maxRetries: 0, timeout: 120000 });
const MODEL = process.env.VEIL_ANTHROPIC_MODEL || 'claude-sonnet-4-5';
const BASH = { name: 'Bash', description: 'Run a shell command',
    input_schema: { type: 'object', properties: {
    command: { type: 'string' }, timeout: { type: 'number' } },
    required: ['command'] } };
// What Claude Code sends beside the messages: none of it may be a 400.
const EXTRA = { metadata: { user_id: JSON.stringify({ device: 'x' }) },
    thinking: { type: 'enabled', budget_tokens: 1024 }, top_k: 5,
    system: [{ type: 'text', text: 'You are Claude Code.' },
    { type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }],
};

// The proof fields of the enclave, kept beside the verification block.

// The raw events of a stream, their order checked; returns the message
// rebuilt from them.
async function events(params) {
	const { data: stream, response } = await client.messages
	    .create({ model: MODEL, stream: true, ...params }).withResponse();
	const teeId = streamHeaders(response);
	check((response.headers.get('content-type') || '')
	    .startsWith('text/event-stream'), 'content-type');
	const seq = [], blocks = [];
	let msg = null, open = -1, delta = null;
	for await (const ev of stream) {
		seq.push(ev.type);
		switch (ev.type) {
		case 'message_start':
			eq(seq.length, 1, 'message_start first');
			msg = ev.message;
			check(/^msg_/.test(msg.id), 'message id ' + msg.id);
			eq(msg.content, [], 'message_start content');
			break;
		case 'content_block_start':
			eq(open, -1, 'a block opened inside another');
			eq(ev.index, blocks.length, 'block index');
			open = ev.index;
			blocks.push({ ...ev.content_block, json: '' });
			break;
		case 'content_block_delta':
			eq(ev.index, open, 'delta index');
			if (ev.delta.type === 'text_delta')
				blocks[open].text += ev.delta.text;
			else if (ev.delta.type === 'input_json_delta')
				blocks[open].json += ev.delta.partial_json;
			else
				fail('delta type ' + ev.delta.type);
			break;
		case 'content_block_stop':
			eq(ev.index, open, 'stop index');
			open = -1;
			break;
		case 'message_delta':
			eq(open, -1, 'message_delta with a block open');
			delta = ev;
			checkTee(ev, teeId);
			break;
		case 'message_stop':
			break;
		case 'ping':
			break;
		default:
			fail('event ' + ev.type);
		}
	}
	eq(seq[seq.length - 1], 'message_stop', 'message_stop last');
	check(delta !== null, 'no message_delta');
	check(blocks.length > 0, 'no content block');
	for (const b of blocks)
		if (b.type === 'tool_use')
			b.input = JSON.parse(b.json || '{}');
	// A commit opens an empty text block first (issue 11): it carries
	// nothing, the verified blocks follow it.
	if (COMMITTED && blocks.length > 1 && blocks[0].type === 'text' &&
	    blocks[0].text === '')
		blocks.shift();
	return { msg, blocks, delta, teeId };
}

async function create(params) {
	const { data, response } = await client.messages
	    .create({ model: MODEL, ...params }).withResponse();
	checkTee(data, checkHeaders(response));
	eq(data.type, 'message', 'type');
	eq(data.role, 'assistant', 'role');
	check(/^msg_/.test(data.id), 'id ' + data.id);
	check(Number.isInteger(data.usage.input_tokens), 'input_tokens');
	check(Number.isInteger(data.usage.output_tokens), 'output_tokens');
	return data;
}

const modes = {
	async create() {
		const p = 'hello from the anthropic sdk';
		const m = await create({ max_tokens: 32000, ...EXTRA,
		    messages: [{ role: 'user', content: [{ type: 'text',
		    text: p, cache_control: { type: 'ephemeral' } }] }] });
		eq(m.content, [{ type: 'text', text: echo(p) }], 'content');
		eq(m.stop_reason, 'end_turn', 'stop_reason');
	},
	async stream() {
		const p = 'a streamed answer in several words to split';
		const s = await events({ max_tokens: 64000, ...EXTRA,
		    messages: [{ role: 'user', content: p }] });
		eq(s.blocks.length, 1, 'blocks');
		eq(s.blocks[0].type, 'text', 'block type');
		eq(s.blocks[0].text, echo(p), 'streamed text');
		eq(s.delta.delta.stop_reason, 'end_turn', 'stop_reason');
		check(s.delta.usage.output_tokens > 1, 'output_tokens');
	},
	async helper() {
		// The SDK's own accumulator (what agents use).
		const p = 'the message stream helper';
		const st = client.messages.stream({ model: MODEL,
		    max_tokens: 100, messages: [{ role: 'user', content: p }] });
		const m = await st.finalMessage();
		eq(m.content.map((b) => b.text).join(''), echo(p), 'final text');
		eq(m.stop_reason, 'end_turn', 'stop_reason');
	},
	async tools() {
		const ask = { role: 'user', content: 'please\nrun: ls -l /tmp' };
		const m = await create({ max_tokens: 1000, tools: [BASH],
		    ...EXTRA, messages: [ask] });
		eq(m.stop_reason, 'tool_use', 'stop_reason');
		eq(m.content.length, 1, 'blocks');
		const tu = m.content[0];
		eq(tu.type, 'tool_use', 'block type');
		eq(tu.name, 'Bash', 'tool name');
		eq(tu.input, { command: 'ls -l /tmp' }, 'tool input');
		// The result goes back as a tool_result block of a user turn.
		const r = await create({ max_tokens: 1000, tools: [BASH],
		    messages: [ask, { role: 'assistant', content: m.content },
		    { role: 'user', content: [{ type: 'tool_result',
		    tool_use_id: tu.id, content: 'total 0', is_error: false }] }]
		});
		eq(r.content, [{ type: 'text',
		    text: 'Tool result received: total 0' }], 'answer to result');
		eq(r.stop_reason, 'end_turn', 'stop_reason after result');
	},
	async 'tools-stream'() {
		const ask = { role: 'user', content: 'run: echo hi' };
		const s = await events({ max_tokens: 1000, tools: [BASH],
		    messages: [ask] });
		eq(s.blocks.length, 1, 'blocks');
		eq(s.blocks[0].type, 'tool_use', 'block type');
		eq(s.blocks[0].input, { command: 'echo hi' }, 'streamed input');
		eq(s.delta.delta.stop_reason, 'tool_use', 'stop_reason');
		const { json, ...block } = s.blocks[0];
		void json;
		const r = await events({ max_tokens: 1000, tools: [BASH],
		    messages: [ask, { role: 'assistant', content: [block] },
		    { role: 'user', content: [{ type: 'tool_result',
		    tool_use_id: block.id, content: [{ type: 'text',
		    text: 'hi' }] }] }] });
		eq(r.blocks[0].text, 'Tool result received: hi', 'answer');
	},
	async count() {
		const small = await client.messages.countTokens({ model: MODEL,
		    messages: [{ role: 'user', content: 'hi' }] });
		check(Number.isInteger(small.input_tokens) &&
		    small.input_tokens > 0, 'input_tokens ' + small.input_tokens);
		const text = 'word '.repeat(3000);
		const big = await client.messages.countTokens({ model: MODEL,
		    system: 'sys', tools: [BASH],
		    messages: [{ role: 'user', content: text }] });
		// Conservative: at least one token per 4 bytes of the prompt.
		check(big.input_tokens >= text.length / 4,
		    'estimate too low: ' + big.input_tokens);
		check(big.input_tokens > small.input_tokens, 'not monotonic');
	},
	async fault(status, stream) {
		const e = await expectRefused(status, stream,
		    (prompt, s) => client.messages.create({ model: MODEL,
		    max_tokens: 100, stream: s,
		    messages: [{ role: 'user', content: prompt }] }),
		    (ev) => ev.type === 'content_block_delta' ?
		    ev.delta.text || '' : '', (err) => {
			check(err instanceof Anthropic.APIError, 'not an APIError');
			eq(err.error && err.error.type, 'error', 'envelope type');
			eq(err.error.error.type, { 503: 'overloaded_error',
			    504: 'timeout_error' }[status] || 'api_error',
			    'error type');
		});
		console.log(`ok ${status}: ${e.error.error.message}`);
	},
};

await runMode(modes);
