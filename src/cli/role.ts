/** What this process is: the daemon outlives its log reader, a command does not. */
export const cli = { daemon: false };
