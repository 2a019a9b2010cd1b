import { FeatureFlagClient } from '../client/feature-flag-client.js';
import { SwitchNotFoundError } from '../core/errors.js';
import type { SwitchyardLogger } from '../core/logger.js';

/**
 * "Is this switch active?" for the Nest decorators (`@SwitchActive()`, `@SwitchValue()`): the namespaced client is
 * made once per namespace, and a switch nobody registered answers false — fail closed, so a typo never opens a
 * guarded route — said once per switch, loudly, since the check runs on every request.
 * @internal
 */
export class SwitchChecker {
  private readonly namespacedClients = new Map<string, FeatureFlagClient>();
  private readonly reportedMissing = new Set<string>();

  constructor(
    private readonly client: FeatureFlagClient,
    private readonly logger: SwitchyardLogger,
    /** The decorator's name, for the log line: `@SwitchActive`. */
    private readonly decorator: string,
  ) {}

  /** Whether `name` (of `namespace`, else the client's) is active for the current inputs; false when missing. */
  active(name: string, namespace: string | undefined): boolean {
    const client = namespace === undefined ? this.client : this.namespaced(namespace);
    try {
      return client.active(name);
    } catch (error) {
      if (!(error instanceof SwitchNotFoundError)) throw error;
      if (!this.reportedMissing.has(error.message)) {
        this.reportedMissing.add(error.message);
        this.logger.error(`${this.decorator}('${name}') answers as inactive: ${error.message}`);
      }
      return false;
    }
  }

  private namespaced(namespace: string): FeatureFlagClient {
    let client = this.namespacedClients.get(namespace);
    if (client === undefined) {
      client = this.client.namespaced(namespace);
      this.namespacedClients.set(namespace, client);
    }
    return client;
  }
}
