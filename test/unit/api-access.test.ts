/** Who may use the API: the start-up rules for tokens and addresses, and what each token opens. */
import { describe, expect, it } from "vitest";
import { Access, ApiStartError, isLoopback, requiredToken } from "../../src/api/access.js";

const spec = (host: string, tokenEnv: string | null = null) => ({ host, port: 7070, tokenEnv });

describe("an API without a token serves only this machine", () => {
  it("loopback names and addresses are loopback; wildcards, other addresses and other names are not", () => {
    for (const host of ["127.0.0.1", "127.1.2.3", "localhost", "LOCALHOST", "::1", "[::1]", "::ffff:127.0.0.1"]) expect(isLoopback(host), host).toBe(true);
    for (const host of ["0.0.0.0", "::", "[::]", "10.0.0.1", "192.168.1.2", "example.com", "localhost.example.com", "128.0.0.1"]) expect(isLoopback(host), host).toBe(false);
  });

  it("is refused beyond loopback, and allowed there", () => {
    expect(() => requiredToken(spec("0.0.0.0"), {})).toThrow(ApiStartError);
    expect(() => requiredToken(spec("0.0.0.0"), {})).toThrow(/beyond this machine, without a token/);
    expect(requiredToken(spec("127.0.0.1"), {})).toBeNull();
    expect(requiredToken(spec("0.0.0.0", "TOKEN"), { TOKEN: "t0ken" })).toBe("t0ken");
  });

  it("a token_env whose variable is unset or empty is refused, even on loopback: the token was asked for", () => {
    expect(() => requiredToken(spec("127.0.0.1", "TOKEN"), {})).toThrow(/TOKEN, but that variable is not set/);
    expect(() => requiredToken(spec("127.0.0.1", "TOKEN"), { TOKEN: "" })).toThrow(ApiStartError);
  });
});

describe("tokens", () => {
  it("the API's token opens everything; a missing, wrong, or differently written one nothing", () => {
    const access = new Access("s3cret");
    expect(access.allows("Bearer s3cret")).toBe(true);
    expect(access.allows("bearer s3cret")).toBe(true);
    for (const header of [undefined, "", "Bearer", "Bearer s3cre", "Bearer s3cretx", "Basic s3cret", "s3cret", "Bearer s3cret extra"]) expect(access.allows(header), String(header)).toBe(false);
  });

  it("a run's report token opens that run's messages only, and dies with the daemon that gave it", () => {
    const access = new Access("s3cret");
    const token = access.reportToken(7);
    expect(access.allows(`Bearer ${token}`, 7)).toBe(true);
    expect(access.allows(`Bearer ${token}`, 8)).toBe(false);
    expect(access.allows(`Bearer ${token}`)).toBe(false);
    expect(new Access("s3cret").allows(`Bearer ${token}`, 7)).toBe(false);
  });

  it("without a token, everything is open", () => {
    expect(new Access(null).allows(undefined)).toBe(true);
  });
});
