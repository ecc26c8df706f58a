// Headless entry point: `delineate <command> [options]`. Each command lives in main/cli/.

import { readFileSync } from 'node:fs';
import { benchCommand } from './cli/bench.ts';
import { demoCommand } from './cli/demo.ts';
import { providersCommand } from './cli/providers.ts';
import { modelCommand } from './cli/model.ts';
import { segmentCommand } from './cli/segment.ts';
import { importCommand } from './cli/import.ts';
import { exportCommand } from './cli/export.ts';
import { projectsCommand } from './cli/projects.ts';
import { serveCommand } from './cli/serve.ts';
import { appCommand } from './cli/app.ts';
import { trainCommand } from './cli/train.ts';
import { infoCommand } from './cli/info.ts';
import { evalCommand } from './cli/eval.ts';
import { adapterCommand } from './cli/adapter.ts';
import { pacsCommand } from './cli/pacs.ts';
import { UsageError } from './cli/args.ts';

const commands: Record<string, { summary: string; run(argv: string[]): Promise<void> }> = {
  demo: { summary: 'train a small segmentation net with the in-graph train step (engine check)', run: demoCommand },
  bench: { summary: 'run a benchmark: bench NAME [--json] (names: block, encode, prompt, segment)', run: benchCommand },
  providers: { summary: 'show which execution provider (cuda, webgpu, cpu) the engine would use', run: providersCommand },
  segment: { summary: 'segment an image by text prompts: segment --image FILE --prompt TEXT [--out MASK.png|.nii.gz]', run: segmentCommand },
  model: { summary: 'manage CLIPSeg models: model list | import DIR | download', run: modelCommand },
  import: { summary: 'add images to a project: import PATH... --project NAME [--create]', run: importCommand },
  export: { summary: 'export masks: export --project NAME --out DIR --format png|png-index|nii|nii.gz|dataset', run: exportCommand },
  train: { summary: 'fine-tune VLSM-Adapter adapters on a MedVLSM dataset: train --data DIR --variant sa-vlc|da-vlc|… [--out FILE]', run: trainCommand },
  eval: { summary: 'DSC / IoU / HD95 on a MedVLSM split: eval --data DIR [--split test] [--adapter FILE] [--json]', run: evalCommand },
  adapter: { summary: 'adapters and adapter packs: adapter list | export ID --out FILE.dlad | import FILE [--project NAME] | activate ID', run: adapterCommand },
  info: { summary: 'a model\'s parameter counts and what each training variant trains: info [--model DIR] [--variant V]', run: infoCommand },
  pacs: { summary: 'the hospital\'s PACS over DICOMweb: pacs add|list|test|remove | find | pull STUDY[/SERIES] --project P | push --project P', run: pacsCommand },
  projects: { summary: 'list projects with image and mask counts', run: projectsCommand },
  serve: { summary: 'the app in a browser on 127.0.0.1: serve [--port N] [--data DIR] [--model DIR] [--open]', run: serveCommand },
  app: { summary: 'the desktop app (Electron; else the browser version): app [--data DIR] [--model DIR] [--web]', run: appCommand },
};

function usage(): string {
  const lines = Object.entries(commands).map(([n, c]) => `  ${n.padEnd(10)} ${c.summary}`);
  return ['usage: delineate <command> [options]', '', 'commands:', ...lines, '', 'Run `delineate <command> --help` for its options.'].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 2;
  }
  if (name === '--version') {
    console.log(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version);
    return 0;
  }
  const command = commands[name];
  if (!command) {
    console.error(`delineate: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  try {
    await command.run(rest);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`delineate ${name}: ${e.message}`);
      return 2;
    }
    console.error(`delineate ${name}: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}
