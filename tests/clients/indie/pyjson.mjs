// pyjson.mjs: JSON the way the network's Python side sees it (PROTOCOL.md
// section 7): a parser that keeps integers and floats apart (objects are
// Maps, duplicate keys: last wins; numbers are PyNum), CPython's
// json.dumps(sort_keys=True) with ensure_ascii, float repr, and the
// canonical request the enclave commits to, rebuilt from the wire request.
// (DEL is escaped as \u007f, as CPython does and canonical_json.json
// shows, whatever the prose of section 7 says.)

export class PyNum {
	constructor(raw, isFloat) {
		this.raw = raw;
		this.isFloat = isFloat;
	}
	get value() {
		return Number(this.raw);
	}
	static float(x) {
		return new PyNum(String(x), true);
	}
}

export function parse(text) {
	let i = 0;
	const ws = () => {
		while (i < text.length && ' \t\r\n'.includes(text[i]))
			i++;
	};
	const err = (m) => {
		throw new Error(`JSON: ${m} at ${i}`);
	};
	function str() {
		let out = '';
		i++;
		for (;;) {
			if (i >= text.length)
				err('unterminated string');
			const c = text[i++];
			if (c === '"')
				return out;
			if (c === '\\') {
				const e = text[i++];
				const map = { '"': '"', '\\': '\\', '/': '/', b: '\b',
				    f: '\f', n: '\n', r: '\r', t: '\t' };
				if (e === 'u') {
					const h = text.slice(i, i + 4);
					if (!/^[0-9a-fA-F]{4}$/.test(h))
						err('bad \\u');
					out += String.fromCharCode(parseInt(h, 16));
					i += 4;
				} else if (e in map)
					out += map[e];
				else
					err('bad escape');
			} else if (c < ' ')
				err('control character in string');
			else
				out += c;
		}
	}
	function value() {
		ws();
		const c = text[i];
		if (c === '{') {
			const m = new Map();
			i++;
			ws();
			if (text[i] === '}') {
				i++;
				return m;
			}
			for (;;) {
				ws();
				if (text[i] !== '"')
					err('key expected');
				const k = str();
				ws();
				if (text[i++] !== ':')
					err(': expected');
				m.set(k, value());
				ws();
				const d = text[i++];
				if (d === '}')
					return m;
				if (d !== ',')
					err(', expected');
			}
		}
		if (c === '[') {
			const a = [];
			i++;
			ws();
			if (text[i] === ']') {
				i++;
				return a;
			}
			for (;;) {
				a.push(value());
				ws();
				const d = text[i++];
				if (d === ']')
					return a;
				if (d !== ',')
					err(', expected');
			}
		}
		if (c === '"')
			return str();
		for (const [w, v] of [['true', true], ['false', false],
		    ['null', null]])
			if (text.startsWith(w, i)) {
				i += w.length;
				return v;
			}
		const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?/
		    .exec(text.slice(i, i + 400));
		if (!m || m[0] === '')
			err('unexpected character');
		i += m[0].length;
		return new PyNum(m[0], m[2] !== undefined || m[3] !== undefined);
	}
	const v = value();
	ws();
	if (i !== text.length)
		err('trailing data');
	return v;
}

// Python repr(float).
export function floatRepr(x) {
	if (x === Infinity)
		return 'Infinity';
	if (x === -Infinity)
		return '-Infinity';
	if (Number.isNaN(x))
		return 'NaN';
	if (x === 0)
		return Object.is(x, -0) ? '-0.0' : '0.0';
	let [mant, exp] = x.toExponential().split('e');
	const e = parseInt(exp, 10);
	let sign = '';
	if (mant[0] === '-') {
		sign = '-';
		mant = mant.slice(1);
	}
	const digits = mant.replace('.', '');
	if (e >= -4 && e < 16) {
		if (e < 0)
			return sign + '0.' + '0'.repeat(-e - 1) + digits;
		const ip = digits.slice(0, e + 1).padEnd(e + 1, '0');
		return sign + ip + '.' + (digits.slice(e + 1) || '0');
	}
	return sign + digits[0] + (digits.length > 1 ? '.' + digits.slice(1) :
	    '') + 'e' + (e < 0 ? '-' : '+') + String(Math.abs(e)).padStart(2, '0');
}

function pystr(s) {
	let out = '"';
	for (let i = 0; i < s.length; i++) {
		const c = s.charCodeAt(i);
		const ch = s[i];
		if (ch === '"')
			out += '\\"';
		else if (ch === '\\')
			out += '\\\\';
		else if (ch === '\n')
			out += '\\n';
		else if (ch === '\r')
			out += '\\r';
		else if (ch === '\t')
			out += '\\t';
		else if (ch === '\b')
			out += '\\b';
		else if (ch === '\f')
			out += '\\f';
		else if (c < 0x20 || c >= 0x7f)
			out += '\\u' + c.toString(16).padStart(4, '0');
		else
			out += ch;
	}
	return out + '"';
}

// Compare by code point (Python str order), not by UTF-16 unit.
export function cpCompare(a, b) {
	let i = 0, j = 0;
	while (i < a.length && j < b.length) {
		const x = a.codePointAt(i), y = b.codePointAt(j);
		if (x !== y)
			return x < y ? -1 : 1;
		i += x > 0xffff ? 2 : 1;
		j += y > 0xffff ? 2 : 1;
	}
	return (a.length - i > 0) - (b.length - j > 0);
}

// json.dumps(v, sort_keys=sort) with the default separators.  Accepts the
// parse() tree and plain JS values alike.
export function dumps(v, sort = true) {
	if (v === null || v === undefined)
		return 'null';
	if (v === true)
		return 'true';
	if (v === false)
		return 'false';
	if (typeof v === 'string')
		return pystr(v);
	if (v instanceof PyNum) {
		if (v.isFloat)
			return floatRepr(v.value);
		return v.raw === '-0' ? '0' : v.raw;
	}
	if (typeof v === 'number')
		return Number.isInteger(v) ? String(v) : floatRepr(v);
	if (Array.isArray(v))
		return '[' + v.map((x) => dumps(x, sort)).join(', ') + ']';
	const entries = v instanceof Map ? [...v.entries()] : Object.entries(v);
	if (sort)
		entries.sort((a, b) => cpCompare(a[0], b[0]));
	return '{' + entries.map(([k, x]) => pystr(k) + ': ' + dumps(x, sort))
	    .join(', ') + '}';
}

export function truthy(v) {
	if (v === null || v === undefined || v === false || v === '')
		return false;
	if (v instanceof PyNum)
		return v.value !== 0;
	if (Array.isArray(v))
		return v.length > 0;
	if (v instanceof Map)
		return v.size > 0;
	return true;
}

function get(m, k) {
	return m instanceof Map && m.has(k) ? m.get(k) : undefined;
}

function pyStrOf(v) {
	if (v === null || v === undefined)
		return 'None';
	if (v === true)
		return 'True';
	if (v === false)
		return 'False';
	if (v instanceof PyNum)
		return dumps(v);
	return dumps(v);
}

export class CanonError extends Error {}

function mapPart(p) {
	if (get(p, 'type') === 'text') {
		const t = get(p, 'text');
		return new Map([['type', 'text'], ['text', truthy(t) ? t : '']]);
	}
	const m = new Map([['type', get(p, 'type') ?? null]]);
	const f = get(get(p, 'file'), 'filename');
	const g = get(p, 'filename');
	if (typeof f === 'string' && f !== '')
		m.set('filename', f);
	else if (typeof g === 'string' && g !== '')
		m.set('filename', g);
	return m;
}

function mapMessage(msg) {
	if (!(msg instanceof Map))
		throw new CanonError('message is not an object');
	const role = get(msg, 'role');
	const content = get(msg, 'content') ?? null;
	switch (role) {
	case 'system':
	case 'developer':
		return new Map([['role', 'system'], ['content', content]]);
	case 'user': {
		let c;
		if (typeof content === 'string')
			c = content;
		else if (Array.isArray(content))
			c = content.map(mapPart);
		else
			c = pyStrOf(content);
		return new Map([['role', 'user'], ['content', c]]);
	}
	case 'assistant': {
		const m = new Map([['role', 'assistant'],
		    ['content', truthy(content) ? content : '']]);
		const tcs = get(msg, 'tool_calls');
		if (Array.isArray(tcs) && tcs.length > 0)
			m.set('tool_calls', tcs.map((tc) => {
				const fn = get(tc, 'function');
				const dflt = (o, k, d) => (o instanceof Map && o.has(k) ?
				    o.get(k) : d);
				return new Map([['id', dflt(tc, 'id', '')],
				    ['type', dflt(tc, 'type', 'function')],
				    ['function', new Map([
				    ['name', dflt(fn, 'name', '')],
				    ['arguments', dflt(fn, 'arguments', '')]])]]);
			}));
		return m;
	}
	case 'tool':
		return new Map([['role', 'tool'], ['content', content],
		    ['tool_call_id', get(msg, 'tool_call_id') ?? null]]);
	case 'function':
		return new Map([['role', 'function'], ['content', content],
		    ['name', get(msg, 'name') ?? null]]);
	default:
		throw new CanonError('unknown role');
	}
}

// The canonical request (section 7) from a parsed request (wire or body).
export function canonical(req) {
	if (!(req instanceof Map))
		throw new CanonError('request is not an object');
	const model = get(req, 'model');
	if (typeof model !== 'string' || model === '')
		throw new CanonError('model required');
	const msgs = get(req, 'messages');
	if (!Array.isArray(msgs) || msgs.length === 0)
		throw new CanonError('messages required');
	const c = new Map([['model', model], ['messages', msgs.map(mapMessage)]]);
	const t = get(req, 'temperature');
	c.set('temperature', t instanceof PyNum ? PyNum.float(t.value) :
	    PyNum.float(0));
	if (t !== undefined && t !== null && !(t instanceof PyNum))
		throw new CanonError('temperature not a number');
	const mt = get(req, 'max_tokens');
	if (mt !== undefined && mt !== null)
		c.set('max_tokens', mt);
	for (const k of ['stop', 'tools', 'response_format'])
		if (truthy(get(req, k)))
			c.set(k, get(req, k));
	if (c.has('tools') && !Array.isArray(c.get('tools')))
		throw new CanonError('tools must be a list');
	if (truthy(get(req, 'web_search')))
		c.set('web_search', true);
	return c;
}
