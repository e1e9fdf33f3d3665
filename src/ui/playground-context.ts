// How components reach the page's state: the store comes from context (the page's one, or a
// test's), and each component subscribes only to what it shows, through a selector.

import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { PlaygroundActions, PlaygroundState, PlaygroundStore } from './playground-state';

export const PlaygroundContext = createContext<PlaygroundStore | null>(null);

export function usePlaygroundStore(): PlaygroundStore {
  const store = useContext(PlaygroundContext);
  if (!store) throw new Error('A playground component was rendered outside <PlaygroundContext value={store}>.');
  return store;
}

/**
 * The part of the state `selector` picks; the component renders again only when that changes
 * (by Object.is: wrap a selector that builds an object or array in zustand's useShallow).
 */
export function usePlayground<T>(selector: (state: PlaygroundState) => T): T {
  return useStore(usePlaygroundStore(), selector);
}

/** The actions, which never change: for event handlers, without subscribing to anything. */
export function usePlaygroundActions(): PlaygroundActions {
  return usePlaygroundStore().getState();
}
