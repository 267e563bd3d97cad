/**
 * Reading an API request's JSON body at the local endpoint without holding the code package in it.
 * SCF's API carries a zip as base64 in the JSON (`Code.ZipFile`, `ZipFile`, `Content.ZipFile`), up to
 * ~67 MB for a 50 MB package. Read whole, then parsed and decoded, that was the body, its text, the
 * parsed string and the decoded zip at once (318 MB peak for an 11 MB package with the CLI in the same
 * process). Here the body is scanned as it arrives:
 *   - its SHA-256 is computed on the way, for the TC3 signature check;
 *   - the value of every string under a key named `ZipFile` (at any depth, the key unescaped as JSON
 *     does) is checked to be base64, decoded as it comes and written to a spool file (a few KB held),
 *     with its SHA-256 and size; in the JSON kept, the value becomes a token naming that spool file;
 *   - the rest of the JSON (a few KB) is kept for JSON.parse.
 * The token holds a random part chosen per request, so a client cannot name a spool file itself.
 */
import { createHash, randomBytes, type Hash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { fail, ok, type Outcome } from '../../model/outcome';
import { bodyTooLarge, refuseDeclaredTooLarge } from '../../util/httpBody';

/** A zip decoded from the body into a file of its own. */
export interface SpooledZip {
  file: string;
  bytes: number;
  sha256: string;
  /** Why it is not base64 (the file is then incomplete), or undefined. */
  invalid?: string;
  /** Decoding stopped past the limit (the file is incomplete); `bytes` counts all of it. */
  tooLarge?: boolean;
}

export interface UploadBody {
  /** The JSON with each ZipFile value replaced by a token (see `zips`). */
  json: Buffer;
  /** Hex SHA-256 of the body as sent. */
  sha256: string;
  /** Token -> spooled zip. */
  zips: Map<string, SpooledZip>;
  /** Removes the spool files not taken (renamed) by the action. */
  dispose(): void;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
/** Keys longer than this are not ZipFile: not kept for comparison. */
const KEY_MAX = 64;
const BASE64 = /^[A-Za-z0-9+/]*$/;

class ZipSpool {
  readonly hash: Hash = createHash('sha256');
  private readonly fd: number;
  private carry = '';
  private padding = 0;
  bytes = 0;
  invalid?: string;
  tooLarge = false;

  constructor(
    readonly token: string,
    readonly file: string,
    private readonly maxBytes: number,
  ) {
    this.fd = openSync(file, 'w', 0o600);
  }

  /** Base64 text (escapes already resolved). */
  push(text: string): void {
    if (this.invalid) return;
    let t = text;
    if (this.padding || t.includes('=')) {
      const i = this.padding ? 0 : t.indexOf('=');
      const tail = t.slice(i);
      if (!/^=*$/.test(tail)) return void (this.invalid = 'ZipFile is not base64.');
      this.padding += tail.length;
      t = t.slice(0, i);
    }
    if (!BASE64.test(t)) return void (this.invalid = 'ZipFile is not base64.');
    const all = this.carry + t;
    const whole = all.length - (all.length % 4);
    this.carry = all.slice(whole);
    if (whole) this.write(Buffer.from(all.slice(0, whole), 'base64'));
  }

  private write(data: Buffer): void {
    this.bytes += data.length;
    if (this.bytes > this.maxBytes) this.tooLarge = true;
    if (this.tooLarge) return;
    this.hash.update(data);
    for (let at = 0; at < data.length; ) at += writeSync(this.fd, data, at, data.length - at);
  }

  end(): SpooledZip {
    if (!this.invalid) {
      if (this.padding > 2 || (this.carry.length + this.padding) % 4 !== 0) this.invalid = 'ZipFile is not base64.';
      else if (this.carry) this.write(Buffer.from(this.carry, 'base64'));
    }
    closeSync(this.fd);
    return { file: this.file, bytes: this.bytes, sha256: this.hash.digest('hex'), invalid: this.invalid, tooLarge: this.tooLarge };
  }

  abandon(): void {
    try {
      closeSync(this.fd);
    } catch {
      // closed
    }
  }
}

/**
 * Reads `req`'s body up to `limit` bytes, spooling ZipFile values into `spoolDir`. Answers
 * `http.bodyTooLarge` past the limit (the caller answers with answerBeforeBody) or `http.aborted`.
 */
export function readUploadBody(req: IncomingMessage, limit: number, spoolDir: string, maxZipBytes: number): Promise<Outcome<UploadBody>> {
  const refused = refuseDeclaredTooLarge(req, limit);
  if (refused) return Promise.resolve(refused);
  const nonce = randomBytes(12).toString('hex');
  const hash = createHash('sha256');
  const kept: Buffer[] = [];
  const zips = new Map<string, SpooledZip>();
  const files: string[] = [];
  const dispose = () => {
    for (const f of files) rmSync(f, { force: true });
  };
  // Scanner state.
  let inString = false;
  let escape = false;
  let unicode = ''; // the hex digits of a \u escape so far (inside a spooled value)
  let key = ''; // the text of the last string, raw, while short enough
  let keyTooLong = false;
  let lastString: string | undefined;
  let lastKey: string | undefined;
  let afterColon = false;
  let spool: ZipSpool | undefined;
  let size = 0;

  const startSpool = (): void => {
    mkdirSync(spoolDir, { recursive: true });
    const token = `\u0000zip:${nonce}:${files.length}`;
    const file = join(spoolDir, `upload-${nonce}-${files.length}.zip`);
    files.push(file);
    spool = new ZipSpool(token, file, maxZipBytes);
    kept.push(Buffer.from(JSON.stringify(token).slice(1, -1), 'utf8'));
  };

  const scan = (chunk: Buffer): void => {
    let from = 0; // start of the part of chunk still to be kept
    for (let i = 0; i < chunk.length; i++) {
      if (spool) {
        // Inside a ZipFile value: jump to the next quote or backslash.
        const s = spool;
        if (escape) {
          const c = chunk[i]!;
          if (unicode.length || c === 0x75 /* u */) {
            if (c !== 0x75) unicode += String.fromCharCode(c);
            else if (!unicode.length) unicode = 'u';
            if (unicode.length === 5) {
              s.push(String.fromCharCode(parseInt(unicode.slice(1), 16)));
              unicode = '';
              escape = false;
            }
            continue;
          }
          s.push(c === 0x2f ? '/' : '\u0001'); // only \/ can stand for a base64 character
          escape = false;
          continue;
        }
        let j = i;
        while (j < chunk.length && chunk[j] !== QUOTE && chunk[j] !== BACKSLASH) j++;
        if (j > i) s.push(chunk.toString('latin1', i, j));
        if (j === chunk.length) {
          i = j;
          break;
        }
        if (chunk[j] === BACKSLASH) {
          escape = true;
          i = j;
          continue;
        }
        // The closing quote: the value ends; keep from the quote on.
        const done = s.end();
        zips.set(s.token, done);
        spool = undefined;
        inString = false;
        from = j;
        i = j;
        continue;
      }
      const c = chunk[i]!;
      if (inString) {
        if (escape) escape = false;
        else if (c === BACKSLASH) escape = true;
        else if (c === QUOTE) {
          inString = false;
          lastString = keyTooLong ? undefined : key;
          continue;
        }
        if (!keyTooLong) {
          key += String.fromCharCode(c);
          if (key.length > KEY_MAX) keyTooLong = true;
        }
        continue;
      }
      if (c === QUOTE) {
        const valueOfZipFile = afterColon && lastKey === 'ZipFile';
        afterColon = false;
        inString = true;
        key = '';
        keyTooLong = false;
        if (valueOfZipFile) {
          kept.push(chunk.subarray(from, i + 1));
          startSpool();
          from = i + 1;
        }
        continue;
      }
      if (c === COLON) {
        afterColon = true;
        lastKey = lastString === undefined ? undefined : unescapeKey(lastString);
        continue;
      }
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) {
        afterColon = false;
        lastString = undefined;
      }
    }
    if (!spool && from < chunk.length) kept.push(chunk.subarray(from));
  };

  return new Promise((resolve) => {
    let settled = false;
    const settle = (outcome: Outcome<UploadBody>) => {
      if (settled) return;
      settled = true;
      if (!outcome.ok) {
        spool?.abandon();
        dispose();
      }
      resolve(outcome);
    };
    req.on('data', (c: Buffer) => {
      if (settled) return;
      size += c.length;
      if (size > limit) return settle(bodyTooLarge(limit));
      hash.update(c);
      try {
        scan(c);
      } catch (e) {
        settle(fail('http.aborted', `the request body could not be read: ${(e as Error).message}`));
      }
    });
    const end = () => {
      if (settled) return;
      if (spool) {
        // The body ended inside a ZipFile value: not JSON; let JSON.parse say so.
        zips.set(spool.token, spool.end());
        spool = undefined;
      }
      settle(ok({ json: Buffer.concat(kept), sha256: hash.digest('hex'), zips, dispose }));
    };
    req.on('end', end);
    req.on('error', (e) => settle(fail('http.aborted', `the request was cut off: ${e.message}`)));
    req.on('close', () => (req.complete ? end() : settle(fail('http.aborted', 'the client closed the connection before the body ended'))));
  });
}

function unescapeKey(raw: string): string | undefined {
  if (!raw.includes('\\')) return raw;
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    return undefined;
  }
}
