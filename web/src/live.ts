/**
 * Live updates: one EventSource on /v1/events for the whole page. The browser reconnects by itself
 * and sends Last-Event-ID, so the daemon replays what was missed from its journal. Pages subscribe
 * and reload what they show when a run changes; reloads are coalesced, so a burst of events (a
 * workflow's steps, an every-second task) costs one request, not one per event.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { JOURNALED } from "../../src/events/journal.js";
import { relative, savedToken } from "./api.js";

export interface LiveEvent {
  type: string;
  task: string | null;
  runId: number | null;
}

/** What the daemon journals of runs and steps (the stream replays those), and the live output lines. */
const RUN_EVENTS = [...JOURNALED.filter((type) => !type.startsWith("daemon.")), "invocation.output"];

type Listener = (event: LiveEvent) => void;
const listeners = new Set<Listener>();
let source: EventSource | null = null;
let connected = false;
const stateListeners = new Set<(connected: boolean) => void>();

function setConnected(value: boolean) {
  connected = value;
  for (const listener of stateListeners) listener(value);
}

export function disconnectLive(): void {
  source?.close();
  source = null;
  setConnected(false);
}

/** Opens (or reopens, after a login) the stream. */
export function connectLive(): void {
  source?.close();
  const token = savedToken();
  source = new EventSource(`${relative("/v1/events")}${token ? `?token=${encodeURIComponent(token)}` : ""}`);
  source.onopen = () => setConnected(true);
  source.onerror = () => setConnected(false);
  for (const type of RUN_EVENTS) {
    source.addEventListener(type, (message) => {
      let data: { task?: string | null; runId?: number | null } = {};
      try {
        data = JSON.parse((message as MessageEvent<string>).data) as typeof data;
      } catch {
        return;
      }
      const event: LiveEvent = { type, task: data.task ?? null, runId: data.runId ?? null };
      for (const listener of listeners) listener(event);
    });
  }
}

export function useLiveConnected(): boolean {
  const [state, setState] = useState(connected);
  useEffect(() => {
    stateListeners.add(setState);
    return () => void stateListeners.delete(setState);
  }, []);
  return state;
}

/** Calls `reload` (at most every `everyMs`) after events that `matters` says concern the page. */
export function useLiveReload(reload: () => void, matters: (event: LiveEvent) => boolean = () => true, everyMs = 300): void {
  const latest = useRef({ reload, matters });
  latest.current = { reload, matters };
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const listener: Listener = (event) => {
      if (!latest.current.matters(event) || timer !== null) return;
      timer = setTimeout(() => {
        timer = null;
        latest.current.reload();
      }, everyMs);
    };
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (timer !== null) clearTimeout(timer);
    };
  }, [everyMs]);
}
