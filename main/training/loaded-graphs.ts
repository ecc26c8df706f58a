// Graphs a training or evaluation run compiles and loads into the engine: each built once on first
// use, under a key private to the run (two runs on one engine never share or release each other's
// graphs), and all released together when the run ends.

import type { CompiledGraph } from '../engine/graph/index.ts';
import type { Engine } from '../engine/runtime/engine.ts';

export class LoadedGraphs {
  private readonly loading = new Map<string, Promise<unknown>>();
  private readonly tag: string;

  constructor(private readonly engine: Engine, purpose: string) {
    this.tag = `${purpose}.${Math.random().toString(36).slice(2, 8)}`;
  }

  /** The engine key of graph `name`, compiled and loaded on first use. */
  async key(name: string, build: () => CompiledGraph): Promise<string> {
    const key = `${this.tag}.${name}`;
    let loading = this.loading.get(key);
    if (!loading) {
      loading = this.engine.load(key, build());
      this.loading.set(key, loading);
    }
    await loading;
    return key;
  }

  async releaseAll(): Promise<void> {
    for (const key of this.loading.keys()) await this.engine.release(key).catch(() => undefined);
    this.loading.clear();
  }
}
