/**
 * The orchestrate builds and set-ups a scenario measures side by side: this build; the build
 * before a change (BENCH_BEFORE=/other/checkout/bin/orchestrate), so before/after come from the
 * same run; and this build serving its REST API and posting every run's state to a webhook, so
 * that the weight of what the daemon serves shows (or does not) where it starts children.
 */
import { appendFileSync } from "node:fs";
import { createServer } from "node:http";
import { ORCHESTRATE } from "./project.mjs";

export const BEFORE = process.env.BENCH_BEFORE ?? null;

export function ourContenders() {
  return [
    { key: "orchestrate", label: "orchestrate", bin: ORCHESTRATE },
    ...(BEFORE ? [{ key: "before", label: "orchestrate before", bin: BEFORE }] : []),
    { key: "served", label: "orchestrate + API + webhooks", bin: ORCHESTRATE, served: true },
  ];
}

/**
 * For a `served` contender: a webhook receiver here, and the lines that make the config serve
 * the API on a free port and post every run event to the receiver. `close()` stops the receiver.
 */
export async function serving(configPath) {
  let received = 0;
  const receiver = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      received++;
      res.end("ok");
    });
  });
  await new Promise((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const apiPort = await freePort();
  appendFileSync(configPath, `notify:\n  - webhook: http://127.0.0.1:${receiver.address().port}/hook\napi:\n  listen: 127.0.0.1:${apiPort}\n`);
  return {
    get received() {
      return received;
    },
    close: () => {
      receiver.closeAllConnections();
      return new Promise((resolve) => receiver.close(resolve));
    },
  };
}

async function freePort() {
  const probe = createServer();
  await new Promise((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
