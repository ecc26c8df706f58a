// Adapter packs: a stored adapter exported at site A and imported into a second data folder (site B)
// keeps its weights bit for bit and its provenance, stays inactive until activated, and then gives
// the same previews as at site A; the pack's bytes hold no image name, patient-like field, mask
// bytes or path of site A's store; import refuses another base model, another layout, a corrupt
// and a truncated file by name, leaving nothing behind; a file shaped like the reference trainer's
// converter output imports too.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { AdapterInfo, ApiResult } from '../../main/contract/contract.ts';
import { type Core, openCore } from '../../main/core.ts';
import { adapterSetFor } from '../../main/engine/model/adapters.ts';
import { readTensors } from '../../main/engine/model/safetensors.ts';
import { dataPaths } from '../../main/fs/data-folder.ts';
import { contentHash } from '../../main/store/images.ts';
import { openStore, type Store } from '../../main/store/store.ts';
import { initAdapters, type ParamMap } from '../../main/training/adapter-init.ts';
import { readAdapterPack, type PackModel } from '../../main/training/adapter-pack.ts';
import { exportAdapterPack, importAdapterPack, originOf } from '../../main/training/adapter-pack-exchange.ts';
import { makeSiteA, model, modelDir, modelSha, MRN, PATIENT_NAME } from '../helpers/adapter-site.ts';
import { buildSafetensors, f32le, safetensorsFromHeader } from '../helpers/safetensors-bytes.ts';
import { tempDir } from '../helpers/temp-store.ts';

const REFERENCE_NAME = /^((v_attn|v_out|l_attn|l_out|vision_extract|text_extract)_adapters\.\d+|cond_adapter)\.fc[12]\.(weight|bias)$/;

const ok = <T>(r: ApiResult<T>): T => {
  if (!r.ok) assert.fail(`${r.error.code}: ${r.error.message}`);
  return r.value;
};

function withStore<T>(data: string, fn: (s: Store) => T): T {
  const s = openStore(data);
  try {
    return fn(s);
  } finally {
    s.close();
  }
}

const bytesOf = (d: Float32Array) => Buffer.from(d.buffer, d.byteOffset, d.byteLength);

test('a pack round trip keeps the weights bit for bit and the provenance; the import is inactive', (t) => {
  const a = makeSiteA(t);
  const pack = join(a.dir, 'site-A-polyp.dlad');
  const made = new Date('2025-03-04T05:06:07.000Z');
  const exported = withStore(a.data, (s) => exportAdapterPack(s, a.adapterId, pack, { note: 'Kvasir-like colonoscopy, Olympus CF-HQ190', now: () => made }));
  assert.equal(exported.bytes, readFileSync(pack).length);

  const b = join(a.dir, 'site-B');
  const imported = withStore(b, (s) => {
    const projectId = s.projects.create('Colon B').id;
    return importAdapterPack(s, pack, { model, projectId });
  });
  assert.equal(imported.active, false);
  assert.equal(imported.variant, 'sa-vlc');
  assert.equal(imported.name, 'sa-vlc · 4 corrections');
  assert.equal(imported.baseModelHash, modelSha);
  assert.deepEqual(imported.metrics, {}, 'the source\'s scores are provenance, not scores measured here');

  // bit for bit: every tensor of the stored copy equals the original's bytes
  const stored = withStore(b, (s) => s.adapters.filePath(imported.id));
  const back = readTensors(stored);
  assert.deepEqual([...back.keys()].sort(), [...a.weights.keys()].sort());
  for (const [name, w] of a.weights) assert.ok(bytesOf(back.get(name)!.data).equals(bytesOf(w.data)), `${name} changed in the round trip`);
  assert.ok(readFileSync(stored).equals(readFileSync(pack)), 'the stored file is the pack as verified');

  const origin = originOf(imported)!;
  assert.equal(origin.fileName, 'site-A-polyp.dlad');
  assert.equal(origin.kind, 'pack');
  assert.equal(origin.createdAt, made.toISOString());
  assert.equal(origin.note, 'Kvasir-like colonoscopy, Olympus CF-HQ190');
  assert.equal(origin.delineateVersion, JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version);
  assert.equal(origin.baseModelSha256, modelSha);
  assert.deepEqual(origin.dims, { adapter: 8, cond: 4 });
  assert.deepEqual(origin.labels, [{ name: 'polyp', prompts: ['polyp', 'a small polyp'] }], 'only the labels the corrections use');
  assert.deepEqual(origin.counts, { trainCorrections: 4, heldOutCorrections: 1, images: 5, corrections: 5 });
  assert.deepEqual(origin.metrics, { dsc: 0.81, iou: 0.7, hd95: 3.5, heldOut: 1 });
  assert.equal(origin.recipe.lr, 3e-4);
  assert.equal(origin.recipe.bestEpoch, 9);
  assert.equal(origin.recipe.stoppedBy, 'max-epochs');
  assert.ok(!('initFile' in origin.recipe) && !('projectFolder' in origin.recipe), 'paths in the adapter config stay home');
  assert.equal(origin.weightsSha256, createHash('sha256').update(Buffer.concat([...a.weights.keys()].sort().map((n) => bytesOf(a.weights.get(n)!.data)))).digest('hex'));

  // a second import of the same pack into the same scope is refused, naming the adapter it made
  assert.throws(() => withStore(b, (s) => importAdapterPack(s, pack, { model, projectId: imported.projectId })), new RegExp(`already imported as adapter ${imported.id}`));
  // re-exporting the imported adapter carries the source's provenance on
  const again = join(a.dir, 'again.dlad');
  const re = withStore(b, (s) => exportAdapterPack(s, imported.id, again));
  assert.deepEqual(re.record.counts, origin.counts);
  assert.deepEqual(re.record.metrics, origin.metrics);
});

test('a pack holds no image, mask or patient data and no path of the store', (t) => {
  const a = makeSiteA(t);
  const pack = join(a.dir, 'scan.dlad');
  withStore(a.data, (s) => exportAdapterPack(s, a.adapterId, pack, { note: 'no patient data here' }));
  const bytes = readFileSync(pack);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8')) as Record<string, unknown>;
  // tensor names are only reference adapter module names
  const names = Object.keys(header).filter((k) => k !== '__metadata__');
  assert.ok(names.length > 0);
  for (const n of names) assert.match(n, REFERENCE_NAME);
  // every metadata key and value, and the whole file as text
  const metadata = header.__metadata__ as Record<string, string>;
  const text = bytes.toString('latin1');
  const forbidden = [PATIENT_NAME, MRN, '19700101', '.png', a.imagesDir, a.data, a.dir, 'site-A', 'project-1-job', 'Polyps', 'unused-label', 'never corrected'];
  for (const f of forbidden) assert.ok(!text.includes(f), `the pack contains '${f}'`);
  const walk = (v: unknown, path: string): void => {
    if (typeof v === 'string') {
      assert.ok(!/^([A-Za-z]:)?[\\/]/.test(v) && !v.includes('/tmp') && !v.includes('\\\\'), `${path} looks like a path: ${v}`);
      assert.ok(!/patient|birth|mrn|accession|dicom|sop|study|series/i.test(v) || path.endsWith('.note'), `${path} looks like a patient field: ${v}`);
    } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) {
      assert.ok(!/patient|birth|mrn|accession|sop|study|series|author|file|path|image_?name|uid/i.test(k) || k === 'fileName', `${path}.${k} is a patient-like or path-like field`);
      walk(x, `${path}.${k}`);
    }
  };
  for (const [k, v] of Object.entries(metadata)) {
    let parsed: unknown = v;
    try { parsed = JSON.parse(v); } catch { /* a plain string */ }
    walk({ [k]: parsed }, 'metadata');
  }
  // mask bytes: no row run of any corrected mask (0/1 bytes), nor its 0/255 form, nor an image file
  for (const m of a.masks) {
    for (let row = 16; row < 48; row += 8) {
      const run = Buffer.from(m.subarray(row * 64, row * 64 + 64));
      if (run.some((x) => x === 1) && run.some((x) => x === 0)) {
        assert.equal(bytes.indexOf(run), -1, 'a mask row is in the pack');
        assert.equal(bytes.indexOf(Buffer.from(run.map((x) => x * 255))), -1, 'a 0/255 mask row is in the pack');
      }
    }
  }
  for (const img of a.imageBytes) assert.equal(bytes.indexOf(Buffer.from(img.subarray(40, 104))), -1, 'image bytes are in the pack');
  assert.equal(bytes.indexOf(Buffer.from([0x89, 0x50, 0x4e, 0x47])), -1, 'a PNG signature is in the pack');
});

/** Rewrites a pack's header with `edit`, keeping its data section. */
function editHeader(from: string, to: string, edit: (h: Record<string, unknown>, meta: Record<string, string>) => void): void {
  const bytes = readFileSync(from);
  const n = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8')) as Record<string, unknown>;
  edit(header, header.__metadata__ as Record<string, string>);
  writeFileSync(to, safetensorsFromHeader(header, bytes.subarray(8 + n)));
}

test('import refuses another base model, another layout, a corrupt and a truncated file, each by name, and keeps nothing', (t) => {
  const a = makeSiteA(t);
  const pack = join(a.dir, 'good.dlad');
  withStore(a.data, (s) => exportAdapterPack(s, a.adapterId, pack));
  const b = join(a.dir, 'site-B');
  const projectId = withStore(b, (s) => s.projects.create('B').id);
  const refuse = (file: string, m: PackModel, name: string, message: RegExp) => {
    withStore(b, (s) => {
      assert.throws(() => importAdapterPack(s, file, { model: m, projectId }), (e: Error) => {
        assert.equal(e.name, name);
        assert.ok(e.message.includes(file), `the message names the file: ${e.message}`);
        assert.match(e.message, message);
        return true;
      });
      assert.equal(s.adapters.list().length, 0, 'nothing registered');
    });
    assert.deepEqual(existsSync(dataPaths.adapters(b)) ? readdirSync(dataPaths.adapters(b)) : [], [], 'no file left in adapters/');
  };

  const otherSha = createHash('sha256').update('another model').digest('hex');
  refuse(pack, { ...model, sha256: otherSha }, 'PackBaseModelError', new RegExp(`made for base model ${modelSha.slice(0, 12)}….*in use is ${otherSha.slice(0, 12)}`));

  // a model whose text tower is wider: the pack's text adapters (width 32) do not fit
  const wide = { ...model, config: { ...model.config, text: { ...model.config.text, hiddenSize: 48 } } };
  refuse(pack, wide, 'PackLayoutError', /made for a model with sa-vlc, bottleneck 8\/4, 3 extracted layers, vision width 32, text width 32; the model in use has vision width 32, text width 48/);
  // fewer extracted layers than the pack has shallow adapters for
  const fewer = { ...model, config: { ...model.config, extractLayers: model.config.extractLayers.slice(0, 2) } };
  refuse(pack, fewer, 'PackLayoutError', /unexpected tensor vision_extract_adapters\.2/);

  // a record that declares another variant than its tensors make
  const declared = join(a.dir, 'declared.dlad');
  editHeader(pack, declared, (_h, meta) => {
    const r = JSON.parse(meta.delineate_pack);
    r.layout.variant = 'sa-vl';
    meta.delineate_pack = JSON.stringify(r);
  });
  refuse(declared, model, 'PackLayoutError', /declares sa-vl, .* but its tensors make sa-vlc/);

  // one flipped bit in the weights
  const flipped = join(a.dir, 'flipped.dlad');
  const bytes = Buffer.from(readFileSync(pack));
  bytes[bytes.length - 5] ^= 0x10;
  writeFileSync(flipped, bytes);
  refuse(flipped, model, 'PackCorruptError', /tensor bytes do not match the checksum/);
  // a damaged header
  const garbled = join(a.dir, 'garbled.dlad');
  const g = Buffer.from(readFileSync(pack));
  g[8] = 0x58; // the header's opening brace
  writeFileSync(garbled, g);
  refuse(garbled, model, 'PackCorruptError', /header is not valid JSON/);
  // truncated (an interrupted copy)
  const truncated = join(a.dir, 'truncated.dlad');
  writeFileSync(truncated, readFileSync(pack).subarray(0, readFileSync(pack).length - 100));
  refuse(truncated, model, 'PackCorruptError', /truncated/);
  // not a safetensors file at all
  const text = join(a.dir, 'notes.dlad');
  writeFileSync(text, 'these are notes, not a pack');
  refuse(text, model, 'PackCorruptError', /header length|not a complete adapter pack/);
  // a pack from a newer Delineate
  const newer = join(a.dir, 'newer.dlad');
  editHeader(pack, newer, (_h, meta) => {
    const r = JSON.parse(meta.delineate_pack);
    r.packVersion = 2;
    meta.delineate_pack = JSON.stringify(r);
  });
  refuse(newer, model, 'PackCorruptError', /pack format version 2.*made by a newer Delineate/);
});

/**
 * A file exactly as scripts/ckpt_to_adapter.py documents its output, built with the independent
 * test writer (tensors in the order a state dict lists them, the safetensors library's metadata).
 */
function converterOutput(path: string, withBase: boolean): ParamMap {
  const set = adapterSetFor('da-vl', model.config, { adapter: 4 }, 'reference');
  const weights = initAdapters(set, 9);
  const metadata: Record<string, string> = {
    format: 'vlsm-adapter', adapter_form: 'reference', variant: 'da-vl', source: 'lightning-ckpt', source_file: 'epoch=41-step=4200.ckpt',
    created_at: '2025-02-01T10:00:00.000Z', created_by: 'ckpt_to_adapter.py', epoch: '41', global_step: '4200', name: 'cluster run 7', note: 'DDP on 4 GPUs',
  };
  if (withBase) metadata.base_model_sha256 = modelSha;
  writeFileSync(path, buildSafetensors([...weights].map(([name, w]) => ({ name, dtype: 'F32', shape: w.shape, bytes: f32le(w.data) })), metadata));
  return weights;
}

test('import takes a reference-trainer file (the converter\'s output format), with or without the base model recorded', (t) => {
  const dir = tempDir(t, 'delineate-pack-ref-');
  const file = join(dir, 'cluster-da-vl.safetensors');
  const weights = converterOutput(file, true);
  const data = join(dir, 'data');
  const adapter = withStore(data, (s) => importAdapterPack(s, file, { model, projectId: null }));
  assert.equal(adapter.projectId, null, 'site-wide without a project');
  assert.equal(adapter.active, false);
  assert.equal(adapter.variant, 'da-vl');
  assert.equal(adapter.name, 'cluster run 7');
  const origin = originOf(adapter)!;
  assert.equal(origin.kind, 'reference');
  assert.equal(origin.baseModelSha256, modelSha);
  assert.equal(origin.createdAt, '2025-02-01T10:00:00.000Z');
  assert.equal(origin.note, 'DDP on 4 GPUs');
  assert.deepEqual(origin.recipe, { trainer: 'VLSM-Adapter reference (PyTorch Lightning)', epoch: 41, global_step: 4200 });
  assert.deepEqual(origin.dims, { adapter: 4, cond: null });
  const back = readTensors(withStore(data, (s) => s.adapters.filePath(adapter.id)));
  for (const [name, w] of weights) assert.ok(bytesOf(back.get(name)!.data).equals(bytesOf(w.data)), name);
  // activated, the inference path reads it as an adapter file of this model
  withStore(data, (s) => assert.equal(s.adapters.activate(adapter.id).active, true));

  const bare = join(dir, 'no-base.safetensors');
  converterOutput(bare, false);
  const read = readAdapterPack(bare, model);
  assert.equal(read.info.baseModelSha256, null, 'not recorded: assumed to be the model in use');
  assert.equal(read.set.variant, 'da-vl');
  assert.equal(read.set.form, 'reference');
  // the reference file's base-model entry is checked like a pack's
  assert.throws(() => readAdapterPack(file, { ...model, sha256: 'f'.repeat(64) }), { name: 'PackBaseModelError' });
  // frozen CLIPSeg weights left in (a converter bug) are refused, named
  const leaky = join(dir, 'leaky.safetensors');
  writeFileSync(leaky, buildSafetensors([{ name: 'clipseg.decoder.film_mul.weight', dtype: 'F32', shape: [1], bytes: f32le([1]) }, ...[...weights].map(([name, w]) => ({ name, dtype: 'F32', shape: w.shape, bytes: f32le(w.data) }))]));
  assert.throws(() => readAdapterPack(leaky, model), { name: 'PackLayoutError', message: /not VLSM-Adapter modules: clipseg\.decoder\.film_mul\.weight/ });
});

test('an imported pack, once activated at site B, gives the same previews as at site A', async (t) => {
  const a = makeSiteA(t);
  const pack = join(a.dir, 'previews.dlad');
  withStore(a.data, (s) => exportAdapterPack(s, a.adapterId, pack));
  const engine = { provider: 'cpu' as const, threads: 1, log: () => {} };
  const open = (data: string): Core => openCore({ data, model: modelDir, engine });
  const sweep = async (core: Core, imageId: number, adapterId: number | null): Promise<Uint8Array[]> => {
    const out: Uint8Array[] = [];
    for (let i = 1; i < 30; i++) {
      const p = ok(await core.api.previewMask({ imageId, prompt: 'polyp', threshold: i / 30 }));
      assert.equal(p.adapterId, adapterId);
      out.push(Uint8Array.from(p.pixels));
    }
    return out;
  };
  const image = a.imageBytes[5];
  const path = join(a.dir, 'held-out.png');
  writeFileSync(path, image);
  const add = (core: Core, projectId: number) => core.store.images.add({ projectId, sourcePath: path, contentHash: contentHash(image), fileName: 'held-out.png', width: 64, height: 64 }).id;

  const coreA = open(a.data);
  let atA: Uint8Array[];
  let base: Uint8Array[];
  try {
    const imageA = coreA.store.images.list(1).find((i) => i.contentHash === contentHash(image))!.id; // the image site A never corrected
    base = await sweep(coreA, imageA, null);
    ok(await coreA.api.activateAdapter({ adapterId: a.adapterId }));
    atA = await sweep(coreA, imageA, a.adapterId);
  } finally {
    await coreA.close();
  }
  assert.ok(atA.some((m, i) => !Buffer.from(m).equals(Buffer.from(base[i]))), 'the adapter changes some preview: the comparison below means something');

  const coreB = open(join(a.dir, 'site-B'));
  try {
    const projectId = ok(await coreB.api.createProject({ name: 'Colon B' })).id;
    const imageB = add(coreB, projectId);
    const candidates = ok(await coreB.api.inspectAdapterPacks({ path: a.dir }));
    const offered = candidates.find((c) => c.fileName === 'previews.dlad')!;
    assert.equal(offered.problem, null);
    assert.equal(offered.info?.variant, 'sa-vlc');
    const info: AdapterInfo = ok(await coreB.api.importAdapterPack({ path: pack, projectId }));
    assert.equal(info.active, false);
    assert.equal(info.origin?.fileName, 'previews.dlad');
    assert.deepEqual(await sweep(coreB, imageB, null), base, 'inactive after import: previews are the base model\'s');
    ok(await coreB.api.activateAdapter({ adapterId: info.id }));
    const atB = await sweep(coreB, imageB, info.id);
    atB.forEach((m, i) => assert.ok(Buffer.from(m).equals(Buffer.from(atA[i])), `threshold ${(i + 1) / 30}: site B's preview differs from site A's`));
    // the API names refusals as 'invalid' with the file in the message
    const bad = join(a.dir, 'bad.dlad');
    writeFileSync(bad, readFileSync(pack).subarray(0, 200));
    const r = await coreB.api.importAdapterPack({ path: bad, projectId });
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.equal(r.error.code, 'invalid');
      assert.ok(r.error.message.includes(bad));
    }
    const listed = ok(await coreB.api.listAdapters({ projectId }));
    assert.deepEqual(listed.map((x) => x.id), [info.id]);
    const exported = ok(await coreB.api.exportAdapterPack({ adapterId: info.id, outPath: join(a.dir, 'from-B.dlad'), note: 'passed on' }));
    assert.equal(exported.bytes, readFileSync(exported.path).length);
    const relative = await coreB.api.exportAdapterPack({ adapterId: info.id, outPath: 'relative.dlad' });
    assert.equal(relative.ok, false);
  } finally {
    await coreB.close();
  }
});
