import { BadRequestException, Controller, Get, type MessageEvent, Param, Query, Sse } from '@nestjs/common';
import { map, startWith, type Observable } from 'rxjs';
import { FeatureFlagClient } from '../lib/client/feature-flag-client.js';
import type { FlagHandle } from '../lib/client/flag-handle.js';
import type { FlagUser } from '../lib/core/flags/flag-user.js';
import { FlagInputs } from '../lib/nest/index.js';
import { MemoryInsights } from './memory-insights.js';

/** Read-only views: flag states for the caller, switches, recorded metrics, and the live stream of changes. */
@Controller()
export class FlagsController {
  /** A prepared flag, made once: what a route read on every request uses (no key lookup per call). */
  private readonly darkMode: FlagHandle;

  constructor(
    private readonly flags: FeatureFlagClient,
    private readonly flagInputs: FlagInputs,
    private readonly insights: MemoryInsights,
  ) {
    this.darkMode = flags.flag('dark-mode');
  }

  /** The caller's theme, through the prepared handle of `dark-mode` (it follows every change of the flag). */
  @Get('theme')
  theme(): unknown {
    const detail = this.darkMode.variationDetail(this.flagInputs.user, false);
    return { darkMode: this.darkMode.boolVariation(this.flagInputs.user, false), reason: detail.reason };
  }

  /** Every flag evaluated for the request's user. */
  @Get('flags')
  all(): unknown {
    return this.flags.allFlagStates(this.flagInputs.user);
  }

  /** Every switch, with whether it is active for the request's inputs. */
  @Get('switches')
  switches(): unknown {
    return this.flags.switches.map((sw) => ({
      name: sw.name,
      state: sw.state,
      active: this.flags.active(sw.name),
    }));
  }

  /**
   * The A/B/n result of a flag for a metric event, from what this app recorded: per variation exposures,
   * conversions, mean value, conversion rate with its 95 % interval, and the difference against the control.
   */
  @Get('experiments/:flag')
  experiment(@Param('flag') flag: string, @Query('event') event?: string): unknown {
    if (!event) throw new BadRequestException('Give the metric event: ?event=<name>');
    return this.flags.experimentResults(flag, event);
  }

  /** What `@TrackMetric` recorded. */
  @Get('metrics')
  metrics(): unknown {
    return this.insights.metrics;
  }

  /**
   * Server-sent events: one `change` event per change of flags or switches (from the admin routes, or a sync),
   * with the caller's values of the changed flags. Starts with a `hello` event holding the current values.
   */
  @Sse('flags/stream')
  stream(): Observable<MessageEvent> {
    // Read now: changes are emitted while another request (the one that made the change) is running.
    const user = this.flagInputs.user;
    return this.flags.changes$.pipe(
      map((change): MessageEvent => ({
        type: 'change',
        data: {
          source: change.source,
          version: change.version,
          flags: change.flagKeys,
          switches: change.switchKeys,
          values: this.valuesFor(user, change.flagKeys),
        },
      })),
      startWith<MessageEvent>({ type: 'hello', data: { user: user ?? null, values: this.valuesFor(user) } }),
    );
  }

  private valuesFor(user: FlagUser | undefined, keys?: readonly string[]): Record<string, string> {
    const states = this.flags.allFlagStates(user);
    const values: Record<string, string> = {};
    for (const key of keys ?? states.keys()) {
      const detail = states.get(key);
      if (detail !== undefined) values[key] = detail.value;
    }
    return values;
  }
}
