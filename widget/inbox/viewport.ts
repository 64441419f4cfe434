/** Phone-sized screens get one view at a time (the queue, or the conversation). */
import { useEffect, useState } from "preact/hooks";

export const NARROW = "(max-width: 760px)";

export function useMedia(query: string): boolean {
  const [on, setOn] = useState(() => matchMedia(query).matches);
  useEffect(() => {
    const list = matchMedia(query);
    const change = () => setOn(list.matches);
    list.addEventListener("change", change);
    change();
    return () => list.removeEventListener("change", change);
  }, [query]);
  return on;
}

export const useNarrow = () => useMedia(NARROW);
