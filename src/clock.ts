/** Milliseconds since the epoch. Injected everywhere window logic reads the time, so tests can control it. */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();
