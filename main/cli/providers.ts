// `delineate providers`: which execution provider the engine picks here, and why not the others.

import { compile, Graph, identity } from '../engine/graph/index.ts';
import { Engine } from '../engine/runtime/engine.ts';
import { formatChoice } from '../engine/runtime/providers.ts';
import { parse, providerOption } from './args.ts';

export async function providersCommand(argv: string[]): Promise<void> {
  const { values } = parse(argv, { provider: { type: 'string' } }, 'usage: delineate providers [--provider auto|cuda|webgpu|cpu]');
  const engine = new Engine({ provider: providerOption(values.provider), log: () => {} });
  try {
    const g = new Graph();
    const choice = await engine.load('probe', compile({ y: identity(g.input('x', 'float32', [1])) }));
    console.log(formatChoice(choice));
  } finally {
    await engine.close();
  }
}
