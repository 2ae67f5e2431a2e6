/**
 * A node's label (`run --label`): what `nodes:` names. Apart from the schema so that `run` checks
 * its flags without loading zod, which the daemon does not otherwise need.
 */
export const NODE_LABEL = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
