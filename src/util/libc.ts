/**
 * The few libc calls Node does not offer, through koffi (a maintained FFI whose npm package ships
 * its binaries): datagrams to a unix socket (sd_notify) and waitpid for one pid (reaping orphans
 * as PID 1). Loaded only when needed, so a daemon that needs neither never loads it.
 */
import { createRequire } from "node:module";

export interface Libc {
  /** Sends one datagram to a unix socket path (a leading "@" or NUL: the abstract namespace); returns errno or 0. */
  sendDatagram(path: string, data: string): number;
  /** waitpid(pid, WNOHANG): the pid if it was reaped, 0 if it runs on, -1 if it is not ours to wait for. */
  reap(pid: number): number;
}

const AF_UNIX = 1;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000;
const WNOHANG = 1;
const SUN_PATH = 108;

let libc: Libc | null = null;

export function loadLibc(): Libc {
  if (libc) return libc;
  const require = createRequire(import.meta.url);
  const koffi = require("koffi") as typeof import("koffi");
  const lib = koffi.load("libc.so.6");
  const socket = lib.func("int socket(int domain, int type, int protocol)");
  const sendto = lib.func("long sendto(int fd, const void *buf, unsigned long len, int flags, const void *addr, unsigned int addrlen)");
  const close = lib.func("int close(int fd)");
  const waitpid = lib.func("int waitpid(int pid, _Out_ int *status, int options)");
  const errno = () => koffi.errno();
  libc = {
    sendDatagram(path, data) {
      // struct sockaddr_un { sa_family_t sun_family; char sun_path[108]; }, little or big endian alike for 1.
      const name = Buffer.from(path.startsWith("@") ? `\0${path.slice(1)}` : path);
      if (name.length >= SUN_PATH) return 36; // ENAMETOOLONG
      const address = Buffer.alloc(2 + SUN_PATH);
      address.writeUInt16LE(AF_UNIX, 0);
      name.copy(address, 2);
      // An abstract name has no terminating NUL: its length is exactly what counts.
      const length = 2 + name.length + (name[0] === 0 ? 0 : 1);
      const fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      if (fd < 0) return errno();
      try {
        const payload = Buffer.from(data);
        return sendto(fd, payload, payload.length, 0, address, length) < 0 ? errno() : 0;
      } finally {
        close(fd);
      }
    },
    reap(pid) {
      return waitpid(pid, [0], WNOHANG);
    },
  };
  return libc;
}
