import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  type Checkpoint,
  ed25519KeyId,
  formatCheckpoint,
  formatSignerKey,
  formatVerifierKey,
  generateSignerKey,
  NoteKeyError,
  type NoteVerifier,
  openCheckpoint,
  openNote,
  parseCheckpoint,
  parseSignerKey,
  parseVerifierKey,
  signCheckpoint,
  signNote,
} from './note.js';

// Copied into the repository with their source and licence: see testdata/signed-note/README.md.
const VECTORS = fileURLToPath(new URL('./testdata/signed-note', import.meta.url));
const exampleNote = new Uint8Array(readFileSync(path.join(VECTORS, 'example.note')));
const exampleVkey = readFileSync(path.join(VECTORS, 'example.vkey'), 'utf8').trim();

describe('the signed-note vector', () => {
  const verifier = parseVerifierKey(exampleVkey);

  it('has the key the README describes, and formats back to the same string', () => {
    expect(readFileSync(path.join(VECTORS, 'README.md'), 'utf8')).toContain('530d903a');
    expect(verifier.name).toBe('example.com/foo');
    expect(verifier.keyId).toBe(0x530d903a);
    expect(formatVerifierKey(verifier.name, verifier.publicKey)).toBe(exampleVkey);
  });

  it('verifies', () => {
    const opened = openNote(exampleNote, [verifier]);
    expect(opened).toMatchObject({ ok: true, text: 'This is an example message.\n', unverified: [] });
    expect(openNote(new TextDecoder().decode(exampleNote), [verifier]).ok).toBe(true);
  });

  it('fails after flipping any bit of any byte, text or signature', () => {
    for (let i = 0; i < exampleNote.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const changed = exampleNote.slice();
        changed[i]! ^= 1 << bit;
        expect(openNote(changed, [verifier]).ok, `byte ${i} bit ${bit}`).toBe(false);
      }
    }
  });

  it('fails with a wrong key, a wrong name, or a key posing under the same name and ID', () => {
    const other = parseVerifierKey(generateSignerKey('example.com/foo').verifierKey);
    expect(openNote(exampleNote, [other])).toEqual({ ok: false, reason: 'no-known-signature' });
    const renamed = parseVerifierKey(formatVerifierKey('example.com/bar', verifier.publicKey));
    expect(openNote(exampleNote, [renamed])).toEqual({ ok: false, reason: 'no-known-signature' });
    const impostor: NoteVerifier = { name: verifier.name, keyId: verifier.keyId, verify: other.verify };
    expect(openNote(exampleNote, [impostor])).toEqual({ ok: false, reason: 'bad-signature' });
    const renamedLine = new TextDecoder()
      .decode(exampleNote)
      .replace('— example.com/foo', '— example.com/bar');
    expect(openNote(renamedLine, [verifier])).toEqual({ ok: false, reason: 'no-known-signature' });
    expect(openNote(exampleNote, [])).toEqual({ ok: false, reason: 'no-known-signature' });
  });

  it('ignores unknown signatures next to a known one', () => {
    const stranger = parseSignerKey(generateSignerKey('stranger.example/log').signerKey);
    const text = new TextDecoder().decode(exampleNote);
    const cosigned = signNote('This is an example message.\n', [stranger]).split('\n\n')[1]!;
    const opened = openNote(text + cosigned, [verifier]);
    expect(opened.ok && opened.unverified.map((s) => s.name)).toEqual(['stranger.example/log']);
  });
});

describe('keys', () => {
  // golang.org/x/mod/sumdb/note's documented example: same key strings and the same signature.
  const goSkey = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
  const goVkey = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
  const goText =
    "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
  const goSig =
    '— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';

  it("match Go's reference example byte for byte", () => {
    const signer = parseSignerKey(goSkey);
    expect(formatVerifierKey(signer.name, signer.publicKey)).toBe(goVkey);
    expect(signNote(goText, [signer])).toBe(`${goText}\n${goSig}`);
    const seed = Buffer.from(goSkey.split('+').slice(4).join('+'), 'base64').subarray(1);
    expect(formatSignerKey('PeterNeumann', seed)).toBe(goSkey);
  });

  it('round trip through generate, format and parse, including base64 with "+"', () => {
    let withPlus = 0; // '+' inside the base64 must not be taken for a field separator
    for (let i = 0; i < 50; i++) {
      const { signerKey, verifierKey } = generateSignerKey('techex.example/vouchers');
      const signer = parseSignerKey(signerKey);
      const verifier = parseVerifierKey(verifierKey);
      expect(verifier.keyId).toBe(signer.keyId);
      expect(verifier.keyId).toBe(ed25519KeyId(verifier.name, verifier.publicKey));
      expect(openNote(signNote('x\n', [signer]), [verifier]).ok).toBe(true);
      if (verifierKey.split('+').length > 3) withPlus++;
    }
    expect(withPlus).toBeGreaterThan(0);
  });

  it.each([
    ['wrong key ID', 'PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'],
    ['upper-case key ID', 'PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'],
    ['unknown algorithm', 'PeterNeumann+c74f20a3+Ahpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'],
    ['short key', 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10'],
    ['no name', '+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'],
    ['space in name', 'Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'],
    ['missing field', 'PeterNeumann+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'],
  ])('verifier key with %s is rejected', (_what, vkey) => {
    expect(() => parseVerifierKey(vkey)).toThrow(NoteKeyError);
  });

  it('signer keys must be marked private and carry the right ID', () => {
    expect(() => parseSignerKey(goSkey.replace('PRIVATE+KEY+', ''))).toThrow(NoteKeyError);
    expect(() => parseSignerKey(goSkey.replace('c74f20a3', 'c74f20a4'))).toThrow(NoteKeyError);
  });
});

describe('signing and opening notes', () => {
  const { signerKey, verifierKey } = generateSignerKey('techex.example/vouchers');
  const signer = parseSignerKey(signerKey);
  const verifier = parseVerifierKey(verifierKey);

  it('round trip, including text with blank lines and non-ASCII', () => {
    for (const text of ['hello\n', '数据交易凭证\n\nsecond paragraph\n', '\n']) {
      const opened = openNote(signNote(text, [signer]), [verifier]);
      expect(opened).toMatchObject({ ok: true, text });
    }
  });

  it('refuses text it cannot sign', () => {
    expect(() => signNote('no final newline', [signer])).toThrow(RangeError);
    expect(() => signNote('tab\there\n', [signer])).toThrow(RangeError);
    expect(() => signNote('hello\n', [])).toThrow(RangeError);
  });

  it.each([
    ['no blank line', 'hello\n— techex.example/vouchers AAAAAAA=\n'],
    ['no final newline', 'hello\n\n— techex.example/vouchers AAAAAAAA'],
    ['a hyphen for the em dash', 'hello\n\n-- techex.example/vouchers AAAAAAAA\n'],
    ['a signature too short', 'hello\n\n— techex.example/vouchers AAAA\n'],
    ['a carriage return', 'hello\r\n\n— techex.example/vouchers AAAAAAAA\n'],
  ])('rejects a note with %s', (_what, note) => {
    expect(openNote(note, [verifier])).toEqual({ ok: false, reason: 'malformed' });
  });

  it('rejects invalid UTF-8, a smuggled BOM, and too many signatures', () => {
    const note = new TextEncoder().encode(signNote('hello\n', [signer]));
    expect(openNote(Uint8Array.of(0xff, ...note), [verifier]).ok).toBe(false);
    expect(openNote(Uint8Array.of(0xef, 0xbb, 0xbf, ...note), [verifier]).ok).toBe(false);
    const stranger = parseSignerKey(generateSignerKey('stranger.example').signerKey);
    const crowded = signNote('hello\n', [signer, ...Array<typeof stranger>(100).fill(stranger)]);
    expect(openNote(crowded, [verifier])).toEqual({ ok: false, reason: 'too-many-signatures' });
    const sixteen = signNote('hello\n', [signer, ...Array<typeof stranger>(15).fill(stranger)]);
    expect(openNote(sixteen, [verifier]).ok).toBe(true);
  });

  it('rejects two verifiers claiming the same name and key ID', () => {
    const note = signNote('hello\n', [signer]);
    expect(openNote(note, [verifier, verifier])).toEqual({ ok: false, reason: 'ambiguous-verifiers' });
  });
});

describe('checkpoints', () => {
  const { signerKey, verifierKey } = generateSignerKey('techex.example/vouchers');
  const signer = parseSignerKey(signerKey);
  const verifier = parseVerifierKey(verifierKey);
  const cp: Checkpoint = {
    origin: 'techex.example/vouchers',
    size: 20852163,
    rootHash: new Uint8Array(32).fill(7),
  };

  it('format as origin, size and base64 root lines', () => {
    expect(formatCheckpoint(cp)).toBe(
      'techex.example/vouchers\n20852163\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n',
    );
    expect(parseCheckpoint(formatCheckpoint(cp))).toEqual(cp);
    const extended = { ...cp, extensions: ['ext one', 'ext two'] };
    expect(parseCheckpoint(formatCheckpoint(extended))).toEqual(extended);
    expect(parseCheckpoint(formatCheckpoint({ ...cp, size: 0 }))?.size).toBe(0);
  });

  it.each([
    ['missing root line', 'o\n1\n'],
    ['no final newline', 'o\n1\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc='],
    ['leading zero', 'o\n01\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n'],
    ['negative size', 'o\n-1\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n'],
    ['unsafe size', 'o\n9007199254740993\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n'],
    ['short root', 'o\n1\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBw==\n'],
    ['empty origin', '\n1\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n'],
    ['empty extension line', 'o\n1\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n\n'],
  ])('reject a body with %s', (_what, text) => {
    expect(parseCheckpoint(text)).toBeNull();
  });

  it('sign and open, checking the origin', () => {
    const note = signCheckpoint(cp, [signer]);
    expect(openCheckpoint(note, [verifier], cp.origin)).toMatchObject({ ok: true, checkpoint: cp });
    expect(openCheckpoint(note, [verifier], 'other.example/log')).toEqual({
      ok: false,
      reason: 'wrong-origin',
    });
    expect(openCheckpoint(note.replace('20852163', '20852164'), [verifier], cp.origin).ok).toBe(false);
    const example = openCheckpoint(exampleNote, [parseVerifierKey(exampleVkey)], 'example.com/foo');
    expect(example).toEqual({ ok: false, reason: 'not-a-checkpoint' });
  });
});
