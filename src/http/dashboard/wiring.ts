/** The dashboard's dependencies, from the daemon's parts (kept here so the daemon adds one line). */
import type { EventEmitter } from 'node:events';
import type { LoadedConfig } from '../../config/load.js';
import type { HardwareApis } from '../../hardware-apis.js';
import type { IngestServices } from '../../ingest-services.js';
import type { MeshNode } from '../../mesh/mesh-node.js';
import type { TracerStore } from '../../readings/tracer-store.js';
import type { ElectionDeps } from '../routes/election.js';
import type { NodeStatus } from '../routes/status.js';
import { HardwarePanel, hostHardwareSources } from './hardware.js';
import type { DashboardDeps, PeerData } from './model.js';
import { DashboardReadings } from './series.js';

export interface DaemonParts {
  loaded: LoadedConfig;
  status: () => NodeStatus;
  store: TracerStore;
  mesh: MeshNode;
  hardware: HardwareApis;
  ingest: IngestServices;
  election?: ElectionDeps;
  events: EventEmitter;
  /** The peer-data job's `latest()`: peers' PV and battery. */
  networkData?: () => readonly PeerData[];
}

export function daemonDashboardDeps(p: DaemonParts): DashboardDeps {
  const { config } = p.loaded;
  const panel = new HardwarePanel(
    hostHardwareSources(config, {
      gnss: p.hardware.gnss.gpsd ? () => p.hardware.gnss.gpsd!.snapshot() : undefined,
      lteStatus: (port) => p.hardware.modems.get(port).status(),
      sensors: () => {
        const sensors = p.ingest.sensors;
        if (!sensors) return undefined;
        const readings = sensors.latest();
        return {
          boards: sensors.connections().length,
          readings: readings.length,
          alarms: readings.filter((r) => r.status === 'warning' || r.status === 'critical').length,
        };
      },
      detections: config.detections.enabled
        ? async () => {
            const d = p.ingest.detections;
            if (!d?.ready) return undefined;
            const r = await d.realtime(5);
            return { detections: r.total.total_detections, devices: r.total.unique_devices };
          }
        : undefined,
    }),
  );
  return {
    status: p.status,
    readings: new DashboardReadings(p.store),
    peers: () => p.mesh.deviceList.list(),
    peerState: (mac) => p.mesh.peerState.get(mac),
    election: p.election,
    hardware: () => panel.items(),
    events: p.events,
    networkData: p.networkData,
    // The site's switch to its low-power page (0 turns it off), so both switch together.
    lowBatteryPercent: () => config.site.lowPowerBelowPercent,
  };
}
