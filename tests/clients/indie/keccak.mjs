// keccak.mjs: Keccak-256 as Ethereum uses it (PROTOCOL.md sections 3, 7,
// 8, 9): Keccak-f[1600], rate 136 bytes, pad 0x01 .. 0x80 (not the NIST
// SHA3 0x06 padding).  Written for the independent test network; lanes
// are BigInt, which is slow but plenty for test traffic.

const M64 = (1n << 64n) - 1n;
const RC = [
	0x0000000000000001n, 0x0000000000008082n, 0x800000000000808an,
	0x8000000080008000n, 0x000000000000808bn, 0x0000000080000001n,
	0x8000000080008081n, 0x8000000000008009n, 0x000000000000008an,
	0x0000000000000088n, 0x0000000080008009n, 0x000000008000000an,
	0x000000008000808bn, 0x800000000000008bn, 0x8000000000008089n,
	0x8000000000008003n, 0x8000000000008002n, 0x8000000000000080n,
	0x000000000000800an, 0x800000008000000an, 0x8000000080008081n,
	0x8000000000008080n, 0x0000000080000001n, 0x8000000080008008n,
];
// Rotation offsets, index x + 5y.
const ROT = [
	0, 1, 62, 28, 27,
	36, 44, 6, 55, 20,
	3, 10, 43, 25, 39,
	41, 45, 15, 21, 8,
	18, 2, 61, 56, 14,
];

function rotl(v, n) {
	if (n === 0)
		return v;
	const b = BigInt(n);
	return ((v << b) | (v >> (64n - b))) & M64;
}

function permute(a) {
	const c = new Array(5), b = new Array(25);
	for (let round = 0; round < 24; round++) {
		for (let x = 0; x < 5; x++)
			c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
		for (let x = 0; x < 5; x++) {
			const d = c[(x + 4) % 5] ^ rotl(c[(x + 1) % 5], 1);
			for (let y = 0; y < 25; y += 5)
				a[x + y] ^= d;
		}
		for (let x = 0; x < 5; x++)
			for (let y = 0; y < 5; y++)
				b[y + 5 * ((2 * x + 3 * y) % 5)] =
				    rotl(a[x + 5 * y], ROT[x + 5 * y]);
		for (let y = 0; y < 25; y += 5)
			for (let x = 0; x < 5; x++)
				a[x + y] = b[x + y] ^
				    ((~b[(x + 1) % 5 + y] & M64) & b[(x + 2) % 5 + y]);
		a[0] ^= RC[round];
	}
}

// keccak256(Buffer | Uint8Array | string) -> Buffer(32)
export function keccak256(input) {
	const data = typeof input === 'string' ? Buffer.from(input, 'utf8') :
	    Buffer.from(input);
	const rate = 136;
	const padded = Buffer.alloc((Math.floor(data.length / rate) + 1) * rate);
	data.copy(padded);
	padded[data.length] ^= 0x01;
	padded[padded.length - 1] ^= 0x80;
	const a = new Array(25).fill(0n);
	for (let off = 0; off < padded.length; off += rate) {
		for (let i = 0; i < rate / 8; i++)
			a[i] ^= padded.readBigUInt64LE(off + 8 * i);
		permute(a);
	}
	const out = Buffer.alloc(32);
	for (let i = 0; i < 4; i++)
		out.writeBigUInt64LE(a[i], 8 * i);
	return out;
}
