import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadRecentPrompts, recentPromptsKey, rememberPrompt, type KeyValueStore } from '../../renderer/src/workspace/prompt/recent-prompts.ts';

function mapStore(): KeyValueStore & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return { map, getItem: (k) => map.get(k) ?? null, setItem: (k, v) => void map.set(k, v) };
}

describe('recent prompts', () => {
  it('keeps the newest first, de-duplicated case-insensitively, per project, up to the limit', () => {
    const s = mapStore();
    rememberPrompt(s, 1, 'liver');
    rememberPrompt(s, 1, 'spleen');
    assert.deepEqual(rememberPrompt(s, 1, ' Liver '), ['Liver', 'spleen']);
    assert.deepEqual(loadRecentPrompts(s, 2), []);
    for (let k = 0; k < 5; k++) rememberPrompt(s, 3, `p${k}`, 3);
    assert.deepEqual(loadRecentPrompts(s, 3), ['p4', 'p3', 'p2']);
    assert.equal(s.map.get(recentPromptsKey(1)), '["Liver","spleen"]');
    assert.deepEqual(rememberPrompt(s, 1, '   '), ['Liver', 'spleen'], 'blank prompts are not remembered');
  });

  it('treats junk, missing and failing storage as no recent prompts', () => {
    const s = mapStore();
    s.map.set(recentPromptsKey(1), '{not json');
    assert.deepEqual(loadRecentPrompts(s, 1), []);
    s.map.set(recentPromptsKey(1), '["ok", 3, "", null, "fine"]');
    assert.deepEqual(loadRecentPrompts(s, 1), ['ok', 'fine']);
    assert.deepEqual(loadRecentPrompts(null, 1), []);
    const full: KeyValueStore = { getItem: () => null, setItem: () => { throw new Error('QuotaExceededError'); } };
    assert.deepEqual(rememberPrompt(full, 1, 'liver'), ['liver']);
    const broken: KeyValueStore = { getItem: () => { throw new Error('SecurityError'); }, setItem: () => {} };
    assert.deepEqual(loadRecentPrompts(broken, 1), []);
  });
});
