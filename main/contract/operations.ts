// The runtime list of DelineateApi's request/response operations (every method but onJobEvent),
// which the transports iterate: Electron's preload and IPC handlers, and the web host's routes.
// The table is checked against the contract, so tsc fails when an operation is added to or removed
// from DelineateApi without this list following. Pure data: the renderer and preload import it.

import type { DelineateApi } from './contract.ts';

export type OperationName = Exclude<keyof DelineateApi, 'onJobEvent'>;

const table = {
  listProjects: true,
  createProject: true,
  renameProject: true,
  deleteProject: true,
  listImages: true,
  nextSuggestion: true,
  getThumbnail: true,
  getImageFrame: true,
  listLabels: true,
  createLabel: true,
  previewMask: true,
  saveModelMask: true,
  saveCorrectedMask: true,
  currentMasks: true,
  getMask: true,
  maskHistory: true,
  startJob: true,
  cancelJob: true,
  listJobs: true,
  jobLog: true,
  listAdapters: true,
  activateAdapter: true,
  rollbackAdapter: true,
  exportAdapterPack: true,
  inspectAdapterPacks: true,
  importAdapterPack: true,
  adapterReport: true,
  adapterReportImage: true,
  exportMasks: true,
  appInfo: true,
  modelRuntime: true,
  setPrecision: true,
  importPaths: true,
  listDir: true,
  listPacsConnections: true,
  savePacsConnection: true,
  getPacsListener: true,
  savePacsListener: true,
  removePacsConnection: true,
  testPacsConnection: true,
  findPacsStudies: true,
  findPacsSeries: true,
  pullFromPacs: true,
  pushToPacs: true,
} as const satisfies Record<OperationName, true>;

export const OPERATIONS: readonly OperationName[] = Object.freeze(Object.keys(table) as OperationName[]);

/** True for an operation's name; an own-property test, so 'constructor' or '__proto__' never pass. */
export const isOperation = (name: string): name is OperationName => Object.prototype.hasOwnProperty.call(table, name);
