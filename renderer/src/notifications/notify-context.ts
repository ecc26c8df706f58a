// What components call to show a notification; the provider renders the stack.

import { createContext, useContext } from 'react';

export interface NotificationInput {
  title: string;
  message: string;
  /** errors stay until dismissed (they must be read); the rest fade after a few seconds */
  kind: 'error' | 'success' | 'info';
}

export interface NotificationItem extends NotificationInput {
  id: number;
}

export type Notify = (n: NotificationInput) => void;

export const NotifyContext = createContext<Notify>(() => {
  throw new Error('useNotify: no NotificationProvider above this component');
});

export const useNotify = (): Notify => useContext(NotifyContext);
