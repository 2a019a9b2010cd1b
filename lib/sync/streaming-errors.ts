import { SwitchyardError } from '../core/errors.js';

/** A frame that is not a valid message of the FeatBit streaming protocol; it is logged and ignored. @publicApi */
export class SyncMessageError extends SwitchyardError {}

/**
 * The streaming connection closed or could not open; the data source reconnects after a back-off delay.
 * `closeCode` is the WebSocket close code (1006 = dropped without a close frame).
 * @publicApi
 */
export class StreamingConnectionError extends SwitchyardError {
  constructor(
    message: string,
    readonly closeCode: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
