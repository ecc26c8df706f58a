// CLIPSeg's config.json, read the way HuggingFace's CLIPSegConfig reads it: every size comes from
// the file, with HF's defaults for absent fields (so rd64, rd16 and rd64-refined all load).

export interface ClipSegVisionConfig {
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  numChannels: number;
  /** The size the checkpoint's position table was trained for (224 → a 14×14 grid). */
  imageSize: number;
  patchSize: number;
  layerNormEps: number;
}

export interface ClipSegTextConfig {
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  maxPositions: number;
  layerNormEps: number;
  /** 2 in legacy configs (CIDAS's), which makes HF pool at argmax(input_ids); see pooledIndex. */
  eosTokenId: number;
}

export interface ClipSegConfig {
  vision: ClipSegVisionConfig;
  text: ClipSegTextConfig;
  projectionDim: number;
  /** 0-based encoder blocks whose outputs feed the decoder (HF hidden_states[i + 1]). */
  extractLayers: number[];
  reduceDim: number;
  decoderNumHeads: number;
  decoderIntermediateSize: number;
  conditionalLayer: number;
  useComplexTransposedConvolution: boolean;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Json = Record<string, unknown>;

function field(obj: Json, key: string, fallback: number, where: string, integer = true): number {
  const v = obj[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || (integer && (!Number.isInteger(v) || v < 0))) {
    throw new ConfigError(`${where}: '${key}' must be ${integer ? 'a non-negative integer' : 'a number'}, got ${JSON.stringify(v)}`);
  }
  return v;
}

const section = (obj: Json, key: string, where: string): Json => {
  const v = obj[key] ?? {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new ConfigError(`${where}: '${key}' must be an object`);
  return v as Json;
};

/** Parses a CLIPSeg config.json object; `where` names the file in errors. */
export function parseClipSegConfig(json: unknown, where = 'config.json'): ClipSegConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ConfigError(`${where}: not a JSON object`);
  const c = json as Json;
  if (c.model_type !== undefined && c.model_type !== 'clipseg') {
    throw new ConfigError(`${where}: model_type is '${String(c.model_type)}', expected 'clipseg' (a CLIPSeg checkpoint such as CIDAS/clipseg-rd64-refined)`);
  }
  const v = section(c, 'vision_config', where);
  const t = section(c, 'text_config', where);
  const vw = `${where} vision_config`;
  const tw = `${where} text_config`;
  const vision: ClipSegVisionConfig = {
    hiddenSize: field(v, 'hidden_size', 768, vw),
    intermediateSize: field(v, 'intermediate_size', 3072, vw),
    numLayers: field(v, 'num_hidden_layers', 12, vw),
    numHeads: field(v, 'num_attention_heads', 12, vw),
    numChannels: field(v, 'num_channels', 3, vw),
    imageSize: field(v, 'image_size', 224, vw),
    patchSize: field(v, 'patch_size', 16, vw),
    layerNormEps: field(v, 'layer_norm_eps', 1e-5, vw, false),
  };
  const text: ClipSegTextConfig = {
    vocabSize: field(t, 'vocab_size', 49408, tw),
    hiddenSize: field(t, 'hidden_size', 512, tw),
    intermediateSize: field(t, 'intermediate_size', 2048, tw),
    numLayers: field(t, 'num_hidden_layers', 12, tw),
    numHeads: field(t, 'num_attention_heads', 8, tw),
    maxPositions: field(t, 'max_position_embeddings', 77, tw),
    layerNormEps: field(t, 'layer_norm_eps', 1e-5, tw, false),
    eosTokenId: field(t, 'eos_token_id', 49407, tw),
  };
  const extract = c.extract_layers ?? [3, 6, 9];
  if (!Array.isArray(extract) || extract.length === 0 || !extract.every((i) => Number.isInteger(i) && i >= 0 && i < vision.numLayers)) {
    throw new ConfigError(`${where}: 'extract_layers' must list block indices in 0..${vision.numLayers - 1}, got ${JSON.stringify(extract)}`);
  }
  const cfg: ClipSegConfig = {
    vision,
    text,
    projectionDim: field(c, 'projection_dim', 512, where),
    extractLayers: extract as number[],
    reduceDim: field(c, 'reduce_dim', 64, where),
    decoderNumHeads: field(c, 'decoder_num_attention_heads', 4, where),
    decoderIntermediateSize: field(c, 'decoder_intermediate_size', 2048, where),
    conditionalLayer: field(c, 'conditional_layer', 0, where),
    useComplexTransposedConvolution: c.use_complex_transposed_convolution === true,
  };
  const divides = (a: number, b: number, what: string): void => {
    if (b === 0 || a % b !== 0) throw new ConfigError(`${where}: ${what}`);
  };
  divides(vision.hiddenSize, vision.numHeads, `vision hidden_size ${vision.hiddenSize} is not divisible by ${vision.numHeads} heads`);
  divides(text.hiddenSize, text.numHeads, `text hidden_size ${text.hiddenSize} is not divisible by ${text.numHeads} heads`);
  divides(cfg.reduceDim, cfg.decoderNumHeads, `reduce_dim ${cfg.reduceDim} is not divisible by ${cfg.decoderNumHeads} decoder heads`);
  divides(vision.imageSize, vision.patchSize, `image_size ${vision.imageSize} is not a multiple of patch_size ${vision.patchSize}`);
  if (cfg.conditionalLayer >= cfg.extractLayers.length) {
    throw new ConfigError(`${where}: conditional_layer ${cfg.conditionalLayer} is past the ${cfg.extractLayers.length} decoder layers`);
  }
  if (cfg.useComplexTransposedConvolution) {
    divides(vision.patchSize, 4, `the complex transposed-convolution head needs patch_size divisible by 4, got ${vision.patchSize}`);
    divides(cfg.reduceDim, 2, `the complex transposed-convolution head needs an even reduce_dim, got ${cfg.reduceDim}`);
  }
  return cfg;
}

/**
 * The token position whose hidden state is pooled, by HF's rule: legacy configs (eos_token_id 2)
 * take argmax(input_ids), others the first position equal to eos_token_id.
 */
export function pooledIndex(ids: readonly number[], eosTokenId: number): number {
  if (eosTokenId === 2) {
    let best = 0;
    for (let i = 1; i < ids.length; i++) if (ids[i] > ids[best]) best = i;
    return best;
  }
  const i = ids.indexOf(eosTokenId);
  return i < 0 ? 0 : i; // HF: argmax over an all-false mask
}
