// sign.mjs: the enclave's response signature (PROTOCOL.md section 9):
// msg = keccak256(request_hash || output_hash || uint256(timestamp)),
// RSA-PSS, SHA-256, MGF1-SHA-256, salt 32, over msg (hashed once more).
import crypto from 'node:crypto';
import { keccak256 } from './keccak.mjs';

function ts32(ts) {
	const b = Buffer.alloc(32);
	let v = BigInt(ts);
	for (let i = 31; i >= 0 && v > 0n; i--, v >>= 8n)
		b[i] = Number(v & 0xffn);
	return b;
}

export function signedMessage(reqHash, outHash, ts) {
	return keccak256(Buffer.concat([reqHash, outHash, ts32(ts)]));
}

const PSS = { padding: crypto.constants.RSA_PKCS1_PSS_PADDING,
    saltLength: 32 };

export function sign(privateKey, reqHash, outHash, ts) {
	return crypto.sign('sha256', signedMessage(reqHash, outHash, ts),
	    { key: privateKey, ...PSS });
}

const hexOf = (s) => (typeof s === 'string' ?
    s.replace(/^0x/i, '').toLowerCase() : null);

// Full client-side check, used by the self-test against signature.json.
export function verifyResponse(r, spki, reqHash, outHash) {
	try {
		const id = '0x' + keccak256(spki).toString('hex');
		if (hexOf(r.tee_id) !== id.slice(2))
			return false;
		if (hexOf(r.tee_request_hash) !== reqHash.toString('hex') ||
		    hexOf(r.tee_output_hash) !== outHash.toString('hex'))
			return false;
		const ts = r.tee_timestamp;
		if (!(Number.isInteger(ts) || (typeof ts === 'string' &&
		    /^[0-9]+$/.test(ts))))
			return false;
		if (typeof r.tee_signature !== 'string')
			return false;
		const sig = Buffer.from(r.tee_signature, 'base64');
		const key = crypto.createPublicKey({ key: spki, format: 'der',
		    type: 'spki' });
		return crypto.verify('sha256', signedMessage(reqHash, outHash, ts),
		    { key, ...PSS }, sig);
	} catch {
		return false;
	}
}
