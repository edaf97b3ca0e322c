/**
 * poe-backend's status of a reading (its HEAD `get_status`), by sensor type. The thresholds are the
 * original's exactly: flame sensors are active-low, temperatures are in °F.
 */
export const STATUSES = ['normal', 'warning', 'critical', 'undefined'] as const;
export type SensorStatus = (typeof STATUSES)[number];

export function sensorStatus(type: number, value: number): SensorStatus {
  switch (type) {
    case 0: // FIRE
      return value < 1 ? 'critical' : 'normal';
    case 1: // SMOKE
      return value < 160 ? 'normal' : value < 200 ? 'warning' : 'critical';
    case 2: // MOTION
      return value === 1 ? 'critical' : value === 0 ? 'normal' : 'undefined';
    case 3: // HUMIDITY
      return value >= 80 ? 'critical' : 'normal';
    case 4: // TEMPERATURE
      return value > 82 ? 'critical' : 'normal';
    default: // WATER, and any type the original did not know
      return 'undefined';
  }
}
