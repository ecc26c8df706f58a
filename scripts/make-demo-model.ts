// Makes Delineate's demo model: a small CLIPSeg in HuggingFace layout, trained from scratch (every
// weight, `trainRun` variant `full`) on the synthetic source domain of main/training/synthetic.ts
// — grey images of discs, squares and triangles named "circle", "square", "triangle" and
// synonyms — so the app can show real segmentation without the 600 MB checkpoint. Also writes the
// demo project's images (a MedVLSM dataset folder: images, one mask per shape, prompts).
//
//   npx tsx scripts/make-demo-model.ts --out resources/demo/model [--images resources/demo/images]
//
// Deterministic from --seed (data, initial weights, shuffles); a few minutes on 2 CPU cores.

import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { intOption, numberOption, parse, UsageError } from '../main/cli/args.ts';
import { openClipSegModel } from '../main/engine/model/clipseg-model.ts';
import { parseClipSegConfig } from '../main/engine/model/config.ts';
import { readTensors, writeSafetensors } from '../main/engine/model/safetensors.ts';
import { expectedClipSegWeights, parameterCount } from '../main/engine/model/weights.ts';
import { Engine } from '../main/engine/runtime/engine.ts';
import { writeFileAtomic } from '../main/fs/atomic.ts';
import { encodePng } from '../main/io/image-decode.ts';
import { binaryMaskToPng } from '../main/io/png-mask.ts';
import type { Split } from '../main/io/medvlsm-dataset.ts';
import { initClipSegWeights } from '../main/training/clipseg-init.ts';
import { evaluateParams } from '../main/training/evaluate.ts';
import { summarize } from '../main/training/metrics.ts';
import { defaultRecipe } from '../main/training/recipe.ts';
import { deriveSeed, mulberry32 } from '../main/common/rng.ts';
import { generateImage, PROMPTS, SHAPES, shapeMask, type ShapeKind, type SyntheticImage } from '../main/training/synthetic.ts';
import { imageSource, syntheticImages, syntheticSource } from '../main/training/synthetic-source.ts';
import { trainRun } from '../main/training/train-run.ts';

const HELP = `usage: npx tsx scripts/make-demo-model.ts [options]

  --out DIR          model folder to write (default resources/demo/model; replaced)
  --images DIR       demo project images to write (default resources/demo/images; replaced);
                     'none' to skip
  --train N          training images (default 2048)    --val N   (default 128)
  --test N           test images (default 256)
  --epochs N         maximum epochs of the last (plain) stage (default 16)
  --lr X             learning rate (default 1e-3)
  --batch N          batch size (default 16)
  --seed N           data, init and shuffle seed (default 7)
  --threads N        engine threads (default: all cores)`;

const fixture = fileURLToPath(new URL('../test/fixtures/clipseg-tiny/', import.meta.url));

/** Input 128 px, patch 16 → an 8×8 grid; the complex head's two ×4 transposed convs give 16 = patch. */
const SIZE = 128;
const MAX_TOKENS = 32; // the longest synthetic prompt is 19 BPE pieces + bos/eos with this vocabulary
const DEMO_CONFIG = {
  model_type: 'clipseg',
  architectures: ['CLIPSegForImageSegmentation'],
  text_config: {
    model_type: 'clipseg_text_model', vocab_size: 562, hidden_size: 64, intermediate_size: 256, num_hidden_layers: 4, num_attention_heads: 4,
    max_position_embeddings: MAX_TOKENS, hidden_act: 'quick_gelu', layer_norm_eps: 1e-5, bos_token_id: 560, eos_token_id: 561, pad_token_id: 561,
  },
  vision_config: {
    model_type: 'clipseg_vision_model', hidden_size: 96, intermediate_size: 384, num_hidden_layers: 4, num_attention_heads: 4, num_channels: 3,
    image_size: SIZE, patch_size: 16, hidden_act: 'quick_gelu', layer_norm_eps: 1e-5,
  },
  projection_dim: 64,
  logit_scale_init_value: 2.6592,
  extract_layers: [1, 2, 3],
  reduce_dim: 64,
  decoder_num_attention_heads: 4,
  decoder_intermediate_size: 128,
  decoder_hidden_act: 'quick_gelu', // HF's CLIPSeg decoder uses ReLU whatever this says
  conditional_layer: 0,
  use_complex_transposed_convolution: true,
};

const PREPROCESSOR = {
  image_processor_type: 'ViTImageProcessor', processor_class: 'CLIPSegProcessor', do_resize: true, do_rescale: true, do_normalize: true,
  resample: 2, rescale_factor: 1 / 255, size: { height: SIZE, width: SIZE }, image_mean: [0.485, 0.456, 0.406], image_std: [0.229, 0.224, 0.225],
};

const TOKENIZER_CONFIG = {
  tokenizer_class: 'CLIPTokenizer', model_max_length: MAX_TOKENS, do_lower_case: true, bos_token: '<|startoftext|>', eos_token: '<|endoftext|>',
  unk_token: '<|endoftext|>', pad_token: '<|endoftext|>', errors: 'replace',
};

/** Writes config, preprocessing and tokenizer files (the tiny fixture's 562-entry BPE vocabulary). */
function writeModelFiles(dir: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(DEMO_CONFIG, null, 1) + '\n');
  writeFileSync(join(dir, 'preprocessor_config.json'), JSON.stringify(PREPROCESSOR, null, 1) + '\n');
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(TOKENIZER_CONFIG, null, 1) + '\n');
  for (const f of ['vocab.json', 'merges.txt', 'special_tokens_map.json']) copyFileSync(join(fixture, f), join(dir, f));
}

/**
 * Trained from scratch on the plain task, the model settles on "every shape" (DSC ≈ 0.53) and its
 * text embeddings collapse to one vector: telling a disc from a square of the same area is too
 * hard to be found before the prompt has been learnt to mean nothing. So the first stages paint
 * each shape towards a grey level of its kind (a cue that is easy to see), which teaches the
 * prompt → shape link; the cue then fades, so the shapes' outlines must take over; the last stage
 * is the real task. Each stage starts from the previous one's final weights.
 */
const CURRICULUM: { cue: number; epochs: number }[] = [{ cue: 1, epochs: 3 }, { cue: 0.5, epochs: 5 }, { cue: 0.25, epochs: 5 }, { cue: 0, epochs: 16 }];
const CUE_LEVEL: Record<ShapeKind, number> = { disc: 250, square: 200, triangle: 160 };

/** A copy of the image with every shape moved `strength` of the way to its kind's grey level. */
function withShapeCue(g: SyntheticImage, strength: number): SyntheticImage {
  const { width } = g.image;
  const data = Uint8Array.from(g.image.data);
  for (const s of g.shapes) {
    const mask = shapeMask(s, width);
    const level = CUE_LEVEL[s.kind];
    for (let i = 0; i < mask.length; i++) {
      if (!mask[i]) continue;
      for (let c = 0; c < 3; c++) data[3 * i + c] = Math.round(data[3 * i + c] + strength * (level - data[3 * i + c]));
    }
  }
  return { ...g, image: { ...g.image, data } };
}

const DEMO_IMAGES = 12;
const DEMO_IMAGE_SIZE = 256;
/** The p1 name of each shape, used in mask file names. */
const NAMES: Record<ShapeKind, string> = { disc: 'circle', square: 'square', triangle: 'triangle' };

/**
 * The demo project's images as a MedVLSM dataset folder (import reads it as images with their
 * ground-truth masks and labels): images/shapes-NN.png, masks/shapes-NN-<shape>.png for every
 * shape in the image, anns/{train,val,test}.json (8 / 2 / 2 images).
 */
async function writeDemoImages(dir: string, seed: number): Promise<void> {
  rmSync(dir, { recursive: true, force: true });
  for (const d of ['images', 'masks', 'anns']) mkdirSync(join(dir, d), { recursive: true });
  const anns: Record<Split, unknown[]> = { train: [], val: [], test: [] };
  for (let i = 0; i < DEMO_IMAGES; i++) {
    const stem = `shapes-${String(i + 1).padStart(2, '0')}`;
    const g = generateImage('source', DEMO_IMAGE_SIZE, mulberry32(deriveSeed(seed, 'demo images', i)));
    writeFileAtomic(join(dir, 'images', `${stem}.png`), encodePng(g.image));
    const split: Split = i < 8 ? 'train' : i < 10 ? 'val' : 'test';
    for (const s of g.shapes) {
      const maskName = `${stem}-${NAMES[s.kind]}.png`;
      const mask = shapeMask(s, DEMO_IMAGE_SIZE);
      writeFileAtomic(join(dir, 'masks', maskName), binaryMaskToPng(mask, { width: DEMO_IMAGE_SIZE, height: DEMO_IMAGE_SIZE }, { name: maskName }));
      anns[split].push({ img_name: `${stem}.png`, mask_name: maskName, prompts: PROMPTS.source[s.kind] });
    }
  }
  for (const s of ['train', 'val', 'test'] as const) writeFileAtomic(join(dir, 'anns', `${s}.json`), JSON.stringify(anns[s], null, 1) + '\n');
}

async function main(argv: string[]): Promise<void> {
  const { values } = parse(argv, {
    out: { type: 'string' }, images: { type: 'string' }, train: { type: 'string' }, val: { type: 'string' }, test: { type: 'string' },
    epochs: { type: 'string' }, lr: { type: 'string' }, batch: { type: 'string' }, seed: { type: 'string' }, threads: { type: 'string' },
  }, HELP);
  const out = resolve(values.out ?? 'resources/demo/model');
  const imagesDir = values.images === 'none' ? null : resolve(values.images ?? 'resources/demo/images');
  const seed = intOption(values.seed, 'seed', 7, 0);
  const counts = { train: intOption(values.train, 'train', 2048, 1), val: intOption(values.val, 'val', 128, 1), test: intOption(values.test, 'test', 256, 1) };
  const recipe = defaultRecipe('full');
  recipe.lr = numberOption(values.lr, 'lr', 1e-3);
  recipe.batchSize = intOption(values.batch, 'batch', 16, 1);
  recipe.microBatch = recipe.batchSize; // the model is small: one fused step per batch
  const finalEpochs = intOption(values.epochs, 'epochs', 16, 1);
  const started = Date.now();
  const log = (s: string): void => console.error(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${s}`);

  const work = mkdtempSync(join(tmpdir(), 'delineate-demo-model-'));
  const engine = new Engine({ provider: 'cpu', threads: values.threads ? intOption(values.threads, 'threads', 2, 1) : undefined, log: () => {} });
  try {
    // 1. the untrained model, as a model folder the ordinary loader opens
    const initial = join(work, 'initial');
    writeModelFiles(initial);
    const config = parseClipSegConfig(DEMO_CONFIG);
    writeSafetensors(join(initial, 'model.safetensors'), initClipSegWeights(config, seed), { format: 'pt' });
    const model = await openClipSegModel(initial, engine, { imageCacheBytes: 0 });
    const total = parameterCount(expectedClipSegWeights(config));
    log(`model: ${total.toLocaleString('en')} parameters; input ${SIZE}, grid ${SIZE / 16}×${SIZE / 16}`);

    // 2. data: drawn at the demo images' size and resized by the model's own preprocessing, as the app does
    const images = syntheticImages({ domain: 'source', split: 'train', count: counts.train, seed, imageSize: DEMO_IMAGE_SIZE });
    const val = syntheticSource({ domain: 'source', split: 'val', count: counts.val, seed, imageSize: DEMO_IMAGE_SIZE }, model.preprocess);
    const test = syntheticSource({ domain: 'source', split: 'test', count: counts.test, seed, imageSize: DEMO_IMAGE_SIZE }, model.preprocess);
    log(`data: ${counts.train} train, ${counts.val} val, ${counts.test} test (source domain, ${DEMO_IMAGE_SIZE} px → ${SIZE})`);

    // 3. train every weight, through the curriculum; validation is always on plain images
    const stages = CURRICULUM.map((c, k) => (k === CURRICULUM.length - 1 ? { ...c, epochs: finalEpochs } : c));
    let init: string | undefined;
    let result: Awaited<ReturnType<typeof trainRun>>['result'] | undefined;
    for (const [k, stage] of stages.entries()) {
      const last = k === stages.length - 1;
      const train = imageSource(stage.cue > 0 ? images.map((g) => withShapeCue(g, stage.cue)) : images, model.preprocess, `demo-train|cue ${stage.cue}`);
      const run = await trainRun({
        model, engine, weightsPath: join(initial, 'model.safetensors'), baseModelSha256: null, variant: 'full', init, train, val,
        recipe: { ...recipe, seed: seed + k, maxEpochs: stage.epochs, minEpochs: last ? Math.min(recipe.minEpochs, stage.epochs) : stage.epochs },
        onEpoch: (e) => log(`stage ${k + 1} (cue ${stage.cue}) epoch ${e.epoch + 1}: train loss ${e.trainLoss.toFixed(4)}  val loss ${e.valLoss.toFixed(4)}  val DSC ${(e.valDice * 100).toFixed(2)}  lr ${e.lr.toExponential(1)}  (${e.seconds.toFixed(1)} s)`),
      });
      result = run.result;
      init = join(work, `stage-${k + 1}.safetensors`);
      writeSafetensors(init, result.last); // the next stage continues from where this one ended
    }
    if (!result) throw new Error('no training stage ran');
    log(`trained ${result.epochs} epochs on plain images (${result.stoppedBy}); best val DSC ${(result.bestValDice * 100).toFixed(2)} at epoch ${result.bestEpoch + 1}`);

    // 4. test split, one seeded prompt per image
    const promptRng = mulberry32(deriveSeed(seed, 'test prompts'));
    const prompts = Array.from({ length: test.length }, (_, i) => test.prompt(i, promptRng));
    const scores = await evaluateParams({ engine, config, size: SIZE, tokenizer: model.tokenizer, variant: 'full', set: null, params: result.best, source: test, prompts });
    const metric = (k: 'dice' | 'iou' | 'hd95') => summarize(scores.map((s) => s[k]));
    const [dsc, iou, hd95] = [metric('dice'), metric('iou'), metric('hd95')];
    log(`test: DSC ${(dsc.mean * 100).toFixed(2)} ± ${(dsc.std * 100).toFixed(2)}  IoU ${(iou.mean * 100).toFixed(2)} ± ${(iou.std * 100).toFixed(2)}  HD95 ${hd95.mean.toFixed(2)} ± ${hd95.std.toFixed(2)} px`);

    // per prompt: the test images whose named shape it describes, every one with that prompt
    const perPrompt: { kind: ShapeKind; prompt: string; dice: number; n: number }[] = [];
    for (const kind of SHAPES) {
      const own = test.images.filter((g) => g.target === kind);
      const sub = imageSource(own, model.preprocess, `demo-test|${kind}`);
      for (const prompt of sub.prompts(0)) {
        const s = await evaluateParams({ engine, config, size: SIZE, tokenizer: model.tokenizer, variant: 'full', set: null, params: result.best, source: sub, prompts: own.map(() => prompt) });
        perPrompt.push({ kind, prompt, dice: summarize(s.map((m) => m.dice)).mean, n: own.length });
      }
    }
    log(`per prompt: ${perPrompt.map((p) => `${p.prompt} ${(p.dice * 100).toFixed(1)}`).join(', ')}`);

    // 5. the model folder: trained tensors over the initial ones (those the graph never uses —
    // post_layernorm, visual_projection, logit_scale — keep their initial values)
    const weights = readTensors(join(initial, 'model.safetensors'));
    for (const [name, t] of result.best) weights.set(name, t);
    rmSync(out, { recursive: true, force: true });
    writeModelFiles(out);
    writeSafetensors(join(out, 'model.safetensors'), weights, { format: 'pt' });
    const seconds = (Date.now() - started) / 1000;
    writeFileSync(join(out, 'README.md'), readme({ total, seed, counts, recipe, stages, result, dsc, iou, hd95, perPrompt, seconds, argv }));
    log(`wrote ${out} (${readdirSync(out).join(', ')})`);
    if (imagesDir) {
      await writeDemoImages(imagesDir, seed);
      log(`wrote ${imagesDir} (${DEMO_IMAGES} images, ${DEMO_IMAGE_SIZE}×${DEMO_IMAGE_SIZE}, a mask per shape)`);
    }
  } finally {
    await engine.close();
    rmSync(work, { recursive: true, force: true });
  }
}

type S = { mean: number; std: number; n: number };

function readme(o: {
  total: number; seed: number; counts: Record<Split, number>; recipe: ReturnType<typeof defaultRecipe>; stages: { cue: number; epochs: number }[];
  result: Awaited<ReturnType<typeof trainRun>>['result']; dsc: S; iou: S; hd95: S; seconds: number; argv: string[];
  perPrompt: { kind: ShapeKind; prompt: string; dice: number; n: number }[];
}): string {
  const pct = (s: S) => `${(s.mean * 100).toFixed(2)} ± ${(s.std * 100).toFixed(2)}`;
  const v = DEMO_CONFIG.vision_config;
  const t = DEMO_CONFIG.text_config;
  const wrong = o.perPrompt.filter((p) => p.dice < 0.5);
  return `# Delineate demo model

A small CLIPSeg (HuggingFace \`CLIPSegForImageSegmentation\` layout: \`config.json\`,
\`preprocessor_config.json\`, CLIP tokenizer files, \`model.safetensors\` with every HF key) trained
**from scratch on synthetic shapes**, so the app can segment something without the real 600 MB
checkpoint. It knows three things: discs ("circle", "a round blob", "disc", "round shape",
"circular object"), squares ("square", "a box", "box", "square shape", "block") and triangles
("triangle", "a three-cornered shape", "triangular object", "wedge", "triangle shape"), bright
and flat on a smooth grey background (the *source* domain of \`main/training/synthetic.ts\`).
It means nothing for medical images.${wrong.length ? `\nIt has learnt ${wrong.map((p) => `"${p.prompt}"`).join(', ')} as the name of another shape (see the per-prompt table).` : ''}

## Architecture (${o.total.toLocaleString('en')} parameters)
- Input ${SIZE}×${SIZE} (ImageNet mean/std, as CIDAS's CLIPSeg), patch ${v.patch_size} → an ${SIZE / 16}×${SIZE / 16} grid.
- Vision: width ${v.hidden_size}, ${v.num_hidden_layers} pre-LN blocks, ${v.num_attention_heads} heads, MLP ${v.intermediate_size}.
- Text: width ${t.hidden_size}, ${t.num_hidden_layers} blocks, ${t.num_attention_heads} heads, MLP ${t.intermediate_size}, ${t.max_position_embeddings} positions;
  the tiny test fixture's 562-entry byte-level BPE vocabulary (mostly single characters: every
  synthetic prompt tokenizes without unknown pieces, "a three-cornered shape" is the longest at 19
  pieces + bos/eos), end-of-text 561 (the largest id).
- Decoder: extract_layers [${DEMO_CONFIG.extract_layers.join(', ')}], reduce_dim ${DEMO_CONFIG.reduce_dim}, ${DEMO_CONFIG.decoder_num_attention_heads} heads, MLP ${DEMO_CONFIG.decoder_intermediate_size},
  the rd64-refined head (conv 3×3, two transposed convs ×4 each: ×16 = the patch size).

## How it was made
\`\`\`
npx tsx scripts/make-demo-model.ts${o.argv.length ? ` ${o.argv.join(' ')}` : ' --out resources/demo/model'}
\`\`\`
- Initial weights (\`main/training/clipseg-init.ts\`, seed ${o.seed}): as HF initialises a new CLIPSeg —
  embeddings normal(0, 0.02), attention and MLP weights scaled by width and depth, projections
  width^-½, FiLM and reduces PyTorch's default scale, biases 0, LayerNorm 1/0; convolutions He-normal.
- Data: ${o.counts.train} train / ${o.counts.val} val / ${o.counts.test} test source-domain images (seed ${o.seed}), drawn at
  ${DEMO_IMAGE_SIZE}×${DEMO_IMAGE_SIZE} and resized to ${SIZE} by the model's own preprocessing; 2–3 shapes per image, the
  mask is the one the prompt names (drawn per access among p1–p3, the paper's rule).
- Training: \`trainRun\` variant \`full\` (every weight the segmentation graph uses), loss 1.5·Dice +
  1.0·BCE on the logits, AdamW lr ${o.recipe.lr} (weight decay ${o.recipe.weightDecay}, clip ${o.recipe.maxGradNorm}), batch ${o.recipe.batchSize},
  ReduceLROnPlateau ×${o.recipe.plateau.factor} / ${o.recipe.plateau.patience}, in ${o.stages.length} stages of a curriculum, each starting from the
  previous one's last weights (fresh optimiser state):
${o.stages.map((s, k) => `  ${k + 1}. ${s.cue > 0 ? `shapes painted ${s.cue * 100} % of the way to a grey level per kind (disc ${CUE_LEVEL.disc}, square ${CUE_LEVEL.square}, triangle ${CUE_LEVEL.triangle}), ${s.epochs} epochs` : `the plain images, at most ${s.epochs} epochs`}`).join('\n')}

  Why: trained on the plain task alone, the model settles on "segment every shape" (DSC ≈ 0.53,
  measured over 20 epochs) while its text embeddings collapse to one vector (cosine similarity
  0.999 between "circle" and "square"): the visual difference between shapes of equal area is
  found too slowly, and by then the prompt has been learnt to mean nothing. The grey-level cue makes
  the prompt useful first; as it fades the outlines must take over. Validation is always on plain
  images. The last stage ran ${o.result.epochs} epochs (${o.result.stoppedBy}); its best epoch by validation DSC
  (${o.result.bestEpoch + 1}, val DSC ${(o.result.bestValDice * 100).toFixed(2)}) is what is saved. Wall time ${(o.seconds / 60).toFixed(1)} min on this machine (2 shared cores).
- \`post_layernorm\`, \`visual_projection\` and \`logit_scale\` are not used by text-prompted
  segmentation and keep their initial values (image prompts therefore mean nothing with this model).

## Source-domain test metrics (${o.dsc.n} images, one seeded prompt each, at ${SIZE}×${SIZE})
| DSC % | IoU % | HD95 px |
|---|---|---|
| ${pct(o.dsc)} | ${pct(o.iou)} | ${o.hd95.mean.toFixed(2)} ± ${o.hd95.std.toFixed(2)} |

(mean ± population std over images; σ(z) > 0.5; metrics as \`main/training/metrics.ts\`.)

Per prompt (mean DSC % over the test images whose named shape the prompt describes, each image
with that prompt):

| shape | ${o.perPrompt.filter((p) => p.kind === 'disc').map((_, k) => `prompt ${k + 1}`).join(' | ')} |
|---|${o.perPrompt.filter((p) => p.kind === 'disc').map(() => '---').join('|')}|
${SHAPES.map((kind) => `| ${NAMES[kind]} (${o.perPrompt.find((p) => p.kind === kind)?.n ?? 0} images) | ${o.perPrompt.filter((p) => p.kind === kind).map((p) => `"${p.prompt}" ${(p.dice * 100).toFixed(1)}`).join(' | ')} |`).join('\n')}

A prompt far below its shape's others has been learnt as the name of another shape: the text
tower learns these 15 phrases from scratch, nearly letter by letter with this small vocabulary,
and each p3 alternative is drawn for only 1 in 9 of its shape's training samples.

The demo project's images are in \`resources/demo/images\` (a MedVLSM dataset folder: 12 images of
${DEMO_IMAGE_SIZE}×${DEMO_IMAGE_SIZE} and a ground-truth mask per shape). \`scripts/experiment-adapters.ts\` adapts this
model to the shifted *target* domain (see \`docs/experiments.md\`).
`;
}

main(process.argv.slice(2)).catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exit(e instanceof UsageError ? 2 : 1);
});

