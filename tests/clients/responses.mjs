// responses.mjs MODE [ARGS]: the official openai package's Responses API
// against og-veil's /v1/responses, checking the verified answer, the
// proof headers and block, and the official event sequence with
// sequence_number.  Modes: create, stream, helper, tools, tools-stream,
// custom, fault STATUS [stream].
import { client, check, eq, echo, checkHeaders, streamHeaders, checkTee,
    expectRefused, runMode } from './lib.mjs';
import OpenAI from 'openai';

const MODEL = process.env.VEIL_MODEL || 'gpt-5';
const EXEC = { type: 'function', name: 'exec_command',
    description: 'Runs a command', strict: false, parameters: {
    type: 'object', properties: { cmd: { type: 'string' },
    workdir: { type: 'string' } }, required: ['cmd'] } };
// What Codex sends beside the input: none of it may be a 400.
const EXTRA = { store: false, include: ['reasoning.encrypted_content'],
    prompt_cache_key: 'k', parallel_tool_calls: false,
    reasoning: { effort: 'medium', summary: 'auto' }, tool_choice: 'auto',
    client_metadata: { originator: 'codex_exec' },
    instructions: 'You are Codex.' };


async function create(params) {
	const { data, response } = await client.responses
	    .create({ model: MODEL, ...params }).withResponse();
	checkTee(data, checkHeaders(response));
	eq(data.object, 'response', 'object');
	eq(data.status, 'completed', 'status');
	check(/^resp_/.test(data.id), 'id ' + data.id);
	check(Number.isInteger(data.usage.total_tokens), 'usage');
	return data;
}

// The raw events, their order and sequence numbers checked; returns the
// output items of response.output_item.done and the completed response.
async function events(params) {
	const { data: stream, response } = await client.responses
	    .create({ model: MODEL, stream: true, ...params }).withResponse();
	const teeId = streamHeaders(response);
	const seq = [], done = [];
	let text = '', args = '', completed = null, n = 0;
	for await (const ev of stream) {
		eq(ev.sequence_number, n++, 'sequence_number');
		seq.push(ev.type);
		switch (ev.type) {
		case 'response.output_text.delta':
			text += ev.delta;
			break;
		case 'response.function_call_arguments.delta':
		case 'response.custom_tool_call_input.delta':
			args += ev.delta;
			break;
		case 'response.output_item.done':
			eq(ev.output_index, done.length, 'output_index');
			done.push(ev.item);
			break;
		case 'response.completed':
			completed = ev.response;
			break;
		}
	}
	eq(seq.slice(0, 2), ['response.created', 'response.in_progress'],
	    'opening events');
	eq(seq[seq.length - 1], 'response.completed', 'completed last');
	check(completed !== null, 'no response.completed');
	checkTee(completed, teeId);
	eq(completed.status, 'completed', 'status');
	eq(completed.output, done, 'completed output = the items done');
	return { seq, done, text, args, completed };
}

const modes = {
	async create() {
		const p = 'hello from the responses api';
		const r = await create({ input: p, ...EXTRA });
		eq(r.output_text, echo(p), 'output_text');
		eq(r.output.length, 1, 'items');
		eq(r.output[0].type, 'message', 'item type');
		// items in, with a developer system prompt
		const q = 'second turn';
		const r2 = await create({ input: [
		    { type: 'message', role: 'developer', content: [
		    { type: 'input_text', text: 'sys' }] },
		    { role: 'user', content: 'first' },
		    { type: 'message', role: 'assistant', content: [
		    { type: 'output_text', text: 'Echo: first' }] },
		    { type: 'reasoning', summary: [], encrypted_content: 'x' },
		    { type: 'message', role: 'user', content: [
		    { type: 'input_text', text: q }] }] });
		eq(r2.output_text, echo(q), 'output_text of items');
	},
	async stream() {
		const p = 'a streamed response in several words to split';
		const s = await events({ input: [{ type: 'message',
		    role: 'user', content: [{ type: 'input_text', text: p }] }],
		    ...EXTRA });
		eq(s.text, echo(p), 'deltas');
		eq(s.done.length, 1, 'items');
		eq(s.done[0].content[0].text, echo(p), 'item text');
		for (const t of ['response.output_item.added',
		    'response.content_part.added', 'response.output_text.done',
		    'response.content_part.done', 'response.output_item.done'])
			check(s.seq.includes(t), 'no ' + t);
	},
	async helper() {
		const p = 'the responses stream helper';
		const st = client.responses.stream({ model: MODEL, input: p });
		const r = await st.finalResponse();
		// (this SDK's helper leaves output_text unset: read the items)
		eq(r.output.filter((i) => i.type === 'message')
		    .flatMap((i) => i.content).map((c) => c.text).join(''),
		    echo(p), 'final text');
		eq(r.status, 'completed', 'final status');
	},
	async tools() {
		const ask = { role: 'user', content: 'run: ls -la' };
		const r = await create({ input: [ask], tools: [EXEC,
		    { type: 'web_search' }], ...EXTRA });
		eq(r.output.length, 1, 'items');
		const fc = r.output[0];
		eq(fc.type, 'function_call', 'item type');
		eq(fc.name, 'exec_command', 'name');
		eq(JSON.parse(fc.arguments), { cmd: 'ls -la' }, 'arguments');
		// Codex sends the call back, then its output.
		const r2 = await create({ tools: [EXEC], ...EXTRA, input: [ask,
		    { type: 'function_call', call_id: fc.call_id,
		    name: fc.name, arguments: fc.arguments },
		    { type: 'function_call_output', call_id: fc.call_id,
		    output: 'a b c' }] });
		eq(r2.output_text, 'Tool result received: a b c', 'answer');
	},
	async 'tools-stream'() {
		const ask = { type: 'message', role: 'user', content: [
		    { type: 'input_text', text: 'run: uname' }] };
		const s = await events({ input: [ask], tools: [EXEC], ...EXTRA });
		eq(s.done.length, 1, 'items');
		eq(s.done[0].type, 'function_call', 'item type');
		eq(JSON.parse(s.args), { cmd: 'uname' }, 'argument deltas');
		eq(s.done[0].arguments, s.args, 'item arguments');
		check(s.seq.includes('response.function_call_arguments.done'),
		    'no arguments.done');
		const fc = s.done[0];
		const s2 = await events({ tools: [EXEC], ...EXTRA, input: [ask,
		    { type: 'function_call', call_id: fc.call_id,
		    name: fc.name, arguments: fc.arguments },
		    { type: 'function_call_output', call_id: fc.call_id,
		    output: 'Linux' }] });
		eq(s2.text, 'Tool result received: Linux', 'answer');
	},
	async custom() {
		// A free-form tool (Codex's apply_patch) goes to the enclave as
		// a function of one string and comes back as custom_tool_call.
		const tool = { type: 'custom', name: 'apply_patch',
		    description: 'patch', format: { type: 'grammar',
		    syntax: 'lark', definition: 'start: /.+/' } };
		const p = 'add a line';
		const r = await create({ input: p, tools: [tool],
		    tool_choice: { type: 'custom', name: 'apply_patch' } });
		eq(r.output.length, 1, 'items');
		eq(r.output[0].type, 'custom_tool_call', 'item type');
		eq(r.output[0].name, 'apply_patch', 'name');
		eq(r.output[0].input, p, 'input');
	},
	async fault(status, stream) {
		const e = await expectRefused(status, stream,
		    (prompt, s) => client.responses.create({ model: MODEL,
		    stream: s, input: prompt }),
		    (ev) => ev.type === 'response.output_text.delta' ?
		    ev.delta : '', (err) => {
			check(err instanceof OpenAI.APIError, 'not an APIError');
			eq(err.type, 'server_error', 'error class');
		});
		console.log(`ok ${status}: ${e.message}`);
	},
};

await runMode(modes);
