// concurrent.mjs N: N streaming clients at once (Promise.all); each must
// receive exactly its own verified echo.
import { chatStream, eq, fail } from './lib.mjs';

const n = Number(process.argv[2] || 200);
const jobs = [];
for (let i = 0; i < n; i++) {
	const p = `client number ${i} asks for its own words back`;
	jobs.push(chatStream({ messages: [{ role: 'user', content: p }] })
	    .then((s) => eq(s.text, 'Echo: ' + p, 'stream ' + i)));
}
try {
	await Promise.all(jobs);
	console.log(`ok ${n} concurrent streams`);
} catch (e) {
	fail(`${e.status || ''} ${e.message}`);
}
