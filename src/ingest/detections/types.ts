/**
 * What the BLE-detection parts share (the TFG backend's data model, spec D): an agent's batch as
 * MQTT and `POST /api/v1/detections/bulk` deliver it, and the one interface every path stores through.
 */

/** One detection as agents send it (`zone` is the agent's guess; the node reclassifies from `rssi`). */
export interface RawDetection {
  device_hash?: unknown;
  rssi?: unknown;
  zone?: unknown;
  /** ISO 8601; a naive value is in the configured time zone; absent: now. */
  timestamp?: unknown;
}

/** An agent's batch: MQTT payload (with the batch `timestamp`) or bulk POST body (without). */
export interface DetectionBatch {
  device_id: string;
  detections: RawDetection[];
  name?: string;
  location?: string;
  timestamp?: string;
}

export interface IngestOptions {
  /**
   * A key that identifies this delivery (an MQTT message's content hash): a batch whose key was
   * stored before is not stored again, so a QoS 1 redelivery after a crash is idempotent.
   */
  deliveryKey?: string;
  /** Where it came from, for counters and logs. */
  via: 'http' | 'mqtt';
}

export interface IngestResult {
  device_id: string;
  /** Detections stored (after skips). */
  count: number;
  /** Detections skipped (missing rssi or device_hash, bad timestamp). */
  skipped: number;
  /** The delivery key was seen before: nothing was stored this time. */
  duplicate: boolean;
}

/** Stores a batch; the HTTP bulk route and the MQTT subscriber both call it. */
export type IngestBatch = (batch: DetectionBatch, options: IngestOptions) => Promise<IngestResult>;
