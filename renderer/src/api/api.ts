// The renderer's one door to the core: the bridge's DelineateApi (Electron preload or the web
// host's WebSocket), plus the types derived from the contract that the screens share.

import type { DelineateApi } from '../../../main/contract/contract.ts';
import { getApi, isElectron, mediaUrl } from '../../bridge/api.ts';

export { getApi, isElectron, mediaUrl };
export type { DelineateApi };
export type { AppInfo, DirListing } from '../../../main/contract/contract.ts';
