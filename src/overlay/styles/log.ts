/** The log part of the overlay's stylesheet (see styles/index.ts). */
export const LOG_CSS = ``;
