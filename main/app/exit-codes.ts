// Exit codes the desktop shell and `delineate app` agree on (a module of its own so the Electron
// bundle can import it without pulling in the core).

/** Electron started but could not open the core (a native module built for Node, not Electron): use the browser version. */
export const CORE_UNAVAILABLE_IN_ELECTRON = 3;
