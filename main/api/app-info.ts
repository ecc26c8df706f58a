// appInfo's answer: version, data folder, the model previews will use and where it comes from,
// and which execution providers are present. The model is looked up the way InstalledModelInference
// looks it up, so the two agree; a model once found is kept (models do not change in place), a
// missing one is looked for again on each call, so one installed meanwhile shows up.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { invalidModelName } from '../models/layout.ts';
import { resolveModel } from '../models/registry.ts';
import type { AppInfo } from '../contract/contract.ts';
import type { ProviderPreference } from '../engine/runtime/providers.ts';

export interface AppInfoOptions {
  dataDir: string;
  modelsDir: string;
  /** the core's model option: an installed model's name, a folder, or undefined (the installed one) */
  model?: string;
  /** the model folder is the bundled demo model */
  demo?: boolean;
  /** the engine's provider preference (undefined: DELINEATE_PROVIDER, else auto) */
  provider?: ProviderPreference;
}

const version = (): string => (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

type ModelInfo = NonNullable<AppInfo['model']>;

function modelSource(o: AppInfoOptions): ModelInfo['source'] {
  if (o.demo) return 'demo';
  if (o.model === undefined || (invalidModelName(o.model) === undefined && existsSync(join(o.modelsDir, o.model)))) return 'installed';
  return 'folder';
}

/** Execution providers whose files are here (no session is created: that is the engine's job). */
async function presentProviders(): Promise<string[]> {
  // imported on first use: it loads onnxruntime-node, which the main thread does not need otherwise
  const { providerOrder, unavailableReason } = await import('../engine/runtime/providers.ts');
  return providerOrder.filter((p) => unavailableReason(p) === null);
}

/**
 * Whether the engine will train on a GPU: a GPU provider is present and the preference allows it.
 * The app's default adapter variant and the adapt job's recipe both follow this one answer.
 */
export async function gpuUsable(pref?: ProviderPreference): Promise<boolean> {
  const { candidates, unavailableReason } = await import('../engine/runtime/providers.ts');
  const { envProvider } = await import('../engine/runtime/engine.ts');
  return candidates(pref ?? envProvider() ?? 'auto').some((p) => p !== 'cpu' && unavailableReason(p) === null);
}

export function appInfoSource(o: AppInfoOptions): () => Promise<AppInfo> {
  let model: ModelInfo | null = null;
  let providers: string[] | null = null;
  let gpu: boolean | null = null;
  const app = version();
  return async () => {
    if (!model) {
      try {
        const info = resolveModel(o.model, o.modelsDir);
        model = { id: `${info.name}@${info.sha256.slice(0, 12)}`, name: info.name, source: modelSource(o), size: info.weightsBytes };
      } catch {
        model = null; // none usable: a preview says why and how to install one
      }
    }
    providers ??= await presentProviders();
    gpu ??= await gpuUsable(o.provider);
    return { version: app, dataDir: o.dataDir, model, providers, gpu, demo: model?.source === 'demo' };
  };
}
