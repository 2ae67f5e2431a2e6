/**
 * What this process is. The daemon, and a command that runs a task (trigger), finish their work
 * and record it when whoever reads their output goes away (`| head -1`); a command that only
 * prints stops there.
 */
export const cli = { outlivesReader: false };
