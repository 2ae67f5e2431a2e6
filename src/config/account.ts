/**
 * `user:` and `group:`: the account a task's processes run as, looked up the way cron and systemd
 * do, through the system's name service (`getent`, so LDAP and systemd-homed accounts count too),
 * or from /etc/passwd and /etc/group where there is no getent. Looked up when the config is read:
 * an account that does not exist is a located problem, not a failure at 3 a.m.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import type { Account } from "./model.js";

interface Entry {
  fields: string[];
}

const cache = new Map<string, Entry | null>();

/** The account for `user` (and `group`), or what is wrong. */
export function lookupAccount(user: string, group: string | undefined): Account | string {
  const passwd = lookup("passwd", user);
  if (!passwd) return `there is no user ${user} on this machine (getent passwd ${user} found nothing)`;
  const [name, , uid, gid, , home, shell] = passwd.fields;
  let groupName: string;
  let groupId: number;
  if (group === undefined) {
    groupId = Number(gid);
    groupName = lookup("group", String(groupId))?.fields[0] ?? String(groupId);
  } else {
    const entry = lookup("group", group);
    if (!entry) return `there is no group ${group} on this machine (getent group ${group} found nothing)`;
    groupName = entry.fields[0]!;
    groupId = Number(entry.fields[2]);
  }
  return { user: name!, uid: Number(uid), group: groupName, gid: groupId, home: home || "/", shell: shell || "/bin/sh" };
}

/** Whether this process may run processes as `account`: as root, or as that very account. */
export function canRunAs(account: Account): boolean {
  const uid = process.getuid?.();
  const gid = process.getgid?.();
  return uid === 0 || (uid === account.uid && gid === account.gid);
}

/** The daemon's own account, in words: `alice (uid 1000)`. */
export function currentAccount(): string {
  const uid = process.getuid?.() ?? -1;
  const name = lookup("passwd", String(uid))?.fields[0];
  return name ? `${name} (uid ${uid})` : `uid ${uid}`;
}

function lookup(database: "passwd" | "group", key: string): Entry | null {
  const cacheKey = `${database}:${key}`;
  let entry = cache.get(cacheKey);
  if (entry === undefined) {
    entry = getent(database, key) ?? fromFile(database, key);
    cache.set(cacheKey, entry);
  }
  return entry;
}

/** null when getent is not there or found nothing (it exits 2 for "no such key"). */
function getent(database: string, key: string): Entry | null {
  try {
    const line = execFileSync("getent", [database, key], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 5000 }).split("\n")[0];
    return line ? { fields: line.split(":") } : null;
  } catch {
    return null;
  }
}

function fromFile(database: "passwd" | "group", key: string): Entry | null {
  let text: string;
  try {
    text = readFileSync(`/etc/${database}`, "utf8");
  } catch {
    return null;
  }
  // A name, or else a number: the id is the third field in both files.
  const byName = /^\d+$/.test(key) ? null : 0;
  for (const line of text.split("\n")) {
    const fields = line.split(":");
    if (fields.length < 3) continue;
    if (byName === 0 ? fields[0] === key : fields[2] === key) return { fields };
  }
  return null;
}
