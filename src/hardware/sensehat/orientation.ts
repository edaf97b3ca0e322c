/**
 * Orientation from the accelerometer (pitch, roll) and the magnetometer (yaw), in degrees 0-360 as
 * the Python sense_hat library reports them. Pitch and roll from gravity; yaw is the tilt-compensated
 * magnetic heading (Freescale AN4248). The axes are the drivers' (after any IIO mount matrix), with no
 * hard/soft-iron calibration, so yaw is a rough heading, not RTIMULib's fused pose.
 */
import type { Vector } from './iio.js';

const degrees = (radians: number): number => {
  const d = (radians * 180) / Math.PI;
  const wrapped = d < 0 ? d + 360 : d;
  return (wrapped >= 360 ? wrapped - 360 : wrapped) + 0; // + 0: no -0
};

export interface Orientation {
  pitch?: number;
  roll?: number;
  yaw?: number;
}

/** `accel` in any unit (only its direction counts), `magn` likewise; either may be absent. */
export function orientation(accel: Vector | undefined, magn: Vector | undefined): Orientation {
  const result: Orientation = {};
  let roll = 0;
  let pitch = 0;
  if (accel) {
    const [ax, ay, az] = accel;
    roll = Math.atan2(ay, az);
    pitch = Math.atan2(-ax, ay * Math.sin(roll) + az * Math.cos(roll));
    result.pitch = degrees(pitch);
    result.roll = degrees(roll);
  }
  if (magn) {
    const [mx, my, mz] = magn;
    const east = mz * Math.sin(roll) - my * Math.cos(roll);
    const north =
      mx * Math.cos(pitch) + my * Math.sin(pitch) * Math.sin(roll) + mz * Math.sin(pitch) * Math.cos(roll);
    result.yaw = degrees(Math.atan2(east, north));
  }
  return result;
}
