// The child process of `bench volume` that builds the graph cache (a first start), registering
// the TypeScript loader as main/delineate.mjs does; prints its peak memory as JSON.
import { register } from 'tsx/esm/api';

register();
const { buildVolumeCache } = await import('./volume.ts');
console.log(JSON.stringify(await buildVolumeCache(JSON.parse(process.argv[2]))));
