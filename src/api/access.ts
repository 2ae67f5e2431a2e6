/**
 * Who may use the API: a bearer token from the variable `api.token_env` names, compared in
 * constant time, and per-run report tokens with which a run's scripts (and only they) post messages
 * on that run. Without a token the API serves only on loopback: anyone who can reach it can run
 * scripts, so an open port beyond this machine is refused at start, not warned about.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { isIP } from "node:net";
import type { ApiSpec } from "../config/model.js";

export class ApiStartError extends Error {}

/** The token the API requires, or null; throws ApiStartError when the settings are unsafe or incomplete. */
export function requiredToken(spec: ApiSpec, env: Record<string, string | undefined>): string | null {
  const token = spec.tokenEnv === null ? undefined : env[spec.tokenEnv];
  if (spec.tokenEnv !== null && !token) {
    // Asked for a token and given none: serving without one would be the opposite of what was asked.
    throw new ApiStartError(`api.token_env is ${spec.tokenEnv}, but that variable is not set (or empty): set it, or remove token_env`);
  }
  if (!token && !isLoopback(spec.host)) {
    throw new ApiStartError(
      `the API would listen on ${spec.host}, beyond this machine, without a token: set api.token_env (and that variable), or listen on 127.0.0.1`,
    );
  }
  return token ?? null;
}

/** localhost, 127.0.0.0/8 and ::1 (also as ::ffff:127.x); any other name or address may be reached from elsewhere. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (bare === "localhost") return true;
  if (isIP(bare) === 4) return bare.startsWith("127.");
  if (isIP(bare) === 6) return bare === "::1" || /^::ffff:127\./.test(bare);
  return false;
}

export class Access {
  /** Signs report tokens; new at every start, so a token dies with the daemon that gave it. */
  private readonly reportKey = randomBytes(32);

  constructor(private readonly token: string | null) {}

  get open(): boolean {
    return this.token === null;
  }

  /** The token a run's scripts send to post messages on it (ORCHESTRATE_REPORT_TOKEN). */
  reportToken(runId: number): string {
    return createHmac("sha256", this.reportKey).update(`report:${runId}`).digest("base64url");
  }

  /** Whether `authorization` carries the API's token, or (with `runId`) that run's report token. */
  allows(authorization: string | undefined, runId: number | null = null): boolean {
    if (this.token === null) return true;
    const given = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "")?.[1];
    if (given === undefined) return false;
    if (sameText(given, this.token)) return true;
    return runId !== null && sameText(given, this.reportToken(runId));
  }
}

/** Constant time in the content: the lengths are compared as digests, so a wrong length leaks nothing either. */
function sameText(a: string, b: string): boolean {
  const digest = (text: string) => createHmac("sha256", "orchestrate-compare").update(text).digest();
  return timingSafeEqual(digest(a), digest(b));
}
