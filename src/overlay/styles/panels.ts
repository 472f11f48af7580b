/** The panels part of the overlay's stylesheet (see styles/index.ts). */
export const PANELS_CSS = ``;
