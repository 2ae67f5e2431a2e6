/** Hash routes (#/runs/12, #/runs?task=x): the server serves one page, and links work offline and in bookmarks. */
import { useEffect, useState } from "preact/hooks";

export interface Location {
  path: string;
  params: URLSearchParams;
}

function current(): Location {
  const hash = location.hash.replace(/^#/, "") || "/";
  const [path, search = ""] = hash.split("?", 2) as [string, string?];
  return { path, params: new URLSearchParams(search) };
}

export function useLocation(): Location {
  const [where, setWhere] = useState(current);
  useEffect(() => {
    const update = () => setWhere(current());
    addEventListener("hashchange", update);
    return () => removeEventListener("hashchange", update);
  }, []);
  return where;
}

export function navigate(path: string, params: Record<string, string | number | undefined> = {}): void {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== "") search.set(key, String(value));
  const text = search.toString();
  location.hash = `${path}${text ? `?${text}` : ""}`;
}
