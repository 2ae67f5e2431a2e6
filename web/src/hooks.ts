import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { Unauthorized } from "./api.js";

export interface Loaded<T> {
  data: T | null;
  error: string | null;
  reload: () => void;
}

/** Loads with `load` when `key` changes, and again on reload(); an answer to an older request never overwrites a newer one. */
export function useLoad<T>(load: () => Promise<T>, key: string): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const generation = useRef(0);
  const loader = useRef(load);
  loader.current = load;
  const reload = useCallback(() => {
    const mine = ++generation.current;
    loader
      .current()
      .then((value) => {
        if (mine !== generation.current) return;
        setData(value);
        setError(null);
      })
      .catch((e: Error) => {
        if (mine !== generation.current || e instanceof Unauthorized) return;
        setError(e.message);
      });
  }, []);
  useEffect(() => {
    setData(null);
    reload();
  }, [key, reload]);
  return { data, error, reload };
}

/** The time now, again every `everyMs`: relative times ("in 3 minutes") stay true. */
export function useNow(everyMs = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}
