// Prompt text → the text graph's int64 feeds, the one path for inference (segmenter), training,
// validation and `eval`, so no two of them can present a prompt differently: tokenise without
// padding, truncated to what the text model can embed; pad to a length bucket with the last id
// (end-of-text: the causal mask makes everything after it irrelevant); the pooled index by HF's
// rule (config.pooledIndex).

import type { HostTensor } from '../runtime/host-tensor.ts';
import { type ClipSegConfig, pooledIndex } from './config.ts';

/** What text feeding needs of a tokenizer (ClipTokenizer satisfies it). */
export interface PromptTokenizer {
  encode(text: string, opts?: { pad?: boolean; maxLength?: number }): { ids: number[] };
  readonly maxLength?: number;
}

/**
 * Token lengths the text graphs are compiled for, below the model's own maximum (which is always
 * the last bucket). Short prompts then cost a fraction of the 77-token graph (14 ms at 8 tokens, 52
 * ms at 77, docs/architecture.md) for a handful of compiled shapes.
 */
const SHORT_BUCKETS = [8, 12, 16, 24, 32, 48];

export function tokenBuckets(maxPositions: number): number[] {
  return [...SHORT_BUCKETS.filter((n) => n < maxPositions), maxPositions];
}

export interface TextFeeds {
  input_ids: HostTensor;
  pooled_index: HostTensor;
}

export class PromptFeeder {
  readonly buckets: number[];
  private readonly maxTokens: number;

  constructor(private readonly tokenizer: PromptTokenizer, private readonly config: ClipSegConfig) {
    this.buckets = tokenBuckets(config.text.maxPositions);
    // Truncate to what the text model can embed, even when the tokenizer files allow more.
    this.maxTokens = Math.min(tokenizer.maxLength ?? config.text.maxPositions, config.text.maxPositions);
  }

  /** The unpadded token ids of a prompt, start and end-of-text included. */
  tokens(prompt: string): number[] {
    return this.tokenizer.encode(prompt, { pad: false, maxLength: this.maxTokens }).ids;
  }

  /** The smallest bucket that holds `count` tokens. */
  lengthFor(count: number): number {
    const length = this.buckets.find((b) => b >= count);
    if (length === undefined) throw new RangeError(`a prompt of ${count} tokens: the text model takes at most ${this.config.text.maxPositions}`);
    return length;
  }

  /** The bucket that holds the longest of these prompts (one graph shape for a whole run). */
  lengthForPrompts(prompts: Iterable<string>): number {
    let longest = 1;
    for (const p of prompts) longest = Math.max(longest, this.tokens(p).length);
    return this.lengthFor(longest);
  }

  /** input_ids [n, length] and pooled_index [n, 2] for n token rows (from `tokens`). */
  feeds(rows: readonly (readonly number[])[], length: number): TextFeeds {
    const n = rows.length;
    const ids = new BigInt64Array(n * length);
    const pooled = new BigInt64Array(n * 2);
    rows.forEach((row, b) => {
      if (row.length === 0 || row.length > length) throw new RangeError(`prompt ${b}: ${row.length} tokens do not fit a ${length}-token text graph`);
      ids.fill(BigInt(row[row.length - 1]), b * length, (b + 1) * length);
      row.forEach((id, i) => { ids[b * length + i] = BigInt(id); });
      pooled[2 * b] = BigInt(b);
      pooled[2 * b + 1] = BigInt(pooledIndex(row, this.config.text.eosTokenId));
    });
    return { input_ids: { dtype: 'int64', dims: [n, length], data: ids }, pooled_index: { dtype: 'int64', dims: [n, 2], data: pooled } };
  }

  /** Tokenises and feeds prompts at a given length. */
  promptFeeds(prompts: readonly string[], length: number): TextFeeds {
    return this.feeds(prompts.map((p) => this.tokens(p)), length);
  }
}
