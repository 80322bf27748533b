// chat.mjs MODE: one verified round trip through og-veil with the official
// openai package; exits non-zero with a FAIL line when anything is off.
import { chat, chatStream, check, eq, echo, fail, pydumps } from './lib.mjs';

const TOOLS = [{ type: 'function', function: { name: 'get_weather',
    description: 'Weather for a city', parameters: { type: 'object',
    properties: { input: { type: 'string' } } } } }];

const modes = {
	async plain() {
		const r = await chat({ messages: [{ role: 'user',
		    content: 'hello there veil' }] });
		eq(r.choices[0].message.content, echo('hello there veil'),
		    'content');
		eq(r.object, 'chat.completion', 'object');
	},
	async stream() {
		const p = 'stream me some words please, one two three four';
		const s = await chatStream({ messages: [{ role: 'user',
		    content: p }] });
		eq(s.text, echo(p), 'accumulated text');
		check(s.chunks.length > 2, 'expected several chunks');
		for (const c of s.chunks)
			check(c.usage === undefined || c.usage === null,
			    'usage without include_usage');
		eq(s.final.choices[0].finish_reason, 'stop', 'finish_reason');
	},
	async usage() {
		const p = 'count my tokens';
		const s = await chatStream({ messages: [{ role: 'user',
		    content: p }], stream_options: { include_usage: true } });
		eq(s.text, echo(p), 'accumulated text');
		const last = s.chunks[s.chunks.length - 1];
		eq(last.choices, [], 'usage chunk choices');
		check(last.usage && Number.isInteger(last.usage.completion_tokens),
		    'usage chunk');
	},
	async tool() {
		const p = 'weather in Paris';
		const r = await chat({ messages: [{ role: 'user', content: p }],
		    tools: TOOLS });
		const m = r.choices[0].message;
		eq(r.choices[0].finish_reason, 'tool_calls', 'finish_reason');
		eq(m.tool_calls.length, 1, 'tool calls');
		eq(m.tool_calls[0].function.name, 'get_weather', 'tool name');
		eq(m.tool_calls[0].function.arguments, pydumps({ input: p }),
		    'tool arguments');
	},
	async 'tool-stream'() {
		const p = 'weather in Oslo';
		const s = await chatStream({ messages: [{ role: 'user',
		    content: p }], tools: TOOLS });
		eq(s.final.choices[0].finish_reason, 'tool_calls',
		    'finish_reason');
		eq(s.toolCalls.length, 1, 'tool call slots');
		eq(s.toolCalls[0].name, 'get_weather', 'tool name');
		eq(s.toolCalls[0].args, pydumps({ input: p }), 'arguments');
	},
	async 'max-completion-tokens'() {
		const p = 'one two three four five six';
		const r = await chat({ messages: [{ role: 'user',
		    content: p }], max_completion_tokens: 1 });
		eq(r.choices[0].finish_reason, 'length', 'finish_reason');
		eq(r.choices[0].message.content, 'Echo: one two ', 'content');
		const s = await chatStream({ messages: [{ role: 'user',
		    content: p }], max_completion_tokens: 2 });
		eq(s.text, 'Echo: one two three four five ', 'stream text');
		eq(s.final.choices[0].finish_reason, 'length',
		    'stream finish_reason');
	},
	async unicode() {
		for (const p of ['héllo wörld', '日本語のテキスト です',
		    'emoji 😀🎉 and 👩‍💻 too', 'tab\tnew\nline "q" \\ /']) {
			const r = await chat({ messages: [{ role: 'user',
			    content: p }] });
			eq(r.choices[0].message.content, echo(p), 'content');
			const s = await chatStream({ messages: [{ role: 'user',
			    content: p }] });
			eq(s.text, echo(p), 'stream text');
		}
	},
	async temperatures() {
		for (const t of [0.7, 1, 1e-7, undefined]) {
			const params = { messages: [{ role: 'user',
			    content: 'temp ' + t }] };
			if (t !== undefined)
				params.temperature = t;
			const r = await chat(params);
			eq(r.choices[0].message.content, echo('temp ' + t),
			    'content at temperature ' + t);
			const s = await chatStream(params);
			eq(s.text, echo('temp ' + t), 'stream at ' + t);
		}
	},
	async multimodal() {
		const r = await chat({ messages: [{ role: 'user', content: [
		    { type: 'text', text: 'describe ' },
		    { type: 'image_url', image_url: {
		      url: 'data:image/png;base64,iVBORw0KGgo=' } },
		    { type: 'text', text: 'this picture' }] }] });
		eq(r.choices[0].message.content, echo('describe this picture'),
		    'content');
	},
	async conversation() {
		const msgs = [
			{ role: 'system', content: 'You are terse.' },
			{ role: 'user', content: 'weather in Rome' },
			{ role: 'assistant', content: null, tool_calls: [{
			    id: 'call_1', type: 'function', function: {
			    name: 'get_weather',
			    arguments: '{"input": "Rome"}' } }] },
			{ role: 'tool', tool_call_id: 'call_1',
			    content: '{"temp": 21}' },
			{ role: 'user', content: 'and tomorrow?' }];
		const r = await chat({ messages: msgs });
		eq(r.choices[0].message.content, echo('and tomorrow?'),
		    'content');
		const s = await chatStream({ messages: msgs });
		eq(s.text, echo('and tomorrow?'), 'stream text');
	},
};

const mode = process.argv[2];
if (!modes[mode])
	fail('unknown mode ' + mode);
try {
	await modes[mode]();
	console.log('ok ' + mode);
} catch (e) {
	fail(`${mode}: ${e.status || ''} ${e.message}`);
}
