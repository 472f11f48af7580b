/** The shell part of the overlay's stylesheet (see styles/index.ts). */
export const SHELL_CSS = ``;
