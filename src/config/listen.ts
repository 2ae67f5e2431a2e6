/** `127.0.0.1:7070`, `[::1]:7070`, `localhost:7070`; null when it is not HOST:PORT. */
export function parseListen(text: string): { host: string; port: number } | null {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:\s\[\]]+)):(\d{1,5})$/.exec(text.trim());
  if (!match) return null;
  const port = Number(match[3]);
  if (port < 1 || port > 65_535) return null;
  return { host: match[1] ?? match[2]!, port };
}
