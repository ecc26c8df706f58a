// Text that follows a store without re-rendering React: the span's text is set directly.

import { useEffect, useRef } from 'react';
import type { Store } from './store.ts';

export function LiveText<T>({ store, format, ...rest }: { store: Store<T>; format: (value: T) => string } & React.HTMLAttributes<HTMLSpanElement>) {
  const span = useRef<HTMLSpanElement>(null);
  const fmt = useRef(format);
  fmt.current = format;
  useEffect(() => {
    const show = (v: T) => {
      if (span.current) span.current.textContent = fmt.current(v);
    };
    show(store.get());
    return store.subscribe(show);
  }, [store]);
  return <span ref={span} {...rest} />;
}
