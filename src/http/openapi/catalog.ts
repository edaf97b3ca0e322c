/** Every area of the API catalog, in the order the document lists them. */
import { dashboardArea } from './dashboard.js';
import { detectionsArea } from './detections.js';
import { hardwareArea } from './hardware.js';
import { lanSensorsArea } from './lan-sensors.js';
import { nodeArea } from './node.js';
import { piBackendArea } from './pi-backend.js';
import { solarProtocolArea } from './solar-protocol.js';
import { systemMonitorArea } from './system-monitor.js';
import type { Area } from './types.js';

export const CATALOG: readonly Area[] = [
  solarProtocolArea,
  nodeArea,
  dashboardArea,
  piBackendArea,
  hardwareArea,
  systemMonitorArea,
  lanSensorsArea,
  detectionsArea,
];
