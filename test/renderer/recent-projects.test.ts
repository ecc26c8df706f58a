import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_RECENT, orderProjects, parseRecent, pruneRecent, touchRecent } from '../../renderer/src/lib/recent-projects.ts';

const p = (id: number, createdAt: string) => ({ id, name: `P${id}`, createdAt });

test('opened projects come first, most recently opened first; the rest newest created first', () => {
  const projects = [p(1, '2026-01-01T00:00:00Z'), p(2, '2026-01-03T00:00:00Z'), p(3, '2026-01-02T00:00:00Z'), p(4, '2026-01-05T00:00:00Z'), p(5, '2026-01-04T00:00:00Z')];
  let recent = touchRecent([], 3, '2026-02-01T10:00:00Z');
  recent = touchRecent(recent, 1, '2026-02-01T11:00:00Z');
  assert.deepEqual(orderProjects(projects, recent).map((x) => x.id), [1, 3, 4, 5, 2]);
  // opening 3 again moves it back to the front
  recent = touchRecent(recent, 3, '2026-02-01T12:00:00Z');
  assert.deepEqual(recent.map((r) => r.projectId), [3, 1]);
  assert.deepEqual(orderProjects(projects, recent).map((x) => x.id), [3, 1, 4, 5, 2]);
});

test('the recent list is capped and pruned of deleted projects', () => {
  let recent: ReturnType<typeof touchRecent> = [];
  for (let id = 1; id <= MAX_RECENT + 3; id++) recent = touchRecent(recent, id, new Date(Date.UTC(2026, 0, 1, 0, id)).toISOString());
  assert.equal(recent.length, MAX_RECENT);
  assert.equal(recent[0].projectId, MAX_RECENT + 3);
  assert.equal(recent.at(-1)!.projectId, 4);
  assert.deepEqual(pruneRecent(recent, [5, 23, 99]).map((r) => r.projectId), [23, 5]);
});

test('stored text is read back defensively', () => {
  const recent = touchRecent(touchRecent([], 2, '2026-01-01T00:00:00Z'), 7, '2026-01-02T00:00:00Z');
  assert.deepEqual(parseRecent(JSON.stringify(recent)), recent);
  assert.deepEqual(parseRecent(null), []);
  assert.deepEqual(parseRecent('{not json'), []);
  assert.deepEqual(parseRecent('{"projectId":1}'), []);
  assert.deepEqual(parseRecent('[{"projectId":"1","openedAt":"x"},{"projectId":4,"openedAt":"2026-01-01T00:00:00Z","extra":1}]'), [{ projectId: 4, openedAt: '2026-01-01T00:00:00Z' }]);
});

test('an entry with an unparseable time counts as never opened', () => {
  const projects = [p(1, '2026-01-01T00:00:00Z'), p(2, '2026-01-02T00:00:00Z')];
  assert.deepEqual(orderProjects(projects, [{ projectId: 1, openedAt: 'yesterday' }]).map((x) => x.id), [2, 1]);
});
