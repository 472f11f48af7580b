/** How anomalies write their figures: 3 decimals, 1 from 100 up; times in ms, shares in %. */
export function round(v: number): number {
  return Math.abs(v) >= 100 ? Math.round(v * 10) / 10 : Math.round(v * 1000) / 1000;
}

export function ms(x: number): string {
  return `${round(x)} ms`;
}

export function pct(p: number): string {
  return `${round(p * 100)}%`;
}
