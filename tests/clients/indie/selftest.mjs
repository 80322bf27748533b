// selftest.mjs: run the shared vectors through the independent network's
// JS primitives; any mismatch is counted and reported.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { keccak256 } from './keccak.mjs';
import * as hpke from './hpke.mjs';
import { parse, dumps, canonical } from './pyjson.mjs';
import { encodeTees } from './abi.mjs';
import { verifyResponse } from './sign.mjs';

export function selfTest(dir) {
	let bad = 0;
	const counts = {};
	const load = (f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
	const check = (file, ok, what) => {
		counts[file] = (counts[file] || 0) + 1;
		if (!ok) {
			bad++;
			console.error(`self-test: ${file}: ${what}`);
		}
	};
	const H = (h) => Buffer.from(h, 'hex');

	for (const v of load('keccak.json').vectors)
		check('keccak', keccak256(H(v.input_hex)).toString('hex') ===
		    v.keccak256, v.name);

	for (const v of load('hpke.json').vectors) {
		const aead = Number(v.aead_id);
		const kE = hpke.deriveKeyPair(H(v.ikmE));
		const kR = hpke.deriveKeyPair(H(v.ikmR));
		check('hpke', kE.sk.equals(H(v.skEm)) && kE.pk.equals(H(v.pkEm)) &&
		    kR.sk.equals(H(v.skRm)) && kR.pk.equals(H(v.pkRm)),
		    'DeriveKeyPair ' + v.source);
		const s = hpke.setupBaseS(aead, kR.pk, H(v.info), kE.sk);
		const r = hpke.setupBaseR(aead, s.enc, kR.sk, H(v.info));
		check('hpke', s.enc.equals(H(v.enc)) &&
		    r.trace.shared_secret.equals(H(v.shared_secret)) &&
		    r.key.equals(H(v.key)) && r.baseNonce.equals(H(v.base_nonce)) &&
		    r.exporterSecret.equals(H(v.exporter_secret)),
		    'key schedule ' + v.source);
		for (const e of v.encryptions) {
			s.ctx.seq = r.seq = e.sequence_number;
			const ct = s.ctx.seal(H(e.aad), H(e.pt));
			let pt = null;
			try {
				pt = r.open(H(e.aad), H(e.ct));
			} catch {
				pt = null;
			}
			check('hpke', ct.equals(H(e.ct)) && pt && pt.equals(H(e.pt)),
			    `seq ${e.sequence_number} ${v.source}`);
		}
		for (const x of v.exports)
			check('hpke', r.export(H(x.exporter_context), x.L)
			    .equals(H(x.exported_value)), 'export ' + v.source);
	}

	for (const v of load('ohttp.json').vectors) {
		const rc = v.recipient, rq = v.request;
		const kR = hpke.deriveKeyPair(H(rc.ikmR));
		check('ohttp', kR.sk.equals(H(rc.skR)) && kR.pk.equals(H(rc.pkR)),
		    v.name + ' recipient');
		let d;
		try {
			d = hpke.ohttpDecapsulate(H(rq.encapsulated_request),
			    rc.key_id, kR.sk, 3);
		} catch (e) {
			check('ohttp', false, v.name + ' decapsulate: ' + e.message);
			continue;
		}
		check('ohttp', d.plaintext.toString('utf8') === rq.plaintext,
		    v.name + ' request plaintext');
		check('ohttp', d.ctx.export('message/bhttp response', 32)
		    .equals(H(rq.response_secret)) &&
		    d.ctx.export('message/bhttp chunked response', 32)
		    .equals(H(rq.chunked_response_secret)), v.name + ' exports');
		const ss = v.single_shot_response;
		check('ohttp', hpke.sealSingle(d.ctx, d.enc,
		    Buffer.from(ss.plaintext, 'utf8'), H(ss.response_nonce))
		    .equals(H(ss.body)), v.name + ' single-shot body');
		const cr = v.chunked_response;
		const sealer = new hpke.ChunkSealer(d.ctx, d.enc,
		    H(cr.response_nonce), false);
		check('ohttp', sealer.k.prk.equals(H(cr.prk)) &&
		    sealer.k.key.equals(H(cr.aead_key)) &&
		    sealer.k.nonce.equals(H(cr.aead_nonce)), v.name + ' chunk keys');
		const parts = [sealer.head()];
		for (const c of cr.chunks) {
			const w = c.final ? sealer.final(H(c.plaintext_hex)) :
			    sealer.chunk(H(c.plaintext_hex));
			check('ohttp', w.equals(H(c.wire_hex)),
			    `${v.name} chunk ${c.index}`);
			parts.push(w);
		}
		check('ohttp', Buffer.concat(parts).equals(H(cr.body)),
		    v.name + ' chunked body');
	}

	// Parsed with the number-preserving parser: 0.0 stays a float.
	const cj = parse(fs.readFileSync(path.join(dir, 'canonical_json.json'),
	    'utf8'));
	for (const v of cj.get('vectors')) {
		let out;
		try {
			out = dumps(parse(v.get('input_json')));
		} catch (e) {
			out = 'error ' + e.message;
		}
		check('canonical_json', out === v.get('output') &&
		    keccak256(out).toString('hex') === v.get('keccak256'),
		    v.get('name'));
	}

	const cr = parse(fs.readFileSync(path.join(dir,
	    'canonical_request.json'), 'utf8'));
	for (const v of cr.get('vectors')) {
		const name = v.get('name');
		if (v.get('ok') !== true) {
			let threw = false;
			try {
				canonical(v.get('body'));
			} catch {
				threw = true;
			}
			check('canonical_request', threw, name + ' must fail');
			continue;
		}
		for (const k of ['body', 'wire', 'wire_stream']) {
			let out;
			try {
				out = dumps(canonical(v.get(k)));
			} catch (e) {
				out = 'error ' + e.message;
			}
			check('canonical_request', out === v.get('canonical_json') &&
			    keccak256(out).toString('hex') === v.get('request_hash'),
			    `${name} (${k})`);
		}
	}

	for (const v of load('signature.json').vectors) {
		const ok = verifyResponse(v.response, H(v.spki_der_hex),
		    keccak256(v.canonical_json), keccak256(v.output));
		check('signature', ok === v.valid, v.name);
	}

	const ra = load('registry_abi.json');
	for (const v of ra.vectors)
		check('registry_abi', '0x' + encodeTees(v.tees).toString('hex') ===
		    v.return_data, v.name);
	for (const v of ra.vectors)
		for (const t of v.tees)
			check('registry_abi', '0x' + keccak256(H(t.publicKey.slice(2)))
			    .toString('hex') === t.tee_id, v.name + ' tee_id');

	for (const [k, n] of Object.entries(counts))
		console.log(`self-test ${k}: ${n} checks`);
	console.log(`self-test: ${bad} mismatches`);
	void crypto;
	return bad;
}
