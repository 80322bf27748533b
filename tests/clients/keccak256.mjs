// keccak256.mjs FILE [--binary]: Keccak-256 (Ethereum's, not SHA3-256) of
// a file, from the independent implementation in indie/keccak.mjs: hex,
// or the 32 raw bytes with --binary.  The "any Keccak-256" of og-veil(1)'s
// receipt recipe, for the tests that check an exported receipt the way a
// third party would.
import { readFileSync } from 'node:fs';
import { keccak256 } from './indie/keccak.mjs';

const [file, flag] = process.argv.slice(2);
if (!file) {
	console.error('usage: keccak256.mjs FILE [--binary]');
	process.exit(2);
}
const h = keccak256(readFileSync(file));
if (flag === '--binary')
	process.stdout.write(h);
else
	console.log(h.toString('hex'));
