// Execution-provider choice: cuda > webgpu > cpu. Each candidate is tried by creating the session
// with it; a provider that fails to load is skipped with its reason, and CPU always remains.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import ort from 'onnxruntime-node';

export type Provider = 'cuda' | 'webgpu' | 'cpu';
export type ProviderPreference = Provider | 'auto';

export const providerOrder: readonly Provider[] = ['cuda', 'webgpu', 'cpu'];

export interface ProviderChoice {
  provider: Provider;
  /** Why each better provider was not used. */
  skipped: { provider: Provider; reason: string }[];
}

/** Reason the CUDA provider cannot load, found without asking ORT (which logs loudly on failure). */
export function cudaUnavailableReason(): string | null {
  const binDir = join(dirname(createRequire(import.meta.url).resolve('onnxruntime-node')), '..', 'bin', 'napi-v6', process.platform, process.arch);
  const lib = process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
  if (!existsSync(join(binDir, lib))) return `CUDA provider files are not installed (${lib}; see README "GPU")`;
  return null;
}

const vulkanPaths = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/usr/local/lib'];

/** WebGPU on Linux runs on Vulkan; without its loader Dawn only prints warnings and fails. */
export function webgpuUnavailableReason(): string | null {
  if (process.platform !== 'linux') return null;
  return vulkanPaths.some((d) => existsSync(join(d, 'libvulkan.so.1'))) ? null : 'no Vulkan loader (libvulkan.so.1), which WebGPU needs on Linux';
}

/** The useful part of an ORT error: drop source paths and lambda signatures. */
export function ortReason(message: string): string {
  const line = message.split('\n')[0];
  const failed = line.match(/(Failed to .*)$/);
  return (failed ? failed[1] : line.replace(/^\/\S+:\d+ /, '')).slice(0, 200);
}

export function unavailableReason(p: Provider): string | null {
  if (p === 'cuda') return cudaUnavailableReason();
  if (p === 'webgpu') return webgpuUnavailableReason();
  return null;
}

export function candidates(pref: ProviderPreference): Provider[] {
  if (pref === 'auto') return [...providerOrder];
  return pref === 'cpu' ? ['cpu'] : [pref, 'cpu'];
}

export function sessionProviders(p: Provider): string[] {
  // ORT places nodes a GPU provider cannot run on the CPU provider listed after it.
  return p === 'cpu' ? ['cpu'] : [p, 'cpu'];
}

export function formatChoice(c: ProviderChoice): string {
  const why = c.skipped.map((s) => `${s.provider}: ${s.reason}`).join('; ');
  return `execution provider: ${c.provider}${why ? ` (not used — ${why})` : ''}`;
}

export { ort };

/** The ONNX Runtime build in use (part of every cached model's key: another build may read models differently). */
export function runtimeVersion(): string {
  const v = (ort.env as { versions?: Record<string, string> }).versions;
  return v ? Object.entries(v).map(([k, x]) => `${k}@${x}`).join(',') : 'onnxruntime-node';
}
