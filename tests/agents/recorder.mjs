// recorder.mjs: a loopback HTTP server that records what an agent sends.
//
//   node recorder.mjs OUT.jsonl [PORTFILE]
//
// Listens on 127.0.0.1 (a free port, written to PORTFILE or stdout), appends
// one JSON line per request to OUT.jsonl ({method, url, headers, body}) and
// answers with the smallest valid answer of the dialect the path names, so
// the agent goes on as it would against a real server:
//   /v1/messages            Anthropic message (SSE when "stream": true)
//   /v1/messages/count_tokens  {"input_tokens": N}
//   /v1/responses           OpenAI Responses event stream (or object)
//   /v1/chat/completions    OpenAI chat completion
//   /v1/models              a one-model list
// The answer text is "recorded", except that a prompt line "run: CMD" gets
// a call of the agent's command tool (Bash for Anthropic, exec_command for
// Responses) with CMD, so the request carrying the tool's result is
// recorded too. This is a test tool: it never forwards anything and stops
// on SIGTERM.
import http from 'node:http';
import fs from 'node:fs';

const out = process.argv[2];
const portfile = process.argv[3];
if (!out) {
	console.error('usage: node recorder.mjs OUT.jsonl [PORTFILE]');
	process.exit(2);
}
const TEXT = 'recorded';

function sse(res, events) {
	res.writeHead(200, {'content-type': 'text/event-stream',
	    'cache-control': 'no-cache'});
	for (const [name, data] of events) {
		if (name)
			res.write(`event: ${name}\n`);
		res.write(`data: ${JSON.stringify(data)}\n\n`);
	}
	res.end();
}

// The command of the newest "run: CMD" line in text, or null.
function runCommand(text) {
	const m = [...String(text).matchAll(/^run: (.+)$/gm)];
	return m.length ? m[m.length - 1][1] : null;
}

function anthropicTool(res, req, model, cmd) {
	const input = JSON.stringify({command: cmd});
	const usage = {input_tokens: 1, output_tokens: 1};
	const block = {type: 'tool_use', id: 'toolu_rec', name: 'Bash',
	    input: {}};
	if (!req.stream) {
		res.writeHead(200, {'content-type': 'application/json'});
		res.end(JSON.stringify({id: 'msg_rec', type: 'message',
		    role: 'assistant', model,
		    content: [{...block, input: {command: cmd}}],
		    stop_reason: 'tool_use', stop_sequence: null, usage}));
		return;
	}
	sse(res, [
	    ['message_start', {type: 'message_start', message: {id: 'msg_rec',
		type: 'message', role: 'assistant', model, content: [],
		stop_reason: null, stop_sequence: null,
		usage: {input_tokens: 1, output_tokens: 0}}}],
	    ['content_block_start', {type: 'content_block_start', index: 0,
		content_block: block}],
	    ['content_block_delta', {type: 'content_block_delta', index: 0,
		delta: {type: 'input_json_delta', partial_json: input}}],
	    ['content_block_stop', {type: 'content_block_stop', index: 0}],
	    ['message_delta', {type: 'message_delta',
		delta: {stop_reason: 'tool_use', stop_sequence: null},
		usage: {output_tokens: 1}}],
	    ['message_stop', {type: 'message_stop'}],
	]);
}

function anthropic(res, req) {
	const model = req.model || 'recorded-model';
	const usage = {input_tokens: 1, output_tokens: 1};
	const msgs = (req.messages || []).filter((m) => m.role !== 'system');
	const last = msgs[msgs.length - 1] || {};
	const blocks = Array.isArray(last.content) ? last.content :
	    [{type: 'text', text: String(last.content || '')}];
	const result = blocks.some((b) => b.type === 'tool_result');
	const cmd = runCommand(blocks.filter((b) => b.type === 'text')
	    .map((b) => b.text).join('\n'));
	if (!result && cmd && (req.tools || []).some((t) => t.name === 'Bash'))
		return anthropicTool(res, req, model, cmd);
	if (!req.stream) {
		res.writeHead(200, {'content-type': 'application/json'});
		res.end(JSON.stringify({id: 'msg_rec', type: 'message',
		    role: 'assistant', model,
		    content: [{type: 'text', text: TEXT}],
		    stop_reason: 'end_turn', stop_sequence: null, usage}));
		return;
	}
	sse(res, [
	    ['message_start', {type: 'message_start', message: {id: 'msg_rec',
		type: 'message', role: 'assistant', model, content: [],
		stop_reason: null, stop_sequence: null,
		usage: {input_tokens: 1, output_tokens: 0}}}],
	    ['content_block_start', {type: 'content_block_start', index: 0,
		content_block: {type: 'text', text: ''}}],
	    ['content_block_delta', {type: 'content_block_delta', index: 0,
		delta: {type: 'text_delta', text: TEXT}}],
	    ['content_block_stop', {type: 'content_block_stop', index: 0}],
	    ['message_delta', {type: 'message_delta',
		delta: {stop_reason: 'end_turn', stop_sequence: null},
		usage: {output_tokens: 1}}],
	    ['message_stop', {type: 'message_stop'}],
	]);
}

function responses(res, req) {
	const model = req.model || 'recorded-model';
	const items = typeof req.input === 'string' ?
	    [{type: 'message', role: 'user', content: req.input}] :
	    (req.input || []);
	const last = items[items.length - 1] || {};
	const text = typeof last.content === 'string' ? last.content :
	    (last.content || []).map((p) => p.text || '').join('\n');
	const cmd = last.type === 'message' ? runCommand(text) : null;
	const call = cmd && (req.tools || []).some((t) =>
	    t.name === 'exec_command');
	const msg = {type: 'message', id: 'msg_rec', status: 'completed',
	    role: 'assistant',
	    content: [{type: 'output_text', text: TEXT, annotations: []}]};
	const done = {id: 'resp_rec', object: 'response', status: 'completed',
	    model, output: [msg], usage: {input_tokens: 1, output_tokens: 1,
	    total_tokens: 2}};
	if (req.stream === false) {
		res.writeHead(200, {'content-type': 'application/json'});
		res.end(JSON.stringify(done));
		return;
	}
	if (call) {
		const fc = {type: 'function_call', id: 'fc_rec',
		    call_id: 'call_rec', name: 'exec_command',
		    arguments: JSON.stringify({cmd}), status: 'completed'};
		done.output = [fc];
		if (req.stream === false) {
			res.writeHead(200, {'content-type': 'application/json'});
			res.end(JSON.stringify(done));
			return;
		}
		const b = {...done, status: 'in_progress', output: []};
		let k = 0;
		const e = (type, o) => [type, {type, sequence_number: k++, ...o}];
		return sse(res, [
		    e('response.created', {response: b}),
		    e('response.output_item.added', {output_index: 0,
			item: {...fc, arguments: '', status: 'in_progress'}}),
		    e('response.function_call_arguments.delta', {item_id: 'fc_rec',
			output_index: 0, delta: fc.arguments}),
		    e('response.function_call_arguments.done', {item_id: 'fc_rec',
			output_index: 0, arguments: fc.arguments}),
		    e('response.output_item.done', {output_index: 0, item: fc}),
		    e('response.completed', {response: done}),
		]);
	}
	const base = {...done, status: 'in_progress', output: []};
	let n = 0;
	const ev = (type, o) => [type, {type, sequence_number: n++, ...o}];
	const part = {type: 'output_text', text: '', annotations: []};
	sse(res, [
	    ev('response.created', {response: base}),
	    ev('response.in_progress', {response: base}),
	    ev('response.output_item.added', {output_index: 0,
		item: {...msg, status: 'in_progress', content: []}}),
	    ev('response.content_part.added', {item_id: 'msg_rec',
		output_index: 0, content_index: 0, part}),
	    ev('response.output_text.delta', {item_id: 'msg_rec',
		output_index: 0, content_index: 0, delta: TEXT}),
	    ev('response.output_text.done', {item_id: 'msg_rec',
		output_index: 0, content_index: 0, text: TEXT}),
	    ev('response.content_part.done', {item_id: 'msg_rec',
		output_index: 0, content_index: 0,
		part: {...part, text: TEXT}}),
	    ev('response.output_item.done', {output_index: 0, item: msg}),
	    ev('response.completed', {response: done}),
	]);
}

const server = http.createServer((req, res) => {
	const chunks = [];
	req.on('data', (c) => chunks.push(c));
	req.on('end', () => {
		const raw = Buffer.concat(chunks).toString('utf8');
		let body = raw;
		try { body = JSON.parse(raw); } catch { /* keep the text */ }
		fs.appendFileSync(out, JSON.stringify({method: req.method,
		    url: req.url, headers: req.headers, body}) + '\n');
		const path = req.url.split('?')[0];
		const j = typeof body === 'object' && body ? body : {};
		if (path.endsWith('/messages/count_tokens')) {
			res.writeHead(200, {'content-type': 'application/json'});
			res.end('{"input_tokens":1}');
		} else if (path.endsWith('/messages')) {
			anthropic(res, j);
		} else if (path.endsWith('/responses')) {
			responses(res, j);
		} else if (path.endsWith('/chat/completions')) {
			res.writeHead(200, {'content-type': 'application/json'});
			res.end(JSON.stringify({id: 'chatcmpl-rec',
			    object: 'chat.completion', created: 0,
			    model: j.model || 'recorded-model',
			    choices: [{index: 0, finish_reason: 'stop',
			    message: {role: 'assistant', content: TEXT}}]}));
		} else if (path.endsWith('/models')) {
			res.writeHead(200, {'content-type': 'application/json'});
			res.end('{"object":"list","data":[{"id":"recorded-model",' +
			    '"object":"model","created":0,"owned_by":"rec"}]}');
		} else {
			res.writeHead(404, {'content-type': 'application/json'});
			res.end('{"error":{"message":"not recorded","type":' +
			    '"not_found_error"}}');
		}
	});
});
server.listen(0, '127.0.0.1', () => {
	const port = String(server.address().port);
	if (portfile)
		fs.writeFileSync(portfile, port + '\n');
	else
		console.log(port);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
