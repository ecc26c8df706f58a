// Messages between the engine client (any thread) and the engine worker that owns ORT sessions.

import type { CompiledGraph } from '../graph/onnx.ts';
import type { EmbedOptions } from './embedded-model.ts';
import type { HostTensor } from './host-tensor.ts';
import type { ProviderPreference } from './providers.ts';

export interface EngineSettings {
  provider: ProviderPreference;
  threads: number;
}

export type Request =
  | { op: 'setWeights'; weights: Record<string, HostTensor> }
  | { op: 'dropWeights'; names: string[] }
  | { op: 'load'; key: string; graph: CompiledGraph; embed?: EmbedOptions }
  | { op: 'run'; key: string; feeds: Record<string, HostTensor>; fetch?: string[] }
  | { op: 'release'; key: string }
  | { op: 'sessions' }
  /** Stops reopening sessions packed and answers once none is under way (before the worker is terminated). */
  | { op: 'drain' };

export type Response =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: { name: string; message: string } };

export type Envelope = Request & { id: number };
