// The store's public surface: open a database, then use its repositories.
export { openStore, Store, type StoreFile, type StoreOptions } from './store.ts';
export { dataFolder, dataPaths, insideDataFolder } from '../fs/data-folder.ts';
export { migrate, migrations, schemaVersion, type Migration } from './migrations.ts';
export { encodeMask, decodeMask } from './mask-codec.ts';
export { contentHash, type Image, type ImageSlice, type ImageUpdate, type ImageWindow, type NewImage } from './images.ts';
export type { FrameSource, SliceSource } from '../common/image-source.ts';
export type { Project } from './projects.ts';
export type { Label, NewLabel } from './labels.ts';
export type { Mask, MaskInfo, MaskKind, MaskSlot, MaskSource, NewMask } from './masks.ts';
export type { Adapter, NewAdapter } from './adapters.ts';
export type { NewScore } from './suggestions.ts';
export { jobKinds, type FinalJobState, type Job, type JobKind, type JobLogLine, type JobProgress, type JobState } from './jobs.ts';
export * from './errors.ts';
