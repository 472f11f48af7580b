// Types of nested-cv.mjs for the unit tests (test/unit/tools/nested-cv.test.ts).
export type Grid = Record<string, number[]>;
export interface Table {
  perFile: ArrayLike<number>[];
  wins: number[];
  norm: (total: number, wins: number) => number;
}
export interface Fold {
  name: string;
  train: number[];
  test: number[];
}
export interface Pooled {
  total: number;
  wins: number;
  normalized: number;
}
export const BASE_GRID: Grid;
export const EXTRA_VALUES: Grid;
export const CANDIDATE_GRIDS: { name: string; grid: Grid }[];
export function configsOf(grid: Grid): Record<string, number>[];
export function pooled(table: Table, p: number, files: number[]): Pooled;
export function bestPoint(table: Table, candidates: number[], files: number[]): number;
export function heldOut(table: Table, candidates: number[], folds: Fold[]): Pooled & { chosen: number[] };
export function byCategory(catOf: (f: number) => string): (files: number[]) => Fold[];
export function byPosition(k: number): (files: number[]) => Fold[];
export function nestedCv(
  table: Table,
  grids: { name: string; points: number[] }[],
  outerFolds: Fold[],
  innerSplit: (files: number[]) => Fold[],
): { folds: { name: string; grid: number; point: number; innerScores: number[]; held: Pooled }[]; total: number };
