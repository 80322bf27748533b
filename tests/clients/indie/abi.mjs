// abi.mjs: the Solidity ABI encoding of getActiveTEEs(uint8)'s TEEInfo[]
// (PROTOCOL.md section 3), written by hand: a dynamic array of dynamic
// tuples (head offsets, then tails), each with a nested dynamic
// ohttpConfig tuple.

function word(n) {
	const b = Buffer.alloc(32);
	let v = BigInt(n);
	for (let i = 31; i >= 0 && v > 0n; i--, v >>= 8n)
		b[i] = Number(v & 0xffn);
	return b;
}

function hexbuf(h) {
	return Buffer.from(String(h).replace(/^0x/i, ''), 'hex');
}

function address(a) {
	return Buffer.concat([Buffer.alloc(12), hexbuf(a)]);
}

function bytes32(h) {
	const b = hexbuf(h);
	return Buffer.concat([b, Buffer.alloc(32 - b.length)]);
}

function dynBytes(b) {
	const pad = (32 - (b.length % 32)) % 32;
	return Buffer.concat([word(b.length), b, Buffer.alloc(pad)]);
}

// Encode a tuple from parts: { head: Buffer(32) } for static members,
// { tail: Buffer } for dynamic ones (offset relative to the tuple start).
function tuple(parts) {
	let off = 32 * parts.length;
	const heads = [], tails = [];
	for (const p of parts) {
		if (p.head) {
			heads.push(p.head);
		} else {
			heads.push(word(off));
			tails.push(p.tail);
			off += p.tail.length;
		}
	}
	return Buffer.concat([...heads, ...tails]);
}

// tee: fields as in registry_abi.json (hex strings with 0x, numbers or
// decimal strings).
export function encodeTee(t) {
	const o = t.ohttpConfig;
	const cfg = tuple([
		{ head: word(o.keyId) }, { head: word(o.kemId) },
		{ head: word(o.kdfId) }, { head: word(o.aeadId) },
		{ tail: dynBytes(hexbuf(o.publicKey)) },
		{ tail: dynBytes(hexbuf(o.keyConfig)) },
		{ head: word(o.registeredAt) },
	]);
	return tuple([
		{ head: address(t.owner) }, { head: address(t.paymentAddress) },
		{ tail: dynBytes(Buffer.from(t.endpoint, 'utf8')) },
		{ tail: dynBytes(hexbuf(t.publicKey)) },
		{ tail: dynBytes(hexbuf(t.tlsCertificate)) },
		{ head: bytes32(t.pcrHash) }, { head: word(t.teeType) },
		{ head: word(t.enabled ? 1 : 0) }, { head: word(t.registeredAt) },
		{ head: word(t.lastHeartbeatAt) }, { tail: cfg },
	]);
}

// The eth_call return data: offset word, then the TEEInfo[] encoding.
export function encodeTees(tees) {
	const arr = Buffer.concat([word(tees.length),
	    tuple(tees.map((t) => ({ tail: encodeTee(t) })))]);
	return Buffer.concat([word(32), arr]);
}
