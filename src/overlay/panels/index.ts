/** The panel of each tab. */
import type { Tab, TabPanel } from '../state';
import { LogTab } from './event-log';

export const PANELS: Partial<Record<Tab, TabPanel>> = {
  log: LogTab,
};
