// CLIP's byte-level BPE tokenizer, reproducing HF transformers' CLIPTokenizer (the Python one, on
// its no-ftfy path): BasicTokenizer clean-up (control characters dropped, whitespace collapsed,
// CJK ideographs spaced apart, NFC, lower case), CLIP's pre-tokenisation regex, bytes mapped to
// printable symbols, BPE with a "</w>" end-of-word marker, then <bos> … <eos>, truncation and padding.
// Ordinary added tokens (textual-inversion style) are not supported; only CLIP's two special
// strings are recognised inside a prompt, as in HF.

import { readTokenizerFolder, type TokenizerSpec } from './tokenizer-files.ts';

export { TokenizerError, type TokenizerSpec } from './tokenizer-files.ts';

export interface EncodeOptions {
  /** Sequence length, bos and eos included: 2 … the tokenizer's maxLength (default). */
  maxLength?: number;
  /** Pad with padId up to maxLength (default true: the text encoder takes fixed-length input). */
  pad?: boolean;
}

export interface Encoding {
  /** bos, the kept pieces' ids, eos, then padding. */
  ids: number[];
  /** 1 for bos, pieces and eos; 0 for padding. */
  attentionMask: number[];
  /** The BPE pieces behind ids[1 … tokens.length] (no bos/eos/padding), after truncation. */
  tokens: string[];
  /** Pieces were dropped to fit maxLength (eos is always kept last). */
  truncated: boolean;
}

// CLIP's pattern (HF and OpenAI), matched case-insensitively like Python's re.IGNORECASE.
const PIECE = /<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+/giu;
/** HF keeps these literal strings whole (its BPE cache is seeded with them), whatever the config says. */
const CLIP_SPECIAL_PIECES = new Set(['<|startoftext|>', '<|endoftext|>']);
const END_OF_WORD = '</w>';
/** Bounded so a long-running app fed arbitrary text cannot grow it without limit. */
const CACHE_LIMIT = 10_000;

/**
 * GPT-2/CLIP byte → symbol table: printable Latin-1 bytes stand for themselves, the rest
 * (controls, space, 0x7F–0xA0, 0xAD) are shifted to U+0100 onwards, so every byte is one visible symbol.
 */
const BYTE_SYMBOLS: readonly string[] = (() => {
  const table: string[] = new Array(256);
  let shifted = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    table[b] = String.fromCharCode(printable ? b : 256 + shifted++);
  }
  return table;
})();

/** BasicTokenizer._is_chinese_char: the CJK Unified Ideograph blocks (not kana or hangul). */
function isCjkIdeograph(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

const KEPT_WHITESPACE = /^[\t\n\r]$/;
const CONTROL = /^\p{C}$/u;
const SPACE_SEPARATOR = /^\p{Zs}$/u;

/**
 * HF CLIPTokenizer's text clean-up without ftfy (BasicTokenizer with lower-casing, no accent
 * stripping, no punctuation split): drop NUL, U+FFFD and other control/format characters, turn
 * whitespace into spaces, space out CJK ideographs, NFC, collapse and strip whitespace, lower-case.
 */
export function cleanClipText(text: string): string {
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp === 0xfffd || (CONTROL.test(ch) && !KEPT_WHITESPACE.test(ch))) continue;
    if (ch === ' ' || KEPT_WHITESPACE.test(ch) || SPACE_SEPARATOR.test(ch)) out += ' ';
    else if (isCjkIdeograph(cp)) out += ` ${ch} `;
    else out += ch;
  }
  // Python's str.split() also splits on U+2028/U+2029 (kept above, as HF keeps them); /\s/ does too.
  return out.normalize('NFC').split(/\s+/u).filter((w) => w !== '').join(' ').toLowerCase();
}

export class ClipTokenizer {
  readonly bosId: number;
  readonly eosId: number;
  readonly padId: number;
  readonly unkId: number;
  /** Default and largest sequence length, bos and eos included. */
  readonly maxLength: number;
  /** Embedding rows the ids index into: largest id + 1. */
  readonly vocabSize: number;
  private readonly vocab: Map<string, number>;
  /** ranks.get(left).get(right) = merge priority (lower merges first). */
  private readonly ranks = new Map<string, Map<string, number>>();
  private readonly cache = new Map<string, string[]>();

  constructor(spec: TokenizerSpec) {
    this.vocab = spec.vocab;
    const id = (token: string, role: string): number => {
      const v = spec.vocab.get(token);
      if (v === undefined) throw new RangeError(`ClipTokenizer: the ${role} token ${JSON.stringify(token)} is not in the vocabulary`);
      return v;
    };
    this.bosId = id(spec.bosToken, 'bos');
    this.eosId = id(spec.eosToken, 'eos');
    this.padId = id(spec.padToken, 'pad');
    this.unkId = id(spec.unkToken, 'unk');
    if (!Number.isInteger(spec.maxLength) || spec.maxLength < 2) throw new RangeError(`ClipTokenizer: maxLength must be an integer ≥ 2, got ${spec.maxLength}`);
    this.maxLength = spec.maxLength;
    let largest = -1;
    for (const v of spec.vocab.values()) largest = Math.max(largest, v);
    this.vocabSize = largest + 1;
    // Later duplicates overwrite earlier ones, as Python's dict(zip(merges, range(n))) does.
    spec.merges.forEach(([a, b], rank) => {
      let row = this.ranks.get(a);
      if (!row) this.ranks.set(a, (row = new Map()));
      row.set(b, rank);
    });
  }

  /** Loads tokenizer.json, or vocab.json + merges.txt, from an HF snapshot folder (see tokenizer-files.ts). */
  static fromFolder(dir: string): ClipTokenizer {
    return new ClipTokenizer(readTokenizerFolder(dir));
  }

  /** All BPE pieces of `text`, without bos/eos or truncation (HF's `tokenizer.tokenize(text)`). */
  tokenize(text: string): string[] {
    const pieces: string[] = [];
    for (const [word] of cleanClipText(text).matchAll(PIECE)) {
      if (CLIP_SPECIAL_PIECES.has(word)) {
        pieces.push(word);
        continue;
      }
      let symbols = '';
      for (const byte of Buffer.from(word, 'utf8')) symbols += BYTE_SYMBOLS[byte];
      pieces.push(...this.bpe(symbols));
    }
    return pieces;
  }

  encode(text: string, opts: EncodeOptions = {}): Encoding {
    const maxLength = opts.maxLength ?? this.maxLength;
    if (!Number.isInteger(maxLength) || maxLength < 2 || maxLength > this.maxLength) {
      throw new RangeError(`encode: maxLength must be an integer from 2 (bos + eos) to ${this.maxLength}, got ${maxLength}`);
    }
    const pieces = this.tokenize(text);
    // As HF's truncation: the content is cut to maxLength − 2, then bos/eos are added.
    const tokens = pieces.slice(0, maxLength - 2);
    // A piece missing from the vocabulary (e.g. a byte symbol a trimmed vocab lacks) becomes unk, as in HF.
    const ids = [this.bosId, ...tokens.map((t) => this.vocab.get(t) ?? this.unkId), this.eosId];
    const attentionMask = ids.map(() => 1);
    if (opts.pad ?? true) {
      while (ids.length < maxLength) {
        ids.push(this.padId);
        attentionMask.push(0);
      }
    }
    return { ids, attentionMask, tokens, truncated: tokens.length < pieces.length };
  }

  /** HF CLIPTokenizer.bpe: repeatedly merge every occurrence of the best-ranked adjacent pair. */
  private bpe(symbols: string): string[] {
    const cached = this.cache.get(symbols);
    if (cached) return cached;
    // Byte symbols are all below U+0200, so UTF-16 units are whole symbols.
    let word = symbols.split('');
    word[word.length - 1] += END_OF_WORD;
    while (word.length > 1) {
      let best = Infinity;
      let left = '';
      let right = '';
      for (let i = 0; i + 1 < word.length; i++) {
        const rank = this.ranks.get(word[i])?.get(word[i + 1]);
        if (rank !== undefined && rank < best) [best, left, right] = [rank, word[i], word[i + 1]];
      }
      if (best === Infinity) break;
      const merged: string[] = [];
      for (let i = 0; i < word.length; i++) {
        if (i + 1 < word.length && word[i] === left && word[i + 1] === right) {
          merged.push(left + right);
          i++;
        } else {
          merged.push(word[i]);
        }
      }
      word = merged;
    }
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(symbols, word);
    return word;
  }
}
