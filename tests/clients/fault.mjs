// fault.mjs STATUS [stream] [TEXT]: the request must fail with STATUS (an
// APIError from the openai package) and, for a stream, deliver no content
// delta at all; the error message must contain TEXT when given.
import { client, MODEL, check, eq, fail } from './lib.mjs';

const want = Number(process.argv[2]);
const stream = process.argv[3] === 'stream';
const text = process.argv[4] || '';
const prompt = 'secret words that must never leak';
let content = '';
try {
	const r = await client.chat.completions.create({ model: MODEL,
	    stream, messages: [{ role: 'user', content: prompt }] });
	if (stream) {
		for await (const c of r) {
			const d = c.choices && c.choices[0] && c.choices[0].delta;
			if (d && d.content)
				content += d.content;
		}
	}
	fail(`succeeded (content ${JSON.stringify(content)}), expected ${want}`);
} catch (e) {
	check(content === '', 'content was delivered: ' + content);
	eq(e.status, want, 'status');
	check(!String(e.message).includes(prompt), 'prompt in error');
	check(String(e.message).includes(text), `message "${e.message}" lacks "${text}"`);
	console.log(`ok ${want}: ${e.message}`);
}
