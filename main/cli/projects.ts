// `delineate projects`: the projects of a data folder with their image, label and mask counts.

import { dataFolder } from '../fs/data-folder.ts';
import { openStore } from '../store/store.ts';
import { parse } from './args.ts';

const help = `usage: delineate projects [--data DIR] [--json]

  --data DIR   the data folder (default DELINEATE_DATA, else the per-user application-data folder)
  --json       one JSON line per project

Masks are counted per image frame and label (the current one of each), corrected and model apart.`;

interface Row {
  id: number;
  name: string;
  images: number;
  labels: number;
  corrected: number;
  model: number;
}

const slots = (kind: string) => `(SELECT count(*) FROM (SELECT DISTINCT m.image_id, m.label_id, m.frame FROM masks m JOIN images i ON i.id = m.image_id
  WHERE i.project_id = p.id AND m.kind = '${kind}'))`;

export async function projectsCommand(argv: string[]): Promise<void> {
  const { values, flags } = parse(argv, { data: { type: 'string' }, json: { type: 'boolean' } }, help);
  const store = openStore(dataFolder(values.data));
  try {
    const rows = store.db.prepare(`SELECT p.id, p.name,
        (SELECT count(*) FROM images i WHERE i.project_id = p.id) AS images,
        (SELECT count(*) FROM labels l WHERE l.project_id = p.id) AS labels,
        ${slots('corrected')} AS corrected, ${slots('model')} AS model
      FROM projects p ORDER BY p.name COLLATE NOCASE, p.id`).all() as Row[];
    if (flags.json) {
      for (const r of rows) console.log(JSON.stringify(r));
      return;
    }
    if (rows.length === 0) {
      console.log(`no projects in ${store.dataDir} (delineate import PATH --project NAME --create makes one)`);
      return;
    }
    const width = Math.max(7, ...rows.map((r) => r.name.length));
    console.log(`${'project'.padEnd(width)}  images  labels  corrected  model`);
    for (const r of rows) console.log(`${r.name.padEnd(width)}  ${String(r.images).padStart(6)}  ${String(r.labels).padStart(6)}  ${String(r.corrected).padStart(9)}  ${String(r.model).padStart(5)}`);
  } finally {
    store.close();
  }
}
