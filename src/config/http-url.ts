/**
 * The URL of an http task or a one-off, checked where it is given (a config value, `schedule --url`)
 * rather than failing four times at run time; and its credentials, which fetch refuses in a URL,
 * sent the way curl sends them: as Basic auth, to that origin only.
 */
import { maskUrl } from "../util/url.js";

/** What is wrong with `url` as an http(s) request's address, or null. */
export function httpUrlProblem(url: string): string | null {
  // The URL parser drops tabs and line breaks silently; a log line would not.
  if (/[\u0000-\u001f\u007f]/.test(url)) return "the URL holds a control character (CR, LF, tab, NUL…), which would split or forge log lines";
  const shown = JSON.stringify(maskUrl(url));
  const authority = /^https?:\/\/([^/?#]*)/i.exec(url)?.[1];
  if (authority === undefined) return `expected an http:// or https:// URL, got ${shown}`;
  // Without its user info, and with brackets around an IPv6 host, the authority is host[:port].
  const hostAndPort = authority.slice(authority.lastIndexOf("@") + 1);
  const [, host = "", port] = /^(\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(hostAndPort) ?? [];
  if (host === "") return `${shown} has no host`;
  if (port !== undefined && port !== "" && (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65_535)) {
    return `${shown} has port ${port}, which is not a port (1-65535)`;
  }
  try {
    new URL(url);
  } catch {
    return `${shown} is not a valid URL`;
  }
  return null;
}

/** The URL without its user info, and the Authorization header that carries it instead (or null). */
export function splitCredentials(url: string): { url: string; authorization: string | null } {
  const parsed = new URL(url);
  if (parsed.username === "" && parsed.password === "") return { url, authorization: null };
  const credentials = `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`;
  parsed.username = "";
  parsed.password = "";
  return { url: parsed.href, authorization: `Basic ${Buffer.from(credentials).toString("base64")}` };
}
