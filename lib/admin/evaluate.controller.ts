import {
  BadRequestException,
  Body,
  Controller,
  HttpCode,
  NotFoundException,
  Post,
  UseFilters,
  UseGuards,
  UsePipes,
} from '@nestjs/common';
import { FeatureFlagClient } from '../client/feature-flag-client.js';
import type { EvalKind } from '../core/flags/eval-detail.js';
import { evaluateFlag, toDetail } from '../core/flags/index.js';
import { silentLogger } from '../core/logger.js';
import type { Manager } from '../core/switches/manager.js';
import { exclusive } from '../core/switches/manager.js';
import { AdminAuthGuard } from './admin-auth.guard.js';
import { AdminExceptionFilter } from './admin-exception.filter.js';
import { AdminValidationPipe } from './admin-validation.pipe.js';
import { EvaluateDto } from './dto/evaluate.dto.js';

/** A flag's answer for a user. @publicApi */
export interface FlagEvaluationResponse {
  readonly flagKey: string;
  /** The value, typed by the flag's variation type. */
  readonly value: unknown;
  readonly kind: EvalKind;
  readonly reason: string;
  readonly variationId: string | null;
  readonly sendToExperiment: boolean;
}

/** How one condition judged each input. @publicApi */
export interface ConditionExplanation {
  /** `User.plan is equal to "pro"`. */
  readonly text: string;
  readonly argument: string;
  readonly attribute: string;
  readonly negative: boolean;
  /** Per input (by index): whether the argument applies to it and, if so, the condition's result. */
  readonly inputs: ReadonlyArray<{
    readonly input: number;
    readonly applies: boolean;
    readonly result: boolean | null;
  }>;
}

/** A switch's answer for some inputs, and why. @publicApi */
export interface SwitchEvaluationResponse {
  readonly switch: string;
  readonly namespace: string;
  readonly active: boolean;
  readonly state: string;
  readonly compounded: boolean;
  readonly concent: boolean;
  /** The parent, when the switch has one: its answer for the same inputs. */
  readonly parent: { readonly name: string; readonly active: boolean } | null;
  /** Why, in one sentence a support engineer can repeat. */
  readonly explanation: string;
  readonly conditions: readonly ConditionExplanation[];
}

/**
 * `POST /evaluate`: what a flag (or every flag) answers a user, or what a switch answers some inputs, with the
 * reasons — evaluated by the running client, exactly as the application evaluates them.
 * @publicApi
 */
@Controller()
@UseGuards(AdminAuthGuard)
@UseFilters(AdminExceptionFilter)
@UsePipes(AdminValidationPipe)
export class EvaluateController {
  constructor(private readonly client: FeatureFlagClient) {}

  /** `{ flagKey?, user }` or `{ switch, inputs, namespace? }`. */
  @Post('evaluate')
  @HttpCode(200)
  evaluate(
    @Body() body: EvaluateDto,
  ): FlagEvaluationResponse | { flags: FlagEvaluationResponse[] } | SwitchEvaluationResponse {
    if (body.switch !== undefined) {
      if (body.flagKey !== undefined || body.user !== undefined)
        throw new BadRequestException(
          'Evaluate either a switch ({ switch, inputs }) or flags ({ flagKey?, user }).',
        );
      return this.evaluateSwitch(body.switch, body.inputs ?? [], body.namespace);
    }
    if (body.inputs !== undefined || body.namespace !== undefined)
      throw new BadRequestException('inputs and namespace go with switch; flags take { flagKey?, user }.');
    if (body.user === undefined)
      throw new BadRequestException({
        message: 'Give the user to evaluate flags for: { "user": { "key": "u1", ... } }.',
        errors: [{ field: 'user', messages: ['user is required to evaluate flags'] }],
      });
    if (body.flagKey !== undefined) return this.evaluateFlag(body.flagKey, body.user);
    const flags = this.client.store
      .flags()
      .map((flag) => this.evaluateFlag(flag.key, body.user as object))
      .sort((a, b) => a.flagKey.localeCompare(b.flagKey));
    return { flags };
  }

  /**
   * The flag's answer from the store's data, as the application's client computes it — without recording an
   * evaluation event, so that checks made here never count as experiment exposures.
   */
  private evaluateFlag(flagKey: string, user: object): FlagEvaluationResponse {
    const flag = this.client.store.flag(flagKey);
    if (flag === undefined) throw new NotFoundException(`No flag '${flagKey}' exists (or it is archived).`);
    const kind = flag.variationType;
    const fallback = kind === 'boolean' ? false : kind === 'number' ? 0 : kind === 'string' ? '' : null;
    const evaluation = evaluateFlag(flag, flagKey, user, this.client.store.segmentLookup, silentLogger);
    const detail = toDetail<unknown>(evaluation, kind, fallback);
    return {
      flagKey,
      value: detail.value,
      kind: detail.kind,
      reason: detail.reason,
      variationId: detail.variationId === '' ? null : detail.variationId,
      sendToExperiment: detail.sendToExperiment,
    };
  }

  private evaluateSwitch(
    name: string,
    inputs: unknown[],
    namespace: string | undefined,
  ): SwitchEvaluationResponse {
    const manager = this.managerFor(namespace);
    const ns = manager.namespaceKey;
    const entry = this.client.store.switchEntry(ns, name);
    if (entry === undefined) throw new NotFoundException(`No switch '${name}' exists in namespace '${ns}'.`);
    const sw = entry.switch;
    const active = manager.active(name, ...inputs, exclusive);
    const parentName = entry.parent;
    const parent =
      parentName === undefined || !manager.has(parentName)
        ? null
        : { name: parentName, active: manager.active(parentName, ...inputs, exclusive) };
    const environment = manager.operatorEnvironment;
    const conditions = sw.conditions.map((condition): ConditionExplanation => ({
      text: condition.toString(),
      argument: condition.argument.name,
      attribute: condition.attribute,
      negative: condition.negative,
      inputs: inputs.map((input, i) => {
        const applies = safeApplies(() => condition.argument.applies(input));
        return {
          input: i,
          applies,
          result: applies ? condition.test(input, environment, () => undefined) : null,
        };
      }),
    }));
    return {
      switch: name,
      namespace: ns,
      active,
      state: sw.state,
      compounded: sw.compounded,
      concent: sw.concent,
      parent,
      explanation: explain(sw, active, parent, conditions, inputs.length),
      conditions,
    };
  }

  private managerFor(namespace: string | undefined): Manager {
    const root = this.client.manager;
    if (namespace === undefined || namespace === '' || namespace === root.namespaceKey) return root;
    try {
      return namespace.split('.').reduce((manager, part) => manager.namespaced(part), root);
    } catch (error) {
      throw new BadRequestException(
        `Invalid namespace ${JSON.stringify(namespace)}: ${(error as Error).message}`,
      );
    }
  }
}

function safeApplies(check: () => boolean): boolean {
  try {
    return check();
  } catch {
    return false;
  }
}

function explain(
  sw: { state: string; compounded: boolean; concent: boolean },
  active: boolean,
  parent: { name: string; active: boolean } | null,
  conditions: readonly ConditionExplanation[],
  inputCount: number,
): string {
  if (sw.state === 'disabled') return 'Inactive: the switch is disabled for everyone.';
  if (sw.concent && parent !== null && !parent.active)
    return `Inactive: its parent '${parent.name}' is inactive for these inputs, and the switch has concent.`;
  if (sw.state === 'global')
    return active ? 'Active: the switch is global (on for everyone).' : 'Inactive (forced).';
  const judged = conditions.filter((c) => c.inputs.some((i) => i.applies));
  const held = conditions.filter((c) => c.inputs.some((i) => i.result === true));
  if (conditions.length === 0) return 'Inactive: the switch is selective and has no conditions.';
  if (inputCount === 0 || judged.length === 0)
    return `${active ? 'Active' : 'Inactive'}: no input is one its conditions apply to (arguments: ${[
      ...new Set(conditions.map((c) => c.argument)),
    ].join(', ')}).`;
  if (sw.compounded)
    return active
      ? 'Active: compounded, and every condition holds.'
      : `Inactive: compounded, and ${conditions.length - held.length} of ${conditions.length} condition(s) do not hold: ${conditions
          .filter((c) => !held.includes(c))
          .map((c) => c.text)
          .join('; ')}.`;
  return active
    ? `Active: the condition(s) ${held.map((c) => c.text).join('; ')} hold.`
    : 'Inactive: no condition holds for these inputs.';
}
