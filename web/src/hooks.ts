import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { call, Unauthorized, type JobStatus } from "./api.js";

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

/** The configuration's task and workflow names, for filters and rows; asked once per page load, by the pages that need them. */
let names: Promise<string[]> | null = null;

export function useTaskNames(): string[] {
  const [list, setList] = useState<string[]>([]);
  useEffect(() => {
    names ??= call<{ tasks: JobStatus[] }>("GET", "/v1/tasks?view=summary").then((r) => r.tasks.map((t) => t.name));
    names.then(setList).catch(() => {
      // A 401 shows the login form; anything else leaves the list empty and the page's own call says why.
      names = null;
    });
  }, []);
  return list;
}

/** After a login: the next page asks again, with the token. */
export function forgetTaskNames(): void {
  names = null;
}
