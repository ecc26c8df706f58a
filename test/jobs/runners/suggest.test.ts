// The suggest job ('segment-batch' with config.score) on the tiny model through the real
// ModelInference: every slice gets a stored score equal to the score of the service's maps, the
// maps agree with predict()'s masks, the library's "Most informative first" order and "Next
// suggested" follow the stored scores, corrected slices are left out, and with an active adapter
// the base-vs-adapter disagreement is stored.

import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { gaussian, mulberry32 } from '../../../main/common/rng.ts';
import { adapterSetFor } from '../../../main/engine/model/adapters.ts';
import { parseClipSegConfig } from '../../../main/engine/model/config.ts';
import { resizeNearest } from '../../../main/engine/model/postprocess.ts';
import { dataPaths } from '../../../main/fs/data-folder.ts';
import { ModelInference } from '../../../main/inference/model-inference.ts';
import { importRunner } from '../../../main/jobs/runners/import.ts';
import { segmentBatchRunner } from '../../../main/jobs/runners/segment-batch.ts';
import { suggestRunner, withSuggest, type SuggestResult } from '../../../main/jobs/runners/suggest.ts';
import type { Image } from '../../../main/store/images.ts';
import { libraryPage, nextSuggestion } from '../../../main/store/library.ts';
import { openStore, type Store } from '../../../main/store/store.ts';
import { initAdapters } from '../../../main/training/adapter-init.ts';
import { writeAdapterFile } from '../../../main/training/adapter-output.ts';
import { dice, informativeness, maskOf } from '../../../main/training/informativeness.ts';
import { defaultRecipe } from '../../../main/training/recipe.ts';
import { greyPng, niftiVolume, put, runJob } from './sources.ts';

const model = fileURLToPath(new URL('../../fixtures/clipseg-tiny/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'delineate-suggest-'));
let store: Store;
let inference: ModelInference;
let runners: Record<string, ReturnType<typeof suggestRunner>>;
let projectId: number;
let labelId: number;
let images: Image[];
const PROMPTS = ['a round object', 'a dark spot'];

before(async () => {
  store = openStore(join(dir, 'data'));
  inference = new ModelInference(model, 'clipseg-tiny', { provider: 'cpu', threads: 1, log: () => {} });
  runners = { import: importRunner, 'segment-batch': withSuggest(segmentBatchRunner(inference), suggestRunner(inference)) };
  copyFileSync(join(model, 'image.png'), join(dir, 'a-photo.png'));
  put(join(dir, 'src', 'b-ramp.png'), greyPng(20, 16, (i) => (i * 7) % 256).bytes);
  put(join(dir, 'src', 'c-vol.nii.gz'), niftiVolume());
  projectId = store.projects.create('suggest').id;
  labelId = store.labels.create({ projectId, name: 'thing', color: '#123456', prompts: PROMPTS }).id;
  const imported = await runJob(store, runners, 'import', { projectId, paths: [join(dir, 'a-photo.png'), join(dir, 'src')] });
  assert.equal(imported.job.state, 'done', imported.job.error ?? '');
  images = store.images.list(projectId);
  assert.deepEqual(images.map((i) => [i.fileName, i.frames]), [['a-photo.png', 1], ['b-ramp.png', 1], ['c-vol.nii.gz', 5]]);
});

after(async () => {
  await inference.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** image id → its stored scores by frame */
const stored = () => new Map(images.map((im) => [im.id, new Map(store.suggestions.forImage(im.id).map((s) => [s.frame, s]))]));
/** The order "Most informative first" must give: best open score per image, descending; unscored after, by name. */
function expectedOrder(open: (imageId: number, frame: number) => boolean): number[] {
  const best = images.map((im) => {
    const scores = store.suggestions.forImage(im.id).filter((s) => open(im.id, s.frame)).map((s) => s.score);
    return { id: im.id, name: im.fileName, best: scores.length ? Math.max(...scores) : null };
  });
  return best.sort((a, b) => (a.best === null) !== (b.best === null) ? (a.best === null ? 1 : -1) : (b.best ?? 0) - (a.best ?? 0) || a.name.localeCompare(b.name)).map((b) => b.id);
}

test('every slice is scored: the stored score is the score of the service\'s maps, whose masks are predict()\'s', async () => {
  const { job, progress } = await runJob(store, runners, 'segment-batch', { projectId, labelId, score: true });
  assert.equal(job.state, 'done', job.error ?? '');
  const result = job.result as SuggestResult;
  assert.deepEqual([result.scored, result.failed, result.corrected, result.prompt, result.synonyms, result.adapterId], [7, 0, 0, 'a round object', ['a dark spot'], null]);
  assert.deepEqual(progress.map((p) => p.done), [1, 2, 3, 4, 5, 6, 7]);
  assert.equal(store.masks.listCurrent({ projectId, kind: 'model' }).length, 0, 'scoring saves no mask');
  const scores = stored();
  for (const image of images) {
    assert.deepEqual([...scores.get(image.id)!.keys()], Array.from({ length: image.frames }, (_, k) => k), `every slice of ${image.fileName}`);
    for (let frame = 0; frame < image.frames; frame++) {
      const s = scores.get(image.id)!.get(frame)!;
      const p = await inference.probabilities(image, frame, PROMPTS, null);
      const size = p.modelSize;
      assert.equal(size, JSON.parse(readFileSync(join(model, 'preprocessor_config.json'), 'utf8')).size.height, 'maps at the model\'s input size');
      // the service's map thresholded and resized is exactly the mask predict() gives
      const direct = await inference.predict(image, frame, PROMPTS[0], 0.5);
      assert.deepEqual(resizeNearest(maskOf(p.maps[0], 0.5), size, size, image.height, image.width), direct.mask);
      const want = informativeness({ size, primary: p.maps[0], synonyms: [p.maps[1]] });
      assert.equal(s.disagreement, null, 'no adapter');
      assert.ok(Math.abs(s.synonymDisagreement! - (1 - dice(maskOf(p.maps[0]), maskOf(p.maps[1])))) < 1e-12);
      assert.ok(Math.abs(s.entropy - want.entropy) < 1e-12 && Math.abs(s.score - want.score) < 1e-12, `${image.fileName} slice ${frame}`);
      assert.ok(s.score > 0 && s.score <= 1);
      assert.deepEqual([s.labelId, s.prompt, s.jobId, s.modelId], [labelId, 'a round object', job.id, 'clipseg-tiny']);
    }
  }
  const volumeScores = [...scores.get(images[2].id)!.values()].map((s) => s.score);
  assert.ok(new Set(volumeScores).size > 1, 'the volume\'s slices score differently');
});

test('"Most informative first" orders images by their best score; "Next suggested" is the best slice', () => {
  const page = libraryPage(store.db, { projectId, sort: 'informative' });
  assert.deepEqual(page.rows.map((r) => r.id), expectedOrder(() => true));
  for (const row of page.rows) {
    const best = Math.max(...store.suggestions.forImage(row.id).map((s) => s.score));
    assert.equal(row.suggestion?.score, best);
  }
  assert.deepEqual(libraryPage(store.db, { projectId }).rows.map((r) => r.fileName), ['a-photo.png', 'b-ramp.png', 'c-vol.nii.gz'], 'the default order is unchanged');
  const all = images.flatMap((im) => store.suggestions.forImage(im.id).map((s) => ({ imageId: im.id, frame: s.frame, score: s.score })));
  all.sort((a, b) => b.score - a.score);
  // past the first corrections (coverageFirst 0 here): the best score
  const next = nextSuggestion(store.db, { projectId, labelId, coverageFirst: 0 })!;
  assert.deepEqual([next.image.id, next.frame, next.score, next.basis], [all[0].imageId, all[0].frame, all[0].score, 'score']);
  const second = nextSuggestion(store.db, { projectId, labelId, coverageFirst: 0, exclude: [{ imageId: all[0].imageId, frame: all[0].frame }] })!;
  assert.deepEqual([second.image.id, second.frame], [all[1].imageId, all[1].frame]);
  // before any correction: coverage, and every scored slice has its look stored
  assert.equal(nextSuggestion(store.db, { projectId, labelId })!.basis, 'coverage');
  const looks = store.db.prepare('SELECT count(*) AS n FROM informativeness WHERE look IS NOT NULL AND label_id = ?').get(labelId) as { n: number };
  assert.equal(looks.n, all.length);
  assert.equal(nextSuggestion(store.db, { projectId, labelId: null }), null, 'no free-prompt scores');
  assert.throws(() => libraryPage(store.db, { projectId, sort: 'size' as never }), /library sort.*"size"/);
});

test('the first corrections are spread over the looks: the slice least like those corrected or visited, whatever its score', () => {
  // three free-prompt scores with made-up looks: A and B alike and dark, C bright; scores A > B > C
  const put = (imageId: number, look: number, score: number) => store.suggestions.put({
    imageId, frame: 0, labelId: null, prompt: 'probe', score, entropy: score, disagreement: null, synonymDisagreement: null, adapterId: null, modelId: 'm', jobId: null,
    look: new Float32Array(64).fill(look),
  });
  // the suite's images under a scope of their own (free prompt 'probe'); frame 0 of each
  const [a, b, c] = images;
  put(a.id, 0.1, 0.9);
  put(b.id, 0.12, 0.8);
  put(c.id, 0.9, 0.1);
  const scope = { projectId, labelId: null };
  // no correction: farthest from the mean look (0.373): C (0.527 per value) before A (0.273) and B (0.253)
  const first = nextSuggestion(store.db, scope)!;
  assert.deepEqual([first.image.id, first.basis], [c.id, 'coverage']);
  // C visited: A is farther from C (0.8) than B is (0.78)
  assert.equal(nextSuggestion(store.db, { ...scope, exclude: [{ imageId: c.id, frame: 0 }] })!.image.id, a.id);
  // C corrected (a free-prompt correction), A visited: B
  const mask = store.masks.save({ imageId: c.id, labelId: null, frame: 0, kind: 'corrected', width: c.width, height: c.height, pixels: new Uint8Array(c.width * c.height), prompt: 'probe' });
  assert.equal(nextSuggestion(store.db, { ...scope, exclude: [{ imageId: a.id, frame: 0 }] })!.image.id, b.id);
  // by score once there are enough corrections (coverageFirst 1 here): A
  const byScore = nextSuggestion(store.db, { ...scope, coverageFirst: 1 })!;
  assert.deepEqual([byScore.image.id, byScore.basis], [a.id, 'score']);
  // leave the suite as it was
  store.db.prepare("DELETE FROM informativeness WHERE prompt = 'probe'").run();
  store.db.prepare('DELETE FROM masks WHERE id = ?').run(mask.id);
});

test('slices with a corrected mask are excluded from suggestions, the sort, and the next scoring run', async () => {
  const vol = images[2];
  const volScores = [...stored().get(vol.id)!.values()].sort((a, b) => b.score - a.score);
  const photo = images[0];
  const px = (im: Image) => new Uint8Array(im.width * im.height).fill(1);
  // the photo entirely, and the volume's best slice
  store.masks.save({ imageId: photo.id, labelId, frame: 0, kind: 'corrected', width: photo.width, height: photo.height, pixels: px(photo) });
  store.masks.save({ imageId: vol.id, labelId, frame: volScores[0].frame, kind: 'corrected', width: vol.width, height: vol.height, pixels: px(vol) });
  const corrected = new Set([`${photo.id}:0`, `${vol.id}:${volScores[0].frame}`]);
  const page = libraryPage(store.db, { projectId, sort: 'informative' });
  assert.deepEqual(page.rows.map((r) => r.id), expectedOrder((id, f) => !corrected.has(`${id}:${f}`)));
  assert.equal(page.rows.at(-1)!.id, photo.id, 'the corrected photo goes last');
  assert.equal(page.rows.find((r) => r.id === photo.id)!.suggestion, null);
  assert.equal(page.rows.find((r) => r.id === vol.id)!.suggestion!.frame, volScores[1].frame, 'the volume\'s next-best slice');
  for (let n = 0, exclude: { imageId: number; frame: number }[] = []; n < 6; n++) {
    const s = nextSuggestion(store.db, { projectId, labelId, exclude });
    if (n === 5) assert.equal(s, null, 'five open slices in all');
    else {
      assert.ok(s && !corrected.has(`${s.image.id}:${s.frame}`), `suggestion ${n} is open`);
      exclude.push({ imageId: s.image.id, frame: s.frame });
    }
  }
  // a correction of another label does not close a slice
  const other = store.labels.create({ projectId, name: 'other', color: '#654321', prompts: ['x'] });
  store.masks.save({ imageId: images[1].id, labelId: other.id, frame: 0, kind: 'corrected', width: images[1].width, height: images[1].height, pixels: px(images[1]) });
  assert.ok(libraryPage(store.db, { projectId, sort: 'informative', labelId }).rows.find((r) => r.id === images[1].id)!.suggestion);

  const { job } = await runJob(store, runners, 'segment-batch', { projectId, labelId, score: true, synonyms: false });
  assert.equal(job.state, 'done', job.error ?? '');
  assert.deepEqual([(job.result as SuggestResult).scored, (job.result as SuggestResult).corrected], [5, 2]);
  for (const im of images) for (const s of store.suggestions.forImage(im.id)) {
    assert.equal(s.synonymDisagreement === null, !corrected.has(`${im.id}:${s.frame}`), 'rescored without synonyms; corrected slices keep their old row');
  }
});

test('with an active adapter the base-vs-adapter disagreement is stored for each slice', async () => {
  const sha = createHash('sha256').update(readFileSync(join(model, 'model.safetensors'))).digest('hex');
  const set = adapterSetFor('sa-vlc', parseClipSegConfig(JSON.parse(readFileSync(join(model, 'config.json'), 'utf8'))), { adapter: 8, cond: 4 }, 'reference');
  const weights = initAdapters(set, 5);
  const rng = mulberry32(3);
  for (const t of weights.values()) for (let i = 0; i < t.data.length; i++) t.data[i] += 0.5 * gaussian(rng); // an adapter that changes the masks
  mkdirSync(dataPaths.adapters(store.dataDir), { recursive: true });
  const file = join(dataPaths.adapters(store.dataDir), 'suggest-test.safetensors');
  writeAdapterFile(file, weights, { variant: 'sa-vlc', baseModelSha256: sha, form: 'reference', training: { recipe: defaultRecipe('sa-vlc'), train_samples: 1, val_samples: 1, epochs: 1 }, validation: { dice: 0, epoch: 0 } });
  const adapter = store.adapters.register({ projectId, name: 'test', variant: 'sa-vlc', baseModelHash: sha, file, activate: true });
  const vol = images[2];
  const { job } = await runJob(store, runners, 'segment-batch', { projectId, labelId, score: true, synonyms: false, imageIds: [vol.id] });
  assert.equal(job.state, 'done', job.error ?? '');
  assert.equal((job.result as SuggestResult).adapterId, adapter.id);
  const ref = { id: adapter.id, path: store.adapters.filePath(adapter.id) };
  let someDisagree = false;
  for (const s of store.suggestions.forImage(vol.id).filter((x) => x.jobId === job.id)) {
    const base = (await inference.probabilities(vol, s.frame, [PROMPTS[0]], null)).maps[0];
    const withAdapter = (await inference.probabilities(vol, s.frame, [PROMPTS[0]], ref)).maps[0];
    const want = informativeness({ size: Math.sqrt(base.length), primary: withAdapter, base });
    assert.equal(s.adapterId, adapter.id);
    assert.ok(Math.abs(s.disagreement! - (1 - dice(maskOf(base), maskOf(withAdapter)))) < 1e-12, `slice ${s.frame}`);
    assert.ok(Math.abs(s.score - (want.entropy + want.disagreement!) / 2) < 1e-12);
    if (s.disagreement! > 0) someDisagree = true;
  }
  assert.ok(someDisagree, 'the perturbed adapter disagrees with the base model somewhere');
});

test('without a label or prompt the project\'s first label is scored; a project without labels fails by name', async () => {
  const { job } = await runJob(store, runners, 'segment-batch', { projectId, score: true, imageIds: [images[1].id] });
  assert.equal(job.state, 'done', job.error ?? '');
  assert.deepEqual([(job.result as SuggestResult).labelId, (job.result as SuggestResult).prompt], [labelId, 'a round object']);
  const empty = store.projects.create('no labels').id;
  const failed = await runJob(store, runners, 'segment-batch', { projectId: empty, score: true });
  assert.equal(failed.job.state, 'failed');
  assert.match(failed.job.error ?? '', /project \d+ has no label and no mask made with a prompt to score by/);
  // a free-prompt project (no label): the prompt its newest mask was made with
  const free = store.projects.create('free prompts').id;
  assert.equal((await runJob(store, runners, 'import', { projectId: free, paths: [join(dir, 'a-photo.png'), join(dir, 'src', 'b-ramp.png')] })).job.state, 'done');
  const [first, second] = store.images.list(free);
  const mask = (im: Image, prompt: string) => store.masks.save({ imageId: im.id, labelId: null, frame: 0, kind: 'corrected', width: im.width, height: im.height, pixels: new Uint8Array(im.width * im.height), prompt });
  mask(first, 'an older prompt');
  mask(second, 'the newest prompt');
  const byPrompt = await runJob(store, runners, 'segment-batch', { projectId: free, score: true });
  assert.equal(byPrompt.job.state, 'done', byPrompt.job.error ?? '');
  assert.deepEqual([(byPrompt.job.result as SuggestResult).labelId, (byPrompt.job.result as SuggestResult).prompt, (byPrompt.job.result as SuggestResult).corrected], [null, 'the newest prompt', 2]);
});

test('a config the job cannot use fails by name', async () => {
  const bad = await runJob(store, runners, 'segment-batch', { projectId, labelId: 9999, score: true });
  assert.equal(bad.job.state, 'failed');
  assert.match(bad.job.error ?? '', /label 9999 is not a label of project/);
  const threshold = await runJob(store, runners, 'segment-batch', { projectId, labelId, score: true, threshold: 1 });
  assert.match(threshold.job.error ?? '', /suggest config threshold/);
});
