/** The event stream finds where the journal ends (it has no "last" query) before it follows it. */
import { describe, expect, it } from "vitest";
import { lastSeq } from "../../src/api/event-stream.js";
import type { EventQuery, JournalEvent } from "../../src/store/types.js";

/** A journal holding these sequence numbers (gaps where events were pruned), answering as a store does. */
function journal(seqs: number[]) {
  let reads = 0;
  return {
    get reads() {
      return reads;
    },
    async readEvents(query: EventQuery): Promise<JournalEvent[]> {
      reads++;
      return seqs
        .filter((seq) => seq > (query.afterSeq ?? 0))
        .slice(0, query.limit ?? 1000)
        .map((seq) => ({ seq, id: `n/${seq}`, type: "run.started", at: "", task: null, runId: null, data: {} }));
    },
  };
}

describe("the newest journal sequence number", () => {
  it("is 0 for an empty journal, and the one event's for a journal of one", async () => {
    expect(await lastSeq(journal([]))).toBe(0);
    expect(await lastSeq(journal([1]))).toBe(1);
    expect(await lastSeq(journal([41]))).toBe(41);
  });

  it("is found across gaps left by pruning, in a few reads however long the journal", async () => {
    const cases = [[1, 2, 3], [5, 6, 100], [2, 3, 4, 1000, 1001, 1002, 5000], Array.from({ length: 5000 }, (_, i) => 1_000_000 + i * 3)];
    for (const seqs of cases) {
      const store = journal(seqs);
      expect(await lastSeq(store)).toBe(seqs.at(-1));
      expect(store.reads).toBeLessThan(80);
    }
  });
});
