// hpke.mjs: HPKE (RFC 9180) base mode, DHKEM(X25519, HKDF-SHA256),
// HKDF-SHA256, AES-128-GCM / AES-256-GCM / ChaCha20-Poly1305, and the
// OHTTP (RFC 9458 + chunked draft) gateway side of PROTOCOL.md sections 4
// and 6.  node:crypto primitives only; HKDF is built on HMAC here.
import crypto from 'node:crypto';

const LABEL = Buffer.from('HPKE-v1');
export const KEM_X25519 = 0x0020;
export const KDF_SHA256 = 0x0001;
export const AEADS = {
	1: { name: 'aes-128-gcm', nk: 16 },
	2: { name: 'aes-256-gcm', nk: 32 },
	3: { name: 'chacha20-poly1305', nk: 32 },
};

function u16(n) {
	const b = Buffer.alloc(2);
	b.writeUInt16BE(n);
	return b;
}

export function hmac(key, msg) {
	return crypto.createHmac('sha256', key).update(msg).digest();
}

export function hkdfExtract(salt, ikm) {
	return hmac(salt.length ? salt : Buffer.alloc(32), ikm);
}

export function hkdfExpand(prk, info, len) {
	const out = [];
	let t = Buffer.alloc(0), n = 0;
	for (let i = 1; n < len; i++) {
		t = hmac(prk, Buffer.concat([t, info, Buffer.from([i])]));
		out.push(t);
		n += t.length;
	}
	return Buffer.concat(out).subarray(0, len);
}

function labeledExtract(suite, salt, label, ikm) {
	return hkdfExtract(salt, Buffer.concat([LABEL, suite,
	    Buffer.from(label), ikm]));
}

function labeledExpand(suite, prk, label, info, len) {
	return hkdfExpand(prk, Buffer.concat([u16(len), LABEL, suite,
	    Buffer.from(label), info]), len);
}

const KEM_SUITE = Buffer.concat([Buffer.from('KEM'), u16(KEM_X25519)]);
const PKCS8_X25519 = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_X25519 = Buffer.from('302a300506032b656e032100', 'hex');

export function x25519Private(sk) {
	return crypto.createPrivateKey({ key: Buffer.concat([PKCS8_X25519, sk]),
	    format: 'der', type: 'pkcs8' });
}

export function x25519PublicRaw(skObj) {
	const der = crypto.createPublicKey(skObj).export({ format: 'der',
	    type: 'spki' });
	return der.subarray(der.length - 32);
}

function dh(sk, pkRaw) {
	return crypto.diffieHellman({ privateKey: x25519Private(sk),
	    publicKey: crypto.createPublicKey({ key: Buffer.concat([SPKI_X25519,
	    pkRaw]), format: 'der', type: 'spki' }) });
}

// DeriveKeyPair(ikm) -> { sk, pk } (raw 32-byte buffers)
export function deriveKeyPair(ikm) {
	const prk = labeledExtract(KEM_SUITE, Buffer.alloc(0), 'dkp_prk', ikm);
	const sk = labeledExpand(KEM_SUITE, prk, 'sk', Buffer.alloc(0), 32);
	return { sk, pk: x25519PublicRaw(x25519Private(sk)) };
}

export function generateKeyPair() {
	const { privateKey } = crypto.generateKeyPairSync('x25519');
	const der = privateKey.export({ format: 'der', type: 'pkcs8' });
	const sk = Buffer.from(der.subarray(der.length - 32));
	return { sk, pk: x25519PublicRaw(privateKey) };
}

function extractAndExpand(dhv, kemContext) {
	const prk = labeledExtract(KEM_SUITE, Buffer.alloc(0), 'eae_prk', dhv);
	return labeledExpand(KEM_SUITE, prk, 'shared_secret', kemContext, 32);
}

export function aeadSeal(aeadId, key, nonce, aad, pt) {
	const c = crypto.createCipheriv(AEADS[aeadId].name, key, nonce,
	    { authTagLength: 16 });
	c.setAAD(aad, { plaintextLength: pt.length });
	return Buffer.concat([c.update(pt), c.final(), c.getAuthTag()]);
}

export function aeadOpen(aeadId, key, nonce, aad, ct) {
	if (ct.length < 16)
		throw new Error('ciphertext too short');
	const d = crypto.createDecipheriv(AEADS[aeadId].name, key, nonce,
	    { authTagLength: 16 });
	d.setAAD(aad, { plaintextLength: ct.length - 16 });
	d.setAuthTag(ct.subarray(ct.length - 16));
	return Buffer.concat([d.update(ct.subarray(0, ct.length - 16)),
	    d.final()]);
}

class Context {
	constructor(aeadId, key, baseNonce, exporterSecret, suite) {
		Object.assign(this, { aeadId, key, baseNonce, exporterSecret,
		    suite, seq: 0 });
	}
	nonce() {
		const n = Buffer.from(this.baseNonce);
		let s = this.seq;
		for (let i = n.length - 1; s > 0 && i >= 0; i--, s = Math.floor(s / 256))
			n[i] ^= s & 0xff;
		return n;
	}
	seal(aad, pt) {
		const ct = aeadSeal(this.aeadId, this.key, this.nonce(), aad, pt);
		this.seq++;
		return ct;
	}
	open(aad, ct) {
		const pt = aeadOpen(this.aeadId, this.key, this.nonce(), aad, ct);
		this.seq++;
		return pt;
	}
	export(ctxInfo, len) {
		return labeledExpand(this.suite, this.exporterSecret, 'sec',
		    Buffer.from(ctxInfo), len);
	}
}

function keySchedule(aeadId, shared, info) {
	const suite = Buffer.concat([Buffer.from('HPKE'), u16(KEM_X25519),
	    u16(KDF_SHA256), u16(aeadId)]);
	const empty = Buffer.alloc(0);
	const pskIdHash = labeledExtract(suite, empty, 'psk_id_hash', empty);
	const infoHash = labeledExtract(suite, empty, 'info_hash', info);
	const ksc = Buffer.concat([Buffer.from([0]), pskIdHash, infoHash]);
	const secret = labeledExtract(suite, shared, 'secret', empty);
	const key = labeledExpand(suite, secret, 'key', ksc, AEADS[aeadId].nk);
	const baseNonce = labeledExpand(suite, secret, 'base_nonce', ksc, 12);
	const exp = labeledExpand(suite, secret, 'exp', ksc, 32);
	const ctx = new Context(aeadId, key, baseNonce, exp, suite);
	ctx.trace = { key_schedule_context: ksc, secret, shared_secret: shared };
	return ctx;
}

// Sender (self-test only): SetupBaseS with a fixed ephemeral key.
export function setupBaseS(aeadId, pkR, info, skE) {
	const pkE = x25519PublicRaw(x25519Private(skE));
	const shared = extractAndExpand(dh(skE, pkR), Buffer.concat([pkE, pkR]));
	return { enc: pkE, ctx: keySchedule(aeadId, shared, info) };
}

// Recipient: SetupBaseR.
export function setupBaseR(aeadId, enc, skR, info) {
	const pkR = x25519PublicRaw(x25519Private(skR));
	const shared = extractAndExpand(dh(skR, enc), Buffer.concat([enc, pkR]));
	return keySchedule(aeadId, shared, info);
}

// ---- OHTTP gateway side ----

export function ohttpHeader(keyId, aeadId) {
	return Buffer.concat([Buffer.from([keyId]), u16(KEM_X25519),
	    u16(KDF_SHA256), u16(aeadId)]);
}

// RFC 9458 key configuration (what a gateway would publish).
export function ohttpKeyConfig(keyId, pk, aeadId) {
	return Buffer.concat([Buffer.from([keyId]), u16(KEM_X25519), pk, u16(4),
	    u16(KDF_SHA256), u16(aeadId)]);
}

// Decapsulate a request body; returns { plaintext, enc, ctx } or throws.
export function ohttpDecapsulate(body, keyId, skR, aeadId) {
	const hdr = ohttpHeader(keyId, aeadId);
	if (body.length < 7 + 32 + 16)
		throw new Error('request too short');
	if (!body.subarray(0, 7).equals(hdr))
		throw new Error('key id or suite mismatch');
	const enc = body.subarray(7, 39);
	const info = Buffer.concat([Buffer.from('message/bhttp request'),
	    Buffer.from([0]), hdr]);
	const ctx = setupBaseR(aeadId, enc, skR, info);
	const plaintext = ctx.open(Buffer.alloc(0), body.subarray(39));
	return { plaintext, enc: Buffer.from(enc), ctx };
}

export function responseKeys(secret, enc, responseNonce, aeadId) {
	const prk = hmac(Buffer.concat([enc, responseNonce]), secret);
	return { prk, key: hkdfExpand(prk, Buffer.from('key'),
	    AEADS[aeadId].nk), nonce: hkdfExpand(prk, Buffer.from('nonce'), 12) };
}

export function sealSingle(ctx, enc, pt, responseNonce) {
	const rn = responseNonce || crypto.randomBytes(32);
	const k = responseKeys(ctx.export('message/bhttp response', 32), enc,
	    rn, ctx.aeadId);
	return Buffer.concat([rn, aeadSeal(ctx.aeadId, k.key, k.nonce,
	    Buffer.alloc(0), pt)]);
}

// QUIC varint; wide = use the 8-byte form whatever the value (legal:
// RFC 9000 does not require the shortest encoding).
export function varint(n, wide) {
	if (wide) {
		const b = Buffer.alloc(8);
		b.writeBigUInt64BE(BigInt(n) | (3n << 62n));
		return b;
	}
	if (n < 64)
		return Buffer.from([n]);
	if (n < 16384)
		return Buffer.from([0x40 | (n >> 8), n & 0xff]);
	const b = Buffer.alloc(4);
	b.writeUInt32BE((n | 0x80000000) >>> 0);
	return b;
}

// Chunked response sealer: head() gives the nonce, chunk(pt) and
// final(pt) give wire bytes.
export class ChunkSealer {
	constructor(ctx, enc, responseNonce, wide) {
		this.rn = responseNonce || crypto.randomBytes(32);
		this.aeadId = ctx.aeadId;
		this.k = responseKeys(ctx.export('message/bhttp chunked response',
		    32), enc, this.rn, ctx.aeadId);
		this.i = 0;
		this.wide = wide;
	}
	nonce() {
		const n = Buffer.from(this.k.nonce);
		let s = this.i++;
		for (let j = 11; s > 0; j--, s = Math.floor(s / 256))
			n[j] ^= s & 0xff;
		return n;
	}
	head() {
		return this.rn;
	}
	chunk(pt) {
		const s = aeadSeal(this.aeadId, this.k.key, this.nonce(),
		    Buffer.alloc(0), pt);
		return Buffer.concat([varint(s.length, this.wide), s]);
	}
	final(pt) {
		const s = aeadSeal(this.aeadId, this.k.key, this.nonce(),
		    Buffer.from('final'), pt);
		return Buffer.concat([varint(0, this.wide), s]);
	}
}
