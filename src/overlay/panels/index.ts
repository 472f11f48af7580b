/** The panel of each tab. */
import type { Tab, TabPanel } from '../state';
import { AgentsTab } from './agents';
import { AnomaliesTab } from './anomalies';
import { CompareTab } from './compare';
import { LogTab } from './event-log';
import { HealthTab } from './health';
import { MetricsTab } from './metrics';

export const PANELS: Partial<Record<Tab, TabPanel>> = {
  metrics: MetricsTab,
  log: LogTab,
  agents: AgentsTab,
  anomalies: AnomaliesTab,
  health: HealthTab,
  compare: CompareTab,
};
