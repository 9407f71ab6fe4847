// A tiny stand-in for @types/react, so these examples type-check in this
// repository, which does not install React. It declares only what the examples
// use, with the same signatures as @types/react. In your app, delete this file:
// `npm install react @types/react` provides the real types.

declare module 'react' {
  export type Key = string | number;
  export interface ReactElement {
    type: unknown;
    props: unknown;
    key: Key | null;
  }
  export type ReactNode = ReactElement | string | number | boolean | null | undefined | Iterable<ReactNode>;
  export type DependencyList = readonly unknown[];
  export type EffectCallback = () => void | (() => void);

  export interface ProviderProps<T> {
    value: T;
    children?: ReactNode;
  }
  export interface Context<T> {
    Provider: (props: ProviderProps<T>) => ReactElement | null;
  }

  export function createContext<T>(defaultValue: T): Context<T>;
  export function useContext<T>(context: Context<T>): T;
  export function useEffect(effect: EffectCallback, deps?: DependencyList): void;
  export function useMemo<T>(factory: () => T, deps: DependencyList): T;
}

declare module 'react/jsx-runtime' {
  import type { Key, ReactElement, ReactNode } from 'react';

  export namespace JSX {
    type Element = ReactElement;
    interface ElementChildrenAttribute {
      children: unknown;
    }
    interface IntrinsicAttributes {
      key?: Key | null;
    }
    // Any HTML element, with any attribute; @types/react types each one.
    interface IntrinsicElements {
      [tag: string]: { children?: ReactNode; [attribute: string]: unknown };
    }
  }
  export const Fragment: unique symbol;
  export function jsx(type: unknown, props: unknown, key?: Key): ReactElement;
  export function jsxs(type: unknown, props: unknown, key?: Key): ReactElement;
}
