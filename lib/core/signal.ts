import { Observable, type Observer, type Subscription } from 'rxjs';
import { consoleLogger, type SwitchyardLogger } from './logger.js';

/**
 * A synchronous event stream (Gutter's signals as RxJS observables).
 *
 * Emission is synchronous and in subscription order, as upstream. Unlike a bare `Subject`, a subscriber
 * that throws is caught and logged here, so it can never break `active()` nor crash the process through
 * RxJS's asynchronous rethrow of unhandled errors.
 * @publicApi
 */
export class Signal<T> extends Observable<T> {
  private observers: Array<(value: T) => void> = [];

  constructor(
    private readonly signalName: string,
    private readonly logger: SwitchyardLogger = consoleLogger,
  ) {
    super((subscriber) => {
      const deliver = (value: T): void => subscriber.next(value);
      this.observers = [...this.observers, deliver];
      return () => {
        this.observers = this.observers.filter((o) => o !== deliver);
      };
    });
  }

  /** True when someone listens: emitters skip building payloads otherwise. */
  get observed(): boolean {
    return this.observers.length > 0;
  }

  override subscribe(observerOrNext?: Partial<Observer<T>> | ((value: T) => void) | null): Subscription {
    const next =
      typeof observerOrNext === 'function' ? observerOrNext : observerOrNext?.next?.bind(observerOrNext);
    return super.subscribe({
      next: (value) => {
        if (!next) return;
        try {
          next(value);
        } catch (error) {
          this.logger.error(`A subscriber of '${this.signalName}' threw; the signal goes on.`, error);
        }
      },
      complete: () => {
        if (typeof observerOrNext === 'object') observerOrNext?.complete?.();
      },
    });
  }

  /** Delivers a value to every current subscriber, synchronously. */
  emit(value: T): void {
    const observers = this.observers;
    for (let i = 0; i < observers.length; i++) observers[i](value);
  }
}
