import 'reflect-metadata';
import type { ExecutionContext } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';

/** Where a stackable decorator was written: on the handler, or on its controller class. */
export type MetadataLevel = 'handler' | 'class';

/**
 * A decorator that can be stacked on a handler or a controller class (`@SwitchActive()`, `@TrackMetric()`): it
 * adds `entry` to the list under `metadataKey` of its level, in written order (decorators apply bottom up, so each
 * prepends), and adds the level's enhancer (a guard or an interceptor) once — that one enhancer reads the whole
 * list. The class level has an enhancer of its own because Nest gives an enhancer the handler or the class, not
 * both, and a class decorator must also cover handlers written later in the class.
 * @internal
 */
export function stackingDecorator(
  metadataKey: string,
  entry: unknown,
  enhancers: { readonly handler: MethodDecorator; readonly class: ClassDecorator },
): ClassDecorator & MethodDecorator {
  return ((target: object, key?: string | symbol, descriptor?: PropertyDescriptor) => {
    const holder: object = descriptor === undefined ? target : (descriptor.value as object);
    const existing = Reflect.getOwnMetadata(metadataKey, holder) as unknown[] | undefined;
    Reflect.defineMetadata(metadataKey, [entry, ...(existing ?? [])], holder);
    if (existing !== undefined) return;
    if (descriptor === undefined) enhancers.class(target as never);
    else enhancers.handler(target, key as string | symbol, descriptor);
  }) as ClassDecorator & MethodDecorator;
}

/**
 * Reads what {@link stackingDecorator} stored for one level, with the `Reflector`, once per handler or class
 * (metadata never changes after start-up, and the guard runs on every request).
 * @internal
 */
export class LevelMetadata<T> {
  private readonly cache = new WeakMap<object, readonly T[] | null>();

  constructor(
    private readonly reflector: Reflector,
    private readonly metadataKey: string,
  ) {}

  /** The entries of the context's handler or class, or null when it has none. */
  of(context: ExecutionContext, level: MetadataLevel): readonly T[] | null {
    const target: object = level === 'handler' ? context.getHandler() : context.getClass();
    let entries = this.cache.get(target);
    if (entries === undefined) {
      entries = this.reflector.get<readonly T[] | undefined>(this.metadataKey, target as never) ?? null;
      this.cache.set(target, entries);
    }
    return entries;
  }
}
