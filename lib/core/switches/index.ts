export { SwitchState, parseSwitchState } from './switch-state.js';
export {
  ArgumentRegistry,
  boolean,
  defineArguments,
  string,
  value,
  type AppliesTo,
  type ArgumentClass,
  type ArgumentContainer,
  type ArgumentDefinition,
  type ArgumentGuard,
  type Attribute,
  type AttributeGetter,
  type AttributeKind,
} from './argument.js';
export {
  OperatorRegistry,
  requireParams,
  type Operator,
  type OperatorDefinition,
  type OperatorEnvironment,
  type OperatorParams,
} from './operator.js';
export * from './operators/comparable.operators.js';
export * from './operators/identity.operator.js';
export * from './operators/string.operator.js';
export * from './operators/percent.operators.js';
export * from './operators/builtin-operators.js';
export * from './operators/operator-factories.js';
export {
  crc32Signed,
  percentBucket,
  percentHashes,
  python2Hash,
  type PercentHash,
} from './percent-bucket.js';
export { Condition, type ConditionRecord, type SwitchRegistries } from './condition.js';
export {
  KEY_SEPARATOR,
  Switch,
  parentName,
  type FieldChange,
  type SwitchChanges,
  type SwitchJSON,
  type SwitchOptions,
} from './switch.js';
export {
  SWITCH_RECORD_SCHEMA,
  parseSwitchRecord,
  switchKey,
  toSwitchRecord,
  type SwitchRecord,
} from './switch-record.js';
export * from './switch-signals.js';
export { InputScope } from './input-scope.js';
export { DEFAULT_NAMESPACE, Manager, exclusive, type ManagerOptions } from './manager.js';
