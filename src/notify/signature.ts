/**
 * Signed webhooks: `X-Orchestrate-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.
 * The timestamp is inside what is signed, so a receiver that refuses old timestamps (say, older
 * than five minutes) cannot be fooled by a body replayed later. README shows how to check it.
 */
import { createHmac } from "node:crypto";

export function signature(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac("sha256", secret).update(`${unixSeconds}.${body}`).digest("hex");
  return `t=${unixSeconds},v1=${mac}`;
}
