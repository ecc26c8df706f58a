// The CLIP tokenizer against the clipseg-tiny fixture (HF CLIPTokenizer's own output), against
// pieces worked out by hand from that fixture's merges.txt, and against HF's JS tokenizers port
// (CLIPTokenizerFast semantics) where the two HF tokenizers agree; both loading paths; bad files.
//
// Fixture merges (rank: pair) used in the hand derivations below:
//   0 "o l", 2 "ol y", 3 "p oly", 4 "e n", 10 "poly p</w>", 21 "c l".
// Every other adjacent pair in the words below has no merge, so those symbols stay single bytes.

import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { ClipTokenizer, TokenizerError } from '../../main/engine/model/tokenizer.ts';

const FIXTURE = new URL('../fixtures/clipseg-tiny/', import.meta.url).pathname;
const MAX = 16;
const BOS = 560;
const EOS = 561; // also pad and unk in this fixture

interface FixturePrompt {
  prompt: string;
  tokens: string[];
  input_ids: number[];
  attention_mask: number[];
  eot_index: number;
  truncated: boolean;
}
const fixture = JSON.parse(readFileSync(join(FIXTURE, 'tokens.json'), 'utf8')) as { max_length: number; vocab_size: number; sot_id: number; eot_id: number; pad_id: number; prompts: FixturePrompt[] };
const vocab = JSON.parse(readFileSync(join(FIXTURE, 'vocab.json'), 'utf8')) as Record<string, number>;
const mergeLines = readFileSync(join(FIXTURE, 'merges.txt'), 'utf8').trim().split('\n').slice(1);
const idsOf = (pieces: string[]): number[] =>
  pieces.map((p) => {
    assert.ok(p in vocab, `hand-derived piece ${JSON.stringify(p)} is in vocab.json`);
    return vocab[p];
  });

const tmp = mkdtempSync(join(tmpdir(), 'delineate-tokenizer-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
let folders = 0;
/** A fresh folder holding `files` (name → text); `copy` names fixture files to copy in. */
function folder(files: Record<string, string>, copy: string[] = []): string {
  const dir = join(tmp, `f${folders++}`);
  mkdirSync(dir);
  for (const name of copy) copyFileSync(join(FIXTURE, name), join(dir, name));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** A tokenizer.json laid out as HF's CLIPTokenizerFast saves it, built from the fixture's vocab/merges. */
function clipTokenizerJson(mergeFormat: 'string' | 'pair' = 'pair'): Record<string, any> {
  const pattern = "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+";
  const special = (id: number, content: string) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: id === BOS, special: true });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [special(BOS, '<|startoftext|>'), special(EOS, '<|endoftext|>')],
    normalizer: { type: 'Sequence', normalizers: [{ type: 'NFC' }, { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' }, { type: 'Lowercase' }] },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: pattern }, behavior: 'Removed', invert: true },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor: { type: 'RobertaProcessing', sep: ['<|endoftext|>', EOS], cls: ['<|startoftext|>', BOS], trim_offsets: false, add_prefix_space: false },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: '<|endoftext|>',
      continuing_subword_prefix: '',
      end_of_word_suffix: '</w>',
      fuse_unk: false,
      byte_fallback: false,
      vocab: { ...vocab },
      merges: mergeFormat === 'string' ? mergeLines : mergeLines.map((l) => l.split(' ')),
    },
  };
}

const fromFiles = ClipTokenizer.fromFolder(FIXTURE);
const fromJson = ClipTokenizer.fromFolder(folder({ 'tokenizer.json': JSON.stringify(clipTokenizerJson()) }, ['tokenizer_config.json', 'special_tokens_map.json']));

describe('clipseg-tiny fixture (HF CLIPTokenizer output)', () => {
  test('special ids, length and vocabulary size', () => {
    for (const t of [fromFiles, fromJson]) {
      assert.deepEqual([t.bosId, t.eosId, t.padId, t.unkId], [fixture.sot_id, fixture.eot_id, fixture.pad_id, EOS]);
      assert.equal(t.maxLength, fixture.max_length);
      assert.equal(t.vocabSize, fixture.vocab_size);
    }
  });

  for (const p of fixture.prompts) {
    test(`"${p.prompt}"`, () => {
      for (const t of [fromFiles, fromJson]) {
        const e = t.encode(p.prompt);
        assert.deepEqual(e.ids, p.input_ids);
        assert.deepEqual(e.attentionMask, p.attention_mask);
        assert.equal(e.truncated, p.truncated);
        assert.equal(e.ids.indexOf(EOS), p.eot_index);
        // The fixture lists every piece; encode reports the ones that fit between bos and eos.
        assert.deepEqual(e.tokens, p.tokens.slice(0, MAX - 2));
        assert.deepEqual(t.tokenize(p.prompt), p.tokens);
      }
    });
  }

  test('the fixture covers a truncated prompt and one that fills every position exactly', () => {
    assert.ok(fixture.prompts.some((p) => p.truncated));
    assert.ok(fixture.prompts.some((p) => !p.truncated && p.tokens.length === MAX - 2));
  });
});

describe('hand-derived pieces', () => {
  /** `pieces` are all of the text's pieces; encode keeps the first MAX − 2. */
  const check = (text: string, pieces: string[]): void => {
    const kept = pieces.slice(0, MAX - 2);
    for (const t of [fromFiles, fromJson]) {
      assert.deepEqual(t.tokenize(text), pieces);
      const e = t.encode(text, { pad: false });
      assert.deepEqual(e.tokens, kept);
      assert.deepEqual(e.ids, [BOS, ...idsOf(kept), EOS]);
      assert.deepEqual(e.attentionMask, e.ids.map(() => 1));
      assert.equal(e.truncated, kept.length < pieces.length);
    }
  };

  test('punctuation is split from words and each run ends a word', () => {
    // polyp: o+l (0) → ol+y (2) → p+oly (3) → poly+p</w> (10). ventricle: e+n (4), c+l (21).
    check('polyp, left-ventricle!', ['polyp</w>', ',</w>', 'l', 'e', 'f', 't</w>', '-</w>', 'v', 'en', 't', 'r', 'i', 'cl', 'e</w>', '!</w>']);
    // A run of punctuation is one word.
    check(':-)', [':', '-', ')</w>']);
  });

  test("contractions split off as CLIP's regex says", () => {
    check("it's", ['i', 't</w>', "'", 's</w>']);
    check("IT'S", ['i', 't</w>', "'", 's</w>']);
    // Python's re.IGNORECASE folds "ſ" (long s, C5 BF) to "s", so "'ſ" is one contraction piece.
    check("'ſ", ["'", 'Å', '¿</w>']);
  });

  test('accented letters become their UTF-8 bytes (é = C3 A9 → "Ã" "©"), composed or not', () => {
    const pieces = ['t', 'u', 'm', 'e', 'u', 'r</w>', 'b', 'Ã', '©', 'n', 'i', 'g', 'n', 'e</w>'];
    check('tumeur bénigne', pieces);
    check('tumeur be\u0301nigne', pieces); // NFC first, as HF's BasicTokenizer
    check('TUMEUR BÉNIGNE', pieces);
  });

  test('CJK ideographs are words of their own; bytes outside Latin-1 use the shifted symbols', () => {
    // 肿 = E8 82 BF → "è" "Ĥ" "¿"; 瘤 = E7 98 A4 → "ç" "ĺ" "¤". Bytes 0x7F–0xA0 map to U+0121 + (b − 0x7F):
    // 0x82 → U+0124 "Ĥ", 0x98 → U+013A "ĺ". HF's slow CLIPTokenizer spaces ideographs apart, so each ends a word.
    check('肿瘤', ['è', 'Ĥ', '¿</w>', 'ç', 'ĺ', '¤</w>']);
    check('肿瘤ok', ['è', 'Ĥ', '¿</w>', 'ç', 'ĺ', '¤</w>', 'o', 'k</w>']);
  });

  test('emoji become byte symbols (😀 = F0 9F 98 80 → "ð" "Ł" "ĺ" "Ģ")', () => {
    check('😀', ['ð', 'Ł', 'ĺ', 'Ģ</w>']);
  });

  test('control and format characters are dropped, other whitespace separates words', () => {
    // NUL, zero-width space (Cf) and U+FFFD vanish (BasicTokenizer._clean_text); NBSP and U+3000 are spaces.
    check('x\u0000y\u200bz\ufffd', ['x', 'y', 'z</w>']);
    check('a\u00a0b\u3000c', ['a</w>', 'b</w>', 'c</w>']);
  });

  test("CLIP's special strings in a prompt are kept whole, in any case", () => {
    check('a<|endoftext|>b', ['a</w>', '<|endoftext|>', 'b</w>']);
    check('<|StartOfText|>', ['<|startoftext|>']);
  });
});

describe('clean-up, truncation, padding', () => {
  test('whitespace is collapsed and stripped, text lower-cased', () => {
    assert.deepEqual(fromFiles.encode('  Left   VENTRICLE\n'), fromFiles.encode('left ventricle'));
    assert.deepEqual(fromFiles.encode('\tPolyp\r\n\n'), fromFiles.encode('polyp'));
  });

  test('an empty or whitespace-only prompt is [bos, eos] then padding', () => {
    const pad = Array<number>(MAX - 2).fill(EOS);
    for (const text of ['', '   ', '\n\t ']) {
      const e = fromFiles.encode(text);
      assert.deepEqual(e.ids, [BOS, EOS, ...pad]);
      assert.deepEqual(e.attentionMask, [1, 1, ...Array<number>(MAX - 2).fill(0)]);
      assert.deepEqual(e.tokens, []);
      assert.equal(e.truncated, false);
      assert.deepEqual(fromFiles.encode(text, { pad: false }).ids, [BOS, EOS]);
    }
  });

  test('an over-long prompt keeps maxLength − 2 pieces and ends with eos', () => {
    const text = Array(20).fill('polyp').join(' ');
    const full = fromFiles.encode(text);
    assert.deepEqual(full.ids, [BOS, ...Array<number>(MAX - 2).fill(vocab['polyp</w>']), EOS]);
    assert.deepEqual(full.attentionMask, Array<number>(MAX).fill(1));
    assert.equal(full.truncated, true);
    assert.equal(full.tokens.length, MAX - 2);
    assert.equal(fromFiles.tokenize(text).length, 20);

    const short = fromFiles.encode(text, { maxLength: 5 });
    assert.deepEqual(short.ids, [BOS, 522, 522, 522, EOS]);
    assert.equal(short.truncated, true);
  });

  test('a shorter maxLength pads to that length; pad: false does not pad', () => {
    const e = fromFiles.encode('polyp', { maxLength: 6 });
    assert.deepEqual(e.ids, [BOS, 522, EOS, EOS, EOS, EOS]);
    assert.deepEqual(e.attentionMask, [1, 1, 1, 0, 0, 0]);
    assert.deepEqual(fromFiles.encode('polyp', { pad: false }), { ids: [BOS, 522, EOS], attentionMask: [1, 1, 1], tokens: ['polyp</w>'], truncated: false });
  });

  test('maxLength outside 2 … model max is refused', () => {
    for (const maxLength of [1, MAX + 1, 3.5]) assert.throws(() => fromFiles.encode('x', { maxLength }), RangeError);
    assert.deepEqual(fromFiles.encode('polyp', { maxLength: 2 }).ids, [BOS, EOS]);
  });

  test('pad id comes from the config (SD-2-style "!" padding)', () => {
    const dir = folder({ 'special_tokens_map.json': JSON.stringify({ pad_token: '!' }) }, ['vocab.json', 'merges.txt', 'tokenizer_config.json']);
    const t = ClipTokenizer.fromFolder(dir);
    assert.equal(t.padId, vocab['!']);
    assert.deepEqual(t.encode('polyp', { maxLength: 4 }).ids, [BOS, 522, EOS, vocab['!']]);
  });
});

describe('against @huggingface/tokenizers (CLIPTokenizerFast semantics)', () => {
  // Slow and fast HF tokenizers differ only on CJK ideographs and control/format characters; these avoid both.
  const prompts = ['polyp, left-ventricle!', 'Tumeur Bénigne', '😀 a polyp', "it's 10 o'clock", '  Left   VENTRICLE\n', 'a<|endoftext|>b', ':-) ;-(', 'Straße ΟΔΟΣ', 'a colonoscopy, with a lesion near the centre'];
  const hf = new HfTokenizer(clipTokenizerJson('string'), JSON.parse(readFileSync(join(FIXTURE, 'tokenizer_config.json'), 'utf8')));
  for (const text of prompts) {
    test(JSON.stringify(text), () => {
      const ref = hf.encode(text); // untruncated: bos, pieces, eos
      const kept = Math.min(ref.ids.length - 2, MAX - 2);
      for (const t of [fromFiles, fromJson]) {
        assert.deepEqual(t.tokenize(text), ref.tokens.slice(1, -1));
        assert.deepEqual(t.encode(text, { pad: false }).ids, [...ref.ids.slice(0, kept + 1), EOS]);
      }
    });
  }
});

describe('loading', () => {
  test('tokenizer.json alone: specials from post_processor/model, CLIP context length by default', () => {
    const json = clipTokenizerJson('string');
    // Specials only in added_tokens, as some exports have them.
    delete json.model.vocab['<|startoftext|>'];
    delete json.model.vocab['<|endoftext|>'];
    const t = ClipTokenizer.fromFolder(folder({ 'tokenizer.json': JSON.stringify(json) }));
    assert.deepEqual([t.bosId, t.eosId, t.padId, t.unkId, t.maxLength], [BOS, EOS, EOS, EOS, 77]);
    assert.deepEqual(t.encode('a polyp in an endoscopy image', { maxLength: MAX }).ids, fixture.prompts[0].input_ids);
  });

  test('vocab.json + merges.txt alone: CLIP defaults for specials and length', () => {
    const t = ClipTokenizer.fromFolder(folder({}, ['vocab.json', 'merges.txt']));
    assert.deepEqual([t.bosId, t.eosId, t.padId, t.unkId, t.maxLength], [BOS, EOS, EOS, EOS, 77]);
  });

  test('CRLF merges.txt and AddedToken-object specials are accepted', () => {
    const crlf = readFileSync(join(FIXTURE, 'merges.txt'), 'utf8').replace(/\n/g, '\r\n');
    const config = { model_max_length: MAX, bos_token: { __type: 'AddedToken', content: '<|startoftext|>', lstrip: false } };
    const t = ClipTokenizer.fromFolder(folder({ 'merges.txt': crlf, 'tokenizer_config.json': JSON.stringify(config) }, ['vocab.json']));
    for (const p of fixture.prompts) assert.deepEqual(t.encode(p.prompt).ids, p.input_ids);
  });

  test('a byte symbol missing from the vocabulary becomes unk', () => {
    const trimmed = { ...vocab };
    delete trimmed['Ã'];
    const t = ClipTokenizer.fromFolder(folder({ 'vocab.json': JSON.stringify(trimmed) }, ['merges.txt', 'tokenizer_config.json']));
    const e = t.encode('é', { pad: false });
    assert.deepEqual(e.tokens, ['Ã', '©</w>']);
    assert.deepEqual(e.ids, [BOS, t.unkId, vocab['©</w>'], EOS]);
  });
});

describe('missing and corrupt files', () => {
  const fails = (dir: string, file: string, message: RegExp): void => {
    assert.throws(
      () => ClipTokenizer.fromFolder(dir),
      (e: unknown) => e instanceof TokenizerError && e.file.endsWith(file) && message.test(e.message),
    );
  };
  const merges = readFileSync(join(FIXTURE, 'merges.txt'), 'utf8');

  test('missing folder or files', () => {
    fails(join(tmp, 'no-such-folder'), 'no-such-folder', /does not exist/);
    fails(folder({}, ['merges.txt']), 'vocab.json', /missing/);
    fails(folder({}, ['vocab.json']), 'merges.txt', /missing/);
  });

  test('unparseable or ill-typed JSON', () => {
    fails(folder({ 'vocab.json': '{"a": 0,' }, ['merges.txt']), 'vocab.json', /not valid JSON/);
    fails(folder({ 'vocab.json': '["a"]' }, ['merges.txt']), 'vocab.json', /must be an object/);
    fails(folder({ 'vocab.json': '{"a": -1}' }, ['merges.txt']), 'vocab.json', /"a".*non-negative integer/);
    fails(folder({ 'tokenizer_config.json': '{"bos_token": 5}' }, ['vocab.json', 'merges.txt']), 'tokenizer_config.json', /bos_token/);
    fails(folder({ 'tokenizer_config.json': '{"model_max_length": 1}' }, ['vocab.json', 'merges.txt']), 'tokenizer_config.json', /model_max_length/);
  });

  test('a malformed merges.txt line is reported by line number', () => {
    const lines = merges.split('\n');
    lines[3] = 'ol y extra';
    fails(folder({ 'merges.txt': lines.join('\n') }, ['vocab.json']), 'merges.txt', /line 4 is malformed/);
  });

  test('merges that do not belong to the vocabulary', () => {
    fails(folder({ 'merges.txt': `${merges.trimEnd()}\nq z\n` }, ['vocab.json']), 'merges.txt', /"qz".*lacks/);
  });

  test('a special token missing from the vocabulary', () => {
    fails(folder({ 'special_tokens_map.json': '{"bos_token": "<s>"}' }, ['vocab.json', 'merges.txt']), 'vocab.json', /bos token "<s>"/);
  });

  test('tokenizer.json that is not a CLIP BPE model', () => {
    const variant = (edit: (j: Record<string, any>) => void): string => {
      const j = clipTokenizerJson();
      edit(j);
      return folder({ 'tokenizer.json': JSON.stringify(j) });
    };
    fails(variant((j) => (j.model.type = 'WordPiece')), 'tokenizer.json', /"WordPiece", not a BPE model/);
    fails(variant((j) => delete j.model), 'tokenizer.json', /no 'model'/);
    fails(variant((j) => (j.model.end_of_word_suffix = null)), 'tokenizer.json', /end_of_word_suffix/);
    fails(variant((j) => (j.model.continuing_subword_prefix = '##')), 'tokenizer.json', /continuing_subword_prefix/);
    fails(variant((j) => (j.model.merges[2] = ['ol'])), 'tokenizer.json', /model\.merges\[2\] is malformed/);
    fails(folder({ 'tokenizer.json': '{"model": ' }), 'tokenizer.json', /not valid JSON/);
  });
});
