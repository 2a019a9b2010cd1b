export * from './data-source.interface.js';
export { ReconnectBackoff, type BackoffOptions } from './backoff.js';
export { buildConnectionToken, parseConnectionToken, type ConnectionTokenContent } from './featbit-token.js';
export { streamingEndpoint, streamingUrl } from './streaming-url.js';
export { StreamingConnectionError, SyncMessageError } from './streaming-errors.js';
export { createStreamingDataSource, type StreamingOptions } from './streaming-data-source.js';
export { CLOSE_CODE_INVALID_REQUEST } from './sync-messages.js';
