/**
 * The second app instance of the multi-instance test: a FeatureFlagClient on the same Redis. It registers
 * 'adults', increments the 'counter' switch INCREMENTS times (read-modify-write, retrying on conflicts), then
 * waits for the parent's switch 'from-parent' to reach it through the change stream, and exits 0.
 * Env: REDIS_URL, PREFIX, INCREMENTS.
 */
import {
  Condition,
  FeatureFlagClient,
  RedisStorage,
  Switch,
  SwitchState,
  createOperatorRegistry,
  silentLogger,
} from '../../lib/index.js';
import { VisitorArguments, incrementCounter } from './multi-instance.fixtures.js';

const client = new FeatureFlagClient({
  storage: new RedisStorage({ url: process.env.REDIS_URL, prefix: process.env.PREFIX, logger: silentLogger }),
  arguments: [VisitorArguments],
  logger: silentLogger,
});
const giveUp = setTimeout(() => {
  console.log('gave up');
  process.exit(2);
}, 15_000);
await client.waitForInitialization();
const operators = createOperatorRegistry();
await client.register(
  new Switch('adults', {
    state: SwitchState.Selective,
    conditions: [
      new Condition({
        argument: VisitorArguments,
        attribute: 'age',
        operator: operators.create('more_than_or_equal_to', { lowerLimit: 18 }),
      }),
    ],
  }),
);
console.log('registered adults');

const increments = Number(process.env.INCREMENTS ?? '10');
let conflicts = 0;
for (let i = 0; i < increments; i++) conflicts += await incrementCounter(client);
console.log('incremented');
console.log(`conflicts ${conflicts}`);

const done = (): void => {
  clearTimeout(giveUp);
  console.log('saw from-parent');
  void client.close().then(() => process.exit(0));
};
if (client.manager.has('from-parent')) done();
else client.changes$.subscribe(() => client.manager.has('from-parent') && done());
