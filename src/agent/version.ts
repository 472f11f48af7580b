/** The agent's version, in the session:start entry and every trace file's header. */
export const VERSION = '0.1.0';
