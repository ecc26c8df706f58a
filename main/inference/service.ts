// What the app asks of the model, independent of how it runs: a mask for one frame of a stored
// image and a prompt. The API's prompt preview and the batch-segment job both go through it.

import type { ModelRuntimeInfo } from '../contract/contract.ts';
import type { Precision } from '../contract/precision.ts';
import type { FrameSource } from '../common/image-source.ts';

export interface SourceImage {
  id: number;
  sourcePath: string;
  contentHash: string;
  width: number;
  height: number;
  frames: number;
  /** where frame k is read from (the store's images.frameSource): needed for stacks, whose frames are other files; default: frame k of sourcePath */
  frameSource?(frame: number): FrameSource;
}

export interface MaskPrediction {
  width: number;
  height: number;
  /** 0/1 bytes, width × height, row-major, top row first */
  mask: Uint8Array;
  /** probability threshold applied */
  threshold: number;
  /** the model's input side (logits are modelSize²) */
  modelSize: number;
  /** the adapter applied (null: the base model) */
  adapterId: number | null;
  /** true when the image encoding came from the cache (only text + decoder ran) */
  cached: boolean;
  ms: number;
}

/** The model's probability maps for one frame (InferenceService.probabilities). */
export interface ProbabilityMaps {
  /** the maps' side: the model's input size */
  modelSize: number;
  /** one per prompt, modelSize² values in [0, 1] */
  maps: Float32Array[];
  adapterId: number | null;
  /** the image encoding came from the cache */
  cached: boolean;
}

/** A registered adapter to apply (null or absent: the base model). */
export interface AdapterRef {
  id: number;
  path: string;
}

/** Where the model in use lives, for jobs that open it themselves (training). */
export interface ModelAccess {
  dir: string;
  sha256: string;
  id: string;
}

export interface InferenceService {
  /** A stable identity of the model in use (its folder name and weights hash), for provenance. */
  readonly modelId: string;
  predict(image: SourceImage, frame: number, prompt: string, threshold?: number, adapter?: AdapterRef | null): Promise<MaskPrediction>;
  /**
   * Several frames of one image with one prompt, batched (see ModelInference.predictFrames); each
   * frame's prediction goes to `onMask` in `frames` order. Optional: without it, callers predict frame by frame.
   */
  predictFrames?(image: SourceImage, frames: number[], prompt: string, threshold: number, adapter: AdapterRef | null, onMask: (frame: number, p: MaskPrediction) => void | Promise<void>, opts?: { batch?: number; signal?: AbortSignal }): Promise<void>;
  /**
   * σ(logits) at modelSize² (row-major) for one frame under each prompt, in order, with `adapter`
   * applied: the image is encoded once (or taken from the encoding cache) and each prompt costs
   * only text + decoder. For scores computed from the model's uncertainty (the suggest job).
   */
  probabilities?(image: SourceImage, frame: number, prompts: string[], adapter: AdapterRef | null): Promise<ProbabilityMaps>;
  /** The model's folder and weights hash (resolving it if needed; throws what resolving throws). */
  model?(): ModelAccess;
  /** Precision and background work of the model (null: none resolved). */
  runtime?(): ModelRuntimeInfo | null;
  /** Chooses the precision (null: automatic), recorded in the data folder. */
  setPrecision?(p: Precision | null): ModelRuntimeInfo | null;
  close(): Promise<void>;
}
