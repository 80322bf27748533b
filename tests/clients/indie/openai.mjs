// indie/openai.mjs VARIANT...: the official openai client through og-veil
// against indie-net.mjs.  Each argument is a model name "indie-<tokens>";
// both forms (plain, stream) must verify and carry the exact answer
// ("indie: " + prompt), tool calls folded back to the signed arguments.
import { chat, chatStream, eq, pydumps } from '../lib.mjs';

const TOOLS = [{ type: 'function', function: { name: 'lookup',
    description: 'Look something up', parameters: { type: 'object',
    properties: { q: { type: 'string' } } } } }];
const PROMPTS = ['plain words', 'héllo wörld 😀 日本語 "q" \\ /\ttab\nline'];

for (const model of process.argv.slice(2)) {
	for (const p of PROMPTS) {
		const messages = [{ role: 'system', content: 'be independent' },
		    { role: 'user', content: p }];
		for (const t of [undefined, 0.7, 1, 1e-7, 0]) {
			const params = { model, messages };
			if (t !== undefined)
				params.temperature = t;
			const r = await chat(params);
			eq(r.choices[0].message.content, 'indie: ' + p,
			    `${model} content (temperature ${t})`);
			const s = await chatStream(params);
			eq(s.text, 'indie: ' + p, `${model} stream (temperature ${t})`);
			eq(s.final.choices[0].finish_reason, 'stop', 'finish_reason');
		}
		const r = await chat({ model, messages, tools: TOOLS,
		    tool_choice: 'auto', max_tokens: 64 });
		const m = r.choices[0].message;
		eq(r.choices[0].finish_reason, 'tool_calls', `${model} finish_reason`);
		eq(m.content, null, `${model} tool content`);
		const want = model.includes('tool2') ? 2 : 1;
		eq(m.tool_calls.length, want, `${model} tool calls`);
		eq(m.tool_calls[0].function.name, 'lookup', 'tool name');
		eq(m.tool_calls[0].function.arguments, pydumps({ q: p }),
		    'tool arguments');
		const s = await chatStream({ model, messages, tools: TOOLS });
		eq(s.final.choices[0].finish_reason, 'tool_calls',
		    `${model} stream finish_reason`);
		eq(s.toolCalls.length, want, `${model} stream tool slots`);
		eq(s.toolCalls[0].id, 'call_indie_0', 'tool id');
		eq(s.toolCalls[0].name, 'lookup', 'stream tool name');
		eq(s.toolCalls[0].args, pydumps({ q: p }), 'stream tool arguments');
		if (want === 2)
			eq(s.toolCalls[1].args, '{"n": 2}', 'second tool arguments');
	}
	console.log('ok ' + model);
}
