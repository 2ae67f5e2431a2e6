import type { OrchestratorEventName, OrchestratorEvents } from "./types.js";

export type Listener<E extends OrchestratorEventName> = (event: OrchestratorEvents[E]) => void;

/**
 * A synchronous, typed event bus. A listener that throws is reported on `log` and otherwise
 * ignored: a broken sink (a webhook, a metric) must never take the daemon down.
 */
export class EventBus {
  private listeners = new Map<OrchestratorEventName, Set<Listener<never>>>();

  on<E extends OrchestratorEventName>(name: E, listener: Listener<E>): () => void {
    let set = this.listeners.get(name);
    if (!set) {
      set = new Set();
      this.listeners.set(name, set);
    }
    set.add(listener as Listener<never>);
    return () => this.off(name, listener);
  }

  off<E extends OrchestratorEventName>(name: E, listener: Listener<E>): void {
    this.listeners.get(name)?.delete(listener as Listener<never>);
  }

  emit<E extends OrchestratorEventName>(name: E, event: OrchestratorEvents[E]): void {
    const set = this.listeners.get(name);
    if (!set) return;
    for (const listener of set) {
      try {
        (listener as Listener<E>)(event);
      } catch (error) {
        if (name === "log") continue;
        this.emit("log", { level: "error", message: `a listener of ${name} failed: ${String(error)}` });
      }
    }
  }
}
